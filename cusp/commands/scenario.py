"""``cusp scenario``: list, show, validate and compare scenario files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.panel import Panel

from simulate.scenario import (
    diff_scenarios,
    list_presets,
    load_scenario,
    read_yaml,
    resolve_scenario_path,
    scenario_from_dict,
    scenario_summary,
)
from simulate.errors import ScenarioError

from ..console import err, out, table

app = typer.Typer(no_args_is_help=True, help="Presets and scenario files: list, show, validate, diff.")


@app.command("list")
def list_() -> None:
    """List the bundled presets.

    Example: cusp scenario list
    """
    for name in list_presets():
        sc = load_scenario(name)
        out.print(f"[bold]{name}[/]  {sc.service.name}  [dim](specification {sc.service.specification})[/]")


@app.command()
def show(name: str = typer.Argument(..., help="preset name or path to a YAML file")) -> None:
    """Print a readable summary: horizon, districts, cohorts, workforce, payment, KPI targets.

    Example: cusp scenario show lancs-edge-of-care-004
    """
    sc = load_scenario(name)
    s = scenario_summary(sc)
    out.print(Panel(f"[bold]{s['service']}[/]\n{sc.service.local_authority} · specification {sc.service.specification}", expand=False))
    out.print("[bold]Horizon[/]: " + "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in s["horizon"].items()))
    out.print(table(s["cohorts"], "Sub-cohorts and annual referrals"))
    out.print(table(s["districts"], "Districts", {"annual_value_gbp": ",.0f", "referrals_per_year": ",.1f"}))
    out.print("[bold]Workforce[/]: " + "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in s["workforce"].items()))
    out.print(f"[bold]Payment[/]: {s['payment']}")
    if len(s["kpis"]):
        out.print(table(s["kpis"], "KPI targets"))


@app.command()
def validate(files: list[Path] = typer.Argument(..., help="scenario YAML files")) -> None:
    """Check scenario files; print every problem with its key path and exit 2 if any.

    Example: cusp scenario validate scenarios/lancs-edge-of-care-004.yaml
    """
    bad = 0
    for path in files:
        try:
            sc = scenario_from_dict(read_yaml(resolve_scenario_path(path)), source=path)
        except ScenarioError as exc:
            bad += 1
            for issue in exc.issues:
                err.print(f"[bold red]error:[/] {path}: {issue}", markup=True, highlight=False)
            continue
        out.print(f"ok: {path} ({sc.service.name})")
    if bad:
        raise typer.Exit(2)


@app.command()
def diff(a: str = typer.Argument(..., help="first preset or file"), b: str = typer.Argument(..., help="second preset or file")) -> None:
    """Show every key path whose value differs between two scenarios.

    Example: cusp scenario diff hereford-mentoring-002 hereford-befriending-002
    """
    frame = diff_scenarios(load_scenario(a), load_scenario(b))
    if frame.empty:
        out.print("no differences")
        return
    frame = frame.rename(columns={"a": a, "b": b}).astype(str)
    out.print(table(frame, f"{len(frame)} differences"))
