"""The bundled presets load and carry the specifications' numbers.

Every expected number below is typed in from the specification (section named beside it), never
read back from a preset, so a preset that drifts from its specification fails here.
"""

from __future__ import annotations

import pytest

from simulate.scenario import (
    Block,
    KpiLinked,
    PaymentByResults,
    SibEdgeOfCare,
    annual_referrals,
    list_presets,
    load_scenario,
)

PRESETS = [
    "lancs-ehwb-000",
    "essex-pb19-001",
    "hereford-mentoring-002",
    "hereford-befriending-002",
    "lancs-young-carers-003",
    "lancs-edge-of-care-004",
]


def test_every_specified_preset_is_bundled() -> None:
    assert set(PRESETS) <= set(list_presets())


@pytest.mark.parametrize("name", PRESETS)
def test_preset_loads(name: str) -> None:
    sc = load_scenario(name)
    assert sc.service.specification == name.rsplit("-", 1)[1]
    assert sc.horizon.total_months > 0


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("lancs-ehwb-000", PaymentByResults),
        ("essex-pb19-001", KpiLinked),
        ("hereford-mentoring-002", Block),
        ("hereford-befriending-002", Block),
        ("lancs-young-carers-003", Block),
        ("lancs-edge-of-care-004", SibEdgeOfCare),
    ],
)
def test_payment_mechanism_matches_specification(name: str, kind: type) -> None:
    assert isinstance(load_scenario(name).payment, kind)


# ---------------------------------------------------------------------------------------------
# 004: estimated referrals per year, 004 §2.2 table, summed over the four target districts.
# ---------------------------------------------------------------------------------------------
REFERRALS_004 = {
    ("diversion_5_9", "5-7"): 44,
    ("diversion_5_9", "8-9"): 25,
    ("diversion_10_15", "10-12"): 23,
    ("diversion_10_15", "13-15"): 35,
    ("reunification_5_9", "5-7"): 3.3,
    ("reunification_5_9", "8-9"): 2.0,
    ("reunification_10_15", "10-12"): 2.0,
    ("reunification_10_15", "13-15"): 2.0,
}


def test_004_referral_volumes_by_sub_cohort_and_age_band() -> None:
    refs = annual_referrals(load_scenario("lancs-edge-of-care-004"))
    summed = refs.groupby(["sub_cohort", "ages"])["per_year"].sum()
    assert set(summed.index) == set(REFERRALS_004)
    for key, expected in REFERRALS_004.items():
        assert summed[key] == pytest.approx(expected, abs=1e-9), key


def test_004_referral_totals() -> None:
    refs = annual_referrals(load_scenario("lancs-edge-of-care-004"))
    by_cohort = refs.groupby("sub_cohort")["per_year"].sum()
    # 004 §2.2: aged 5-9 diversion 69, aged 10-15 diversion 58, reunification 5.3 and 4.0.
    assert by_cohort["diversion_5_9"] == pytest.approx(69)
    assert by_cohort["diversion_10_15"] == pytest.approx(58)
    assert by_cohort["reunification_5_9"] == pytest.approx(5.3)
    assert by_cohort["reunification_10_15"] == pytest.approx(4.0)
    assert refs["per_year"].sum() == pytest.approx(136.3)


def test_004_four_target_districts() -> None:
    # 004 §1.5: Burnley, Hyndburn, Pendle and Preston.
    sc = load_scenario("lancs-edge-of-care-004")
    assert sorted(sc.district_names) == ["Burnley", "Hyndburn", "Pendle", "Preston"]


