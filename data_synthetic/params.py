"""Parameters of the synthetic-extract generator that the scenario does not hold.

The scenario supplies referral volumes, districts, sub-cohorts, waits, durations, care hazards
and the distance-travelled changes; :class:`SynthParams` supplies everything else (how
covariates drive outcomes, who ends up in the comparison pool, missingness, recording lags).
Every value is written to ``truth.json`` so an analysis can be checked against it.

Covariate effects are on a log scale relative to a **reference child**: Continuum of Need level
4, two recorded risk factors, no prior care episode, aged under 10.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class SynthParams:
    """Generator settings with realistic defaults (see ``docs/data-contracts.md``).

    Attributes are grouped: covariates, confounding (selection into service vs comparison
    pool), outcomes, missingness and recording.
    """

    # --- covariates ------------------------------------------------------------------------
    male_share_under_10: float = 0.52
    male_share_10_plus: float = 0.56
    sex_not_known_share: float = 0.01
    ethnicity_not_known_share: float = 0.03
    bme_share_default: float = 0.077  # 004 §1.2 county "7.7% ... BME"
    bme_share_by_district: dict[str, float] = field(
        default_factory=lambda: {"Pendle": 0.20, "Preston": 0.20, "Ribble Valley": 0.02}  # 004 §1.2
    )
    bme_split: dict[str, float] = field(
        default_factory=lambda: {"asian": 0.70, "mixed": 0.15, "black": 0.08, "other": 0.07}
    )
    # --- confounding: log-odds of being served rather than in the comparison pool ----------
    pool_ratio: float = 3.0
    selection_log_odds: dict[str, float] = field(
        default_factory=lambda: {"need_level_4": 0.8, "risk_factors": 0.25, "prior_care_episodes": 0.4, "age_10_plus": -0.2}
    )
    # --- outcomes: log hazard of care entry per covariate (the same covariates) -----------
    care_log_hazard: dict[str, float] = field(
        default_factory=lambda: {"need_level_4": 0.5, "risk_factors": 0.15, "prior_care_episodes": 0.35, "age_10_plus": 0.1}
    )
    frailty_sd: float = 0.3
    max_spells: int = 4
    reunification_home_share: float = 0.85
    pool_days_to_return_home_mean: float = 180.0
    pool_days_to_return_home_sd: float = 120.0
    # --- distance travelled ---------------------------------------------------------------
    baseline_position_mean: float = 0.38  # baseline as a share of the way from worst to best
    baseline_position_sd: float = 0.16
    baseline_severity_slope: float = 0.05  # lower baseline per SD of severity
    area_correlation: float = 0.5
    baseline_missing_share: float = 0.03
    follow_up_severity_log_odds: float = -0.3  # more severe families are followed up less
    exit_assessment_share: float = 0.8
    # --- school and reading ---------------------------------------------------------------
    absence_share_reference: float = 0.06  # unauthorised absence days / possible days
    absence_severity_log: float = 0.35
    absence_dispersion: float = 2.0  # gamma shape of child-level variation
    school_missing_share: float = 0.03
    reading_lag_years_mean: float = 1.2
    reading_lag_severity_years: float = 0.4
    reading_progress_years_per_year: float = 0.85
    forecast_missing_share: float = 0.1
    # --- recording ------------------------------------------------------------------------
    late_recorded_share: float = 0.08
    late_recorded_days: tuple[int, int] = (30, 180)
    not_started_share: float = 0.06
    # --- care histories as councils record them (data_synthetic.histories) -----------------
    placement_change_share: float = 0.35  # periods of 2+ days split into 2-4 touching rows (a cut day drawn twice: a zero-day placement)
    remand_after_care_share: float = 0.08  # care periods whose last row is remand, from the same day
    zero_day_period_share: float = 0.02  # away from home and back the same day
    short_break_child_share: float = 0.03  # children with respite short breaks (V3/V4) while at home
    short_break_nights: tuple[int, int] = (1, 3)
    # --- re-referrals (data_synthetic.rereferrals) ------------------------------------------
    re_referral_share: float = 0.05  # served referrals whose child is referred again after support
    re_referral_gap_days_mean: float = 150.0

    def as_dict(self) -> dict:
        """Plain JSON-ready values."""
        data = asdict(self)
        data["late_recorded_days"] = list(self.late_recorded_days)
        data["short_break_nights"] = list(self.short_break_nights)
        return data
