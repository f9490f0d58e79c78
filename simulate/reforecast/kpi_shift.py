"""What the 001 KPI-linked reforecast learns about each KPI: a Normal shift on the logit or log scale.

Read in :mod:`.kpi_linked` (its module docstring gives the model); here the pieces: the priors
(:class:`KpiPriors`), the scales (:func:`transform`, :func:`untransform`), the conjugate update
(:func:`shift_posterior`), the year in progress read from the case-level extract
(:func:`extract_evidence`) and the calibration table (:class:`KpiCalibration`).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulate.kpis import REGISTRY
from simulate.scenario import Scenario

#: shares are clipped to [EDGE, 1 - EDGE] before the logit
EDGE = 1e-3


@dataclass(frozen=True)
class KpiPriors:
    """Prior and year-to-year spread of each KPI's shift, on the logit (shares) or log (counts) scale.

    ``share_prior_sd`` 0.5 on the logit scale: a plan share of 70% is, one prior SD away,
    59% or 79%; ``share_year_sd`` 0.2: a year's share wanders ±3-4 points around the service's
    level. ``count_prior_sd`` 0.1 / ``count_year_sd`` 0.05: ±10% / ±5% on counts.
    """

    share_prior_sd: float = 0.5
    share_year_sd: float = 0.2
    count_prior_sd: float = 0.1
    count_year_sd: float = 0.05


def is_share(metric: str) -> bool:
    """Whether a registry metric is a share in [0, 1] (logit scale) rather than a count or mean (log scale)."""
    d = REGISTRY.get(metric)
    return d is not None and d.kind == "share"


def target_text(comparison: str, threshold: float, share: bool) -> str:
    """A target in words for tables, e.g. '>= 70%' or '>= 2,400'."""
    return f"{comparison} {threshold:.0%}" if share else f"{comparison} {threshold:,.10g}"


def transform(values: np.ndarray, share: bool) -> np.ndarray:
    """Logit of a share clipped to [EDGE, 1 − EDGE]; log of a count (at least 0.5)."""
    v = np.asarray(values, float)
    if share:
        p = np.clip(v, EDGE, 1 - EDGE)
        return np.log(p / (1 - p))
    return np.log(np.maximum(v, 0.5))


def untransform(z: np.ndarray, share: bool) -> np.ndarray:
    """Back to the KPI's scale; a share beyond the clipping edges reads 0 or 1."""
    z = np.asarray(z, float)
    if share:
        lo, hi = math.log(EDGE / (1 - EDGE)), math.log((1 - EDGE) / EDGE)
        return np.where(z >= hi - 1e-12, 1.0, np.where(z <= lo + 1e-12, 0.0, 1.0 / (1.0 + np.exp(-z))))
    return np.exp(z)


def shift_posterior(residuals: np.ndarray, prior_sd: float, year_sd: float, weights: np.ndarray | None = None) -> tuple[float, float]:
    """Normal posterior (mean, sd) of a persistent shift from residuals ``r_y ~ N(δ, year_sd² / w_y)``, ``δ ~ N(0, prior_sd²)``.

    ``weights`` (default 1): the share of a year each residual covers (a year in progress,
    read from the extracts so far, counts for the part of it observed).
    """
    r = np.asarray(residuals, float)
    w = np.ones(r.size) if weights is None else np.asarray(weights, float)
    precision = 1.0 / prior_sd**2 + w.sum() / year_sd**2
    return float((w * r).sum() / year_sd**2 / precision), float(1.0 / math.sqrt(precision))


def extract_evidence(scenario: Scenario, frames: dict[str, pd.DataFrame], as_of: dt.date, years: tuple[int, ...],
                     metrics: set[str]) -> dict[str, list[tuple[int, float, float]]]:
    """Each case-based metric's value so far in the contract year in progress, from ``referrals.csv`` as known on ``as_of``.

    Returns ``{metric: [(year, value, weight)]}``: the registry's value (:func:`simulate.kpis.evaluate`,
    the same definitions ``cusp`` reads real extracts with) over the year's days up to ``as_of``;
    ``weight`` is the share of the year observed, and a count is scaled to a whole year
    (count ÷ weight). Metrics the extract cannot give (no value) are left out.
    """
    from simulate.flow.metrics import kpi_params
    from simulate.flow.model import calendar_for
    from simulate.kpis import case_table_from_frames, evaluate, make_windows
    from simulate.kpis.windows import Windows

    from .kpi_join import known_cases

    refs = frames.get("referrals.csv")
    wanted = sorted(m for m in metrics if m in REGISTRY and REGISTRY[m].basis == "cases")
    if refs is None or not len(refs) or not wanted or not years:
        return {}
    h = scenario.horizon
    origin, day = h.start_date, (as_of - h.start_date).days
    known = known_cases(refs, as_of)
    names = list(scenario.district_names)
    known = known[known["district"].isin(names)]
    if not len(known):
        return {}
    table = case_table_from_frames(known.drop(columns=["row", "state"]).reset_index(drop=True), origin, names)
    w = make_windows("year", origin, origin, h.contract_end)
    # only the year in progress: an ended year is evidence through its reconciled kpi_results, and
    # an extract may begin after an earlier year (its starts would read as none)
    idx = [y - 1 for y in years if y - 1 < w.n and w.lo[y - 1] <= day < w.hi[y - 1] - 1]
    if not idx:
        return {}
    lo, hi = w.lo[idx], np.minimum(w.hi[idx], day + 1)
    cut = Windows("year", lo, hi, np.arange(len(idx), dtype=np.int64), [w.labels[i] for i in idx], np.ones(len(idx), bool))
    values = evaluate(table, cut, calendar_for(origin, h.contract_end), kpi_params(scenario), (h.contract_end - origin).days, wanted)
    out: dict[str, list[tuple[int, float, float]]] = {}
    for m, v in values.items():
        for k, i in enumerate(idx):
            x = float(v.value[k, -1])
            share = (hi[k] - lo[k]) / float(w.hi[i] - w.lo[i])
            if np.isfinite(x) and share > 0:
                out.setdefault(m, []).append((i + 1, x if is_share(m) else x / share, float(share)))
    return out


@dataclass
class KpiCalibration:
    """The plan, the reported years and the posterior shift of each KPI."""

    rows: list[dict]

    def table(self) -> list[dict]:
        return self.rows

    def published_table(self, count) -> list[dict]:
        """The table as published (``cusp.reforecast_disclosure``): no count of people rests on it
        but a count KPI's reported value and its value so far this year (e.g. families started),
        which go through the policy's ``count(column, row, n)``; a suppressed one hides that row's
        posterior too."""
        out = []
        for i, r in enumerate(self.rows):
            r = dict(r)
            for col in ("reported_mean", "open_year_value_so_far"):
                n = r.get(col, float("nan"))
                if r.get("modelled") and not is_share(r["metric"]) and np.isfinite(n):
                    shown = count(col, i, n)
                    r[col] = shown
                    if shown is None:
                        r.update(posterior_shift=None, posterior_shift_sd=None, posterior_value=None)
            out.append(r)
        return out


__all__ = ["EDGE", "KpiCalibration", "KpiPriors", "extract_evidence", "is_share", "shift_posterior", "target_text", "transform",
           "untransform"]
