"""A busy platform's 503 with Retry-After is honoured, not judged a server error.

docs/interface.md lets a platform past what it can serve in time answer any request 503 with a
`Retry-After` header, at once, having done nothing — and tells the client to send the same request
again after the delay. A check that failed such an answer would fail a compliant platform for being
busy (a slow CI machine, two shares of a run side by side), so every call the harness makes resends
it after the delay, for at most `PATIENCE_S` in all: a platform still refusing after that has not
served the call in time, and the last 503 is judged as the server error it then is. A 503 without
a readable `Retry-After` is no overload answer (the interface requires the header) and is judged at
once. Every attempt is its own exchange, so the evidence shows each refusal and its delay.

A target that is always busy would cost every call its whole patience (dozens of minutes over a
run): once one call was refused for its whole patience, the target counts as busy and further
refusals are judged at once, until it serves any call again (`BusyTargets`, as
harness/transport.py's `TargetWatch` does for a target that stopped answering).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import requests

R = TypeVar("R")

PATIENCE_S = 30.0  # a call refused for longer than this has not been served in time
MIN_PAUSE_S = 0.05  # `Retry-After: 0` repeated must not spin


def retry_after_s(response: requests.Response | Any) -> float | None:
    """The delay an overload answer asks for, in seconds (delay-seconds or an HTTP-date); None
    when `response` is not a 503 or names no delay the harness can read. Takes a `requests`
    response or schemathesis's own (whose headers map lower-case names to lists of values)."""
    if response.status_code != 503:
        return None
    value = _header(response.headers, "retry-after").strip()
    if value.isascii() and value.isdigit():  # not "²", which isdigit() also takes
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # an HTTP-date is always GMT
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _header(headers: Any, name: str) -> str:
    for key, value in headers.items():
        if key.lower() == name:
            return value[0] if isinstance(value, list) and value else str(value)
    return ""


class Patience:
    """How long one call may still be refused: `wait` sleeps the asked delay while it fits."""

    def __init__(self, total_s: float | None = None) -> None:
        self.total_s = PATIENCE_S if total_s is None else total_s
        self.deadline = time.monotonic() + self.total_s
        self.refusals = 0

    def wait(self, delay_s: float) -> bool:
        """Sleep `delay_s` (at least MIN_PAUSE_S) and answer True, or answer False at once when
        the delay would end past the patience: the caller then judges the refusal."""
        self.refusals += 1
        pause = max(delay_s, MIN_PAUSE_S)
        if time.monotonic() + pause > self.deadline:
            return False
        time.sleep(pause)
        return True


def send_while_busy(send: Callable[[], R], patience: Patience) -> tuple[R, float | None]:
    """Call `send` again while it is answered busy and the patience lasts: the last answer, and
    the delay it asked for (None: it is no busy answer; else the patience ran out on it)."""
    while True:
        response = send()
        delay_s = retry_after_s(response)
        if delay_s is None or not patience.wait(delay_s):
            return response, delay_s


class BusyTargets:
    """The base URLs whose last call was refused for a whole patience."""

    def __init__(self) -> None:
        self._busy: set[str] = set()

    def patience(self, base_url: str) -> Patience:
        """A new call's patience: none left for a target already found always busy."""
        return Patience(0.0 if base_url in self._busy else None)

    def outlasted(self, base_url: str) -> None:
        self._busy.add(base_url)

    def served(self, base_url: str) -> None:
        self._busy.discard(base_url)

    def send(self, base_url: str, send: Callable[[], R]) -> tuple[R, float | None, Patience]:
        """`send_while_busy` with the target's patience, remembering whether it outlasted it:
        the last answer, its delay (None: not busy) and the patience (its refusals)."""
        patience = self.patience(base_url)
        response, delay_s = send_while_busy(send, patience)
        if delay_s is None:
            self.served(base_url)
        else:
            self.outlasted(base_url)
        return response, delay_s, patience


BUSY = BusyTargets()
