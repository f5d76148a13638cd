"""VOUCH-01 — study starts only through an enrolment (a redeemed voucher) in the lesson's course.

Enrolment checks the voucher; a platform that then lets a signed-in learner open any lesson, or
trusts the course a client names beside a lesson of another course, lets study start without a
voucher for it. The space probed (docs/interface.md, `POST /playbacks`, quiz answers):
- the learner: enrolled in course A (a voucher for it), not in course B; and a learner with no
  enrolment at all;
- the pair a client names: (B, a lesson of B), (A, a lesson of B), (B, a lesson of A), (A, a
  lesson id no course has), (a course id no platform has, a lesson of A: a 4xx, never a 5xx),
  and for the learner without enrolment (A, a lesson of A);
- the quiz: the list of course B's questions, and an answer to one of them (its id read by a
  learner enrolled in B);
- each must be refused with a 4xx, and nothing may be kept: no playback of the learner outside
  course A, no progress of any lesson of B, no answer of the learner to B's question;
- the honest side: (A, a lesson of A) opens for the enrolled learner.
"""

from __future__ import annotations

from typing import Any

from harness.api import Refused, attempt
from harness.checks._support import answer_text, offered_courses
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.study import enrolled_learner

PROBE = "study outside the learner's enrolment"
WINDOW = "window-enrolment-probe"
UNKNOWN_LESSON = "lesson-sxcert-never-offered"  # a lesson id no platform offers
UNKNOWN_COURSE = "course-sxcert-never-offered"  # a course id no platform offers


@check("VOUCH-01")
def study_needs_an_enrolment_in_the_lessons_course(probe: Probe) -> None:
    """A lesson opens, and a quiz answer counts, only for a learner enrolled in the lesson's own
    course: a lesson of another course, under either course's id, and any lesson for a learner
    without enrolment are refused (4xx) and keep nothing."""
    courses = [c for c in offered_courses(probe.platform) if c.occupation_code and c.level]
    if len(courses) < 2:
        raise CannotProbe(PROBE, "the platform offers fewer than two enrollable courses")
    course_a, course_b = courses[0], courses[1]
    enrolled = enrolled_learner(probe.learners, probe.platform, course_a)
    other = enrolled_learner(probe.learners, probe.platform, course_b)
    lessons_b = sorted(other.lessons, key=lambda lesson: lesson.seq)
    lessons_a = sorted(enrolled.lessons, key=lambda lesson: lesson.seq)
    if not lessons_a or not lessons_b:
        raise CannotProbe(PROBE, "a course has no lesson")
    questions_b = probe.platform.questions(other.token, course_b.course_id)
    unenrolled, unenrolled_login = probe.learners.logged_in()
    a1, b1 = lessons_a[0].lesson_id, lessons_b[0].lesson_id
    token = enrolled.token

    def opening(learner_token: str, course_id: str, lesson_id: str) -> Any:
        return attempt(
            lambda: probe.platform.open_playback(
                learner_token, course_id=course_id, lesson_id=lesson_id, window_id=WINDOW
            )
        )

    cases: dict[str, Any] = {
        f"open ({course_b.course_id}, {b1}), not enrolled in it": opening(
            token, course_b.course_id, b1
        ),
        f"open ({course_a.course_id}, {b1}): the enrolled course, another course's lesson": opening(
            token, course_a.course_id, b1
        ),
        f"open ({course_b.course_id}, {a1}): another course, the enrolled course's lesson": opening(
            token, course_b.course_id, a1
        ),
        f"open ({course_a.course_id}, {a1}) with no enrolment at all": opening(
            unenrolled_login.token, course_a.course_id, a1
        ),
        f"open ({course_a.course_id}, {UNKNOWN_LESSON}): the enrolled course, no such lesson": (
            opening(token, course_a.course_id, UNKNOWN_LESSON)
        ),
        f"open ({UNKNOWN_COURSE}, {a1}): no such course, the enrolled course's lesson": (
            opening(token, UNKNOWN_COURSE, a1)
        ),
    }
    cases[f"list the questions of {course_b.course_id}, not enrolled in it"] = attempt(
        lambda: probe.platform.questions(token, course_b.course_id)
    )
    if questions_b:
        question = questions_b[0]
        cases[f"answer question {question.question_id} of {course_b.course_id}"] = attempt(
            lambda: probe.platform.answer_question(
                token, question.question_id, question.options[0].key
            )
        )
    honest = opening(token, course_a.course_id, a1)
    learner_id = enrolled.learner.learner_id or ""
    playbacks = probe.supervisor.playbacks(learner_id)
    stray_playbacks = [
        p for p in playbacks if p.course_id != course_a.course_id or p.lesson_id != a1
    ]
    progress_b = [
        p
        for p in probe.supervisor.progress(learner_id)
        if p.course_id == course_b.course_id or p.lesson_id in {x.lesson_id for x in lessons_b}
    ]
    stray_progress = [p for p in progress_b if p.credited_s > 0 or p.furthest_position_s > 0]
    answers_b = [
        a for a in probe.supervisor.quiz_answers(learner_id) if a.course_id == course_b.course_id
    ]
    unenrolled_playbacks = probe.supervisor.playbacks(unenrolled.learner_id or "")
    observed = {
        "cases": {case: answer_text(outcome) for case, outcome in cases.items()},
        "honest_open": answer_text(honest),
        "playbacks_outside_enrolment": [p.model_dump(mode="json") for p in stray_playbacks],
        "progress_in_other_course": [p.model_dump(mode="json") for p in stray_progress],
        "answers_in_other_course": [a.model_dump(mode="json") for a in answers_b],
        "playbacks_of_learner_without_enrolment": [
            p.model_dump(mode="json") for p in unenrolled_playbacks
        ],
    }
    probe.evidence.attach_json("enrolled-study", observed)
    problems = [f"{case}: accepted" for case, o in cases.items() if not isinstance(o, Refused)]
    if stray_playbacks or unenrolled_playbacks:
        problems.append("playbacks outside an enrolment are kept")
    if stray_progress:
        problems.append(f"progress in {course_b.course_id}, where the learner is not enrolled")
    if answers_b:
        problems.append(f"quiz answers in {course_b.course_id} are kept")
    if problems:
        raise CheckFailure(
            "Study starts without an enrolment in the lesson's course",
            received=problems,
            expected="each refused with a 4xx; nothing kept outside the learner's enrolment",
        )
    if isinstance(honest, Refused):
        raise CannotProbe(PROBE, f"the enrolled lesson did not open: {answer_text(honest)}")
    probe.evidence.note(
        f"{len(cases)} attempts outside the enrolment refused, nothing kept; the enrolled "
        "course's lesson opens"
    )
