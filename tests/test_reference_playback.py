"""Playbacks and heartbeats over HTTP (STUDY-03..07): the honest lesson, every refusal reason,
one playback per account, resume, and the sliding token expiry."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.test_reference_study_support import (
    COURSE,
    LESSON_S,
    Player,
    enrolled,
    lesson_id,
)
from tests.test_reference_support import PlatformDriver, running_platform


def _heartbeats(platform: PlatformDriver, player: Player) -> list[dict]:
    return platform.supervise("heartbeats", playback_id=player.playback_id)


def test_a_whole_lesson_watched_honestly_is_credited(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        opened = player.open()
        assert (opened["duration_s"], opened["resume_position_s"]) == (LESSON_S, 0.0)
        assert opened["heartbeat_interval_s"] == 30 and opened["lesson_id"] == lesson_id(1)
        last = player.watch_to_end(step=30)
        assert (last["credited_s"], last["furthest_position_s"]) == (LESSON_S, LESSON_S)
        row = player.progress()
        assert (row["credited_s"], row["captures_passed"], row["hour_credited"]) == (
            LESSON_S,
            1,
            True,
        )
        beats = _heartbeats(platform, player)
        assert len(beats) == LESSON_S // 30
        assert {(b["reason"], b["accepted"], b["credited_delta_s"]) for b in beats} == {
            ("ok", True, 30.0)
        }
        [playback] = platform.supervise("playbacks", learner_id=learner.learner_id)
        assert playback["credited_s"] == LESSON_S and playback["active"]
        [course] = platform.supervise("course-progress", learner_id=learner.learner_id)
        assert (course["credited_hours"], course["required_hours"], course["completed"]) == (
            1,
            60,
            False,
        )


def test_opening_needs_an_enrolment_and_a_lesson_of_the_course(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        open_ = platform.client.post

        def attempt(course: str, lesson: str, headers: dict | None = None) -> tuple[int, str]:
            body = {"course_id": course, "lesson_id": lesson, "window_id": "w"}
            answer = open_("/api/v1/playbacks", json=body, headers=headers or learner.headers)
            return answer.status_code, answer.json().get("detail", "")

        assert attempt("no-such-course", lesson_id(1)) == (404, "Course not found")
        assert attempt(COURSE, "no-such-lesson") == (404, "Lesson not found")
        other = "crs-cook-junior-b"
        assert attempt(COURSE, lesson_id(1, other)) == (404, "Lesson not found")
        assert attempt(other, lesson_id(1, other)) == (403, "Not enrolled in the course")
        assert attempt(COURSE, lesson_id(1), {"Authorization": "Bearer x"})[0] == 401
        assert platform.supervise("playbacks", learner_id=learner.learner_id) == []


def test_each_refusal_reason_is_answered_and_recorded(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        player = Player(platform, enrolled(platform))
        player.open()
        player.step(30)
        player.step(30)
        reasons = []
        for kwargs in (
            {"seq": 2},  # duplicate
            {"paused": True},
            {"rate": 2.0, "position": 120.0},
            {"position": 10.0},  # review
            {"position": 60.0 + 30 + 30 + 1},  # seek
        ):
            player.wait(30)
            out = player.beat(**kwargs)
            assert out["credited_delta_s"] == 0.0 and out["credited_s"] == 60.0
            assert out["furthest_position_s"] == 60.0
            reasons.append((out["reason"], out["accepted"]))
        assert reasons == [
            ("duplicate", False),
            ("paused", True),
            ("speed", True),
            ("review", True),
            ("seek", True),
        ]
        beats = _heartbeats(platform, player)
        assert [b["reason"] for b in beats] == ["ok", "ok"] + [r for r, _ in reasons]
        assert sum(b["credited_delta_s"] for b in beats) == 60.0
        assert player.progress()["credited_s"] == 60.0


def test_duplicates_change_nothing(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        player = Player(platform, enrolled(platform))
        player.open()
        first = player.step(30)
        for _ in range(3):
            again = player.beat(30.0, seq=1)
            assert (again["reason"], again["credited_s"]) == ("duplicate", first["credited_s"])
        player.wait(30)
        assert player.beat(60.0)["credited_delta_s"] == 30.0, "the baseline did not move"


def test_reopening_resumes_at_the_furthest_point(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.open()
        for _ in range(20):
            player.step(30)
            if player.challenge:
                player.answer()
        player.close()
        assert player.open()["resume_position_s"] == 600.0
        learner.headers.update(platform.learner_headers(learner.person))  # a new login
        assert player.open()["resume_position_s"] == 600.0
        other_lesson = Player(platform, learner, lesson_id(2))
        assert other_lesson.open()["resume_position_s"] == 0.0


def test_a_new_playback_supersedes_the_others(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        first, second = (
            Player(platform, learner, lesson_id(1), "window-1"),
            Player(platform, learner, lesson_id(2), "window-2"),
        )
        first.open()
        first.step(30)
        second.open()
        first.wait(30)
        refused = first.beat(60.0, expect=409)
        assert refused == {"detail": "Playback ended"}
        assert second.beat(30.0)["credited_delta_s"] == 30.0
        rows = {
            p["window_id"]: p
            for p in platform.supervise("playbacks", learner_id=learner.learner_id)
        }
        assert not rows["window-1"]["active"] and rows["window-2"]["active"]
        assert rows["window-1"]["end_reason"] == "Superseded by a newer playback"
        assert rows["window-1"]["credited_s"] == 30.0


def test_a_newer_login_ends_the_older_logins_playbacks(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        old = Player(platform, learner)
        old.headers = dict(learner.headers)
        old.open()
        old.step(30)
        new_headers = platform.learner_headers(learner.person)
        old.wait(30)
        assert old.beat(60.0, expect=409) == {"detail": "Playback ended"}
        old.headers = new_headers  # the new token does not revive the old login's playback
        assert old.beat(60.0, expect=409) == {"detail": "Playback ended"}
        [row] = platform.supervise("playbacks", learner_id=learner.learner_id)
        assert (row["active"], row["end_reason"], row["credited_s"]) == (False, "Login ended", 30.0)
        assert len(_heartbeats(platform, old)) == 1, "refused heartbeats are not recorded"
        fresh = Player(platform, learner)
        fresh.headers = new_headers
        assert fresh.open()["resume_position_s"] == 30.0
        rows = platform.supervise("playbacks", learner_id=learner.learner_id)
        assert [(r["active"], r["end_reason"]) for r in rows] == [
            (False, "Login ended"),  # the earlier end, not the later supersession
            (True, None),
        ]
        assert platform.client.post("/api/v1/logout", headers=new_headers).status_code == 204
        fresh.wait(30)
        assert fresh.beat(60.0, expect=409) == {"detail": "Playback ended"}


def test_other_learners_and_other_windows_are_refused(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        owner, stranger = enrolled(platform), enrolled(platform)
        player = Player(platform, owner)
        player.open()
        intruder = Player(platform, stranger)
        intruder.playback_id = player.playback_id
        assert intruder.beat(0.0, expect=404) == {"detail": "Playback not found"}
        closing = platform.client.post(
            f"/api/v1/playbacks/{player.playback_id}/close", headers=stranger.headers
        )
        assert closing.status_code == 404
        intruder.playback_id = "pbk_unknown"
        assert intruder.beat(0.0, expect=404)["detail"] == "Playback not found"
        player.wait(30)
        other_window = player.beat(30.0, window="window-9", expect=409)
        assert other_window == {"detail": "Heartbeat from another window"}
        assert player.beat(30.0)["credited_delta_s"] == 30.0
        assert len(_heartbeats(platform, player)) == 1


def test_closing_ends_credit_and_is_idempotent(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.open()
        player.step(30)
        player.close()
        player.close()
        player.wait(30)
        assert player.beat(60.0, expect=409) == {"detail": "Playback ended"}
        [row] = platform.supervise("playbacks", learner_id=learner.learner_id)
        assert (row["active"], row["end_reason"]) == (False, "Closed")
        assert player.progress()["credited_s"] == 30.0


def test_the_token_expiry_slides_with_each_accepted_request(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.open()
        for _ in range(3):  # 33 h of study: each request keeps the token alive
            player.wait(11 * 3600)
            assert player.beat(player.position, paused=True)["reason"] == "paused"
        me = platform.client.get("/api/v1/me", headers=learner.headers)
        assert me.status_code == 200
        player.wait(12 * 3600 + 1)
        assert platform.client.get("/api/v1/me", headers=learner.headers).status_code == 401
        player.beat(player.position, expect=401)
        [login] = platform.supervise("logins", learner_id=learner.learner_id)
        assert not login["active"]


def test_concurrent_requests_neither_double_credit_nor_leave_two_playbacks(
    tmp_path: Path,
) -> None:
    """The same heartbeat sent eight times at once is credited once; eight windows opened at
    once leave exactly one active playback."""
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.open()
        player.wait(30)
        body = {"seq": 1, "position_s": 30.0, "rate": 1.0, "window_id": "window-1"}
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: player.send(body).json(), range(8)))
        assert sorted(a["reason"] for a in answers) == ["duplicate"] * 7 + ["ok"]
        assert player.progress()["credited_s"] == 30.0

        def open_window(index: int) -> int:
            body = {"course_id": COURSE, "lesson_id": lesson_id(2), "window_id": f"w-{index}"}
            opened = platform.client.post("/api/v1/playbacks", json=body, headers=learner.headers)
            return opened.status_code

        with ThreadPoolExecutor(8) as pool:
            assert list(pool.map(open_window, range(8))) == [201] * 8
        playbacks = platform.supervise("playbacks", learner_id=learner.learner_id)
        assert len(playbacks) == 9 and sum(p["active"] for p in playbacks) == 1


def test_a_malformed_heartbeat_is_401_before_422_without_a_valid_token(tmp_path: Path) -> None:
    """The heartbeat authenticates inside its unit of work (heartbeat_path.py), after FastAPI has
    validated the body: the interface's order (401 before 422) still holds, for no token, a
    made-up one and another protocol's scheme; a signed-in learner's malformed body is 422; and
    nothing is recorded for any of them."""
    with running_platform(tmp_path) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        player.open()
        path = f"/api/v1/playbacks/{player.playback_id}/heartbeats"
        for headers in (
            {},
            {"Authorization": "Bearer made-up-token"},
            {"Authorization": "Basic " + learner.headers["Authorization"].split(" ", 1)[1]},
        ):
            for body in ({}, {"seq": "x"}, []):
                answer = platform.client.post(path, json=body, headers=headers)
                assert answer.status_code == 401, (headers, body, answer.text)
                assert answer.headers["www-authenticate"] == "Bearer"
        answer = platform.client.post(path, json={}, headers=learner.headers)
        assert answer.status_code == 422, answer.text
        assert _heartbeats(platform, player) == []
