"""What may be published: secrets out, images reduced to digests, long texts cut.

Evidence files and report.json are shared with vendors and examiners, so nothing written there
may carry a password, a token or a face. Every writer of evidence (exchanges, attached JSON, stream
records, a failure's received/expected) passes its values through `redact` first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any

SECRET_HEADERS = {"authorization", "x-platform-key", "cookie", "set-cookie"}
SECRET_FIELDS = {"password", "token", "admin_token", "api_key"}
QUIET_HEADERS = {"accept-encoding", "connection", "user-agent", "accept"}
LONG_STRING = 256
STRING_LIMIT = 2000
LIST_LIMIT = 200
_B64 = re.compile(r"^[A-Za-z0-9+/=\s]+$")
# In a text that cannot be parsed (the first bytes of a large answer): `"password": "…"` pairs,
# also a value cut off at the end of the text, and long base64 runs (image data; longer than a
# sha512 in hex, which evidence must keep readable).
# The same in a Python repr (`{'token': '…'}`), as a check's finding may quote an answer.
_SECRET_PAIR = re.compile(
    r"""(["'](?:""" + "|".join(sorted(SECRET_FIELDS)) + r""")["']\s*:\s*)(["'])[^"']*(?:["']|$)""",
    re.IGNORECASE,
)
_B64_RUN = re.compile(r"[A-Za-z0-9+/]{160,}={0,2}")
# A secret in a query string (`/events?token=…`, as EventSource clients must send it).
_SECRET_PARAM = re.compile(r"\b(" + "|".join(sorted(SECRET_FIELDS)) + r")=[^&#\s'\"]*", re.I)


def digest(data: bytes) -> dict[str, Any]:
    """A stand-in for bytes that must not be kept (an image, a huge answer): still comparable."""
    return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}


def _reduce_string(value: str) -> Any:
    if len(value) > LONG_STRING and _B64.match(value[:2048]):
        try:
            return {"base64": digest(base64.b64decode(value, validate=False))}
        except (binascii.Error, ValueError):
            pass
    # Each pattern needs a character most values (ids, times, names) lack: a pair needs a
    # quote and a colon, a parameter an equals sign; the cheap test saves the harness's CPU.
    if ":" in value and ('"' in value or "'" in value):
        value = _SECRET_PAIR.sub(r"\1\2***\2", value)
    if "=" in value:
        value = _SECRET_PARAM.sub(r"\1=***", value)
    if len(value) > STRING_LIMIT:
        return value[:STRING_LIMIT] + f"… ({len(value)} chars)"
    return value


def redact(value: Any) -> Any:
    """Secrets out, images to digests, long texts cut: safe to publish, still checkable."""
    if isinstance(value, dict):
        return {
            k: ("***" if str(k).lower() in SECRET_FIELDS and isinstance(v, str) else redact(v))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        items = list(value)
        return [redact(v) for v in items[:LIST_LIMIT]] + (["…"] if len(items) > LIST_LIMIT else [])
    if isinstance(value, str):
        return _reduce_string(value)
    return value


def redact_headers(headers: Any) -> dict[str, str]:
    """Headers as recorded: secret ones masked, the noise every client sends left out."""
    return {
        k: ("***" if k.lower() in SECRET_HEADERS else v)
        for k, v in headers.items()
        if k.lower() not in QUIET_HEADERS
    }


def redact_url(url: str | None) -> str | None:
    """A URL as recorded: the value of a secret query parameter masked."""
    return _SECRET_PARAM.sub(r"\1=***", url) if url else url


def scrub_text(text: str) -> str:
    """Redact text that is not parseable JSON (the head of a cut-off answer, an error message)."""
    text = _SECRET_PAIR.sub(r"\1\2***\2", text)
    text = _SECRET_PARAM.sub(r"\1=***", text)
    return _B64_RUN.sub("[base64 …]", text)
