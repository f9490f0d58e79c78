"""``cusp capacity``: referral flow and capacity simulation — run, compare, plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from simulate.flow.errors import FlowError
from simulate.flow.model import InitialState
from simulate.flow.plan import plan_fte
from simulate.flow.runner import run_replications, summarise
from simulate.flow.stats import mser5, replications_needed, t_interval
from simulate.scenario import KPI_METRICS, load_scenario

from ..console import err, out, table

app = typer.Typer(no_args_is_help=True, pretty_exceptions_show_locals=False, help="Referral flow and capacity: waits, caseloads, KPI probabilities, staffing.")

HEADLINE = [
    "referrals", "families_started", "mean_wait_to_start_working_days", "p90_wait_to_start_working_days",
    "longest_wait_to_start_working_days", "share_started_within_target", "share_contacted_within_target",
    "waiting_list_at_end", "reneged", "returned_unallocated", "utilisation", "caseload_per_fte",
    "hours_delivered", "direct_work_share", "completions", "disengagements", "care_entries", "reviews", "coverage_within_window",
]


def _progress(total: int, label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err, transient=True)


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write one table; the caller's :func:`cusp.outputs.output_folder` makes the folder atomic."""
    frame.to_csv(path, index=False)


def _run(sc, reps, seed, jobs, label, **kw):
    with _progress(reps, label) as bar:
        task = bar.add_task(label, total=reps)
        return run_replications(sc, reps, seed, jobs=jobs, on_progress=lambda done: bar.update(task, completed=done), **kw)


def _yearly(summary: pd.DataFrame, district: str = "all") -> pd.DataFrame:
    s = summary[(summary["period"] == "year") & (summary["district"] == district) & (summary["metric"].isin(HEADLINE))].copy()
    s["cell"] = [f"{m:,.3g} ({lo:,.3g}–{hi:,.3g})" if np.isfinite(m) else "–" for m, lo, hi in zip(s["mean"], s["ci_low"], s["ci_high"])]
    wide = s.pivot(index="metric", columns="label", values="cell")
    order = [m for m in HEADLINE if m in wide.index]
    return wide.loc[order].reset_index()


