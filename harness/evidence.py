"""Evidence recording: every HTTP exchange a check makes, plus anything it attaches.

Exchanges are recorded through a `requests` response hook on the session the check uses, so the
record is what really went over the wire. Secrets are redacted and images reduced to their sha256:
evidence files are shared with vendors and must not leak passwords or biometric data.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import time
from pathlib import Path
from typing import Any

import requests

SECRET_HEADERS = {"authorization", "x-platform-key", "cookie", "set-cookie"}
SECRET_FIELDS = {"password", "token", "admin_token", "api_key"}
LONG_STRING = 256
BODY_LIMIT = 20_000
_B64 = re.compile(r"^[A-Za-z0-9+/=\s]+$")


def digest(data: bytes) -> dict[str, Any]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _reduce_string(value: str) -> Any:
    if len(value) > LONG_STRING and _B64.match(value[:2048]):
        try:
            return {"base64": digest(base64.b64decode(value, validate=False))}
        except (binascii.Error, ValueError):
            pass
    if len(value) > 2000:
        return value[:2000] + f"… ({len(value)} chars)"
    return value


def redact(value: Any) -> Any:
    """Secrets out, images to digests, long texts cut: safe to publish, still checkable."""
    if isinstance(value, dict):
        return {
            k: ("***" if k.lower() in SECRET_FIELDS and isinstance(v, str) else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [redact(v) for v in value[:200]] + (["…"] if len(value) > 200 else [])
    if isinstance(value, str):
        return _reduce_string(value)
    return value


def _headers(headers: Any) -> dict[str, str]:
    return {
        k: ("***" if k.lower() in SECRET_HEADERS else v)
        for k, v in headers.items()
        if k.lower() not in {"accept-encoding", "connection", "user-agent", "accept"}
    }


def _body(raw: bytes | str | None, content_type: str) -> Any:
    if raw is None or raw == b"" or raw == "":
        return None
    if isinstance(raw, str):
        raw = raw.encode("utf-8", "replace")
    if "json" in content_type or raw[:1] in (b"{", b"["):
        try:
            return redact(json.loads(raw))
        except (ValueError, UnicodeDecodeError):
            pass
    if content_type.startswith("image/") or b"\x00" in raw[:512]:
        return {"binary": digest(raw), "content_type": content_type}
    text = raw.decode("utf-8", "replace")
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + "…"


class EvidenceRecorder:
    """Collects one check's evidence and writes it under `directory` at the end of the check."""

    def __init__(self, directory: Path, report_root: Path) -> None:
        self.directory = directory
        self.report_root = report_root
        self.exchanges: list[dict[str, Any]] = []
        self.files: list[Path] = []
        self.notes: list[str] = []

    def note(self, text: str) -> None:
        """A one-line finding that becomes the check's detail when it passes."""
        self.notes.append(text)

    def session(self) -> requests.Session:
        session = requests.Session()
        session.hooks["response"].append(self._record)
        return session

    def _record(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        request = response.request
        self.exchanges.append(
            {
                "n": len(self.exchanges) + 1,
                "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                "request": {
                    "method": request.method,
                    "url": request.url,
                    "headers": _headers(request.headers),
                    "body": _body(request.body, request.headers.get("Content-Type", "")),
                },
                "response": {
                    "status": response.status_code,
                    "elapsed_ms": round(response.elapsed.total_seconds() * 1000, 1),
                    "headers": _headers(response.headers),
                    "body": _body(response.content, response.headers.get("Content-Type", "")),
                },
            }
        )

    def attach_json(self, name: str, data: Any) -> Path:
        path = self.directory / f"{name}.json"
        self._write(path, json.dumps(redact(data), ensure_ascii=False, indent=1, default=str))
        return path

    def _write(self, path: Path, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        if path not in self.files:
            self.files.append(path)

    def flush(self) -> list[str]:
        """Write the exchange log; answer every evidence path relative to the report folder."""
        if self.exchanges:
            self._write(
                self.directory / "exchanges.json",
                json.dumps(self.exchanges, ensure_ascii=False, indent=1, default=str),
            )
        return [str(p.relative_to(self.report_root)) for p in self.files]
