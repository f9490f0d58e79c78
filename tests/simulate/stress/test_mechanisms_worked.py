"""Worked cash-flow examples, one per mechanism, with the arithmetic in the comments.

The expected figures are computed by hand here, never by calling the code under test.
"""

import datetime as dt
from types import SimpleNamespace

import numpy as np
import pytest

from simulate.finance.funders import split_funders
from simulate.finance.ledger import settle_finance
from simulate.finance.spv import SpvFlows, SpvTerms
from simulate.finance.terms import FinanceTerms
from simulate.stress.families import FamilyParams
from simulate.stress.mechanisms import ledger_frame, mechanism_for
from simulate.stress.mechanisms.kpi import envelope_year


def _fp(months: int, staff_per_month: float, data: dict | None = None) -> FamilyParams:
    return FamilyParams(
        start_date=dt.date(2022, 4, 1), referral_months=months, months=months, per_month=np.zeros(months), acceptance=1.0,
        capacity=np.full(months, 100.0), duration_months=1.0, open_after=np.ones(1), p_disengage=0.0, p_progress=1.0,
        staff_cost=np.full(months, staff_per_month), cost_per_case=0.0, universal_births=0.0, universal_completion=0.0,
        data=data or {})


def _families(months: int, **by_month) -> SimpleNamespace:
    z = lambda: np.zeros(months)  # noqa: E731
    fam = SimpleNamespace(referred=z(), accepted=z(), started=z(), turned_away=z(), completed=z(), achieved=z(),
                          load=np.full(months, 50.0), capacity=np.full(months, 100.0), universal_due=z(), universal_done=z())
    for name, values in by_month.items():
        for m, v in values.items():
            getattr(fam, name)[m] = v
    return fam


# --- 000: a year of payment by results ----------------------------------------------------------

PBR_DATA = {
    "payment": {"kind": "payment_by_results", "upfront_share": 0.6, "upfront_schedule": "quarterly_in_advance"},
    # A busy district (Burnley) and a quiet one: £60,000 for 60 families, £40,000 for 40.
    "districts": [{"name": "Burnley", "annual_value_gbp": 60000.0, "capacity_families_per_year": 60},
                  {"name": "Pendle", "annual_value_gbp": 40000.0, "capacity_families_per_year": 40}],
}


def test_a_year_of_payment_by_results_with_110_families_achieving():
    mech = mechanism_for("payment_by_results")
    # 110 families complete with all three conditions met, every one from the busy district:
    # 50 in month 1 (quarter 1), 30 in month 7 (quarter 3), 30 in month 10 (quarter 4).
    fam = _families(12, achieved={1: 50, 7: 30, 10: 30}, started={0: 110})
    fp = _fp(12, staff_per_month=5000.0, data=PBR_DATA)
    from simulate.stress.mechanisms.pbr import pbr_terms

    d = mech.settle(fp, pbr_terms(PBR_DATA), fam)
    ledger = ledger_frame(d.transfers, d.dates)
    provider = ledger[ledger["party"] == "provider"]
    up = provider[provider["flow_type"] == "upfront_payment"].set_index("month")["amount_gbp"]
    fam_paid = provider[provider["flow_type"] == "outcome_payment"].set_index("month")["amount_gbp"]
    # Up-front: 60% of £100,000 = £60,000, a quarter (£15,000) in advance in months 0, 3, 6, 9.
    assert up.to_dict() == pytest.approx({0: 15000.0, 3: 15000.0, 6: 15000.0, 9: 15000.0})
    # Price of a family: 40% × £100,000 / 100 families = £400, whichever district it lives in.
    assert d.outputs["price_per_family_gbp"] == pytest.approx(400.0)
    # Quarterly in arrears: month 1's 50 families due in month 3 (£20,000); month 7's 30 in month 9
    # (£12,000); month 10's 30 in the contract's last month 11, but only £40,000 − £32,000 = £8,000
    # of the year's pooled 40% is left, so £4,000 is refused. (Capped per district, Burnley would
    # have stopped at 40% × £60,000 = £24,000.)
    assert fam_paid.to_dict() == pytest.approx({3: 20000.0, 9: 12000.0, 11: 8000.0})
    assert d.outputs["cap_cut_gbp"] == pytest.approx(4000.0)
    # Income £60,000 + £40,000 = £100,000 against staff £5,000 × 12 = £60,000: net £40,000.
    assert d.outputs["provider_income_gbp"] == pytest.approx(100000.0)
    assert d.outputs["provider_net_gbp"] == pytest.approx(40000.0)
    # Break-even: (cost £60,000 − up-front £60,000) / £400 = 0 families.
    assert d.outputs["families_to_break_even"] == pytest.approx(0.0)


