"""A capacity what-if for commissioners: staff, referral volume and a KPI target → probabilities and waits.

``notebooks/capacity_what_if.ipynb`` shows :func:`build_app`'s widgets; ``make app`` serves it as a
page with Voilà on localhost. Every change of a slider or the target re-runs a few replications of
the flow simulation (:func:`simulate.flow.runner.run_replications`, common random numbers: the same
seed for every setting, so a difference is the setting's, not luck's) and redraws the answer: the
probability that each KPI target is met in every period, the chosen target first, and the wait to
start of support with its interval. The answer is plain HTML (tables and an image with alt text),
so it reads the same in JupyterLab, in Voilà and in a test.
"""

from __future__ import annotations

import html
from typing import Any

from . import presentation as pr

__all__ = ["answer", "answer_html", "build_app"]


def answer(sc: Any, fte: float, volume: float, reps: int, seed: int) -> tuple[Any, Any]:
    """Target probabilities and per-replication mean waits for ``fte`` staff and ``volume`` × referrals.

    Returns
    -------
    (targets, waits)
        :meth:`target_probabilities`' table (``label == "every"`` rows used) and a Series of mean
        waits to start (working days), one per replication.
    """
    from simulate.flow.runner import run_replications
    from simulate.scenario.overrides import with_overrides

    changed = with_overrides(sc, {"referrals.volume_multiplier": float(volume) * sc.referrals.volume_multiplier})
    run = run_replications(changed, reps, seed, fte_scale=float(fte) / sc.workforce.total_fte, keep_records=True)
    started = run.cases[run.cases["start_day"].notna()]
    return run.target_probabilities(), started.groupby("replication")["wait_to_start_working_days"].mean()


def answer_html(sc: Any, target: str, fte: float, volume: float, reps: int, seed: int) -> str:
    """The answer to one setting as HTML: a headline sentence, the probability table, the wait."""
    targets, waits = answer(sc, fte, volume, reps, seed)
    every = targets[targets["label"] == "every"].copy()
    every["order"] = (every["target"] != target).astype(int)
    every = every.sort_values(["order", "target"])
    rows = every.assign(**{"KPI target": [pr.label(t) for t in every["target"]],
                           "threshold": [pr.target_text(r.comparison, r.threshold, pr.metric_kind(r.metric)) for r in every.itertuples()],
                           "met in every period (%)": every["probability"]})[["KPI target", "threshold", "met in every period (%)"]]
    mean, low, high = pr.mean_interval(waits)
    chosen = every[every["target"] == target]
    p = float(chosen["probability"].iloc[0]) if len(chosen) else float("nan")
    head = (f"<p class='cusp-what-if'><b>With {fte:.1f} FTE and {pr.pct(volume, 0)} of the expected referrals</b>, "
            f"{html.escape(pr.label(target, capital=False))} is met in every period in {pr.pct(p)} of {reps} simulated futures; "
            f"families wait on average {pr.interval(mean, low, high)} working days to start support.</p>")
    return head + pr.table(rows, "Probability each target is met", formats={"met in every period (%)": "share"}, index=False).data


def build_app(sc: Any, reps: int = 5, seed: int = 1):
    """The widgets: staff (FTE), referral volume (% of expected), target; the answer redrawn on change.

    Returns an ``ipywidgets.VBox`` whose last child (an ``HTML`` widget) holds the answer; its
    ``controls`` attribute maps "fte", "volume" and "target" to their widgets.
    """
    import ipywidgets as w

    today = sc.workforce.total_fte
    names = [t.name for t in sc.kpi_targets]
    fte = w.FloatSlider(value=today, min=max(0.5, round(today * 0.25, 1)), max=round(today * 2, 1), step=0.5,
                        description="Staff (FTE)", continuous_update=False, style={"description_width": "initial"})
    volume = w.FloatSlider(value=1.0, min=0.5, max=2.0, step=0.05, description="Referrals (× expected)",
                           continuous_update=False, readout_format=".0%", style={"description_width": "initial"})
    target = w.Dropdown(options=[(pr.label(n), n) for n in names], value=names[0], description="Target",
                        style={"description_width": "initial"})
    out = w.HTML()
    status = w.HTML("<i>simulating…</i>")

    def redraw(_change: Any = None) -> None:  # one callback for every control
        status.value = "<i>simulating…</i>"
        out.value = answer_html(sc, target.value, fte.value, volume.value, reps, seed)
        status.value = ""

    for control in (fte, volume, target):
        control.observe(redraw, names="value")
    redraw()
    app = w.VBox([w.HTML(f"<h2>{html.escape(sc.service.name)}: what if?</h2>"), fte, volume, target, status, out])
    app.controls = {"fte": fte, "volume": volume, "target": target}
    return app
