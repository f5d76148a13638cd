"""Database plumbing: one engine per app, a session per request, times stored as UTC.

SQLite is the default so a certification run needs no server; WAL mode lets the many readers of a
load test proceed while one writer commits. PostgreSQL is the second backend
(`SXCERT_REF_DATABASE_URL=postgresql://…`, driven by psycopg 3).

The connection pool holds what may be in use at once: `REQUEST_SLOTS` request sessions
(admission.py keeps more from waiting for one), the heartbeat workers and room for the sessions
opened outside a slot (`UNSLOTTED_CONNECTIONS`). Nothing ever waits for a
connection, so the pool's timeout is a backstop that answers 503, never the 30 s of the default.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from typing import Any

from sqlalchemy import DateTime, Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from reference_platform.process_lock import database_file
from reference_platform.sqlite_writer import SerialWriterConnection, serialise_writers

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # no DST since 1991


def aware_utc(moment: dt.datetime) -> dt.datetime:
    """A stored moment as an aware one: a naive value is UTC, as every column stores it."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    pass


class UtcDateTime(TypeDecorator[dt.datetime]):
    """Aware datetimes in, aware Asia/Shanghai datetimes out, naive UTC in the column.

    SQLite has no time-zone type; normalising here keeps every comparison in the code between
    aware values and every answer on the wire carrying +08:00, as the contract's examples do.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware one")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC).astimezone(SHANGHAI)


def default_database_url() -> str:
    """A SQLite file in a fresh temp dir: each default start is a clean, throw-away instance."""
    folder = tempfile.mkdtemp(prefix="sxcert-ref-")
    return f"sqlite:///{os.path.join(folder, 'reference.db')}"


REQUEST_SLOTS = 4  # requests holding a session at once (see below)
POOL_TIMEOUT_S = 5.0  # a backstop only: the pool is sized so that nobody waits for a connection
BUSY_TIMEOUT_MS = 5000  # how long a SQLite writer waits for another process's write lock
POSTGRES_HEARTBEAT_WORKERS = 4  # row locks serialise one playback's heartbeats; 2 cores here


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


# Sessions opened outside a request slot: the archive pusher, the approval sync, each open
# STUDY-09 stream's short polls, exports; the pool keeps room for them, so none waits.
UNSLOTTED_CONNECTIONS = 24
# Why 4 request slots (32 until stop 22, 8 until stop 24): one process runs Python one thread at
# a time, so more threads inside the database add no throughput, only turns, and the one
# heartbeat worker gets a smaller share of the interpreter (the 2,000-learner run's heartbeat p95
# was 120–450 ms with 8, 120–130 ms with 4); the others wait in the event loop, where waiting
# costs nothing (admission.py). Measured with the 2,000-learner run in the README.


def heartbeat_workers(url: str) -> int:
    """Threads that run heartbeats: one for SQLite (one writer at a time; the 2,000-learner run
    was worse with four, and with two per server process: more threads only share one
    interpreter), a few for PostgreSQL (row locks serialise one playback's heartbeats)."""
    return 1 if is_sqlite(url) else POSTGRES_HEARTBEAT_WORKERS


def heartbeats_inline(engine: Engine) -> bool:
    """Whether a heartbeat may run on the event loop's thread (admission.WorkQueue): on a SQLite
    file only, whose writers take a lock the loop waits for a bounded moment at most
    (sqlite_writer.py) and whose statements never wait on a network. PostgreSQL's may wait for
    a row lock or the server: they stay on the workers."""
    return database_file(engine) is not None


def sqlalchemy_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (SQLAlchemy's own default is psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str) -> Engine:
    pool = {
        "pool_size": REQUEST_SLOTS + heartbeat_workers(url) + UNSLOTTED_CONNECTIONS,
        "max_overflow": 0,
        "pool_timeout": POOL_TIMEOUT_S,
    }
    if not is_sqlite(url):
        return create_engine(sqlalchemy_url(url), pool_pre_ping=True, **pool)
    in_memory = url in ("sqlite://", "sqlite:///:memory:")
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000}
    }
    if in_memory:
        options["poolclass"] = StaticPool  # the database lives in one connection: share it
    else:
        options.update(pool)
        options["connect_args"]["factory"] = SerialWriterConnection
    engine = create_engine(url, **options)
    file = database_file(engine)
    if file is not None:  # a file's writers take turns, also across the instance's processes
        serialise_writers(engine, BUSY_TIMEOUT_MS / 1000, file)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")  # durable enough with WAL, much faster
            cursor.execute("PRAGMA mmap_size=268435456")  # reads from the page cache, no copies
        cursor.execute("PRAGMA cache_size=-8000")  # 8 MB per connection (default 2 MB)
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
