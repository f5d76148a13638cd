"""Typed check failures: a human title plus the structured evidence that proves it.

A CheckFailure is an AssertionError so that pytest counts it as a failed check (the platform's
fault); any other exception inside a check is an `error` (the harness could not judge). The
structure travels to report.json as it is: the title becomes the check's detail, `received` and
`expected` stay JSON values (redacted), so a reader sees data, not a Python repr.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic_core import to_jsonable_python

from harness.redaction import redact

ERROR_LIMIT = 2000


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

    def as_json(self) -> dict[str, Any]:
        """`{"title", "received", "expected"}` as redacted JSON values, for report.json."""
        return {
            "title": self.title,
            "received": json_value(self.received),
            "expected": json_value(self.expected),
        }


class ProtocolViolation(CheckFailure):
    """The platform answered outside the interface: a 5xx, garbage, a wrong shape, or nothing."""


class CannotJudge(Exception):
    """The harness lacks what it needs to judge (no test-hook token, say): an `error`."""


def json_value(value: Any) -> Any:
    """Any value as plain JSON data, redacted: models and datetimes converted, None kept None.

    Unknown objects become their `str`, the best a report can do for them; everything pydantic
    knows (models, dataclasses, datetimes, enums, paths, sets) becomes its JSON form.
    """
    if value is None:
        return None
    return redact(to_jsonable_python(value, fallback=str))


def error_detail(exc: BaseException) -> str:
    """`"<ExceptionType>: message"` for an error, one paragraph at most, never a traceback."""
    message = exc.title if isinstance(exc, CheckFailure) else str(exc)
    message = message.strip().split("\n\n")[0].strip()
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text if len(text) <= ERROR_LIMIT else text[:ERROR_LIMIT] + "…"


def _short(value: Any, limit: int = 600) -> str:
    data = json_value(value)
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    return text if len(text) <= limit else text[:limit] + "…"


class CannotProbe(CannotJudge):
    """A check could not perform its probe (a cheat the driver cannot send, nothing to replay,
    a setup the platform refused, an observation the supervision view does not offer): the
    check ends `error` with the reason, never `pass`, because nothing was judged."""

    def __init__(self, probe: str, reason: str) -> None:
        self.probe = probe
        self.reason = reason
        super().__init__(f"could not probe {probe}: {reason}")