def _read_snapshot(path: Path, required: list[str], sc, dates: list[str]) -> pd.DataFrame:
    """Read an initial-state CSV, failing with the file, row and column of the first problem."""
    try:
        frame = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise FlowError(f"{path}: cannot read CSV ({exc})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise FlowError(f"{path}: missing column {missing[0]!r} (needs {', '.join(required)})")
    for i, name in enumerate(frame["district"]):
        if name not in sc.district_names:
            raise FlowError(f"{path}: row {i + 2}, column 'district': unknown district {name!r}")
    for col in dates:
        if col in frame.columns:
            parsed = pd.to_datetime(frame[col], errors="coerce")
            bad = parsed.isna()
            if bad.any():
                raise FlowError(f"{path}: row {int(bad.to_numpy().argmax()) + 2}, column {col!r}: not a date ({frame[col][bad].iloc[0]!r})")
            frame[col] = parsed.dt.date
    return frame


def _initial_state(sc, open_cases: Path | None, waiting: Path | None) -> InitialState | None:
    if open_cases is None and waiting is None:
        return None
    state = InitialState()
    if open_cases is not None:
        state.open_cases = _read_snapshot(open_cases, ["district", "start_date"], sc, ["start_date", "end_date"])
    if waiting is not None:
        state.waiting = _read_snapshot(waiting, ["district", "referral_date"], sc, ["referral_date"])
    return state


@app.command()
def run(
    scenario: str = typer.Option(..., "--scenario", "-s", help="preset name or YAML file"),
    reps: int = typer.Option(20, "--reps", "-r", min=1, help="replications"),
    seed: int = typer.Option(1, "--seed", help="root seed (SeedSequence)"),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1, help="worker processes"),
    precision: float = typer.Option(None, "--precision", help="run replications until every headline KPI's 95% CI half-width is within this fraction of its mean (Hoad, Robinson & Davies 2010); --reps is then the maximum"),
    out_dir: Path = typer.Option(None, "--out", help="new folder (or one Cusp wrote before) for kpis.csv, summary.csv, targets.csv (and events.csv, cases.csv with --records)"),
    records: bool = typer.Option(False, "--records", help="also write the event log and per-case summary"),
    district: str = typer.Option("all", "--district", help="district for the printed table"),
    by_district: str = typer.Option(None, "--by-district", help="also print this metric by district and year (e.g. share_started_within_target)"),
    open_cases: Path = typer.Option(None, "--open-cases", help="CSV of cases open today: district, start_date[, end_date]"),
    waiting: Path = typer.Option(None, "--waiting", help="CSV of today's waiting list: district, referral_date[, sub_cohort, need_level]"),
    steady_state: bool = typer.Option(False, "--steady-state", help="also print steady-state quarterly means after the MSER-5 warm-up"),
    backend: str = typer.Option("simpy", "--backend", help="event loop of the caseload queue: 'simpy' (default: callbacks on a simpy.Environment) or 'heapq' (a bare heap loop, faster); same results"),
) -> None:
    """Simulate referral flow and capacity: means with 95% t intervals and the probability each target is met.

    Example: cusp capacity run --scenario lancs-edge-of-care-004 --reps 50 --seed 7 --jobs 2
    """
    from ..outputs import check_output, output_folder

    inputs = {"--scenario": Path(scenario), "--open-cases": open_cases, "--waiting": waiting}
    if out_dir is not None:  # before any work: refuse an --out over the user's files
        check_output(out_dir, inputs)
    sc = load_scenario(scenario)
    if district != "all" and district not in sc.district_names:
        raise typer.BadParameter(f"unknown district {district!r} (districts: {', '.join(sc.district_names)})", param_hint="--district")
    if by_district is not None and by_district not in KPI_METRICS and by_district not in HEADLINE:
        raise typer.BadParameter(f"unknown metric {by_district!r}", param_hint="--by-district")
    if backend not in ("heapq", "simpy"):
        raise typer.BadParameter(f"unknown backend {backend!r} (heapq or simpy)", param_hint="--backend")
    initial = _initial_state(sc, open_cases, waiting)
    if precision is not None:
        res0 = run_replications(sc, 1, seed, backend=backend)
        keys = [m for m in ("families_started", "mean_wait_to_start_working_days", "utilisation", "hours_delivered", "coverage_within_window") if m in set(res0.kpis["metric"])]

        def one(r: int) -> dict[str, float]:
            k = run_replications(sc, 1, seed, first=r, backend=backend).kpis
            sel = k[(k["period"] == "year") & (k["district"] == "all") & (k["metric"].isin(keys))]
            return {m: float(np.nanmean(g["value"])) for m, g in sel.groupby("metric")}

        needed, _ = replications_needed(one, precision, max_reps=reps)
        out.print(f"Replications algorithm (Hoad, Robinson & Davies 2010): {needed} replications give 95% CIs within ±{precision:.0%} for {', '.join(keys)}" + (" (hit --reps limit)" if needed >= reps else ""))
        reps = needed
    res = _run(sc, reps, seed, jobs, "replications", keep_records=records, initial=initial, backend=backend)
    summary = res.summary()
    out.print(f"[bold]{sc.service.name}[/] — {reps} replications, seed {seed}; means with 95% t intervals, district {district}")
    out.print(table(_yearly(summary, district), "KPIs by contract year"))
    if by_district is not None:
        s = summary[(summary["period"] == "year") & (summary["metric"] == by_district)]
        if s.empty:
            err.print(f"--by-district {by_district}: no such metric in this run")
        else:
            s = s.assign(cell=[f"{m:,.3g} ({lo:,.3g}–{hi:,.3g})" if np.isfinite(m) else "–" for m, lo, hi in zip(s["mean"], s["ci_low"], s["ci_high"])])
            out.print(table(s.pivot(index="district", columns="label", values="cell").reset_index(), f"{by_district} by district and contract year"))
    tp = res.target_probabilities()
    if len(tp):
        shown = tp.copy()
        # quarterly targets: the year column is the average of that year's quarterly probabilities
        shown["year"] = shown["contract_year"]  # the contract year of each row's last day (months, rolling windows too)
        wide = shown.pivot_table(index=["target", "comparison", "threshold", "period"], columns="year", values="probability", aggfunc="mean")
        years = sorted([c for c in wide.columns if c != "every"], key=lambda c: int(c[1:]))
        wide = wide[years + (["every"] if "every" in wide.columns else [])].map(lambda p: f"{p:.0%}" if np.isfinite(p) else "–").reset_index()
        out.print(table(wide, "Probability that each target is met, by contract year (quarterly targets: mean over the year's quarters; 'every' = met in every period)"))
    waits = res.kpis[(res.kpis["period"] == "quarter") & (res.kpis["district"] == "all") & (res.kpis["metric"] == "mean_wait_to_start_working_days")]
    if len(waits):
        series = waits.groupby("index")["value"].mean().to_numpy()
        cut = mser5(series[np.isfinite(series)])
        out.print(f"MSER-5 warm-up on the quarterly mean wait: discard the first {cut} quarters for steady-state questions.")
        if steady_state:
            last = (sc.horizon.referral_months - 1) // 3
            q = res.kpis[(res.kpis["period"] == "quarter") & (res.kpis["district"] == "all") & res.kpis["metric"].isin(HEADLINE)
                         & (res.kpis["index"] >= cut) & (res.kpis["index"] <= last)]
            per_rep = q.groupby(["metric", "replication"])["value"].mean().reset_index()
            rows = [(m, *t_interval(g["value"].to_numpy())) for m, g in per_rep.groupby("metric")]
            frame = pd.DataFrame(rows, columns=["metric", "mean", "ci_low", "ci_high"])
            out.print(table(frame, f"Steady state: quarterly means over quarters {cut + 1}-{last + 1} (after warm-up, while referrals open), 95% t intervals"))
    if out_dir is not None:
        with output_folder(out_dir, command="cusp capacity run", inputs=inputs) as tmp:
            _write_csv(res.kpis, tmp / "kpis.csv")
            _write_csv(summary, tmp / "summary.csv")
            _write_csv(tp, tmp / "targets.csv")
            if records:
                _write_csv(res.events, tmp / "events.csv")
                _write_csv(res.cases, tmp / "cases.csv")
        out.print(f"wrote {out_dir}")


