"""The flow simulation as the stress engine's cohort model (``--model flow``).

Instead of the fast cohort model, each draw runs one replication of the discrete-event flow
simulation (:func:`simulate.flow.run_replication`: waiting list, triage priority, caseload
capacity, staffing schedule, disengagement while waiting) and converts its per-child timelines
(:class:`simulate.flow.ChildTimelines`) to the stress engine's :class:`~.cohort.Children`, so
payments and finance are settled exactly as for the cohort model.

- Draw ``i`` of a run seeded ``s`` is flow replication ``i`` of seed ``s`` (streams
  ``SeedSequence(s, spawn_key=(i, activity))``); the stress engine's own extra numbers
  (counterfactual spells, education and reading results) use ``SeedSequence(s, spawn_key=(2, i, 0))``,
  a three-part key no flow stream can share.
- Family Star Plus and My Star are paid when the flow model's score change reaches X × the
  assumed baseline (``params.STAR_BASELINE``); education and reading use the cohort model's
  probabilities (the flow model does not simulate them).
- The counterfactual is drawn independently of the flow model's care spells (same hazards and
  spell lengths as the cohort model's), so savings are right in expectation but children are not
  paired one to one.
- ``care_hazard_multiplier`` scales the scenario's care hazards before the replication;
  ``stability_success_multiplier`` is applied to the timelines afterwards, as in the cohort model.
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from ..scenario import scenario_from_dict
from .cohort import Children, counterfactual_spells, fail_stability, finish, sample_by_group
from .params import CohortParams, STAR_BASELINE

BACKEND = "heapq"
"""The flow simulation's event loop for stress draws: its heapq loop gives the same sample paths
as SimPy's (simulate.flow's differential tests) at a fraction of the cost per event."""


def flow_children(data: dict, p: CohortParams, seed: int, index: int, effects: Mapping[str, float] | None = None) -> Children:
    """Run flow replication ``index`` of the (overridden) scenario dictionary and return its children."""
    from ..flow import run_replication

    m = float((effects or {}).get("care_hazard_multiplier", 1.0))
    if m != 1.0:
        data = dict(data, outcomes=dict(data["outcomes"], care={
            k: dict(v, hazard_during_support_per_year=v["hazard_during_support_per_year"] * m,
                    hazard_after_support_per_year=v["hazard_after_support_per_year"] * m)
            for k, v in data["outcomes"]["care"].items()}))
    scenario = scenario_from_dict(data, check_what_ifs=False)  # ranges and stresses were checked at load
    rep = run_replication(scenario, seed, index, check=False, backend=BACKEND)
    tl = rep.timelines
    rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(2, int(index), 0))))
    names = list(tl.sub_cohort_names)
    order = np.array([p.cohort_names.index(n) for n in names], dtype=int)
    keep = np.isfinite(np.asarray(tl.tracking_start_day, float))
    cohort = order[np.asarray(tl.sub_cohort, int)][keep]
    n, K = int(keep.sum()), p.failing_spell
    counts = np.diff(tl.spell_offsets)
    width = max(K, int(counts.max(initial=0)))
    entries, exits = np.full((len(tl), width), np.inf), np.full((len(tl), width), np.inf)
    owner = np.repeat(np.arange(len(tl)), counts)
    slot = np.arange(len(owner)) - np.repeat(tl.spell_offsets[:-1], counts)
    entries[owner, slot] = tl.spell_start
    exits[owner, slot] = tl.spell_end
    entries, exits = entries[keep], exits[keep]
    with np.errstate(invalid="ignore"):
        spell = np.where(np.isfinite(entries), exits - entries, 0.0)
    t0 = np.asarray(tl.tracking_start_day, float)[keep]
    horizon = float(tl.horizon_day)
    engage = np.asarray(tl.engagement_day, float)[keep]
    support_end = np.nan_to_num(np.asarray(tl.support_end_day, float)[keep], nan=horizon)
    disengaged = (np.asarray(tl.exit_route) == "disengaged")[keep]

    e = rng.standard_exponential((n, width))
    cf_spell = np.stack([sample_by_group(p.spell, cohort, rng) for _ in range(width)], axis=1) if n else np.zeros((0, width))
    cf_entries, cf_exits = counterfactual_spells(t0, p.h_counterfactual[cohort], e, cf_spell)
    u = rng.random((n, 6))
    if p.stability_success < 1.0:
        fail_stability(p, t0, entries, exits, np.where(spell > 0, spell, cf_spell), u[:, 4], u[:, 5])
    paid = np.zeros((n, 4), bool)
    change = np.asarray(tl.score_change, float)[keep] if n else np.zeros((0, len(tl.tools)))
    threshold = float(data["payment"]["family_functioning_improvement"])
    for j, tool in enumerate(("family_star_plus", "my_star")):
        col = next((i for i, t in enumerate(tl.tools) if t.split(":")[0] == tool), None)
        if col is not None:
            paid[:, j] = np.nan_to_num(change[:, col], nan=-np.inf) >= threshold * STAR_BASELINE[tool]
    paid[:, 2] = u[:, 2] < p.p_metric.get("education", 0.0)
    paid[:, 3] = u[:, 3] < p.p_metric.get("reading", 0.0)
    referred = int(np.sum(rep.cases.accepted))
    return finish(p, cohort, engage, support_end, disengaged, t0, entries, exits, spell, cf_entries, cf_exits,
                  u[:, :4], referred, referred - n, metric_paid=paid)
