"""The sandbox API: what the harness uses to stage a run and to read the evidence.

It creates synthetic identities and their images, issues vouchers, reads the call log and
manages approvals. Only the holder of the admin token may call it, and its calls are not logged:
the log is the record of what *platforms* did.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Response

from harness.province import faces
from harness.province.deps import Courses, Identities, Log, Vouchers, require_admin
from harness.province.errors import problem
from harness.province.identities import IdentitySpaceExhausted, InvalidIdentityRequest
from harness.province.refusals import NotFound
from harness.province.stores.identities import IdentityRecord, IdentityStore
from harness.spec.courses import ApprovalRecord, Occupation
from harness.spec.sandbox import (
    LivenessFramesIn,
    LivenessFramesOut,
    LogEntry,
    SandboxIdentity,
    SandboxIdentityIn,
    SandboxVoucherIn,
)
from harness.spec.vouchers import Voucher

SANDBOX_RESPONSES = {  # every sandbox router (this one, faults) declares the same refusals
    400: problem("Body could not be parsed"),
    401: problem("Missing bearer token, or wrong admin token"),
    422: problem("Invalid"),
}

router = APIRouter(
    prefix="/sandbox/v1",
    tags=["sandbox"],
    dependencies=[Depends(require_admin)],
    responses=SANDBOX_RESPONSES,
)

IdNumber = Annotated[str, Path(min_length=1, max_length=32)]
VoucherCode = Annotated[str, Path(min_length=1, max_length=64)]
ApprovalNumber = Annotated[str, Path(min_length=1, max_length=64)]
PNG = {"content": {"image/png": {}}, "description": "PNG image"}


def _known(identities: IdentityStore, id_number: str) -> IdentityRecord:
    try:
        return identities.identity(id_number)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None


@router.post(
    "/identities",
    status_code=201,
    response_model=SandboxIdentity,
    responses={409: problem("No sequence number left for that region, birth date and sex")},
)
def create_identity(body: SandboxIdentityIn, identities: Identities) -> SandboxIdentity:
    """A fresh synthetic person (Shanxi county, age 18–50, unless asked otherwise)."""
    if body.name is not None and body.namesake_of is not None:
        raise HTTPException(422, "Give a name or namesake_of, not both")
    if body.name_latin is not None and body.name is None:
        raise HTTPException(422, "name_latin transcribes a name: give the name too")
    named = {} if body.name is None else {"name": (body.name, body.name_latin or body.name)}
    try:
        record = identities.new_identity(
            birth_date=body.birth_date,
            region_code=body.region_code,
            sex=body.sex,
            namesake_of=body.namesake_of,
            seed=body.seed,
            **named,
        )
    except InvalidIdentityRequest as exc:
        raise HTTPException(422, str(exc)) from None
    except IdentitySpaceExhausted as exc:
        raise HTTPException(409, str(exc)) from None
    return record.identity


@router.get(
    "/identities/{id_number}/face.png",
    response_class=Response,
    responses={200: PNG, 404: problem("Unknown identity")},
)
def face_png(id_number: IdNumber, identities: Identities) -> Response:
    """The identity's synthetic face: what a learner would show the camera."""
    _known(identities, id_number)
    return Response(faces.face_png(id_number), media_type="image/png")


@router.get(
    "/identities/{id_number}/id-card.png",
    response_class=Response,
    responses={200: PNG, 404: problem("Unknown identity")},
)
def id_card_png(id_number: IdNumber, identities: Identities) -> Response:
    """A synthetic ID-card image (name, sex, birth date, number and face)."""
    person = _known(identities, id_number)
    identity = person.identity
    png = faces.id_card_png(
        name=identity.name,
        name_latin=person.name_pinyin,
        id_number=identity.id_number,
        sex=identity.sex,
        birth=identity.birth_date.isoformat(),
        seed=identity.id_number,
    )
    return Response(png, media_type="image/png")


