"""The sandbox liveness verdict on generated identities: live passes, replays and impostors fail.

The thresholds in harness/province/liveness.py were chosen from measurements over 3,000
identities; this test re-measures on 200 and also keeps a safety margin around each threshold,
so that a change to the face drawing that erodes the separation fails here first.
"""

from __future__ import annotations

import io
import random
import statistics

import pytest
from PIL import Image

from harness.province import faces, liveness
from harness.province.images import decode_image
from harness.province.stores.identities import IdentityStore

IDENTITIES = 200
MARGIN = 10  # hash bits kept free on each side of FACE_MAX_DISTANCE


def _over_the_wire(images: list[Image.Image]) -> list[Image.Image]:
    """Frames as the province receives them: base64 PNG, decoded again."""
    return [decode_image(faces.b64_png(img), "Frame") for img in images]


@pytest.fixture(scope="module")
def people() -> list[str]:
    store = IdentityStore(rng=random.Random(2026))
    return [store.new_identity().identity.id_number for _ in range(IDENTITIES)]


@pytest.fixture(scope="module")
def registered(people: list[str]) -> dict[str, int]:
    return {
        p: faces.phash(decode_image(faces.b64_png(faces.render_face(p)), "Face")) for p in people
    }


def test_verdicts_over_many_identities(people: list[str], registered: dict[str, int]) -> None:
    rng = random.Random(7)
    live_distances, impostor_distances, live_changes = [], [], []
    for i, person in enumerate(people):
        count = 3 + i % 6  # 3..8 frames
        live = liveness.judge(
            _over_the_wire(faces.live_frames(person, count, rng)), registered[person]
        )
        assert (live.passed, live.reason) == (True, "ok"), person
        live_distances.append(live.distance)
        live_changes.append(live.change)

        still = liveness.judge(
            _over_the_wire(faces.still_frames(person, count)), registered[person]
        )
        assert (still.passed, still.reason) == (False, "still_replay"), person
        assert still.change == 0.0

        other = people[(i + 1) % len(people)]  # another identity's live face
        impostor = liveness.judge(
            _over_the_wire(faces.live_frames(other, count, rng)), registered[person]
        )
        assert (impostor.passed, impostor.reason) == (False, "face_mismatch"), (person, other)
        impostor_distances.append(impostor.distance)

        stranger = faces.live_frames(faces.impostor_seed(person), count, rng)
        assert (
            liveness.judge(_over_the_wire(stranger), registered[person]).reason == "face_mismatch"
        )

    assert max(live_distances) <= liveness.FACE_MAX_DISTANCE - MARGIN
    assert min(impostor_distances) >= liveness.FACE_MAX_DISTANCE + MARGIN
    assert min(live_changes) >= 2 * liveness.STILL_MAX_CHANGE
    assert statistics.mean(live_distances) < 20


def test_no_two_registered_faces_are_close(registered: dict[str, int]) -> None:
    hashes = list(registered.values())
    closest = min(faces.hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :])
    assert closest >= liveness.FACE_MAX_DISTANCE + MARGIN


def test_live_frames_survive_jpeg_and_resizing(
    people: list[str], registered: dict[str, int]
) -> None:
    rng = random.Random(9)
    for person in people[:40]:
        frames = []
        for img in faces.live_frames(person, 5, rng):
            buf = io.BytesIO()
            img.resize((480, 480)).save(buf, "JPEG", quality=70)
            frames.append(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))
        assert liveness.judge(frames, registered[person]).passed


@pytest.mark.parametrize("count", [0, 1, 2])
def test_too_few_frames(count: int) -> None:
    frames = faces.live_frames("few", count, random.Random(1)) if count else []
    verdict = liveness.judge(frames, faces.phash(faces.render_face("few")))
    assert (verdict.passed, verdict.reason) == (False, "too_few_frames")
    assert (verdict.distance is None) == (count == 0)


def test_one_duplicated_frame_does_not_fail_a_live_sequence() -> None:
    frames = faces.live_frames("dup", 5, random.Random(3))
    frames.insert(2, frames[1])  # a camera delivering the same buffer twice
    assert liveness.judge(frames, faces.phash(faces.render_face("dup"))).passed


def test_a_replay_with_one_moving_frame_still_fails() -> None:
    frames = faces.still_frames("replay", 4) + faces.live_frames("replay", 1, random.Random(2))
    verdict = liveness.judge(frames, faces.phash(faces.render_face("replay")))
    assert verdict.reason == "still_replay"


def test_live_frames_are_never_the_same_bytes_twice() -> None:
    """The province calls a capture it has seen before a `replay`; a learner's camera must never
    give it one by chance. Without the sensor noise, these 600 frames of one face held 578
    distinct images (24 places × a few brightness levels)."""
    rng = random.Random(5)
    frames = [faces.png_bytes(img) for _ in range(40) for img in faces.live_frames("cam", 15, rng)]
    assert len(set(frames)) == len(frames) == 600


def test_sensor_noise_leaves_the_face_match_alone(people: list[str]) -> None:
    for person in people[:20]:
        face = faces.render_face(person)
        noisy = faces.sensor_noise(face, (1 << faces.SENSOR_NOISE_BITS) - 1)
        assert faces.hamming(faces.phash(face), faces.phash(noisy)) <= 2
