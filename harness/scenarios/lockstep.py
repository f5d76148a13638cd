"""Many learners studying whole courses side by side, under one test clock.

The test clock is the platform's, shared by every learner: a learner advancing it while another
holds an open capture challenge would make that answer late. So learners move in lockstep: every
learner opens its next lesson (in parallel threads, one learner each), the clock is advanced once
for all of them, then every learner reports the lesson watched and answers its capture at once
(in parallel again, no clock advance in between). Studying 60 + 50 + 40 lesson hours costs about
three requests per hour and one clock advance per lesson step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from harness.probe import Probe
from harness.scenarios.study import Enrolled, Study

FRAMES_PER_CALL = 16  # the sandbox's most per call
MINUS_ONE = "minimum - 1 credited hours"
FAILED_CAPTURE = "minimum-th hour watched, its capture failed"
MINIMUM = "minimum credited hours"


@dataclass
class LevelStudy:
    """One learner studying one course of `level` up to its `required` credited hours, and the
    course progress a supervisor saw at the three moments COURSE-05 judges."""

    level: str
    required: int
    enrolled: Enrolled
    hours_studied: int = 0
    snapshots: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    # the certificate numbers of the course a supervisor saw at the same moments (POST-02's
    # listing issues what a pass has earned: none below the minimum, one at a pass)
    certificates: dict[str, list[str]] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return self.hours_studied >= self.required

    def observed(self) -> dict[str, Any]:
        return {
            "course_id": self.enrolled.course.course_id,
            "required_hours": self.required,
            "hours_studied": self.hours_studied,
            "course_progress": self.snapshots,
            "certificates": self.certificates,
        }

    def problems(self) -> list[str]:
        """What contradicts COURSE-05 in the snapshots (empty when compliant)."""
        found = []
        below = {k: self.snapshots.get(k) for k in (MINUS_ONE, FAILED_CAPTURE)}
        for moment, row in below.items():
            if row is None:
                found.append(f"{self.level}: no course progress seen at {moment}")
            elif row["completed"] or row["credited_hours"] >= self.required:
                found.append(
                    f"{self.level} (minimum {self.required} h), at {moment}: credited_hours "
                    f"{row['credited_hours']}, completed {row['completed']}"
                )
        for moment in (MINUS_ONE, FAILED_CAPTURE):  # derived: no certificate below the minimum
            if self.certificates.get(moment):
                found.append(
                    f"{self.level} (minimum {self.required} h), at {moment}: certificate(s) "
                    f"{self.certificates[moment]} issued"
                )
        at = self.snapshots.get(MINIMUM)
        if at is not None and at["completed"] and len(self.certificates.get(MINIMUM, [])) != 1:
            found.append(
                f"{self.level}: completed at {self.required} h, certificates listed "
                f"{self.certificates.get(MINIMUM, [])} (one per pass)"
            )
        if at is None:
            found.append(f"{self.level}: no course progress seen at the minimum")
        elif not at["completed"] or at["credited_hours"] < self.required:
            found.append(
                f"{self.level}: not completed at {self.required} credited hours "
                f"(credited_hours {at['credited_hours']}, completed {at['completed']})"
            )
        return found


def _snapshot(probe: Probe, study: LevelStudy, moment: str) -> dict[str, Any] | None:
    """The course progress a supervisor sees now (also keeping the course's certificates)."""
    learner_id = study.enrolled.learner.learner_id or ""
    course_id = study.enrolled.course.course_id
    study.certificates[moment] = [
        c.number for c in probe.supervisor.certificates(learner_id) if c.course_id == course_id
    ]
    row = next(
        (p for p in probe.supervisor.course_progress(learner_id) if p.course_id == course_id),
        None,
    )
    return row.model_dump(mode="json") if row else None


def _finish_lesson(probe: Probe, study: LevelStudy, session: Study) -> None:
    """Report the lesson watched to its end and pass its capture (no clock advance: other
    learners may hold open challenges). The minimum-th hour is first answered with another
    person's face, and the course progress read before a genuine capture is given."""
    enrolled = study.enrolled
    if not enrolled.spare_live_frames:  # one sandbox call per FRAMES_PER_CALL captures
        enrolled.spare_live_frames = probe.province.liveness_frames(
            enrolled.learner.id_number, kind="live", count=FRAMES_PER_CALL
        )
    session.beat(float(session.lesson.duration_s))
    last_hour = study.hours_studied + session.lesson.lesson_hours >= study.required
    if last_hour and session.open_challenge is not None:
        session.answer("impostor")
        study.snapshots[FAILED_CAPTURE] = _snapshot(probe, study, FAILED_CAPTURE)
        session.beat(session.position)  # a failed capture is replaced at the next heartbeat
    session.pass_open_capture()  # a platform may re-issue; the journey answers what it is asked
    study.hours_studied += session.lesson.lesson_hours
    if study.hours_studied == study.required - 1:
        study.snapshots[MINUS_ONE] = _snapshot(probe, study, MINUS_ONE)
    if study.done:
        study.snapshots[MINIMUM] = _snapshot(probe, study, MINIMUM)


def study_in_lockstep(
    probe: Probe, studies: list[LevelStudy], open_lesson: Callable[[LevelStudy, int], Study]
) -> None:
    """Study every learner's course lesson by lesson, up to its required hours, in lockstep."""
    with ThreadPoolExecutor(max_workers=max(1, len(studies))) as pool:
        for index in range(max(len(s.enrolled.lessons) for s in studies)):
            active = [s for s in studies if not s.done and index < len(s.enrolled.lessons)]
            if not active:
                return
            lesson_time = dt.timedelta(
                seconds=max(s.enrolled.lessons[index].duration_s for s in active) + 60
            )
            for study in active:  # a token that would lapse during the lesson is renewed first
                study.enrolled.renew_if_expiring(probe.time.now(), lesson_time)
            sessions = list(pool.map(open_lesson, active, [index] * len(active)))
            # Each hour's quiz (EXAM-01) answered up front: the one clock advance below must not
            # stop at a quiz gate.
            list(pool.map(lambda session: session.finish_quizzes(), sessions))
            remaining = max(s.lesson.duration_s - s.position for s in sessions)
            probe.time.wait(remaining + 1)
            list(pool.map(_finish_lesson, [probe] * len(active), active, sessions))


def watch_until_challenges(probe: Probe, sessions: list[Study], *, step: float) -> None:
    """Every session watches honestly, `step` seconds at a time, until the platform asks it for a
    capture (answered at once with the live face) or its lesson ends. One clock advance per step
    for all sessions (each its own learner), their heartbeats and answers in parallel threads."""
    if not sessions:
        return
    longest = max(s.lesson.duration_s for s in sessions)
    waiting = list(sessions)

    def watch_one_step(session: Study) -> None:
        session.beat(min(session.position + step, float(session.lesson.duration_s)))
        if session.open_challenge is not None:
            session.answer("live")

    with ThreadPoolExecutor(max_workers=len(sessions)) as pool:
        for _ in range(int(longest // step) + 2):
            probe.time.wait(step)
            list(pool.map(watch_one_step, waiting))
            waiting = [
                s for s in waiting if not s.answered and s.position < s.lesson.duration_s - 1e-6
            ]
            if not waiting:
                return