def test_004_payment_rules() -> None:
    sc = load_scenario("lancs-edge-of-care-004")
    p = sc.payment
    assert isinstance(p, SibEdgeOfCare)
    # 004 §9.2.1-9.2.4 DNs: 85 / 5 / 5 / 5; milestone 40% of stability at 6 months, 18-month tariff.
    assert p.metric_shares == {"stability": 0.85, "family_functioning": 0.05, "education": 0.05, "reading": 0.05}
    assert p.milestone_share_of_stability == pytest.approx(0.40)
    assert (p.milestone_months, p.tariff_months) == (6, 18)
    assert p.max_spell_days_to_resume == 56  # "not greater than 8 weeks"
    assert p.failing_spell_number == 3  # "more than twice"
    # 004 §1.9: five years of referrals, two more years; start September 2019.
    assert (sc.horizon.referral_months, sc.horizon.tracking_months) == (60, 24)
    assert sc.horizon.start_date.isoformat() == "2019-09-01"
    # 004 §6.3: the investor provides at least 50.1% of the funding.
    assert sc.finance.investor_share >= 0.501


# ---------------------------------------------------------------------------------------------
# 000: indicative volumes table (000 §3.3), ten rows exactly as printed.
# ---------------------------------------------------------------------------------------------
TABLE_000 = [
    ("Burnley", 90, 80_550.00),
    ("Pendle", 100, 89_500.00),
    ("Rossendale", 100, 89_500.00),
    ("Hyndburn & Ribble Valley", 140, 125_658.00),
    ("Lancaster", 130, 116_350.00),
    ("Fylde & Wyre", 135, 120_825.00),
    ("Chorley", 130, 115_992.00),
    ("Preston", 221, 197_795.00),
    ("South Ribble", 175, 156_625.00),
    ("West Lancashire", 120, 107_400.00),
]


def test_000_district_table_row_by_row() -> None:
    sc = load_scenario("lancs-ehwb-000")
    rows = [(d.name, d.capacity_families_per_year, d.annual_value_gbp) for d in sc.districts]
    assert len(rows) == 10
    assert rows == TABLE_000


def test_000_district_totals() -> None:
    sc = load_scenario("lancs-ehwb-000")
    assert sum(d.capacity_families_per_year for d in sc.districts) == 1341
    assert sum(d.annual_value_gbp for d in sc.districts) == pytest.approx(1_200_195.00, abs=0.005)


def test_000_payment_triage_and_kpi() -> None:
    sc = load_scenario("lancs-ehwb-000")
    assert isinstance(sc.payment, PaymentByResults)
    assert sc.payment.upfront_share == pytest.approx(0.60)  # 000 Appendix 1
    assert sc.triage.policy == "priority"  # 000 §3.4.2.2
    assert sc.triage.start_target_weeks == 4  # 000 §3.4.2.3
    all_areas = [t for t in sc.kpi_targets if t.metric in ("share_improved_all_areas_child", "share_improved_all_areas_family")]
    assert len(all_areas) == 2 and all(t.threshold == pytest.approx(0.75) and t.comparison == ">=" for t in all_areas)
    # every district has its own referral stream
    refs = annual_referrals(sc)
    assert set(refs["district"]) == {row[0] for row in TABLE_000}


# ---------------------------------------------------------------------------------------------
# 002: Appendix 2 (Lot 1 mentoring) and Appendix 3 (Lot 2 befriending).
# ---------------------------------------------------------------------------------------------
def _threshold(name: str, metric: str) -> list[tuple[str, float]]:
    return [(t.comparison, t.threshold) for t in load_scenario(name).kpi_targets if t.metric == metric]


@pytest.mark.parametrize(("name", "hours"), [("hereford-mentoring-002", 5000), ("hereford-befriending-002", 3500)])
def test_002_targets(name: str, hours: int) -> None:
    sc = load_scenario(name)
    assert _threshold(name, "families_worked_with") == [(">=", 70)]  # App 2 §1.8 / App 3 §2.8
    assert _threshold(name, "hours_delivered") == [(">=", hours)]  # App 2 §1.10 / App 3 §2.10
    assert _threshold(name, "direct_work_share") == [(">=", 0.75)]  # App 2 §1.10 / App 3 §2.10
    assert sc.workforce.direct_work_share == pytest.approx(0.75)
    assert sc.intervention.cap_weeks == 26  # App 2 §1.6 / App 3 §2.6
    assert sc.intervention.review_interval_weeks == 6  # App 2 §1.7 / App 3 §2.7
    assert sc.triage.contact_target_working_days == 5  # App 2 §1.5 / App 3 §2.5
    assert sc.triage.policy == "no_waiting_list"  # 002 §4.9
    assert sc.referrals is not None and sc.referrals.acceptance_probability == 1.0  # 002 §4.5
    assert isinstance(sc.payment, Block)


