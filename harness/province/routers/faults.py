"""Sandbox fault injection: a province that is failing, a lost race, a forgotten registration,
an archive that refuses one person's records.

These are for tests of how a platform copes with the province misbehaving in ways a real one
does — answering 5xx, letting another platform redeem a voucher between a verify and a redeem,
having lost a registration (a province-side reset) — that cannot be staged through the ordinary
sandbox calls. Admin-only like the rest of the sandbox, and not logged.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from harness.province.deps import Faults, Identities, Vouchers, require_admin
from harness.province.errors import problem
from harness.province.refusals import NotFound
from harness.province.routers.sandbox import SANDBOX_RESPONSES, IdNumber, VoucherCode

router = APIRouter(
    prefix="/sandbox/v1/faults",
    tags=["sandbox"],
    dependencies=[Depends(require_admin)],
    responses=SANDBOX_RESPONSES,
)


class UnavailableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    unavailable: bool = Field(description="answer every platform-facing call with 503")


class UnavailableOut(BaseModel):
    unavailable: bool


class ForgottenOut(BaseModel):
    id_number: str
    forgotten: int = Field(description="how many platforms' registrations were dropped")


class ArchiveRefusalIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refused: bool = Field(description="refuse (409) every archive record of this person")


class ArchiveRefusalOut(BaseModel):
    id_number: str
    refused: bool


class LostRaceOut(BaseModel):
    code: str
    armed: bool


@router.put("/unavailable", response_model=UnavailableOut)
def set_unavailable(body: UnavailableIn, faults: Faults) -> UnavailableOut:
    """While set, every platform call is answered 503 (and logged) without being served."""
    faults.set_unavailable(body.unavailable)
    return UnavailableOut(unavailable=body.unavailable)


@router.post(
    "/vouchers/{code}/lose-race",
    response_model=LostRaceOut,
    responses={404: problem("Unknown voucher")},
)
def lose_race(code: VoucherCode, vouchers: Vouchers, faults: Faults) -> LostRaceOut:
    """The next platform verify of this voucher is answered as usual, then another platform
    redeems it: the verifying platform's redeem then meets the province's 409."""
    try:
        vouchers.voucher(code)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    faults.lose_race(code)
    return LostRaceOut(code=code, armed=True)


@router.post(
    "/identities/{id_number}/forget-registrations",
    response_model=ForgottenOut,
    responses={404: problem("Unknown identity")},
)
def forget_registrations(id_number: IdNumber, identities: Identities) -> ForgottenOut:
    """Drop every platform's registration of this person, as a province-side reset would:
    liveness and face-match calls for them then answer 404 `Identity not registered`."""
    try:
        forgotten = identities.forget_registrations(id_number)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    return ForgottenOut(id_number=id_number, forgotten=forgotten)


@router.put("/archive/{id_number}", response_model=ArchiveRefusalOut)
def refuse_archive(
    id_number: IdNumber, body: ArchiveRefusalIn, faults: Faults
) -> ArchiveRefusalOut:
    """While set, the archive receiver refuses every record of this person with 409, so the
    platform cannot complete their archive (SUB-05: such a learner must not be claimed)."""
    faults.refuse_archive(id_number, body.refused)
    return ArchiveRefusalOut(id_number=id_number, refused=body.refused)
