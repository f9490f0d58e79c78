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

from ..console import CLIP_NOTE, err, interval, metric_kind, metric_label, number, out, table

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


def _cells(summary: pd.DataFrame, signed: bool = False) -> tuple[list[str], bool]:
    """``mean (low–high)`` per row of a summary, in each metric's format; whether a count was clipped at 0."""
    texts, clipped = [], False
    for m, mean, lo, hi in zip(summary["metric"], summary["mean"], summary["ci_low"], summary["ci_high"]):
        text, c = interval(mean, lo, hi, metric_kind(m), signed=signed)
        texts.append(text)
        clipped |= c
    return texts, clipped


def _by_year(summary: pd.DataFrame, metrics: list[str], signed: bool = False) -> tuple[pd.DataFrame, bool]:
    """One row per metric (labelled with its unit), one column per contract year."""
    s = summary[summary["metric"].isin(metrics)].copy()
    s["cell"], clipped = _cells(s, signed)
    wide = s.pivot(index="metric", columns="label", values="cell")
    order = [m for m in metrics if m in wide.index]
    wide = wide.loc[order]
    years = sorted(wide.columns, key=lambda c: int(str(c).lstrip("Y") or 0))
    wide = wide[years].fillna("–")
    wide.insert(0, "metric", [metric_label(m) for m in wide.index])
    return wide.reset_index(drop=True), clipped


def _yearly(summary: pd.DataFrame, district: str = "all") -> tuple[pd.DataFrame, bool]:
    s = summary[(summary["period"] == "year") & (summary["district"] == district)]
    return _by_year(s, HEADLINE)


def _print_clip_note(clipped: bool) -> None:
    if clipped:
        out.print(CLIP_NOTE)


