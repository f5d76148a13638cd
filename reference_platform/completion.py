"""When a lesson hour counts, and when a course is completed (STUDY-02, COURSE-05).

What compliant means, for a vendor: a lesson counts only when fully watched by the server's
measure and every one of its lesson hours has a passed capture (STUDY-02); a course is completed
only at the level minimum of credited lesson hours, 60 (junior), 50 (intermediate) or 40 (senior)
(COURSE-05), never one hour less, and only with a passing quiz accuracy (EXAM-02, `quizzes.py`).

The level minimums live here and nowhere else, so the learner's progress, the supervision views
and any later export all give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reference_platform.defects import ActiveDefects
from reference_platform.models import LessonProgress

# 晋人社厅发〔2021〕31号 二(三): credited lesson hours a learner needs, by level.
COMPLETION_MINIMUM_HOURS: dict[str, int] = {"junior": 60, "intermediate": 50, "senior": 40}


def required_hours(level: str) -> int:
    return COMPLETION_MINIMUM_HOURS[level]


def lesson_credited(progress: LessonProgress, defects: ActiveDefects) -> bool:
    """Fully watched, and every hour of the lesson has a passed capture."""
    watched = progress.credited_s >= progress.duration_s
    if defects.active("credits_hour_a_minute_short"):
        watched = progress.credited_s >= progress.duration_s - 60  # "the credits roll"
    if defects.active("credits_hour_a_heartbeat_short"):  # "the last report may come early"
        watched = progress.credited_s >= progress.duration_s - 30
    if defects.active("credits_hour_without_capture"):
        return watched
    passed = set(progress.passed_hours)
    return watched and all(hour in passed for hour in range(progress.lesson_hours))


def credited_hours(rows: Iterable[LessonProgress], defects: ActiveDefects) -> int:
    return sum(row.lesson_hours for row in rows if lesson_credited(row, defects))


@dataclass(frozen=True)
class CourseStanding:
    credited_hours: int
    required_hours: int
    completed: bool


def course_standing(
    level: str, rows: Iterable[LessonProgress], defects: ActiveDefects, quiz_passed: bool
) -> CourseStanding:
    """The learner's credited hours in one course against the level minimum; completed only
    when, besides, the quiz accuracy passes (`quiz_passed`, EXAM-02, from `exams.quiz_passed`)."""
    hours, required = credited_hours(rows, defects), required_hours(level)
    threshold = required
    if defects.active("completion_below_level_minimum"):
        threshold = required - 1
    if defects.active("completion_minimum_short_below_senior") and level != "senior":
        threshold = required - 1  # a table typed as 59/49/40: right only where it was tested
    return CourseStanding(hours, required, hours >= threshold and quiz_passed)


def credited_lessons(rows: Iterable[LessonProgress], defects: ActiveDefects) -> set[str]:
    """The lessons whose hours are credited: the questions EXAM-02's accuracy is taken over."""
    return {row.lesson_id for row in rows if lesson_credited(row, defects)}
