"""Leading indicators of 004 §8.3.2 and a RAG rating of stability per child.

- referrals against plan (the scenario's expected referrals to date);
- proportion of referrals accepted;
- number and proportion of engaged children not reaching the first stability milestone;
- RAG rating of stability at home per child: **green** home every day since t0 (or paid
  throughout), **amber** a spell so far but tracking continues (paused or resumed),
  **red** milestone not achieved, tracking stopped or failed.
"""

from __future__ import annotations

import pandas as pd

from simulate.scenario import Scenario, annual_referrals


def rag_ratings(children: pd.DataFrame) -> pd.DataFrame:
    """RAG colour per engaged case: the ``children`` table of a SIB settlement (column rag)."""
    return children.loc[children["rag"] != "", ["case_id", "sub_cohort", "rag"]].reset_index(drop=True)


def leading_indicators(referrals: pd.DataFrame, settlement, scenario: Scenario) -> pd.DataFrame:
    """The §8.3.2 indicators of a SIB settlement (:class:`simulate.payments.sib.Settlement`).

    Returns columns indicator, value.
    """
    as_of, audit = settlement.as_of, settlement.audit
    h = scenario.horizon
    elapsed = max(0.0, min((pd.Timestamp(as_of) - pd.Timestamp(h.start_date)).days, (pd.Timestamp(h.referral_end) - pd.Timestamp(h.start_date)).days)) / 365.25
    plan = float(annual_referrals(scenario)["per_year"].sum()) * elapsed
    ref = referrals[pd.to_datetime(referrals["referral_date"]) <= pd.Timestamp(as_of)]
    accepted = ref["accepted"].astype(str).str.lower().isin(["true", "1"]) if "accepted" in ref else ref["start_date"].notna()
    ms = audit[(audit["metric"] == "stability_milestone") & (audit["status"] != "not eligible")]
    decided = ms[ms["status"].isin(["paid", "not achieved", "stopped", "capped"])]
    missed = (decided["status"] == "not achieved").sum()
    rag = rag_ratings(settlement.children)["rag"].value_counts()
    rows = [
        ("referrals to date", len(ref)),
        ("referrals planned to date", round(plan, 1)),
        ("referrals against plan", len(ref) / plan if plan else float("nan")),
        ("proportion of referrals accepted", accepted.mean() if len(ref) else float("nan")),
        ("children past the first milestone date", len(decided)),
        ("number not reaching the first stability milestone", int(missed)),
        ("proportion not reaching the first stability milestone", missed / len(decided) if len(decided) else float("nan")),
        *((f"RAG {c}", int(rag.get(c, 0))) for c in ("green", "amber", "red")),
    ]
    return pd.DataFrame(rows, columns=["indicator", "value"])
