"""The reference platform on PostgreSQL (`SXCERT_REF_DATABASE_URL=postgresql://…`): a real server
started for this module (harness/local_postgres.py), a fresh database per test.

What must hold on both backends: credit exactly as the rules say, and concurrent requests about
one playback serialised (here by the row lock the claim takes) so nothing is credited twice and
one account keeps one active playback. Skipped, with the reason, only where no server can start.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness.local_postgres import PostgresUnavailable, fresh_database, local_postgres
from reference_platform.db import sqlalchemy_url
from tests.conftest import run_sxcert
from tests.test_reference_study_support import COURSE, LESSON_S, Player, enrolled, lesson_id
from tests.test_reference_support import running_platform


@pytest.fixture(scope="module")
def postgres_server() -> Iterator[str]:
    try:
        with local_postgres() as url:
            yield url
    except PostgresUnavailable as exc:
        pytest.skip(f"PostgreSQL backend not tested: {exc}")


@pytest.fixture
def database_url(postgres_server: str) -> str:
    return fresh_database(postgres_server, f"ref_{uuid.uuid4().hex[:10]}")


def test_postgresql_urls_are_driven_by_psycopg_3() -> None:
    assert sqlalchemy_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert sqlalchemy_url("sqlite:///x.db") == "sqlite:///x.db"


def test_a_whole_lesson_is_credited_exactly_on_postgresql(
    tmp_path: Path, database_url: str
) -> None:
    with running_platform(tmp_path, database_url=database_url) as platform:
        learner = enrolled(platform)
        player = Player(platform, learner)
        assert player.open()["resume_position_s"] == 0.0
        last = player.watch_to_end(step=30)
        assert (last["credited_s"], last["furthest_position_s"]) == (LESSON_S, LESSON_S)
        row = player.progress()
        assert (row["credited_s"], row["captures_passed"], row["hour_credited"]) == (
            LESSON_S,
            1,
            True,
        )
        beats = platform.supervise("heartbeats", playback_id=player.playback_id)
        assert len(beats) == LESSON_S // 30
        assert {(b["reason"], b["credited_delta_s"]) for b in beats} == {("ok", 30.0)}


def test_concurrent_requests_are_serialised_on_postgresql(
    tmp_path: Path, database_url: str
) -> None:
    """Eight copies of one heartbeat at once: one credit; eight windows at once: one active."""
    with running_platform(tmp_path, database_url=database_url) as platform:
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


def test_backup_then_changes_then_restore_gives_the_backed_up_rows(
    tmp_path: Path, database_url: str
) -> None:
    """`sxcert reference backup|restore` on PostgreSQL (pg_dump/pg_restore, POST-04)."""
    import psycopg

    def rows() -> list[tuple[int, str]]:
        with psycopg.connect(database_url) as db:
            return db.execute("SELECT id, name FROM t ORDER BY id").fetchall()

    with psycopg.connect(database_url) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)")
        db.execute("INSERT INTO t VALUES (1, '甲'), (2, '乙')")
    copy = tmp_path / "backup.dump"
    done = run_sxcert("reference", "backup", str(copy), "--database-url", database_url)
    assert done.returncode == 0, done.stdout + done.stderr
    with psycopg.connect(database_url) as db:
        db.execute("DELETE FROM t WHERE id = 1")
        db.execute("INSERT INTO t VALUES (3, '丙')")
    done = run_sxcert("reference", "restore", str(copy), "--database-url", database_url)
    assert done.returncode == 0, done.stdout + done.stderr
    assert rows() == [(1, "甲"), (2, "乙")]
    missing = run_sxcert(
        "reference", "restore", str(tmp_path / "none"), "--database-url", database_url
    )
    assert missing.returncode == 2 and "no backup file" in missing.stderr
