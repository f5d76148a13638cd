"""Decoding the base64 images platforms send, and the fingerprints the log keeps of them.

Images come from outside and go through C decoders, so each is checked in order — base64, PNG or
JPEG magic, pixel count, full decode — and refused with a reason a vendor can act on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import warnings

from PIL import Image

from harness.spec.base import MAX_IMAGE_B64

MAX_PIXELS = 8_000_000  # 8 megapixels: more than any webcam frame, little enough to decode fast
MIN_SIDE = 32
_DATA_URL_PREFIXES = ("data:image/png;base64,", "data:image/jpeg;base64,", "data:image/jpg;base64,")


class BadImage(ValueError):
    """An image that cannot be used; the message is the short reason given to the caller."""


def b64_bytes(text: str) -> bytes | None:
    """The bytes a base64 string (optionally a data URL) stands for, or None if it is not base64."""
    for prefix in _DATA_URL_PREFIXES:
        if text[: len(prefix)].lower() == prefix:
            text = text[len(prefix) :]
            break
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


def decode_image(text: object, what: str) -> Image.Image:
    """Decode a base64 PNG or JPEG into an RGB image; `what` names it in the reason ("Frame 2")."""
    if not isinstance(text, str):
        raise BadImage(f"{what} must be a base64 string")
    if len(text) > MAX_IMAGE_B64:
        raise BadImage(f"{what} is larger than {MAX_IMAGE_B64} base64 characters")
    raw = b64_bytes(text)
    if raw is None:
        raise BadImage(f"{what} is not valid base64")
    if not (raw.startswith(b"\x89PNG\r\n\x1a\n") or raw.startswith(b"\xff\xd8\xff")):
        raise BadImage(f"{what} is not a PNG or JPEG image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw))
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise BadImage(f"{what} has more than {MAX_PIXELS // 1_000_000} megapixels")
            if min(width, height) < MIN_SIDE:
                raise BadImage(f"{what} is smaller than {MIN_SIDE}×{MIN_SIDE} pixels")
            img.load()
            return img.convert("RGB")
    except BadImage:
        raise
    except Exception:  # any decoder failure on untrusted bytes is the sender's bad image
        raise BadImage(f"{what} could not be decoded") from None


def fingerprint(text: str) -> dict[str, object]:
    """What the log keeps of an image string: sha256 and size of the decoded bytes.

    The hash is of the decoded file, so it equals the sha256 of the PNG the sandbox handed out
    when a platform passes it on unchanged. A string that is not base64 is hashed as text.
    """
    raw = b64_bytes(text)
    if raw is None:
        data = text.encode("utf-8", "replace")
        return {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data), "base64": False}
    return {"sha256": hashlib.sha256(raw).hexdigest(), "bytes": len(raw)}
