"""Where a journey's time comes from: the platform's test clock, or the real one.

A `Study` never advances time itself; it asks its `TimeSource`. Certify checks pass
`TestClockTime`, so an hour of study takes a request; load users pass `RealTime`, so the same
journeys and driver produce real-time traffic. This module imports no test framework, so a load
worker process can import the journeys alone.
"""

from __future__ import annotations

import datetime as dt
import time as _time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:  # only for the annotation: this module needs nothing of the client at run time
    from harness.supervision import TestClock


@runtime_checkable
class TimeSource(Protocol):
    """What a journey needs of time: the current instant and a way to let time pass."""

    def now(self) -> dt.datetime: ...
    def wait(self, seconds: float) -> None: ...


class TestClockTime:
    """The platform-wide test clock: `wait` advances it, so no real time has to pass.

    `now` is the platform's clock too (not this machine's), because credit is judged against the
    time the platform believes passed."""

    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, clock: TestClock) -> None:
        self.clock = clock

    def now(self) -> dt.datetime:
        return self.clock.now()

    def wait(self, seconds: float) -> None:
        self.clock.advance(seconds)


class RealTime:
    """Wall-clock time for load users: `wait` sleeps.

    A journey written for the test clock may ask to wait many minutes in one step; a load user
    must not stall that long, so each wait is cut to `max_wait_seconds` (chosen by the caller,
    who knows the load profile). `sleep` and `clock` are injectable so tests stay fast."""

    def __init__(
        self,
        max_wait_seconds: float,
        *,
        sleep: Callable[[float], None] = _time.sleep,
        clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        if max_wait_seconds < 0:
            raise ValueError("max_wait_seconds must not be negative")
        self.max_wait_seconds = max_wait_seconds
        self._sleep = sleep
        self._clock = clock

    def now(self) -> dt.datetime:
        return self._clock()

    def wait(self, seconds: float) -> None:
        if seconds > 0:
            self._sleep(min(seconds, self.max_wait_seconds))
