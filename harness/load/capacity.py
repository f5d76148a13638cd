"""`--find-capacity`: the largest load the platform holds, found by doubling users in steps.

Each step is a whole load run (its own cohort of new learners, its own locust run, its own
reconciliation) in a folder of its own (`step-<users>/`); the ramp stops at the first step whose
thresholds break (LOAD-01 or LOAD-02), at `max_users`, or after `MAX_STEPS` steps, whichever
comes first — so it is bounded in steps, users and time. The curve (users → p95, error rate,
rps, verdict) is kept with the answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.load.runner import LoadPlan
from harness.load.session import LoadResult

MAX_STEPS = 8


@dataclass
class Capacity:
    largest_held_users: int | None
    curve: list[dict[str, object]] = field(default_factory=list)
    stopped_because: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "largest_held_users": self.largest_held_users,
            "stopped_because": self.stopped_because,
            "curve": self.curve,
        }


def capacity_steps(start: int, max_users: int) -> list[int]:
    """start, 2·start, 4·start, … up to max_users (itself the last step), at most MAX_STEPS."""
    steps: list[int] = []
    users = max(1, start)
    while len(steps) < MAX_STEPS and users < max_users:
        steps.append(users)
        users *= 2
    if len(steps) < MAX_STEPS:
        steps.append(max_users)
    return steps


def find_capacity(
    plan: LoadPlan,
    max_users: int,
    out: Path,
    run: Callable[[LoadPlan, Path], LoadResult],
) -> Capacity:
    """Ramp from `plan.users` to `max_users`; `run` makes one step's load run."""
    capacity = Capacity(largest_held_users=None)
    spawn_per_user = plan.spawn_rate / plan.users
    for users in capacity_steps(plan.users, max_users):
        step = dataclasses.replace(plan, users=users, spawn_rate=max(1.0, users * spawn_per_user))
        result = run(step, out / f"step-{users}")
        capacity.curve.append(
            {
                "users": users,
                "requests": result.totals.requests,
                "rps": round(result.totals.rps, 2),
                "p95_ms": result.totals.p95_ms,
                "error_rate": round(result.totals.error_rate, 6),
                "lost": result.integrity.lost,
                "double": result.integrity.double,
                "verdict": result.verdict,
            }
        )
        if result.verdict != "pass":
            capacity.stopped_because = f"{users} users: " + "; ".join(result.reasons)
            return capacity
        capacity.largest_held_users = users
    capacity.stopped_because = f"reached the largest step ({max_users} users)"
    return capacity
