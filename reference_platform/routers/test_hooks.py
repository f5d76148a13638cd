"""Test hooks of a certification instance: read and advance the one clock; the quiz answer key
(so that the harness can answer a chosen number of questions right, EXAM-02); a restart of the
platform's background work (so that the harness can prove a push survives a restart, ARCH-01);
the quarter's subsidy claim filed now (so that a run need not wait for a quarter's end, SUB-02).

Absent (404) unless the instance was started with a test token, so a production deployment of
the same code has no way to move its clock.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Response

from harness.spec.quizzes import QuizKeyOut
from harness.spec.subsidy import ClaimFilingIn, ClaimFilingLine, ClaimFilingOut
from harness.spec.test_hooks import ClockAdvanceIn, ClockOut, RestartOut
from reference_platform.dependencies import (
    Alternatives,
    Context,
    Db,
    Defects,
    PlatformClock,
    Province,
    Settings,
    require_test_hooks,
)
from reference_platform.errors import responses
from reference_platform.exams import answer_key
from reference_platform.process_restart import (
    BOOT_ID,
    can_exec,
    environment_for_restart,
    exec_soon,
)
from reference_platform.province_client import ProvinceRefused
from reference_platform.subsidy_filing import QuarterNotBegun, bring_up_to_date, file_claim

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


@router.get("/quiz-key", response_model=list[QuizKeyOut])
def quiz_key(
    course_id: Annotated[str, Query(min_length=1, max_length=64)], db: Db, defects: Defects
) -> list[QuizKeyOut]:
    """The correct option of every question of the course (empty for an unknown course)."""
    return answer_key(db, course_id, defects)


@router.post(
    "/restart",
    status_code=202,
    response_model=RestartOut,
    responses={204: {"description": "Restarted in process and serving again"}},
)
def restart(
    context: Context, defects: Defects, alternatives: Alternatives
) -> Response | RestartOut:
    """A server process of its own answers 202 and replaces its process image: a fresh start
    on the same socket and database (process_restart.py). An app embedded in another program
    restarts its archive pusher, its only background worker, and answers 204."""
    if can_exec():
        exec_soon(environment_for_restart(defects.names, alternatives.names))
        return RestartOut(boot_id=BOOT_ID)
    if context.archive_pusher is not None:
        context.archive_pusher.restart()
    return Response(status_code=204)


@router.post(
    "/subsidy-claims",
    response_model=ClaimFilingOut,
    responses=responses(409, 422, 503, d409="The province refused the claim (the reason is its)"),
)
def file_subsidy_claim(
    body: ClaimFilingIn,
    db: Db,
    clock: PlatformClock,
    province: Province,
    settings: Settings,
    defects: Defects,
    context: Context,
) -> ClaimFilingOut:
    """File the quarter's claim now (once: filing the quarter again answers the first filing),
    after issuing the certificates passes have earned and pushing the archive (a learner is
    claimable only once the province holds the certificate's record). 422 for a quarter that
    has not begun on the platform's clock."""
    now = clock.now()
    bring_up_to_date(db, now, settings, defects, context.archive_pusher)
    try:
        filed = file_claim(db, body.quarter, now, province, defects)
    except QuarterNotBegun as exc:
        raise HTTPException(422, str(exc)) from None
    except ProvinceRefused as exc:
        db.rollback()
        raise HTTPException(409, f"The province refused the claim: {exc.detail}") from None
    filing = filed.filing
    return ClaimFilingOut(
        quarter=filing.quarter,
        filed_now=filed.filed_now,
        filed_at=filing.filed_at,
        claim_id=filing.claim_id,
        accepted_on=filing.accepted_on,
        hr_review_due=filing.hr_review_due,
        total_amount=Decimal(filing.total_amount),
        lines=[
            ClaimFilingLine(
                learner_id=row.learner_id,
                id_number=row.id_number,
                course_id=row.course_id,
                approval_number=row.approval_number,
                level=row.level,  # type: ignore[arg-type]
                certificate_number=row.certificate_number,
                certificate_issued_on=row.certificate_issued_on,
                lesson_hours=row.lesson_hours,
                rate=Decimal(row.rate),
                amount=Decimal(row.amount),
            )
            for row in filed.lines
        ],
    )
