"""Random children for equivalence and property tests (a seeded generator, no global state)."""

from __future__ import annotations

import numpy as np

from simulate.payments.days import OPEN_END


def random_children(n: int, seed: int, first: int, last: int, as_of: int) -> tuple[np.ndarray, list[list[tuple[int, int]]]]:
    """``n`` children with t0 in ``[first, last)`` and 0-5 non-overlapping spells of 1-200 days.

    Some spells are open (no end) and some start before t0 (reunification-like histories).
    """
    rng = np.random.default_rng(seed)
    t0 = rng.integers(first, last, size=n)
    spells: list[list[tuple[int, int]]] = []
    for i in range(n):
        k = int(rng.integers(0, 6))
        day = int(t0[i]) + int(rng.integers(-120, 400))
        child = []
        for _ in range(k):
            length = int(rng.choice([rng.integers(0, 57), rng.integers(50, 70), rng.integers(1, 200)]))
            if rng.random() < 0.08:
                child.append((day, int(OPEN_END)))
                break
            child.append((day, day + length))
            day += length + int(rng.integers(0, 120))
        spells.append(child)
    return t0.astype(np.int64), spells
