"""``cusp reforecast``: from the data as it stands on a date to the money at the contract's end."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from importlib import import_module
from pathlib import Path

import pandas as pd
import typer

from ..console import err, out, table


def reforecast(
    scenario: str = typer.Option(..., "--scenario", help="preset name or YAML file"),
    data: Path = typer.Option(..., "--data", help="folder of extracts (referrals.csv, care_episodes.csv, ...)"),
    as_of: str = typer.Option(..., "--as-of", help="date YYYY-MM-DD: what had happened by its end is kept, the rest is drawn"),
    draws: int = typer.Option(1000, "--draws", help="draws of the future"),
    seed: int = typer.Option(1, "--seed", help="seed: same seed, same output, whatever --jobs"),
    jobs: int = typer.Option(1, "--jobs", help="worker processes (joblib)"),
    out_dir: Path = typer.Option(..., "--out", help="new folder to write, or one Cusp wrote before (docs/outputs.md)"),
    previous: Path | None = typer.Option(None, "--previous", help="an earlier reforecast folder: explain what moved (waterfall.csv)"),
    referral_prior_months: float = typer.Option(6.0, "--referral-prior-months", help="the scenario's referral rate is worth this many months of data"),
    hazard_prior_events: float = typer.Option(10.0, "--hazard-prior-events", help="the scenario's care hazard is worth this many expected care entries"),
    one_off_prior_lines: float = typer.Option(20.0, "--one-off-prior-lines", help="the scenario's chance of each one-off line (004) or of a family being paid (000) is worth this many settled lines or families"),
    planned_draws: int = typer.Option(200, "--planned-draws", help="draws of the plan (a reforecast from the contract's start) for the planned column"),
    kpi_replications: int = typer.Option(40, "--kpi-replications", help="flow-model replications for P(each KPI target met) in the periods still to come (0: none; a KPI-linked contract draws its KPIs with its money)"),
    disclosure: str = typer.Option("nhs-digital", "--disclosure", help="disclosure policy of the published files (nhs-digital, dfe, threshold-10); unrounded tables go to restricted-internal-use/"),
) -> None:
    """Reforecast SCENARIO's outcome payments from DATA as of a date (docs/reforecast.md).

    Writes summary.json, remaining_by_month.csv, planned_achieved_forecast.csv,
    calibration.csv (kpi_probabilities.csv when the contract has KPIs; waterfall.csv with
    --previous), every one through the --disclosure policy; the unrounded tables and
    draws.csv only under restricted-internal-use/ (owner-only).

    Example: cusp reforecast --scenario lancs-edge-of-care-004 --data reports/data --as-of 2021-08-31 --draws 1000 --seed 1 --out reports/reforecast
    """
    from simulate.reforecast import Priors, ReforecastError, summarise
    from simulate.reforecast import reforecast as run_reforecast
    from simulate.reforecast.run import MECHANISMS
    from simulate.scenario import load_scenario

    from ..outputs import check_output, output_folder
    from ..reforecast_disclosure import policy_for, split
    from ..render.results import RESTRICTED_DIR, RESTRICTED_README
    from ..payment_extracts import read_folder
    from .payments import settlement_settings

    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError:
        raise ReforecastError(f"--as-of: {as_of!r} is not a date YYYY-MM-DD") from None
    if draws < 1:
        raise ReforecastError(f"--draws: must be at least 1 (got {draws})")
    if jobs < 1:
        raise ReforecastError(f"--jobs: must be at least 1 (got {jobs})")
    if not data.is_dir():
        raise ReforecastError(f"{data}: not a folder of extracts")
    pol = policy_for(disclosure)
    before = None
    if previous is not None:
        if not (previous / "summary.json").exists() or not (previous / "calibration.csv").exists():
            raise ReforecastError(f"{previous}: no summary.json and calibration.csv: not a previous reforecast folder")
        try:
            before = json.loads((previous / "summary.json").read_text())
            before["waterfall_parts"]["settled_gbp"]
        except (ValueError, KeyError, TypeError):
            raise ReforecastError(f"{previous / 'summary.json'}: key waterfall_parts.settled_gbp: missing or unreadable; not a reforecast summary") from None
    inputs = {"--data": data, "--previous": previous, "--scenario": Path(scenario)}
    check_output(out_dir, inputs)
    sc = load_scenario(scenario)
    if sc.payment.kind not in MECHANISMS:   # before reading the extracts: they cannot help
        raise ReforecastError(f"payment.kind: no reforecast yet for {sc.payment.kind!r} (only {', '.join(sorted(MECHANISMS))})")
    frames = read_folder(data, sc)
    priors = Priors(referral_prior_months, hazard_prior_events, one_off_prior_lines)
    started = time.perf_counter()
    if kpi_replications < 0:
        raise ReforecastError(f"--kpi-replications: must be 0 or more (got {kpi_replications})")
    rows = None
    if kpi_replications and "referrals.csv" in frames and "assessments.csv" in frames:
        from ..kpi_extracts import assessment_rows

        rows = assessment_rows(frames["referrals.csv"], frames["assessments.csv"])
    kpi_note = f" and {kpi_replications} flow-model replications for the KPIs" if kpi_replications else ""
    with err.status(f"Reforecast as of {as_of}: {draws:,} draws of the future{kpi_note}"):
        run = run_reforecast(sc, frames, day, draws, seed, jobs, priors, kpi_replications=kpi_replications, assessment_rows=rows)
    planned = None
    if planned_draws > 0:
        start = sc.horizon.start_date - dt.timedelta(days=1)
        # the plan: the scenario alone, before any child was referred
        with err.status(f"The plan: {planned_draws:,} draws from the contract's start"):
            planned = run_reforecast(sc, {k: v.iloc[0:0] for k, v in frames.items()}, start, planned_draws, seed, jobs, priors)
    seconds = time.perf_counter() - started
    tables = summarise(run, planned)
    summary = tables["summary.json"]
    summary.update(scenario=scenario, data=str(data), mechanism=sc.payment.kind,
                   settings=settlement_settings(sc, scenario, data, day, None, previous, True))
    module = import_module(MECHANISMS[sc.payment.kind])
    published, restricted = split(tables, summary, run.context, pol, getattr(module, "SUMMARY_ALIASES", {}),
                                  (before, previous) if before is not None else None)
    with output_folder(out_dir, command="cusp reforecast", inputs=inputs) as tmp:
        private = tmp / RESTRICTED_DIR
        private.mkdir(mode=0o700)
        os.chmod(private, 0o700)   # mkdir's mode is masked by the umask
        (private / "README.txt").write_text(RESTRICTED_README)
        for folder, files in ((tmp, published), (private, restricted)):
            for name, content in files.items():
                if isinstance(content, pd.DataFrame):
                    content.to_csv(folder / name, index=False, float_format="%.6f")
                else:
                    (folder / name).write_text(json.dumps(content, indent=2, default=str) + "\n")
    summary = published["summary.json"]

    out.print(table(headline_table(summary), f"Reforecast as of {as_of} ({draws} draws, {seconds:.1f} s)",
                    {"p5": ",.2f", "p50": ",.2f", "p95": ",.2f"}))
    chances = [f"{f['label']} {f['mean']:.2f}" for f in summary["figures"] if f["kind"] == "probability"]
    if chances:
        out.print("   ".join(chances))
    if "waterfall.csv" in published:
        out.print(table(published["waterfall.csv"][["step", "change_gbp", "drivers"]], "What moved", {"change_gbp": ",.0f"}))
    out.print(f"wrote {out_dir}")


_UNITS = {"gbp": " £", "share": " (share)", "ratio": "", "count": ""}


def headline_table(summary: dict) -> pd.DataFrame:
    """The console's table: settled, still to pay, total paid, then the mechanism's figures
    that are not probabilities (those print on one line below), as 5/50/95%."""
    settled = summary["settled_to_date_gbp"]
    rows = [
        {"figure": "settled to date £", "p5": settled, "p50": settled, "p95": settled},
        {"figure": "still to pay £ (before caps)", **{k: summary["future_due_gbp"][k] for k in ("p5", "p50", "p95")}},
        {"figure": "total paid £ (after caps)", **{k: summary["total_outcome_payments_gbp"][k] for k in ("p5", "p50", "p95")}},
    ]
    rows += [{"figure": f["label"] + _UNITS.get(f["kind"], ""), **{k: f[k] for k in ("p5", "p50", "p95")}}
             for f in summary["figures"] if f["kind"] != "probability"]
    return pd.DataFrame(rows)
