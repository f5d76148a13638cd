"""A lock between the server processes of one instance, on a file beside its SQLite database.

Several processes may serve one reference instance (`sxcert load` starts one per core): each
has its own Python locks, so what must happen one at a time across all of them — a SQLite write
transaction (sqlite_writer.py), an archive round (archive_pusher.py) — also takes this lock.
`flock` locks belong to an open file, so each process opens the file once; threads of one
process are kept apart by their own lock first.
"""

from __future__ import annotations

import fcntl
import os
import time
from typing import Any

POLL_S = 0.0005  # a waiter looks again this often: a write transaction takes about a millisecond


class ProcessLock:
    def __init__(self, path: str) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def try_acquire(self) -> bool:
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def acquire(self, timeout_s: float) -> bool:
        """Wait at most `timeout_s` for the lock; answer whether it was taken."""
        deadline = time.monotonic() + timeout_s
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                return False
            time.sleep(POLL_S)
        return True

    def release(self) -> None:
        fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self._fd)


def database_file(engine: Any) -> str | None:
    """The file of a SQLite engine's database (None in memory, or for another backend)."""
    if engine.url.get_backend_name() != "sqlite":
        return None
    name = engine.url.database
    return name if name and name != ":memory:" else None
