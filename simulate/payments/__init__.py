"""Outcome payment engine: what is owed, when, by whom, and why not.

- :mod:`.periods` — care and remand episodes that touch or overlap joined into periods away
  from home (the one place; every path goes through it);
- :mod:`.vectorised` / :mod:`.stability` — 004 §9.2.1 stability at home on arrays, and per child
  (the reference);
- :mod:`.oneoffs` / :mod:`.metrics` — 004 §9.2.2-9.2.4 family functioning, education, reading on
  arrays, and per case (the reference);
- :mod:`.sib` — settle an edge-of-care SIB from tidy extracts on arrays, with caps
  (:mod:`.cap_arrays`), deadweight, LCF split and the audit trail (:mod:`.stability_lines`,
  :mod:`.texts`); :mod:`.sib_reference` is the per-case settlement kept as the test oracle;
- :mod:`.pbr` — 000 Appendix 1 payment by results; :mod:`.kpi` — 001 KPI-linked and gain share;
- :mod:`.invoices` — monthly/quarterly invoices and restatement against a previous settlement;
- :mod:`.array_caps` — per-child and total caps on simulated payment arrays;
- :mod:`.from_flow` — settle the flow simulation's per-child timelines.
"""

from .array_caps import cap_rows, payment_rows, payments_by_month
from .days import OPEN_END, to_date, to_day
from .errors import PaymentDataError, PaymentScenarioError
from .from_flow import stability_from_timelines
from .settle import settle_scenario
from .sib import Settlement, settle_sib
from .stability import StabilityResult, StabilityRules, settle_stability
from .terms import METRICS, STATUSES, Prices, SibTerms, sib_terms
from .vectorised import StabilityArrays, settle_stability_arrays, spells_from_lists, totals_by_replication

__all__ = [
    "METRICS", "OPEN_END", "PaymentDataError", "PaymentScenarioError", "Prices", "STATUSES", "SibTerms",
    "Settlement", "StabilityArrays", "StabilityResult", "StabilityRules", "cap_rows", "payment_rows", "payments_by_month",
    "settle_scenario", "settle_sib", "settle_stability", "settle_stability_arrays", "sib_terms",
    "spells_from_lists", "stability_from_timelines", "to_date", "to_day", "totals_by_replication",
]
