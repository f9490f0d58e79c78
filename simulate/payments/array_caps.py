"""Caps on simulated payments from arrays: per child and on the total, per replication.

For simulated children the payments of :class:`~simulate.payments.vectorised.StabilityArrays`
are flattened to rows and capped in due-date order (ties: child, then milestone before tariff)
without a Python loop. With only a per-child cap and a total cap (which never resets), applying
the per-child cap first and then the total cap gives exactly the joint greedy of
:func:`simulate.payments.caps.apply_caps` (tested): the total cap, once reached, pays nothing
more. Per-metric and per-contract-year caps need the general greedy: use ``apply_caps`` on the
rows.
"""

from __future__ import annotations

import numpy as np

from .vectorised import StabilityArrays


def payment_rows(result: StabilityArrays) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Flatten due stability payments to rows ``(child, kind, due, amount)``.

    ``kind`` is 0 for the milestone and 1 for a tariff month. Needs ``monthly=True`` results.
    """
    if result.month_amount is None:
        raise ValueError("payment rows need the calendar-month breakdown (monthly=True)")
    n, k = result.month_amount.shape
    ms = np.flatnonzero(result.milestone_amount > 0)
    ti, tj = np.nonzero(result.month_amount > 0)
    child = np.concatenate((ms, ti))
    kind = np.concatenate((np.zeros(ms.size, np.int8), np.ones(ti.size, np.int8)))
    due = np.concatenate((result.milestone_due[ms], result.month_due[ti, tj]))
    amount = np.concatenate((result.milestone_amount[ms], result.month_amount[ti, tj]))
    return child, kind, due, amount


def cap_rows(child: np.ndarray, kind: np.ndarray, due: np.ndarray, amount: np.ndarray,
             replication: np.ndarray | None = None, per_child: float | None = None,
             total: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Cap payment rows in due-date order within each replication.

    Parameters
    ----------
    child, kind, due, amount
        Rows from :func:`payment_rows` (child index, 0 milestone / 1 tariff, day number, £).
    replication
        Replication index of each row's child (``replication[child]``); all 0 if None.
    per_child, total
        £ caps (None: no cap). ``total`` applies per replication.

    Returns
    -------
    (order, paid)
        ``order`` sorts the rows in due-date order; ``paid[i]`` is the £ paid for row
        ``order[i]`` after caps.
    """
    rep = np.zeros(child.size, np.int64) if replication is None else np.asarray(replication)
    order = np.lexsort((kind, child, due, rep))
    a = amount[order]
    paid = a.copy()
    if per_child is not None:
        c = child[order] if replication is None else child[order].astype(np.int64)
        by = np.lexsort((np.arange(c.size), c))           # stable: due order within a child
        ca = a[by]
        csum = np.cumsum(ca)
        starts = np.flatnonzero(np.r_[True, c[by][1:] != c[by][:-1]])
        base = np.repeat(csum[starts] - ca[starts], np.diff(np.r_[starts, c.size]))
        before = csum - ca - base
        capped = np.empty_like(a)
        capped[by] = np.clip(per_child - before, 0.0, ca)
        paid = capped
    if total is not None:
        r = rep[order]
        csum = np.cumsum(paid)
        starts = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if r.size else np.array([], int)
        base = np.repeat(csum[starts] - paid[starts], np.diff(np.r_[starts, r.size])) if r.size else csum
        before = csum - paid - base
        paid = np.clip(total - before, 0.0, paid)
    return order, paid


def payments_by_month(child: np.ndarray, due: np.ndarray, paid: np.ndarray, start: int, months: int,
                      replication: np.ndarray | None = None, n_replications: int = 1) -> np.ndarray:
    """£ due per replication and contract month, for the finance layer's cash flows.

    Parameters
    ----------
    child, due, paid
        Payment rows (child index, due day number, £), e.g. ``payment_rows`` or the
        ``order``/``paid`` of :func:`cap_rows` applied to them.
    start
        Contract start day number: month 0 is the calendar month containing it.
    months
        Number of contract months to return; later payments are dropped.
    replication
        Replication index per child (``None``: one replication).

    Returns
    -------
    ndarray
        Shape ``(n_replications, months)``.
    """
    d = np.asarray(due, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    m0 = np.array(start, dtype=np.int64).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    month = d - m0
    rep = np.zeros(len(child), np.int64) if replication is None else np.asarray(replication)[child]
    keep = (month >= 0) & (month < months)
    flat = np.bincount(rep[keep] * months + month[keep], weights=np.asarray(paid, float)[keep], minlength=n_replications * months)
    return flat.reshape(n_replications, months)
