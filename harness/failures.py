"""Typed check failures: a human title plus the structured evidence that proves it.

A CheckFailure is an AssertionError so that pytest counts it as a failed check (the platform's
fault); any other exception inside a check is an `error` (the harness could not judge).
"""

from __future__ import annotations

import json
from typing import Any


class CheckFailure(AssertionError):
    """The platform broke the requirement; `received`/`expected` say how, briefly."""

    def __init__(
        self,
        title: str,
        *,
        received: Any = None,
        expected: Any = None,
        evidence: dict[str, Any] | None = None,
    ) -> None:
        self.title = title
        self.received = received
        self.expected = expected
        self.evidence = evidence or {}
        super().__init__(self.render())

    def render(self) -> str:
        lines = [self.title]
        if self.received is not None:
            lines.append(f"Received: {_short(self.received)}")
        if self.expected is not None:
            lines.append(f"Expected: {_short(self.expected)}")
        return "\n".join(lines)


class ProtocolViolation(CheckFailure):
    """The platform answered outside the interface: a 5xx, garbage, a wrong shape, or nothing."""


class CannotJudge(Exception):
    """The harness lacks what it needs to judge (no test-hook token, say): an `error`."""


def _short(value: Any, limit: int = 600) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[:limit] + "…"


class CannotProbe(CannotJudge):
    """A check could not perform its probe (a cheat the driver cannot send, nothing to replay,
    a setup the platform refused, an observation the supervision view does not offer): the
    check ends `error` with the reason, never `pass`, because nothing was judged."""

    def __init__(self, probe: str, reason: str) -> None:
        self.probe = probe
        self.reason = reason
        super().__init__(f"could not probe {probe}: {reason}")
