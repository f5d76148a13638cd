"""Every due date of one subsidy claim, for `sxcert province timeline` (SUB-03).

The HR office can use it on its own: given the day a claim was accepted (and, as the claim moves
on, the days of its review, notice and fund request), it prints each deadline and the rule
behind it. Steps not given yet are assumed on their last compliant day (`due_dates`), so the
printout is the latest schedule that still keeps every rule.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from harness.province.subsidy_timeline import (
    NOTICE_WORKDAYS,
    PAYMENT_WORKDAYS,
    REVIEW_WORKDAYS,
    ClaimDates,
    due_dates,
)
from harness.province.workdays import WorkingCalendar


@dataclass(frozen=True)
class TimelineRow:
    key: str  # the JSON name
    label: str
    day: dt.date
    rule: str


def timeline_rows(calendar: WorkingCalendar, dates: ClaimDates) -> list[TimelineRow]:
    """The claim's dates and deadlines in order; UnknownYear when one cannot be computed."""
    due = due_dates(calendar, dates)
    reviewed = "reviewed" if dates.reviewed_on else "if reviewed on its due date"
    return [
        TimelineRow("accepted_on", "claim accepted", dates.accepted_on, "day 0, not counted"),
        TimelineRow(
            "hr_review_due",
            "HR review due",
            due.hr_review_due,
            f"the {REVIEW_WORKDAYS}th working day after acceptance (still on time)",
        ),
        TimelineRow(
            "notice_from",
            "public notice from",
            due.notice_from,
            "as given" if dates.notice_from else f"on or after the review ({reviewed})",
        ),
        TimelineRow(
            "fund_request_earliest",
            "fund request, earliest",
            due.fund_request_earliest,
            f"the day after the notice's {NOTICE_WORKDAYS}th working day",
        ),
        TimelineRow(
            "finance_payment_due",
            "finance review and payment due",
            due.finance_payment_due,
            f"the {PAYMENT_WORKDAYS}th working day after finance receives the request"
            + ("" if dates.fund_requested_on else " (requested on the earliest day)"),
        ),
    ]


def timeline_json(calendar: WorkingCalendar, rows: list[TimelineRow]) -> dict[str, object]:
    """The rows as one JSON object, with the sources of the calendar that decided the days."""
    sources = sorted({calendar.source_of(row.day) for row in rows})
    return {
        **{row.key: row.day.isoformat() for row in rows},
        "rules": {row.key: row.rule for row in rows},
        "calendar": sources,
    }
