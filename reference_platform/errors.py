"""Error bodies and handlers: every refusal is `{"detail": "<reason>"}`, and no 5xx but two.

503 means the province is unavailable (not the request's fault); 500 means a genuine bug and is
logged with its traceback. Validation errors are stripped of the submitted values so that
passwords and photos are never echoed back.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

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


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""), "type": error.get("type")}
        for error in exc.errors()
    ]
    return JSONResponse({"detail": errors}, status_code=422)


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.error("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "Internal server error"}, status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ProvinceUnavailable, _province_unavailable)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected_error)
