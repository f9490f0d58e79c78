"""The reforecast as a board reads it (cusp.reforecast_report) and its section of the payments statement.

The tables are built from a small hand-made reforecast (every expected figure worked by hand
below), so each test reads the presentation, not the simulation; one test runs a real 004
reforecast with a few draws, and the statement is rendered once (slow).
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import re
from pathlib import Path
from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from cusp import reforecast_report as rr  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SNAKE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def _tables(cases: int = 470) -> dict:
    """A reforecast as of 31 March 2024: £1,000 settled; £1,500 in all after caps (5-95%: £1,300-£1,700)."""
    summary = {
        "as_of": "2024-03-31", "draws": 10, "seed": 1, "settled_to_date_gbp": 1000.0,
        "future_due_gbp": {"mean": 600.0, "p5": 400.0, "p50": 600.0, "p95": 800.0},          # before caps
        "total_outcome_payments_gbp": {"mean": 1500.0, "p5": 1300.0, "p50": 1500.0, "p95": 1700.0},
        "figures": [
            {"name": "irr", "label": "Investor's IRR", "kind": "share", "mean": 0.05, "p5": -0.02, "p50": 0.05, "p95": 0.1, "share_defined": 0.9},
            {"name": "money_multiple", "label": "Investor's money multiple", "kind": "ratio", "mean": 1.234, "p5": 1.1, "p50": 1.2, "p95": 1.4},
            {"name": "investor_loss", "label": "Chance the investor makes a loss", "kind": "probability", "mean": 0.25, "p5": 0.0, "p50": 0.0, "p95": 1.0},
        ],
        "cases_to_date": cases, "case_unit": "children engaged",
        "new_cases": {"mean": 46.6, "p5": 40.0, "p50": 46.0, "p95": 60.0},
    }
    rows = []
    for month, parts in [("2024-03", {"commissioner": (0, 0, 0), "life_chances_fund": (0, 0, 0), "total": (0, 0, 0)}),
                         ("2024-04", {"commissioner": (200, 150, 250), "life_chances_fund": (100, 80, 120), "total": (300, 250, 350)}),
                         ("2024-05", {"commissioner": (150, 50, 250), "life_chances_fund": (50, 20, 80), "total": (200, 100, 300)})]:
        for payer, (mean, p5, p95) in parts.items():
            rows.append({"month": month, "payer": payer, "mean_gbp": float(mean), "p5_gbp": float(p5), "p50_gbp": float(mean), "p95_gbp": float(p95)})
    paf = pd.DataFrame([
        {"metric": "children engaged", "unit": "children", "planned": 582.0, "achieved_to_date": float(cases),
         "forecast_mean": cases + 46.6, "forecast_p5": cases + 40.0, "forecast_p50": cases + 46.0, "forecast_p95": cases + 60.0},
        {"metric": "stability_milestone", "unit": "£ before caps", "planned": 2000.0, "achieved_to_date": 700.0,
         "forecast_mean": 1000.0, "forecast_p5": 900.0, "forecast_p50": 1000.0, "forecast_p95": 1100.0},
        {"metric": "stability_tariff", "unit": "£ before caps", "planned": 2500.0, "achieved_to_date": 900.0,
         "forecast_mean": 1200.0, "forecast_p5": 1100.0, "forecast_p50": 1200.0, "forecast_p95": 1300.0},
        {"metric": "family_star_plus", "unit": "£ before caps", "planned": 400.0, "achieved_to_date": 300.0,
         "forecast_mean": 350.0, "forecast_p5": 320.0, "forecast_p50": 350.0, "forecast_p95": 380.0},
    ])
    return {"summary.json": summary, "remaining_by_month.csv": pd.DataFrame(rows), "planned_achieved_forecast.csv": paf}


def _cells(table) -> list[str]:
    d = table.display
    return [str(d.index.name), *map(str, d.index), *map(str, d.columns), *(str(v) for v in d.to_numpy().ravel())]


def _clean(table) -> None:
    for cell in _cells(table):
        assert not re.search(r"\b(nan|NaN|None)\b", cell), cell
        assert not SNAKE.search(cell), cell


def test_headline_reads_settled_still_to_pay_and_total_with_90_percent_intervals():
    t = rr.headline_table(_tables(), "nhs-digital")
    d = t.display
    _clean(t)
    assert list(d.columns) == ["Expected (mean)", "90% interval"]
    # still to pay after caps = total - settled: £1,500 - £1,000 = £500; 5-95%: £300 to £700
    assert d.loc["Still to pay, after caps (£)"].tolist() == ["£500", "£300 to £700"]
    assert d.loc["Settled to date (£)"].tolist() == ["£1,000", "known (settled)"]
    assert d.loc["Total by the contract's end, after caps (£)"].tolist() == ["£1,500", "£1,300 to £1,700"]
    # before caps (£600) differs from after caps (£500): shown too
    assert d.loc["Still due before caps (£)"].tolist() == ["£600", "£400 to £800"]
    # the mechanism's figures in their units; a probability has no interval; the IRR says when it is undefined
    assert d.loc["Investor's IRR (%; defined in 90.0% of draws)"].tolist() == ["5.0%", "-2.0% to 10.0%"]
    assert d.loc["Investor's money multiple (×)"].tolist() == ["1.23×", "1.10× to 1.40×"]
    assert d.loc["Chance the investor makes a loss (%)"].tolist() == ["25.0%", "–"]


def test_figure_labels_read_as_words_with_their_units():
    tables = _tables()
    tables["summary.json"]["figures"] = [
        {"name": "provider_loss", "label": "P(provider loss)", "kind": "probability", "mean": 0.125},
        {"name": "outcome_payments_gbp", "label": "Total outcome payments (after caps)", "kind": "gbp", "mean": 1500.0, "p5": 1300.0, "p95": 1700.0},
        {"name": "cost_per_case_gbp", "label": "Cost per case (after caps)", "kind": "gbp", "mean": 996.2, "p5": 973.24, "p95": 1020.4},
        {"name": "cases_started", "label": "Cases started", "kind": "count", "mean": 1044.25, "p5": 1020.0, "p95": 1068.6},
        {"name": "cases_turned_away", "label": "Cases turned away", "kind": "count", "mean": 4.6, "p5": 0.0, "p95": 47.7}]
    d = rr.headline_table(tables, "nhs-digital").display
    assert d.loc["Provider loss (chance, %)"].tolist() == ["12.5%", "–"]
    # the total outcome payments are the total row already; modelled money in whole pounds
    assert "Total outcome payments (after caps) (£)" not in d.index and "Total outcome payments (after caps, £)" not in d.index
    # a count figure adds cases seen to cases to come: rounded to the policy's base of 5
    # (1,044.25 -> 1,045; 1,068.6 -> 1,070), and a small result (4.6 -> 5, under 8) suppressed
    assert d.loc["Cases started (number)"].tolist() == ["1,045", "1,020 to 1,070"]
    assert d.loc["Cases turned away (number)"].tolist() == ["*", "0 to 50"]
    assert d.loc["Cost per case (after caps, £)"].tolist() == ["£996", "£973 to £1,020"]   # 470 cases so far: shown
    modelled = rr.headline_table(tables, "modelled").display   # no record read: whole numbers
    assert modelled.loc["Cases turned away (number)"].tolist() == ["5", "0 to 48"]
    # a £ per case rests on a count: with a small count to date it would give it back (£ ÷ cases)
    assert modelled.loc["Cost per case (after caps, £)"].tolist() == ["£996", "£973 to £1,020"]
    tables["summary.json"]["cases_to_date"] = 3
    d = rr.headline_table(tables, "nhs-digital").display
    assert d.loc["Cost per case (after caps, £)"].tolist() == ["*", "*"]
    assert "Cost per case" not in " ".join(rr.summary_points(tables, "nhs-digital"))


def test_an_old_summary_without_figures_reads_the_same():
    tables = _tables()
    s = tables["summary.json"]
    del s["figures"], s["cases_to_date"], s["case_unit"], s["new_cases"]
    s.update(p_cap_reached=0.1, p_investor_loss=0.25, irr={"p5": -0.02, "p50": 0.05, "p95": 0.1, "share_defined": 1.0},
             money_multiple={"p5": 1.1, "p50": 1.2, "p95": 1.4}, children_referred_to_date=470)
    d = rr.headline_table(tables, "nhs-digital").display
    assert d.loc["Investor's IRR (%)"].tolist() == ["5.0%", "-2.0% to 10.0%"]   # median where no mean was kept
    assert d.loc["Chance the total cap is reached (%)"].tolist() == ["10.0%", "–"]
    assert rr.planned_table(tables, "nhs-digital").display.index[0] == "Children engaged (number)"


def test_money_still_to_pay_by_month_and_payer():
    d = rr.remaining_table(_tables(), "nhs-digital", months=1).display
    # March 2024 has nothing left in any draw: not shown; one month, then the later one, then all
    assert list(d.index) == ["April 2024", "Later months (May 2024)", "All months still to come"]
    assert list(d.columns) == ["Commissioner, expected (£)", "Life Chances Fund, expected (£)", "Total, expected (£)", "Total, 90% interval (£)"]
    assert d.loc["April 2024"].tolist() == ["£200", "£100", "£300", "£250 to £350"]
    assert d.loc["Later months (May 2024)"].tolist() == ["£150", "£50", "£200", "–"]    # intervals of months do not add
    # all months: payers' expected sums (£200 + £150, £100 + £50); the total's interval from the draws
    assert d.loc["All months still to come"].tolist() == ["£350", "£150", "£500", "£300 to £700"]


def test_one_payer_shows_only_the_total():
    tables = _tables()
    r = tables["remaining_by_month.csv"]
    tables["remaining_by_month.csv"] = r[r["payer"] != "life_chances_fund"]   # a contract the commissioner alone pays
    d = rr.remaining_table(tables, "nhs-digital").display
    assert list(d.columns) == ["Total, expected (£)", "Total, 90% interval (£)"]
    assert list(d.index) == ["April 2024", "May 2024", "All months still to come"]


def test_chart_has_a_pound_axis_and_alt_text_from_the_data():
    fig, alt = rr.remaining_chart(_tables())
    ax = fig.axes[0]
    assert "£" in ax.get_ylabel()
    fig.canvas.draw()
    assert any(t.get_text().startswith("£") for t in ax.get_yticklabels())
    assert "Payments still to come by month, as of 31 March 2024" in alt
    assert "2 months from April 2024 to May 2024" in alt
    assert "Expected in all: £500 (Commissioner £350, Life Chances Fund £150)" in alt   # £200 + £150; £100 + £50
    assert "The most is expected in April 2024: £300 (90% interval £250 to £350)" in alt
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {
        "Total, 90% interval", "Total, expected", "Commissioner, expected", "Life Chances Fund, expected"}


def test_planned_achieved_forecast_rounds_real_counts_and_suppresses_small_lines():
    t = rr.planned_table(_tables(470), "nhs-digital", children_by_line={"stability_milestone": 20, "stability_tariff": 30, "family_star_plus": 2})
    d = t.display
    _clean(t)
    # cases: 470 published rounded to 5; planned 582 -> 580; forecast 516.6 -> 515, 510 to 530
    assert d.loc["Children engaged (number)"].tolist() == ["580", "470", "515", "510 to 530"]
    # Family Star Plus was paid for 2 children: its money to date is suppressed, and so is the next
    # smallest line's (£700, the milestone), or £1,000 settled less the others would give it back
    assert d.loc["Family Star Plus (£ before caps)", "Achieved to date"] == "*"
    assert d.loc["Stability milestone (£ before caps)", "Achieved to date"] == "*"
    assert d.loc["Stability tariff (£ before caps)"].tolist() == ["£2,500", "£900", "£1,200", "£1,100 to £1,300"]
    # threshold-10 publishes the count as it is; modelled counts round to its threshold, 10
    # (planned 582 -> 580; forecast 470 + 46.6 -> 520, 470 + 40 -> 510, 470 + 60 -> 530)
    t10 = rr.planned_table(_tables(470), "threshold-10").display
    assert t10.loc["Children engaged (number)"].tolist() == ["580", "470", "520", "510 to 530"]


def test_a_small_count_of_cases_never_appears():
    tables = _tables(cases=3)
    t = rr.planned_table(tables, "nhs-digital")
    row = t.display.loc["Children engaged (number)"]
    assert row["Achieved to date"] == "*"
    # the forecast (3 + 46.6) is suppressed as well: beside the children still to come it would give back 3
    assert row["Forecast, expected"] == "*" and row["Forecast, 90% interval"] == "*"
    part = rr.section(tables, "nhs-digital")
    page = "".join(p.data for p in part.parts if not isinstance(p, tuple))
    from evaluation.disclosure import scan_report

    assert scan_report(page, "nhs-digital") == []
    cells = [htmllib.unescape(c).strip() for c in re.findall(r"<t[dh][^>]*>([^<]*)</t[dh]>", page)]
    assert "3" not in cells and "49.6" not in page and "49" not in cells
    for _, alt in (p for p in part.parts if isinstance(p, tuple)):
        assert not re.search(r"\b3 children\b", alt)


def test_a_published_folder_reads_back(tmp_path):
    """A folder ``cusp reforecast`` published: the cases to date already suppressed ("*")."""
    tables = _tables(cases=3)
    tables["summary.json"]["cases_to_date"] = "*"
    paf = tables["planned_achieved_forecast.csv"].astype(object)
    paf.loc[0, ["achieved_to_date", "forecast_mean", "forecast_p5", "forecast_p50", "forecast_p95"]] = "*"
    (tmp_path / "summary.json").write_text(json.dumps(tables["summary.json"]))
    paf.to_csv(tmp_path / "planned_achieved_forecast.csv", index=False)
    tables["remaining_by_month.csv"].to_csv(tmp_path / "remaining_by_month.csv", index=False)
    back = rr.read_folder(tmp_path)
    d = rr.planned_table(back, "nhs-digital").display
    assert d.loc["Children engaged (number)"].tolist() == ["580", "*", "*", "*"]
    assert d.loc["Stability milestone (£ before caps)"].tolist() == ["£2,000", "£700", "£1,000", "£900 to £1,100"]
    assert rr.remaining_table(back, "nhs-digital").display.loc["April 2024"].tolist() == ["£200", "£100", "£300", "£250 to £350"]


def test_kpi_chances_and_the_waterfall():
    tables = _tables()
    tables["kpi_probabilities.csv"] = pd.DataFrame({"kpi": ["start_within_target", "families_starting_support"],
                                                    "label": ["", "families starting support (count)"], "period": ["2025/26", "contract year 4"],
                                                    "target": ["at least 80.0%", ">= 2,400"], "p_met": [0.625, 0.05]})
    tables["waterfall.csv"] = pd.DataFrame({
        "step": ["expected total at 2023-12-31", "settled since", "children already referred", "children still to come", "expected total at 2024-03-31"],
        "change_gbp": [1400.0, 50.0, 30.0, 20.0, 1500.0], "running_gbp": [1400.0, 1450.0, 1480.0, 1500.0, 1500.0],
        "drivers": ["", "settled to date £950 -> £1,000", "new referrals +3; new periods away +18", "engagement rate 1476.5 -> 1478.62 a year (posterior mean)", ""]})
    k = rr.kpi_table(tables, "nhs-digital").display
    assert k.loc["Support started within target, 2025/26"].tolist() == ["at least 80.0%", "62.5%"]   # the reports' name of the KPI
    assert k.loc["Families starting support (count), contract year 4"].tolist() == ["at least 2,400", "5.0%"]
    w = rr.waterfall_table(tables["waterfall.csv"], "nhs-digital")
    _clean(w)
    d = w.display
    assert list(d.index) == ["Expected total at 31 December 2023", "Settled since", "Children already referred",
                             "Children still to come", "Expected total at 31 March 2024"]
    assert d.loc["Expected total at 31 December 2023"].tolist() == ["–", "£1,400", "–"]
    # 3 new referrals is a small count: suppressed; 18 periods away rounds to 20; rates and £ untouched
    assert d.loc["Children already referred", "What moved it"] == "New referrals +*; new periods away +20"
    assert d.loc["Children still to come", "What moved it"] == "Engagement rate 1,476.5 → 1,478.6 a year (posterior mean)"
    assert d.loc["Settled since", "What moved it"] == "Settled to date £950 → £1,000"
    part = rr.section(tables, "nhs-digital")
    assert len(part.parts) == 7   # sentences, headline, chart, by month, planned, KPIs, waterfall


def test_summary_sentences():
    points = rr.summary_points(_tables())
    assert points[0] == ("As of 31 March 2024, £1,000 is settled; £500 is still expected to be paid (90% interval £300 to £700), "
                         "£1,500 in all (£1,300 to £1,700), over 10 draws of the future.")
    assert rr.section(_tables(), "nhs-digital").points == [
        "Still to pay to the end of the contract (May 2024): £500 expected (90% interval £300 to £700), "
        "reforecast from the data as of 31 March 2024."]
    assert points[1] == "Investor's IRR 5.0% (-2.0% to 10.0%); Investor's money multiple 1.23× (1.10× to 1.40×); Chance the investor makes a loss 25.0%."


def test_a_mechanism_without_a_reforecast_is_one_line_and_the_switch_works():
    made_up = SimpleNamespace(payment=SimpleNamespace(kind="pay_per_smile"))
    part = rr.statement_section(made_up, {}, "", 5, 1, "nhs-digital", statement_as_of="2024-03-31")
    assert part.parts == [] and part.note.startswith("No reforecast yet for this contract's mechanism (pay per smile)")
    off = rr.statement_section(made_up, {}, "", 5, 1, "nhs-digital", statement_as_of="2024-03-31", enabled=False)
    assert off.parts == [] and "switched off" in off.note
    assert rr.investor_section(made_up, "", 5, 1).note.startswith("No reforecast yet")


PRESETS = sorted(p.stem for p in (ROOT / "scenarios").glob("*.yaml"))


@pytest.mark.slow  # a synthetic extract and two small reforecasts per preset: 1-8 s each, about 20 s in all
@pytest.mark.parametrize("preset", PRESETS)
def test_the_statement_section_for_every_preset(preset):
    """A mechanism with a reforecast shows its tables and chart (passing disclosure control);
    one without shows one line; bad data would show one line too, never a traceback."""
    from cusp.synthetic_kpis import synthetic_frames
    from evaluation.disclosure import scan_report
    from simulate.reforecast.run import MECHANISMS
    from simulate.scenario import load_scenario

    sc = load_scenario(preset)
    frames = synthetic_frames(sc, 1)           # with kpi_results.csv and spend.csv for 001
    h = sc.horizon                             # half way through the referral window: money is still to come
    part = rr.statement_section(sc, frames, "", 5, 1, "nhs-digital",
                                statement_as_of=(h.start_date + (h.referral_end - h.start_date) / 2).isoformat())
    if sc.payment.kind not in MECHANISMS:
        assert part.parts == [] and part.note.startswith("No reforecast yet")
        return
    assert part.note == "", part.note
    page = "".join(p.data for p in part.parts if not isinstance(p, tuple))
    assert scan_report(page, "nhs-digital") == []
    assert not re.search(r">(nan|NaN|None)<", page)
    (fig, alt), = [p for p in part.parts if isinstance(p, tuple)]
    assert alt.startswith("Line chart with a 90% band: Payments still to come by month")


def test_the_investor_section_reforecasts_a_synthetic_extract():
    from simulate.scenario import load_scenario

    sc = load_scenario("hereford-mentoring-002")   # a block contract: 36 months of referrals from April 2021, 6 of tracking
    part = rr.investor_section(sc, "", 5, 1)
    # blank date: the end of the contract's first half (1 April 2021 + 21 months -> 31 December 2022)
    assert part.note == "" and part.values["as_of"] == "2022-12-31"
    # no table by month and payer for the investor: sentences, headline, chart, planned / achieved / forecast
    assert len(part.parts) == 4 and isinstance(part.parts[2], tuple)
    assert "Provider net (£)" in part.parts[1].data and 'data-policy="modelled"' in part.parts[1].data


def test_missing_extracts_read_as_one_line():
    from simulate.scenario import load_scenario

    sc = load_scenario("lancs-edge-of-care-004")
    part = rr.statement_section(sc, {}, "", 5, 1, "nhs-digital", statement_as_of="2024-03-31")
    assert part.parts == [] and part.note.startswith("The reforecast could not run: referrals.csv")
    bad = rr.statement_section(sc, {}, "", 5, 1, "nhs-digital", statement_as_of="2024-03-31", previous_as_of="last June")
    assert bad.note == "The reforecast could not run: reforecast_previous_as_of 'last June' is not a date YYYY-MM-DD."


def test_the_as_of_date_moves_inside_the_contract():
    sc = SimpleNamespace(horizon=SimpleNamespace(start_date=dt.date(2020, 1, 1), contract_end=dt.date(2021, 1, 1)))
    assert rr.choose_as_of(sc, "", "2020-05-05") == dt.date(2020, 5, 5)
    assert rr.choose_as_of(sc, "2020-06-30", "2020-05-05") == dt.date(2020, 6, 30)
    # before the start: the middle (1 January 2020 + 183 days = 2 July 2020), at its month's end
    assert rr.choose_as_of(sc, "", "2019-03-31") == dt.date(2020, 7, 31)
    assert rr.choose_as_of(sc, "", "2021-03-31") == dt.date(2020, 7, 31)


def test_a_real_004_reforecast_keeps_what_is_settled():
    from data_synthetic import synthesise
    from simulate.payments.settle import settle_scenario
    from simulate.scenario import load_scenario

    sc = load_scenario("lancs-edge-of-care-004")
    frames = synthesise(sc, 1).frames
    day = dt.date(2022, 3, 31)
    settled, _ = settle_scenario(sc, frames, day, allow_no_return_home=True)
    part = rr.statement_section(sc, frames, "", 6, 1, "nhs-digital", statement_as_of="2022-03-31", payments=settled.payments)
    assert part.note == "" and len(part.parts) == 5
    headline = part.parts[1].data
    from cusp import presentation as pr

    assert f"<td class=\"count\">{pr.gbp(settled.payments['amount'].sum())}</td>" in headline   # £ settled, as settle gives it
    assert part.values["settled_to_date_gbp"] == round(float(settled.payments["amount"].sum()), 2)
    img, alt = part.parts[2]
    assert 'alt="Line chart with a 90% band' in img.data   # the chart is an <img> with its alt text, its figure closed
    assert alt.startswith("Line chart with a 90% band: Payments still to come by month, as of 31 March 2022")
    assert "from April 2022 to August 2026" in alt


def test_the_statement_declares_the_reforecast_parameters():
    from cusp.render.params import check_parameters, declared_parameters

    declared = declared_parameters(ROOT / "notebooks" / "payments_statement.ipynb")
    # on by default, as of the settlement date, few draws so the render stays quick
    assert {k: declared[k]["default"] for k in ("reforecast", "reforecast_as_of", "reforecast_draws", "reforecast_previous_as_of")} == {
        "reforecast": True, "reforecast_as_of": "", "reforecast_draws": 40, "reforecast_previous_as_of": ""}
    assert check_parameters(declared, {}, {"reforecast": "False", "reforecast_draws": "1000"}) == {"reforecast": False, "reforecast_draws": 1000}


@pytest.mark.slow  # renders the payments statement (30-60 s on the shared machine)
def test_the_payments_statement_renders_with_the_reforecast(tmp_path):
    from cusp.render import render_notebook
    from evaluation.disclosure import scan_report

    report = render_notebook(ROOT / "notebooks" / "payments_statement.ipynb", tmp_path / "reports" / "payments", cwd=ROOT, progress=False,
                             timeout=600, params={"reforecast_draws": "5", "reforecast_previous_as_of": "2023-12-31"})
    page = report.html.read_text()
    body = page.split("cusp-provenance")[0]
    assert scan_report(body, "nhs-digital") == []
    assert 'id="Reforecast:-what-is-still-to-pay"' in page and 'href="#Reforecast:-what-is-still-to-pay"' in page
    assert "What moved the expected total since the previous reforecast" in page
    summary = page[page.index('id="summary"'):page.index('id="contents"')]
    assert "Still to pay to the end of the contract (August 2026): £" in summary   # the board reads it first
    assert "£ still to pay by month and payer, after caps, as of 31 March 2024" in page
    assert re.search(r'<img[^>]*alt="Line chart with a 90% band: Payments still to come by month, as of 31 March 2024', page)
    assert "No description has been provided" not in page   # no figure left open for the inline backend to show bare
    assert 'data-mime-type="application/vnd.jupyter.stderr"' not in page and "ReforecastError" not in page  # no error output
    values = json.loads(report.results.read_text())
    assert values["reforecast"]["as_of"] == "2024-03-31" and values["reforecast"]["still_to_pay_gbp"]["mean"] > 0


def test_a_statement_at_the_contracts_end_says_nothing_is_left_to_forecast():
    from cusp.synthetic_kpis import synthetic_frames
    from simulate.scenario import load_scenario

    sc = load_scenario("hereford-befriending-002")    # April 2021 + 36 + 6 months: its last day is 30 September 2024
    part = rr.statement_section(sc, synthetic_frames(sc, 1), "", 5, 1, "nhs-digital", statement_as_of="2024-09-30")
    assert part.note == ""
    # the section illustrates the reforecast half way through (31 December 2022), and the summary says why
    assert part.points == ["The contract ends on 30 September 2024, so nothing is left to forecast; the reforecast section "
                           "shows, for illustration, the reforecast as it stood on 31 December 2022."]
