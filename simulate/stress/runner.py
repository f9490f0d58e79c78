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
from .mechanisms import mechanism_for
from .mechanisms.sib import COLUMNS as _SIB_COLUMNS
from .params import override_data, scenario_data
from .sampling import check_ranges, design, draw_rng

OUTPUT_COLUMNS = list(_SIB_COLUMNS)
"""The bond's output columns (each mechanism's are its ``columns``)."""


@dataclass
class StressRun:
    """Results of a run: one row per draw (``draw``, inputs, outputs) and cash positions by month."""

    table: pd.DataFrame
    cumulative_cash: np.ndarray | None
    inputs: list[str]
    meta: dict = field(default_factory=dict)


def _chunk(data: dict, effects: Mapping[str, float], paths: list[str], values: np.ndarray, seed: int,
           start: int, keep_monthly: bool, engine: str = "payments", model: str = "cohort") -> tuple[list[dict], np.ndarray | None]:
    mech = mechanism_for(data)
    columns = mech.columns
    rows, cash = [], []
    for k in range(len(values)):
        d = override_data(data, dict(zip(paths, values[k].tolist())))
        p = mech.compile(d, effects, engine)
        if model == "flow":
            result = mech.flow_draw(d, p, seed, start + k, effects)
        else:
            result = mech.draw(p, draw_rng(seed, start + k))
        rows.append({c: result.outputs[c] for c in columns})
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
               chunk_size: int | None = None, engine: str = "payments", model: str = "cohort", start: int = 0,
               values: np.ndarray | None = None) -> StressRun:
    """Run ``draws`` draws of the scenario's uncertainty ranges through its mechanism's pipeline.

    Parameters
    ----------
    scenario
        A validated scenario; its ``payment.kind`` picks the pipeline (:mod:`.mechanisms`).
    draws, seed
        Number of draws and the run's seed: the same seed gives the same table for any
        ``jobs`` and on a cluster.
    start
        Index of the first draw: a run of draws ``start..start + draws - 1`` continues one of
        ``start`` draws with the same seed (``method`` ``mc`` or ``sobol``, whose draw ``i``
        does not depend on the number of draws), so the two tables stacked equal one long run.
    values
        An explicit design (``draws × inputs``, in the order of ``scenario.uncertainty``), e.g.
        Saltelli's for Sobol' indices; ``method`` and named-stress shifts are then not applied.
    jobs
        Local worker processes (joblib); ignored when ``cluster`` is given.
    cluster
        Address of a Dask scheduler (``tcp://host:8786``) to run the chunks on.
    method
        ``lhs`` (Latin hypercube), ``mc`` or ``sobol`` (scrambled Sobol' points).
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
        the mechanism's ``columns``; ``meta`` names the mechanism, the risk-bearing party and
        the output global sensitivity is computed on.
    """
    if jobs < 1:
        raise StressError(f"--jobs: must be at least 1 (got {jobs})")
    if model not in ("cohort", "flow"):
        raise StressError(f"--model: {model!r} is not one of cohort, flow")
    ranges = list(scenario.uncertainty)
    check_ranges(scenario, ranges)
    data = prepare(scenario, overrides)
    if engine not in ("payments", "cusp"):
        raise StressError(f"--engine: {engine!r} is not one of payments, cusp")
    mech = mechanism_for(data)
    mech.compile(data, effects, engine)  # fail early (a scenario it cannot settle) before starting workers
    if model not in mech.models:
        raise StressError(f"--model {model}: the {mech.kind} pipeline runs on {', '.join(mech.models)} only")
    paths = [r.parameter for r in ranges]
    if values is None:
        values = design(ranges, draws, seed, method, start)
        values = _shift_by_stress(scenario, ranges, values, overrides)
    else:
        values = np.asarray(values, float).reshape(draws, len(ranges))
    workers = jobs if cluster is None else 8
    size = chunk_size or max(25, min(2000, -(-draws // (workers * 4))))
    starts = list(range(0, draws, size))
    args = [(data, dict(effects or {}), paths, values[s:s + size], seed, start + s, keep_monthly, engine, model) for s in starts]
    if cluster is not None:
        parts = _run_dask(cluster, args)
    elif jobs == 1 or len(args) == 1:
        parts = [_chunk(*a) for a in args]
    else:
        from joblib import Parallel, delayed

        parts = Parallel(n_jobs=jobs, backend="loky")(delayed(_chunk)(*a) for a in args)
    rows = [r for p in parts for r in p[0]]
    table = pd.DataFrame(rows, columns=list(mech.columns))
    inputs = pd.DataFrame(values, columns=[f"in:{p}" for p in paths])
    table = pd.concat([pd.DataFrame({"draw": np.arange(start, start + draws)}), inputs, table], axis=1)
    cash = np.concatenate([p[1] for p in parts]) if keep_monthly else None
    meta = {"scenario": scenario.service.name, "draws": draws, "seed": seed, "method": method, "engine": engine, "model": model,
            "mechanism": mech.kind, "risk_bearer": mech.risk_bearer, "key_output": mech.key_output, "start": start}
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
    """Cumulative cash position of the risk-bearing party as a tidy table (``draw, month, cumulative_cash_gbp``)."""
    if run.cumulative_cash is None:
        raise StressError("this run kept no monthly cash positions (keep_monthly=False)")
    n, m = run.cumulative_cash.shape
    first = int(run.meta.get("start", 0))
    return pd.DataFrame({
        "draw": np.repeat(np.arange(first, first + n), m),
        "month": np.tile(np.arange(m), n),
        "cumulative_cash_gbp": run.cumulative_cash.ravel().astype(float),
    })