def test_002_lots_differ_only_where_the_specification_does() -> None:
    lot1, lot2 = load_scenario("hereford-mentoring-002"), load_scenario("hereford-befriending-002")
    assert lot1.service.name != lot2.service.name
    # Lot 1 mostly level 3 (App 2 §1.2); Lot 2 level 2 or very low level 3 (App 3 §2.2).
    assert max(lot1.referrals.need_mix, key=lot1.referrals.need_mix.get) == 3
    assert max(lot2.referrals.need_mix, key=lot2.referrals.need_mix.get) == 2


# ---------------------------------------------------------------------------------------------
# 003 §6 KPIs and 001 payment terms.
# ---------------------------------------------------------------------------------------------
def test_003_kpis() -> None:
    name = "lancs-young-carers-003"
    for metric in (
        "mean_wait_to_assessment_working_days",
        "longest_wait_to_assessment_working_days",
        "mean_wait_to_start_working_days",
        "longest_wait_to_start_working_days",
    ):
        assert _threshold(name, metric) == [("<", 20)], metric  # KPI 4 "<20 working days"
    assert _threshold(name, "reviews") == [(">", 25)]  # KPI 8 ">25 reviews per quarter"
    assert (">", 0.7) in _threshold(name, "share_improved")  # KPI 18 ">70%"
    sc = load_scenario(name)
    assert sc.horizon.start_date.isoformat() == "2027-04-01"  # cover table
    assert sc.horizon.referral_months == 24  # to 31 March 2029


def test_001_kpi_linked_terms() -> None:
    sc = load_scenario("essex-pb19-001")
    p = sc.payment
    assert isinstance(p, KpiLinked)
    assert p.gain_share_provider == pytest.approx(0.5)  # 50/50 gain share (L388)
    assert p.at_risk_from_year == 2  # "From Contract Year 2" (L383)
    assert sc.horizon.referral_months == 7 * 12  # "a 7-year term" (L18)
    assert sc.universal is not None and sc.universal.births_per_year > 0
    assert _threshold("essex-pb19-001", "coverage_within_window")
    names = {c.name for c in sc.universal.contacts}
    assert {"pre_birth", "new_birth", "review_2_to_2_5_years"} <= names
    new_birth = next(c for c in sc.universal.contacts if c.name == "new_birth")
    assert (new_birth.due_from_days, new_birth.due_to_days) == (0, 14)  # "Within the first 14 days"


# ---------------------------------------------------------------------------------------------
# docs/scenarios.md: the worked example must stay a valid scenario.
# ---------------------------------------------------------------------------------------------
def test_docs_worked_example_validates() -> None:
    import re
    from pathlib import Path

    import yaml

    from simulate.scenario import scenario_from_dict

    text = (Path(__file__).resolve().parents[2] / "docs" / "scenarios.md").read_text(encoding="utf-8")
    match = re.search(r"## Worked example.*?```yaml\n(.*?)```", text, re.S)
    assert match, "docs/scenarios.md has no worked example"
    sc = scenario_from_dict(yaml.safe_load(match.group(1)))
    refs = annual_referrals(sc)
    # 90 a year split 0.6 / 0.4, as the example's comment says.
    assert refs.groupby("district")["per_year"].sum().to_dict() == pytest.approx({"North": 54.0, "South": 36.0})
