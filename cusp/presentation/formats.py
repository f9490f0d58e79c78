"""Numbers as a board reads them. Pure Python; every function returns text, never ``NaN``/``None``/``e+03``.

Missing values read "–" (an en dash), the convention of the government's statistics tables for
"not available".
"""

from __future__ import annotations

import math
from typing import Any

MISSING = "–"


def _bad(v: Any) -> bool:
    try:
        return v is None or not math.isfinite(float(v))
    except (TypeError, ValueError):
        return True


def gbp(v: Any, pence: bool | None = None) -> str:
    """Pounds with separators: ``£124,641``; pence only when they matter.

    ``pence=None`` shows pence when the amount is under £1,000 and not whole pounds (a £12.50
    tariff); ``True``/``False`` force them. Negative amounts read ``-£1,250``.
    """
    if _bad(v):
        return MISSING
    x = round(float(v), 2)
    show = pence if pence is not None else (abs(x) < 1000 and x != round(x))
    text = f"£{abs(x):,.2f}" if show else f"£{abs(x):,.0f}"
    return ("-" + text) if x < 0 and text.strip("£0.,") else text


def pct(share: Any, decimals: int = 1) -> str:
    """A share (0–1) as a percentage to one decimal: ``0.584`` → ``58.4%``."""
    if _bad(share):
        return MISSING
    return f"{100 * float(share):.{decimals}f}%"


def pp(diff: Any, decimals: int = 1, signed: bool = True) -> str:
    """A difference of two shares in percentage points: ``-0.032`` → ``-3.2 pp``."""
    if _bad(diff):
        return MISSING
    x = 100 * float(diff)
    return f"{x:+.{decimals}f} pp" if signed else f"{x:.{decimals}f} pp"


def count(v: Any) -> str:
    """A count as an integer with separators: ``1341.0`` → ``1,341``; symbols (``*``, ``c``) pass through."""
    if isinstance(v, str):
        return v
    if _bad(v):
        return MISSING
    return f"{round(float(v)):,}"


def value(v: Any, kind: str = "number", decimals: int = 1) -> str:
    """Format ``v`` by kind: ``gbp``, ``share`` (%), ``pp``, ``count``, ``wait`` (working days), ``number``."""
    if isinstance(v, str):
        return v
    if kind == "gbp":
        return gbp(v)
    if kind in ("share", "pct"):
        return pct(v, decimals)
    if kind == "pp":
        return pp(v, decimals)
    if kind == "count":
        return count(v)
    if _bad(v):
        return MISSING
    return f"{float(v):,.{decimals}f}"


def interval(est: Any, low: Any, high: Any, kind: str = "number", level: int = 95, decimals: int = 1) -> str:
    """A headline figure with its interval: ``58.4% (95% interval 52.1% to 64.0%)``."""
    main = value(est, kind, decimals)
    if _bad(low) or _bad(high):
        return main
    return f"{main} ({level}% interval {value(low, kind, decimals)} to {value(high, kind, decimals)})"


_COMPARISON = {">=": "at least", ">": "more than", "<=": "at most", "<": "under", "==": "exactly"}


def target_text(comparison: str, threshold: float, kind: str) -> str:
    """A KPI threshold in words: ``(">=", 0.75, "share")`` → ``at least 75.0%``; waits in working days."""
    words = _COMPARISON.get(comparison, comparison)
    if kind == "share":
        return f"{words} {pct(threshold)}"
    if kind == "wait":
        return f"{words} {threshold:g} working days"
    if kind == "weeks":
        return f"{words} {threshold:g} weeks"
    return f"{words} {count(threshold)}" if float(threshold) == round(float(threshold)) else f"{words} {threshold:,.1f}"


def mean_interval(values: Any, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of ``values`` (one per replication) and its t interval: ``(mean, low, high)``.

    With fewer than two values the interval is the mean itself (NaN ends).
    """
    import numpy as np
    from scipy import stats

    x = np.asarray(list(values), dtype=float)
    x = x[np.isfinite(x)]
    if len(x) == 0:
        return float("nan"), float("nan"), float("nan")
    m = float(x.mean())
    if len(x) < 2:
        return m, float("nan"), float("nan")
    h = float(stats.t.ppf(0.5 + level / 2, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))
    return m, m - h, m + h
