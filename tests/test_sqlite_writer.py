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


def test_a_second_writer_waits_for_the_first_to_commit_then_writes(engine) -> None:
    held = threading.Event()
    second_done: list[float] = []
    with engine.connect() as first:
        first.execute(text("INSERT INTO t (who) VALUES ('first')"))
        held.set()

        def second() -> None:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t (who) VALUES ('second')"))
            second_done.append(time.monotonic())

        thread = threading.Thread(target=second)
        thread.start()
        time.sleep(0.3)
        assert not second_done  # still waiting: the first holds the write
        committed_at = time.monotonic()
        first.commit()
        thread.join(5)
    assert second_done and second_done[0] >= committed_at
    assert second_done[0] - committed_at < 0.2  # its turn came at once, not after a busy sleep
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
