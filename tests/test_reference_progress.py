"""Progress and completion (COURSE-05): which lesson hours count, the level minimums, and the
learner's and the supervisor's views of them.

Completion needs 40-60 credited hours; watching them over HTTP would take minutes, so the
lesson rows are written straight into the platform's database and only read over HTTP.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from harness.catalogue import load_catalogue
from reference_platform.completion import COMPLETION_MINIMUM_HOURS
from reference_platform.defects import ActiveDefects
from reference_platform.models import Lesson, QuizAnswer, QuizQuestion
from reference_platform.study import lesson_progress
from tests.test_reference_study_support import LESSON_S, Learner, enrolled
from tests.test_reference_support import PlatformDriver, running_platform

COURSES = {
    "junior": ("crs-cook-junior-a", ("4-03-02-01", "junior")),
    "intermediate": ("crs-care-intermediate", ("4-10-01-05", "intermediate")),
    "senior": ("crs-elec-senior", ("6-31-01-03", "senior")),
}


def enrolled_in(platform: PlatformDriver, level: str) -> Learner:
    course, occupation = COURSES[level]
    person = platform.register()
    headers = platform.learner_headers(person)
    code = platform.province.issue_voucher(person.id_number, occupation)
    assert platform.enrol(headers, course, code).status_code == 201
    return Learner(person, headers)


def study(
    platform: PlatformDriver,
    learner: Learner,
    course: str,
    lessons: range,
    credited_s: float = LESSON_S,
    passed: bool = True,
) -> None:
    """Write the learner's standing in `lessons` (by seq) as heartbeats and captures would."""
    sessions = platform.client.app.state.platform.sessions  # type: ignore[attr-defined]
    with sessions() as db:
        rows = db.scalars(
            select(Lesson).where(Lesson.course_id == course, Lesson.seq.in_(list(lessons)))
        )
        for lesson in rows:
            row = lesson_progress(db, learner.learner_id, lesson, ActiveDefects())
            row.credited_s = row.furthest_position_s = credited_s
            row.passed_hours = [0] if passed else []
            row.captures_passed = 1 if passed else 0
            row.quiz_hours_done = [0]
            for question in db.scalars(
                select(QuizQuestion).where(QuizQuestion.lesson_id == lesson.id)
            ):  # every question answered right (EXAM-02 is tested in test_reference_quizzes)
                db.merge(
                    QuizAnswer(
                        learner_id=learner.learner_id,
                        question_id=question.id,
                        course_id=course,
                        lesson_id=lesson.id,
                        hour_index=question.hour_index,
                        number=question.number,
                        option=question.correct_option,
                        correct=True,
                        answered_at=dt.datetime.now(dt.UTC),
                    )
                )
        db.commit()


def my_progress(platform: PlatformDriver, learner: Learner, course: str) -> dict:
    answer = platform.client.get(
        "/api/v1/me/progress", params={"course_id": course}, headers=learner.headers
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_the_level_minimums_are_the_catalogues() -> None:
    params = load_catalogue().get("COURSE-05").params
    assert params["min_credited_hours"] == COMPLETION_MINIMUM_HOURS


@pytest.mark.parametrize("level", sorted(COURSES))
def test_a_course_is_completed_exactly_at_the_level_minimum(tmp_path: Path, level: str) -> None:
    minimum = COMPLETION_MINIMUM_HOURS[level]
    course = COURSES[level][0]
    with running_platform(tmp_path) as platform:
        learner = enrolled_in(platform, level)
        study(platform, learner, course, range(1, minimum))
        below = my_progress(platform, learner, course)
        assert (below["credited_hours"], below["required_hours"], below["completed"]) == (
            minimum - 1,
            minimum,
            False,
        )
        study(platform, learner, course, range(minimum, minimum + 1))
        at_minimum = my_progress(platform, learner, course)
        assert (at_minimum["credited_hours"], at_minimum["completed"]) == (minimum, True)
        [supervised] = platform.supervise("course-progress", learner_id=learner.learner_id)
        assert supervised == {
            "learner_id": learner.learner_id,
            "course_id": course,
            "level": level,
            "credited_hours": minimum,
            "required_hours": minimum,
            "completed": True,
        }


def test_an_hour_counts_only_fully_watched_and_with_a_passed_capture(tmp_path: Path) -> None:
    course = COURSES["junior"][0]
    with running_platform(tmp_path) as platform:
        learner = enrolled_in(platform, "junior")
        study(platform, learner, course, range(1, 2))
        study(platform, learner, course, range(2, 3), credited_s=LESSON_S - 1)
        study(platform, learner, course, range(3, 4), passed=False)
        progress = my_progress(platform, learner, course)
        assert progress["credited_hours"] == 1
        lessons = progress["lessons"]
        assert [lesson["seq"] for lesson in lessons] == list(range(1, 81))
        assert [lesson["hour_credited"] for lesson in lessons[:4]] == [True, False, False, False]
        assert lessons[3] == {
            "lesson_id": f"{course}-l004",
            "seq": 4,
            "lesson_hours": 1,
            "duration_s": LESSON_S,
            "credited_s": 0.0,
            "furthest_position_s": 0.0,
            "captures_passed": 0,
            "hour_credited": False,
        }
        rows = platform.supervise("progress", learner_id=learner.learner_id, course_id=course)
        assert [(r["seq"], r["hour_credited"]) for r in rows] == [(1, True), (2, False), (3, False)]
        assert {r["learner_id"] for r in rows} == {learner.learner_id}
        other = platform.supervise("progress", learner_id=learner.learner_id, course_id="x")
        assert other == []


def test_progress_needs_a_known_course_and_an_enrolment(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)

        def ask(course: str) -> tuple[int, str]:
            answer = platform.client.get(
                "/api/v1/me/progress", params={"course_id": course}, headers=learner.headers
            )
            return answer.status_code, answer.json().get("detail", "")

        assert ask("no-such-course") == (404, "Course not found")
        assert ask("crs-cook-junior-b") == (403, "Not enrolled in the course")
        missing = platform.client.get("/api/v1/me/progress", headers=learner.headers)
        assert missing.status_code == 422
        assert platform.client.get("/api/v1/me/progress?course_id=x").status_code == 401


def test_course_progress_lists_every_enrolment_once(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        junior, senior = enrolled_in(platform, "junior"), enrolled_in(platform, "senior")
        code = platform.province.issue_voucher(junior.person.id_number)
        assert platform.enrol(junior.headers, "crs-cook-junior-b", code).status_code == 201
        study(platform, senior, COURSES["senior"][0], range(1, 4))
        rows = platform.supervise("course-progress")
        mine = [(r["learner_id"], r["course_id"], r["credited_hours"]) for r in rows]
        assert (junior.learner_id, "crs-cook-junior-a", 0) in mine
        assert (junior.learner_id, "crs-cook-junior-b", 0) in mine
        assert (senior.learner_id, "crs-elec-senior", 3) in mine
        assert len(mine) == len(set(mine)) == 3


def test_learning_integrity_views_need_a_supervisor(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        for path in ("progress", "course-progress", "playbacks", "captures", "captures/x/image"):
            url = f"/api/v1/supervision/{path}"
            assert platform.client.get(url).status_code == 401
            assert platform.client.get(url, headers=learner.headers).status_code == 401
        heartbeats = platform.client.get(
            "/api/v1/supervision/heartbeats", headers=platform.supervisor_headers()
        )
        assert heartbeats.status_code == 422, "one playback at a time: there may be millions"
        assert platform.supervise("heartbeats", playback_id="pbk_unknown") == []
