"""``nhs-digital``: NHS Digital's small-number rule for sub-national counts.

Counts of 1-7 are shown as ``*``; every other count is rounded to the nearest 5 (so a published
10 means 8-12); zeros are shown. Because every published count is rounded, no suppressed value
can be worked out exactly from the totals, which is why NHS Digital applies no secondary
suppression; :func:`~evaluation.disclosure.disclose` keeps it as an option (``secondary=True``).
Percentages resting on 1-7 people (denominator, numerator or complement) are suppressed.
"""

from __future__ import annotations

from .policy import Policy, register

NHS_DIGITAL = register(Policy(
    "nhs-digital", min_count=8, round_to=5, secondary=False, share_decimals=1,
    text=("Disclosure control (nhs-digital): counts of 1-7 are shown as *, other counts are "
          "rounded to the nearest 5, and percentages or means resting on 1-7 people are "
          "suppressed; percentages are worked out from the rounded counts."),
))
