"""Voucher authority: verify and redeem online training vouchers (VOUCH-01/02).

Redemption is single-use and first-come: the province records which identity the platform
*claims* is redeeming, without checking it against the holder — matching holder, occupation and
level is the platform's duty, and the log is where the harness sees whether it did.
"""

from __future__ import annotations

from contextlib import suppress

from fastapi import APIRouter, HTTPException, Request

from harness.province.calllog import logged_route
from harness.province.deps import Faults, PlatformId, Vouchers
from harness.province.errors import problem
from harness.province.refusals import Conflict, NotFound
from harness.province.stores.faults import RIVAL_PLATFORM
from harness.spec.vouchers import RedeemIn, RedeemOut, Voucher, VoucherCodeIn

router = APIRouter(
    prefix="/province/v1/vouchers",
    tags=["vouchers"],
    route_class=logged_route("voucher"),
    responses={
        400: problem("Body could not be parsed"),
        401: problem("Missing or unknown platform key"),
        404: problem("Unknown voucher"),
        413: problem("Request body too large"),
        422: problem("Invalid body"),
    },
)


@router.post("/verify", name="verify", response_model=Voucher)
def verify(
    body: VoucherCodeIn,
    platform_id: PlatformId,
    vouchers: Vouchers,
    faults: Faults,
    request: Request,
) -> Voucher:
    """The voucher as the province knows it, with its current state."""
    try:
        voucher = vouchers.voucher(body.code)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    request.state.log_id_number = voucher.holder_id_number  # whose voucher was looked at
    if faults.take_lost_race(body.code):  # sandbox fault: a rival redeems it right after
        with suppress(Conflict):  # already redeemed or expired: the platform meets it anyway
            vouchers.redeem(body.code, RIVAL_PLATFORM, voucher.holder_id_number, "rival", "")
    return voucher


@router.post(
    "/redeem",
    name="redeem",
    response_model=RedeemOut,
    responses={409: problem("Voucher already redeemed, or expired")},
)
def redeem(body: RedeemIn, platform_id: PlatformId, vouchers: Vouchers) -> RedeemOut:
    """Use the voucher up for a course; the claimed id_number is logged as given."""
    try:
        done = vouchers.redeem(
            body.code, platform_id, body.id_number, body.course_id, body.approval_number
        )
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from None
    return RedeemOut(code=body.code, redeemed_at=done.redeemed_at, redemption_id=done.redemption_id)
