"""One SQLite writer at a time, queued in Python instead of in SQLite's busy handler.

SQLite lets one transaction write at a time. A writer that finds the lock taken sleeps in the
busy handler in growing steps (1, 2, 5 … 100 ms) and looks again; under load (the 2,000-learner
run of issue #14: heartbeats, capture and quiz answers and the sliding login expiry all write)
the lock is free most of the time while dozens of threads sleep, and a heartbeat's p95 reached
5 s with most of the server idle. Here a writer waits on a Python lock instead, taken just
before its transaction's first write statement (when the sqlite3 module itself begins the
transaction) and given back as soon as the transaction commits or rolls back, so the next writer
starts at once. A wait longer than the platform's bound answers `Overloaded` (503 with
Retry-After), as every other full queue does (admission.py).

Several server processes on one file (`sxcert load` starts one per core) also take a lock on a
file beside the database (process_lock.py) after their own Python lock, so one writer of all of
them goes at a time and SQLite's busy handler stays a backstop only.
"""

from __future__ import annotations

import sqlite3
import threading
import time
import weakref
from typing import Any

from reference_platform.admission import LOOP_LOCK_WAIT_S, Overloaded, WouldWait, on_the_loop
from reference_platform.process_lock import ProcessLock

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class SerialWriterConnection(sqlite3.Connection):
    """A sqlite3 connection that holds its engine's write lock from its first write statement
    to the end of that transaction (`connect_args={"factory": ...}`; `attach` gives the lock)."""

    write_lock: threading.Lock | None = None
    process_lock: ProcessLock | None = None
    wait_s: float = 5.0
    holds_lock: bool = False

    def attach(self, lock: threading.Lock, process_lock: ProcessLock, wait_s: float) -> None:
        self.write_lock, self.process_lock = lock, process_lock
        self.wait_s, self.holds_lock = wait_s, False

    def before_statement(self, statement: str) -> None:
        if self.holds_lock or self.write_lock is None:
            return
        if not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        wait_s, busy = self.wait_s, Overloaded
        if on_the_loop():  # admission.WorkQueue's `inline` units
            wait_s, busy = LOOP_LOCK_WAIT_S, WouldWait
        started = time.monotonic()
        if not self.write_lock.acquire(timeout=wait_s):
            raise busy
        left = wait_s - (time.monotonic() - started)
        if self.process_lock is not None and not self.process_lock.acquire(left):
            self.write_lock.release()
            raise busy
        self.holds_lock = True

    def _release(self) -> None:
        if self.holds_lock and self.write_lock is not None:
            self.holds_lock = False
            if self.process_lock is not None:
                self.process_lock.release()
            self.write_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            if not self.in_transaction:
                self._release()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._release()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._release()


def serialise_writers(engine: Any, wait_s: float, database_file: str) -> None:
    """Give every connection of `engine` (made with `SerialWriterConnection`) one shared lock,
    and the lock of all processes on `database_file`; take both before each transaction's
    first write."""
    from sqlalchemy import event

    lock = threading.Lock()
    process_lock = ProcessLock(database_file + "-writer.lock")
    weakref.finalize(engine, process_lock.close)  # the lock file stays open while the engine is

    @event.listens_for(engine, "connect")
    def _attach(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, SerialWriterConnection):
            dbapi_connection.attach(lock, process_lock, wait_s)

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if isinstance(dbapi_connection, SerialWriterConnection):
            dbapi_connection.before_statement(statement)
