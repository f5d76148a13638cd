"""Filing a quarter's subsidy claim (SUB-02): gather what the claim rule needs from the database,
send the claim to the province's subsidy office and keep its receipt.

Once per quarter: the first filing of a quarter is stored with its lines (after the province
accepted it), and every later filing of that quarter answers the stored one and sends nothing.
A quarter with no line to claim is stored too, with no claim sent (the office takes no empty
claim). Nothing is stored when the province is unavailable or refuses: the filing can be made
again, and builds the claim afresh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from harness.spec.subsidy import SubsidyClaimReceipt
from reference_platform.archive_pusher import ArchivePusher
from reference_platform.certificates import issue_due
from reference_platform.completion import (
    COMPLETION_MINIMUM_HOURS,
    credited_hours,
    required_hours,
)
from reference_platform.db import SHANGHAI, aware_utc
from reference_platform.defects import ActiveDefects
from reference_platform.models import (
    ArchiveRecord,
    Certificate,
    Course,
    Enrolment,
    Learner,
    LessonProgress,
    SubsidyClaimFiling,
    SubsidyClaimLine,
)
from reference_platform.province_client import ProvinceClient
from reference_platform.self_check import findings, limits_for
from reference_platform.self_check_traces import load_traces
from reference_platform.settings import PlatformSettings
from reference_platform.subsidy_claims import (
    RATES,
    Certified,
    ClaimLine,
    ClaimRules,
    amount_of,
    claim_lines,
    quarter_bounds,
    total_of,
)

UNCERTIFIED = "NONE"  # what the `claim_includes_uncertified` defect writes as certificate number


class QuarterNotBegun(ValueError):
    """The quarter starts after the platform's today: nothing in it can be claimed yet."""


@dataclass(frozen=True)
class Filing:
    filing: SubsidyClaimFiling
    lines: list[SubsidyClaimLine]
    filed_now: bool


def rules_for(defects: ActiveDefects) -> ClaimRules:
    return ClaimRules(
        junior_rate=Decimal("4.00")
        if defects.active("claim_junior_at_4_yuan")
        else RATES["junior"],
        include_earlier_certificates=defects.active("claims_learner_twice_across_quarters"),
        catch_up_unclaimed=defects.active("claims_held_back_certificates_later"),
        include_flagged=defects.active("claims_flagged_learner"),
        flags_only_until_certificate=defects.active("claims_learners_flagged_after_certification"),
        hours_by_level=dict(COMPLETION_MINIMUM_HOURS)
        if defects.active("claims_the_levels_minimum_hours")
        else None,
        include_last_day=not defects.active("claim_quarter_misses_its_last_day"),
    )


def bring_up_to_date(
    db: Session,
    now: dt.datetime,
    settings: PlatformSettings,
    defects: ActiveDefects,
    pusher: ArchivePusher | None,
) -> None:
    """Before a filing: issue the certificates passes have earned, and run one archive round so
    that what the province already holds is known as acknowledged (a learner is claimable only
    then). A round another worker process is running is left to it."""
    issue_due(db, now, settings.platform_id, settings.quiz_rules, defects)
    if pusher is None:
        return
    try:
        pusher.push_round()
    except (OperationalError, IntegrityError):
        db.rollback()


def file_claim(
    db: Session, quarter: str, now: dt.datetime, province: ProvinceClient, defects: ActiveDefects
) -> Filing:
    """The quarter's claim: the stored one, or a new one built, sent and stored. Raises
    QuarterNotBegun, ValueError (not a quarter), ProvinceUnavailable or ProvinceRefused."""
    first, _last = quarter_bounds(quarter)
    if first > now.astimezone(SHANGHAI).date():
        raise QuarterNotBegun(f"{quarter} begins on {first}, after the platform's today")
    stored = db.get(SubsidyClaimFiling, quarter)
    if stored is not None:
        return Filing(stored, _stored_lines(db, quarter), filed_now=False)
    claimed = set(db.execute(select(SubsidyClaimLine.learner_id, SubsidyClaimLine.course_id)).all())
    lines = claim_lines(_certified(db, defects), quarter, claimed, rules_for(defects))
    if defects.active("claim_includes_uncertified"):
        listed = claimed | {(x.learner_id, x.course_id) for x in lines}
        lines += _uncertified(db, now, defects, listed)
    total = total_of(lines)
    filing = SubsidyClaimFiling(quarter=quarter, filed_at=now, total_amount=str(total))
    rows = [_row(quarter, line) for line in lines]
    if defects.active("claim_kept_before_the_office_answers"):
        # "take the quarter first": two filings at once must not send two claims; kept even
        # when the office never takes the claim
        db.add(filing)
        db.flush()
        db.add_all(rows)
        db.commit()
    if lines:
        receipt = province.submit_subsidy_claim(
            {
                "quarter": quarter,
                "lines": [_wire(line) for line in lines],
                "total_amount": str(total),
            }
        )
        _keep_receipt(filing, receipt)
    if not defects.active("claim_kept_before_the_office_answers"):  # kept once it was taken
        db.add(filing)
        db.flush()
        db.add_all(rows)
    db.commit()
    return Filing(filing, rows, filed_now=True)


def _keep_receipt(filing: SubsidyClaimFiling, receipt: SubsidyClaimReceipt) -> None:
    filing.claim_id = receipt.claim_id
    filing.accepted_on = receipt.accepted_on
    filing.hr_review_due = receipt.hr_review_due