def _read_snapshot(path: Path, required: list[str], sc, dates: list[str], may_be_blank: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read an initial-state CSV, failing with the file, row and column of the first problem.

    A blank cell in a column of ``may_be_blank`` (``end_date`` of an open case: not known yet)
    is kept as missing; the model draws a value for it.
    """
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
            blank = frame[col].isna() | (frame[col].astype(str).str.strip() == "")
            bad = parsed.isna() & ~(blank if col in may_be_blank else False)
            if bad.any():
                raise FlowError(f"{path}: row {int(bad.to_numpy().argmax()) + 2}, column {col!r}: not a date ({frame[col][bad].iloc[0]!r})")
            frame[col] = parsed.dt.date
    return frame


def _initial_state(sc, open_cases: Path | None, waiting: Path | None, patience_from: str = "snapshot") -> InitialState | None:
    if open_cases is None and waiting is None:
        return None
    state = InitialState(patience_from=patience_from)
    if open_cases is not None:
        state.open_cases = _read_snapshot(open_cases, ["district", "start_date"], sc, ["start_date", "end_date"], may_be_blank=("end_date",))
    if waiting is not None:
        state.waiting = _read_snapshot(waiting, ["district", "referral_date"], sc, ["referral_date"])
    return state


def _rule(metric: str, comparison: str, threshold: float) -> str:
    kind = metric_kind(metric)
    return f"{comparison} {number(threshold, kind)}" + (" working days" if kind == "wait" else "")


def _target_table(tp: pd.DataFrame) -> pd.DataFrame:
    """Targets by contract year: ``target``, ``rule`` (comparison and threshold in the metric's unit), ``period``, Y1…, ``every``."""
    shown = tp.copy()
    # the contract year of each row's last day (quarters, months and rolling windows alike)
    shown["year"] = shown["contract_year"]
    shown["rule"] = [_rule(m, c, t) for m, c, t in zip(shown["metric"], shown["comparison"], shown["threshold"])]
    wide = shown.pivot_table(index=["target", "rule", "period"], columns="year", values="probability", aggfunc="mean", sort=False)
    years = sorted([c for c in wide.columns if c != "every"], key=lambda c: int(c[1:]))
    wide = wide[years + (["every"] if "every" in wide.columns else [])]
    wide = wide.map(lambda p: f"{p:.0%}" if np.isfinite(p) else "–").reset_index()
    wide["target"] = wide["target"].str.replace("_", " ")
    return wide


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
    patience_from: str = typer.Option("snapshot", "--patience-from", help="families on the --waiting list: 'snapshot' (default: remaining patience drawn from today; exponential patience is memoryless) or 'referral' (counted from each referral date; those already past it leave at day 0)"),
    steady_state: bool = typer.Option(False, "--steady-state", help="also print steady-state quarterly means after the MSER-5 warm-up"),
    xlsx: bool = typer.Option(False, "--xlsx", help="with --out, also write kpis.xlsx: KPI summary and target probabilities, one sheet each, % formats"),
    backend: str = typer.Option("simpy", "--backend", help="event loop of the caseload queue: 'simpy' (default: callbacks on a simpy.Environment) or 'heapq' (a bare heap loop, faster); same results"),
) -> None:
    """Simulate referral flow and capacity: means with 95% t intervals and the probability each target is met.

    Example: cusp capacity run --scenario lancs-edge-of-care-004 --reps 50 --seed 7 --jobs 2
    """
    from ..outputs import check_output, output_folder

    inputs = {"--scenario": Path(scenario), "--open-cases": open_cases, "--waiting": waiting}
    if out_dir is not None:  # before any work: refuse an --out over the user's files
        check_output(out_dir, inputs)
    if xlsx and out_dir is None:
        raise typer.BadParameter("--xlsx writes kpis.xlsx into the --out folder: give --out too", param_hint="--xlsx")
    sc = load_scenario(scenario)
    if district != "all" and district not in sc.district_names:
        raise typer.BadParameter(f"unknown district {district!r} (districts: {', '.join(sc.district_names)})", param_hint="--district")
    if by_district is not None and by_district not in KPI_METRICS and by_district not in HEADLINE:
        raise typer.BadParameter(f"unknown metric {by_district!r}", param_hint="--by-district")
    if backend not in ("heapq", "simpy"):
        raise typer.BadParameter(f"unknown backend {backend!r} (heapq or simpy)", param_hint="--backend")
    if patience_from not in ("snapshot", "referral"):
        raise typer.BadParameter(f"unknown rule {patience_from!r} (snapshot or referral)", param_hint="--patience-from")
    initial = _initial_state(sc, open_cases, waiting, patience_from)
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
    yearly, clipped = _yearly(summary, district)
    out.print(table(yearly, "KPIs by contract year: mean (95% interval)"))
    _print_clip_note(clipped)
    if by_district is not None:
        s = summary[(summary["period"] == "year") & (summary["metric"] == by_district)]
        if s.empty:
            err.print(f"--by-district {by_district}: no such metric in this run")
        else:
            cells, clipped = _cells(s)
            s = s.assign(cell=cells)
            out.print(table(s.pivot(index="district", columns="label", values="cell").reset_index(), f"{metric_label(by_district)} by district and contract year"))
            _print_clip_note(clipped)
    tp = res.target_probabilities()
    if len(tp):
        out.print(table(_target_table(tp), "Probability that each target is met, by contract year (quarterly targets: mean over the year's quarters; 'every' = met in every period)"))
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
            order = {m: i for i, m in enumerate(HEADLINE)}
            frame = frame.sort_values("metric", key=lambda c: c.map(order)).reset_index(drop=True)
            cells, clipped = _cells(frame)
            shown = pd.DataFrame({"metric": [metric_label(m) for m in frame["metric"]], "quarterly mean (95% interval)": cells})
            out.print(table(shown, f"Steady state: quarterly means over quarters {cut + 1}-{last + 1} (after warm-up, while referrals open)"))
            _print_clip_note(clipped)
    if out_dir is not None:
        with output_folder(out_dir, command="cusp capacity run", inputs=inputs) as tmp:
            _write_csv(res.kpis, tmp / "kpis.csv")
            _write_csv(summary, tmp / "summary.csv")
            _write_csv(tp, tmp / "targets.csv")
            if records:
                _write_csv(res.events, tmp / "events.csv")
                _write_csv(res.cases, tmp / "cases.csv")
            if xlsx:
                from ..excel import workbook_bytes

                (tmp / "kpis.xlsx").write_bytes(workbook_bytes({"KPIs by period": summary, "targets": tp}))
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
    wide, _ = _by_year(diff, HEADLINE, signed=True)
    out.print(f"[bold]B − A[/] ({b} minus {a}), {reps} paired replications on common random numbers, seed {seed}")
    out.print(table(wide, "Paired differences B − A by contract year: mean (95% t interval); shares in percentage points"))


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
    max_fte: float = typer.Option(None, "--max-fte", min=0.01, help="top of the search grid (default: 4x today's FTE, at least 10)"),
    out_dir: Path = typer.Option(None, "--out", help="folder for plan_curve.csv (every staffing level evaluated)"),
) -> None:
    """Smallest FTE meeting a KPI target with the given probability, with a bootstrap interval; says why when no staffing can.

    Example: cusp capacity plan --scenario lancs-edge-of-care-004 --target start_within_target --confidence 0.9
    """
    from ..outputs import check_output, output_folder

    inputs = {"--scenario": Path(scenario)}
    if out_dir is not None:
        check_output(out_dir, inputs)  # before the search runs: refuse an --out over the user's files
    sc = load_scenario(scenario)
    if criterion not in ("every", "per_period"):
        raise typer.BadParameter("must be 'every' or 'per_period'", param_hint="--criterion")
    result = plan_fte(sc, target, confidence, reps=reps, seed=seed, jobs=jobs, district=district, criterion=criterion, max_fte=max_fte,
                      on_level=lambda fte, p: err.print(f"  {fte:8.2f} FTE: P(met) = {p:.0%}"))
    spec = next(t for t in sc.kpi_targets if t.name == target)
    kind = metric_kind(spec.metric)
    curve = result.curve
    shown = pd.DataFrame({
        "FTE": [f"{f:,.2f}" for f in curve["fte"]],
        "places": [f"{int(n):,}" for n in curve["slots"]],
        "P(met)": [f"{p:.0%}" for p in curve["probability"]],
        metric_label(spec.metric): [number(v, kind) for v in curve["mean_value"]],
        "cost £/year": [f"{c:,.0f}" for c in curve["cost_gbp_per_year"]],
    })
    rule = "in every period" if criterion == "every" else "per period, on average"
    out.print(table(shown, f"P({target} met {rule}) against FTE: {reps} replications per level, common random numbers"))
    wf = sc.workforce
    today = wf.fte_by_district.get(district, 0.0) if district else wf.total_fte
    if result.answer is None:
        out.print(f"[bold]No staffing meets {target}[/] with probability {confidence:.0%}: {result.reason}")
    else:
        lo, hi = result.interval
        cost = result.answer * wf.cost_per_fte_gbp_per_year
        upper = f"{hi:,.2f}" if np.isfinite(hi) else f"above {curve['fte'].max():,.2f}"
        out.print(f"Smallest FTE meeting {target} ({spec.metric} {_rule(spec.metric, spec.comparison, spec.threshold)} {rule}) "
                  f"with probability ≥ {confidence:.0%}: [bold]{result.answer:,.2f} FTE[/], 95% interval {lo:,.2f} to {upper} FTE "
                  f"(today {today:,.2f} FTE; ≈ £{cost:,.0f} a year at the answer).")
        out.print(f"Interval: {result.method}.")
    for a, b in result.non_monotone:
        out.print(f"[bold]Not monotone:[/] {a:,.2f} FTE meets the confidence but {b:,.2f} FTE does not; the answer is taken "
                  f"above the highest failing level. Check the target's definition (its denominator) or add replications.")
    if out_dir is not None:
        with output_folder(out_dir, command="cusp capacity plan", inputs=inputs) as tmp:
            _write_csv(result.curve, tmp / "plan_curve.csv")
        out.print(f"wrote {out_dir / 'plan_curve.csv'}")


