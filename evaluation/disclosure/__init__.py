"""Statistical disclosure control: everything a report publishes goes through a named policy.

Policies are a family: each is one module that builds a :class:`Policy` and registers itself
(:mod:`.nhs_digital`, :mod:`.dfe`, :mod:`.threshold_10`, :mod:`.modelled`). Tables go through
:func:`disclose`; a rendered report's HTML through :func:`scan_report`; the values it writes for
other tools through :func:`scan_results`.

``nhs-digital``
    Counts 1-7 shown as ``*``; counts of 8 or more rounded to the nearest 5 (so a published
    10 means 8-12); zeros shown; percentages from the rounded counts, suppressed when they rest
    on 1-7 people. No secondary suppression by default (the rounding protects): ``secondary=True``.
``dfe``
    Counts 1-5 shown as ``c`` with secondary suppression; ``z`` not applicable, ``k`` rounds to
    zero, ``x`` not available; unrounded counts; whole percentages.
``threshold-10``
    Counts below 10 (1-9) suppressed, no rounding, secondary suppression; dominance (2, 0.90).
``modelled``
    Modelled figures only: no record of a real person was read.
"""

from __future__ import annotations

from . import dfe, modelled, nhs_digital, threshold_10  # noqa: F401 - each registers its policy
from .policy import POLICIES, Policy, Published, get_policy, register
from .scan import DISCLOSURE_KEY, scan_report, scan_results
from .tables import DisclosedTable, disclose

__all__ = ["Policy", "POLICIES", "Published", "register", "get_policy", "DisclosedTable", "disclose",
           "scan_report", "scan_results", "DISCLOSURE_KEY"]
