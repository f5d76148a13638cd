"""Synthetic faces, ID-card images and liveness frames for sandbox identities.

Every image here is drawn from numbers: no photo of a real person is ever used. A face is a
deterministic function of a seed (the ID number), so the harness, the province and a platform
all see the same picture for the same identity, and features vary strongly between seeds so
that one identity's face cannot pass for another's (the impostor case of ID-03).
"""

from __future__ import annotations

import base64
import hashlib
import io
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageFont

FACE_SIZE = 128
PHASH_SIZE = 16  # the hash keeps the 16×16 lowest DCT frequencies: 256 bits
PHASH_BITS = PHASH_SIZE * PHASH_SIZE

_SKIN = ((255, 224, 196), (241, 194, 160), (224, 172, 130), (198, 142, 100), (165, 114, 80))
_HAIR = ((20, 18, 18), (50, 35, 25), (90, 60, 35), (150, 150, 150), (120, 40, 30), (35, 35, 60))
_IRIS = ((40, 25, 15), (70, 45, 25), (25, 25, 25), (60, 80, 60))
_BACKGROUNDS = ("vstripes", "hstripes", "diagonal", "checker", "rings", "dots", "plain")


@dataclass(frozen=True)
class FaceFeatures:
    """The drawn features of one synthetic face; all lengths in pixels of a 128×128 image."""

    background: str
    bg_colours: tuple[tuple[int, int, int], tuple[int, int, int]]
    bg_period: int
    face_cx: int
    face_cy: int
    face_w: int
    face_h: int
    skin: tuple[int, int, int]
    hair: tuple[int, int, int]
    hair_style: str
    eye_gap: int
    eye_y: int
    eye_r: int
    iris: tuple[int, int, int]
    brow_tilt: int
    brow_width: int
    nose_len: int
    mouth_w: int
    mouth_y: int
    mouth_curve: int
    glasses: bool


def _rng(seed: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(seed.encode()).digest()[:8], "big"))


def _colour(rng: random.Random, lo: int, hi: int) -> tuple[int, int, int]:
    return (rng.randint(lo, hi), rng.randint(lo, hi), rng.randint(lo, hi))


