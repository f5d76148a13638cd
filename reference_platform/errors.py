"""Error bodies and handlers: every refusal is `{"detail": "<reason>"}`, and no 5xx but two.

503 means the province is unavailable, or the platform is at capacity (`Busy`, with Retry-After:
admission.py; a database lock or connection not had in time is the same); neither is the
request's fault, and a busy answer changed nothing. 500 means a genuine bug and is logged with its
traceback. Validation errors are stripped of the submitted values so that
passwords and photos are never echoed back.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from reference_platform.admission import RETRY_AFTER_S, Overloaded
from reference_platform.province_client import ProvinceUnavailable

log = logging.getLogger(__name__)


class Problem(BaseModel):
    detail: str


class ValidationProblem(BaseModel):
    """A 422: either our own sentence or FastAPI's list of field errors."""

    detail: str | list[dict[str, Any]]


_DESCRIPTIONS = {
    401: "Not authenticated",
    403: "Refused",
    404: "Not found",
    409: "Conflict with the current state",
    422: "Invalid input",
    429: "Too many requests",
    503: "Province service unavailable",
}


def responses(*codes: int, **descriptions: str) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route; `descriptions` override by code, e.g. `d404="No course"`."""
    declared: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        declared[code] = {
            "model": ValidationProblem if code == 422 else Problem,
            "description": descriptions.get(f"d{code}", _DESCRIPTIONS[code]),
        }
    return declared


async def _province_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"detail": "Province service unavailable"}, status_code=503)


BUSY = "Busy: try again after Retry-After seconds"


def busy_response(retry_after_s: int = RETRY_AFTER_S) -> JSONResponse:
    return JSONResponse(
        {"detail": BUSY}, status_code=503, headers={"Retry-After": str(retry_after_s)}
    )


async def _overloaded(_request: Request, exc: Exception) -> JSONResponse:
    return busy_response(getattr(exc, "retry_after_s", RETRY_AFTER_S))


async def _database_error(request: Request, exc: Exception) -> JSONResponse:
    """A lock another process held too long is busy-ness (503); anything else is a bug (500)."""
    if "database is locked" in str(exc):
        return busy_response()
    return await _unexpected_error(request, exc)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    """422 with FastAPI's reasons; but a route that authenticates inside its unit of work (the
    heartbeat) answers 401 first when the caller has no valid token (401 before 422)."""
    assert isinstance(exc, RequestValidationError)
    endpoint = getattr(request.scope.get("route"), "endpoint", None)
    caller_is_signed_in = getattr(endpoint, "caller_is_signed_in", None)
    if caller_is_signed_in is not None and not await caller_is_signed_in(request):
        return JSONResponse(
            {"detail": "Token is unknown, expired or ended"},
            status_code=401,
            headers={"WWW-Authenticate": "Bearer"},
        )
    errors = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type")}
        for error in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> Response:
    """FastAPI answers a body it cannot parse (not JSON, not UTF-8) with 400, a status the
    interface does not declare: it is invalid input like any other, so 422 with a reason."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's own list form, which every route's declared 422 accepts
        reason = {"loc": ["body"], "msg": "The request body is not valid JSON", "type": "json"}
        return JSONResponse({"detail": [reason]}, status_code=422)
    return await http_exception_handler(request, exc)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "Internal server error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProvinceUnavailable, _province_unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Overloaded, _overloaded)
    app.add_exception_handler(PoolTimeout, _overloaded)
    app.add_exception_handler(OperationalError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)
