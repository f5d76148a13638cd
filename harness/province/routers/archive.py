"""The electronic training archive receiver (ARCH-01, ARCH-02): a platform pushes each
learner's records, hash-chained; the receiver verifies the chain on arrival and refuses a broken
one with its reason. The sandbox side shows the harness what it holds."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from harness.province.calllog import logged_route
from harness.province.deps import Archive, Faults, PlatformId, require_admin
from harness.province.errors import problem
from harness.province.refusals import Conflict
from harness.province.routers.sandbox import SANDBOX_RESPONSES
from harness.province.stores.archive import InvalidRecord
from harness.spec.archive import ArchiveBatchIn, ArchiveBatchReceipt, ArchiveChain

router = APIRouter(
    prefix="/province/v1/archive",
    tags=["archive"],
    route_class=logged_route("archive"),
    responses={
        400: problem("Body could not be parsed"),
        401: problem("Missing or unknown platform key"),
        413: problem("Request body too large"),
        422: problem("Invalid record, or its hash does not match its content"),
    },
)


@router.post(
    "/records",
    name="push",
    status_code=201,
    response_model=ArchiveBatchReceipt,
    responses={409: problem("A record does not continue the learner's chain")},
)
def push(
    body: ArchiveBatchIn,
    platform_id: PlatformId,
    archive: Archive,
    faults: Faults,
    request: Request,
) -> ArchiveBatchReceipt:
    """Append one learner's consecutive records to their chain, all or none (a record already
    held may come again: the same receipt)."""
    request.state.log_id_number = body.id_number
    if faults.archive_refused(body.id_number):
        raise HTTPException(409, "The archive refuses this learner's records (sandbox fault)")
    try:
        return archive.receive(platform_id, body.records)
    except InvalidRecord as exc:
        raise HTTPException(422, str(exc)) from None
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from None


sandbox_router = APIRouter(
    prefix="/sandbox/v1/archive",
    tags=["sandbox"],
    dependencies=[Depends(require_admin)],
    responses=SANDBOX_RESPONSES,
)


@sandbox_router.get("", response_model=list[ArchiveChain])
def chains(
    archive: Archive,
    platform_id: Annotated[str | None, Query(max_length=64)] = None,
    id_number: Annotated[str | None, Query(max_length=18)] = None,
) -> list[ArchiveChain]:
    """The chains held, one per platform and learner, each oldest record first."""
    return archive.chains(platform_id=platform_id, id_number=id_number)
