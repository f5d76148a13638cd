"""Bounds of a certification run: time per check and per run, a stop when the target is gone,
and a stop when the user (or a CI runner) sends SIGTERM or SIGHUP.

A pytest plugin object that `sxcert certify` registers beside the certification session. A check
past its bound is interrupted and ends `error`; once the run is past its bound, or the target has
stopped answering (harness/transport.py's watch), every remaining check ends `error` at once with
the one shared reason, so a dead or hanging target costs seconds, not the sum of all timeouts.
A signal ends the run as Ctrl-C does; should the interrupt be swallowed inside a check (a library's
broad `except`), the next check start ends the session all the same.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from harness.transport import TARGETS, TargetWatch

DEFAULT_CHECK_TIMEOUT_S = 300.0  # the profile's target.check_timeout_seconds default
DEFAULT_RUN_TIMEOUT_S = 3600.0  # the profile's target.run_timeout_seconds default


@dataclass
class StopRequest:
    """Set by the signal handler: why the run must stop (None while it may go on)."""

    reason: str | None = None


@contextmanager
def stop_on_signals(stop: StopRequest) -> Iterator[None]:
    """SIGINT, SIGTERM and SIGHUP end the run: pytest stops, servers are stopped, the temporary
    folder removed. A second signal during that clean-up is ignored, so it finishes.

    SIGINT is handled here too, not left to Python's default: a run started as a background job
    of a non-interactive shell (as CI scripts start them) inherits SIGINT *ignored*, and `kill
    -INT` then did nothing (a CI run of the interrupted-load test waited out its minute so)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        if stop.reason is not None:
            return
        stop.reason = signal.Signals(signum).name
        raise KeyboardInterrupt(stop.reason)

    previous = {
        s: signal.signal(s, interrupt) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class CheckOverTime(BaseException):
    """A check ran past its bound. A BaseException, so no `except Exception` inside a check or a
    library swallows it; pytest still records it (and the plugin makes it an `error`)."""


class NotProbed(Exception):
    """The check was not started: the run is past its bound or the target stopped answering."""


@contextmanager
def alarm(seconds: float, message: str) -> Iterator[None]:
    """Raise CheckOverTime in the main thread after `seconds` (no-op off the main thread)."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def fire(signum: int, frame: object) -> None:
        raise CheckOverTime(message)

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class RunBounds:
    def __init__(
        self,
        target_url: str,
        *,
        check_timeout_s: float = DEFAULT_CHECK_TIMEOUT_S,
        run_timeout_s: float = DEFAULT_RUN_TIMEOUT_S,
        watch: TargetWatch = TARGETS,
        stop: StopRequest | None = None,
    ) -> None:
        self.target_url = target_url.rstrip("/")
        self.check_timeout_s = check_timeout_s
        self.run_timeout_s = run_timeout_s
        self.deadline = time.monotonic() + run_timeout_s
        self.watch = watch
        self.stop = stop or StopRequest()

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> None:
        if self.stop.reason is not None:
            pytest.exit(
                f"Interrupted by {self.stop.reason}", returncode=pytest.ExitCode.INTERRUPTED
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        gone = self.watch.gone(self.target_url)
        if gone:
            raise NotProbed(f"Not probed: {gone}")
        if time.monotonic() >= self.deadline:
            raise NotProbed(
                f"Not probed: the run passed its {self.run_timeout_s:g} s bound "
                "(target.run_timeout_seconds)"
            )

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Any:
        remaining = self.deadline - time.monotonic()
        bound = min(self.check_timeout_s, max(remaining, 0.001))
        which = (
            "its check bound (target.check_timeout_seconds)"
            if bound == self.check_timeout_s
            else "the run's bound (target.run_timeout_seconds)"
        )
        with alarm(bound, f"the check ran past {which}: {bound:g} s"):
            return (yield)
