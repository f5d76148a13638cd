"""Error bodies of the province: `{"detail": "<short reason>"}`, declared on every route.

FastAPI's own 422 body echoes each bad input back; a refused 2 MB image would come straight back,
so long inputs are cut before they are returned (the log keeps their sha256 instead).
"""

from __future__ import annotations

import json

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


def utf8_safe(value: object) -> object:
    """`value` with every string (and key) made encodable: JSON may carry lone surrogates
    ("\\ud800") that Python reads but cannot write as UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list | tuple):
        return [utf8_safe(v) for v in value]
    if isinstance(value, dict):
        return {utf8_safe(k): utf8_safe(v) for k, v in value.items()}
    return value


def _echo(value: object) -> object:
    """An input fit to send back: short, and valid JSON (no NaN or infinity, no raw bytes)."""
    if isinstance(value, bytes):  # a body that is not JSON: its bytes may not even be UTF-8
        return f"<{len(value)} bytes>"
    try:
        text = json.dumps(jsonable_encoder(value), allow_nan=False)
    except (TypeError, ValueError):
        return repr(value)[:_ECHO_LIMIT]
    return value if len(text) <= _ECHO_LIMIT else f"<{len(text)} characters of JSON>"


async def validation_error_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    """FastAPI's 422 list form, with long echoed inputs replaced by their length."""
    errors = []
    for error in exc.errors():
        error = dict(error)
        if "input" in error:
            error["input"] = _echo(error["input"])
        error.pop("url", None)
        if "ctx" in error and _echo(error["ctx"]) != error["ctx"]:
            error["ctx"] = {"note": "context left out"}
        errors.append(error)
    return JSONResponse(status_code=422, content={"detail": utf8_safe(jsonable_encoder(errors))})
