"""The summaries boards read first, as worked examples: the payments statement's and the capacity report's."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from cusp import capacity_report as cr
from cusp import payments_report as pay


def _indicators(missed: int, past: int):
    values = {"referrals to date": 40, "referrals planned to date": 50.0, "referrals against plan": 0.8,
              "proportion of referrals accepted": 0.9, "children past the first milestone date": past,
              "number not reaching the first stability milestone": missed, "RAG green": 20, "RAG amber": 10, "RAG red": 15}
    return pay.indicator_table(pd.DataFrame({"indicator": list(values), "value": list(values.values())}), "nhs-digital")


def test_payments_summary_names_money_due_and_what_is_off_track():
    payments = pd.DataFrame({"payer": ["commissioner", "life_chances_fund", "commissioner"], "amount": [1000.0, 428.57, 2500.0],
                             "child_id": ["a", "a", "b"]})
    audit = pd.DataFrame({"case_id": [f"k{i}" for i in range(12)], "capped_gbp": [0.0] * 12})
    points, missed, figures = pay.summary_points(payments, audit, _indicators(missed=10, past=40), None, "2024-03-31", "nhs-digital")
    # £1,000 + £428.57 + £2,500 = £3,928.57, shown without pence at this size; commissioner £3,500
    assert points[0] == "£3,929 is due for outcomes achieved to 31 March 2024: Commissioner £3,500, Life Chances Fund £428.57."
    assert points[1] == "No cap cut any payment."
    # 40 referrals of 50 planned = 80.0%; 10 of 40 children (both rounded to 5 already) = 25.0%
    assert missed == ["Referrals are behind plan: 80.0% of the referrals planned to date.",
                      "25.0% of children past their first milestone date did not reach the first stability milestone (10 children)."]
    assert ("Cases", "10") in figures   # 12 cases rounded to the nearest 5 under nhs-digital


def test_a_suppressed_share_is_said_to_be_suppressed_not_printed_as_a_symbol():
    audit = pd.DataFrame({"case_id": ["k1"], "capped_gbp": [0.0]})
    payments = pd.DataFrame({"payer": ["commissioner"], "amount": [10.0], "child_id": ["a"]})
    points, missed, _ = pay.summary_points(payments, audit, _indicators(missed=3, past=40), None, "2024-03-31", "nhs-digital")
    assert not any(m.startswith("*") for m in missed)
    assert any("suppressed" in p for p in points)


def test_capacity_summary_lists_missed_targets_first():
    targets = pd.DataFrame({"target": ["out_of_care", "referrals_on_plan"], "metric": ["share_out_of_care", "referrals"],
                            "comparison": [">=", ">="], "threshold": [0.75, 116.0], "label": ["every", "every"],
                            "probability": [0.4, 0.95]})
    cases = pd.DataFrame({"replication": [0, 0, 1, 1], "start_day": [1, 2, 3, 4], "wait_to_start_working_days": [4.0, 6.0, 6.0, 8.0]})
    wf = SimpleNamespace(total_fte=14, cost_per_fte_gbp_per_year=36000.0, caseload_cap_per_fte=6, vacancy_rate=0.05, leave_share=0.1)
    sc = SimpleNamespace(triage=SimpleNamespace(start_target_working_days=10, start_target_weeks=None), workforce=wf,
                         service=SimpleNamespace(name="S", local_authority="LA"))
    plan = SimpleNamespace(target="out_of_care", answer=12.5, interval=(11.0, 14.0), reason="")
    points, missed, _ = cr.summary_points(sc, targets, cases, plan, 0.9, 2, 1)
    assert missed == ["Children not in care (at least 75.0%): met in every period in only 40.0% of futures, below the 90.0% asked for."]
    assert points[0] == "Referrals on plan (at least 116): met in every period in 95.0% of futures."
    # replication means 5.0 and 7.0: mean 6.0, t(1) 97.5% = 12.706, sd 1.414, half-width 12.706 x 1.414 / 1.414 = 12.7;
    # the lower end, -6.7, is clipped at 0 (a wait is never negative)
    assert points[1].startswith("Families wait on average 6.0 (95% interval 0.0 to 18.7) working days")
    # 12.5 FTE x £36,000 = £450,000 a year
    assert "12.5 FTE (95% interval 11.0 to 14.0; about £450,000 a year), against 14 FTE" in points[2]
