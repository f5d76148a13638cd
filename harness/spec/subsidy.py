"""Subsidy claims: what a platform claims each quarter, and the province's subsidy office.

Money is `Decimal` to the fen (two decimal places) everywhere, and answers carry it as a JSON
string ("240.00"), so that no amount ever passes through a binary float. A request may send an
amount as a string or a number; more than two decimal places is refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, model_validator

from harness.spec.base import In, Level, Out

Money = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2)]
Quarter = Annotated[str, Field(pattern=r"^\d{4}Q[1-4]$", description="e.g. 2026Q3")]
ClaimStep = Literal["review", "notice", "fund_request", "payment"]
ClaimStatus = Literal["accepted", "reviewed", "rejected", "notice", "fund_requested", "paid"]


class ClaimLineIn(In):
    """One certified learner's course: the lesson hours credited and what they are worth."""

    id_number: str = Field(min_length=18, max_length=18)
    course_id: str = Field(min_length=1, max_length=64)
    approval_number: str | None = Field(default=None, min_length=1, max_length=64)
    level: Level
    certificate_number: str = Field(min_length=1, max_length=64)
    certificate_issued_on: dt.date
    lesson_hours: int = Field(ge=1, le=10_000)
    rate: Money
    amount: Money


class SubsidyClaimIn(In):
    """A platform's claim for one calendar quarter."""

    quarter: Quarter
    lines: list[ClaimLineIn] = Field(min_length=1, max_length=50_000)
    total_amount: Money


class SubsidyClaimReceipt(Out):
    """The office's answer to an accepted claim: its id and when the HR review is due."""

    claim_id: str
    accepted_on: dt.date
    total_amount: Decimal
    hr_review_due: dt.date | None = None


class ClaimStepIn(In):
    """A step of the claim's handling (sandbox): `on` defaults to the province's today. Only the
    review has an outcome: a rejected claim goes no further and frees its amount in the cap."""

    step: ClaimStep
    on: dt.date | None = None
    outcome: Literal["approved", "rejected"] = "approved"
    reason: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _only_the_review_is_rejected(self) -> ClaimStepIn:
        if self.step != "review" and (self.outcome != "approved" or self.reason is not None):
            raise ValueError("only the review step has an outcome and a reason")
        return self


class ClaimDueDates(Out):
    """The claim's deadlines (SUB-03); None where the calendar does not know the year, which
    `calendar_gap` then names."""

    hr_review_due: dt.date | None = None
    notice_from: dt.date | None = None
    fund_request_earliest: dt.date | None = None
    finance_payment_due: dt.date | None = None
    calendar_gap: str | None = None


class SubsidyClaim(Out):
    """A claim as the office holds it: the lines, each step's date, the due dates, what is late."""

    claim_id: str
    platform_id: str
    quarter: str
    accepted_on: dt.date
    cap_year: int
    total_amount: Decimal
    lines: list[ClaimLineIn]
    status: ClaimStatus
    reviewed_on: dt.date | None = None
    notice_from: dt.date | None = None
    fund_requested_on: dt.date | None = None
    paid_on: dt.date | None = None
    rejection_reason: str | None = None
    due: ClaimDueDates
    overdue: list[ClaimStep] = Field(
        default_factory=list, description="steps done after, or still open past, their due date"
    )


class SubsidyYear(Out):
    """How much of a year's cap (SUB-04) the accepted claims use."""

    year: int
    cap: Decimal
    committed: Decimal
    remaining: Decimal
    claims: int


class ClaimFilingIn(In):
    """Test hook (certification instances): file the platform's claim for `quarter` now, as it
    would when the quarter is over (SUB-02)."""

    quarter: Quarter


class ClaimFilingLine(ClaimLineIn):
    """A line of the platform's filed claim, with the learner it is for."""

    learner_id: str


class ClaimFilingOut(Out):
    """The quarter's claim as the platform filed it: `filed_now` false when the quarter had been
    filed before (this is that filing, nothing was sent again); `claim_id` is the office's
    receipt, None when the quarter had no line to claim (nothing is sent then)."""

    quarter: str
    filed_now: bool
    filed_at: dt.datetime
    claim_id: str | None = None
    accepted_on: dt.date | None = None
    hr_review_due: dt.date | None = None
    total_amount: Decimal
    lines: list[ClaimFilingLine]
