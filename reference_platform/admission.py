"""Bounded waiting for the database: a request that cannot be served soon is refused at once.

Two scarce things stand between a request and its answer: a database connection and, for the
synchronous routes, a worker thread. A request that holds a connection while it waits for a thread
(FastAPI runs each sync dependency in a fresh thread-pool call) can deadlock with requests that
hold threads while they wait for a connection. Two rules make that impossible:

* `RequestSlots`: at most `slots` requests hold a database session at once, fewer than the
  thread pool's threads and no more than the connection pool holds, so every slotted request
  always finds both a connection and a thread; the rest wait in the event loop, where waiting
  costs no thread.
* `WorkQueue`: the heartbeat's whole unit of work (authenticate, judge, commit) runs in one call
  on a dedicated executor, opening and closing its session in that one thread — or, where it
  is cheap and will not wait (`inline`), on the event loop's own thread, sparing the hand-off.

Either one, when full, answers `Overloaded` (503 with Retry-After, `errors.py`) within
`max_wait_s` instead of queueing without bound: overload costs the client a retry, never a 30 s
wait or a 500. Nothing is acknowledged before its transaction commits, so a refused request has
changed nothing and a request being worked on is finished even if its client gave up.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, ParamSpec, TypeVar

if TYPE_CHECKING:
    from reference_platform.alternatives import ChosenAlternatives
    from reference_platform.in_flight import InFlight

P = ParamSpec("P")
T = TypeVar("T")

RETRY_AFTER_S = 1  # what a refused client is told to wait: the queue drains in about that


class Overloaded(Exception):
    """The platform is at capacity; nothing was done (answered 503 with Retry-After)."""

    def __init__(self, retry_after_s: int = RETRY_AFTER_S) -> None:
        super().__init__(retry_after_s)
        self.retry_after_s = retry_after_s


SHED_EVERY = 20  # under `sheds_load_now_and_then`: one request in this many is refused, once


class Shedding:
    """The compliant alternative `sheds_load_now_and_then`: one request in `every` is refused as
    at capacity (503, `Retry-After: 0`) before anything is done, whatever the load. The interface
    allows a busy platform that answer to any request at any time, so a client — and the harness —
    must send the request again; a platform that sheds is as compliant as one that never does."""

    @classmethod
    def of(cls, alternatives: ChosenAlternatives) -> Shedding:
        return cls(lambda: alternatives.chosen("sheds_load_now_and_then"))

    def __init__(self, chosen: Callable[[], bool], every: int = SHED_EVERY) -> None:
        self._chosen = chosen  # asked per request: the alternative can be switched at runtime
        self._every = every
        self._count = 0

    def check(self) -> None:
        """Raise `Overloaded` for this request when it is the one refused."""
        if self._chosen():
            self._count += 1
            if self._count % self._every == 0:
                raise Overloaded(retry_after_s=0)


class WouldWait(Exception):
    """A unit run on the event loop waited its short bound for a lock: it stops before writing
    anything and runs again on a worker, where a longer wait stalls nobody else."""


LOOP_LOCK_WAIT_S = 0.02  # how long a unit on the event loop may wait for a lock

_ON_THE_LOOP: ContextVar[bool] = ContextVar("on_the_loop", default=False)


def on_the_loop() -> bool:
    """Whether the running unit runs on the event loop's thread: every request of the process
    waits while it does, so a lock is waited for `LOOP_LOCK_WAIT_S` at most (sqlite_writer.py
    raises `WouldWait` past it)."""
    return _ON_THE_LOOP.get()


@contextmanager
def _on_the_loop() -> Iterator[None]:
    token = _ON_THE_LOOP.set(True)
    try:
        yield
    finally:
        _ON_THE_LOOP.reset(token)


class RequestSlots:
    """At most `slots` requests inside at once; up to `max_waiting` wait, each `max_wait_s` at
    most. Built in the app's lifespan (its semaphore belongs to the serving event loop)."""

    def __init__(
        self, slots: int, max_waiting: int, max_wait_s: float, shedding: Shedding | None = None
    ) -> None:
        self._shedding = shedding
        self._semaphore = asyncio.Semaphore(slots)
        self._max_waiting = max_waiting
        self._max_wait_s = max_wait_s
        self._waiting = 0

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[HeldSlot]:
        """A slot, held until the block ends or `HeldSlot.release` gives it back earlier."""
        if self._shedding is not None:
            self._shedding.check()
        if self._waiting >= self._max_waiting:
            raise Overloaded
        self._waiting += 1
        try:
            async with asyncio.timeout(self._max_wait_s):
                await self._semaphore.acquire()
        except TimeoutError:
            raise Overloaded from None
        finally:
            self._waiting -= 1
        held = HeldSlot(self._semaphore)
        try:
            yield held
        finally:
            held.release()


