"""Subsidy office, sandbox side: the HR office's and finance's steps, and the claims' clocks.

The harness (or an examiner) records each step of a claim — HR review, public notice, fund
request, finance payment — with its date; a step that breaks the SUB-03 timeline is refused
with 409 and the reason, a due date that passes is flagged in the claim's `overdue`. The year
view shows how much of the SUB-04 cap the accepted claims use.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Query

from harness.province.deps import Subsidy, require_admin
from harness.province.errors import problem
from harness.province.refusals import Conflict, NotFound
from harness.province.routers.sandbox import SANDBOX_RESPONSES
from harness.spec.subsidy import ClaimStepIn, SubsidyClaim, SubsidyYear

router = APIRouter(
    prefix="/sandbox/v1/subsidy",
    tags=["sandbox"],
    dependencies=[Depends(require_admin)],
    responses=SANDBOX_RESPONSES,
)

ClaimId = Annotated[str, Path(min_length=1, max_length=32)]


@router.get("/claims", response_model=list[SubsidyClaim])
def list_claims(
    subsidy: Subsidy,
    platform_id: Annotated[str | None, Query(max_length=64)] = None,
    overdue: bool = False,
) -> list[SubsidyClaim]:
    """Claims, oldest first, with their due dates; `overdue=true` keeps only the late ones."""
    return subsidy.claims(platform_id=platform_id, overdue_only=overdue)


@router.get(
    "/claims/{claim_id}", response_model=SubsidyClaim, responses={404: problem("Unknown claim")}
)
def read_claim(claim_id: ClaimId, subsidy: Subsidy) -> SubsidyClaim:
    """One claim (unlike the platform's read, this one is not logged)."""
    try:
        return subsidy.claim(claim_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None


@router.post(
    "/claims/{claim_id}/steps",
    response_model=SubsidyClaim,
    responses={404: problem("Unknown claim"), 409: problem("The step breaks the timeline")},
)
def record_step(claim_id: ClaimId, body: ClaimStepIn, subsidy: Subsidy) -> SubsidyClaim:
    """Record the next step (review, notice, fund_request, payment) on `on` (default today);
    a review with `outcome: "rejected"` ends the claim and frees its amount in the cap."""
    rejection = (body.reason or "Rejected at HR review") if body.outcome == "rejected" else None
    try:
        return subsidy.record_step(claim_id, body.step, body.on, rejection)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from None


@router.get("/years/{year}", response_model=SubsidyYear)
def read_year(year: Annotated[int, Path(ge=2021, le=2200)], subsidy: Subsidy) -> SubsidyYear:
    """The yearly cap's use: committed (accepted claims) and remaining."""
    return subsidy.year(year)
