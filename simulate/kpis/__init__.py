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

from .cases import EXIT_ROUTES, Assessments, CaseTable, case_table_from_frames
from .compute import KpiParams, KpiValue, compute_contacts, compute_windows, evaluate, fold
from .definitions import DEFINITIONS, REGISTRY, KpiDefinition, get_kpi, registry_table
from .windows import KINDS, Windows, make_windows

__all__ = [
    "Assessments", "CaseTable", "DEFINITIONS", "EXIT_ROUTES", "KINDS", "KpiDefinition", "KpiParams", "KpiValue",
    "REGISTRY", "Windows", "case_table_from_frames", "compute_contacts", "compute_windows", "evaluate", "fold",
    "get_kpi", "make_windows", "registry_table",
]
