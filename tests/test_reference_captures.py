"""Capture challenges (STUDY-01, STUDY-02): a random moment per learner and hour, the province
judging every face, kept images, deadlines, and no credited hour without a passed capture."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from sqlalchemy import select

from reference_platform.models import LessonProgress
from tests.test_reference_study_support import (
    LESSON_S,
    Learner,
    Player,
    enrolled,
    foreign_face,
    fresh_face,
    lesson_id,
)
from tests.test_reference_support import PlatformDriver, running_platform


def stored_points(platform: PlatformDriver, learner: Learner, lesson: str) -> list[float]:
    sessions = platform.client.app.state.platform.sessions  # type: ignore[attr-defined]
    with sessions() as db:
        return db.scalar(
            select(LessonProgress.capture_points_s).where(
                LessonProgress.learner_id == learner.learner_id,
                LessonProgress.lesson_id == lesson,
            )
        )


def until_challenge(player: Player) -> dict:
    while player.challenge is None:
        last = player.step(30)
    return last


def test_a_challenge_comes_at_a_secret_random_point_of_each_hour(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        points = []
        for _ in range(3):
            learner = enrolled(platform)
            for seq in (1, 2):
                player = Player(platform, learner, lesson_id(seq))
                player.open()
                [point] = stored_points(platform, learner, player.lesson)
                assert 0.05 * LESSON_S <= point <= 0.90 * LESSON_S
                points.append(point)
                issuing = until_challenge(player)
                assert point <= issuing["furthest_position_s"] < point + 30
                challenge = issuing["challenge"]
                assert set(challenge) == {"challenge_id", "issued_at", "deadline"}
        assert len(set(points)) == len(points), "a fresh point per learner and hour"


def test_an_open_challenge_is_repeated_and_credit_continues_until_answered(
    tmp_path: Path,
) -> None:
    with running_platform(tmp_path) as platform:
        player = Player(platform, enrolled(platform))
        player.open()
        challenge = until_challenge(player)["challenge"]
        again = player.step(30)
        assert again["challenge"] == challenge and again["credited_delta_s"] == 30.0
        player.answer()
        assert player.step(30)["challenge"] is None


def test_a_passed_capture_is_judged_by_the_province_and_kept(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.open()
        challenge = until_challenge(player)["challenge"]
        image = fresh_face(platform, learner.person)
        out = player.answer(image)
        assert (out["challenge_id"], out["passed"], out["reason"]) == (
            challenge["challenge_id"],
            True,
            "ok",
        )
        match = platform.province.calls_of("face_match")[-1]
        sent = {"id_number": learner.person.id_number, "image": image}
        assert match == platform.province.as_logged(sent)
        [row] = platform.supervise("captures", learner_id=learner.learner_id)
        data = base64.b64decode(image)
        assert row["image_sha256"] == hashlib.sha256(data).hexdigest()
        assert (row["passed"], row["reason"], row["playback_id"]) == (
            True,
            "ok",
            player.playback_id,
        )
        assert row["issued_at"] <= row["answered_at"] <= row["deadline"]
        kept = platform.client.get(
            f"/api/v1/supervision/captures/{row['challenge_id']}/image",
            headers=platform.supervisor_headers(),
        )
        assert (kept.status_code, kept.content, kept.headers["content-type"]) == (
            200,
            data,
            "image/png",
        )
        assert player.progress()["captures_passed"] == 1


def test_failed_captures_hold_the_hour_until_a_genuine_one_passes(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.open()
        until_challenge(player)
        photo = platform.face(learner.person)  # the photo sent at registration: a replay
        first = player.answer(photo)
        assert (first["passed"], first["reason"]) == (False, "replay")
        renewed = player.step(30)
        assert renewed["challenge"]["challenge_id"] != first["challenge_id"]
        assert renewed["credited_delta_s"] == 30.0
        second = player.answer(foreign_face(platform, learner.person))
        assert (second["passed"], second["reason"]) == (False, "face_mismatch")
        while player.position < LESSON_S:
            player.step(30)
            if player.challenge is not None:
                player.answer(foreign_face(platform, learner.person))
        row = player.progress()
        assert (row["credited_s"], row["captures_passed"], row["hour_credited"]) == (
            LESSON_S,
            0,
            False,
        )
        player.close()
        reopened = Player(platform, learner)
        assert reopened.open()["resume_position_s"] == LESSON_S
        reopened.wait(30)
        asked = reopened.beat()
        assert asked["reason"] == "ok" and asked["challenge"] is not None
        assert reopened.answer()["passed"]
        row = reopened.progress()
        assert (row["captures_passed"], row["hour_credited"]) == (1, True)
        captures = platform.supervise("captures", learner_id=learner.learner_id)
        assert [c["passed"] for c in captures] == [False] * (len(captures) - 1) + [True]
        assert captures[-1]["playback_id"] == reopened.playback_id


def test_an_unanswered_challenge_stops_credit_after_its_deadline(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.open()
        old = until_challenge(player)["challenge"]
        player.wait(61)
        overdue = player.beat(player.position)
        assert (overdue["reason"], overdue["accepted"], overdue["credited_delta_s"]) == (
            "capture_overdue",
            True,
            0.0,
        )
        new = overdue["challenge"]
        assert new["challenge_id"] != old["challenge_id"]
        stale = Player(platform, learner)
        stale.challenge = old
        assert stale.answer(expect=409) == {"detail": "Capture challenge expired"}
        assert player.answer()["passed"]
        assert player.step(30)["credited_delta_s"] == 30.0
        rows = {
            c["challenge_id"]: c
            for c in platform.supervise("captures", learner_id=learner.learner_id)
        }
        assert (rows[old["challenge_id"]]["passed"], rows[old["challenge_id"]]["reason"]) == (
            False,
            "expired",
        )
        assert rows[old["challenge_id"]]["answered_at"] is None


def test_answers_too_late_twice_or_to_others_are_refused(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        owner, stranger = enrolled(platform), enrolled(platform)
        player = Player(platform, owner)
        player.open()
        challenge = until_challenge(player)["challenge"]
        intruder = Player(platform, stranger)
        intruder.challenge = challenge
        assert intruder.answer(expect=404) == {"detail": "Capture challenge not found"}
        intruder.challenge = {"challenge_id": "cap_unknown"}
        assert intruder.answer(expect=404)["detail"] == "Capture challenge not found"
        player.answer("bm90IGFuIGltYWdlIGF0IGFsbA==", expect=422)
        calls = len(platform.province.calls_of("face_match"))
        with platform.province.failing():
            assert player.answer(expect=503) == {"detail": "Province service unavailable"}
        assert len(platform.province.calls_of("face_match")) == calls + 1
        player.answer()
        player.challenge = challenge
        assert player.answer(expect=409) == {"detail": "Capture challenge already answered"}
        late = Player(platform, owner, lesson_id(2))
        late.open()
        until_challenge(late)
        late.wait(61)
        assert late.answer(expect=409) == {"detail": "Capture challenge expired"}
        assert [
            c["passed"] for c in platform.supervise("captures", learner_id=owner.learner_id)
        ] == [
            True,
            None,
        ]


def test_a_capture_of_an_ended_login_is_refused(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.headers = dict(learner.headers)
        player.open()
        until_challenge(player)
        platform.learner_headers(learner.person)  # a newer login ends the player's
        assert player.answer(expect=409) == {"detail": "Playback ended"}
        [row] = platform.supervise("captures", learner_id=learner.learner_id)
        assert row["answered_at"] is None and row["image_sha256"] is None


def test_a_person_the_province_does_not_know_fails_the_capture(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.open()
        until_challenge(player)
        platform.province.forget_registrations(learner.person.id_number)
        out = player.answer()
        assert (out["passed"], out["reason"]) == (False, "identity_not_registered")
