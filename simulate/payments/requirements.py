"""Which extracts each payment mechanism reads: one small place, so none is ever read as absent.

A mechanism that relies on a file must have it by name: a missing ``care_episodes.csv`` is not
"no child entered care" (that is a file with only its header row). The command line
(``cusp payments settle``, ``cusp data validate --scenario``) requires exactly these files.

What each mechanism reads (``simulate.payments.settle``):

- ``sib_edge_of_care`` (004 §9): ``referrals.csv`` (cohort, engagement, return home) and
  ``care_episodes.csv`` (stability, §9.2.1) always; ``assessments.csv`` when family functioning
  (§9.2.2) has weight; ``school.csv`` when education (§9.2.3) has weight; ``reading.csv`` when
  reading (§9.2.4) has weight;
- ``payment_by_results`` (000 Appendix 1): ``referrals.csv`` and ``assessments.csv``;
- ``kpi_linked`` (001): ``kpi_results.csv``, and ``spend.csv`` for the gain share;
- ``block``: nothing.
"""

from __future__ import annotations

from simulate.scenario import Block, KpiLinked, PaymentByResults, Scenario, SibEdgeOfCare

_SIB_METRIC_FILES = (("family_functioning", "assessments.csv"), ("education", "school.csv"), ("reading", "reading.csv"))


def required_extracts(scenario: Scenario) -> tuple[str, ...]:
    """File names the scenario's payment mechanism needs, in reading order.

    Examples
    --------
    >>> from simulate.scenario import load_scenario
    >>> required_extracts(load_scenario("lancs-edge-of-care-004"))
    ('referrals.csv', 'care_episodes.csv', 'assessments.csv', 'school.csv', 'reading.csv')
    """
    mech = scenario.payment
    if isinstance(mech, SibEdgeOfCare):
        weighted = tuple(f for metric, f in _SIB_METRIC_FILES if mech.metric_shares.get(metric, 0.0) > 0)
        return ("referrals.csv", "care_episodes.csv", *weighted)
    if isinstance(mech, PaymentByResults):
        return ("referrals.csv", "assessments.csv")
    if isinstance(mech, KpiLinked):
        return ("kpi_results.csv", "spend.csv")
    if isinstance(mech, Block):
        return ()
    return ()
