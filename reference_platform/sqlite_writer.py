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

The lock is per process: several processes on one file still meet SQLite's own lock, and the
busy handler stays the backstop there.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from reference_platform.admission import Overloaded

_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class SerialWriterConnection(sqlite3.Connection):
    """A sqlite3 connection that holds its engine's write lock from its first write statement
    to the end of that transaction (`connect_args={"factory": ...}`; `attach` gives the lock)."""

    write_lock: threading.Lock | None = None
    wait_s: float = 5.0
    holds_lock: bool = False

    def attach(self, lock: threading.Lock, wait_s: float) -> None:
        self.write_lock, self.wait_s, self.holds_lock = lock, wait_s, False

    def before_statement(self, statement: str) -> None:
        if self.holds_lock or self.write_lock is None:
            return
        if not statement.lstrip()[:7].upper().startswith(_WRITES):
            return
        if not self.write_lock.acquire(timeout=self.wait_s):
            raise Overloaded
        self.holds_lock = True

    def _release(self) -> None:
        if self.holds_lock and self.write_lock is not None:
            self.holds_lock = False
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


def serialise_writers(engine: Any, wait_s: float) -> None:
    """Give every connection of `engine` (made with `SerialWriterConnection`) one shared lock,
    and take it before each transaction's first write."""
    from sqlalchemy import event

    lock = threading.Lock()

    @event.listens_for(engine, "connect")
    def _attach(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, SerialWriterConnection):
            dbapi_connection.attach(lock, wait_s)

    @event.listens_for(engine, "before_cursor_execute")
    def _before(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        dbapi_connection = conn.connection.dbapi_connection
        if isinstance(dbapi_connection, SerialWriterConnection):
            dbapi_connection.before_statement(statement)
