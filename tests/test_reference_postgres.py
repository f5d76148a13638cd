"""The reference platform on PostgreSQL (`SXCERT_REF_DATABASE_URL=postgresql://…`): a real server
started for this module (harness/local_postgres.py), a fresh database per test.

What must hold on both backends: credit exactly as the rules say, and concurrent requests about
one playback serialised (here by the row lock the claim takes) so nothing is credited twice and
one account keeps one active playback. Skipped, with the reason, only where no server can start.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.orm import Session, sessionmaker

from harness.local_postgres import fresh_database
from reference_platform.db import Base, make_engine, make_sessionmaker, sqlalchemy_url
from reference_platform.models import StudyEvent, Supervisor
from reference_platform.study_events import (
    START,
    StreamPosition,
    events_after,
    position,
    record,
    record_study_events,
)
from tests.conftest import run_sxcert
from tests.test_reference_study_support import COURSE, LESSON_S, Player, enrolled, lesson_id
from tests.test_reference_support import running_platform


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


# ---- the real-time stream's order (STUDY-09) ---------------------------------------------------
AUTHORITY = Supervisor(id="sup-hr", username="hr", kind="authority", scope_id=None)
AT = dt.datetime(2027, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def event_sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    Base.metadata.create_all(engine, tables=[StudyEvent.__table__])  # type: ignore[list-item]
    sessions = make_sessionmaker(engine)
    record_study_events(sessions)
    try:
        yield sessions
    finally:
        engine.dispose()


def _add_event(session: Session, ref: str) -> None:
    record(session, "quiz", "lrn-1", AT, ref)
    session.flush()  # the event has its id from here on, committed or not


def _poll(sessions: sessionmaker[Session], after: StreamPosition) -> list[StudyEvent]:
    with sessions() as session:
        return events_after(session, AUTHORITY, after)


def test_an_event_committed_after_a_later_id_is_still_streamed(
    event_sessions: sessionmaker[Session],
) -> None:
    """PostgreSQL commits sequence ids out of order: event 1 still uncommitted when event 2 is
    committed. A stream that sent 2 and went on from there would never send 1; the stream holds
    2 back until 1's transaction ends, then sends both, each once."""
    slow, quick = event_sessions(), event_sessions()
    _add_event(slow, "first-id")
    _add_event(quick, "second-id")
    quick.commit()
    assert _poll(event_sessions, START) == []  # 2 waits for the transaction holding 1
    slow.commit()
    sent = _poll(event_sessions, START)
    assert [e.ref for e in sent] == ["first-id", "second-id"]
    assert _poll(event_sessions, position(sent[-1])) == []
    for session in (slow, quick):
        session.close()


def test_a_rolled_back_event_neither_streams_nor_holds_the_stream(
    event_sessions: sessionmaker[Session],
) -> None:
    gone, kept = event_sessions(), event_sessions()
    _add_event(gone, "rolled-back")
    _add_event(kept, "kept")
    kept.commit()
    gone.rollback()
    assert [e.ref for e in _poll(event_sessions, START)] == ["kept"]
    for session in (gone, kept):
        session.close()


def test_concurrent_writers_every_committed_event_streams_once(
    event_sessions: sessionmaker[Session],
) -> None:
    """Six writers commit 20 events each, each holding its transaction open a random while after
    the event has its id, while one stream polls from its last position: the stream sends every
    committed event exactly once, none of a rolled-back transaction."""
    rng = random.Random(31)
    pauses = [[rng.uniform(0, 0.01) for _ in range(20)] for _ in range(6)]
    committed: list[str] = []
    done = threading.Event()

    def writer(number: int) -> None:
        for index, pause in enumerate(pauses[number]):
            with event_sessions() as session:
                ref = f"w{number}-{index}"
                _add_event(session, ref)
                time.sleep(pause)
                if index % 7 == 6:
                    session.rollback()
                else:
                    session.commit()
                    committed.append(ref)

    streamed: list[str] = []
    after = START

    def stream() -> None:
        nonlocal after
        while True:
            finished = done.is_set()  # read first: a poll after the writers end sees all
            for row in _poll(event_sessions, after):
                streamed.append(row.ref or "")
                after = position(row)
            if finished:
                return
            time.sleep(0.001)

    reader = threading.Thread(target=stream)
    reader.start()
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(writer, range(6)))
    done.set()
    reader.join(timeout=30)
    assert not reader.is_alive()
    assert len(streamed) == len(set(streamed))
    assert sorted(streamed) == sorted(committed)


# ---- certify against the embedded reference on PostgreSQL (--reference-database) ----------------
def test_certify_runs_the_embedded_reference_on_an_empty_postgresql_database(
    tmp_path: Path, database_url: str
) -> None:
    """The stream (STUDY-09, whose order PostgreSQL could break), backup and restore through
    pg_dump (POST-04) and concurrent windows (STUDY-04), judged on the reference on PostgreSQL."""
    out = tmp_path / "out"
    only = "STUDY-09,POST-04,STUDY-04"
    done = run_sxcert(
        "certify", "--reference-database", database_url, "--only", only,
        "--skip-browser", "--skip-load", "--out", str(out),
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["target"]["reference_database"] == "postgresql"
    statuses = {c["id"]: c["status"] for c in report["clauses"]}
    judged = {i: s for i, s in statuses.items() if s not in ("not_run", "attested")}
    assert judged == dict.fromkeys(only.split(","), "pass")
    with psycopg.connect(database_url) as db:  # it really ran there
        assert db.execute("SELECT count(*) FROM study_events").fetchone()[0] > 0


def test_a_database_that_is_not_empty_is_refused_before_the_run(
    tmp_path: Path, database_url: str
) -> None:
    with psycopg.connect(database_url) as db:
        db.execute("CREATE TABLE earlier_run (id INTEGER)")
    done = run_sxcert("certify", "--reference-database", database_url, "--out", str(tmp_path))
    assert done.returncode == 2 and "the database is not empty (1 tables)" in done.stderr
    assert not (tmp_path / "report.json").exists()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://sxcert:hunter2@127.0.0.1:1/x", "give it in PGPASSWORD"),
        ("mysql://u@127.0.0.1/x", "SQLite or PostgreSQL, not mysql"),
        ("not a url", "not a database URL"),
        ("postgresql://sxcert@127.0.0.1:1/none", "cannot open the database"),
    ],
)
def test_a_database_the_reference_cannot_use_is_one_clear_reason(
    tmp_path: Path, url: str, reason: str
) -> None:
    done = run_sxcert("certify", "--reference-database", url, "--out", str(tmp_path))
    assert done.returncode == 2, done.stdout + done.stderr
    assert reason in done.stderr and "Traceback" not in done.stderr + done.stdout
    assert "hunter2" not in done.stderr + done.stdout
