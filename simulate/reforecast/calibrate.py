"""Learn the referral rate and the care-entry hazard from the data so far (gamma–Poisson).

Referrals: per sub-cohort, engagements (the children the bond pays) arrive as a Poisson process
on engagement day. Prior: the scenario's planned rate (referral streams × acceptance × volume)
worth ``referral_prior_months`` months of exposure; evidence: engaged children counted over the
days of the engagement window elapsed by the as-of day.

Care entry: per sub-cohort, a multiplier ``θ`` on the scenario's hazards (during and after
support). Prior Gamma(k, k) worth ``hazard_prior_events`` expected entries; evidence: periods
away that started on or after the child's stability clock, against the entries the scenario's
hazard expected over the child-days spent at home since then (the integrated hazard).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from .posterior import GammaRate, multiplier_prior, rate_prior
from .state import SibState

DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Priors:
    """The strength of the priors: months of referrals, expected care entries, one-off lines."""

    referral_prior_months: float = 6.0
    hazard_prior_events: float = 10.0
    one_off_prior_lines: float = 20.0


@dataclass
class Calibration:
    """Posteriors and the evidence behind them, by sub-cohort."""

    cohort_names: tuple[str, ...]
    referral_prior: list[GammaRate]
    referral_posterior: list[GammaRate]
    referrals_seen: np.ndarray
    referral_exposure_days: np.ndarray
    hazard_prior: list[GammaRate]
    hazard_posterior: list[GammaRate]
    entries_seen: np.ndarray
    entries_expected: np.ndarray
    home_days: np.ndarray

    def table(self) -> list[dict]:
        """One row per sub-cohort (rates per year; multiplier posterior means)."""
        return [{
            "sub_cohort": c,
            "planned_engagements_per_year": self.referral_prior[i].mean * DAYS_PER_YEAR,
            "engaged_so_far": int(self.referrals_seen[i]),
            "exposure_days": float(self.referral_exposure_days[i]),
            "posterior_engagements_per_year": self.referral_posterior[i].mean * DAYS_PER_YEAR,
            "posterior_engagements_per_year_sd": self.referral_posterior[i].sd * DAYS_PER_YEAR,
            "care_entries_seen": int(self.entries_seen[i]),
            "care_entries_expected": float(self.entries_expected[i]),
            "child_days_at_home": float(self.home_days[i]),
            "hazard_multiplier_posterior_mean": self.hazard_posterior[i].mean,
            "hazard_multiplier_posterior_sd": self.hazard_posterior[i].sd,
        } for i, c in enumerate(self.cohort_names)]

    def published_table(self, count: Callable[[str, int, float], int | None]) -> list[dict]:
        """:meth:`table` with its real counts as published and nothing that gives them back.

        ``count(column, row, n)`` is the published value of the true count ``n`` in that cell
        (rounded; ``None`` when suppressed, by the policy's rule or secondary suppression).
        Each posterior is recomputed from the *published* count (so it reveals no more than the
        count does); where a sub-cohort's children or care entries are suppressed, every column
        resting on them (posteriors, expected entries, days at home) is ``None`` too.
        """
        rows = self.table()
        for i, row in enumerate(rows):
            n, e = count("engaged_so_far", i, float(self.referrals_seen[i])), count("care_entries_seen", i, float(self.entries_seen[i]))
            row["engaged_so_far"], row["care_entries_seen"] = n, e
            if n is None:
                row["posterior_engagements_per_year"] = row["posterior_engagements_per_year_sd"] = None
            else:
                post = self.referral_prior[i].update(n, self.referral_exposure_days[i])
                row["posterior_engagements_per_year"], row["posterior_engagements_per_year_sd"] = post.mean * DAYS_PER_YEAR, post.sd * DAYS_PER_YEAR
            if n is None or e is None:
                for c in ("care_entries_expected", "child_days_at_home", "hazard_multiplier_posterior_mean", "hazard_multiplier_posterior_sd"):
                    row[c] = None
            else:
                post = self.hazard_prior[i].update(e, self.entries_expected[i])
                row["hazard_multiplier_posterior_mean"], row["hazard_multiplier_posterior_sd"] = post.mean, post.sd
        return rows


def integrated_hazard(a: np.ndarray, b: np.ndarray, switch: np.ndarray, h_during: np.ndarray, h_after: np.ndarray) -> np.ndarray:
    """Expected entries over days ``[a, b)``: ``h_during`` (per year) before ``switch``, ``h_after`` from it."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    before = np.clip(np.minimum(b, switch) - a, 0, None)
    after = np.clip(b - np.maximum(a, switch), 0, None)
    return (h_during * before + h_after * after) / DAYS_PER_YEAR


def support_end(state: SibState, mean_support_days: float) -> np.ndarray:
    """Recorded end of support, or the engagement plus the planned mean while it is open."""
    return np.where(state.support_end >= 0, state.support_end, state.engage + mean_support_days).astype(float)


def calibrate(state: SibState, planned_per_day: np.ndarray, window: tuple[int, int], h_during: np.ndarray,
              h_after: np.ndarray, mean_support_days: float, priors: Priors = Priors()) -> Calibration:
    """Posteriors of the engagement rate and the hazard multiplier of each sub-cohort.

    Parameters
    ----------
    planned_per_day
        The scenario's engagements per day by sub-cohort.
    window
        First and last-plus-one engagement day of the bond's cohort (referral window shifted by
        the triage delay).
    h_during, h_after
        The scenario's care hazards per year by sub-cohort.
    """
    k = len(state.cohort_names)
    day = state.day
    exposure = max(0, min(day + 1, window[1]) - window[0])
    seen = np.bincount(state.cohort, minlength=k)
    r_prior = [rate_prior(float(planned_per_day[c]), priors.referral_prior_months) for c in range(k)]
    r_post = [r_prior[c].update(seen[c], exposure) for c in range(k)]

    switch = support_end(state, mean_support_days)
    entries, expected, home = np.zeros(k), np.zeros(k), np.zeros(k)
    hd, ha = h_during[state.cohort], h_after[state.cohort]
    for i in np.flatnonzero((state.t0 >= 0) & (state.t0 <= day)):
        s = state.start[state.offsets[i]:state.offsets[i + 1]]
        e = np.minimum(state.end[state.offsets[i]:state.offsets[i + 1]], day + 1)
        after = s >= state.t0[i]
        # days at home: from t0 to the as-of day, less the days of periods away after t0
        cuts_a = np.concatenate(([state.t0[i]], e[after]))
        cuts_b = np.concatenate((s[after], [day + 1]))
        ok = cuts_b > cuts_a
        c = state.cohort[i]
        entries[c] += int(after.sum())
        expected[c] += float(integrated_hazard(cuts_a[ok], cuts_b[ok], switch[i], hd[i], ha[i]).sum())
        home[c] += float((cuts_b[ok] - cuts_a[ok]).sum())
    h_prior = [multiplier_prior(priors.hazard_prior_events) for _ in range(k)]
    h_post = [h_prior[c].update(entries[c], expected[c]) for c in range(k)]
    return Calibration(tuple(state.cohort_names), r_prior, r_post, seen.astype(float), np.full(k, float(exposure)),
                       h_prior, h_post, entries, expected, home)


__all__ = ["Calibration", "Priors", "calibrate", "integrated_hazard", "support_end"]
