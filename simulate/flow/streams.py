"""Random streams: one ``SeedSequence`` per replication, one generator per activity within it.

Replication ``r`` of a run seeded ``S`` uses ``SeedSequence(S).spawn(R)[r]`` — built directly
as ``SeedSequence(S, spawn_key=(r,))``, which is the same sequence, so any replication can be
rebuilt on any worker without spawning the others first. Within it, activity ``k`` of
:data:`ACTIVITIES` uses child ``k``. Results therefore do not depend on the number of jobs,
and two scenarios run with the same seed share common random numbers activity by activity:
changing the workforce does not shift the arrival or duration draws.

New activities are appended to :data:`ACTIVITIES` (never inserted) so existing streams keep
their numbers.
"""

from __future__ import annotations

import numpy as np

ACTIVITIES: tuple[str, ...] = (
    "arrivals",       # referral times (thinning) and their labels
    "screening",      # acceptance
    "need",           # Continuum of Need level, referral source
    "contact",        # contact and assessment delays
    "patience",       # disengagement while waiting
    "duration",       # intervention length, extensions
    "disengagement",  # disengagement during support
    "care",           # care entry during and after support, spells, return home
    "exits",          # step-up / step-down
    "scores",         # distance travelled, direct-work share
    "initial",        # initial state (open cases' remaining time)
    "universal",      # birth cohort and mandated contacts
    "areas",          # tools used per child, per-area baseline and follow-up scores
    "records",        # per-case recorded items: exit strategy, wellbeing plan, feedback
)


def replication_seed(seed: int, replication: int) -> np.random.SeedSequence:
    """The ``SeedSequence`` of one replication: ``SeedSequence(seed).spawn(R)[replication]``."""
    return np.random.SeedSequence(seed, spawn_key=(replication,))


def activity_streams(seed: int, replication: int) -> dict[str, np.random.Generator]:
    """One independent ``numpy.random.Generator`` per activity of one replication.

    >>> a = activity_streams(1, 0)["duration"].random()
    >>> b = np.random.default_rng(np.random.SeedSequence(1).spawn(1)[0].spawn(len(ACTIVITIES))[5]).random()
    >>> a == b
    True
    """
    return {
        name: np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, k)))
        for k, name in enumerate(ACTIVITIES)
    }
