"""``dfe``: the Department for Education's convention for children's social care statistics.

Symbols as DfE publications use them (GSS symbols, DfE analysts' guide "Data symbols"):
``c`` confidential (suppressed, with secondary suppression where a total would give it away),
``z`` not applicable (a percentage of nobody), ``k`` a value that rounds to zero but is not zero
(a percentage below 0.5%), ``x`` unavailable. Local-authority counts are published unrounded;
counts of 1-5 are suppressed, the convention DfE states for children looked after; percentages
are whole numbers.
"""

from __future__ import annotations

from .policy import Policy, register

DFE = register(Policy(
    "dfe", min_count=6, round_to=None, secondary=True, share_decimals=0,
    suppressed="c", not_applicable="z", unavailable="x", rounds_to_zero="k",
    text=("Disclosure control (dfe): counts of 1-5 are shown as c and further cells (c) are hidden "
          "so no suppressed value can be worked out from the totals; z: not applicable; "
          "k: rounds to zero but is not zero; x: not available. Percentages are whole numbers."),
))
