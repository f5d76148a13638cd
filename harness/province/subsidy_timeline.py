"""The subsidy claim's timeline (SUB-03), in working days of the statutory calendar.

二(八)2: the HR department reviews within 10 working days of accepting the claim; before it asks
the finance department for the funds it publishes a notice for at least 5 working days; finance
reviews and pays within 10 working days of receiving the request. The readings where the policy
is silent are the catalogue's SUB-03 decision, and every one of them is a line here:

- "within N working days of X": the day of X is not counted; the N-th working day after it is
  the due date and is still on time (`WorkingCalendar.add_workdays`).
- the notice runs from its first day (counted when that is a working day) up to, not including,
  the day of the fund request; 5 such working days are needed, so the earliest fund request is
  the day after the notice's 5th working day. The notice starts on or after the review.
- finance "receives" the request on the day the office records it (an electronic hand-over);
  its 10 working days run from that day.
- the notice and the fund request have no deadline of their own in the policy: only the review
  and the payment can be overdue.

Steps come in order, once each, each on or after the one before and never in the future; a step
that breaks the timeline is refused (`step_refusal`); a due date that passes is flagged
(`overdue_steps`), never refused, since refusing a late step would hide that it was late.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from harness.province.workdays import ONE_DAY, UnknownYear, WorkingCalendar

REVIEW_WORKDAYS = 10
NOTICE_WORKDAYS = 5
PAYMENT_WORKDAYS = 10
STEP_ORDER = ("review", "notice", "fund_request", "payment")
_FIELD = {
    "review": "reviewed_on",
    "notice": "notice_from",
    "fund_request": "fund_requested_on",
    "payment": "paid_on",
}


@dataclass(frozen=True)
class ClaimDates:
    """The dates a claim has reached so far (None: the step has not happened)."""

    accepted_on: dt.date
    reviewed_on: dt.date | None = None
    notice_from: dt.date | None = None
    fund_requested_on: dt.date | None = None
    paid_on: dt.date | None = None

    def of(self, step: str) -> dt.date | None:
        return getattr(self, _FIELD[step])

    def with_step(self, step: str, on: dt.date) -> ClaimDates:
        return replace(self, **{_FIELD[step]: on})

    def next_step(self) -> str | None:
        return next((step for step in STEP_ORDER if self.of(step) is None), None)


@dataclass(frozen=True)
class DueDates:
    """The deadlines of a claim; where a step has not happened yet, the ones after it assume
    it happens on its last compliant day (review on its due date, the fund request as soon
    as the notice allows) — the latest schedule that keeps every rule."""

    accepted_on: dt.date
    hr_review_due: dt.date
    notice_from: dt.date
    fund_request_earliest: dt.date
    finance_payment_due: dt.date


@dataclass(frozen=True)
class KnownDueDates:
    """As many of the deadlines as the calendar can compute, in order; `unknown` is the year
    that stopped the rest (None when all are known)."""

    hr_review_due: dt.date | None = None
    notice_from: dt.date | None = None
    fund_request_earliest: dt.date | None = None
    finance_payment_due: dt.date | None = None
    unknown: UnknownYear | None = None

    @property
    def gap(self) -> str | None:
        """The unknown year's message, for the claim's view."""
        return str(self.unknown) if self.unknown is not None else None


def known_due_dates(calendar: WorkingCalendar, dates: ClaimDates) -> KnownDueDates:
    """The deadlines up to the first one in a year the calendar does not know: a claim whose
    payment falls in next year still shows when its review was due."""
    found: dict[str, dt.date] = {}
    try:
        found["hr_review_due"] = calendar.add_workdays(dates.accepted_on, REVIEW_WORKDAYS)
        found["notice_from"] = dates.notice_from or dates.reviewed_on or found["hr_review_due"]
        found["fund_request_earliest"] = earliest_fund_request(calendar, found["notice_from"])
        requested = dates.fund_requested_on or found["fund_request_earliest"]
        found["finance_payment_due"] = calendar.add_workdays(requested, PAYMENT_WORKDAYS)
    except UnknownYear as exc:
        return KnownDueDates(**found, unknown=exc)
    return KnownDueDates(**found)


def due_dates(calendar: WorkingCalendar, dates: ClaimDates) -> DueDates:
    """Every due date of the claim; UnknownYear when one falls in a year nobody knows."""
    known = known_due_dates(calendar, dates)
    if known.unknown is not None:
        raise known.unknown
    assert known.hr_review_due and known.notice_from  # all known when nothing is unknown
    assert known.fund_request_earliest and known.finance_payment_due
    return DueDates(
        dates.accepted_on,
        known.hr_review_due,
        known.notice_from,
        known.fund_request_earliest,
        known.finance_payment_due,
    )


def earliest_fund_request(calendar: WorkingCalendar, notice_from: dt.date) -> dt.date:
    """The day after the notice's 5th working day (its first day counts if it is one)."""
    return calendar.add_workdays(notice_from - ONE_DAY, NOTICE_WORKDAYS) + ONE_DAY


def step_refusal(
    calendar: WorkingCalendar, dates: ClaimDates, step: str, on: dt.date, today: dt.date
) -> str | None:
    """None when `step` may be recorded on `on`, else why not (UnknownYear may propagate)."""
    expected = dates.next_step()
    if dates.of(step) is not None:
        return f"the {step} step is already recorded (on {dates.of(step)})"
    if step != expected:
        return f"the next step of this claim is {expected or 'none: it is paid'}, not {step}"
    if on > today:
        return f"{on} is in the future (today is {today}): a step is recorded when it happens"
    position = STEP_ORDER.index(step)
    before = dates.accepted_on if position == 0 else dates.of(STEP_ORDER[position - 1])
    assert before is not None  # steps are recorded in order
    if on < before:
        return f"{on} is before the previous step ({before})"
    if step == "fund_request":
        assert dates.notice_from is not None
        ran = calendar.workdays_between(dates.notice_from, on)
        if ran < NOTICE_WORKDAYS:
            earliest = earliest_fund_request(calendar, dates.notice_from)
            return (
                f"the public notice from {dates.notice_from} has run {ran} working day(s) by {on};"
                f" at least {NOTICE_WORKDAYS} are needed before the fund request (earliest"
                f" {earliest})"
            )
    return None


def overdue_steps(due: KnownDueDates, dates: ClaimDates, today: dt.date) -> list[str]:
    """The review and the payment when done after their due date, or still open after it (a
    deadline the calendar cannot compute yet cannot have passed: it lies in an unknown year)."""
    late = []
    if due.hr_review_due is not None and (dates.reviewed_on or today) > due.hr_review_due:
        late.append("review")
    payment_due = due.finance_payment_due
    requested = dates.fund_requested_on is not None
    if requested and payment_due is not None and (dates.paid_on or today) > payment_due:
        late.append("payment")
    return late
