"""Online training certificates (POST-02, EXAM-02): who gets one, what it says, how it is checked.

What compliant means, for a vendor:

* A certificate is issued only for a pass (EXAM-02: the level's credited hours and a passing quiz
  accuracy), once per learner and course: passing again issues nothing new.
* It carries a unique, unguessable number, the learner's name and masked ID number (at most the
  first 6 and last 4 characters shown), occupation and level, credited lesson hours, the quiz
  score, the start (enrolment) and end (completion) dates, the issuing platform and the issue date.
* Its PDF carries a QR code of the public verification URL; verification reveals the certificate
  and nothing more.

Certificates are issued by `issue_due`, which every certificate read runs first (the learner's
list, the supervision list, verification): so a pass is certified, at the latest, the first time
anybody asks. The fields are frozen at issuance.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from reference_platform.completion import COMPLETION_MINIMUM_HOURS, credited_lessons
from reference_platform.completion_reports import deliver_pending, queue_report
from reference_platform.defects import ActiveDefects
from reference_platform.exams import learner_standing, quiz_score
from reference_platform.models import (
    Certificate,
    Course,
    Enrolment,
    Learner,
    LessonProgress,
    QuizAnswer,
)
from reference_platform.province_client import ProvinceClient
from reference_platform.quizzes import QuizRules
from reference_platform.settings import PlatformSettings

CHINA = ZoneInfo("Asia/Shanghai")
PLATFORM_NAME = "sxcert 参考培训平台"
LEVEL_NAMES = {"junior": "初级", "intermediate": "中级", "senior": "高级"}


def level_name(level: str, defects: ActiveDefects) -> str:
    """The level's Chinese name, as the certificate prints it beside its code."""
    if defects.active("certificate_prints_intermediate_as_junior") and level == "intermediate":
        return LEVEL_NAMES["junior"]  # the slip: the table's intermediate entry copied from junior
    return LEVEL_NAMES.get(level, level)


def mask_id_number(id_number: str) -> str:
    """The first 6 (region) and last 4 characters; the birth date and sequence hidden."""
    return id_number[:6] + "*" * max(0, len(id_number) - 10) + id_number[-4:]


def score_percent(correct: int, questions: int) -> str:
    """The accuracy in percent to two decimals, rounded half up ("60.00")."""
    if questions == 0:
        return "0.00"
    value = Decimal(100 * correct) / Decimal(questions)
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def new_number(today: dt.date) -> str:
    return f"SXOT{today:%Y%m%d}{secrets.token_hex(5).upper()}"


def issue_due(
    db: Session,
    now: dt.datetime,
    platform_id: str,
    rules: QuizRules,
    defects: ActiveDefects,
    learner_id: str | None = None,
) -> None:
    """Issue the certificates passes have earned and nobody has been given yet."""
    enrolments = select(Enrolment, Course, Learner).join(Course).join(Learner)
    if learner_id is not None:
        enrolments = enrolments.where(Enrolment.learner_id == learner_id)
    held: dict[tuple[str, str], list[Certificate]] = {}
    existing = select(Certificate)
    if learner_id is not None:
        existing = existing.where(Certificate.learner_id == learner_id)
    for cert in db.scalars(existing):
        held.setdefault((cert.learner_id, cert.course_id), []).append(cert)
    today = now.astimezone(CHINA).date()
    # The training's dates are Shanghai dates (docs/interface.md); the defect: the server's UTC
    zone = dt.UTC if defects.active("certificate_dates_by_utc") else CHINA
    issued = False
    for enrolment, course, learner in db.execute(enrolments):
        mine = held.get((learner.id, course.id), [])
        rows = list(
            db.scalars(
                select(LessonProgress).where(
                    LessonProgress.learner_id == learner.id,
                    LessonProgress.course_id == course.id,
                )
            )
        )
        level = course.level
        if defects.active("certificate_at_the_lowest_level_minimum"):
            # The slip: one minimum for every level, the smallest (senior's 40 h).
            level = min(COMPLETION_MINIMUM_HOURS, key=COMPLETION_MINIMUM_HOURS.__getitem__)
        standing = learner_standing(db, learner.id, course.id, level, rows, rules, defects)
        hours_only = defects.active("certificate_for_failing_learner")
        if not (
            standing.completed
            or (hours_only and standing.credited_hours >= standing.required_hours)
        ):
            continue
        if mine and not (
            defects.active("issues_certificate_twice")
            and max(c.lesson_hours for c in mine) < standing.credited_hours
        ):
            continue
        correct, questions = quiz_score(
            db, learner.id, course.id, credited_lessons(rows, defects), defects
        )
        if defects.active("certificate_scores_every_answer"):
            correct, questions = _every_answer(db, learner.id, course.id)
        cert = Certificate(
            number=new_number(today),
            learner_id=learner.id,
            course_id=course.id,
            issue_round=len(mine) + 1,
            name=learner.name,
            id_number_masked=mask_id_number(learner.id_number),
            occupation_code=course.occupation_code,
            occupation_name=course.occupation_name,
            level=course.level,
            lesson_hours=standing.credited_hours,
            score=score_percent(correct, questions),
            started_on=enrolment.enrolled_at.astimezone(zone).date(),
            finished_on=now.astimezone(zone).date(),
            platform_id=platform_id,
            platform_name=PLATFORM_NAME,
            issued_on=today,
        )
        db.add(cert)
        queue_report(db, cert, now, defects, round_=len(mine) + 1)
        issued = True
    if issued:
        db.commit()


def verification_url(base_url: str, number: str, defects: ActiveDefects) -> str:
    """What the certificate's QR code holds: the public verification URL of this number."""
    if defects.active("certificate_qr_points_elsewhere"):
        return f"{base_url.rstrip('/')}/api/v1/health"
    return f"{base_url.rstrip('/')}/api/v1/certificates/{number}"


def sweep(
    db: Session,
    now: dt.datetime,
    settings: PlatformSettings,
    defects: ActiveDefects,
    province: ProvinceClient,
    learner_id: str | None = None,
) -> None:
    """Issue what passes have earned, then send the completion reports not yet acknowledged."""
    issue_due(db, now, settings.platform_id, settings.quiz_rules, defects, learner_id)
    deliver_pending(db, province, now, defects)


def _every_answer(db: Session, learner_id: str, course_id: str) -> tuple[int, int]:
    """The defect `certificate_scores_every_answer`: right answers over every answer the learner
    gave in the course, answers of hours never credited included (the score is over the
    credited hours' questions)."""
    answers = list(
        db.scalars(
            select(QuizAnswer.correct).where(
                QuizAnswer.learner_id == learner_id, QuizAnswer.course_id == course_id
            )
        )
    )
    return sum(1 for right in answers if right), len(answers)
