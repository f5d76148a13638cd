"""The reference platform's archive pusher (ARCH-01, ARCH-02): every fact becomes one record of
the learner's hash chain, written to the outbox before it is sent; records made while the
province is down reach it after a restart; the defects lose them or break the chain.

Rounds are run by calling the pusher directly, so that no test waits for its thread.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from harness.spec.archive import chain_problems
from reference_platform import archive, archive_pusher
from reference_platform.archive_pusher import ArchivePusher
from reference_platform.models import ArchiveRecord
from tests.test_reference_progress import COURSES, enrolled_in, study
from tests.test_reference_study_support import Learner
from tests.test_reference_support import PlatformDriver, hook_headers, running_platform

COURSE = COURSES["senior"][0]
SLOWLY = ("retries_refused_chains_slowly",)


def _pusher(platform: PlatformDriver) -> ArchivePusher:
    pusher = platform.client.app.state.platform.archive_pusher  # type: ignore[attr-defined]
    assert pusher is not None
    return pusher


def _held(platform: PlatformDriver, learner: Learner) -> list[dict[str, Any]]:
    chains = platform.province.sandbox.archive(id_number=learner.person.id_number)
    return [r.model_dump(mode="json") for c in chains for r in c.records]


def _answer_questions(platform: PlatformDriver, learner: Learner, which: slice) -> list[str]:
    questions = platform.client.get(
        f"/api/v1/courses/{COURSE}/questions", headers=learner.headers
    ).json()[which]
    for question in questions:
        answer = platform.client.post(
            f"/api/v1/questions/{question['question_id']}/answer",
            json={"option": question["options"][0]["key"]},
            headers=learner.headers,
        )
        assert answer.status_code == 200, answer.text
    return [q["question_id"] for q in questions]


def test_every_fact_becomes_a_chained_record_at_the_province(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled_in(platform, "senior")
        study(platform, learner, COURSE, range(1, 2))  # lesson 1 credited, its quiz answered
        _pusher(platform).push_round()
        held = _held(platform, learner)
        assert chain_problems(held) == []
        kinds = [r["kind"] for r in held]
        assert kinds[0] == "enrolment" and kinds[-1] == "credited_hours"
        assert kinds.count("quiz_answer") == 5
        credited = held[-1]["data"]
        assert len(credited["quiz_answers"]) == 5 and credited["lesson_hours"] == 1
        _pusher(platform).push_round()  # nothing new: nothing archived twice
        assert len(_held(platform, learner)) == len(held)


def test_records_made_during_an_outage_arrive_after_a_restart(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        learner = enrolled_in(platform, "senior")
        _pusher(platform).push_round()
        with platform.province.failing():
            answered = _answer_questions(platform, learner, slice(0, 3))
            assert _pusher(platform).push_round() == 0  # 503: kept in the outbox
            restart = platform.client.post("/api/v1/test/restart", headers=hook_headers())
            assert restart.status_code == 204
        _pusher(platform).push_round()
        held = _held(platform, learner)
        assert chain_problems(held) == []
        assert [r["data"].get("question_id") for r in held[1:]] == answered
        sessions = platform.client.app.state.platform.sessions  # type: ignore[attr-defined]
        with sessions() as db:
            unsent = db.scalars(
                select(ArchiveRecord).where(ArchiveRecord.acknowledged_at.is_(None))
            ).all()
        assert unsent == []


def test_no_write_is_held_while_the_province_is_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round acknowledges after its round trips: a write begun before them held SQLite's one
    writer across every later push, and every heartbeat waited for the province (issue 14)."""
    with running_platform(tmp_path) as platform:
        pusher = _pusher(platform)
        pusher.stop()  # only this test's round pushes
        learners = [enrolled_in(platform, "senior") for _ in range(3)]
        engine = platform.client.app.state.platform.engine  # type: ignore[attr-defined]
        send = pusher._province.push_archive_records
        writer_held: list[bool] = []

        def observed(records: list[dict[str, Any]]) -> Any:
            raw = engine.raw_connection()
            try:
                writer_held.append(raw.dbapi_connection.write_lock.locked())
            finally:
                raw.close()
            return send(records)

        monkeypatch.setattr(pusher._province, "push_archive_records", observed)
        assert pusher.push_round() >= len(learners)
        assert len(writer_held) >= len(learners) and not any(writer_held)
        assert all(chain_problems(_held(platform, learner)) == [] for learner in learners)


