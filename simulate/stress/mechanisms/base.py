"""What every payment mechanism gives the stress engine: a small protocol and a registry.

A mechanism plugs in as one module of this package (as Ciw's distributions do): it defines an
object satisfying :class:`Mechanism` and registers it under its scenario ``payment.kind``.
The runner, the analyses, the CLI and the reports look the mechanism up by that key and only
call the protocol; none of them switches on a type.

Every draw returns a :class:`Draw`: its headline figures (``outputs``: one row of the run's
table), the net cash of the party that carries the risk by contract month (``net``: investor
for a bond, provider for payment by results, KPI-linked and block contracts), every transfer
between two parties by month (``transfers``; money conservation: each amount leaves one party
and reaches another) and a per-contract-year view for the risk-bearing party (``years``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Protocol, runtime_checkable

import numpy as np
import pandas as pd

from ...finance.errors import StressError
from ...finance.ledger import MONTHLY_COLUMNS as LEDGER_COLUMNS, ledger_frame  # one who-pays-whom table for every path



Transfer = tuple[str, str, str, np.ndarray]
"""``(payer, payee, flow_type, £ by contract month)``, amounts non-negative."""


@dataclass
class Draw:
    """One draw of a mechanism's pipeline.

    Attributes
    ----------
    outputs
        Headline figures (keys: the mechanism's ``columns``).
    net
        £ by contract month received less paid by the risk-bearing party.
    transfers
        Every flow between two parties (:data:`Transfer`).
    dates
        Month-end date of every contract month.
    years_source
        Tidy per-contract-year view for the risk-bearing party, or a function building it (so
        draws that nobody looks at never pay for a DataFrame), or None.
    extra
        The mechanism's own detail (e.g. the bond's :class:`~simulate.finance.ledger.FinanceOutcome`).
    """

    outputs: dict
    net: np.ndarray
    transfers: list[Transfer]
    dates: list[dt.date]
    years_source: Any = None
    extra: Any = None

    @property
    def years(self) -> pd.DataFrame | None:
        """The per-contract-year view (built on first use)."""
        if callable(self.years_source):
            self.years_source = self.years_source()
        return self.years_source

    @property
    def cumulative_cash(self) -> np.ndarray:
        """The risk-bearing party's cumulative cash position by month."""
        return np.cumsum(self.net)


@dataclass
class Question:
    """A reverse stress question: which input moves over what range, and what must be zero."""

    name: str
    description: str
    parameter: str
    low: float
    high: float
    target: Callable[[dict], float]


@dataclass
class NamedStress:
    """A built-in stress: scenario overrides and stress-engine effects (as a preset's ``stresses``)."""

    name: str
    description: str
    overrides: dict = field(default_factory=dict)
    effects: dict = field(default_factory=dict)


@runtime_checkable
class Mechanism(Protocol):
    """The protocol every payment mechanism module implements.

    Attributes
    ----------
    kind
        The scenario's ``payment.kind`` it settles.
    risk_bearer
        The party whose cash ``Draw.net`` is (``investor`` or ``provider``).
    columns
        The keys of ``Draw.outputs``: the run table's output columns.
    key_output
        The run-table column global sensitivity is computed on.
    tornado_output
        The :func:`~simulate.stress.analysis.pooled` figure the tornado swings.
    loss_column
        Boolean column: the risk-bearing party lost money in the draw.
    questions
        Reverse stress questions.
    models
        Cohort models it runs on (``cohort``: the fast model; ``flow``: the flow simulation).
    """

    kind: str
    models: tuple[str, ...]
    risk_bearer: str
    columns: tuple[str, ...]
    key_output: str
    tornado_output: str
    loss_column: str
    questions: tuple[Question, ...]

    def compile(self, data: dict, effects: Mapping[str, float] | None = None, engine: str = "payments") -> Any:
        """Compile a scenario dictionary once into the plain numbers a draw needs."""

    def draw(self, params: Any, rng: np.random.Generator, candidate_factor: float = 0.0, with_irr: bool = True) -> Draw:
        """Run one draw on a generator (every random number from ``rng``)."""

    def flow_draw(self, data: dict, params: Any, seed: int, index: int, effects: Mapping[str, float] | None) -> Draw:
        """Run one draw with the discrete-event flow simulation as its cohort model."""

    def pooled_figures(self, net: np.ndarray, params: Any) -> dict:
        """Figures of the mean cash flow of the risk-bearing party (pooled IRR, multiple…)."""

    def headline(self, table: pd.DataFrame) -> pd.DataFrame:
        """Headline statistics of a run's table (``metric, value``)."""

    def base_rows(self, base: dict) -> list[tuple[str, str]]:
        """The base case as ``(figure, formatted value)`` rows from :func:`pooled`'s figures."""

    def compare_row(self, table: pd.DataFrame) -> dict:
        """One summary row of a run for the named-stress comparison."""

    def builtin_stresses(self, scenario: Any) -> list[NamedStress]:
        """Stresses Cusp adds for this mechanism."""


REGISTRY: dict[str, Mechanism] = {}


class CohortOnly:
    """Shared parts of the mechanisms the family-flow (cohort) model drives (000-003).

    ``flow_label`` names the contract in the message refusing ``--model flow``, which drives the
    edge-of-care bond only; the pooled figure is the provider's net over the mean cash flow.
    """

    flow_label = "this contract"

    def flow_draw(self, data: dict, params: Any, seed: int, index: int, effects: Mapping[str, float] | None) -> Draw:
        raise StressError(f"--model flow: the flow model drives the edge-of-care bond only; use --model cohort for {self.flow_label}")

    def pooled_figures(self, net: np.ndarray, params: Any) -> dict:
        return {"pooled_net_gbp": float(net.sum())}


def register(mechanism: Mechanism) -> Mechanism:
    """Register a mechanism under its ``kind`` (called once by each mechanism module)."""
    REGISTRY[mechanism.kind] = mechanism
    return mechanism


def mechanism_for(data: Mapping[str, Any] | str) -> Mechanism:
    """The registered mechanism of a scenario dictionary (or of a ``payment.kind``).

    Raises
    ------
    StressError
        When no mechanism is registered for the kind.
    """
    kind = data if isinstance(data, str) else (data.get("payment") or {}).get("kind")
    if kind not in REGISTRY:
        raise StressError(f"payment.kind: no stress pipeline for {kind!r}; there are {', '.join(sorted(REGISTRY))}")
    return REGISTRY[kind]


def party_totals(transfers: list[Transfer]) -> dict[str, float]:
    """Each party's total received less paid over the contract (sums to zero over parties)."""
    out: dict[str, float] = {}
    for payer, payee, _, amounts in transfers:
        s = float(np.sum(amounts))
        out[payer] = out.get(payer, 0.0) - s
        out[payee] = out.get(payee, 0.0) + s
    return out


def fmt_money(v: float) -> str:
    if v != v:
        return "n/a"
    return f"−£{-v:,.0f}" if v < 0 else f"£{v:,.0f}"  # a loss reads −£62,260, never £-62,260


def fmt_share(v: float) -> str:
    return "n/a" if v != v else f"{v:.0%}"
