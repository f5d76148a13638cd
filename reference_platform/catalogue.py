"""The course catalogue: what the platform teaches, and keeping it approved by the province.

Only a course the province's registry approved may be offered (COURSE-01), so seeding is followed by
an application for every course that has none. The province may be down when the platform starts;
then the applications are retried lazily, at most every few seconds, when someone asks for courses.
Applying only then, never at start-up, is compliant too (the alternative
`applies_for_approval_lazily`): what matters is that only approved courses are offered. An approval
the province revoked ends the offer, and one valid again renews it: the approvals are looked up
again at most every `REVIEW_INTERVAL_S` seconds, when someone asks for or enrols in courses
(`approval_status` is the rule).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from reference_platform.alternatives import ChosenAlternatives
from reference_platform.defects import ActiveDefects
from reference_platform.exams import seed_questions
from reference_platform.models import Course, Lesson, QuizQuestion
from reference_platform.province_client import ProvinceClient, ProvinceUnavailable
from reference_platform.quizzes import DEFAULT_RULES

log = logging.getLogger(__name__)

LESSON_SECONDS = 45 * 60  # one lesson hour
SHORT_COURSE_ID = "crs-cook-junior-a"  # the course `short_course_content` cuts short
# The course whose last lesson spans several lesson hours (STUDY-01: a capture in each hour of
# one lesson); it still declares and holds 80 lesson hours, in 79 lessons.
LONG_LESSON_COURSE_ID, LONG_LESSON_HOURS = "crs-cook-junior-b", 2
STANDARDLESS_COURSE_ID = "crs-elec-senior"  # the course `course_without_standard` hides
FAKE_APPROVAL_NUMBER = "SXJD-2026-9999"  # never issued by the province


@dataclass(frozen=True)
class CourseDefinition:
    course_id: str
    title: str
    occupation_code: str  # national code; corrected from the province's list when it differs
    occupation_name: str
    level: str
    standard: str
    lesson_hours: int
    topics: tuple[str, ...]


COOK_STANDARD = "《中式烹调师国家职业技能标准（2018年版）》"
COOK_TOPICS = (
    "职业道德与食品安全",
    "烹饪原料知识",
    "刀工技术",
    "火候与调味",
    "冷菜制作",
    "热菜制作",
)
CATALOGUE = (
    CourseDefinition(
        "crs-cook-junior-a", "中式烹调师（初级）A", "4-03-02-01", "中式烹调师", "junior",
        COOK_STANDARD, 80, COOK_TOPICS,
    ),
    CourseDefinition(
        "crs-cook-junior-b", "中式烹调师（初级）B", "4-03-02-01", "中式烹调师", "junior",
        COOK_STANDARD, 80, COOK_TOPICS,
    ),
    CourseDefinition(
        "crs-care-intermediate", "养老护理员（中级）", "4-10-01-05", "养老护理员", "intermediate",
        "《养老护理员国家职业技能标准（2019年版）》", 70,
        ("职业道德与法规", "生活照护", "基础照护", "康复服务", "心理支持", "安全防护"),
    ),
    CourseDefinition(
        "crs-elec-senior", "电工（高级）", "6-31-01-03", "电工", "senior",
        "《电工国家职业技能标准（2018年版）》", 60,
        ("电工安全规程", "电子技术", "变配电设备", "电力拖动与控制", "PLC 应用", "故障诊断"),
    ),
    # Applied for and refused by the province (40 h, under the senior minimum of 60): never
    # offered, so a platform's enrolment must refuse it too (COURSE-01 tries its id).
    CourseDefinition(
        "crs-elec-senior-short", "电工（高级）短训班", "6-31-01-03", "电工", "senior",
        "《电工国家职业技能标准（2018年版）》", 40,
        ("电工安全规程", "变配电设备", "PLC 应用"),
    ),
)  # fmt: skip
# The training institutions that run the courses (what an institution supervisor sees).
COOKING_SCHOOL, CARE_AND_TRADES_SCHOOL = "INST-001", "INST-002"
COURSE_INSTITUTIONS = {
    "crs-cook-junior-a": COOKING_SCHOOL,
    "crs-cook-junior-b": COOKING_SCHOOL,
    "crs-cook-junior-x": COOKING_SCHOOL,
    "crs-care-intermediate": CARE_AND_TRADES_SCHOOL,
    "crs-elec-senior": CARE_AND_TRADES_SCHOOL,
    "crs-elec-senior-short": CARE_AND_TRADES_SCHOOL,
}
UNAPPROVED_COURSE = CourseDefinition(
    "crs-cook-junior-x", "中式烹调师（初级）速成班", "4-03-02-01", "中式烹调师", "junior",
    COOK_STANDARD, 80, COOK_TOPICS,
)  # fmt: skip


def lesson_plan(definition: CourseDefinition, defects: ActiveDefects) -> list[int]:
    """The lesson hours of each lesson, in order: the content must cover what the course
    declares. One lesson per lesson hour, except that the long-lesson course ends with one
    lesson of LONG_LESSON_HOURS (so that a capture in each hour of a lesson is exercised)."""
    hours = definition.lesson_hours
    if definition.course_id == SHORT_COURSE_ID and defects.active("short_course_content"):
        hours -= 1
    if definition.course_id == LONG_LESSON_COURSE_ID:
        return [1] * (hours - LONG_LESSON_HOURS) + [LONG_LESSON_HOURS]
    return [1] * hours


def seed(session: Session, defects: ActiveDefects) -> None:
    """Make the stored catalogue match the definitions; safe to run on every start."""
    definitions = list(CATALOGUE)
    if defects.active("offers_unapproved_course"):
        definitions.append(UNAPPROVED_COURSE)
    defined_ids = {definition.course_id for definition in definitions}
    for definition in definitions:
        course = session.get(Course, definition.course_id)
        if course is None:
            course = Course(
                id=definition.course_id,
                title=definition.title,
                occupation_code=definition.occupation_code,
                occupation_name=definition.occupation_name,
                level=definition.level,
                standard=definition.standard,
                lesson_hours=definition.lesson_hours,
            )
            session.add(course)
        course.withdrawn = False
        course.institution_id = COURSE_INSTITUTIONS[definition.course_id]
        if definition is UNAPPROVED_COURSE:
            course.application_status = "approved"  # nobody applied: the number is made up
            course.approval_number = FAKE_APPROVAL_NUMBER
            course.approved_on = dt.date(2026, 1, 5)
        _seed_lessons(session, definition, lesson_plan(definition, defects))
    for course in session.scalars(select(Course).where(Course.id.not_in(defined_ids))):
        course.withdrawn = True
    session.flush()
    seed_questions(session, DEFAULT_RULES)
    session.commit()


def _seed_lessons(session: Session, definition: CourseDefinition, plan: list[int]) -> None:
    count = len(plan)
    existing = {
        lesson.seq: lesson
        for lesson in session.scalars(
            select(Lesson).where(Lesson.course_id == definition.course_id)
        )
    }
    for seq, hours in enumerate(plan, start=1):
        lesson = existing.get(seq)
        if lesson is None:
            topic = definition.topics[(seq - 1) % len(definition.topics)]
            lesson = Lesson(
                id=f"{definition.course_id}-l{seq:03d}",
                course_id=definition.course_id,
                seq=seq,
                title=f"第{seq}课 {topic}",
            )
            session.add(lesson)
        lesson.duration_s, lesson.lesson_hours = LESSON_SECONDS * hours, hours
    session.execute(
        delete(QuizQuestion).where(
            QuizQuestion.course_id == definition.course_id, QuizQuestion.lesson_seq > count
        )
    )
    session.execute(
        delete(Lesson).where(Lesson.course_id == definition.course_id, Lesson.seq > count)
    )


def approval_status(current: str | None, registry_status: str) -> str | None:
    """The course's application status once the registry's answer is known: a revoked approval
    withdraws the offer at once (COURSE-01: only courses with a valid approval are offered), a
    valid one renews an offer withdrawn for revocation; any other status (none for a seeded
    number nobody applied for) stays."""
    if registry_status == "revoked":
        return "revoked"
    if registry_status == "valid" and current == "revoked":
        return "approved"
    return current


class ApprovalSync:
    """Applies for approval of every course that has never had an answer from the province."""

    # While the province is unavailable, retry after 0.25 s, doubling up to 5 s: a platform started
    # before its province is ready a moment after the province is, yet never floods it.
    FIRST_RETRY_S = 0.25
    RETRY_INTERVAL_S = 5.0
    # How stale an approval's status may be (revocations): within the profile's real-time
    # bound (docs/interface.md: `realtime_seconds`, 10 s by default), looked up when courses are
    # listed or enrolled in.
    REVIEW_INTERVAL_S = 2.0

    def __init__(
        self,
        sessions: sessionmaker[Session],
        province: ProvinceClient,
        defects: ActiveDefects | None = None,
    ) -> None:
        self._sessions = sessions
        self._province = province
        self._defects = defects or ActiveDefects()
        self._lock = threading.Lock()
        self._pending = True
        self._last_attempt = -float("inf")
        self._failures = 0
        self._last_review = time.monotonic()  # the applications have just been answered

    def at_start(self, alternatives: ChosenAlternatives) -> None:
        """Apply now (once; the default), or leave it to the first course request."""
        if not alternatives.chosen("applies_for_approval_lazily"):
            self.sync_if_due()

    def sync_if_due(self) -> None:
        """Cheap when nothing is pending; never raises for a province outage."""
        self._apply_if_due()
        self.review_if_due()

    def review_if_due(self) -> None:
        """Withdraw the offer of every course whose approval the province revoked, and offer
        again one whose approval is valid again; looked up at most every REVIEW_INTERVAL_S. An
        unknown number or an unavailable province changes nothing (the look-up is retried at
        the next review). The `approvals_checked_only_at_start` defect never looks again."""
        if self._defects.active("approvals_checked_only_at_start"):
            return
        if time.monotonic() - self._last_review < self.REVIEW_INTERVAL_S:
            return
        if not self._lock.acquire(blocking=False):
            return
        try:
            self._last_review = time.monotonic()
            with self._sessions() as session:
                approved = session.scalars(
                    select(Course).where(
                        Course.withdrawn.is_(False), Course.approval_number.is_not(None)
                    )
                ).all()
                for course in approved:
                    record = self._province.approval(course.approval_number or "")
                    if record is None:
                        continue
                    status = approval_status(course.application_status, record.status)
                    if status != course.application_status:
                        log.warning("approval %s %s: %s", record.number, record.status, course.id)
                        course.application_status = status
                session.commit()
        except ProvinceUnavailable:
            log.warning("approval review postponed: the province is unavailable")
        finally:
            self._lock.release()

    def _apply_if_due(self) -> None:
        wait_s = min(self.FIRST_RETRY_S * 2 ** max(self._failures - 1, 0), self.RETRY_INTERVAL_S)
        if not self._pending or time.monotonic() - self._last_attempt < wait_s:
            return
        if not self._lock.acquire(blocking=False):
            return  # another request is syncing right now
        try:
            self._last_attempt = time.monotonic()
            self._pending = not self._sync()
            self._failures = self._failures + 1 if self._pending else 0
        finally:
            self._lock.release()

    def _sync(self) -> bool:
        """True when every course has an answer from the province."""
        with self._sessions() as session:
            courses = session.scalars(
                select(Course).where(
                    Course.withdrawn.is_(False), Course.application_status.is_(None)
                )
            ).all()
            if not courses:
                return True
            try:
                codes = {item.name: item.code for item in self._province.occupations()}
                for course in courses:
                    course.occupation_code = codes.get(
                        course.occupation_name, course.occupation_code
                    )
                    self._apply(course)
                    session.commit()
            except ProvinceUnavailable:
                log.warning("course approvals postponed: the province is unavailable")
                session.commit()
                return False
        return True

    def _apply(self, course: Course) -> None:
        answer = self._province.apply_for_course(
            {
                "platform_course_id": course.id,
                "title": course.title,
                "occupation_code": course.occupation_code,
                "level": course.level,
                "standard": course.standard,
                "lesson_hours": course.lesson_hours,
            }
        )
        course.application_status = answer.status
        course.application_reason = answer.reason
        if answer.status == "approved" and answer.approval_number:
            course.approval_number = answer.approval_number
            course.approved_on = answer.approved_on
        else:
            log.warning("course %s was not approved: %s", course.id, answer.reason)
