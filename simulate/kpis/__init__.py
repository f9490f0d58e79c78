"""One registry of KPI definitions, evaluated on a per-case table for any reporting window.

>>> from simulate.kpis import REGISTRY
>>> REGISTRY["families_worked_with"].sources[0][0]
'002 App 2 §1.8'

* :mod:`.definitions` — the registry: sentence, numerator, denominator, units, direction;
* :mod:`.cases` — the per-case table (the contract for the simulation and for real extracts);
* :mod:`.windows` — month, contract quarter and year, financial year, contract, rolling 12 months;
* :mod:`.compute` — vectorised evaluation; :mod:`.aggregate` — its window arithmetic.

``simulate.kpis`` imports nothing from the rest of ``simulate`` but the working-day calendar,
so the ``cusp`` layer can feed it real extracts converted to the same table.
"""

from importlib import import_module
from typing import Any

from .definitions import DEFINITIONS, REGISTRY, KpiDefinition, get_kpi, registry_table

# The registry itself is plain data (the scenario model reads it, and `cusp scenario list` must
# start without numpy/pandas); the computing modules load on first use.
_LAZY = {
    "EXIT_ROUTES": "cases", "Assessments": "cases", "CaseTable": "cases", "case_table_from_frames": "cases",
    "KpiParams": "compute", "KpiValue": "compute", "compute_contacts": "compute", "compute_many": "compute", "compute_windows": "compute",
    "evaluate": "compute", "fold": "compute", "KINDS": "windows", "Windows": "windows", "make_windows": "windows",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "Assessments", "CaseTable", "DEFINITIONS", "EXIT_ROUTES", "KINDS", "KpiDefinition", "KpiParams", "KpiValue",
    "REGISTRY", "Windows", "case_table_from_frames", "compute_contacts", "compute_many", "compute_windows", "evaluate", "fold",
    "get_kpi", "make_windows", "registry_table",
]
