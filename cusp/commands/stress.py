"""``cusp stress``: stress tests of every payment mechanism, each read by the party that carries its risk.

The scenario's ``payment.kind`` picks the pipeline (:mod:`simulate.stress.mechanisms`): the
bond's investor, the payment-by-results or KPI-linked provider, a block contract's cost per
family. No command here switches on the kind.

Examples::

    cusp stress base --scenario lancs-ehwb-000
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

app = typer.Typer(no_args_is_help=True, help="Stress tests of every payment mechanism: base case, Monte Carlo runs, named and reverse stresses.")

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
    method: str = typer.Option("lhs", "--method", help="lhs (Latin hypercube), mc (Monte Carlo) or sobol; mc and sobol runs can be resumed"),
    stress: Optional[str] = typer.Option(None, "--stress", help="apply a named stress to every draw"),
    monthly: Optional[Path] = typer.Option(None, "--monthly", help="also write cumulative investor cash by draw and month"),
    engine: str = typer.Option("payments", "--engine", help="stability settlement: payments (the payment engine) or cusp (faster)"),
    model: str = typer.Option("cohort", "--model", help="cohort (fast vectorised model) or flow (the discrete-event flow simulation)"),
    resume: bool = typer.Option(False, "--resume", help="add --draws draws to the run already in --out (same seed, method, stress)"),
) -> None:
    """Draw the scenario's uncertainty ranges and run the mechanism's pipeline for each draw.

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
    previous, start = None, 0
    if resume:
        from simulate.stress.resume import check_resumable

        previous, start = check_resumable(out_file, sc.service.name, seed, method, engine, model, stress, monthly)
    t = time.perf_counter()
    result = run_stress(sc, draws, seed, jobs=jobs, cluster=cluster, method=method,
                        overrides=chosen.overrides if chosen else None, effects=chosen.effects if chosen else None,
                        keep_monthly=monthly is not None, engine=engine, model=model, start=start)
    seconds = time.perf_counter() - t
    from cusp import __version__

    frame = result.table if previous is None else pd.concat([previous, result.table], ignore_index=True)
    meta = {**result.meta, "draws": len(frame), "start": 0, "stress": stress, "cusp_version": __version__}
    with output_file(out_file, command="cusp stress run", inputs=inputs) as tmp:
        write_parquet(frame, tmp, meta)
    if monthly is not None:
        with output_file(monthly, command="cusp stress run --monthly", inputs=inputs) as tmp:
            write_parquet(monthly_frame(result), tmp)
    where = f"cluster {cluster}" if cluster else f"{jobs} job{'s' if jobs > 1 else ''}"
    added = f" (draws {start:,}–{start + draws - 1:,} added to {start:,})" if resume else ""
    out.print(f"{draws:,} draws in {seconds:.1f} s ({draws / seconds:,.0f} draws/s, {where}){added} → {out_file}")
    out.print(table(_fmt_headline(headline(frame, result.meta["mechanism"])), f"Headline figures ({result.meta['risk_bearer']})"))


