"""The province sandbox (harness-facing): synthetic identities, vouchers, the call log."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from harness.spec.base import In, Level, Out
from harness.spec.vouchers import EmploymentStatus


class SandboxIdentityIn(In):
    birth_date: dt.date | None = None
    region_code: str | None = Field(default=None, pattern=r"^\d{6}$")
    sex: Literal["M", "F"] | None = None


class SandboxIdentity(Out):
    id_number: str
    name: str
    birth_date: dt.date
    region_code: str
    sex: Literal["M", "F"]


class LivenessFramesIn(In):
    kind: Literal["live", "still", "impostor"] = "live"
    count: int = Field(default=5, ge=1, le=16)


class LivenessFramesOut(Out):
    frames: list[str]


class SandboxVoucherIn(In):
    holder_id_number: str = Field(min_length=18, max_length=18)
    occupation_code: str = Field(min_length=1, max_length=32)
    level: Level
    employment_status: EmploymentStatus = "unemployed"
    expires_on: dt.date | None = None


class LogEntry(Out):
    seq: int
    at: dt.datetime
    platform_id: str | None = None
    service: Literal["identity", "voucher", "registry"]
    operation: str
    id_number: str | None = None
    status_code: int
    request: dict
    response: dict
