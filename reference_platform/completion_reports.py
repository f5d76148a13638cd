"""Reporting completions to the province (VOUCH-03), so that it issues the offline
practical-training voucher (完成线上培训课程后领取线下实操培训券).

What compliant means, for a vendor: every learner who passed is reported once, and nobody else;
a report the province did not acknowledge (unreachable, 5xx) is sent again, with the same
idempotency key (`report_id`), until it is; a retry never makes a second voucher.

The report is an outbox row written in the transaction that issues the certificate
(`certificates.issue_due`), and `deliver_pending` sends what is not acknowledged yet. It runs
after every certificate sweep, so a report that failed is retried at the next one.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from reference_platform.defects import ActiveDefects
from reference_platform.models import Certificate, CompletionReport, Course, Learner
from reference_platform.province_client import (
    ProvinceClient,
    ProvinceRefused,
    ProvinceUnavailable,
)
from reference_platform.security import new_id

log = logging.getLogger(__name__)
MAX_BATCH = 100


def queue_report(
    db: Session, cert: Certificate, now: dt.datetime, defects: ActiveDefects, round_: int = 1
) -> None:
    """Put the certificate's completion in the outbox (in the caller's transaction)."""
    if defects.active("no_completion_report"):
        return
    db.add(
        CompletionReport(
            id=new_id("rep"),
            learner_id=cert.learner_id,
            course_id=cert.course_id,
            report_round=round_,
            certificate_number=cert.number,
            created_at=now,
        )
    )


def reported_level(level: str, defects: ActiveDefects) -> str:
    """The course's own level: the province issues the offline voucher at the level reported."""
    if defects.active("voucher_report_writes_intermediate_as_junior") and level == "intermediate":
        return "junior"  # the defect: a code table's intermediate entry copied from junior's
    return level


def completed_on(cert: Certificate, now: dt.datetime, defects: ActiveDefects) -> dt.date:
    """The report's completion date: the certificate's `finished_on` (the pass's date in
    Asia/Shanghai), whenever the report is sent."""
    if defects.active("completion_report_dated_when_sent"):  # the defect: the send's UTC date
        return now.astimezone(dt.UTC).date()
    return cert.finished_on


def deliver_pending(
    db: Session, province: ProvinceClient, now: dt.datetime, defects: ActiveDefects
) -> None:
    """Send the unacknowledged reports."""
    unsent: ColumnElement[bool] = CompletionReport.acknowledged_at.is_(None)
    if defects.active("completion_report_sent_once"):  # "not sent yet": a failed send is lost
        unsent = CompletionReport.attempts == 0
    if defects.active("duplicates_completion_report"):
        unsent = true()  # every report, again and again
    pending = db.execute(
        select(CompletionReport, Certificate, Learner, Course)
        .join(Certificate, Certificate.number == CompletionReport.certificate_number)
        .join(Learner, Learner.id == CompletionReport.learner_id)
        .join(Course, Course.id == CompletionReport.course_id)
        .where(unsent)
        .order_by(CompletionReport.created_at)
        .limit(MAX_BATCH)
    ).all()
    for report, cert, learner, course in pending:
        report.attempts += 1
        report_id = report.id
        if defects.active("duplicates_completion_report"):
            report_id = f"{report.id}-{report.attempts}"  # a new key on every send
        body = {
            "report_id": report_id,
            "id_number": learner.id_number,
            "name": learner.name,
            "course_id": course.id,
            "occupation_code": course.occupation_code,
            "level": reported_level(course.level, defects),
            "certificate_number": cert.number,
            "completed_on": completed_on(cert, now, defects).isoformat(),
        }
        try:
            answer = province.report_completion(body)
        except ProvinceRefused as refused:  # already reported: nothing more to send
            report.acknowledged_at, report.last_error = now, refused.detail[:200]
            continue
        except ProvinceUnavailable as exc:
            report.last_error = str(exc)[:200]
            log.warning("completion report %s not delivered: %s", report.id, exc)
            break  # the province is down: retry everything at the next sweep
        report.acknowledged_at, report.offline_voucher_code = now, answer.offline_voucher_code
    db.commit()
