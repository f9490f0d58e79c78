"""Cusp's waiting list: priority order with lazy deletion.

SimPy's ``PriorityResource`` keeps its queue as a sorted list and re-sorts it on every
request, which is quadratic (20,000 waiters take seconds to enqueue). This waiting list serves
the lowest ``rank`` first and, within a rank, first come first served, with

* ``push`` in O(log n) (heap) or O(1) (buckets);
* ``cancel`` in O(1) — the entry is marked dead and skipped when it reaches the head, so the
  amortised cost of removal is the pop it eventually causes (lazy deletion);
* ``pop`` returning the live entry of lowest ``(rank, arrival order)``.

Two layouts, same behaviour:

``"heap"``
    A binary heap of ``(rank, seq, case)``: any float ranks.
``"buckets"``
    One FIFO deque per distinct rank, ranks kept sorted: for the few discrete need levels
    (Continuum of Need 2/3/4, plus the head-of-list rank of reallocated cases). Insert and pop
    are O(1) however long the list grows, so a 50,000-family list costs no more per referral
    than a short one. The list switches itself to the heap layout if more than
    ``max_buckets`` distinct ranks appear.

The flow model uses ``rank = -need_level`` (level 4 first; buckets) or, with priority ageing
of ``A`` days per level, ``rank = ready_day - A * need_level`` (heap) — a key that never
changes while the case waits, so ageing needs no re-sorting (see :mod:`.engine`).
"""

from __future__ import annotations

import bisect
import heapq
from collections import deque


class WaitingList:
    """Priority waiting list with O(log n) insert and lazy O(1) cancel.

    Parameters
    ----------
    layout
        ``"heap"`` or ``"buckets"`` (see the module docstring).
    max_buckets
        Distinct ranks a bucket list holds before it turns itself into a heap.

    >>> wl = WaitingList()
    >>> wl.push(7, rank=-3.0); wl.push(8, rank=-4.0); wl.push(9, rank=-4.0)
    >>> wl.cancel(8)
    >>> [wl.pop(), wl.pop(), len(wl)]
    [9, 7, 0]
    """

    __slots__ = ("_heap", "_seq", "live", "_buckets", "_ranks", "layout", "max_buckets", "push", "pop")

    # ``push(case, rank=0.0)`` adds a case (a non-negative integer id) with priority ``rank``
    # (lower is served first); ``pop()`` removes and returns the first live case (IndexError when
    # empty). Both are closures over the list's containers, built for its layout: the waiting list
    # sits in the event loop's hottest path, and closures skip attribute look-ups and branches.

    def __init__(self, layout: str = "heap", max_buckets: int = 16) -> None:
        if layout not in ("heap", "buckets"):
            raise ValueError("layout must be 'heap' or 'buckets'")
        self.layout = layout
        self.max_buckets = max_buckets
        self._heap: list[tuple[float, int, int]] = []
        self._buckets: dict[float, deque] = {}
        self._ranks: list[float] = []  # sorted keys of _buckets
        self._seq = [0]
        # case -> seq of its live entry; public so a hot loop can test emptiness without a call
        self.live: dict[int, int] = {}
        self._bind()

    def __len__(self) -> int:
        return len(self.live)

    def __contains__(self, case: int) -> bool:
        return case in self.live

    def cancel(self, case: int) -> None:
        """Remove ``case`` (reneged, withdrawn). Cancelling a case not waiting is a no-op."""
        self.live.pop(case, None)

    def _bind(self) -> None:
        live, counter = self.live, self._seq
        if self.layout == "heap":
            heap, heappush, heappop = self._heap, heapq.heappush, heapq.heappop

            def push(case: int, rank: float = 0.0) -> None:
                seq = counter[0]
                counter[0] = seq + 1
                live[case] = seq
                heappush(heap, (rank, seq, case))

            def pop() -> int:
                while heap:
                    _, seq, case = heappop(heap)
                    if live.get(case) == seq:
                        del live[case]
                        return case
                raise IndexError("pop from an empty waiting list")
        else:
            buckets, ranks = self._buckets, self._ranks

            def push(case: int, rank: float = 0.0) -> None:
                seq = counter[0]
                counter[0] = seq + 1
                live[case] = seq
                bucket = buckets.get(rank)
                if bucket is None:
                    if len(ranks) >= self.max_buckets:
                        self._to_heap()
                        heapq.heappush(self._heap, (rank, seq, case))
                        return
                    bucket = buckets[rank] = deque()
                    bisect.insort(ranks, rank)
                bucket.append((seq, case))

            def pop() -> int:
                for rank in ranks:
                    bucket = buckets[rank]
                    while bucket:
                        seq, case = bucket.popleft()
                        if live.get(case) == seq:
                            del live[case]
                            return case
                raise IndexError("pop from an empty waiting list")

        self.push, self.pop = push, pop

    def peek(self) -> int:
        """Return the first live case without removing it. Raises ``IndexError`` when empty."""
        order = self.cases()
        if not order:
            raise IndexError("peek at an empty waiting list")
        return order[0]

    def cases(self) -> list[int]:
        """Live cases in service order (O(n log n); for snapshots, not hot loops)."""
        entries = list(self._heap) + [(r, s, c) for r in self._ranks for s, c in self._buckets[r]]
        return [case for _, seq, case in sorted(entries) if self.live.get(case) == seq]

    def _to_heap(self) -> None:
        self._heap = [(r, q, c) for r in self._ranks for q, c in self._buckets[r]]
        heapq.heapify(self._heap)
        self._buckets, self._ranks, self.layout = {}, [], "heap"
        self._bind()