@router.post(
    "/identities/{id_number}/liveness-frames",
    response_model=LivenessFramesOut,
    responses={404: problem("Unknown identity")},
)
def liveness_frames(
    id_number: IdNumber, body: LivenessFramesIn, identities: Identities
) -> LivenessFramesOut:
    """Camera frames: `live` (the person moving), `still` (a photo), `impostor` (someone else)."""
    _known(identities, id_number)
    if body.kind == "still":
        images = faces.still_frames(id_number, body.count)
    else:
        seed = faces.impostor_seed(id_number) if body.kind == "impostor" else id_number
        images = faces.live_frames(seed, body.count, random.Random())
    return LivenessFramesOut(frames=[faces.b64_png(img) for img in images])


@router.post(
    "/vouchers",
    status_code=201,
    response_model=Voucher,
    responses={404: problem("Unknown identity")},
)
def issue_voucher(
    body: SandboxVoucherIn, identities: Identities, vouchers: Vouchers, courses: Courses
) -> Voucher:
    """Issue a voucher to a sandbox identity; `expires_on` may be in the past (expired voucher)."""
    if not courses.knows_occupation(body.occupation_code):
        raise HTTPException(422, "Unknown occupation code")
    holder = _known(identities, body.holder_id_number)
    return vouchers.issue(
        body.holder_id_number,
        holder.identity.name,
        body.occupation_code,
        body.level,
        body.employment_status,
        body.expires_on,
    )


@router.get("/vouchers/{code}", response_model=Voucher, responses={404: problem("Unknown voucher")})
def read_voucher(code: VoucherCode, vouchers: Vouchers) -> Voucher:
    """A voucher with its current state (unlike the platform's verify, this read is not logged)."""
    try:
        return vouchers.voucher(code)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/log", response_model=list[LogEntry])
def read_log(
    log: Log,
    platform_id: Annotated[str | None, Query(max_length=64)] = None,
    service: Literal["identity", "voucher", "registry", "subsidy", "completion", "archive"]
    | None = None,
    operation: Annotated[str | None, Query(max_length=64)] = None,
    id_number: Annotated[str | None, Query(max_length=32)] = None,
    after_seq: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int | None, Query(ge=1)] = None,
) -> list[LogEntry]:
    """Platform calls, oldest first; `after_seq` reads only what came after an earlier read."""
    return log.entries(
        platform_id=platform_id,
        service=service,
        operation=operation,
        id_number=id_number,
        after_seq=after_seq,
        limit=limit,
    )


@router.get(
    "/courses/approvals/{number}",
    response_model=ApprovalRecord,
    responses={404: problem("Unknown approval number")},
)
def read_approval(number: ApprovalNumber, courses: Courses) -> ApprovalRecord:
    """An approval as registered (unlike the platform route, this read is not logged)."""
    return _approval_or_404(courses.approval, number)


@router.post(
    "/courses/approvals/{number}/revoke",
    response_model=ApprovalRecord,
    responses={404: problem("Unknown approval number")},
)
def revoke_approval(number: ApprovalNumber, courses: Courses) -> ApprovalRecord:
    """Withdraw an approval: a platform must then stop enrolling learners in that course."""
    return _approval_or_404(courses.revoke, number)


@router.post(
    "/courses/approvals/{number}/reinstate",
    response_model=ApprovalRecord,
    responses={404: problem("Unknown approval number")},
)
def reinstate_approval(number: ApprovalNumber, courses: Courses) -> ApprovalRecord:
    """Make a revoked approval valid again: a platform offers the course again."""
    return _approval_or_404(courses.reinstate, number)


def _approval_or_404(act: Callable[[str], ApprovalRecord], number: str) -> ApprovalRecord:
    """The approval `act` answers for `number`; 404 for a number the registry never issued."""
    try:
        return act(number)
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None


@router.get("/occupations", response_model=list[Occupation])
def read_occupations(courses: Courses) -> list[Occupation]:
    """The occupations platforms see, for the harness to pick vouchers and courses from."""
    return list(courses.occupations)
