"""The payments statement's mechanism sections (cusp/statement_parts.py), worked by hand."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from cusp import payments_report as pay
from cusp import statement_parts as parts
from simulate.payments.settle import settle_scenario
from simulate.scenario import load_scenario


def test_a_block_contracts_schedule_paid_to_date_and_still_to_pay():
    sc = load_scenario("hereford-mentoring-002")      # £100,000 a year, quarterly in advance from 1 April 2021, 3 years
    result, _ = settle_scenario(sc, {}, dt.date(2023, 3, 31))
    t = parts.block_schedule_table(sc, result.payments, dt.date(2023, 3, 31))
    # years 1 and 2: four £25,000 instalments each, paid; year 3 (from 1 April 2023): none yet
    assert t.index.tolist() == ["Year 1", "Year 2", "Year 3", "Total"]
    assert t["instalments paid"].tolist() == [4, 4, 0, 8]
    assert t["paid to date (£)"].tolist() == [100_000, 100_000, 0, 200_000]
    assert t["still to pay (£)"].tolist() == [0, 0, 100_000, 100_000]
    points, missed = parts.mechanism_points(sc, result, None, {}, dt.date(2023, 3, 31), "nhs-digital")
    assert points == ["A block contract: £200,000 paid to date in 8 of 12 instalments; £100,000 still to pay of £300,000 over the contract."]
    assert missed == []
    assert [p.heading for p in parts.mechanism_parts(sc, result, None, {}, dt.date(2023, 3, 31), "nhs-digital")] == \
        ["Schedule: paid to date and still to pay"]


def test_block_money_rests_on_no_child_so_nothing_is_suppressed():
    payments = pd.DataFrame({"metric": "block", "due_date": pd.to_datetime(["2021-04-01", "2021-07-01"]),
                             "amount": [25_000.0, 25_000.0], "payer": "commissioner"})
    t = pay.money_table(payments, "quarter", "nhs-digital")
    assert t.display["commissioner"].tolist() == ["£25,000.00", "£25,000.00"]
    assert pay.CHILDREN not in t.display and not t.suppressed.any().any()


def _pbr_audit() -> pd.DataFrame:
    reasons = ["ended 2022-06-04: outcomes not agreed achieved at exit; no self-assessment at both start and end"] * 9 + \
              ["ended 2022-07-01: no jointly agreed action plan"] * 2 + ["ended 2022-05-18 with all three conditions met"] * 12
    status = ["not achieved"] * 11 + ["paid"] * 12
    return pd.DataFrame({"child_id": [f"c{i}" for i in range(23)], "metric": "family_outcome", "status": status,
                         "amount": [0.0] * 11 + [358.0] * 12, "reason": reasons, "capped_gbp": 0.0})


def test_families_not_paid_are_counted_by_each_condition_they_missed():
    t = parts.pbr_reasons_table(_pbr_audit(), "nhs-digital")
    shown = t.display.iloc[:, 0].to_dict()
    # 9 families missed two conditions each (9 → 10 rounded to 5); 2 missed the action plan (small: *)
    assert shown == {"Outcomes not agreed achieved at exit": "10", "No self-assessment at both start and end": "10",
                     "No jointly agreed action plan": "*"}


def test_families_by_status_with_the_money_paid():
    t = parts.pbr_family_table(_pbr_audit(), "nhs-digital")
    assert t.display.index.tolist() == ["Paid", "Not achieved"]
    assert t.display.loc["Paid", "families"] == "10"                      # 12 rounded to 5
    assert t.values.loc["Paid", "£ paid"] == pytest.approx(12 * 358.0)   # £4,296


def test_the_kpi_reconciliation_shows_only_years_ended_by_the_settlement_date():
    rec = pd.DataFrame({"contract_year": [1, 2, 3], "envelope": "ecc",
                        "year_end": [dt.date(2018, 3, 31), dt.date(2019, 3, 31), dt.date(2020, 3, 31)],
                        "at_risk": [0.0, 1_710_000.0, 1_710_000.0], "kpis_met": ["", "targeted_improved", "targeted_improved"],
                        "weight_met": [float("nan"), 0.3, 0.3], "kpi_payment": [0.0, 513_000.0, 513_000.0],
                        "withheld": [0.0, 1_197_000.0, 1_197_000.0]})
    t = parts.kpi_reconciliation_table(rec, dt.date(2019, 3, 31))
    assert t.index.tolist() == ["Year 2"]                                 # year 1 has nothing at risk; year 3 is still open
    assert t.loc["Year 2", "KPIs met"] == "Targeted families improved"
    assert t.loc["Year 2", "earned (£)"] == 513_000                      # 0.3 × £1,710,000


def test_a_kpi_the_extract_cannot_measure_is_named_with_its_weight():
    sc = load_scenario("essex-pb19-001")
    kpis = pd.DataFrame({"contract_year": [2], "kpi": ["targeted_improved"], "value": [0.8]})
    note = parts.unmeasured_note(sc, kpis)
    assert note.startswith("Mandated contacts made on time: not measured from a case-level extract")
    assert "(40% of the KPI weight)" in note                             # 001's weight of universal coverage
    full = pd.concat([kpis, pd.DataFrame({"contract_year": [2], "kpi": ["mandated_contacts_coverage"], "value": [1.0]})])
    assert parts.unmeasured_note(sc, full) == ""                             # a council's own file reports it


def test_a_part_is_a_heading_the_contents_link_to():
    html = parts.Part("Leading indicators (004 §8.3.2)", "Intro.", ["<p>x</p>"])._repr_html_()
    assert re.match(r'<h2 id="Leading-indicators-\(004-%C2%A78\.3\.2\)">Leading indicators \(004 §8\.3\.2\)</h2><p>Intro\.</p><p>x</p>', html)


def test_a_statement_dated_before_anything_is_due_says_so_and_draws_an_empty_chart():
    """003 starts on 1 April 2027: a statement as of 31 March 2024 has nothing due (no NaN axis)."""
    import pandas as pd

    from cusp import payments_report as pay

    empty = pd.DataFrame({"amount": pd.Series(dtype=float), "payer": pd.Series(dtype=str)})
    points, missed, _ = pay.summary_points(empty, pd.DataFrame(), None, None, "2024-03-31", "nhs-digital", "under the contract")
    assert points[0] == "Nothing is due under the contract to 31 March 2024." and missed == []
    from cusp import presentation as pr

    fig, alt = pr.bar(pd.DataFrame({"commissioner": pd.Series(dtype=float)}), title="Payments due", ylabel="£ due")
    assert fig.axes[0].get_ylim() == (0.0, 1.12)
