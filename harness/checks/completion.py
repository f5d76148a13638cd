"""COURSE-05 — completion needs the level's minimum of credited lesson hours, for every level."""

from __future__ import annotations

from typing import Any

from harness.catalogue import load_catalogue
from harness.checks._support import (
    course_progress,
    lesson_progress,
    offered_courses,
    study,
    study_setup,
)
from harness.failures import CannotJudge, CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios import spaces
from harness.scenarios.lockstep import LevelStudy, study_in_lockstep
from harness.spec.courses import CourseOut


def _course_per_level(probe: Probe, minimum: dict[str, int]) -> dict[str, CourseOut]:
    """One approved course of every level the platform offers (the first by id, so the choice
    is the same on every run)."""
    offered = sorted(offered_courses(probe.platform), key=lambda c: c.course_id)
    chosen: dict[str, CourseOut] = {}
    for level in spaces.LEVELS:
        course = next((c for c in offered if c.level == level and c.approval), None)
        if course is not None and level in minimum:
            chosen[level] = course
    return chosen


@check("COURSE-05")
def completion_needs_the_level_minimum_of_credited_hours(probe: Probe) -> None:
    """A learner one credited hour short of the level minimum has not completed; the minimum
    completes the course — for every level, judged from the supervision view's course progress
    (`credited_hours` and `completed`, not only credited seconds).

    Space:
    - level: every level of the catalogue (junior 60, intermediate 50, senior 40) that the
      platform offers an approved course of; one fresh learner per level, studied side by side;
    - credited hours: the minimum − 1 (not completed, `credited_hours` below the minimum) and
      the minimum (completed);
    - derived value: the minimum-th hour first watched to its end with a failed capture (another
      person's face): a watched hour without a passed capture must not count toward completion
      (STUDY-02's rule, one level further), then a genuine capture completes the course;
    - derived value, one level further (POST-02): no certificate of the course listed at the
      minimum − 1 nor with the failed capture, exactly one listed once the course is completed
      (the listing issues what a pass has earned, so a platform issuing lazily is judged too).
    Time: the clock is advanced once per lesson step for all learners, who study in threads, so
    150 lesson hours take seconds, not 112 hours."""
    minimum: dict[str, int] = load_catalogue().get("COURSE-05").params["min_credited_hours"]
    courses = _course_per_level(probe, minimum)
    if not courses:
        raise CannotJudge("no approved course of a known level is offered")
    studies = [
        LevelStudy(level, minimum[level], study_setup(probe, course=course))
        for level, course in courses.items()
    ]
    study_in_lockstep(probe, studies, open_lesson=lambda s, index: study(probe, s.enrolled, index))
    report: dict[str, Any] = {
        "levels_offered": sorted(courses),
        "levels_not_offered": [lv for lv in spaces.LEVELS if lv not in courses],
        "by_level": {s.level: s.observed() for s in studies},
        # a platform whose tokens expire at a fixed time: the journeys signed in again
        "signed_in_again": {s.level: s.enrolled.sign_ins for s in studies},
    }
    probe.evidence.attach_json("completion", report)
    problems = [problem for s in studies for problem in s.problems()]
    if problems:
        raise CheckFailure(
            "Completion does not follow the level minimum of credited hours",
            received=problems,
            expected={
                s.level: f"not completed at {s.required - 1} h or with the {s.required}th hour's "
                f"capture failed; completed at {s.required} h"
                for s in studies
            },
        )
    probe.evidence.note(
        "; ".join(
            f"{s.level}: not completed at {s.required - 1} h nor with a failed capture, "
            f"completed at {s.required} h"
            for s in studies
        )
    )


SHORT_BY_S = 60.0  # COURSE-05: how far before the lesson's end the first look stops


@check("COURSE-05")
def lesson_hour_counts_only_when_fully_watched(probe: Probe) -> None:
    """A lesson hour whose capture passed but whose last minute was not watched is not a
    credited hour, nor counted toward the course; watching the rest credits it.

    Space: the lesson watched to its end minus 60 s (the capture point is at most 90 % of the
    hour, so its capture is issued and passed), then to its end; judged on the lesson's
    `hour_credited` and the course's `credited_hours` in the supervision view."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    duration = float(session.lesson.duration_s)
    session.watch(duration - SHORT_BY_S)
    session.settle_capture()
    short = lesson_progress(probe, enrolled, session.lesson.lesson_id)
    short_course = course_progress(probe, enrolled)
    session.watch_to_end()
    session.settle_capture()
    full = lesson_progress(probe, enrolled, session.lesson.lesson_id)
    full_course = course_progress(probe, enrolled)
    observed = {
        f"{SHORT_BY_S:g} s short": {
            "lesson": short.model_dump(mode="json") if short else None,
            "course": short_course.model_dump(mode="json") if short_course else None,
        },
        "watched to the end": {
            "lesson": full.model_dump(mode="json") if full else None,
            "course": full_course.model_dump(mode="json") if full_course else None,
        },
    }
    probe.evidence.attach_json("fully-watched", {"journal": session.sent, **observed})
    if short is None or full is None:
        raise CannotProbe("fully watched", "the supervision view shows no progress for the lesson")
    if short.captures_passed < 1:
        raise CannotProbe("fully watched", "no capture passed before the lesson's last minute")
    problems = []
    if short.hour_credited or (short_course is not None and short_course.credited_hours):
        problems.append(f"an hour {SHORT_BY_S:g} s short of its end was credited or counted")
    if not full.hour_credited or full_course is None or full_course.credited_hours < 1:
        problems.append("the fully watched hour with a passed capture was not credited")
    if problems:
        raise CheckFailure(
            "A lesson hour counts before its content is fully watched",
            received={"problems": problems, **observed},
            expected="not credited until fully watched; credited then",
        )
    probe.evidence.note(
        f"{SHORT_BY_S:g} s short: not credited; watched to the end: credited and counted"
    )
