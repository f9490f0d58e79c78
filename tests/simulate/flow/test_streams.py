"""Random streams: spawn equivalence, independence of activities."""

from __future__ import annotations

import numpy as np

from simulate.flow.streams import ACTIVITIES, activity_streams, replication_seed


def test_replication_seed_is_the_spawned_child():
    children = np.random.SeedSequence(42).spawn(5)
    for r in range(5):
        a = np.random.default_rng(replication_seed(42, r)).random(3)
        b = np.random.default_rng(children[r]).random(3)
        assert np.array_equal(a, b)


def test_each_activity_has_its_own_stream():
    s = activity_streams(7, 3)
    assert list(s) == list(ACTIVITIES)
    firsts = {name: g.random() for name, g in s.items()}
    assert len(set(firsts.values())) == len(ACTIVITIES)
    # drawing more from one activity does not move another
    s2 = activity_streams(7, 3)
    s2["arrivals"].random(1000)
    assert s2["duration"].random() == activity_streams(7, 3)["duration"].random()