@app.command()
def base(
    scenario: str = typer.Option(..., "--scenario", help="preset name or path to a YAML file"),
    replications: int = typer.Option(200, "--replications", help="replications of arrivals and care spells"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Print the base case of the party carrying the risk: the scenario's own values, averaged over replications.

    Example: cusp stress base --scenario lancs-edge-of-care-004
    """
    from simulate.stress import mean_years, mechanism_for, pooled, scenario_data

    sc = load_scenario(scenario)
    data = scenario_data(sc)
    mech = mechanism_for(data)
    b = pooled(data, None, replications, seed)
    out.print(f"[bold]{sc.service.name}[/] — base case for the {mech.risk_bearer} ({mech.kind}), {replications} replications, "
              f"seed {seed} (simplified cohort model)")
    out.print(table(pd.DataFrame(mech.base_rows(b), columns=["figure", "value"])))
    years = mean_years(data, None, replications, seed)
    if years is not None:
        money = {c: _MONEY for c in years.columns if c.endswith("_gbp") or c in ("value", "instalments", "at_risk", "kpi_payment", "withheld", "paid", "spend", "gain", "gain_returned", "gain_retained")}
        shares = {c: ".0%" for c in years.columns if c in ("utilisation_mean", "weight_met")}
        counts = {c: ",.0f" for c in years.columns if c.startswith("families")}
        out.print(table(years, f"By contract year (mean of {replications} replications)", {**money, **shares, **counts}))


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
    fmt = {c: _MONEY for c in frame.columns if c.endswith("_gbp")}
    fmt.update({c: ".1%" for c in frame.columns if c.startswith("p_") or c.startswith("irr")})
    fmt.update({c: ".2f" for c in frame.columns if "multiple" in c or "utilisation" in c})
    out.print(table(frame, f"Named stresses ({draws} draws each, seed {seed})", fmt))


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
    cols = ["description", "status", "parameter", "value"] + [c for c in ("out_of_care_rate", "referral_shortfall") if frame[c].notna().any()]
    shown = frame[cols]
    out.print(table(shown, "Reverse stress tests", {"value": ".3f", "out_of_care_rate": ".1%", "referral_shortfall": ".1%"}))


@app.command()
def tornado(
    scenario: str = typer.Option(..., "--scenario"),
    replications: int = typer.Option(100, "--replications"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """One-at-a-time sensitivity of the risk-bearing party's key figure to each uncertain input.

    Example: cusp stress tornado --scenario lancs-edge-of-care-004
    """
    from simulate.stress import tornado as run_tornado

    frame = run_tornado(load_scenario(scenario), replications, seed)
    f = ".2f" if "multiple" in frame.attrs["output"] else _MONEY
    out.print(table(frame, f"Tornado: {frame.attrs['output']}", {"output_low": f, "output_high": f, "base": f, "swing": f}))


@app.command()
def summary(results: Path = typer.Argument(..., help="Parquet written by cusp stress run")) -> None:
    """Headline figures and global sensitivity (standardised regression coefficients) of a run.

    Example: cusp stress summary 004.parquet
    """
    from simulate.stress import headline, mechanism_for, src
    from simulate.stress.runner import read_run_metadata

    from simulate.finance.errors import StressError

    if not results.exists():
        raise StressError(f"{results}: no such file")
    frame = pd.read_parquet(results)
    meta = read_run_metadata(results)
    mech = mechanism_for(meta.get("mechanism", "sib_edge_of_care"))
    inputs = [c for c in frame.columns if c.startswith("in:")]
    out.print(table(_fmt_headline(headline(frame, mech.kind)), f"Headline figures for the {mech.risk_bearer} ({results})"))
    if inputs:
        s = src(frame, inputs, mech.key_output)
        out.print(table(s, f"Standardised regression coefficients on {mech.key_output} (R² {s.attrs['r2']:.2f})", {"src": ".3f", "share": ".1%"}))


@app.command()
def sobol(
    scenario: str = typer.Option(..., "--scenario"),
    base_draws: int = typer.Option(64, "--base-draws", help="Saltelli base sample (a power of two); draws = base × (inputs + 2)"),
    seed: int = typer.Option(0, "--seed"),
    jobs: int = typer.Option(1, "--jobs"),
) -> None:
    """Global sensitivity: Sobol' first-order and total indices (SALib) beside standardised regression coefficients.

    Example: cusp stress sobol --scenario lancs-ehwb-000 --base-draws 256 --jobs 2
    """
    from simulate.stress import sobol as run_sobol

    frame = run_sobol(load_scenario(scenario), base_draws, seed, jobs)
    out.print(table(frame, f"Sobol' indices of {frame.attrs['output']} ({frame.attrs['draws']:,} draws; "
                           f"regression R² {frame.attrs['r2']:.2f})",
                    {"S1": ".3f", "S1_conf": ".3f", "ST": ".3f", "ST_conf": ".3f", "src": ".3f"}))


@app.command()
def indigo(
    scenario: str = typer.Option(..., "--scenario"),
    out_file: Path = typer.Option(..., "--out", help="JSON file in the shape of the INDIGO data standard"),
    replications: int = typer.Option(100, "--replications", help="replications averaged into the planned payments"),
    seed: int = typer.Option(0, "--seed"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="date (YYYY-MM-DD) of the expected vs achieved table; default the contract end"),
) -> None:
    """Export an INDIGO 4.1 project: prices, plan, planned payments, transactions, returns, results and provider costs.

    Prints the expected vs achieved to date table per outcome metric (achieved: replication 0
    as a stand-in for real data). Example: cusp stress indigo --scenario lancs-edge-of-care-004 --out 004-indigo.json
    """
    import datetime as dt

    from simulate.finance.errors import StressError
    from simulate.finance.indigo import indigo_project, write_indigo
    from simulate.stress.analysis import expected_finance, expected_vs_achieved, indigo_returns

    from ..outputs import check_output, output_file

    inputs = {"--scenario": Path(scenario)}
    check_output(out_file, inputs, kind="file")  # before any work: refuse an --out over the user's files
    sc = load_scenario(scenario)
    from simulate.stress import mechanism_for

    if mechanism_for(sc.payment.kind).risk_bearer != "investor":
        raise StressError(f"--scenario {scenario}: INDIGO describes impact bonds (an investor carries the risk); "
                          f"payment.kind {sc.payment.kind!r} has none")
    try:
        when = dt.date.fromisoformat(as_of) if as_of else sc.horizon.contract_end - dt.timedelta(days=1)
    except ValueError:
        raise StressError(f"--as-of {as_of}: not a date in the form YYYY-MM-DD") from None
    results = expected_vs_achieved(sc, when, 0, replications, seed)
    doc = indigo_project(sc, expected_finance(sc, replications, seed), "Planned", indigo_returns(sc, replications, seed), results)
    with output_file(out_file, command="cusp stress indigo", inputs=inputs) as tmp:
        write_indigo(doc, tmp)
    out.print(f"INDIGO 4.1: {len(doc['outcome_pricings'])} prices, {len(doc['outcome_payments'])} planned payments, "
              f"{len(doc['transactions'])} transactions → {out_file}")
    out.print(table(results.drop(columns=["period_start"]), f"Expected vs achieved to {when}",
                    {"children_engaged": ",.0f", "expected_children": ",.0f", "children_achieved": ",.0f",
                     "expected_payments_gbp": _MONEY, "payments_gbp": _MONEY}))


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
    from simulate.stress import draw_rng, expected_transfers, ledger_frame, mechanism_for, scenario_data, write_parquet

    from ..outputs import check_output, output_file

    inputs = {"--scenario": Path(scenario)}
    check_output(out_file, inputs, kind="file")  # before any work: refuse an --out over the user's files
    sc = load_scenario(scenario)
    data = scenario_data(sc)
    mech = mechanism_for(data)
    if expected:
        transfers, dates = expected_transfers(data, replications, seed)
        summary = {"replications": float(replications)}
    else:
        d = mech.draw(mech.compile(data), draw_rng(seed, replication))
        transfers, dates, summary = d.transfers, d.dates, d.outputs
    frame = ledger_frame(transfers, dates)
    from ..excel import round_money

    frame = round_money(frame)  # pennies: no -74599.99999999999 in a ledger
    with output_file(out_file, command="cusp stress ledger", inputs=inputs) as tmp:
        if out_file.suffix == ".csv":
            frame.to_csv(tmp, index=False)
        else:
            write_parquet(frame, tmp)
    s = pd.DataFrame({"metric": list(summary), "value": list(summary.values())})
    if xlsx:
        from ..excel import workbook_bytes

        with output_file(out_file.with_suffix(".xlsx"), command="cusp stress ledger --xlsx", inputs=inputs) as tmp:
            tmp.write_bytes(workbook_bytes({"monthly cash flows": frame, "summary": s}))
    s["value"] = [v if isinstance(v, str) else f"{v:,.4g}" if abs(float(v)) < 100 else f"{v:,.0f}" for v in s["value"]]
    out.print(table(s, f"{len(frame):,} monthly rows → {out_file}"))
