"""Outcome payment engine: what is owed, when, by whom, and why not.

- :mod:`.stability` / :mod:`.vectorised` — 004 §9.2.1 stability at home, per child and on arrays;
- :mod:`.metrics` — 004 §9.2.2-9.2.4 family functioning, education, reading;
- :mod:`.sib` — settle an edge-of-care SIB from tidy extracts, with caps, deadweight, LCF split;
- :mod:`.pbr` — 000 Appendix 1 payment by results; :mod:`.kpi` — 001 KPI-linked and gain share;
- :mod:`.invoices` — monthly/quarterly invoices and restatement against a previous settlement.
"""

from .days import OPEN_END, to_date, to_day
from .errors import PaymentDataError, PaymentScenarioError
from .stability import StabilityResult, StabilityRules, settle_stability
from .terms import METRICS, STATUSES, Prices, SibTerms, sib_terms
from .vectorised import StabilityArrays, settle_stability_arrays, spells_from_lists, totals_by_replication

__all__ = [
    "METRICS", "OPEN_END", "PaymentDataError", "PaymentScenarioError", "Prices", "STATUSES", "SibTerms",
    "StabilityArrays", "StabilityResult", "StabilityRules", "settle_stability", "settle_stability_arrays",
    "sib_terms", "spells_from_lists", "to_date", "to_day", "totals_by_replication",
]