@app.command()
def compare(
    a: str = typer.Argument(..., help="first scenario (preset or file)"),
    b: str = typer.Argument(..., help="second scenario"),
    reps: int = typer.Option(30, "--reps", "-r", min=2),
    seed: int = typer.Option(1, "--seed"),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1),
) -> None:
    """Paired differences (B − A) on common random numbers, with 95% t intervals.

    Example: cusp capacity compare lancs-ehwb-000 my-ehwb-more-staff.yaml --reps 50
    """
    sa, sb = load_scenario(a), load_scenario(b)
    ra = _run(sa, reps, seed, jobs, "A")
    rb = _run(sb, reps, seed, jobs, "B")
    keys = ["replication", "period", "index", "label", "district", "metric"]
    merged = ra.kpis.merge(rb.kpis, on=keys, suffixes=("_a", "_b"))
    merged["value"] = merged["value_b"] - merged["value_a"]
    diff = summarise(merged[keys + ["value"]])
    diff = diff[(diff["period"] == "year") & (diff["district"] == "all") & diff["metric"].isin(HEADLINE)]
    diff = diff.assign(difference=[f"{m:+,.3g} ({lo:+,.3g} to {hi:+,.3g})" for m, lo, hi in zip(diff["mean"], diff["ci_low"], diff["ci_high"])])
    wide = diff.pivot(index="metric", columns="label", values="difference").reset_index()
    out.print(f"[bold]B − A[/] ({b} minus {a}), {reps} paired replications on common random numbers, seed {seed}")
    out.print(table(wide, "Paired differences by contract year (95% t interval)"))


@app.command()
def plan(
    scenario: str = typer.Option(..., "--scenario", "-s"),
    target: str = typer.Option(..., "--target", "-t", help="name of a KPI target in the scenario"),
    confidence: float = typer.Option(0.9, "--confidence", min=0.0, max=1.0),
    reps: int = typer.Option(40, "--reps", "-r", min=2, help="replications per staffing level"),
    seed: int = typer.Option(1, "--seed"),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1),
    district: str = typer.Option(None, "--district", help="vary only this district's FTE"),
    criterion: str = typer.Option("every", "--criterion", help="'every': met in every period; 'per_period': average per-period probability"),
) -> None:
    """Smallest FTE meeting a KPI target with the given probability; the probability-vs-FTE curve and its cost.

    Example: cusp capacity plan --scenario lancs-edge-of-care-004 --target start_within_target --confidence 0.9
    """
    sc = load_scenario(scenario)
    if criterion not in ("every", "per_period"):
        raise typer.BadParameter("must be 'every' or 'per_period'", param_hint="--criterion")
    result = plan_fte(sc, target, confidence, reps=reps, seed=seed, jobs=jobs, district=district, criterion=criterion,
                      on_level=lambda fte, p: err.print(f"  {fte:6.2f} FTE: P(met) = {p:.0%}"))
    out.print(table(result.curve, f"P({target} met, {criterion}) against FTE ({reps} replications per level, common random numbers)",
                    {"fte": ".2f", "probability": ".0%", "cost_gbp_per_year": ",.0f", "mean_value": ",.3g"}))
    if result.answer is None:
        out.print(f"No FTE up to {result.curve['fte'].max():.2f} meets {target} with probability {confidence:.0%}.")
    else:
        cost = result.answer * sc.workforce.cost_per_fte_gbp_per_year
        out.print(f"Smallest FTE meeting {target} with probability ≥ {confidence:.0%}: [bold]{result.answer:.2f}[/] (≈ £{cost:,.0f} a year)")
