"""Subsidy office, platform side: submit a quarterly claim, read it back (SUB-03/04, GEN-01).

An accepted claim is 201 with its id and HR review due date; an inconsistent one (a line whose
rate or amount is wrong, a certificate from before 2021-06-01, a total that is not the sum) is
422 naming the line; one that would pass the year's cap is 409. The office keeps the claim as
sent, so the harness can judge the platform's claim from what the province received.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path

from harness.province.calllog import logged_route
from harness.province.deps import PlatformId, Subsidy
from harness.province.errors import problem
from harness.province.refusals import Conflict, NotFound
from harness.province.stores.subsidy import InvalidClaim
from harness.spec.subsidy import SubsidyClaim, SubsidyClaimIn, SubsidyClaimReceipt

router = APIRouter(
    prefix="/province/v1/subsidy",
    tags=["subsidy"],
    route_class=logged_route("subsidy"),
    responses={
        400: problem("Body could not be parsed"),
        401: problem("Missing or unknown platform key"),
        413: problem("Request body too large"),
        422: problem("Invalid body, or an inconsistent claim (the reason names the line)"),
    },
)

ClaimId = Annotated[str, Path(min_length=1, max_length=32)]


@router.post(
    "/claims",
    name="submit_claim",
    status_code=201,
    response_model=SubsidyClaimReceipt,
    responses={409: problem("The claim would pass the yearly cap of 30,000,000 yuan")},
)
def submit_claim(
    body: SubsidyClaimIn, platform_id: PlatformId, subsidy: Subsidy
) -> SubsidyClaimReceipt:
    """Submit a quarterly claim; the answer says when its HR review is due."""
    try:
        claim = subsidy.submit(platform_id, body)
    except InvalidClaim as exc:
        raise HTTPException(422, str(exc)) from None
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from None
    return SubsidyClaimReceipt(
        claim_id=claim.claim_id,
        accepted_on=claim.accepted_on,
        total_amount=claim.total_amount,
        hr_review_due=claim.due.hr_review_due,
    )


@router.get(
    "/claims/{claim_id}",
    name="read_claim",
    response_model=SubsidyClaim,
    responses={404: problem("Unknown claim")},
)
def read_claim(claim_id: ClaimId, platform_id: PlatformId, subsidy: Subsidy) -> SubsidyClaim:
    """The platform's own claim with its progress and due dates (another's is 404)."""
    try:
        return subsidy.claim(claim_id, platform_id=platform_id)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
