"""COURSE-05 — completion needs the level's minimum of credited lesson hours."""

from __future__ import annotations

from harness.catalogue import load_catalogue
from harness.checks._support import offered_courses, study, study_setup
from harness.failures import CannotJudge, CheckFailure
from harness.probe import Probe
from harness.registry import check


@check("COURSE-05")
def completion_needs_the_level_minimum_of_credited_hours(probe: Probe) -> None:
    """A learner one credited hour short of the level minimum has not completed; the next
    credited hour completes the course (judged from the supervision view)."""
    minimum = load_catalogue().get("COURSE-05").params["min_credited_hours"]
    courses = [c for c in offered_courses(probe.platform) if c.level in minimum and c.approval]
    if not courses:
        raise CannotJudge("no approved course with a level is offered")
    course = min(courses, key=lambda c: minimum[c.level])
    required = minimum[course.level]
    enrolled = study_setup(probe, course=course)
    learner_id = enrolled.learner.learner_id or ""
    snapshots = []
    for index in range(required):
        session = study(probe, enrolled, index)
        session.watch_to_end(step=900)
        session.settle_capture()
        if index >= required - 2:
            row = next(
                (
                    p
                    for p in probe.supervisor.course_progress(learner_id)
                    if p.course_id == course.course_id
                ),
                None,
            )
            snapshots.append(
                {
                    "hours_studied": index + 1,
                    "progress": row.model_dump(mode="json") if row else None,
                }
            )
    probe.evidence.attach_json(
        "completion",
        {
            "course": course.model_dump(mode="json"),
            "required_hours": required,
            "snapshots": snapshots,
        },
    )
    before, after = (s["progress"] for s in snapshots)
    if before is None or after is None:
        raise CheckFailure("The supervision view shows no course progress")
    if before["completed"] or before["credited_hours"] >= required:
        raise CheckFailure(
            "The course counts as completed below the level minimum",
            received=before,
            expected=f"not completed at {required - 1} hours",
        )
    if not after["completed"] or after["credited_hours"] < required:
        raise CheckFailure(
            "The course is not completed at the level minimum",
            received=after,
            expected=f"completed at {required} credited hours",
        )
    probe.evidence.note(
        f"{course.level}: not completed at {required - 1} h, completed at {required} h"
    )
