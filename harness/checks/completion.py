"""COURSE-05 — completion needs the level's minimum of credited lesson hours, for every level."""

from __future__ import annotations

import math
from typing import Any

from harness.api import Refused
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
from harness.scenarios.study import Enrolled
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


LAST_SECOND_S = 1.0  # the last look: the lesson's last second unwatched
SHORT_BY_S = 60.0  # COURSE-05: how far before the lesson's end the first look stops
# The running-ahead player: each heartbeat one interval after the last reports this share of the
# seek bound's slack (elapsed + one interval) ahead — under the bound, so never a seek, yet almost
# twice as much content as clock: the clock's time is credited, the content is not watched.
AHEAD_SHARE = 0.95
FURTHEST_SLACK_S = 1.0  # the furthest point of a lesson studied once from 0 is its credit


def _ran_ahead_to_the_end(probe: Probe, enrolled: Enrolled) -> dict[str, Any]:
    """The learner's second lesson, its player running ahead of the clock (rate 1, as a player
    with a doctored clock reports): each heartbeat one interval after the last, its position
    AHEAD_SHARE of the seek bound's slack beyond its own previous report, never snapping back,
    until it reports the lesson's end (about half the lesson's clock); captures answered live,
    quizzes answered when due. What the supervision view shows then."""
    session = study(probe, enrolled, 1)
    duration = float(session.lesson.duration_s)
    stride = AHEAD_SHARE * 2 * session.interval
    reported = 0.0
    for _ in range(math.ceil(duration / stride) + 1):
        if reported >= duration - 1e-6:
            break
        session.wait(session.interval)
        reported = min(duration, reported + stride)
        if isinstance(session.beat(reported), Refused):
            break
        if session.open_challenge is not None:
            session.answer("live")
    session.settle_capture()
    row = lesson_progress(probe, enrolled, session.lesson.lesson_id)
    return {
        "stride_s": stride,
        "interval_s": session.interval,
        "reported_s": reported,
        "clock_s": session.elapsed_since_open(),
        "lesson": row.model_dump(mode="json") if row else None,
        "course": (c.model_dump(mode="json") if (c := course_progress(probe, enrolled)) else None),
        "journal": session.sent,
    }


@check("COURSE-05")
def lesson_hour_counts_only_when_fully_watched(probe: Probe) -> None:
    """A lesson hour whose capture passed but whose content was not all watched is not a
    credited hour, nor counted toward the course; watching the rest credits it.

    Space: the lesson watched to its end minus 60 s (the capture point is at most 90 % of the hour,
    so its capture is issued and passed), then (since stop 47) to its end minus LAST_SECOND_S — the
    other side of the boundary: a platform allowing one heartbeat interval of slack before the end
    ("the last report may come early") counts it — then to its end; and a second lesson whose player
    runs ahead of the clock to its end (each heartbeat one interval after the last, AHEAD_SHARE of
    the seek bound's slack beyond its own previous report: the first is inside the bound, and on a
    platform whose furthest point follows the report every one is, so its end is reported in about
    half the lesson's time) — the hour must be neither credited nor counted (a platform counting an
    hour by the furthest position, or by the end reported, counts it), and its furthest point must
    be its credit (the interface: the furthest point advances by exactly what a heartbeat earned);
    judged on the lesson's `hour_credited`, `credited_s` and `furthest_position_s` and the course's
    `credited_hours` in the supervision view."""
    enrolled = study_setup(probe)
    if len(enrolled.lessons) < 2:
        raise CannotProbe("fully watched", f"{enrolled.course.course_id} has fewer than 2 lessons")
    session = study(probe, enrolled, 0)
    duration = float(session.lesson.duration_s)
    session.watch(duration - SHORT_BY_S)
    session.settle_capture()
    short = lesson_progress(probe, enrolled, session.lesson.lesson_id)
    short_course = course_progress(probe, enrolled)
    session.watch(SHORT_BY_S - LAST_SECOND_S)  # seconds more: to the end minus LAST_SECOND_S
    nearly = lesson_progress(probe, enrolled, session.lesson.lesson_id)
    nearly_course = course_progress(probe, enrolled)
    session.watch_to_end()
    session.settle_capture()
    full = lesson_progress(probe, enrolled, session.lesson.lesson_id)
    full_course = course_progress(probe, enrolled)
    ahead = _ran_ahead_to_the_end(probe, enrolled)
    observed = {
        f"{SHORT_BY_S:g} s short": {
            "lesson": short.model_dump(mode="json") if short else None,
            "course": short_course.model_dump(mode="json") if short_course else None,
        },
        f"{LAST_SECOND_S:g} s short": {
            "lesson": nearly.model_dump(mode="json") if nearly else None,
            "course": nearly_course.model_dump(mode="json") if nearly_course else None,
        },
        "watched to the end": {
            "lesson": full.model_dump(mode="json") if full else None,
            "course": full_course.model_dump(mode="json") if full_course else None,
        },
        "second lesson, its player ahead of the clock": {
            k: v for k, v in ahead.items() if k != "journal"
        },
    }
    probe.evidence.attach_json(
        "fully-watched", {"journal": session.sent, "ahead_journal": ahead["journal"], **observed}
    )
    if short is None or full is None or ahead["lesson"] is None:
        raise CannotProbe("fully watched", "the supervision view shows no progress for the lesson")
    if short.captures_passed < 1:
        raise CannotProbe("fully watched", "no capture passed before the lesson's last minute")
    problems = []
    if short.hour_credited or (short_course is not None and short_course.credited_hours):
        problems.append(f"an hour {SHORT_BY_S:g} s short of its end was credited or counted")
    if (nearly is not None and nearly.hour_credited) or (
        nearly_course is not None and nearly_course.credited_hours
    ):
        problems.append(
            f"an hour {LAST_SECOND_S:g} s short of its end (one heartbeat's slack) was credited"
            " or counted"
        )
    if not full.hour_credited or full_course is None or full_course.credited_hours < 1:
        problems.append("the fully watched hour with a passed capture was not credited")
    ahead_lesson, ahead_course = ahead["lesson"], ahead["course"] or {}
    counted_before = full_course.credited_hours if full_course else 0
    if ahead_lesson["furthest_position_s"] > ahead_lesson["credited_s"] + FURTHEST_SLACK_S:
        problems.append(
            f"the furthest point went to {ahead_lesson['furthest_position_s']:g} s with"
            f" {ahead_lesson['credited_s']:g} s credited: it must advance by exactly the credit"
            " (content the clock did not cover is not watched, nor resumed past)"
        )
    if ahead_lesson["hour_credited"] or ahead_course.get("credited_hours", 0) > counted_before:
        problems.append(
            f"a lesson run through ahead of the clock in {ahead['clock_s']:g} s, "
            f"{ahead_lesson['credited_s']:g} s credited, was credited or counted as an hour"
        )
    if problems:
        raise CheckFailure(
            "A lesson hour counts before its content is fully watched",
            received={"problems": problems, **observed},
            expected="not credited until fully watched; credited then",
        )
    probe.evidence.note(
        f"{SHORT_BY_S:g} s short: not credited; watched to the end: credited and counted; a"
        f" lesson run through ahead of the clock ({ahead['clock_s']:g} s of clock,"
        f" {ahead_lesson['credited_s']:g} s credited, {ahead_lesson['captures_passed']} capture(s)"
        " passed): not credited"
    )
