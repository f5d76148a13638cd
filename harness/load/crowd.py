"""How one simulated learner paces itself among the crowd (harness/load/locustfile.py).

Kept apart from the locust file so that it can be tested without importing locust (which
patches the standard library for gevent).
"""

from __future__ import annotations

from harness.load.cohort import QuizQuestion


def leaving_moment(started: float, duration_s: float, pacing_s: float, draw: float) -> float:
    """When a learner leaves: `draw` (0–1) of the way back from the run's end into its last
    heartbeat interval (a third of a run shorter than three intervals)."""
    return started + duration_s - draw * min(pacing_s, duration_s / 3)


def next_question(
    questions: list[QuizQuestion], lesson_id: str, hour: int, tried: set[str]
) -> QuizQuestion | None:
    """The hour's first question not yet tried (None: the hour's quiz is done)."""
    for question in questions:
        mine = question.lesson_id == lesson_id and question.hour == hour
        if mine and question.question_id not in tried:
            return question
    return None
