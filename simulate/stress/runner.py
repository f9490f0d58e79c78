"""Run thousands of draws: locally with joblib, or on a Dask cluster, with identical results.

Draws are cut into chunks of consecutive indices; each chunk is a pure function of the
(compiled-once) scenario dictionary, the chunk's input values, the run's seed and the draw
indices, so the order in which workers finish never matters: results are reassembled by index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from ..atomic import atomic_path
from ..finance.errors import StressError
from ..scenario import Scenario, with_overrides
from .params import compile_params, override_data, scenario_data
from .pipeline import run_draw
from .sampling import check_ranges, design, draw_rng

OUTPUT_COLUMNS = [
    "irr", "irr_status", "irr_reason", "money_multiple", "investor_net_gbp", "investor_loss", "capital_drawn_gbp",
    "peak_capital_gbp", "capital_over_commitment_gbp", "months_to_break_even", "outcome_payments_due_gbp",
    "outcome_payments_gbp", "cap_reached", "cap_reached_month", "cap_cut_gbp", "commissioner_payments_gbp",
    "lcf_payments_gbp", "commissioner_payments_pv_gbp", "savings_pv_gbp", "commissioner_net_benefit_pv_gbp",
    "care_days_avoided", "provider_costs_gbp", "children_referred", "children_engaged", "children_turned_away",
    "milestone_rate", "out_of_care_rate", "children_diverted", "cost_per_child_diverted_gbp",
    "deadweight_payment_share",
]


@dataclass
class StressRun:
    """Results of a run: one row per draw (``draw``, inputs, outputs) and cash positions by month."""

    table: pd.DataFrame
    cumulative_cash: np.ndarray | None
    inputs: list[str]
    meta: dict = field(default_factory=dict)


def _chunk(data: dict, effects: Mapping[str, float], paths: list[str], values: np.ndarray, seed: int,
           start: int, keep_monthly: bool, engine: str = "payments", model: str = "cohort") -> tuple[list[dict], np.ndarray | None]:
    rows, cash = [], []
    for k in range(len(values)):
        d = override_data(data, dict(zip(paths, values[k].tolist())))
        p = compile_params(d, effects, engine)
        if model == "flow":
            from .flowmodel import flow_children

            result = run_draw(p, None, children=flow_children(d, p, seed, start + k, effects))
        else:
            result = run_draw(p, draw_rng(seed, start + k))
        rows.append({c: result.outputs[c] for c in OUTPUT_COLUMNS})
        if keep_monthly:
            cash.append(result.cumulative_cash.astype(np.float32))
    return rows, (np.stack(cash) if keep_monthly and cash else None)


def _chunk_args(args: tuple) -> tuple[list[dict], np.ndarray | None]:
    """:func:`_chunk` on a tuple of its arguments (what Dask maps over)."""
    return _chunk(*args)


def prepare(scenario: Scenario, overrides: Mapping[str, Any] | None = None) -> dict:
    """Validate overrides through the scenario model once; return the scenario dictionary."""
    if overrides:
        scenario = with_overrides(scenario, overrides)
    return scenario_data(scenario)


def run_stress(scenario: Scenario, draws: int, seed: int, jobs: int = 1, cluster: str | None = None,
               method: str = "lhs", overrides: Mapping[str, Any] | None = None,
               effects: Mapping[str, float] | None = None, keep_monthly: bool = True,
               chunk_size: int | None = None, engine: str = "payments", model: str = "cohort") -> StressRun:
    """Run ``draws`` draws of the scenario's uncertainty ranges through the full pipeline.

    Parameters
    ----------
    scenario
        A validated scenario with a ``sib_edge_of_care`` payment mechanism.
    draws, seed
        Number of draws and the run's seed: the same seed gives the same table for any
        ``jobs`` and on a cluster.
    jobs
        Local worker processes (joblib); ignored when ``cluster`` is given.
    cluster
        Address of a Dask scheduler (``tcp://host:8786``) to run the chunks on.
    method
        ``lhs`` (Latin hypercube) or ``mc``.
    overrides, effects
        A named stress's scenario overrides and stress-engine effects, applied to every draw.
    keep_monthly
        Keep each draw's cumulative investor cash position by month (for fan charts).
    engine
        Stability settlement: ``payments`` (the payment engine) or ``cusp`` (own rules, faster).
    model
        Who simulates referrals and care: ``cohort`` (the fast vectorised cohort model) or
        ``flow`` (one replication of the discrete-event flow simulation per draw; slower).

    Returns
    -------
    StressRun
        ``table`` columns: ``draw``, one ``in:<key path>`` column per uncertain input, then
        :data:`OUTPUT_COLUMNS`.
    """
    if jobs < 1:
        raise StressError(f"--jobs: must be at least 1 (got {jobs})")
    if model not in ("cohort", "flow"):
        raise StressError(f"--model: {model!r} is not one of cohort, flow")
    ranges = list(scenario.uncertainty)
    check_ranges(scenario, ranges)
    data = prepare(scenario, overrides)
    compile_params(data, effects, engine)  # fail early (wrong mechanism) before starting workers
    paths = [r.parameter for r in ranges]
    values = design(ranges, draws, seed, method)
    values = _shift_by_stress(scenario, ranges, values, overrides)
    workers = jobs if cluster is None else 8
    size = chunk_size or max(25, min(2000, -(-draws // (workers * 4))))
    starts = list(range(0, draws, size))
    args = [(data, dict(effects or {}), paths, values[s:s + size], seed, s, keep_monthly, engine, model) for s in starts]
    if cluster is not None:
        parts = _run_dask(cluster, args)
    elif jobs == 1 or len(args) == 1:
        parts = [_chunk(*a) for a in args]
    else:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=jobs, backend="loky")(delayed(_chunk)(*a) for a in args)
    rows = [r for p in parts for r in p[0]]
    table = pd.DataFrame(rows, columns=OUTPUT_COLUMNS)
    inputs = pd.DataFrame(values, columns=[f"in:{p}" for p in paths])
    table = pd.concat([pd.DataFrame({"draw": np.arange(draws)}), inputs, table], axis=1)
    cash = np.concatenate([p[1] for p in parts]) if keep_monthly else None
    meta = {"scenario": scenario.service.name, "draws": draws, "seed": seed, "method": method, "engine": engine, "model": model}
    return StressRun(table, cash, [f"in:{p}" for p in paths], meta)


def _shift_by_stress(scenario: Scenario, ranges: list, values: np.ndarray, overrides: Mapping[str, Any] | None) -> np.ndarray:
    """A stress that sets an uncertain input moves that input's whole range by the same factor.

    ``referrals.volume_multiplier: 0.7`` with a range of 0.6-1.2 around 1.0 draws from 0.42-0.84:
    "30% below plan" keeps the uncertainty around the stressed value. A base value of 0 is
    replaced outright.
    """
    if not overrides:
        return values
    from ..scenario import resolve

    data = scenario_data(scenario)
    values = values.copy()
    for j, r in enumerate(ranges):
        if r.parameter in overrides:
            base, new = resolve(data, r.parameter), float(overrides[r.parameter])
            values[:, j] = values[:, j] * (new / base) if base else new
    return values


def _run_dask(address: str, args: list[tuple]) -> list:
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise StressError("--cluster: the 'distributed' package is not installed") from exc
    try:
        client = Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise StressError(f"--cluster: cannot reach a Dask scheduler at {address} ({exc})") from exc
    try:
        futures = client.map(_chunk_args, args, pure=False)
        return client.gather(futures)
    finally:
        client.close()


def write_parquet(frame: pd.DataFrame, path: str | Path, metadata: Mapping[str, Any] | None = None) -> Path:
    """Write a table to Parquet atomically (temporary file in the same folder, then rename).

    ``metadata`` (run provenance: scenario, seed, draws, method…) is stored as JSON under the
    file's ``cusp`` key-value metadata; read it back with :func:`read_run_metadata`.
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        if metadata:
            import json

            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            meta = dict(table.schema.metadata or {})
            meta[b"cusp"] = json.dumps(dict(metadata), sort_keys=True, default=str).encode()
            pq.write_table(table.replace_schema_metadata(meta), tmp)
        else:
            frame.to_parquet(tmp, index=False)
    return path


def read_run_metadata(path: str | Path) -> dict:
    """The provenance stored by :func:`write_parquet` (empty when there is none)."""
    import json

    import pyarrow.parquet as pq

    raw = (pq.read_schema(path).metadata or {}).get(b"cusp")
    return json.loads(raw) if raw else {}


def monthly_frame(run: StressRun) -> pd.DataFrame:
    """Cumulative investor cash position as a tidy table (``draw, month, cumulative_cash_gbp``)."""
    if run.cumulative_cash is None:
        raise StressError("this run kept no monthly cash positions (keep_monthly=False)")
    n, m = run.cumulative_cash.shape
    return pd.DataFrame({
        "draw": np.repeat(np.arange(n), m),
        "month": np.tile(np.arange(m), n),
        "cumulative_cash_gbp": run.cumulative_cash.ravel().astype(float),
    })
