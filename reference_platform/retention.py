"""Retention of learners' records (POST-05): kept at least 3 years after the end of training.

The end of a learner's training is the latest moment any of their records was made — registered,
signed in, liveness-checked, enrolled, a lesson opened, a heartbeat, a capture issued or answered
(the same timestamps the supervision views show, so the rule can be judged from outside). The
records may be deleted from `kept_until` = the end of training plus `RETENTION_YEARS` calendar
years in Asia/Shanghai; a 29 February end is kept until 1 March (at least 3 years, never a day
short). Earlier deletion is refused; a deletion is logged (`RecordDeletion`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from fastapi import HTTPException, status
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from reference_platform.defects import ActiveDefects
from reference_platform.models import (
    CaptureChallenge,
    Certificate,
    CompletionReport,
    Enrolment,
    Heartbeat,
    Learner,
    LessonProgress,
    LivenessEvent,
    Login,
    Playback,
    QuizAnswer,
    RecordDeletion,
    StudyEvent,
)
from reference_platform.throttling import clear_failures, learner_key

RETENTION_YEARS = 3
CHINA = ZoneInfo("Asia/Shanghai")


def add_years(moment: dt.datetime, years: int, leap_day_to: tuple[int, int]) -> dt.datetime:
    """`moment` plus calendar years in Shanghai; a 29 February becomes `leap_day_to` (month,
    day) of a common year: 1 March under the policy's rule (`RetentionRule`)."""
    local = moment.astimezone(CHINA)
    try:
        return local.replace(year=local.year + years)
    except ValueError:  # 29 February into a common year
        month, day = leap_day_to
        return local.replace(year=local.year + years, month=month, day=day)


def end_of_training(db: Session, learner: Learner) -> dt.datetime:
    """The latest timestamp of the learner's records."""
    playbacks = select(Playback.id).where(Playback.learner_id == learner.id)
    candidates = [
        select(func.max(Login.started_at)).where(Login.learner_id == learner.id),
        select(func.max(LivenessEvent.at)).where(LivenessEvent.learner_id == learner.id),
        select(func.max(Enrolment.enrolled_at)).where(Enrolment.learner_id == learner.id),
        select(func.max(Playback.opened_at)).where(Playback.learner_id == learner.id),
        select(func.max(Heartbeat.at)).where(Heartbeat.playback_id.in_(playbacks)),
        select(func.max(CaptureChallenge.issued_at)).where(
            CaptureChallenge.learner_id == learner.id
        ),
        select(func.max(CaptureChallenge.answered_at)).where(
            CaptureChallenge.learner_id == learner.id
        ),
    ]
    moments = [learner.registered_at] + [db.scalar(query) for query in candidates]
    return max(_aware(m) for m in moments if m is not None)


@dataclass(frozen=True)
class RetentionRule:
    """How long records are kept: `years` calendar years, a 29 February ending on `leap_day_to`
    (month, day) of a common year. The defaults are the policy's; defects swap one."""

    years: int = RETENTION_YEARS
    leap_day_to: tuple[int, int] = (3, 1)


def may_delete_records(account_kind: str, defects: ActiveDefects) -> bool:
    """Only the HR authority deletes: the auditor reads the deletion log (it audits deletions,
    it does not make them); the defect lets it delete too, the log's rule copied."""
    if defects.active("auditor_may_delete_records"):
        return account_kind in ("authority", "auditor")
    return account_kind == "authority"


def retention_rule(defects: ActiveDefects) -> RetentionRule:
    rule = RetentionRule()
    if defects.active("deletes_after_one_year"):
        rule = replace(rule, years=1)
    if defects.active("retention_leap_day_ends_28_february"):
        rule = replace(rule, leap_day_to=(2, 28))
    return rule


def delete_learner_records(
    db: Session,
    learner: Learner,
    now: dt.datetime,
    by: str,
    rule: RetentionRule,
) -> RecordDeletion:
    """Delete every record of the learner once the retention period is over; 409 before."""
    end = end_of_training(db, learner)
    until = add_years(end, rule.years, rule.leap_day_to)
    if now < until:
        raise HTTPException(status.HTTP_409_CONFLICT, f"Records are kept until {until.isoformat()}")
    playbacks = select(Playback.id).where(Playback.learner_id == learner.id)
    db.execute(delete(Heartbeat).where(Heartbeat.playback_id.in_(playbacks)))
    # Children before parents: captures point at playbacks and progress, playbacks at logins,
    # enrolments and progress; quiz answers, certificates and completion reports at the learner.
    children_first = (
        CaptureChallenge,
        Playback,
        LessonProgress,
        QuizAnswer,
        CompletionReport,
        Certificate,
        Enrolment,
        LivenessEvent,
        Login,
        StudyEvent,  # the supervision stream's log (STUDY-09) names the learner too
    )
    for table in children_first:
        db.execute(delete(table).where(table.learner_id == learner.id))
    entry = RecordDeletion(
        learner_id=learner.id, end_of_training=end, kept_until=until, deleted_at=now, deleted_by=by
    )
    db.add(entry)
    clear_failures(db, learner_key(learner.id_number))  # the throttle keys hold the ID number
    db.delete(learner)
    db.commit()
    return entry


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
