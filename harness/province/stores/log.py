"""The call log's state: every platform-facing call, in order, as the harness's evidence.

Writing the entries is the route class's job (harness/province/calllog.py); this store only keeps
them and answers filtered reads, so that every service — present or to come — logs the same way.

A province whose state outlives a run (SXCERT_PROVINCE_STATE_DIR) keeps the log's sequence: a
restarted province goes on numbering where it stopped, so an `after_seq` taken before a restart
still means "what came after". The snapshot keeps only the most recent `SNAPSHOT_ENTRIES` entries:
older runs' evidence is in their own reports, and a log that grew with every run would make every
save slower than the last.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from harness.province.stores.snapshots import json_list, json_object, json_text
from harness.spec.sandbox import LogEntry

SNAPSHOT_ENTRIES = 1000  # a few full certification runs' worth of platform calls (≈ 300 each)


@dataclass
class CallLog:
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _entries: list[LogEntry] = field(default_factory=list)
    _texts: list[str] = field(default_factory=list)  # each entry as JSON text, made once
    _skipped: int = 0  # entries numbered before the first one held (dropped from a snapshot)
    _revision: int = 0

    @property
    def revision(self) -> int:
        """Grows with every entry, so that a caller can tell whether there is anything to save."""
        with self._lock:
            return self._revision

    def append(self, **fields: object) -> LogEntry:
        """Add an entry; the log gives it the next sequence number."""
        with self._lock:
            entry = LogEntry(seq=self._skipped + len(self._entries) + 1, **fields)
            self._entries.append(entry)
            self._texts.append(json_text(entry.model_dump(mode="json")))
            self._revision += 1
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
            tail = self._entries[max(0, after_seq - self._skipped) :]
        wanted = {
            "platform_id": platform_id,
            "service": service,
            "operation": operation,
            "id_number": id_number,
        }
        rules = {k: v for k, v in wanted.items() if v is not None}
        found = [e for e in tail if all(getattr(e, k) == v for k, v in rules.items())]
        return found[:limit] if limit is not None else found

    # ---- persistence -----------------------------------------------------------------------
    def snapshot_text(self) -> str:
        """The snapshot as JSON text, joined from each entry's text of when it was logged."""
        with self._lock:
            last_seq = self._skipped + len(self._entries)
            kept = self._texts[-SNAPSHOT_ENTRIES:]
            return json_object(last_seq=str(last_seq), entries=json_list(kept))

    def snapshot(self) -> dict[str, Any]:
        """The last sequence number given and the most recent entries; JSON-safe."""
        return json.loads(self.snapshot_text())

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the state with a snapshot; ValueError/TypeError/KeyError when it is malformed
        (nothing is replaced then). The entries must be the consecutive ones ending at last_seq."""
        last_seq = data["last_seq"]
        if type(last_seq) is not int or last_seq < 0:
            raise ValueError("last_seq is not a non-negative number")
        entries = [LogEntry.model_validate(item) for item in data["entries"]]
        texts = [json_text(entry.model_dump(mode="json")) for entry in entries]
        skipped = last_seq - len(entries)
        if skipped < 0 or [e.seq for e in entries] != list(range(skipped + 1, last_seq + 1)):
            raise ValueError("the entries are not the consecutive ones ending at last_seq")
        with self._lock:
            self._entries = entries
            self._texts = texts
            self._skipped = skipped
            self._revision += 1
