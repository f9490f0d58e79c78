"""``cusp stress``: investor stress tests of an edge-of-care Social Impact Bond.

Examples::

    cusp stress base --scenario lancs-edge-of-care-004
    cusp stress run --scenario lancs-edge-of-care-004 --draws 10000 --seed 1 --jobs 2 --out runs/004.parquet
    cusp stress run --scenario lancs-edge-of-care-004 --draws 1000000 --seed 1 --cluster tcp://scheduler:8786 --out 004.parquet
    cusp stress named --scenario lancs-edge-of-care-004 --draws 1000
    cusp stress reverse --scenario lancs-edge-of-care-004
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import pandas as pd
import typer

from simulate.scenario import load_scenario

from ..console import out, table

app = typer.Typer(no_args_is_help=True, help="Investor stress tests: base case, Monte Carlo runs, named and reverse stresses.")

_MONEY = ",.0f"


def _fmt_headline(frame: pd.DataFrame) -> pd.DataFrame:
    shown = frame.copy()
    shown["value"] = [
        f"{v:.1%}" if ("irr" in m and "draws" not in m) or m.startswith("p_") or "share" in m else f"{v:,.2f}" if "multiple" in m else f"{v:,.0f}"
        for m, v in zip(frame["metric"], frame["value"])
    ]
    return shown


@app.command()
def run(
    scenario: str = typer.Option(..., "--scenario", help="preset name or path to a YAML file"),
    draws: int = typer.Option(1000, "--draws", help="number of parameter draws"),
    seed: int = typer.Option(0, "--seed", help="the run's seed: same seed, same Parquet for any --jobs"),
    jobs: int = typer.Option(1, "--jobs", help="local worker processes"),
    cluster: Optional[str] = typer.Option(None, "--cluster", help="Dask scheduler address, e.g. tcp://10.0.0.5:8786"),
    out_file: Path = typer.Option(..., "--out", help="new Parquet file (or one Cusp wrote before): one row per draw (inputs and outputs)"),
    method: str = typer.Option("lhs", "--method", help="lhs (Latin hypercube) or mc (Monte Carlo)"),
    stress: Optional[str] = typer.Option(None, "--stress", help="apply a named stress to every draw"),
    monthly: Optional[Path] = typer.Option(None, "--monthly", help="also write cumulative investor cash by draw and month"),
    engine: str = typer.Option("payments", "--engine", help="stability settlement: payments (the payment engine) or cusp (faster)"),
    model: str = typer.Option("cohort", "--model", help="cohort (fast vectorised model) or flow (the discrete-event flow simulation)"),
) -> None:
    """Draw the scenario's uncertainty ranges and run cohort → payments → finance for each draw.

    Example: cusp stress run --scenario lancs-edge-of-care-004 --draws 10000 --seed 1 --jobs 2 --out 004.parquet
    """
    from simulate.finance.errors import StressError
    from simulate.stress import find_stress, headline, monthly_frame, run_stress, write_parquet

    from ..outputs import check_output, output_file

    inputs = {"--scenario": Path(scenario)}
    check_output(out_file, inputs, kind="file")  # before any work: refuse an --out over the user's files
    if monthly is not None:
        check_output(monthly, inputs, kind="file")
        if monthly.resolve() == out_file.resolve():
            raise StressError(f"--monthly {monthly}: is the --out file; give the monthly cash flows their own file")
    sc = load_scenario(scenario)
    chosen = find_stress(sc, stress) if stress else None
    t = time.perf_counter()
    result = run_stress(sc, draws, seed, jobs=jobs, cluster=cluster, method=method,
                        overrides=chosen.overrides if chosen else None, effects=chosen.effects if chosen else None,
                        keep_monthly=monthly is not None, engine=engine, model=model)
    seconds = time.perf_counter() - t
    from cusp import __version__

    with output_file(out_file, command="cusp stress run", inputs=inputs) as tmp:
        write_parquet(result.table, tmp, {**result.meta, "stress": stress, "cusp_version": __version__})
    if monthly is not None:
        with output_file(monthly, command="cusp stress run --monthly", inputs=inputs) as tmp:
            write_parquet(monthly_frame(result), tmp)
    where = f"cluster {cluster}" if cluster else f"{jobs} job{'s' if jobs > 1 else ''}"
    out.print(f"{draws:,} draws in {seconds:.1f} s ({draws / seconds:,.0f} draws/s, {where}) → {out_file}")
    out.print(table(_fmt_headline(headline(result.table)), "Headline figures"))


@app.command()
def base(
    scenario: str = typer.Option(..., "--scenario", help="preset name or path to a YAML file"),
    replications: int = typer.Option(200, "--replications", help="replications of arrivals and care spells"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Print the base case: the scenario's own values, averaged over replications.

    Example: cusp stress base --scenario lancs-edge-of-care-004
    """
    from simulate.stress import pooled, scenario_data

    sc = load_scenario(scenario)
    b = pooled(scenario_data(sc), None, replications, seed)
    irr_text = f"{b['pooled_irr']:.1%}" if b["pooled_irr_status"] == "ok" else f"not defined ({b['pooled_irr_status']})"
    rows = [
        ("Investor IRR (of the mean cash flow)", irr_text),
        ("Money multiple (of the mean cash flow)", f"{b['pooled_multiple']:.2f}"),
        ("Capital committed", f"£{b['capital_committed_gbp']:,.0f}"),
        ("Peak capital (mean; 95th percentile)", f"£{b['peak_capital_gbp']:,.0f}; £{b['peak_capital_p95_gbp']:,.0f}"),
        ("Months to break-even (mean)", f"{b['months_to_break_even']:.0f}"),
        ("Outcome payments (mean)", f"£{b['outcome_payments_gbp']:,.0f}"),
        ("  of which commissioner; Life Chances Fund", f"£{b['commissioner_payments_gbp']:,.0f}; £{b['lcf_payments_gbp']:,.0f}"),
        ("P(cap reached)", f"{b['p_cap_reached']:.0%}"),
        ("Savings from care avoided (PV at 3.5% real)", f"£{b['savings_pv_gbp']:,.0f}"),
        ("Commissioner payments (PV at 3.5% real)", f"£{b['commissioner_payments_pv_gbp']:,.0f}"),
        ("Care days avoided", f"{b['care_days_avoided']:,.0f}"),
        ("Children engaged; net diverted from care", f"{b['children_engaged']:,.0f}; {b['children_diverted']:,.0f}"),
        ("Share of outcome payments paying for deadweight", f"{b['deadweight_payment_share']:.0%}"),
    ]
    out.print(f"[bold]{sc.service.name}[/] — base case, {replications} replications, seed {seed} (simplified cohort model)")
    out.print(table(pd.DataFrame(rows, columns=["figure", "value"])))