def _stored_lines(db: Session, quarter: str) -> list[SubsidyClaimLine]:
    query = select(SubsidyClaimLine).where(SubsidyClaimLine.quarter == quarter)
    return list(db.scalars(query.order_by(SubsidyClaimLine.id)))


def _certified(db: Session, defects: ActiveDefects) -> list[Certified]:
    """Every certificate with its learner's self-check standing and archive completeness: the
    province acknowledged the certificate's record, and so every earlier record of the learner
    (a learner's records are sent and acknowledged in chain order, all or none per batch)."""
    rows = db.execute(
        select(Certificate, Learner.id_number, Course.approval_number)
        .join(Learner, Learner.id == Certificate.learner_id)
        .join(Course, Course.id == Certificate.course_id)
        .order_by(Certificate.issued_on, Certificate.number)
    ).all()
    learner_ids = sorted({cert.learner_id for cert, _, _ in rows})
    limits = limits_for(defects)
    first_flagged: dict[str, dt.date] = {}
    own_devices_only = defects.active("claim_reads_devices_of_claimed_learners_only")
    no_approval = defects.active("claim_lines_without_approval_number")
    for trace in load_traces(db, learner_ids, every_account_on_devices=not own_devices_only):
        found = findings(trace, limits)
        if found:
            earliest = min(f.at for f in found)
            first_flagged[trace.learner_id] = aware_utc(earliest).astimezone(SHANGHAI).date()
    archived_certificates = set(
        db.scalars(
            select(ArchiveRecord.source_key).where(
                ArchiveRecord.kind == "certificate", ArchiveRecord.acknowledged_at.is_not(None)
            )
        )
    )
    return [
        Certified(
            learner_id=cert.learner_id,
            id_number=id_number,
            course_id=cert.course_id,
            # the defect: the optional field of the wire model left out of the line
            approval_number=None if no_approval else approval_number,
            level=cert.level,
            certificate_number=cert.number,
            issued_on=cert.issued_on,
            lesson_hours=(
                _credited_now(db, cert, defects)
                if defects.active("claims_hours_credited_at_filing")
                else cert.lesson_hours  # the hours the certificate was issued for
            ),
            first_flagged_on=first_flagged.get(cert.learner_id),
            archive_complete=f"certificate:{cert.number}" in archived_certificates,
        )
        for cert, id_number, approval_number in rows
    ]


def _uncertified(
    db: Session, now: dt.datetime, defects: ActiveDefects, listed: set[tuple[str, str]]
) -> list[ClaimLine]:
    """The `claim_includes_uncertified` defect: enrolments with the level's hours credited but no
    certificate (the quiz failed) claimed as if certified today."""
    certified = set(db.execute(select(Certificate.learner_id, Certificate.course_id)).all())
    rates = {**RATES, "junior": rules_for(defects).junior_rate}
    found = []
    rows = db.execute(
        select(Course, Learner)
        .select_from(Enrolment)
        .join(Course, Course.id == Enrolment.course_id)
        .join(Learner, Learner.id == Enrolment.learner_id)
    ).all()
    for course, learner in rows:
        key = (learner.id, course.id)
        if key in certified or key in listed or course.level not in rates:
            continue
        progress = db.scalars(
            select(LessonProgress).where(
                LessonProgress.learner_id == learner.id, LessonProgress.course_id == course.id
            )
        )
        hours = credited_hours(progress, defects)
        if hours < required_hours(course.level):
            continue
        rate = rates[course.level]
        found.append(
            ClaimLine(
                learner_id=learner.id,
                id_number=learner.id_number,
                course_id=course.id,
                approval_number=course.approval_number,
                level=course.level,
                certificate_number=UNCERTIFIED,
                issued_on=now.astimezone(SHANGHAI).date(),
                lesson_hours=hours,
                rate=rate,
                amount=amount_of(hours, rate),
            )
        )
    return found


def _wire(line: ClaimLine) -> dict[str, object]:
    return {
        "id_number": line.id_number,
        "course_id": line.course_id,
        "approval_number": line.approval_number,
        "level": line.level,
        "certificate_number": line.certificate_number,
        "certificate_issued_on": line.issued_on.isoformat(),
        "lesson_hours": line.lesson_hours,
        "rate": str(line.rate),
        "amount": str(line.amount),
    }


def _row(quarter: str, line: ClaimLine) -> SubsidyClaimLine:
    return SubsidyClaimLine(
        quarter=quarter,
        learner_id=line.learner_id,
        id_number=line.id_number,
        course_id=line.course_id,
        approval_number=line.approval_number,
        level=line.level,
        certificate_number=line.certificate_number,
        certificate_issued_on=line.issued_on,
        lesson_hours=line.lesson_hours,
        rate=str(line.rate),
        amount=str(line.amount),
    )


def _credited_now(db: Session, cert: Certificate, defects: ActiveDefects) -> int:
    """The defect `claims_hours_credited_at_filing`: the learner's credited hours in the course
    when the claim is filed, hours studied after the certificate included."""
    rows = db.scalars(
        select(LessonProgress).where(
            LessonProgress.learner_id == cert.learner_id,
            LessonProgress.course_id == cert.course_id,
        )
    )
    return credited_hours(rows, defects)
