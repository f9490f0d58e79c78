"""``cusp payments``: settle what is owed from a folder of extracts, with an audit trail."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from pathlib import Path

import pandas as pd
import typer

from ..console import out, table

app = typer.Typer(no_args_is_help=True, help="Outcome payments: settle a scenario's mechanism from extracts (docs/payments.md).")

# the extracts a settlement reads: one reader for the command, the reforecast and the reports
from ..payment_extracts import EXTRA_FILES, read_folder, tool_directions  # noqa: E402,F401


def scenario_sha256(sc) -> str:
    """SHA-256 of the validated scenario as canonical JSON (sorted keys, no spaces).

    Canonical, so a preset and a YAML copy of it with other comments or key order hash alike,
    and any change to a value that shapes the money changes the hash.
    """
    canonical = json.dumps(sc.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def settlement_settings(sc, scenario: str, data: Path, as_of: dt.date, known_at: dt.date | None, previous: Path | None,
                        allow_no_return_home: bool) -> dict:
    """Every setting that shaped a settlement's money, for summary.json and the audit's metadata.

    as_of, known_at, the previous settlement (folder and SHA-256 of its summary.json), the
    scenario (name and SHA-256 of its canonical JSON), Cusp's version and git commit, and the
    SHA-256 of each input file.
    """
    from .. import __version__
    from ..provenance import git_state, hash_inputs, sha256_file

    prev = None
    if previous is not None:
        summary = previous / "summary.json"
        prev = {"path": str(previous), "summary_sha256": sha256_file(summary) if summary.exists() else None}
    return {
        "as_of": as_of.isoformat(), "known_at": known_at.isoformat() if known_at else None, "previous": prev,
        "allow_no_return_home": allow_no_return_home,
        "scenario": {"name": scenario, "sha256": scenario_sha256(sc)},
        "cusp": {"version": __version__, **git_state(Path(__file__).resolve().parent)},
        "inputs": hash_inputs([data], root=data),
    }


def write_atomic(folder: Path, files: dict[str, pd.DataFrame | str | bytes], inputs: dict[str, Path | None] | None = None) -> None:
    """Write every file into a temporary folder beside ``folder``, then swap it in whole.

    ``folder`` must be new, empty or made by Cusp, and apart from ``inputs`` (:mod:`cusp.outputs`).
    """
    from ..outputs import output_folder

    with output_folder(folder, command="cusp payments settle", inputs=inputs) as tmp:
        for name, content in files.items():
            if isinstance(content, pd.DataFrame):
                content.to_csv(tmp / name, index=False, date_format="%Y-%m-%d", float_format="%.6f")
            elif isinstance(content, bytes):  # the --xlsx workbook
                (tmp / name).write_bytes(content)
            else:
                (tmp / name).write_text(content)


@app.command()
def settle(
    scenario: str = typer.Option(..., "--scenario", help="preset name or YAML file"),
    data: Path = typer.Option(..., "--data", help="folder of extracts (referrals.csv, care_episodes.csv, ...)"),
    as_of: str = typer.Option(..., "--as-of", help="settlement date YYYY-MM-DD: payments due on or before it"),
    out_dir: Path = typer.Option(..., "--out", help="new folder to write, or one Cusp wrote before (replaced atomically; docs/outputs.md)"),
    previous: Path | None = typer.Option(None, "--previous", help="an earlier settlement folder to restate against"),
    allow_no_return_home: bool = typer.Option(False, "--allow-no-return-home", help="an engaged reunification child with no return_home_date is 'not eligible' for stability instead of an error"),
    known_at: str | None = typer.Option(None, "--known-at", help="use only care spells recorded (recorded_date) by this date YYYY-MM-DD"),
    xlsx: bool = typer.Option(False, "--xlsx", help="also write payments.xlsx in --out: one sheet per table, £ and date formats"),
) -> None:
    """Settle SCENARIO's payment mechanism from DATA as of a date.

    Writes payments.csv, audit.csv, invoices_monthly.csv, invoices_quarterly.csv,
    summary.json (children.csv and cuts.csv for a SIB; reconciliation.csv for KPI-linked contracts; restatement.csv and
    status_changes.csv with --previous).

    Example: cusp payments settle --scenario lancs-edge-of-care-004 --data reports/data --as-of 2024-03-31 --out reports/payments
    """
    from simulate.payments.errors import PaymentDataError
    from simulate.payments.invoices import invoice_summary, restatement, status_changes
    from simulate.payments.settle import settle_scenario
    from simulate.scenario import load_scenario

    try:
        day = dt.date.fromisoformat(as_of)
    except ValueError:
        raise PaymentDataError("--as-of", [], f"{as_of!r} is not a date YYYY-MM-DD") from None
    try:
        known = dt.date.fromisoformat(known_at) if known_at else None
    except ValueError:
        raise PaymentDataError("--known-at", [], f"{known_at!r} is not a date YYYY-MM-DD") from None
    if not data.is_dir():
        raise PaymentDataError(str(data), [], "not a folder of extracts")
    if previous is not None and not (previous / "payments.csv").exists():
        raise PaymentDataError(str(previous), [], "no payments.csv: not a previous settlement folder")
    from ..outputs import check_output

    outputs_inputs = {"--data": data, "--previous": previous, "--scenario": Path(scenario)}
    check_output(out_dir, outputs_inputs)  # before any work: refuse an --out over the user's files
    sc = load_scenario(scenario)
    started = time.perf_counter()
    frames = read_folder(data, sc)
    result, reconciliation = settle_scenario(sc, frames, day, tool_directions(), allow_no_return_home, known)
    seconds = time.perf_counter() - started
    pay, audit = result.payments, result.audit
    files: dict[str, pd.DataFrame | str] = {
        "payments.csv": pay, "audit.csv": audit,
        "invoices_monthly.csv": invoice_summary(pay, "month"), "invoices_quarterly.csv": invoice_summary(pay, "quarter"),
    }
    if result.children is not None:
        files["children.csv"] = result.children
    if result.cuts is not None:
        files["cuts.csv"] = result.cuts
    if reconciliation is not None:
        files["reconciliation.csv"] = reconciliation
    settings = settlement_settings(sc, scenario, data, day, known, previous, allow_no_return_home)
    files["audit.csv-metadata.json"] = json.dumps(
        {"@context": "http://www.w3.org/ns/csvw", "url": "audit.csv",
         "dc:description": "Cusp payment audit: one row per case and payment line; the settings below shaped every amount",
         "cusp:settings": settings}, indent=2, default=str) + "\n"
    summary = {"scenario": scenario, "as_of": as_of, "data": str(data), "mechanism": sc.payment.kind, "settings": settings,
               "total_gbp": float(pay["amount"].sum()), "by_payer_gbp": pay.groupby("payer")["amount"].sum().round(2).to_dict(),
               "status_counts": audit["status"].value_counts().to_dict() if "status" in audit else {},
               "capped_gbp": float(audit["capped_gbp"].sum()) if "capped_gbp" in audit else 0.0}
    if previous is not None:
        before = pd.read_csv(previous / "payments.csv", dtype={"child_id": str, "case_id": str})
        adj = restatement(before, pay)
        files["restatement.csv"] = adj
        if (previous / "audit.csv").exists() and "case_id" in audit:
            files["status_changes.csv"] = status_changes(pd.read_csv(previous / "audit.csv", dtype={"case_id": str}), audit)
        summary["restatement_gbp"] = adj.groupby("kind")["adjustment"].sum().round(2).to_dict()
    files["summary.json"] = json.dumps(summary, indent=2, default=str) + "\n"
    if xlsx:
        from ..excel import workbook_bytes

        files["payments.xlsx"] = workbook_bytes({n.removesuffix(".csv").replace("_", " "): f for n, f in files.items() if isinstance(f, pd.DataFrame)})
    write_atomic(out_dir, files, outputs_inputs)

    by = pay.groupby(["metric", "payer"], as_index=False)["amount"].sum()
    out.print(table(by, f"Due as of {as_of} ({sc.payment.kind}; settled in {seconds:.2f} s)", {"amount": ",.2f"}))
    if "status" in audit and len(audit):
        counts = audit.groupby(["metric", "status"]).size().unstack(fill_value=0).reset_index() if "metric" in audit else None
        if counts is not None:
            out.print(table(counts, "Audit lines by status"))
    if previous is not None:
        out.print(table(files["restatement.csv"].groupby("kind", as_index=False)["adjustment"].sum(), "Restatement against previous", {"adjustment": ",.2f"}))
    out.print(f"wrote {out_dir}")
