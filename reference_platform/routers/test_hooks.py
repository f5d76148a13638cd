"""Test hooks of a certification instance: read and advance the one clock.

Absent (404) unless the instance was started with a test token, so a production deployment of
the same code has no way to move its clock.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from harness.spec.test_hooks import ClockAdvanceIn, ClockOut
from reference_platform.dependencies import PlatformClock, require_test_hooks
from reference_platform.errors import responses

router = APIRouter(
    prefix="/test",
    tags=["test hooks"],
    dependencies=[Depends(require_test_hooks)],
    responses=responses(401, 404, d404="Not a certification instance"),
)


@router.get("/clock", response_model=ClockOut)
def read_clock(clock: PlatformClock) -> ClockOut:
    return ClockOut(now=clock.now())


@router.post("/clock/advance", response_model=ClockOut)
def advance_clock(body: ClockAdvanceIn, clock: PlatformClock) -> ClockOut:
    return ClockOut(now=clock.advance(body.seconds))
