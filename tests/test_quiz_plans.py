"""The boundary plan of the EXAM-02 and POST-02 checks: a learner's accuracy put exactly at the
pass mark's edge from below, at it, or one right answer above it."""

from __future__ import annotations

import pytest

from harness.checks._quiz_support import BoundaryPlan


@pytest.mark.parametrize(("margin", "right"), [(0, 4), (1, 5)])
def test_boundary_plan_sits_on_both_sides_of_the_mark(margin: int, right: int) -> None:
    """40 hours of 5 below the mark end at 119 of 200 (the largest count under 60 %); one more
    hour reaching it answers 4 right (123 of 205, exactly 60 %), with a margin of one 5 (124)."""
    plan = BoundaryPlan(60, reach_margin=margin)
    below = sum(plan("lesson", hour, 5) for hour in range(40))
    assert (below, plan.total) == (119, 200)
    assert 100 * below < 60 * 200 <= 100 * (below + 1)
    plan.mode = "reach"
    assert plan("lesson", 40, 5) == right
    assert (plan.right, plan.total) == (119 + right, 205)


def test_a_margin_never_answers_more_than_the_hour_has() -> None:
    plan = BoundaryPlan(60, mode="reach", reach_margin=3)
    assert plan("lesson", 0, 5) == 5  # 3 of 5 pass; 3 more would be 6