class HeldSlot:
    """A taken request slot. A long response that no longer needs the database (the STUDY-09
    event stream) gives its slot back at once, so open streams never starve other requests."""

    def __init__(self, semaphore: asyncio.Semaphore) -> None:
        self._semaphore: asyncio.Semaphore | None = semaphore

    def release(self) -> None:
        if self._semaphore is not None:
            self._semaphore.release()
            self._semaphore = None


class WorkQueue:
    """A fixed set of worker threads for whole units of database work, with a bounded wait.

    One worker for a SQLite file (its writers take turns anyway, on a Python lock:
    sqlite_writer.py), several for PostgreSQL (row locks serialise what must be). A unit
    is refused (`Overloaded`) at once when `max_pending` wait already or when the wait it can
    expect (the units ahead of it times the recent time per unit) exceeds `max_wait_s`; one that
    still waited longer than `max_wait_s` when a worker takes it is refused then, undone. So the
    wait is bounded in seconds whatever the machine's speed, not only in places in the queue.

    `inline` (given for a SQLite file: its units are a fraction of a millisecond of CPU with no
    network wait) runs a unit on the event loop's thread itself when it answers True and the
    recent units were quick, so the common heartbeat costs no hand-off between threads (measured
    in issue #14: the hand-off had become the larger part of a heartbeat's time). A unit that
    finds the writer lock taken waits for it a moment (a writer holds it for about a
    millisecond, and runs at once while the loop's thread waits), then raises `WouldWait`
    before its first write and goes to a worker; slow units (a slow disk, a checkpoint) raise
    the running mean above `INLINE_MAX_UNIT_S`, which sends the next ones to the workers until
    they are quick again."""

    SMOOTHING = 0.1  # weight of the newest unit in the running mean of a unit's time
    INLINE_MAX_UNIT_S = 0.002  # the loop stalls this long at most, on average, for one unit

    def __init__(
        self,
        workers: int,
        max_pending: int,
        name: str,
        max_wait_s: float = 5.0,
        gauge: InFlight | None = None,  # also counts the units under way (in_flight.py)
        inline: Callable[[], bool] | None = None,  # asked per unit: may it run on the loop?
        shedding: Shedding | None = None,
    ) -> None:
        self._shedding = shedding
        self.workers = workers
        self.inline = inline
        self._gauge = gauge
        self._executor = concurrent.futures.ThreadPoolExecutor(workers, thread_name_prefix=name)
        self._max_pending = max_pending
        self._max_wait_s = max_wait_s
        self._pending = 0
        self._unit_s = 0.0  # running mean of a unit's time on a worker

    def expected_wait_s(self) -> float:
        return self._pending * self._unit_s / self.workers

    async def run(self, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        if self._shedding is not None:
            self._shedding.check()
        quick = self._unit_s <= self.INLINE_MAX_UNIT_S
        if self.inline is not None and quick and self.inline():
            if self._gauge is not None:
                self._gauge.enter()
            try:
                with _on_the_loop():
                    return self._timed(time.monotonic(), work, *args, **kwargs)
            except WouldWait:
                pass  # nothing was written: it runs again on a worker
            finally:
                if self._gauge is not None:
                    self._gauge.leave()
        if self._pending >= self._max_pending or self.expected_wait_s() > self._max_wait_s:
            raise Overloaded
        self._pending += 1
        if self._gauge is not None:
            self._gauge.enter()
        try:
            future = self._executor.submit(self._timed, time.monotonic(), work, *args, **kwargs)
            # shielded: a client that disconnects does not cancel a transaction under way
            return await asyncio.shield(asyncio.wrap_future(future))
        finally:
            self._pending -= 1
            if self._gauge is not None:
                self._gauge.leave()

    def _timed(
        self, queued_at: float, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        started = time.monotonic()
        if started - queued_at > self._max_wait_s:
            raise Overloaded
        try:
            return work(*args, **kwargs)
        finally:
            took = time.monotonic() - started
            weight = self.SMOOTHING if self._unit_s else 1.0  # the first unit sets the mean
            self._unit_s += weight * (took - self._unit_s)

    def close(self) -> None:
        """Finish the queued work (each of it may have been acknowledged soon), then stop."""
        self._executor.shutdown(wait=True)
