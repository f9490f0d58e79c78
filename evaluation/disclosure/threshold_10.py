"""``threshold-10``: the output-checking rule of trusted research environments (SACRO/ACRO).

Counts of 1-9 are suppressed (``*``), no rounding, so secondary suppression is on: no hidden
cell can be recovered from the row, column and grand totals. A magnitude cell fails the
dominance check when its 2 largest contributors exceed 90% of its total: ACRO's defaults
(``safe_threshold: 10``, ``safe_nk_n: 2``, ``safe_nk_k: 0.90`` in ``acro/default.yaml``).
"""

from __future__ import annotations

from .policy import Policy, register

THRESHOLD_10 = register(Policy(
    "threshold-10", min_count=10, round_to=None, secondary=True, share_decimals=1,
    dominance_n=2, dominance_k=0.90,
    text=("Disclosure control (threshold-10): counts of 1-9 are shown as *, cells whose two "
          "largest contributors exceed 90% of the total are hidden, and percentages or means "
          "resting on 1-9 people are suppressed; further cells (*) are hidden so no "
          "suppressed value can be worked out from the totals."),
))