@app.command()
def named(
    scenario: str = typer.Option(..., "--scenario"),
    draws: int = typer.Option(500, "--draws"),
    seed: int = typer.Option(0, "--seed"),
    jobs: int = typer.Option(1, "--jobs"),
) -> None:
    """Run the base and every named stress on the same draws and compare them.

    Example: cusp stress named --scenario lancs-edge-of-care-004 --draws 1000 --jobs 2
    """
    from simulate.stress import named_stresses
    from simulate.stress.named import compare_stresses

    sc = load_scenario(scenario)
    frame = compare_stresses(sc, named_stresses(sc), draws, seed, jobs)
    out.print(table(frame, f"Named stresses ({draws} draws each, seed {seed})",
                    {"irr_median": ".1%", "multiple_median": ".2f", "p_loss": ".1%", "p_cap_reached": ".0%",
                     "payments_mean_gbp": _MONEY, "peak_capital_p95_gbp": _MONEY, "savings_pv_mean_gbp": _MONEY}))


@app.command()
def reverse(
    scenario: str = typer.Option(..., "--scenario"),
    replications: int = typer.Option(100, "--replications"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Find break-even values by root-finding on common random numbers.

    Example: cusp stress reverse --scenario lancs-edge-of-care-004
    """
    from simulate.stress import reverse_stress

    frame = reverse_stress(load_scenario(scenario), replications, seed)
    shown = frame[["description", "status", "parameter", "value", "out_of_care_rate", "referral_shortfall"]]
    out.print(table(shown, "Reverse stress tests", {"value": ".3f", "out_of_care_rate": ".1%", "referral_shortfall": ".1%"}))


@app.command()
def tornado(
    scenario: str = typer.Option(..., "--scenario"),
    replications: int = typer.Option(100, "--replications"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """One-at-a-time sensitivity of the investor's money multiple to each uncertain input.

    Example: cusp stress tornado --scenario lancs-edge-of-care-004
    """
    from simulate.stress import tornado as run_tornado

    frame = run_tornado(load_scenario(scenario), replications, seed)
    out.print(table(frame, "Tornado: money multiple of the mean cash flow", {"output_low": ".2f", "output_high": ".2f", "base": ".2f", "swing": ".2f"}))


@app.command()
def summary(results: Path = typer.Argument(..., help="Parquet written by cusp stress run")) -> None:
    """Headline figures and global sensitivity (standardised regression coefficients) of a run.

    Example: cusp stress summary 004.parquet
    """
    from simulate.stress import headline, src

    from simulate.finance.errors import StressError

    if not results.exists():
        raise StressError(f"{results}: no such file")
    frame = pd.read_parquet(results)
    inputs = [c for c in frame.columns if c.startswith("in:")]
    out.print(table(_fmt_headline(headline(frame)), f"Headline figures ({results})"))
    if inputs:
        s = src(frame, inputs, "money_multiple")
        out.print(table(s, f"Standardised regression coefficients on the money multiple (R² {s.attrs['r2']:.2f})", {"src": ".3f", "share": ".1%"}))


@app.command()
def indigo(
    scenario: str = typer.Option(..., "--scenario"),
    out_file: Path = typer.Option(..., "--out", help="JSON file in the shape of the INDIGO data standard"),
    replications: int = typer.Option(100, "--replications", help="replications averaged into the planned payments"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Export prices, the payment plan, planned payments and transactions in INDIGO's shape.

    Example: cusp stress indigo --scenario lancs-edge-of-care-004 --out 004-indigo.json
    """
    from simulate.finance.indigo import indigo_project, write_indigo
    from simulate.stress.analysis import expected_finance

    from ..outputs import check_output, output_file

    inputs = {"--scenario": Path(scenario)}
    check_output(out_file, inputs, kind="file")  # before any work: refuse an --out over the user's files
    sc = load_scenario(scenario)
    doc = indigo_project(sc, expected_finance(sc, replications, seed), "Planned")
    with output_file(out_file, command="cusp stress indigo", inputs=inputs) as tmp:
        write_indigo(doc, tmp)
    out.print(f"{len(doc['outcome_pricings'])} prices, {len(doc['outcome_payments'])} planned payments, "
              f"{len(doc['transactions'])} transactions → {out_file}")


@app.command()
def ledger(
    scenario: str = typer.Option(..., "--scenario"),
    out_file: Path = typer.Option(..., "--out", help="tidy monthly cash flows: .parquet or .csv"),
    seed: int = typer.Option(0, "--seed"),
    replication: int = typer.Option(0, "--replication", help="which replication of the seed (ignored with --expected)"),
    expected: bool = typer.Option(False, "--expected", help="the expected case: mean payments and costs of --replications"),
    replications: int = typer.Option(100, "--replications"),
    xlsx: bool = typer.Option(False, "--xlsx", help="also write an Excel workbook beside --out (same name, .xlsx): cash flows and summary, £ formats"),
) -> None:
    """Write one replication's monthly cash flows (party, counterparty, month, date, flow type, amount) and print its summary.

    Example: cusp stress ledger --scenario lancs-edge-of-care-004 --out 004-ledger.csv
    """
    from simulate.finance import monthly_table, summary_table
    from simulate.stress import compile_params, draw_rng, run_draw, scenario_data, write_parquet
    from simulate.stress.analysis import expected_finance

    from ..outputs import check_output, output_file

    inputs = {"--scenario": Path(scenario)}
    check_output(out_file, inputs, kind="file")  # before any work: refuse an --out over the user's files
    sc = load_scenario(scenario)
    fin = expected_finance(sc, replications, seed) if expected else run_draw(compile_params(scenario_data(sc)), draw_rng(seed, replication)).finance
    frame = monthly_table(fin)
    from ..excel import round_money

    frame = round_money(frame)  # pennies: no -74599.99999999999 in a ledger
    with output_file(out_file, command="cusp stress ledger", inputs=inputs) as tmp:
        if out_file.suffix == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            write_parquet(frame, tmp)
    if xlsx:
        from ..excel import workbook_bytes

        with output_file(out_file.with_suffix(".xlsx"), command="cusp stress ledger --xlsx", inputs=inputs) as tmp:
            tmp.write_bytes(workbook_bytes({"monthly cash flows": frame, "summary": summary_table(fin)}))
    s = summary_table(fin)
    s["value"] = [v if isinstance(v, str) else f"{v:,.4g}" if abs(float(v)) < 100 else f"{v:,.0f}" for v in s["value"]]
    out.print(table(s, f"{len(frame):,} monthly rows → {out_file}"))