# --- 001: a KPI year with a missed KPI and an underspend, ECC and West CCG apart -------------------

def test_an_envelope_year_with_a_missed_kpi_and_an_underspend():
    # ECC envelope £1,000,000, 5% at risk, KPIs weighted 0.6 (met) and 0.4 (missed): weight met 0.6.
    # Spend £1,100,000 in all, split by envelope value: ECC 1,000,000/1,200,000 → £916,666.67.
    ecc = envelope_year(1_000_000.0, 12, 0.05, 0.6, 916_666.6667, 0.03, 0.5)
    assert ecc["at_risk"] == pytest.approx(50_000.0)            # 5% × £1,000,000
    assert ecc["withheld"] == pytest.approx(20_000.0)           # (1 − 0.6) × £50,000
    assert ecc["paid"] == pytest.approx(980_000.0)              # £1,000,000 − £20,000
    # Underspend beyond the 3% planned efficiency, measured on what ECC actually paid:
    # £980,000 − £916,666.67 − £30,000 = £33,333.33 (not £53,333.33: withheld money is no underspend).
    assert ecc["gain"] == pytest.approx(33_333.333, abs=0.01)
    assert ecc["gain_returned"] == pytest.approx(16_666.667, abs=0.01)   # 50/50
    # West CCG £200,000, never at risk; spend £183,333.33; gain £200,000 − £183,333.33 − £6,000.
    west = envelope_year(200_000.0, 12, 0.0, 0.6, 183_333.3333, 0.03, 0.5)
    assert west["withheld"] == 0.0 and west["paid"] == pytest.approx(200_000.0)
    assert west["gain"] == pytest.approx(10_666.667, abs=0.01)
    assert west["gain_returned"] == pytest.approx(5_333.333, abs=0.01)


KPI_DATA = {
    "payment": {"kind": "kpi_linked", "annual_value_gbp": 1_200_000.0, "west_ccg_annual_value_gbp": 200_000.0,
                "payment_schedule": "monthly", "at_risk_share": 0.05, "at_risk_from_year": 2,
                "kpi_weights": {"started": 0.6, "improved": 0.4}, "planned_efficiency_share": 0.03, "gain_share_provider": 0.5},
    "kpi_targets": [{"name": "started", "metric": "families_started", "comparison": ">=", "threshold": 10},
                    {"name": "improved", "metric": "share_improved", "comparison": ">=", "threshold": 0.7}],
}


def test_two_kpi_years_paid_as_the_contract_pays_ecc_and_west_ccg_apart():
    mech = mechanism_for("kpi_linked")
    # Year 2: 12 families started (KPI met), 5 of 10 completers improved (50% < 70%: missed).
    fam = _families(24, started={12: 12}, completed={15: 10}, achieved={15: 5})
    fp = _fp(24, staff_per_month=1_100_000.0 / 12, data=KPI_DATA)
    d = mech.settle(fp, _kpi_terms(), fam)
    flows = {(p, q, k): a for p, q, k, a in d.transfers}
    ecc = flows[("ecc", "provider", "instalment")]
    west = flows[("west_ccg", "provider", "instalment")]
    kpi = flows[("ecc", "provider", "kpi_payment")]
    # Year 1: nothing at risk, ECC pays £1,000,000 / 12 = £83,333.33 a month.
    assert ecc[0] == pytest.approx(83_333.333, abs=0.01)
    # Year 2: 5% at risk waits for the year end: £950,000 / 12 = £79,166.67 a month ...
    assert ecc[12] == pytest.approx(79_166.667, abs=0.01)
    # ... and the reconciliation in month 23 pays 0.6 × £50,000 = £30,000 (£20,000 withheld).
    assert kpi[23] == pytest.approx(30_000.0) and kpi[:23].sum() == 0.0
    # West CCG's £200,000 is never at risk: £16,666.67 every month of both years.
    assert west == pytest.approx(np.full(24, 200_000.0 / 12))
    # Gain shares at each year end (spend £1,100,000 a year, split 5/6 ECC, 1/6 West CCG):
    # year 1 ECC £1,000,000 − £916,666.67 − £30,000 = £53,333.33 → £26,666.67 returned;
    # year 2 ECC £980,000 − £916,666.67 − £30,000 = £33,333.33 → £16,666.67 returned.
    ret_ecc = flows[("provider", "ecc", "gain_share_returned")]
    assert ret_ecc[11] == pytest.approx(26_666.667, abs=0.01) and ret_ecc[23] == pytest.approx(16_666.667, abs=0.01)
    ret_west = flows[("provider", "west_ccg", "gain_share_returned")]
    assert ret_west[11] == pytest.approx(5_333.333, abs=0.01) and ret_west[23] == pytest.approx(5_333.333, abs=0.01)
    assert d.outputs["withheld_gbp"] == pytest.approx(20_000.0)



