"""Payment mechanisms as stress pipelines: one module each, registered by ``payment.kind``.

To add a mechanism, add a module here defining an object that satisfies
:class:`~.base.Mechanism`, call :func:`~.base.register` on it, and import the module below.
"""

from . import block, kpi, pbr, sib  # noqa: F401  (each registers its pipeline)
from .base import (LEDGER_COLUMNS, REGISTRY, Draw, Mechanism, NamedStress, Question, ledger_frame, mechanism_for,
                   party_totals, register)

__all__ = ["LEDGER_COLUMNS", "REGISTRY", "Draw", "Mechanism", "NamedStress", "Question", "ledger_frame", "mechanism_for",
           "party_totals", "register"]
