"""The sandbox liveness verdict: a real (if simple) algorithm on synthetic test data.

Three questions, in order: are there enough frames to judge; do the frames change from one to
the next (a live person moves, a photo held to the camera does not); and is the face the one
registered (perceptual-hash distance). The thresholds come from measurements over 3,000
synthetic identities (tests/test_province_liveness.py re-checks them, with margins, on 200):

- change between consecutive frames (mean absolute grey difference, 0–255, at 128×128): the
  median over a live sequence was never below 3.1 (a single pair never below 1.2); a replayed
  still gives exactly 0 → STILL_MAX_CHANGE = 1.0.
- median 256-bit pHash distance to the registered face: live frames of the same face at most 28
  (also after JPEG q70 or upscaling to 480 px; mean 9), another identity's live frames at least 92
  (mean 125), and no two of the 3,000 registered faces closer than 78 → FACE_MAX_DISTANCE = 56.
"""

from __future__ import annotations

import itertools
import statistics
from dataclasses import dataclass

import numpy as np
from PIL import Image

from harness.province.faces import hamming, phash

MIN_FRAMES = 3
STILL_MAX_CHANGE = 1.0
FACE_MAX_DISTANCE = 56
_COMPARE_SIZE = (128, 128)


@dataclass(frozen=True)
class Verdict:
    passed: bool
    reason: str  # ok | still_replay | face_mismatch | too_few_frames
    distance: float | None  # median pHash distance of the frames to the registered face
    change: float | None  # median change between consecutive frames


def frame_change(a: Image.Image, b: Image.Image) -> float:
    """Mean absolute grey-level difference of two frames, compared at 128×128."""
    ga = np.asarray(a.convert("L").resize(_COMPARE_SIZE, Image.Resampling.BILINEAR), dtype=float)
    gb = np.asarray(b.convert("L").resize(_COMPARE_SIZE, Image.Resampling.BILINEAR), dtype=float)
    return float(np.abs(ga - gb).mean())


def judge(frames: list[Image.Image], registered_phash: int) -> Verdict:
    """The verdict on decoded frames against the registered face's hash.

    The median (not the minimum or maximum) is used for both measures so that one odd frame —
    a duplicated camera buffer, a blink — neither fails an honest learner nor rescues a replay.
    """
    distance = (
        float(statistics.median(hamming(phash(f), registered_phash) for f in frames))
        if frames
        else None
    )
    if len(frames) < MIN_FRAMES:
        return Verdict(False, "too_few_frames", distance, None)
    change = statistics.median(frame_change(a, b) for a, b in itertools.pairwise(frames))
    if change < STILL_MAX_CHANGE:
        return Verdict(False, "still_replay", distance, change)
    if distance is not None and distance > FACE_MAX_DISTANCE:
        return Verdict(False, "face_mismatch", distance, change)
    return Verdict(True, "ok", distance, change)
