"""Vouchers and enrolment: the learner's enrolment and the province's voucher authority."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from harness.spec.base import In, Level, Out

EmploymentStatus = Literal["unemployed", "flexible", "employed", "student", "retired"]


class EnrolmentIn(In):
    course_id: str = Field(min_length=1, max_length=64)
    voucher_code: str = Field(min_length=1, max_length=64)


class EnrolmentOut(Out):
    enrolment_id: str
    course_id: str
    voucher_code: str
    enrolled_at: dt.datetime


class VoucherCodeIn(In):
    code: str = Field(min_length=1, max_length=64)


class Voucher(Out):
    code: str
    holder_id_number: str
    holder_name: str
    occupation_code: str
    level: Level
    employment_status: EmploymentStatus
    state: Literal["issued", "redeemed", "expired"]
    issued_at: dt.datetime
    expires_on: dt.date


class RedeemIn(In):
    code: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=1, max_length=18)
    course_id: str = Field(min_length=1, max_length=64)
    approval_number: str = Field(min_length=1, max_length=64)


class RedeemOut(Out):
    code: str
    redeemed_at: dt.datetime
    redemption_id: str
