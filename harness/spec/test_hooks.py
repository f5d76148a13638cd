"""Test hooks of certification instances: the platform's clock."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from harness.spec.base import In, Out


class ClockOut(Out):
    now: dt.datetime


class ClockAdvanceIn(In):
    seconds: float = Field(ge=0, le=10 * 366 * 86400)
