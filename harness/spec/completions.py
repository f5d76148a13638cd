"""Completion reports and offline practical-training vouchers (VOUCH-03): a platform reports
each learner who completed the online course; the province issues the offline voucher.

`report_id` is the platform's idempotency key: the same report sent again (a retry after a lost
answer) is answered with the same voucher, never a second one.
"""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from harness.spec.base import In, Out


class CompletionReportIn(In):
    report_id: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=18, max_length=18)
    name: str = Field(min_length=1, max_length=40)
    course_id: str = Field(min_length=1, max_length=64)
    occupation_code: str = Field(min_length=1, max_length=32)
    level: str = Field(min_length=1, max_length=16)
    certificate_number: str = Field(min_length=1, max_length=40)
    completed_on: dt.date


class CompletionReportOut(Out):
    report_id: str
    offline_voucher_code: str
    issued_at: dt.datetime


class OfflineVoucher(Out):
    code: str
    holder_id_number: str
    holder_name: str
    occupation_code: str
    level: str
    platform_id: str
    course_id: str
    report_id: str
    certificate_number: str
    issued_at: dt.datetime
