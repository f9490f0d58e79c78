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

# payment kind -> the module that reforecasts it. A mechanism plugs in as one module with
# ``prepare(scenario, frames, as_of, priors) -> context`` (the context carries ``settlement``,
# ``realised_by_month``, ``edges_day``, ``day``, ``state.n`` and ``calibration``) and
# ``run_draw(context, rng) -> DrawOutcome`` (simulate.reforecast.sib.DrawOutcome's fields).
MECHANISMS = {"sib_edge_of_care": "simulate.reforecast.sib"}

QUANTILES = (0.05, 0.5, 0.95)


def draw_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of draw ``index`` of a reforecast seeded ``seed``."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(2, int(index)))))


@dataclass
class Reforecast:
    """A reforecast's draws and the context they share.

    ``draws``: one row per draw (future £, total £, finance figures). ``by_month``:
    ``draws × months`` future £ due before caps; ``commissioner``/``lcf``: capped £ by month
    and payer (realised and forecast).
    """

    context: object
    draws: pd.DataFrame
    future_by_month: np.ndarray
    commissioner: np.ndarray
    lcf: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def settled_to_date(self) -> float:
        return float(self.context.settlement.payments["amount"].sum())


def _chunk(module: str, ctx, seed: int, indices: list[int]) -> list:
    run_draw = import_module(module).run_draw
    return [run_draw(ctx, draw_rng(seed, i)) for i in indices]


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
    ctx = import_module(module).prepare(scenario, frames, as_of, priors)
    chunks = [list(range(a, min(a + chunk_size, draws))) for a in range(0, draws, chunk_size)]
    if jobs == 1 or len(chunks) == 1:
        parts = [_chunk(module, ctx, seed, ch) for ch in chunks]
    else:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=jobs)(delayed(_chunk)(module, ctx, seed, ch) for ch in chunks)
    outs = [o for part in parts for o in part]
    realised = ctx.realised_by_month.sum()
    table = pd.DataFrame({
        "draw": np.arange(draws),
        "future_due_gbp": [o.future_by_month.sum() for o in outs],
        "future_stability_gbp": [o.stability_future for o in outs],
        "future_one_off_gbp": [o.one_off_future for o in outs],
        "new_children": [o.new_children for o in outs],
        "new_children_gbp": [o.new_children_money for o in outs],
        "milestones_future": [o.milestones_future for o in outs],
        **{f"future_{k}_gbp": [o.by_metric[k] for o in outs] for k in outs[0].by_metric},
        **{k: [o.finance[k] for o in outs] for k in ("outcome_payments_gbp", "commissioner_payments_gbp", "lcf_payments_gbp",
                                                     "irr", "money_multiple", "investor_net_gbp", "investor_loss", "cap_reached")},
    })
    table["total_due_gbp"] = realised + table["future_due_gbp"]
    return Reforecast(ctx, table, np.stack([o.future_by_month for o in outs]), np.stack([o.finance["commissioner_by_month"] for o in outs]),
                      np.stack([o.finance["lcf_by_month"] for o in outs]),
                      {"as_of": as_of.isoformat(), "draws": draws, "seed": seed, "priors": asdict(priors)})


__all__ = ["MECHANISMS", "QUANTILES", "Reforecast", "draw_rng", "reforecast"]
