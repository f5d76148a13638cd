"""Test hooks of certification instances: the platform's clock, its restart."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from harness.spec.base import In, Out


class ClockOut(Out):
    now: dt.datetime


class ClockAdvanceIn(In):
    seconds: float = Field(ge=0, le=10 * 366 * 86400)


class RestartOut(Out):
    """The 202 answer of a restart under way: the process's boot id before it restarts (the
    harness waits for GET /health to show another one)."""

    boot_id: str
