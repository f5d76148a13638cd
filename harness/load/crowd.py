"""How one simulated learner paces itself among the crowd (harness/load/locustfile.py).

Kept apart from the locust file so that it can be tested without importing locust (which
patches the standard library for gevent).
"""

from __future__ import annotations

from harness.load.cohort import QuizQuestion


def crowd_window_s(duration_s: float, pacing_s: float) -> float:
    """Over how many seconds a crowd's learners arrive, and again leave: one heartbeat interval,
    a third of a run shorter than three, at least a second."""
    return max(1.0, min(pacing_s, duration_s / 3))


def spawn_rate(users: int, duration_s: float, pacing_s: float) -> float:
    """Learners started per second, so that they arrive over `crowd_window_s`."""
    return users / crowd_window_s(duration_s, pacing_s)


def first_beat_delay(arrived_s: float, duration_s: float, pacing_s: float, draw: float) -> float:
    """How long a learner that arrived `arrived_s` into the run waits before its first
    heartbeat: until its own moment of the interval, `draw` (0–1) of the way into it.

    "N learners at one heartbeat per interval" is N / interval heartbeats a second (issue #14:
    20,000 learners are about 700 a second). Learners that arrive within a window shorter than
    the interval and beat at once would beat in that window, interval after interval: 2,000
    learners arriving over 20 s of a 30 s interval offered 100 heartbeats a second for 20 s and
    none for 10, half as much again as the load asked for, and a pause no crowd makes. Each
    beats at its own moment instead, spread evenly over the interval. A crowd that arrives over
    a whole interval (certify's short run) is spread by its arrivals, and a run shorter than two
    intervals leaves no room for a learner's moment to come: both beat at once."""
    if duration_s < 2 * pacing_s or crowd_window_s(duration_s, pacing_s) >= pacing_s:
        return 0.0
    return (draw * pacing_s - arrived_s) % pacing_s


def leaving_moment(started: float, duration_s: float, pacing_s: float, draw: float) -> float:
    """When a learner leaves: `draw` (0–1) of the way back from the run's end into its last
    heartbeat interval (`crowd_window_s`; an unbounded run: never)."""
    return started + duration_s - draw * crowd_window_s(duration_s, pacing_s)


def next_question(
    questions: list[QuizQuestion], lesson_id: str, hour: int, tried: set[str]
) -> QuizQuestion | None:
    """The hour's first question not yet tried (None: the hour's quiz is done)."""
    for question in questions:
        mine = question.lesson_id == lesson_id and question.hour == hour
        if mine and question.question_id not in tried:
            return question
    return None
