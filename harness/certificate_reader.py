"""Reading a certificate PDF back (POST-02): its text (pypdf) and the QR codes in its images
(zxing-cpp), so a check compares what is printed with what verification answers."""

from __future__ import annotations

import io
from dataclasses import dataclass

import zxingcpp
from PIL import Image
from pypdf import PdfReader
from pypdf.errors import PdfReadError


@dataclass(frozen=True)
class ReadPdf:
    text: str
    qr_codes: tuple[str, ...]


class NotAPdf(ValueError):
    """The bytes are not a readable PDF."""


def read_certificate_pdf(data: bytes) -> ReadPdf:
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = list(reader.pages)
    except (PdfReadError, ValueError, OSError) as exc:
        raise NotAPdf(str(exc)) from None
    texts, codes = [], []
    for page in pages:
        texts.append(page.extract_text() or "")
        for image in page.images:
            with Image.open(io.BytesIO(image.data)) as picture:
                codes += [
                    found.text
                    for found in zxingcpp.read_barcodes(picture.convert("L"))
                    if found.format == zxingcpp.BarcodeFormat.QRCode
                ]
    return ReadPdf("\n".join(texts), tuple(codes))
