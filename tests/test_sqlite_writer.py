"""The reference's SQLite writers queue on a Python lock (reference_platform/sqlite_writer.py):
every writer gets its turn at once when the one before ends, a wait past the bound is a 503, and
the lock is given back however a transaction ends."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from reference_platform.admission import Overloaded
from reference_platform.db import make_engine


@pytest.fixture
def engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    yield engine
    engine.dispose()


def _rows(engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM t")).scalar_one())


def _turn_after_commit(first_engine, second_engine) -> float:
    """The first engine's connection writes and holds its transaction for 0.3 s while the
    second engine writes; answer how long after the first's commit the second's write ended."""
    done: list[float] = []
    failed: list[BaseException] = []
    with first_engine.connect() as first:
        first.execute(text("INSERT INTO t (who) VALUES ('first')"))

        def second() -> None:
            try:
                with second_engine.begin() as conn:
                    conn.execute(text("INSERT INTO t (who) VALUES ('second')"))
            except BaseException as exc:  # reported to the test below
                failed.append(exc)
            done.append(time.monotonic())

        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)
        assert not done  # still waiting: the first holds the write
        committed_at = time.monotonic()
        first.commit()
        thread.join(5)
    assert not failed, failed
    assert done and done[0] >= committed_at
    return done[0] - committed_at


def test_a_second_writer_waits_for_the_first_to_commit_then_writes(engine) -> None:
    assert _turn_after_commit(engine, engine) < 0.2  # at once, not after a busy-handler sleep
    assert _rows(engine) == 2


def test_a_wait_past_the_bound_is_overloaded_and_changes_nothing(tmp_path: Path) -> None:
    from reference_platform import db

    bound = db.BUSY_TIMEOUT_MS
    db.BUSY_TIMEOUT_MS = 200
    try:
        engine = make_engine(f"sqlite:///{tmp_path / 'b.db'}")
    finally:
        db.BUSY_TIMEOUT_MS = bound
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    refused: list[BaseException] = []
    with engine.connect() as first:
        first.execute(text("INSERT INTO t (who) VALUES ('first')"))

        def second() -> None:
            try:
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO t (who) VALUES ('second')"))
            except Overloaded as exc:
                refused.append(exc)

        thread = threading.Thread(target=second)
        thread.start()
        thread.join(5)
        first.commit()
    assert len(refused) == 1
    assert _rows(engine) == 1
    with engine.begin() as conn:  # the lock is free again
        conn.execute(text("INSERT INTO t (who) VALUES ('third')"))
    assert _rows(engine) == 2
    engine.dispose()


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_a_transaction_that_does_not_commit_gives_the_lock_back(engine, end: str) -> None:
    conn = engine.connect()
    conn.execute(text("INSERT INTO t (who) VALUES ('undone')"))
    getattr(conn, end)()
    if end == "rollback":
        conn.close()
    done = threading.Event()

    def writer() -> None:
        with engine.begin() as other:
            other.execute(text("INSERT INTO t (who) VALUES ('next')"))
        done.set()

    threading.Thread(target=writer).start()
    assert done.wait(2)
    assert _rows(engine) == 1


def test_many_concurrent_writers_all_commit(engine) -> None:
    errors: list[BaseException] = []

    def writer(name: str) -> None:
        try:
            for i in range(40):
                with engine.begin() as conn:
                    conn.execute(text("SELECT count(*) FROM t")).scalar_one()
                    conn.execute(text("INSERT INTO t (who) VALUES (:w)"), {"w": f"{name}-{i}"})
        except BaseException as exc:  # any error fails the test below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert _rows(engine) == 8 * 40


def test_a_writer_of_another_process_waits_its_turn_then_writes_at_once(tmp_path: Path) -> None:
    """Two engines on one file stand for two server processes (`sxcert load` serves the
    reference from one per core): each has its own Python lock, so only the lock on the file
    beside the database (process_lock.py) keeps the second from SQLite's lock. Its connections
    get no busy handler here, so a write that met SQLite's lock would fail at once."""
    from sqlalchemy import event

    url = f"sqlite:///{tmp_path / 'p.db'}"
    ours, theirs = make_engine(url), make_engine(url)

    @event.listens_for(theirs, "connect")
    def _no_busy_handler(dbapi_connection, _record) -> None:
        dbapi_connection.execute("PRAGMA busy_timeout=0")

    with ours.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT)"))
    try:
        assert _turn_after_commit(ours, theirs) < 0.2
        assert _rows(ours) == 2
    finally:
        ours.dispose()
        theirs.dispose()


def test_the_lock_between_processes_bounds_its_wait_and_is_free_after(tmp_path: Path) -> None:
    from reference_platform.process_lock import ProcessLock

    path = str(tmp_path / "x.lock")
    one, other = ProcessLock(path), ProcessLock(path)  # two open files, as two processes hold
    try:
        assert one.try_acquire()
        assert not other.try_acquire()
        started = time.monotonic()
        assert not other.acquire(0.2)
        assert 0.2 <= time.monotonic() - started < 0.5
        one.release()
        assert other.acquire(0.2)
        other.release()
    finally:
        one.close()
        other.close()
