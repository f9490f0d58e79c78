"""Cusp's waiting list: a binary heap with lazy deletion.

SimPy's ``PriorityResource`` keeps its queue as a sorted list and re-sorts it on every
request, which is quadratic (20,000 waiters take seconds to enqueue). This waiting list is a
heap of ``(rank, seq, case)`` entries:

* ``push`` is O(log n);
* ``cancel`` is O(1) — the entry is marked dead and skipped when it reaches the top, so the
  amortised cost of removal is the O(log n) pop it eventually causes;
* ``pop`` returns the live entry of lowest ``(rank, seq)``: lowest rank first, first come
  first served (``seq`` increases with arrival) within a rank.

Ranks are floats. The flow model uses ``rank = -need_level`` (level 4 first) or, with
priority ageing of ``A`` days per level, ``rank = ready_day - A * need_level`` — a key that
never changes while the case waits, so ageing needs no re-sorting (see :mod:`.engine`).
"""

from __future__ import annotations

import heapq


class WaitingList:
    """Priority waiting list with O(log n) insert and lazy O(1) cancel.

    >>> wl = WaitingList()
    >>> wl.push(7, rank=-3.0); wl.push(8, rank=-4.0); wl.push(9, rank=-4.0)
    >>> wl.cancel(8)
    >>> [wl.pop(), wl.pop(), len(wl)]
    [9, 7, 0]
    """

    __slots__ = ("_heap", "_seq", "_live")

    def __init__(self) -> None:
        self._heap: list[tuple[float, int, int]] = []
        self._seq = 0
        self._live: dict[int, int] = {}  # case -> seq of its live entry

    def __len__(self) -> int:
        return len(self._live)

    def __contains__(self, case: int) -> bool:
        return case in self._live

    def push(self, case: int, rank: float = 0.0) -> None:
        """Add ``case`` (a non-negative integer id) with priority ``rank`` (lower is served first)."""
        seq = self._seq
        heapq.heappush(self._heap, (rank, seq, case))
        self._seq = seq + 1
        self._live[case] = seq

    def cancel(self, case: int) -> None:
        """Remove ``case`` (reneged, withdrawn). Cancelling a case not waiting is a no-op."""
        self._live.pop(case, None)

    def pop(self) -> int:
        """Remove and return the first live case. Raises ``IndexError`` when empty."""
        heap, live = self._heap, self._live
        while heap:
            _, seq, case = heapq.heappop(heap)
            if live.get(case) == seq:
                del live[case]
                return case
        raise IndexError("pop from an empty waiting list")

    def peek(self) -> int:
        """Return the first live case without removing it. Raises ``IndexError`` when empty."""
        heap, live = self._heap, self._live
        while heap and live.get(heap[0][2]) != heap[0][1]:
            heapq.heappop(heap)
        if not heap:
            raise IndexError("peek at an empty waiting list")
        return heap[0][2]

    def cases(self) -> list[int]:
        """Live cases in service order (O(n log n); for snapshots, not hot loops)."""
        return [case for _, seq, case in sorted(self._heap) if self._live.get(case) == seq]
