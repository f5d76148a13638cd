"""The call log: every platform-facing call, accepted or refused, as the harness's evidence.

A route class wraps each platform-facing endpoint so that the entry is written from what really
went over the wire — including refusals that happen before the endpoint runs (unknown key, a body
that does not parse) — not from what the endpoint meant to answer. Images are replaced by the
sha256 and size of their decoded bytes; other long strings by their sha256, length and start.
The entries are kept by the call log store (stores/log.py). While the sandbox's `unavailable`
fault is set, the route answers 503 without running the endpoint, and logs that too.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from harness.province.errors import utf8_safe, validation_error_handler
from harness.province.images import fingerprint

IMAGE_FIELDS = frozenset({"face_photo", "id_card_photo", "frames", "liveness_frames"})
LONG_STRING = 512
MAX_DEPTH = 8
MAX_BODY = 40_000_000  # 16 frames of the largest allowed image, with room for JSON

_TOO_LARGE = HTTPException(413, "Request body too large")
_UNAVAILABLE = HTTPException(503, "Province unavailable (sandbox fault)")

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def summarise(value: object, key: str | None = None, depth: int = 0) -> object:
    """A faithful, bounded copy of a JSON value for the log (images → fingerprints)."""
    if depth > MAX_DEPTH:
        return "<nested too deep>"
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)  # Python reads NaN and 1e999 from JSON, but cannot write them back
    if isinstance(value, str):
        if key in IMAGE_FIELDS:
            return fingerprint(value)
        value = utf8_safe(value)
        if len(value) > LONG_STRING:
            digest = hashlib.sha256(value.encode("utf-8", "replace")).hexdigest()
            return {"sha256": digest, "length": len(value), "start": value[:64]}
        return value
    if isinstance(value, list):
        return [summarise(v, key, depth + 1) for v in value[:64]] + (
            [f"<{len(value) - 64} more>"] if len(value) > 64 else []
        )
    if isinstance(value, dict):
        items = list(value.items())[:64]
        return {str(utf8_safe(k))[:64]: summarise(v, str(k), depth + 1) for k, v in items}
    return value


def summarise_body(raw: bytes) -> dict[str, object]:
    """The request or response body as a dict: parsed JSON, or a fingerprint of the bytes."""
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        digest = hashlib.sha256(raw).hexdigest()
        return {"unparsed": {"sha256": digest, "bytes": len(raw), "start": repr(raw[:64])}}
    summary = summarise(parsed)
    return summary if isinstance(summary, dict) else {"body": summary}


def _claimed_id_number(body: dict[str, object]) -> str | None:
    value = body.get("id_number")
    return value[:32] if isinstance(value, str) else None


def _declared_length(request: Request) -> int:
    try:
        return int(request.headers.get("content-length") or 0)
    except ValueError:
        return 0


def logged_route(service: str) -> type[APIRoute]:
    """A route class that logs each call under `service`, the operation being the route name."""

    class LoggedRoute(APIRoute):
        def get_route_handler(self) -> Handler:
            endpoint_handler = super().get_route_handler()
            operation = self.name

            async def answer(request: Request) -> tuple[bytes, Response]:
                """The body received and the response sent, refusals turned into responses."""
                if _declared_length(request) > MAX_BODY:
                    return b"", await http_exception_handler(request, _TOO_LARGE)
                raw = await request.body()
                if len(raw) > MAX_BODY:
                    return b"", await http_exception_handler(request, _TOO_LARGE)
                if request.app.state.faults.unavailable:
                    return raw, await http_exception_handler(request, _UNAVAILABLE)
                try:
                    return raw, await endpoint_handler(request)
                except HTTPException as exc:
                    return raw, await http_exception_handler(request, exc)
                except RequestValidationError as exc:
                    return raw, await validation_error_handler(request, exc)

            async def handler(request: Request) -> Response:
                log = request.app.state.log
                settings = request.app.state.settings
                at = request.app.state.clock()
                platform_id = settings.platform_for_key(request.headers.get("x-platform-key"))

                async def write(raw: bytes, response: Response) -> None:
                    summary = await run_in_threadpool(summarise_body, raw)
                    summary.update(summarise(dict(request.path_params)))  # type: ignore[arg-type]
                    log.append(
                        at=at,
                        platform_id=platform_id,
                        service=service,
                        operation=operation,
                        id_number=getattr(request.state, "log_id_number", None)
                        or _claimed_id_number(summary),
                        status_code=response.status_code,
                        request=summary,
                        response=summarise_body(bytes(response.body)),
                        method=request.method,
                        path=request.url.path,
                    )

                try:
                    raw, response = await answer(request)
                except Exception:  # a province bug: leave the evidence, then fail loudly
                    await write(b"", Response(b'{"detail":"Internal Server Error"}', 500))
                    raise
                await write(raw, response)
                return response

            return handler

    LoggedRoute.__name__ = f"LoggedRoute_{service}"
    return LoggedRoute
