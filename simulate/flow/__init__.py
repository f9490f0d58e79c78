"""Referral flow and capacity simulation: waiting lists, caseloads, KPI probabilities, staffing.

>>> from simulate.scenario import load_scenario
>>> from simulate.flow import run_replication, run_replications, kpi_table
>>> sc = load_scenario("lancs-edge-of-care-004")           # doctest: +SKIP
>>> rep = run_replication(sc, seed=7)                        # doctest: +SKIP
>>> kpi_table(rep, "quarter").head()                         # doctest: +SKIP
>>> run_replications(sc, reps=100, seed=7, jobs=2).target_probabilities()  # doctest: +SKIP

Modules: ``engine`` (the caseload event loop), ``stages`` (staff-limited first-come-first-served
stages), ``intake`` (the contact and assessment stages of a scenario), ``waiting_list``,
``cases`` (capacity-independent draws),
``arrivals`` (thinning), ``staffing``, ``model`` (one replication), ``timelines`` (per-child
arrays for the payment engine), ``universal`` (001 touchpoints), ``metrics`` (KPI tables),
``records`` (event log, case summary, waiting-list series), ``runner`` (replications, target
probabilities), ``stats`` (t intervals, MSER-5, Hoad-Robinson-Davies), ``plan`` (smallest FTE),
``invariants`` (checks on every run), ``streams`` (random streams). See ``docs/flow.md``.
"""

from .engine import run_queue
from .errors import FlowError, FlowInvariantError, PlanError
from .metrics import kpi_table
from .model import InitialState, Replication, run_replication
from .plan import PlanResult, plan_fte
from .records import case_summary, event_log, waiting_series
from .runner import RunResult, run_replications, target_probabilities
from .streams import ACTIVITIES, activity_streams
from .timelines import ChildTimelines

__all__ = [
    "ACTIVITIES", "ChildTimelines", "FlowError", "FlowInvariantError", "InitialState", "PlanError",
    "PlanResult", "Replication", "RunResult", "activity_streams", "case_summary", "event_log",
    "kpi_table", "plan_fte", "run_queue", "run_replication", "run_replications",
    "target_probabilities", "waiting_series",
]