def _observed_cases(data_dir: Path) -> pd.DataFrame:
    """The service's referrals extract (evaluation's contract) as the dated per-case table of :mod:`simulate.flow.history`."""
    from evaluation.extracts import read_text_csv
    from evaluation.schemas import REFERRALS, check_frame

    path = data_dir / "referrals.csv"
    if not path.is_file():
        raise FlowError(f"{path}: no such file (check-history needs the referrals extract, docs/data-contracts.md)")
    frame, issues = check_frame(read_text_csv(path), REFERRALS)
    if len(issues):
        first = issues.iloc[0]
        where = "" if int(first["row"]) < 0 else f"row {int(first['row'])}, "
        more = f" (and {len(issues) - 1} more; run cusp data validate)" if len(issues) > 1 else ""
        raise FlowError(f"{path}: {where}column {first['column']!r}: {first['reason']}{more}")
    return frame[["referral_date", "start_date", "end_date"]]


@app.command("check-history")
def check_history(
    scenario: str = typer.Option(..., "--scenario", "-s", help="preset name or YAML file"),
    data: Path = typer.Option(..., "--data", help="folder holding the service's referrals.csv (docs/data-contracts.md)"),
    reps: int = typer.Option(40, "--reps", "-r", min=2, help="replications"),
    seed: int = typer.Option(1, "--seed"),
    jobs: int = typer.Option(1, "--jobs", "-j", min=1),
    extract_date: str = typer.Option(None, "--extract-date", help="YYYY-MM-DD the extract was taken (default: its latest date); later months are not compared"),
    out_dir: Path = typer.Option(None, "--out", help="folder for history.csv (every month and metric)"),
) -> None:
    """Observed monthly referrals, starts, waits and caseloads beside the simulated ones, with 95% intervals over replications.

    Example: cusp capacity check-history --scenario lancs-edge-of-care-004 --data reports/data --out reports/history
    """
    import datetime as dt

    from simulate.flow.history import HISTORY_METRICS, compare_history, monthly_series, simulated_history

    from ..outputs import check_output, output_folder

    inputs = {"--scenario": Path(scenario), "--data": data}
    if out_dir is not None:
        check_output(out_dir, inputs)
    sc = load_scenario(scenario)
    observed_cases = _observed_cases(data)
    h = sc.horizon
    if extract_date is not None:
        try:
            last = pd.Timestamp(dt.date.fromisoformat(extract_date))
        except ValueError:
            raise typer.BadParameter(f"{extract_date!r} is not a date (YYYY-MM-DD)", param_hint="--extract-date") from None
    else:
        last = max(observed_cases[c].max() for c in ("referral_date", "start_date", "end_date") if observed_cases[c].notna().any())
    first = pd.Timestamp(h.start_date.replace(day=1))
    # complete months only: the month of the extract date is compared only if the extract is taken on its last day
    months_obs = (last.year - first.year) * 12 + last.month - first.month + (1 if (last + pd.Timedelta(days=1)).month != last.month else 0)
    months_sim = (h.contract_end.year - h.start_date.year) * 12 + h.contract_end.month - h.start_date.month
    months = max(0, min(months_obs, months_sim))
    if months == 0:
        raise FlowError(f"{data / 'referrals.csv'}: no complete month between the scenario's start ({h.start_date}) and the extract's last date ({last.date()})")
    sim = _run_history(sc, reps, seed, jobs, months, simulated_history)
    observed = monthly_series(observed_cases, first.date(), months)
    result = compare_history(observed, sim)
    scored = result[result["flag"] != "no value"]
    rows = []
    for m in HISTORY_METRICS:
        g = scored[scored["metric"] == m]
        kind = metric_kind("mean_wait_to_start_working_days" if m.startswith("mean_wait") else "referrals")
        rows.append({
            "measure": metric_label(m) if m in ("referrals", "mean_wait_to_start_working_days") else {"starts": "starts", "open_cases_at_month_end": "open cases at month end"}[m],
            "months": f"{len(g):,}",
            "inside": f"{(g['flag'] == 'inside').mean():.0%}" if len(g) else "–",
            "above": f"{(g['flag'] == 'above').sum():,}",
            "below": f"{(g['flag'] == 'below').sum():,}",
            "observed mean": number(g["observed"].mean(), kind) if len(g) else "–",
            "simulated mean": number(g["sim_mean"].mean(), kind) if len(g) else "–",
        })
    out.print(f"[bold]{sc.service.name}[/]: {months} months from {first:%b %Y}, observed ({data / 'referrals.csv'}) against {reps} replications, seed {seed}")
    out.print(table(pd.DataFrame(rows), "Months whose observed value lies inside the simulated 95% interval (2.5th-97.5th percentile of replications)"))
    flagged = scored[scored["flag"] != "inside"]
    if len(flagged):
        worst = flagged.assign(gap=np.where(flagged["flag"] == "above", flagged["observed"] - flagged["sim_high"], flagged["sim_low"] - flagged["observed"]))
        worst = worst.sort_values("gap", ascending=False).head(10)
        shown = pd.DataFrame({
            "month": [f"{m:%b %Y}" for m in worst["month"]],
            "measure": [str(m).replace("_", " ").replace(" working days", "") for m in worst["metric"]],
            "observed": [number(v, "wait" if "wait" in m else "count") for v, m in zip(worst["observed"], worst["metric"])],
            "simulated 95%": [f"{number(lo, 'wait' if 'wait' in m else 'count')}–{number(hi, 'wait' if 'wait' in m else 'count')}" for lo, hi, m in zip(worst["sim_low"], worst["sim_high"], worst["metric"])],
            "flag": worst["flag"],
        })
        out.print(table(shown, f"Months outside the interval (largest gaps first; {len(flagged)} in all; waits in working days)"))
    if out_dir is not None:
        with output_folder(out_dir, command="cusp capacity check-history", inputs=inputs) as tmp:
            _write_csv(result, tmp / "history.csv")
        out.print(f"wrote {out_dir / 'history.csv'}")


def _run_history(sc, reps, seed, jobs, months, simulated_history):
    with _progress(reps, "replications") as bar:
        bar.add_task("replications", total=None)
        return simulated_history(sc, reps, seed, jobs=jobs, months=months)