def _kpi_terms() -> dict:
    p = KPI_DATA["payment"]
    return {"ecc": 1_000_000.0, "west": 200_000.0, "at_risk": 0.05, "from_year": 2, "weights": dict(p["kpi_weights"]),
            "targets": {t["name"]: t for t in KPI_DATA["kpi_targets"]}, "efficiency": 0.03, "provider_share": 0.5, "step": 1}


# --- 004: a bond stopped at the end of year 1 ---------------------------------------------------------

def test_an_early_terminated_bond_who_is_owed_what():
    terms = FinanceTerms(start_date=dt.date(2019, 9, 1), months=24, spv=SpvTerms(capital_commitment=100_000.0),
                         lcf_share=0.5, lcf_grant_cap=2_000.0, investor_share=0.6, end_month=11)
    due = np.zeros(24)
    due[6], due[18] = 5_000.0, 20_000.0
    costs = np.full(24, 3_000.0)
    out = settle_finance(due, costs, terms)
    s = out.summary
    # The contract stops after month 11: the £20,000 due in month 18 is never paid.
    assert s["payments_forgone_gbp"] == pytest.approx(20_000.0)
    # Costs run 12 months (£36,000), receipts £5,000: the vehicle draws £31,000, 60% from the
    # social investor (£18,600) and 40% from the co-funder (£12,400); nothing is left to return.
    assert s["capital_drawn_gbp"] == pytest.approx(18_600.0)
    assert s["co_funder_capital_drawn_gbp"] == pytest.approx(12_400.0)
    assert s["capital_unreturned_gbp"] == pytest.approx(18_600.0)
    assert s["investor_net_gbp"] == pytest.approx(-18_600.0) and s["co_funder_net_gbp"] == pytest.approx(-12_400.0)
    # The Life Chances Fund would pay 50% of £5,000 = £2,500, but its grant is £2,000: £500 moves
    # to the commissioner, who pays £3,000.
    assert s["lcf_payments_gbp"] == pytest.approx(2_000.0) and s["commissioner_payments_gbp"] == pytest.approx(3_000.0)
    assert s["lcf_cap_shifted_gbp"] == pytest.approx(500.0)
    assert out.costs[12:].sum() == 0.0 and out.spv.management_fee[12:].sum() == 0.0


def test_first_loss_co_funding_repays_the_social_investor_first():
    z = np.zeros(6)
    drawn, back = z.copy(), z.copy()
    drawn[0], back[5] = 100.0, 70.0            # £100 drawn, £70 returned: a £30 shortfall
    spv = SpvFlows(z, z, z, z, drawn, back, z, z, z)
    first = split_funders(spv, 0.6, "first_loss")
    # Social investor: £60 in, £60 back; co-funder: £40 in, £10 back (it takes the £30 loss).
    assert first.investor_returned.sum() == pytest.approx(60.0) and first.co_returned.sum() == pytest.approx(10.0)
    pari = split_funders(spv, 0.6, "pari_passu")
    # Pari passu: each loses 30%: £42 and £28 back.
    assert pari.investor_returned.sum() == pytest.approx(42.0) and pari.co_returned.sum() == pytest.approx(28.0)


def test_the_investor_share_changes_who_puts_in_what_on_the_same_draws():
    from simulate.scenario import load_scenario
    from simulate.stress import override_data, pooled, scenario_data

    data = scenario_data(load_scenario("lancs-edge-of-care-004"))
    at60 = pooled(override_data(data, {"finance.investor_share": 0.60}), None, 4, 7)
    at95 = pooled(override_data(data, {"finance.investor_share": 0.95}), None, 4, 7)
    # Same children, same vehicle: the social investor puts in 95/60 as much, the co-funder 5/40.
    assert at95["capital_drawn_gbp"] == pytest.approx(at60["capital_drawn_gbp"] * 0.95 / 0.60)
    assert at95["co_funder_capital_drawn_gbp"] == pytest.approx(at60["co_funder_capital_drawn_gbp"] * 0.05 / 0.40)
    # Pari passu, both earn the vehicle's return; first loss shelters the social investor.
    first = pooled(override_data(data, {"finance.co_funder_terms": "first_loss"}), None, 4, 7)
    assert at95["pooled_multiple"] == pytest.approx(at60["pooled_multiple"])
    assert first["p_loss"] <= at60["p_loss"] and first["investor_net_gbp"] >= at60["investor_net_gbp"] - 1e-6
