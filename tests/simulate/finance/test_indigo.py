"""INDIGO-shaped export: field names of the standard, prices that add up, payments that match the run."""

import json

import numpy as np
import pytest

from simulate.finance.indigo import indigo_project, payments_table, prices, transactions_table, write_indigo
from simulate.scenario import load_scenario
from simulate.stress.params import compile_params, scenario_data
from simulate.stress.pipeline import run_draw
from simulate.stress.sampling import draw_rng


@pytest.fixture(scope="module")
def sc():
    return load_scenario("lancs-edge-of-care-004")


@pytest.fixture(scope="module")
def run(sc):
    return run_draw(compile_params(scenario_data(sc)), draw_rng(1, 0)).finance


def test_prices_add_up_to_the_maximum_per_child(sc):
    p = prices(sc)
    per_child = p[p["sub_cohort"] == "diversion_5_9"].set_index("outcome_metric_id")["maximum_price_gbp"]
    top = sc.payment.max_per_child_gbp
    assert per_child.sum() == pytest.approx(top)
    assert per_child["stability_milestone"] == pytest.approx(top * 0.85 * 0.40)
    tariff = p[(p["outcome_metric_id"] == "stability_tariff") & (p["sub_cohort"] == "diversion_5_9")].iloc[0]
    assert tariff["price_per_unit_gbp"] * 548 == pytest.approx(top * 0.85 * 0.60, rel=0.01)   # ~548 days in 18 months


def test_payments_and_transactions_match_the_run(run):
    pay = payments_table(run)
    assert pay["amount"].sum() == pytest.approx(run.commissioner.sum() + run.lcf.sum())
    tx = transactions_table(run)
    outcome = tx[tx["transaction_type"] == "Outcome Payment"]["amount"].sum()
    assert outcome == pytest.approx(pay["amount"].sum())
    drawn = tx[tx["transaction_type"] == "Equity"]["amount"].sum()
    assert drawn == pytest.approx(run.spv.capital_drawn.sum())
    allowed = {"Debt", "Grant", "Equity", "Debt and Equity", "Interest Payment", "Capital Repayment",
               "Capital Repayment and Interest", "Outcome Payment", "Other"}
    assert set(tx["transaction_type"]) <= allowed


def test_document_uses_indigo_field_names(sc, run, tmp_path):
    doc = indigo_project(sc, run)
    for key in ("outcome_metrics", "outcome_pricings", "outcome_payment_plans", "outcome_payments", "transactions",
                "investments", "outcome_payment_commitments"):
        assert key in doc and len(doc[key]) > 0
    pricing = doc["outcome_pricings"][0]
    assert set(pricing) >= {"outcome_metric_id", "currency", "price_per_unit", "maximum_price_if_all_targets_achieved"}
    assert pricing["price_per_unit"]["amount"]["value"] > 0
    payment = doc["outcome_payments"][0]
    assert payment["type"]["value"] == "Planned" and payment["money"]["currency"]["value"] == "GBP"
    assert payment["period"]["start_date"]["value"] <= payment["period"]["end_date"]["value"]
    path = write_indigo(doc, tmp_path / "indigo" / "004.json")
    again = json.loads(path.read_text())
    assert again["name"]["value"] == sc.service.name
    total = sum(p["money"]["amount"]["value"] for p in again["outcome_payments"])
    assert total == pytest.approx(run.commissioner.sum() + run.lcf.sum(), abs=0.01 * len(again["outcome_payments"]))


def test_the_cli_export_is_valid_indigo_4_1_with_returns_results_and_costs(tmp_path, capsys):
    """Validated against the standard's own schema (vendored: simulate/finance/schemas/, no network)."""
    import jsonschema

    from cusp.cli import main
    from simulate.finance.indigo import SCHEMA, validation_errors

    out = tmp_path / "004.json"
    with pytest.raises(SystemExit) as exc:
        main(["stress", "indigo", "--scenario", "lancs-edge-of-care-004", "--out", str(out), "--replications", "3",
              "--as-of", "2022-03-31"])
    assert exc.value.code == 0
    doc = json.loads(out.read_text())
    jsonschema.Draft7Validator(json.loads(SCHEMA.read_text())).validate(doc)
    assert validation_errors(doc) == []
    assert doc["investment_details"]["internal_rate_of_return"]["target"]["value"].endswith("IRR")
    inv = {i["id"]: i for i in doc["investments"]}
    # 004 §6.3: the social investor's 60% of the £2.5m commitment, the co-funder's 40%.
    assert inv["investment1"]["investment_commitment"]["amount"]["exact"]["value"] == pytest.approx(1_500_000)
    assert inv["investment2"]["investment_commitment"]["amount"]["exact"]["value"] == pytest.approx(1_000_000)
    assert inv["investment1"]["maximum_potential_return_type"]["value"] == "IRR"
    assert {c["classification"]["value"] for c in doc["provider_side_cost"]} >= {"Service delivery costs"}
    stability = [r for r in doc["results"] if r.get("outcome_metric_id", {}).get("value") == "stability_milestone"]
    assert len(stability) == 1 and stability[0]["period"]["end_date"]["value"] == "2022-03-31"
    assert "Expected vs achieved to 2022-03-31" in capsys.readouterr().out


def test_a_broken_document_is_reported_by_key_path():
    from simulate.finance.indigo import validation_errors

    errors = validation_errors({"status": "SANDBOX", "investments": [{"organisation_role_category": {"value": "Bank"}}]})
    assert any(e.startswith("status:") for e in errors)
    assert any(e.startswith("investments/0/organisation_role_category/value:") for e in errors)


def test_indigo_refuses_a_contract_without_an_investor(tmp_path, capsys):
    from cusp.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["stress", "indigo", "--scenario", "lancs-ehwb-000", "--out", str(tmp_path / "x.json")])
    assert exc.value.code == 2 and "impact bonds" in capsys.readouterr().err
