"""HTTP exchanges as evidence: every call a check makes, answered or not, boundedly recorded.

A `RecordingSession` is a `requests.Session` that records each exchange in an `ExchangeLog`:
the response hook records status and headers the moment they arrive (before the body is read),
and the overridden `send` records what went wrong when a call times out or its connection breaks
mid-answer, since such calls never reach a response hook. Bodies are bounded: a body larger than
the limits is recorded as its size, sha256 and first bytes, never kept whole, and a streamed
answer (`stream=True`, or Server-Sent Events) is recorded without reading it, because reading an
event stream in a hook never returns.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from typing import Any

import requests

from harness.proxies import DirectLoopbackSession
from harness.redaction import digest, redact, redact_headers, redact_url, scrub_text

TEXT_LIMIT = 64 * 1024  # characters of a non-JSON text body kept whole
RAW_LIMIT = 1024 * 1024  # bytes of a body still parsed (JSON) or digested in full
HEAD_CHARS = 256  # what is kept of an oversized text body
HEAD_BYTES = 32  # what is kept of an oversized binary body (its magic number, in hex)
MESSAGE_LIMIT = 500
EVENT_STREAM = "text/event-stream"


def _is_binary(raw: bytes, content_type: str) -> bool:
    return content_type.startswith(("image/", "video/", "audio/")) or b"\x00" in raw[:512]


def _oversized(raw: bytes, content_type: str) -> dict[str, Any]:
    record: dict[str, Any] = {"oversized": digest(raw), "content_type": content_type}
    if _is_binary(raw, content_type):
        record["head_hex"] = raw[:HEAD_BYTES].hex()
    else:
        record["head"] = scrub_text(raw[: HEAD_CHARS * 4].decode("utf-8", "replace")[:HEAD_CHARS])
    return record


def body_record(raw: bytes | str | None, content_type: str) -> Any:
    """A body as evidence: redacted JSON, bounded text, or a digest (images, oversized bodies)."""
    if raw is None or raw == b"" or raw == "":
        return None
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "replace")
    if len(raw) > RAW_LIMIT:
        return _oversized(raw, content_type)
    if "json" in content_type or raw[:1] in (b"{", b"["):
        try:
            return redact(json.loads(raw))
        except (ValueError, UnicodeDecodeError):
            pass
    if _is_binary(raw, content_type):
        return {"binary": digest(raw), "content_type": content_type}
    text = raw.decode("utf-8", "replace")
    if len(text) > TEXT_LIMIT:
        return _oversized(raw, content_type)
    return scrub_text(text)


def _request_body(request: requests.PreparedRequest) -> Any:
    body = request.body
    if body is not None and not isinstance(body, bytes | str):
        return {"streamed": True}  # an upload from a file or generator: not read twice
    return body_record(body, request.headers.get("Content-Type", ""))


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")


class ExchangeLog:
    """One check's exchanges, in the order they were made; safe to share between threads."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self._open: dict[int, dict[str, Any]] = {}  # id(prepared request) → its entry
        self._lock = threading.Lock()

    def _append(self, entry: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            entry["n"] = len(self.entries) + 1
            self.entries.append(entry)
        return entry

    def on_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """The `requests` response hook: status and headers first, then the bounded body."""
        request = response.request
        content_type = response.headers.get("Content-Type", "")
        answer: dict[str, Any] = {
            "status": response.status_code,
            "elapsed_ms": round(response.elapsed.total_seconds() * 1000, 1),
            "headers": redact_headers(response.headers),
        }
        entry = self._append(
            {"n": 0, "at": _now(), "request": self._request(request), "response": answer}
        )
        with self._lock:
            self._open[id(request)] = entry
        if kwargs.get("stream") or content_type.startswith(EVENT_STREAM):
            answer["body"] = {"streamed": True}
            return
        answer["body"] = body_record(response.content, content_type)  # may raise mid-answer

    def on_failure(self, request: requests.PreparedRequest, exc: Exception, waited: float) -> None:
        """A call that raised: timed out, refused, or broke after its headers came back."""
        if getattr(exc, "_sxcert_recorded", False):
            return  # already recorded by the inner send of a redirect
        error = {
            "type": type(exc).__name__,
            "message": scrub_text(str(exc)[:MESSAGE_LIMIT]),
            "waited_s": round(waited, 3),
        }
        with self._lock:
            entry = self._open.pop(id(request), None)
        if entry is None:
            self._append(
                {"n": 0, "at": _now(), "request": self._request(request), "response": None}
            )["error"] = error
        else:
            entry["error"] = error  # what came back (status, headers) stays in `response`
        with contextlib.suppress(AttributeError):  # an exception type with __slots__
            exc._sxcert_recorded = True  # type: ignore[attr-defined]

    def close(self, request: requests.PreparedRequest) -> None:
        with self._lock:
            self._open.pop(id(request), None)

    @staticmethod
    def _request(request: requests.PreparedRequest) -> dict[str, Any]:
        return {
            "method": request.method,
            "url": redact_url(request.url),
            "headers": redact_headers(request.headers),
            "body": _request_body(request),
        }


class RecordingSession(DirectLoopbackSession):
    """A session whose every exchange lands in `log`, including the ones that raise."""

    def __init__(self, log: ExchangeLog) -> None:
        super().__init__()
        self.log = log
        self.hooks["response"].append(log.on_response)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        started = time.monotonic()
        try:
            response = super().send(request, **kwargs)
        except Exception as exc:
            self.log.on_failure(request, exc, time.monotonic() - started)
            raise
        self.log.close(request)
        return response
