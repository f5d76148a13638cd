"""How many learning requests (heartbeats, capture answers) the platform is handling right now.

Heartbeats are counted from the moment they are queued for the heartbeat workers until answered
(`admission.WorkQueue`: a heartbeat's concurrency is its queue and its workers), capture answers
while their service runs.

Only the load defects read it ("under concurrency": `drops_heartbeat_under_concurrency`,
`counts_capture_twice_under_concurrency`); the compliant rules never depend on it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


class InFlight:
    """A count of calls under way, across the server's worker threads."""

    def __init__(self) -> None:
        self._count = 0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            self._count += 1

    def leave(self) -> None:
        with self._lock:
            self._count -= 1

    def counted(self, func: Callable[P, R]) -> Callable[P, R]:
        """`func` (a sync service) counted while it runs."""

        @functools.wraps(func)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            self.enter()
            try:
                return func(*args, **kwargs)
            finally:
                self.leave()

        return run

    def others(self) -> int:
        """Calls under way besides the caller's own."""
        return max(0, self._count - 1)


STUDY_REQUESTS = InFlight()
