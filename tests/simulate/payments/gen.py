"""Random children for equivalence and property tests (a seeded generator, no global state)."""

from __future__ import annotations

import numpy as np

from simulate.payments.days import OPEN_END


def random_children(n: int, seed: int, first: int, last: int, as_of: int) -> tuple[np.ndarray, list[list[tuple[int, int]]]]:
    """``n`` children with t0 in ``[first, last)`` and 0-5 care episodes of 0-200 days.

    Some episodes are open (no end), some start before t0 (reunification-like histories), some
    touch the previous one (a placement change the same day), overlap it, or last zero days;
    the rows of a child are shuffled, as an extract may hold them.
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
            u = rng.random()
            # 20% touch the next row, 10% overlap it, the rest leave a gap home
            day += length + (0 if u < 0.2 else -int(rng.integers(1, 10)) if u < 0.3 else int(rng.integers(1, 120)))
        rng.shuffle(child)
        spells.append(child)
    return t0.astype(np.int64), spells