def test_the_lost_on_restart_defect_loses_what_was_in_memory(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("archive_push_lost_on_restart",)) as platform:
        learner = enrolled_in(platform, "senior")
        _pusher(platform).push_round()
        with platform.province.failing():
            _answer_questions(platform, learner, slice(0, 3))
            _pusher(platform).push_round()
            platform.client.post("/api/v1/test/restart", headers=hook_headers())
        _answer_questions(platform, learner, slice(3, 4))  # one more, after the outage
        _pusher(platform).push_round()
        held = _held(platform, learner)
        assert [r["kind"] for r in held] == ["enrolment"]  # the chain stops at the gap
        refusals = platform.province.sandbox.log(
            service="archive", id_number=learner.person.id_number
        )
        assert any("missing" in str(e.response.get("detail")) for e in refusals)


def test_the_broken_chain_defect_is_refused_by_the_province(tmp_path: Path) -> None:
    with running_platform(tmp_path, defects=("archive_chain_broken",)) as platform:
        learner = enrolled_in(platform, "senior")
        _pusher(platform).push_round()
        assert _held(platform, learner) == []
        sessions = platform.client.app.state.platform.sessions  # type: ignore[attr-defined]
        with sessions() as db:
            [record] = db.scalars(select(ArchiveRecord)).all()
        assert record.acknowledged_at is None and "hash does not match" in (record.last_error or "")


def test_the_restart_hook_needs_the_test_token(tmp_path: Path) -> None:
    with running_platform(tmp_path) as platform:
        assert platform.client.post("/api/v1/test/restart").status_code == 401
        wrong = {"Authorization": "Bearer not-the-token"}
        assert platform.client.post("/api/v1/test/restart", headers=wrong).status_code == 401


def test_a_refused_chain_does_not_hold_up_the_other_learners(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A round reads at most MAX_PENDING records, in learner order. A learner whose chain the
    province refuses waits for its retry; its records must not fill the round's reads meanwhile
    (before: the round read the waiting learner's records first, then set them aside, and a
    learner ordered after it waited as long as the refusal lasted)."""
    monkeypatch.setattr(archive, "MAX_PENDING", 4)
    with running_platform(tmp_path) as platform:
        pusher = _pusher(platform)
        pusher.stop()  # only this test's rounds push
        first, second = sorted(
            (enrolled_in(platform, "senior") for _ in range(2)), key=lambda x: x.learner_id
        )
        _answer_questions(platform, first, slice(0, 5))  # 6 records: more than a round reads
        _answer_questions(platform, second, slice(0, 1))
        platform.province.sandbox.refuse_archive(first.person.id_number)
        try:
            pusher.push_round()  # the first learner's chain is refused: it waits for its retry
            pusher.push_round()
            assert [r["kind"] for r in _held(platform, second)] == ["enrolment", "quiz_answer"]
            assert _held(platform, first) == []
        finally:
            platform.province.sandbox.refuse_archive(first.person.id_number, refused=False)


class _Monotonic:
    """The pusher's clock for retries, moved by the test (the rounds are called directly)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("alternatives", "retry_s"),
    [((), archive_pusher.REFUSED_RETRY_S), (SLOWLY, archive_pusher.SLOW_REFUSED_RETRY_S)],
    ids=["default", "slowly"],
)
def test_a_refused_chain_is_tried_again_after_its_delay_and_the_others_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, alternatives: tuple[str, ...], retry_s: float
) -> None:
    """When a refused chain is tried again is the platform's choice (2 s, or 120 s under
    `retries_refused_chains_slowly`); either way it is not tried before its delay, it is tried
    at its delay, and another learner's records go on meanwhile."""
    clock = _Monotonic()
    monkeypatch.setattr(archive_pusher, "time", clock)
    with running_platform(tmp_path, alternatives=frozenset(alternatives)) as platform:
        pusher = _pusher(platform)
        pusher.stop()  # only this test's rounds push
        refused, other = (enrolled_in(platform, "senior") for _ in range(2))
        platform.province.sandbox.refuse_archive(refused.person.id_number)
        try:
            pusher.push_round()  # refused: it waits
        finally:
            platform.province.sandbox.refuse_archive(refused.person.id_number, refused=False)
        _answer_questions(platform, other, slice(0, 1))
        clock.now += retry_s - 0.01  # the last moment before its delay ends
        pusher.push_round()
        assert _held(platform, refused) == []
        assert [r["kind"] for r in _held(platform, other)] == ["enrolment", "quiz_answer"]
        clock.now += 0.02  # its delay has passed
        pusher.push_round()
        assert [r["kind"] for r in _held(platform, refused)] == ["enrolment"]
