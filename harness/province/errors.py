"""Error bodies of the province: `{"detail": "<short reason>"}`, declared on every route.

FastAPI's own 422 body echoes each bad input back; a refused 2 MB image would come straight back,
so long inputs are cut before they are returned (the log keeps their sha256 instead).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

_ECHO_LIMIT = 200


class Problem(BaseModel):
    """The body of every refusal."""

    detail: str


def problem(description: str) -> dict[str, object]:
    """An entry of a route's `responses=`: a refusal with its `Problem` body."""
    return {"model": Problem, "description": description}


def _short(value: object) -> object:
    if isinstance(value, bytes):  # a body that is not JSON: its bytes may not even be UTF-8
        return f"<{len(value)} bytes>"
    if isinstance(value, str) and len(value) > _ECHO_LIMIT:
        return f"<{len(value)} characters>"
    if isinstance(value, list | dict):
        text = repr(value)
        return value if len(text) <= _ECHO_LIMIT else f"<{type(value).__name__} of {len(value)}>"
    return value


async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 list form, with long echoed inputs replaced by their length."""
    errors = []
    for error in exc.errors():
        error = dict(error)
        if "input" in error:
            error["input"] = _short(error["input"])
        error.pop("url", None)
        errors.append(error)
    return JSONResponse(status_code=422, content={"detail": jsonable_encoder(errors)})
