"""Synthetic faces, ID cards, frames, the perceptual hash and image decoding."""

from __future__ import annotations

import base64
import hashlib
import io
import itertools
import random

import numpy as np
import pytest
from PIL import Image

from harness.province import faces
from harness.province.images import BadImage, decode_image, fingerprint


def _png_b64(img: Image.Image) -> str:
    return faces.b64_png(img)


def test_faces_are_deterministic_128px_pngs() -> None:
    png = faces.face_png("140105199001011234")
    assert png == faces.face_png("140105199001011234")
    img = Image.open(io.BytesIO(png))
    assert img.format == "PNG"
    assert img.size == (128, 128)


def test_faces_differ_strongly_between_seeds() -> None:
    seeds = [f"seed-{i}" for i in range(40)]
    features = [faces.features_for(s) for s in seeds]
    assert len({(f.face_w, f.face_h, f.eye_gap, f.skin, f.hair) for f in features}) == 40
    for attribute in ("background", "hair_style", "skin", "hair", "glasses"):
        assert len({getattr(f, attribute) for f in features}) > 1, attribute
    hashes = [faces.phash(faces.render_face(s)) for s in seeds]
    distances = [faces.hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]]
    assert min(distances) > faces.PHASH_BITS // 4


def test_live_frames_move_a_little_and_blink() -> None:
    seed = "live-seed"
    frames = faces.live_frames(seed, 6, random.Random(4))
    arrays = [np.asarray(f.convert("L"), dtype=float) for f in frames]
    for a, b in itertools.pairwise(arrays):
        assert np.abs(a - b).mean() > 1.0  # consecutive frames always differ
    registered = faces.phash(faces.render_face(seed))
    assert all(faces.hamming(faces.phash(f), registered) < 40 for f in frames)
    blinks = [f for f in frames if f.tobytes() == faces.render_face(seed, blink=True).tobytes()]
    assert len(blinks) <= 1  # a blink is one pose among moves, not a separate still


def test_still_frames_are_identical_copies_of_the_face() -> None:
    frames = faces.still_frames("still-seed", 4)
    assert len(frames) == 4
    assert {f.tobytes() for f in frames} == {faces.render_face("still-seed").tobytes()}


def test_impostor_is_someone_else() -> None:
    seed = "who-am-i"
    own = faces.phash(faces.render_face(seed))
    stranger = faces.phash(faces.render_face(faces.impostor_seed(seed)))
    assert faces.hamming(own, stranger) > faces.PHASH_BITS // 4


def test_phash_hex_and_hamming() -> None:
    value = faces.phash(faces.render_face("x"))
    text = faces.phash_hex(value)
    assert len(text) == faces.PHASH_BITS // 4 == 64
    assert int(text, 16) == value
    assert faces.hamming(value, value) == 0
    assert faces.hamming(0, (1 << faces.PHASH_BITS) - 1) == faces.PHASH_BITS
    brighter = faces.render_face("x", brightness=1.05)
    assert faces.hamming(value, faces.phash(brighter)) <= 4  # light alone barely matters


def test_id_card_shows_the_face_and_is_a_png() -> None:
    seed = "140105199001011234"
    png = faces.id_card_png(
        name="王伟", name_latin="Wang Wei", id_number=seed, sex="M", birth="1990-01-01", seed=seed
    )
    card = Image.open(io.BytesIO(png))
    assert (card.format, card.size) == ("PNG", (420, 264))
    card = card.convert("RGB")
    face_on_card = card.crop((272, 48, 400, 176))
    assert face_on_card.tobytes() == faces.render_face(seed).tobytes()


def test_decode_image_accepts_png_jpeg_and_data_urls() -> None:
    img = faces.render_face("decode")
    png = _png_b64(img)
    assert decode_image(png, "Face").size == (128, 128)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=80)
    jpeg = base64.b64encode(buf.getvalue()).decode()
    assert decode_image(jpeg, "Face").size == (128, 128)
    assert decode_image("data:image/png;base64," + png, "Face").size == (128, 128)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (123, "Face must be a base64 string"),
        ("not base64 at all!!", "Face is not valid base64"),
        (_b64(b"GIF89a" + b"\0" * 64), "Face is not a PNG or JPEG image"),
        (_b64(b"\x89PNG\r\n\x1a\n" + b"\0" * 64), "Face could not be decoded"),
        (_b64(faces.png_bytes(Image.new("RGB", (8, 8)))), "smaller than 32×32"),
        (_b64(faces.png_bytes(Image.new("L", (4000, 4000)))), "more than 8 megapixels"),
        (_b64(faces.face_png("t")[:-200]), "Face could not be decoded"),
        ("A" * 2_000_004, "larger than"),
    ],
)
def test_decode_image_refuses_with_a_reason(value: object, reason: str) -> None:
    with pytest.raises(BadImage, match=reason):
        decode_image(value, "Face")


def test_fingerprint_hashes_the_decoded_file() -> None:
    png = faces.face_png("fp")
    assert fingerprint(_b64(png)) == {"sha256": hashlib.sha256(png).hexdigest(), "bytes": len(png)}
    assert fingerprint("%%%")["base64"] is False
