"""STUDY-01's long lesson: where each hour's capture must be issued, from the interface's rule
(N equal parts, a point in [5 %, 90 %] of each, the challenge at the first heartbeat at or past
it), so a platform keeping the rule always passes and one drawing every point in the first hour
never does."""

from __future__ import annotations

import random

from harness.checks.captures import hour_windows
from harness.spec.courses import LessonOut
from reference_platform.credit import capture_points

HOUR_S = 2700
STEP_S = 60


def _issued_at(point: float) -> float:
    """The furthest point of the first heartbeat at or past `point`, in STEP_S steps."""
    return -(-point // STEP_S) * STEP_S


def _lesson(hours: int) -> LessonOut:
    return LessonOut(
        lesson_id="l1", seq=1, title="t", duration_s=hours * HOUR_S, lesson_hours=hours
    )


def test_every_point_the_rule_draws_is_issued_inside_its_hours_window() -> None:
    rng = random.Random(3)
    for hours in (2, 3):
        windows = hour_windows(_lesson(hours), STEP_S)
        for _ in range(300):
            points = capture_points(hours * HOUR_S, hours, rng=rng, all_in_first_hour=False)
            for (start, end), point in zip(windows, points, strict=True):
                assert start <= _issued_at(point) <= end
    assert hour_windows(_lesson(2), STEP_S) == [(135.0, 2490.0), (2835.0, 5190.0)]


def test_points_all_in_the_first_hour_leave_the_later_hours_windows_empty() -> None:
    rng = random.Random(4)
    windows = hour_windows(_lesson(2), STEP_S)
    for _ in range(300):
        points = capture_points(2 * HOUR_S, 2, rng=rng, all_in_first_hour=True)
        start, end = windows[1]
        assert not any(start <= _issued_at(point) <= end for point in points)
