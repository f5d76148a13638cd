"""The call log's state: every platform-facing call, in order, as the harness's evidence.

Writing the entries is the route class's job (harness/province/calllog.py); this store only keeps
them and answers filtered reads, so that every service — present or to come — logs the same way.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from harness.spec.sandbox import LogEntry


@dataclass
class CallLog:
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _entries: list[LogEntry] = field(default_factory=list)

    def append(self, **fields: object) -> LogEntry:
        """Add an entry; the log gives it the next sequence number."""
        with self._lock:
            entry = LogEntry(seq=len(self._entries) + 1, **fields)
            self._entries.append(entry)
            return entry

    def entries(
        self,
        *,
        platform_id: str | None = None,
        service: str | None = None,
        operation: str | None = None,
        id_number: str | None = None,
        after_seq: int = 0,
        limit: int | None = None,
    ) -> list[LogEntry]:
        """Entries with seq > after_seq matching every filter given, oldest first."""
        with self._lock:
            tail = self._entries[after_seq:]
        wanted = {
            "platform_id": platform_id,
            "service": service,
            "operation": operation,
            "id_number": id_number,
        }
        rules = {k: v for k, v in wanted.items() if v is not None}
        found = [e for e in tail if all(getattr(e, k) == v for k, v in rules.items())]
        return found[:limit] if limit is not None else found
