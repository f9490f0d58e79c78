"""``truth.json``: the effects, confounding and missingness built into a synthetic extract.

Sections (every number is the generator's parameter unless it says ``realised``):

- ``distance_travelled``: per tool and area, ``effect_points`` (true change on the raw scale
  at six months for a family at the scale's midpoint; less near the ceiling), ``noise_sd``,
  the areas' correlation, ``follow_up_share``; ``realised_mean_change`` in recorded scores;
- ``care_entry``: per sub-cohort, annual hazards during and after support and without the
  service, ``hazard_ratio_after_support`` (after / counterfactual), covariate log-hazard
  coefficients and frailty SD;
- ``confounding``: log-odds coefficients of being served rather than pooled, on the same
  covariates, with the realised covariate means in each group;
- ``missingness`` and ``recording``: shares missing by design, late-recorded spells;
- ``school`` and ``reading``: true reduction in unauthorised absence, gain beyond forecast;
- ``care_histories``: how the episode rows were written (chains, remand after care, zero-day
  rows, short breaks, late recording) and the **periods away from home** a correct reading
  recovers (count and SHA-256 digest), referral rows, referred children and re-referrals;
- ``rows``: rows written per file.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from simulate.scenario import Scenario

from .params import SynthParams
from .people import design


def build_truth(sc: Scenario, p: SynthParams, *, seed: int, rows_scale: float, extract: np.datetime64, effects: dict, realised: dict,
                care_counts: dict, frames: dict[str, pd.DataFrame], ref: pd.DataFrame, pool: pd.DataFrame, scenario_name: str | None, version: str,
                histories: dict | None = None) -> dict:
    """Assemble the truth dictionary (JSON-ready, deterministic)."""
    care = {}
    for cohort in sc.sub_cohorts:
        o = sc.outcomes.care.get(cohort.name) or sc.outcomes.care.get("all")
        if o is None:
            continue
        ratio = o.hazard_after_support_per_year / o.counterfactual_hazard_per_year if o.counterfactual_hazard_per_year else None
        care[cohort.name] = {
            "hazard_during_support_per_year": o.hazard_during_support_per_year,
            "hazard_after_support_per_year": o.hazard_after_support_per_year,
            "counterfactual_hazard_per_year": o.counterfactual_hazard_per_year,
            "hazard_ratio_after_support": None if ratio is None else round(ratio, 6),
            "log_hazard_ratio_after_support": None if not ratio else round(float(np.log(ratio)), 6),
            "remand_share": o.remand_share,
        }
    groups = {}
    for name, frame in (("served", ref.loc[ref["start_date"].notna()] if len(ref) else ref), ("comparison_pool", pool)):
        if len(frame):
            x = design(frame)
            groups[name] = {k: round(float(v), 6) for k, v in x.mean().items()} | {"n": int(len(frame))}
    dt_truth = {
        tool: {
            "follow_up_share": spec["follow_up_share"],
            "area_correlation": p.area_correlation,
            "areas": spec["areas"],
            "realised_mean_change": realised.get(tool, {}),
        }
        for tool, spec in effects.items()
    }
    skipped = sorted({c.tool for c in sc.outcomes.distance_travelled} - set(effects))
    return {
        "generator": {"name": "data_synthetic", "version": version, "seed": int(seed), "rows_scale": float(rows_scale),
                      "scenario": scenario_name or sc.service.name, "extract_date": str(extract)},
        "reference_child": {"need_level": 4, "risk_factors": 2, "prior_care_episodes": 0, "age_10_plus": False},
        "distance_travelled": dt_truth,
        "distance_travelled_tools_not_in_registry": skipped,
        "care_entry": {
            "by_sub_cohort": care,
            "covariate_log_hazard": dict(p.care_log_hazard),
            "frailty_sd": p.frailty_sd,
            "max_spells_per_child": p.max_spells,
            "reunification_home_share": p.reunification_home_share,
        },
        "confounding": {
            "selection_log_odds": dict(p.selection_log_odds),
            "pool_ratio": p.pool_ratio,
            "outcome_covariates_shared": sorted(set(p.selection_log_odds) & set(p.care_log_hazard)),
            "realised_covariate_means": groups,
        },
        "school": {"unauthorised_absence_reduction": sc.outcomes.unauthorised_absence_reduction, "absence_share_reference": p.absence_share_reference,
                   "absence_severity_log": p.absence_severity_log},
        "reading": {"gain_beyond_forecast_years": sc.outcomes.reading_gain_beyond_forecast_years, "progress_years_per_year": p.reading_progress_years_per_year},
        "missingness": {
            "baseline_assessment_missing_share": p.baseline_missing_share,
            "follow_up_share_by_tool": {t: s["follow_up_share"] for t, s in effects.items()},
            "follow_up_severity_log_odds": p.follow_up_severity_log_odds,
            "exit_assessment_share": p.exit_assessment_share,
            "school_term_missing_share": p.school_missing_share,
            "forecast_reading_age_missing_share": p.forecast_missing_share,
            "sex_not_known_share": p.sex_not_known_share,
            "ethnicity_not_known_share": p.ethnicity_not_known_share,
        },
        "recording": {"late_recorded_share": p.late_recorded_share, "late_recorded_days": list(p.late_recorded_days), **care_counts},
        "care_histories": {
            "reading": ("care_episodes.csv rows that touch (a row starting the day the previous ended) or overlap form ONE "
                        "period away from home; episode_type short_break rows are not periods away from home; a child "
                        "referred twice is one child, paid once (004 §9.2: 'for each Child in the cohort')"),
            "periods_digest_form": "sha256 of 'child_id,start_date,end_date' header and one line per period, ISO dates, blank end while ongoing, lines sorted",
            **(histories or {}),
        },
        "params": p.as_dict(),
        "rows": {name: int(len(f)) for name, f in frames.items()},
    }


def dump_truth(truth: dict) -> str:
    """Deterministic JSON text (sorted keys, fixed indentation, trailing newline)."""
    return json.dumps(truth, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def read_truth(path: str | Path) -> dict:
    """Read a ``truth.json`` back."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
