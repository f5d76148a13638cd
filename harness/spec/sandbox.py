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
    # the new person bears the same name as this sandbox identity (namesakes are common: a
    # voucher must be matched by ID number, never by name)
    namesake_of: str | None = Field(default=None, min_length=18, max_length=18)
    # the new person's real name, as the identity authority holds it (the interface's 2-40
    # characters), and its Latin transcription for the ID card: names a platform must take as
    # they are (a minority name with its middle dot, a rare character); drawn when not given
    name: str | None = Field(default=None, min_length=2, max_length=40)
    name_latin: str | None = Field(default=None, min_length=1, max_length=80)
    # what the province still draws (sequence number, name, unasked fields) comes from this seed:
    # the harness passes one derived from its run seed, so `--seed` repeats the people it gets
    seed: int | None = Field(default=None, ge=0, lt=2**63)


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
    service: Literal["identity", "voucher", "registry", "subsidy", "completion", "archive"]
    operation: str
    id_number: str | None = None
    status_code: int
    request: dict
    response: dict
