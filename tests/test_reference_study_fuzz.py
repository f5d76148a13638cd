"""Bad input to the learning-integrity routes never gets a 5xx, and never earns credit.

Bodies mix plausible values (own, foreign and unknown ids; real and fake images) with arbitrary
JSON, as in `test_reference_fuzz`. The clock is not advanced here, so whatever the fuzzer sends,
the credit on record must stay within the few real seconds the run takes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import update

from harness.spec.study import CaptureOut, HeartbeatOut, PlaybackOut
from reference_platform.models import LessonProgress
from tests.test_reference_fuzz import FUZZ, GOOD_IMAGES, Field, _bodies, _post, images
from tests.test_reference_study_support import COURSE, Player, enrolled, lesson_id
from tests.test_reference_support import PlatformDriver, running_platform

WEIRD_IDS = ["", "x", "../x", "%00", "pbk_" + "0" * 20, "cap_unknown", "é" * 70, "a" * 300]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformDriver]:
    with running_platform(tmp_path_factory.mktemp("study-fuzz")) as driver:
        yield driver


@pytest.fixture(scope="module")
def pool(platform: PlatformDriver) -> dict[str, Any]:
    """Three learners: one whose playbacks are opened by the fuzzer, one whose playback gets
    fuzzed heartbeats, one whose capture challenges get fuzzed answers."""
    opener, beater, capturer = enrolled(platform), enrolled(platform), enrolled(platform)
    beating = Player(platform, beater)
    beating.open()
    capturing = Player(platform, capturer, lesson_id(2))
    capturing.open()
    stranger = Player(platform, enrolled(platform))
    stranger.open()
    return {
        "started": time.monotonic(),
        "opener": opener,
        "beating": beating,
        "capturing": capturing,
        "stranger": stranger,
        "answered": [],
    }


def open_challenge(platform: PlatformDriver, player: Player) -> str:
    """A fresh open challenge: the lesson's capture point moved to 0 and its captures forgotten
    directly in the database, then one heartbeat."""
    sessions = platform.client.app.state.platform.sessions  # type: ignore[attr-defined]
    with sessions() as db:
        db.execute(
            update(LessonProgress)
            .where(
                LessonProgress.learner_id == player.learner.learner_id,
                LessonProgress.lesson_id == player.lesson,
            )
            .values(capture_points_s=[0.0], passed_hours=[], open_challenge_id=None)
        )
        db.commit()
    answer = player.beat(player.position)
    assert answer["challenge"] is not None
    return answer["challenge"]["challenge_id"]


@FUZZ
@given(data=st.data())
def test_fuzzed_playback_opening_never_errors(
    platform: PlatformDriver, pool: dict[str, Any], data: st.DataObject
) -> None:
    fields: dict[str, Field] = {
        "course_id": ([COURSE, "crs-cook-junior-b", "crs-care-intermediate"], st.text()),
        "lesson_id": ([lesson_id(1), lesson_id(80), lesson_id(1, "crs-cook-junior-b")], st.text()),
        "window_id": (["window-1", "w" * 64], st.text(max_size=70)),
    }
    body = data.draw(_bodies(fields))
    answer = _post(platform, "/api/v1/playbacks", body, data, **pool["opener"].headers)
    if answer.status_code == 201:
        PlaybackOut.model_validate(answer.json())


@FUZZ
@given(data=st.data())
def test_fuzzed_heartbeats_never_error(
    platform: PlatformDriver, pool: dict[str, Any], data: st.DataObject
) -> None:
    beating: Player = pool["beating"]
    fields: dict[str, Field] = {  # "next", "same", "here": filled in from the player's state
        "seq": (["next", "next", "same", 0], st.integers() | st.floats()),
        "position_s": (["here", 0.0, 30.0, 2700.0, 1e6], st.floats() | st.integers()),
        "rate": ([1.0, 0.5, 2.0, 64.0], st.floats() | st.integers()),
        "window_id": ([beating.window] * 3 + ["window-2"], st.text(max_size=70)),
        "paused": ([False, True], st.integers() | st.text(max_size=5)),
    }
    playback = data.draw(  # mostly its own playback, to reach the credit rules
        st.just(beating.playback_id) | st.sampled_from([pool["stranger"].playback_id, *WEIRD_IDS])
    )
    path = f"/api/v1/playbacks/{quote(playback, safe='')}/heartbeats"
    body = data.draw(_bodies(fields))
    if isinstance(body, dict):
        stateful = {"next": beating.seq + 1, "same": beating.seq, "here": beating.position}
        body = {k: stateful.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    answer = _post(platform, path, body, data, **beating.headers)
    if answer.status_code == 200:
        out = HeartbeatOut.model_validate(answer.json())
        beating.seq = max(beating.seq, body["seq"])
        beating.position = out.furthest_position_s
        event(f"reason {out.reason}")
        assert out.credited_s <= time.monotonic() - pool["started"] + 1
    else:
        assert 400 <= answer.status_code < 500, answer.text


@FUZZ
@given(data=st.data())
def test_fuzzed_capture_answers_never_error(
    platform: PlatformDriver, pool: dict[str, Any], data: st.DataObject
) -> None:
    capturing: Player = pool["capturing"]
    kind = data.draw(st.sampled_from(["open", "answered", "foreign", "weird"]))
    pick = data.draw(st.integers(0, 1000))  # drawn always: the draws must not depend on state
    if kind == "open":
        challenge = open_challenge(platform, capturing)
    elif kind == "answered" and pool["answered"]:
        challenge = pool["answered"][pick % len(pool["answered"])]
    elif kind == "foreign":
        challenge = open_challenge(platform, pool["stranger"])
    else:
        challenge = WEIRD_IDS[pick % len(WEIRD_IDS)]
    fields: dict[str, Field] = {"image": (GOOD_IMAGES, images)}
    path = f"/api/v1/captures/{quote(challenge, safe='')}"
    answer = _post(platform, path, data.draw(_bodies(fields)), data, **capturing.headers)
    if answer.status_code == 200:
        CaptureOut.model_validate(answer.json())
        pool["answered"].append(challenge)
    else:
        assert 400 <= answer.status_code < 500, answer.text


@FUZZ
@given(text=st.text(max_size=80))
def test_fuzzed_queries_and_paths_never_error(
    platform: PlatformDriver, pool: dict[str, Any], text: str
) -> None:
    learner = pool["opener"]
    supervisor = platform.supervisor_headers()
    get, path_text = platform.client.get, quote(text, safe="")
    answers = [
        get("/api/v1/me/progress", params={"course_id": text}, headers=learner.headers),
        get("/api/v1/supervision/heartbeats", params={"playback_id": text}, headers=supervisor),
        get(f"/api/v1/supervision/captures/{path_text}/image", headers=supervisor),
        platform.client.post(f"/api/v1/playbacks/{path_text}/close", headers=learner.headers),
    ]
    for view in ("progress", "course-progress", "playbacks", "captures"):
        params = {"learner_id": text, "course_id": text}
        answers.append(get(f"/api/v1/supervision/{view}", params=params, headers=supervisor))
    assert all(answer.status_code < 500 for answer in answers), [a.text for a in answers]


def test_fuzzing_earned_no_more_than_the_clock_allows(
    platform: PlatformDriver, pool: dict[str, Any]
) -> None:
    """Runs after the fuzzers (module order): the credit on record stays within real time."""
    elapsed = time.monotonic() - pool["started"]
    rows = platform.supervise("progress")
    assert rows, "the fuzzers reached the database"
    assert all(row["credited_s"] <= elapsed + 1 for row in rows)
    assert sum(row["credited_s"] for row in rows) <= 4 * (elapsed + 1)
