"""Disclosure control of a reforecast's files (``cusp reforecast --disclosure POLICY``).

A reforecast reads real extracts, so its folder holds real counts by sub-cohort or district:
children engaged and care entries seen (calibration.csv), cases to date (summary.json and the
first row of planned_achieved_forecast.csv), new referrals and periods away since the last
reforecast (waterfall.csv drivers). Every file at the top of ``--out`` is published through the
policy (:mod:`evaluation.disclosure`):

- each real count is the policy's published count (rounded, or its suppression symbol);
- a posterior learned from a count is recomputed from the *published* count (the mechanism's
  calibration ``published_table``), so it gives back no more than the count does; where the
  count is suppressed, so is everything resting on it;
- the forecast of cases to the end is the published count plus the modelled cases still to
  come; it, the cases still to come and the figures of kind "count" (which may add observed
  and modelled cases) are rounded to the policy's base (its rounding base, else its threshold):
  exact, they would give the count to date back from a figure resting on all cases (the cost
  per case started of a block = schedule ÷ (started to date + started still to come));
- the waterfall's drivers are worked out from the published calibration tables;
- ``draws.csv`` is not published: a draw's figures line up with each other, so a count could
  be read off by subtracting one figure from another within a draw.

The unrounded tables (summary.json, calibration.csv, planned_achieved_forecast.csv,
draws.csv, waterfall.csv) are written only under ``restricted-internal-use/`` (owner-only, with
the README of :mod:`cusp.render.results`).
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

RESTRICTED_ONLY = ("draws.csv",)
DEFAULT_POLICY = "nhs-digital"   # the reports' default (notebooks' disclosure_policy parameter)


def policy_for(name: str):
    """The registered policy ``name``; one that does not protect personal data is refused
    (a reforecast reads real extracts).

    Raises
    ------
    ReforecastError
        Unknown policy, or a modelled-figures policy.
    """
    from evaluation.disclosure import POLICIES, get_policy
    from simulate.reforecast import ReforecastError

    if name not in POLICIES:
        raise ReforecastError(f"--disclosure: unknown policy {name!r}; known: {', '.join(sorted(p for p in POLICIES if POLICIES[p].personal_data))}")
    pol = get_policy(name)
    if not pol.personal_data:
        raise ReforecastError(f"--disclosure: {name!r} is for modelled figures only; a reforecast reads extracts "
                              f"(choose {', '.join(sorted(p for p in POLICIES if POLICIES[p].personal_data))})")
    return pol


def count_fn(pol) -> Callable[[float], int | None]:
    """A true count -> its published value (``None`` when the policy suppresses it)."""
    def count(n: float) -> int | None:
        v = pol.count(n)
        return None if isinstance(v, str) else int(v)
    return count


def _base(pol) -> int:
    return int(pol.round_to or pol.min_count or 1)


def _round_base(x: Any, base: int) -> Any:
    if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x):
        return float(math.floor(x / base + 0.5) * base)
    return x


def published_counts(calibration: Any, pol) -> dict[str, tuple[list[int | None], int | None]]:
    """Each count column of the calibration table through the policy as a column with its total
    (:func:`evaluation.disclosure.disclose`, so a policy that needs it gets secondary
    suppression: no hidden cell follows from the total and the cells shown).

    Returns column -> (published cells, ``None`` where hidden; published total or ``None``).
    """
    from evaluation.disclosure import disclose
    from simulate.reforecast.base import count_columns

    t = pd.DataFrame(calibration.table())
    out = {}
    for c in [c for c in count_columns(calibration) if c in t]:
        v = pd.to_numeric(t[c], errors="coerce").to_numpy(float)
        if not (np.isfinite(v).all() and (v >= 0).all() and (v == np.round(v)).all()):
            # not a column of whole counts (a blank, a mean): each cell through the policy alone
            out[c] = ([count_fn(pol)(x) for x in v], None)
            continue
        cells = pd.DataFrame({c: v.astype(int)}, index=pd.Index([f"r{i}" for i in range(len(t))], name="row"))
        d = disclose(cells, pol).values[c]
        shown = [None if np.isnan(v) else int(v) for v in d.to_numpy()[:-1]]
        out[c] = (shown, None if np.isnan(d.iloc[-1]) else int(d.iloc[-1]))
    return out


def calibration_table(calibration: Any, pol, counts: dict[str, tuple[list[int | None], int | None]] | None = None) -> pd.DataFrame:
    """The calibration table as published (see the module docstring)."""
    counts = published_counts(calibration, pol) if counts is None else counts

    def count(column: str, row: int, n: float) -> int | None:
        return counts[column][0][row] if column in counts else count_fn(pol)(n)

    if hasattr(calibration, "published_table"):
        t = pd.DataFrame(calibration.published_table(count))
    else:
        t = pd.DataFrame(calibration.table())
        hidden = np.zeros(len(t), bool)
        for c, (cells, _) in counts.items():
            t[c] = cells
            hidden |= np.array([v is None for v in cells])
        for c in [c for c in t.columns if "posterior" in c]:
            t[c] = [None if (pol.round_to or h) else v for v, h in zip(t[c], hidden)]
    t = t.astype(object).where(t.notna(), pol.suppressed)
    for c in counts:
        t[c] = pd.Series([v if isinstance(v, str) else int(v) for v in t[c]], index=t.index, dtype=object)
    return t


def planned_achieved_forecast(table: pd.DataFrame, cases_to_date: int, shown: Any, pol) -> pd.DataFrame:
    """The first row (cases) with the published count ``shown``; the forecast of cases =
    published count + the modelled cases still to come (suppressed with the count)."""
    t = table.copy().astype(object)
    cols = [c for c in t.columns if c.startswith("forecast_")]
    if isinstance(shown, str):
        t.loc[0, ["achieved_to_date", *cols]] = shown
    else:
        t.loc[0, "achieved_to_date"] = shown
        for c in cols:
            # rounded like the count it adds to: an exact modelled part would give back, through
            # a figure resting on all cases (cost per case), the exact count to date
            t.loc[0, c] = _round_base(shown + (float(table.loc[0, c]) - float(cases_to_date)), _base(pol))
    return t


def _int_keys(node: Any, out: set[str], key: str = "") -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _int_keys(v, out, str(k))
    elif isinstance(node, list):
        for v in node:
            _int_keys(v, out, key)
    elif isinstance(node, int) and not isinstance(node, bool):
        out.add(key)


def summary(values: dict, pol, aliases: dict, counts: dict[str, tuple[list[int | None], int | None]]) -> dict:
    """summary.json as published: cases to date and the calibration's count totals as the
    disclosed calibration table shows them, count figures rounded, and the ``disclosure`` block
    the render gate reads (:func:`evaluation.disclosure.scan_results`)."""
    from evaluation.disclosure import DISCLOSURE_KEY

    out = copy.deepcopy(values)
    keys = ["cases_to_date"] + [old for old, (source, how) in aliases.items() if how == "key" and source == "cases_to_date"]
    exact_totals = values.get("calibration_totals", {})
    # the count column that adds up to the cases to date gives its published total (the same
    # cell as the disclosed table's, so the two files agree and no suppressed cell follows)
    same = [c for c, n in exact_totals.items() if n == values.get("cases_to_date") and c in counts]
    shown = counts[same[0]][1] if same else count_fn(pol)(float(values.get("cases_to_date", 0)))
    for k in keys:
        if k in out:
            out[k] = pol.suppressed if shown is None else shown
    out["calibration_totals"] = {c: (pol.suppressed if counts.get(c, (None, None))[1] is None else counts[c][1]) for c in exact_totals}
    base = _base(pol)
    # cases still to come are modelled, but exact they would give back the count to date from a
    # figure resting on all cases (the cost per case started = schedule / (to date + to come))
    if isinstance(out.get("new_cases"), dict):
        out["new_cases"] = {k: _round_base(v, base) for k, v in out["new_cases"].items()}
    for f in out.get("figures", []):
        if f.get("kind") == "count":
            for q in ("mean", "p5", "p50", "p95"):
                f[q] = _round_base(f[q], base)
    exempt: set[str] = set()
    _int_keys({k: v for k, v in out.items() if k not in keys and k != "calibration_totals"}, exempt)
    out[DISCLOSURE_KEY] = {"policy": pol.name, "counts": sorted([k for k in keys if k in out] + ["calibration_totals"]), "shares": [],
                           "not_counts": sorted(exempt), "restricted": "restricted-internal-use/ holds the unrounded tables"}
    return out


def read_previous(folder: Path, published: dict) -> tuple[dict, pd.DataFrame]:
    """A previous reforecast's summary and calibration table: the unrounded ones when its
    restricted folder is readable, else the published ones (suppressed cells read as blanks)."""
    import json

    from .render.results import RESTRICTED_DIR

    try:
        return (json.loads((folder / RESTRICTED_DIR / "summary.json").read_text()),
                pd.read_csv(folder / RESTRICTED_DIR / "calibration.csv"))
    except (OSError, ValueError):
        return published, pd.read_csv(folder / "calibration.csv")


def split(tables: dict, exact_summary: dict, context: Any, pol, aliases: dict,
          previous: tuple[dict, Path] | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """The files to publish and the files for ``restricted-internal-use/``.

    Parameters
    ----------
    tables
        :func:`simulate.reforecast.summarise`'s tables (summary.json excluded: ``exact_summary``).
    previous
        The previous reforecast's published summary and its folder, for the waterfall.
    """
    from simulate.reforecast import waterfall

    counts = published_counts(context.calibration, pol)
    pub_summary = summary(exact_summary, pol, aliases, counts)
    calib_pub = calibration_table(context.calibration, pol, counts)
    published: dict[str, Any] = {
        "summary.json": pub_summary,
        "remaining_by_month.csv": tables["remaining_by_month.csv"],
        "planned_achieved_forecast.csv": planned_achieved_forecast(tables["planned_achieved_forecast.csv"], context.cases_to_date,
                                                                   pub_summary["cases_to_date"], pol),
        "calibration.csv": calib_pub,
    }
    if "kpi_probabilities.csv" in tables:
        published["kpi_probabilities.csv"] = tables["kpi_probabilities.csv"]
    restricted: dict[str, Any] = {"summary.json": exact_summary, "calibration.csv": tables["calibration.csv"],
                                  "planned_achieved_forecast.csv": tables["planned_achieved_forecast.csv"],
                                  "draws.csv": tables["draws.csv"]}
    if previous is not None:
        before, folder = previous
        before_pub = pd.read_csv(folder / "calibration.csv")
        published["waterfall.csv"] = waterfall(pub_summary, before, calib_pub.replace(pol.suppressed, np.nan), before_pub,
                                               suppressed=pol.suppressed)
        before_exact, calib_before = read_previous(folder, before)
        restricted["waterfall.csv"] = waterfall(exact_summary, before_exact, tables["calibration.csv"], calib_before)
    return published, restricted


__all__ = ["DEFAULT_POLICY", "RESTRICTED_ONLY", "calibration_table", "count_fn", "planned_achieved_forecast", "policy_for",
           "published_counts", "read_previous", "split", "summary"]
