"""Decoding of the base64 images learners send (photos, liveness frames).

An image is accepted only if Pillow recognises it as PNG or JPEG: the province and supervisors must
be able to open what the platform stores, so garbage is refused at the door with a 422.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass

from PIL import Image

# A photo of a face or an ID card needs far less; bigger headers are decompression bombs.
MAX_PIXELS = 40_000_000
_MEDIA_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg"}


@dataclass(frozen=True)
class DecodedImage:
    data: bytes
    media_type: str


def decode_image(b64: str) -> DecodedImage | None:
    """The image bytes and media type, or None when it is not base64 of a PNG or JPEG."""
    try:
        data = base64.b64decode(b64, validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            media_type = _MEDIA_TYPES.get(image.format or "")
            too_big = image.width * image.height > MAX_PIXELS
            image.verify()
    except Exception:  # Pillow raises many types for corrupt input; all mean "not an image"
        return None
    if media_type is None or too_big:
        return None
    return DecodedImage(data, media_type)
