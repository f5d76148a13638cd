"""reference_platform/prepared.py: the heartbeat's statements run on the driver's cursor must read
and write exactly what SQLAlchemy's own execution does, on SQLite and on PostgreSQL, inside the
caller's transaction, with the SQLite writer lock and SQLAlchemy's exception classes."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, NoResultFound

from harness.local_postgres import fresh_database
from reference_platform.db import UtcDateTime, make_engine
from reference_platform.prepared import Prepared
from reference_platform.sqlite_writer import SerialWriterConnection

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
AT = dt.datetime(2026, 12, 31, 23, 59, 59, 999_999, tzinfo=SHANGHAI)

# tables of their own, with the column types the heartbeat's statements read and write
TABLES = MetaData()
CLOCKS = Table("clocks", TABLES, Column("id", Integer, primary_key=True), Column("offset_s", Float))
BEATS_TABLE = Table(
    "beats",
    TABLES,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("playback_id", String(32)),
    Column("seq", Integer),
    Column("at", UtcDateTime),
    Column("rate", Float),
    Column("paused", Boolean),
    Column("reason", String(32)),
)
HOURS_TABLE = Table(
    "hours",
    TABLES,
    Column("id", String(32), primary_key=True),
    Column("passed_hours", JSON, default=list),  # a Python-side default
    Column("capture_points_s", JSON),
)

CLOCK = Prepared(select(CLOCKS.c.id, CLOCKS.c.offset_s).where(CLOCKS.c.id == bindparam("id")))
NEW_CLOCK = Prepared(insert(CLOCKS))
# a literal in the statement (compiled as a parameter with its value) beside a given one
BUMP = Prepared(
    update(CLOCKS)
    .where(CLOCKS.c.id == bindparam("clock_id"))
    .values(offset_s=CLOCKS.c.offset_s + 1.5)
)
NEW_BEAT = Prepared(insert(BEATS_TABLE))
BEATS = Prepared(
    select(
        BEATS_TABLE.c.seq,
        BEATS_TABLE.c.at.label("sent_at"),
        BEATS_TABLE.c.paused,
        BEATS_TABLE.c.rate,
    )
    .where(BEATS_TABLE.c.playback_id == bindparam("playback_id"), BEATS_TABLE.c.reason == "ok")
    .order_by(BEATS_TABLE.c.seq)
)
NEW_HOURS = Prepared(insert(HOURS_TABLE))
HOURS = Prepared(
    select(HOURS_TABLE.c.passed_hours, HOURS_TABLE.c.capture_points_s).where(
        HOURS_TABLE.c.id == bindparam("id")
    )
)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'prepared.db'}"
    else:
        server = request.getfixturevalue("postgres_server")
        url = fresh_database(server, f"prep_{uuid.uuid4().hex[:10]}")
    made = make_engine(url)
    TABLES.create_all(made)
    try:
        yield made
    finally:
        made.dispose()


def _beat(seq: int, at: dt.datetime, reason: str = "ok") -> dict[str, object]:
    return {
        "playback_id": "pb-1",
        "seq": seq,
        "at": at,
        "rate": 1.0,
        "paused": seq % 2 == 0,
        "reason": reason,
    }


def test_rows_read_as_sqlalchemy_reads_them(engine: Engine) -> None:
    with engine.connect() as connection:
        for seq in (2, 1, 3):
            NEW_BEAT.run(connection, _beat(seq, AT + dt.timedelta(seconds=seq)))
        NEW_BEAT.run(connection, _beat(4, AT, reason="duplicate"))
        connection.commit()
    with engine.connect() as connection:
        prepared = BEATS.run(connection, {"playback_id": "pb-1"}).rows
        expected = connection.execute(BEATS.statement, {"playback_id": "pb-1"}).all()
    assert [tuple(row) for row in prepared] == [tuple(row) for row in expected]
    assert [row.seq for row in prepared] == [1, 2, 3]  # the literal "ok" left the duplicate out
    assert prepared[0].sent_at == AT + dt.timedelta(seconds=1)  # labels name the fields
    assert prepared[0].sent_at.utcoffset() is not None  # aware, as UtcDateTime promises
    assert [row.paused for row in prepared] == [False, True, False]
    assert all(isinstance(row.paused, bool) for row in prepared)


def test_writes_are_in_the_callers_transaction(engine: Engine) -> None:
    with engine.connect() as connection:
        NEW_CLOCK.run(connection, {"id": 1, "offset_s": 0.0})
        # not committed: closing the connection rolls the insert back
    with engine.connect() as connection:
        assert CLOCK.run(connection, {"id": 1}).first() is None
        NEW_CLOCK.run(connection, {"id": 1, "offset_s": 0.0})
        changed = BUMP.run(connection, {"clock_id": 1})
        missed = BUMP.run(connection, {"clock_id": 2})
        connection.commit()
    assert (changed.rowcount, missed.rowcount) == (1, 0)
    with engine.connect() as connection:
        assert CLOCK.run(connection, {"id": 1}).one().offset_s == 1.5
        assert CLOCK.run(connection, {"id": 1}).scalars() == [1]
        with pytest.raises(NoResultFound):
            CLOCK.run(connection, {"id": 2}).one()


def test_a_driver_error_is_sqlalchemys_exception(engine: Engine) -> None:
    with engine.connect() as connection:
        NEW_CLOCK.run(connection, {"id": 1, "offset_s": 0.0})
        with pytest.raises(IntegrityError):
            NEW_CLOCK.run(connection, {"id": 1, "offset_s": 0.0})


def test_json_columns_round_trip(engine: Engine) -> None:
    with engine.connect() as connection:
        NEW_HOURS.run(
            connection, {"id": "lp-1", "passed_hours": [0, 2], "capture_points_s": [1200.5]}
        )
        connection.commit()
    with engine.connect() as connection:
        row = HOURS.run(connection, {"id": "lp-1"}).one()
        assert (row.passed_hours, row.capture_points_s) == ([0, 2], [1200.5])
        assert tuple(row) == tuple(connection.execute(HOURS.statement, {"id": "lp-1"}).one())


def test_a_statement_needing_a_python_default_is_refused(engine: Engine) -> None:
    with engine.connect() as connection, pytest.raises(ValueError, match="default"):
        NEW_HOURS.run(connection, {"id": "lp-2", "capture_points_s": []})


def test_a_sqlite_write_takes_the_writer_lock(tmp_path) -> None:
    made = make_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    TABLES.create_all(made)
    try:
        with made.connect() as connection:
            driver = connection.connection.dbapi_connection
            assert isinstance(driver, SerialWriterConnection)
            CLOCK.run(connection, {"id": 1})
            assert not driver.holds_lock  # a read takes nothing
            NEW_CLOCK.run(connection, {"id": 1, "offset_s": 0.0})
            assert driver.holds_lock
            connection.commit()
            assert not driver.holds_lock
    finally:
        made.dispose()
