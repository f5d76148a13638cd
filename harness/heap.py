"""The garbage collector set for long-running servers and a certification run.

CPython's cyclic collector runs after every 700 new container objects and, every hundredth time,
walks every object alive — the imported modules, the app and its routes, SQLAlchemy's mappers,
the run's recorded evidence. In a shared API run that was 6 % of all CPU time (measured with
`gc.callbacks`, most of it in full collections). So each process of a run freezes what it has
built before its work starts (`gc.freeze`: a permanent generation no collection walks) and
collects the young generation less often; objects still die by reference counting at once, and
cycles are still collected.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 10_000  # new container objects between young collections (CPython: 700)


def settle_heap() -> None:
    """Freeze everything alive now and space the young collections out: call once, after the
    process has imported and built what it keeps for its lifetime."""
    gc.freeze()  # without a collection first: it took 0.2-0.5 s a process, to free a few MB
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_THRESHOLD, older, oldest)