def features_for(seed: str) -> FaceFeatures:
    """Draw the features of the face that belongs to `seed` (same seed, same face)."""
    rng = _rng(seed)
    dark, light = _colour(rng, 0, 90), _colour(rng, 150, 255)
    face_w = rng.randint(46, 62)
    face_h = rng.randint(58, 76)
    return FaceFeatures(
        background=rng.choice(_BACKGROUNDS),
        bg_colours=(dark, light) if rng.random() < 0.5 else (light, dark),
        bg_period=rng.randint(10, 32),
        face_cx=64 + rng.randint(-12, 12),
        face_cy=68 + rng.randint(-10, 10),
        face_w=face_w,
        face_h=face_h,
        skin=rng.choice(_SKIN),
        hair=rng.choice(_HAIR),
        hair_style=rng.choice(("short", "long", "bun", "bald", "fringe")),
        eye_gap=rng.randint(9, max(10, face_w // 2 - 8)),
        eye_y=rng.randint(-14, -4),
        eye_r=rng.randint(3, 7),
        iris=rng.choice(_IRIS),
        brow_tilt=rng.randint(-4, 4),
        brow_width=rng.randint(1, 4),
        nose_len=rng.randint(6, 16),
        mouth_w=rng.randint(8, max(9, face_w // 3)),
        mouth_y=rng.randint(16, max(17, face_h // 2 - 10)),
        mouth_curve=rng.randint(-6, 8),
        glasses=rng.random() < 0.25,
    )


def _field(seed: str) -> np.ndarray:
    """A smooth random pattern in [0, 1]: a sum of the 16×16 lowest cosine waves, random signs.

    The waves are exactly the ones the perceptual hash looks at, each with a clear amplitude, so
    the hash of a face is far from its threshold (stable under small moves) and differs by about
    half its bits between seeds.
    """
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(b"bg" + seed.encode()).digest()[:8]))
    shape = (PHASH_SIZE, PHASH_SIZE)
    coeffs = rng.uniform(0.4, 1.0, shape) * rng.choice((-1.0, 1.0), shape)
    coeffs[0, 0] = 0.0
    d = _dct_matrix(FACE_SIZE)[:PHASH_SIZE]
    field = d.T @ coeffs @ d
    return np.clip(0.5 + 0.35 * field / field.std(), 0.0, 1.0)  # clipped beyond ±1.4 sd


@lru_cache(maxsize=512)
def _background(seed: str) -> Image.Image:
    """The random field in the seed's two colours, overlaid with a faint seed-chosen pattern.

    Cached: every frame of a face shares its background (the camera does not move). Callers copy.
    """
    f = features_for(seed)
    t = _field(seed)[:, :, None]
    a, b = (np.array(c, dtype=float) for c in f.bg_colours)
    img = Image.fromarray((a * (1 - t) + b * t).round().astype(np.uint8), "RGB")
    overlay = Image.new("RGB", img.size, f.bg_colours[1])
    mask = Image.new("L", img.size, 0)
    draw = ImageDraw.Draw(mask)
    p, n, ink = f.bg_period, FACE_SIZE, 60
    if f.background == "vstripes":
        for x in range(0, n, p):
            draw.rectangle((x, 0, x + p // 3, n), fill=ink)
    elif f.background == "hstripes":
        for y in range(0, n, p):
            draw.rectangle((0, y, n, y + p // 3), fill=ink)
    elif f.background == "diagonal":
        for k in range(-n, 2 * n, p):
            draw.line((k, 0, k + n, n), fill=ink, width=2)
    elif f.background == "checker":
        for y in range(0, n, p):
            for x in range((y // p) % 2 * p, n, 2 * p):
                draw.rectangle((x, y, x + p - 1, y + p - 1), fill=ink)
    elif f.background == "rings":
        for r in range(p, 2 * n, p):
            draw.ellipse((n // 2 - r, n // 2 - r, n // 2 + r, n // 2 + r), outline=ink, width=2)
    elif f.background == "dots":
        for y in range(p // 2, n, p):
            for x in range(p // 2, n, p):
                draw.ellipse((x - 2, y - 2, x + 2, y + 2), fill=ink)
    return Image.composite(overlay, img, mask)


def _draw_face(draw: ImageDraw.ImageDraw, f: FaceFeatures, dx: int, dy: int, blink: bool) -> None:
    cx, cy, hw, hh = f.face_cx + dx, f.face_cy + dy, f.face_w // 2, f.face_h // 2
    if f.hair_style == "long":
        draw.rectangle((cx - hw - 6, cy - hh - 4, cx + hw + 6, cy + hh // 2 + 10), fill=f.hair)
    draw.rectangle((cx - 10, cy + hh - 8, cx + 10, FACE_SIZE), fill=f.skin)  # neck
    draw.ellipse((cx - hw - 5, cy - 6, cx - hw + 5, cy + 10), fill=f.skin)  # ears
    draw.ellipse((cx + hw - 5, cy - 6, cx + hw + 5, cy + 10), fill=f.skin)
    draw.ellipse((cx - hw, cy - hh, cx + hw, cy + hh), fill=f.skin)
    if f.hair_style in ("short", "long", "fringe", "bun"):
        draw.chord((cx - hw - 2, cy - hh - 4, cx + hw + 2, cy + hh // 2), 180, 360, fill=f.hair)
    if f.hair_style == "fringe":
        draw.rectangle((cx - hw + 6, cy - hh // 2, cx + hw - 6, cy - hh // 2 + 8), fill=f.hair)
    if f.hair_style == "bun":
        draw.ellipse((cx - 12, cy - hh - 20, cx + 12, cy - hh + 4), fill=f.hair)
    ey = cy + f.eye_y
    for side in (-1, 1):
        ex = cx + side * f.eye_gap
        r = f.eye_r
        if blink:
            draw.line((ex - r, ey, ex + r, ey), fill=(60, 40, 30), width=2)
        else:
            draw.ellipse((ex - r - 2, ey - r, ex + r + 2, ey + r), fill=(250, 250, 250))
            draw.ellipse((ex - r + 1, ey - r + 1, ex + r - 1, ey + r - 1), fill=f.iris)
        by = ey - r - 5
        tilt = side * f.brow_tilt
        draw.line((ex - r - 3, by + tilt, ex + r + 3, by - tilt), fill=f.hair, width=f.brow_width)
        if f.glasses:
            draw.ellipse(
                (ex - r - 6, ey - r - 4, ex + r + 6, ey + r + 4), outline=(20, 20, 20), width=2
            )
    if f.glasses:
        draw.line(
            (cx - f.eye_gap + f.eye_r + 6, ey, cx + f.eye_gap - f.eye_r - 6, ey), fill=(20, 20, 20)
        )
    nose_top = ey + 4
    shade = tuple(max(0, c - 50) for c in f.skin)
    draw.line((cx, nose_top, cx - 3, nose_top + f.nose_len), fill=shade, width=2)
    draw.line((cx - 3, nose_top + f.nose_len, cx + 3, nose_top + f.nose_len), fill=shade, width=2)
    my, mw, curve = cy + f.mouth_y, f.mouth_w, f.mouth_curve
    lips = (170, 60, 60)
    if curve >= 0:
        draw.arc((cx - mw, my - curve - 2, cx + mw, my + curve + 2), 0, 180, fill=lips, width=3)
    else:
        draw.arc((cx - mw, my + curve - 2, cx + mw, my - curve + 2), 180, 360, fill=lips, width=3)


def render_face(
    seed: str, *, dx: int = 0, dy: int = 0, brightness: float = 1.0, blink: bool = False
) -> Image.Image:
    """The face of `seed` on its background: moved by (dx, dy) px, relit, eyes shut if `blink`."""
    f = features_for(seed)
    img = _background(seed).copy()
    _draw_face(ImageDraw.Draw(img), f, dx, dy, blink)
    if brightness != 1.0:
        img = ImageEnhance.Brightness(img).enhance(brightness)
    return img


def png_bytes(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)  # fast: frames are made by the thousand
    return buf.getvalue()


def b64_png(img: Image.Image) -> str:
    return base64.b64encode(png_bytes(img)).decode("ascii")


def face_png(seed: str) -> bytes:
    """The registered (neutral) face of `seed` as PNG bytes."""
    return png_bytes(render_face(seed))


def impostor_seed(seed: str) -> str:
    """The seed of the stranger whose face the `impostor` frames show for `seed`."""
    return f"impostor:{seed}"


def live_frames(seed: str, count: int, rng: random.Random) -> list[Image.Image]:
    """`count` frames of one face with the small changes of a live person in front of a camera.

    In each frame the face (not the background: the camera stands still) sits up to 2 px away
    from its usual place, never where it was in the frame before, and the light is up to 5 %
    brighter or darker; one frame after the first shows a blink. Consecutive frames therefore
    always differ, which is what tells a live sequence from a replayed still. Each frame also
    carries SENSOR_NOISE_BITS of sensor noise, so no two live frames are ever the same bytes.
    """
    blink_at = rng.randrange(1, count) if count >= 2 else -1
    frames: list[Image.Image] = []
    where: tuple[int, int] = (0, 0)
    for i in range(count):
        where = rng.choice([(x, y) for x in range(-2, 3) for y in range(-2, 3) if (x, y) != where])
        light = rng.uniform(0.95, 1.05)
        frame = render_face(seed, dx=where[0], dy=where[1], brightness=light, blink=i == blink_at)
        frames.append(sensor_noise(frame, rng.getrandbits(SENSOR_NOISE_BITS)))
    return frames


# A camera's sensor never gives the same bytes twice; the drawn frames alone would (24 places ×
# the few brightness levels 8-bit pixels can show), and the province calls a capture it has seen
# before a `replay`: without the noise 600 frames of one face held 578 distinct images, and an
# honest learner with 60 captures sometimes failed two and was flagged (SUB-01 in CI). The
# noise is the lowest bit of the blue channel of the first SENSOR_NOISE_BITS pixels of the top
# row: background, invisible to the face match.
SENSOR_NOISE_BITS = 96


def sensor_noise(img: Image.Image, bits: int) -> Image.Image:
    """`img` with `bits` written into the lowest bit of the top row's blue channel."""
    pixels = np.array(img.convert("RGB"))
    width = min(SENSOR_NOISE_BITS, pixels.shape[1])
    noise = np.array([(bits >> i) & 1 for i in range(width)], dtype=np.uint8)
    pixels[0, :width, 2] = (pixels[0, :width, 2] & 0xFE) | noise
    return Image.fromarray(pixels)


def still_frames(seed: str, count: int) -> list[Image.Image]:
    """`count` identical copies of the registered face: a photo held up to the camera."""
    return [render_face(seed)] * count


# ---- perceptual hash -----------------------------------------------------------------------------
@lru_cache(maxsize=4)
def _dct_matrix(n: int) -> np.ndarray:
    """The orthonormal DCT-II matrix of size n (row k is the k-th cosine wave)."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    m = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2 / n)
    m[0] /= np.sqrt(2)
    m.setflags(write=False)  # cached and shared between threads
    return m


def phash(img: Image.Image) -> int:
    """256-bit DCT perceptual hash: grey 64×64, the 16×16 lowest frequencies against their median.

    The classic pHash keeps 8×8 of 32×32; the larger grid gives a distance with far less spread
    relative to its size, which is what separates a moving face from a stranger's (see liveness).
    """
    n = PHASH_SIZE * 4
    grey = np.asarray(img.convert("L").resize((n, n), Image.Resampling.LANCZOS), dtype=float)
    d = _dct_matrix(n)
    low = (d @ grey @ d.T)[:PHASH_SIZE, :PHASH_SIZE].flatten()
    bits = low > np.median(low)
    return int("".join("1" if b else "0" for b in bits), 2)


def phash_hex(value: int) -> str:
    return f"{value:0{PHASH_BITS // 4}x}"


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()


# ---- ID card -------------------------------------------------------------------------------------
_CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
)


def _font(size: int, need_cjk: bool) -> tuple[ImageFont.ImageFont | ImageFont.FreeTypeFont, bool]:
    """A CJK font when the machine has one (then names print in Hanzi), else the default font."""
    if need_cjk:
        for path in _CJK_FONTS:
            if Path(path).exists():
                return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size=size), False


def id_card_png(
    *, name: str, name_latin: str, id_number: str, sex: str, birth: str, seed: str
) -> bytes:
    """A synthetic ID card (not a copy of the real design): name, sex, birth, number and face."""
    card = Image.new("RGB", (420, 264), (226, 236, 246))
    draw = ImageDraw.Draw(card)
    draw.rectangle((0, 0, 419, 263), outline=(90, 120, 160), width=3)
    draw.rectangle((0, 0, 419, 30), fill=(90, 120, 160))
    title_font, _ = _font(14, need_cjk=False)
    draw.text((12, 8), "SANDBOX RESIDENT IDENTITY CARD - SYNTHETIC", fill="white", font=title_font)
    font, cjk = _font(18, need_cjk=True)
    draw.text((20, 50), f"Name  {name if cjk else name_latin}", fill=(20, 20, 20), font=font)
    small, _ = _font(16, need_cjk=False)
    draw.text((20, 90), f"Sex   {sex}", fill=(20, 20, 20), font=small)
    draw.text((20, 120), f"Born  {birth}", fill=(20, 20, 20), font=small)
    draw.text((20, 215), f"ID No. {id_number}", fill=(10, 10, 10), font=font)
    card.paste(render_face(seed), (272, 48))
    return png_bytes(card)
