"""Run a reforecast: many draws of the future on top of what is settled, summarised.

Draw ``i`` of a run seeded ``s`` has its own generator on ``SeedSequence(s, spawn_key=(2, i))``,
so the result is identical whatever the number of workers (joblib) or the chunking.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from importlib import import_module

from simulate.scenario import Scenario

from .calibrate import Priors
from .errors import ReforecastError

# payment kind -> the module that reforecasts it (the protocol: simulate.reforecast.base).
# Other mechanisms add one line each here.
MECHANISMS = {
    "block": "simulate.reforecast.block",
    "sib_edge_of_care": "simulate.reforecast.sib",
}

QUANTILES = (0.05, 0.5, 0.95)


def draw_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of draw ``index`` of a reforecast seeded ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(2, int(index)))))


@dataclass
class Reforecast:
    """A reforecast's draws and the context they share.

    ``draws``: one row per draw: future_due_gbp, total_due_gbp (settled + future, before caps),
    new_cases, new_cases_gbp, future_<line>_gbp per outcome line, and every figure of the
    mechanism's ``FIGURES``. ``future_by_month``: ``draws × months`` future £ due before caps.
    ``by_payer``: payer -> ``draws × months`` £ after caps, whole contract (realised and
    forecast). ``kpis``: kpi, period, p_met (None when the mechanism reports no KPIs).
    ``figures``: the mechanism's ``FIGURES`` (name -> (label, kind)).
    """

    context: object
    draws: pd.DataFrame
    future_by_month: np.ndarray
    by_payer: dict[str, np.ndarray]
    figures: dict[str, tuple[str, str]]
    kpis: pd.DataFrame | None = None
    meta: dict = field(default_factory=dict)

    @property
    def settled_to_date(self) -> float:
        return float(self.context.settlement.payments["amount"].sum())


def _chunk(module: str, ctx, seed: int, indices: list[int]) -> list:
    run_draw = import_module(module).run_draw
    return [run_draw(ctx, draw_rng(seed, i)) for i in indices]


def _kpi_table(outs: list) -> pd.DataFrame | None:
    """P(met) of each (kpi, period) over the draws that report it."""
    seen = [o.kpis for o in outs if o.kpis]
    if not seen:
        return None
    keys = list(dict.fromkeys(k for kp in seen for k in kp))
    rows = [{"kpi": k, "period": per, "p_met": float(np.mean([bool(kp[(k, per)]) for kp in seen if (k, per) in kp]))} for k, per in keys]
    return pd.DataFrame(rows, columns=["kpi", "period", "p_met"])


def reforecast(scenario: Scenario, frames: dict[str, pd.DataFrame], as_of: dt.date, draws: int, seed: int, jobs: int = 1,
               priors: Priors = Priors(), chunk_size: int = 25) -> Reforecast:
    """Reforecast ``scenario``'s contract from the extracts ``frames`` (keyed by file name) as of ``as_of``.

    Raises
    ------
    ReforecastError
        A mechanism without a reforecast yet, or fewer than one draw.
    """
    if draws < 1:
        raise ReforecastError(f"--draws: must be at least 1 (got {draws})")
    kind = scenario.payment.kind
    if kind not in MECHANISMS:
        raise ReforecastError(f"payment.kind: no reforecast yet for {kind!r} (only {', '.join(sorted(MECHANISMS))})")
    module = MECHANISMS[kind]
    mod = import_module(module)
    ctx = mod.prepare(scenario, frames, as_of, priors)
    chunks = [list(range(a, min(a + chunk_size, draws))) for a in range(0, draws, chunk_size)]
    if jobs == 1 or len(chunks) == 1:
        parts = [_chunk(module, ctx, seed, ch) for ch in chunks]
    else:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=jobs)(delayed(_chunk)(module, ctx, seed, ch) for ch in chunks)
    outs = [o for part in parts for o in part]
    realised = float(np.sum(ctx.realised_by_month))
    table = pd.DataFrame({
        "draw": np.arange(draws),
        "future_due_gbp": [float(o.future_by_month.sum()) for o in outs],
        "new_cases": [int(o.new_cases) for o in outs],
        "new_cases_gbp": [float(o.new_cases_gbp) for o in outs],
        **{f"future_{k}_gbp": [float(o.by_line.get(k, 0.0)) for o in outs] for k in ctx.lines},
        **{k: [o.figures[k] for o in outs] for k in mod.FIGURES},
    })
    table.insert(2, "total_due_gbp", realised + table["future_due_gbp"])
    by_payer = {p: np.stack([np.asarray(o.paid_by_payer[p], float) for o in outs]) for p in ctx.payers}
    return Reforecast(ctx, table, np.stack([o.future_by_month for o in outs]), by_payer, dict(mod.FIGURES), _kpi_table(outs),
                      {"as_of": as_of.isoformat(), "draws": draws, "seed": seed, "priors": asdict(priors), "mechanism": kind})


__all__ = ["MECHANISMS", "QUANTILES", "Reforecast", "draw_rng", "reforecast"]
