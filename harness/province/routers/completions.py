"""Offline voucher office (VOUCH-03): a platform reports a completed online course; the province
issues the offline practical-training voucher. The sandbox side lists the vouchers issued."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request

from harness.province.calllog import logged_route
from harness.province.deps import Completions, PlatformId, require_admin
from harness.province.errors import problem
from harness.province.refusals import Conflict
from harness.province.routers.sandbox import SANDBOX_RESPONSES
from harness.spec.completions import CompletionReportIn, CompletionReportOut, OfflineVoucher

router = APIRouter(
    prefix="/province/v1/completions",
    tags=["completions"],
    route_class=logged_route("completion"),
    responses={
        400: problem("Body could not be parsed"),
        401: problem("Missing or unknown platform key"),
        413: problem("Request body too large"),
        422: problem("Invalid body"),
    },
)


@router.post(
    "",
    name="report",
    status_code=201,
    response_model=CompletionReportOut,
    responses={409: problem("Completion already reported for this person, occupation, level")},
)
def report(
    body: CompletionReportIn, platform_id: PlatformId, completions: Completions, request: Request
) -> CompletionReportOut:
    """Record the completion and issue the offline voucher (the same one for a retried report)."""
    request.state.log_id_number = body.id_number
    try:
        voucher = completions.report(platform_id, body)
    except Conflict as exc:
        raise HTTPException(409, str(exc)) from None
    return CompletionReportOut(
        report_id=body.report_id, offline_voucher_code=voucher.code, issued_at=voucher.issued_at
    )


sandbox_router = APIRouter(
    prefix="/sandbox/v1/offline-vouchers",
    tags=["sandbox"],
    dependencies=[Depends(require_admin)],
    responses=SANDBOX_RESPONSES,
)


@sandbox_router.get("", response_model=list[OfflineVoucher])
def offline_vouchers(
    completions: Completions,
    platform_id: Annotated[str | None, Query(max_length=64)] = None,
    id_number: Annotated[str | None, Query(max_length=18)] = None,
) -> list[OfflineVoucher]:
    """Offline vouchers issued on completion reports, oldest first."""
    return completions.vouchers(platform_id=platform_id, id_number=id_number)
