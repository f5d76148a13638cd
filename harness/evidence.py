"""Evidence recording: one check's HTTP exchanges, attached files, JSON and stream records.

Everything lands in the check's evidence folder and is listed in the check's `evidence` paths in
report.json (and attached to allure by the plugin). What is written is redacted (harness.redaction)
except attached files, which are copied as given: callers attach only files that carry no secret
(a screenshot of a page showing no password, a trace recorded without credentials, a CSV of
latencies). Exchanges are recorded by the session `session()` answers (harness.exchanges).
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import shutil
import threading
from pathlib import Path
from typing import Any, TextIO

import requests

from harness.exchanges import ExchangeLog, RecordingSession
from harness.redaction import digest, redact

__all__ = ["EvidenceRecorder", "StreamLog", "digest", "redact"]

EXCHANGES = "exchanges.json"
STREAM_LIMIT = 100_000  # records one stream keeps; the rest are counted, not written
# Types mimetypes does not know everywhere; the rest it guesses from the file name.
CONTENT_TYPES = {
    ".jsonl": "application/x-ndjson",
    ".json": "application/json",
    ".csv": "text/csv",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".webm": "video/webm",
}


def content_type_of(path: Path) -> str:
    """The MIME type of an evidence file, from its suffix."""
    suffix = path.suffix.lower()
    guessed = CONTENT_TYPES.get(suffix) or mimetypes.guess_type(path.name)[0]
    return guessed or "application/octet-stream"


def _timestamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class StreamLog:
    """Records of one stream (SSE events, locust samples), appended as redacted JSON lines.

    Lines are written as they come, so a long stream is never held in memory; past `limit`
    records are only counted, and the count is written as the last line when the log closes.
    """

    def __init__(self, path: Path, limit: int = STREAM_LIMIT) -> None:
        self.path = path
        self.limit = limit
        self.count = 0
        self.dropped = 0
        self._lock = threading.Lock()
        self._file: TextIO | None = path.open("a", encoding="utf-8")

    def record(self, event: dict[str, Any]) -> None:
        """Append one event with the time it was recorded: `{"at": ISO time, "event": {...}}`."""
        line = json.dumps(
            {"at": _timestamp(), "event": redact(event)}, ensure_ascii=False, default=str
        )
        with self._lock:
            if self._file is None:
                raise ValueError(f"stream {self.path.name} is closed")
            if self.count >= self.limit:
                self.dropped += 1
                return
            self._file.write(line + "\n")
            self._file.flush()
            self.count += 1

    def close(self) -> None:
        with self._lock:
            if self._file is None:
                return
            if self.dropped:
                summary = {"at": _timestamp(), "dropped": self.dropped, "kept": self.count}
                self._file.write(json.dumps(summary) + "\n")
            self._file.close()
            self._file = None


def exchanges_text(entries: list[dict[str, Any]]) -> str:
    """The exchange log as a JSON array with one exchange per line. Not `indent`: json's
    indenting encoder is pure Python, and writing a run's 17,000 exchanges with it took 2 s of
    the harness's CPU; compact lines come from the C encoder and still read and diff one
    exchange at a time."""
    lines = [json.dumps(entry, ensure_ascii=False, default=str) for entry in entries]
    return "[\n" + ",\n".join(lines) + "\n]\n"


class EvidenceRecorder:
    """Collects one check's evidence under `directory`; `flush` ends it at the end of the check."""

    def __init__(self, directory: Path, report_root: Path) -> None:
        self.directory = directory
        self.report_root = report_root
        self.log = ExchangeLog()
        self.files: list[Path] = []
        self.notes: list[str] = []
        self._types: dict[Path, str] = {}
        self._streams: list[StreamLog] = []

    @property
    def exchanges(self) -> list[dict[str, Any]]:
        """The exchanges recorded so far (bounded records, never whole large bodies)."""
        return self.log.entries

    def note(self, text: str) -> None:
        """A one-line finding that becomes the check's detail when it passes."""
        self.notes.append(text)

    def session(self) -> requests.Session:
        """A requests session recording every exchange, also those that time out or break."""
        return RecordingSession(self.log)

    def attach_json(self, name: str, data: Any) -> Path:
        """Write `data`, redacted, as `<name>.json` (replacing an earlier one of that name)."""
        path = self._path(f"{name}.json")
        self._write(path, json.dumps(redact(data), ensure_ascii=False, indent=1, default=str))
        return path

    def attach_file(self, name: str, source: Path | bytes, content_type: str | None = None) -> Path:
        """Copy a file (screenshot, trace, PDF, XLSX, CSV) into the evidence folder as `name`.

        The file is written as given, unredacted: pass only files that hold no secret. A second
        file of the same name gets a numbered name (`shot-2.png`), so no evidence is overwritten.
        """
        path = self._unique(self._path(name))
        self.directory.mkdir(parents=True, exist_ok=True)
        if isinstance(source, bytes | bytearray):
            path.write_bytes(source)
        else:
            shutil.copyfile(source, path)
        self._register(path, content_type)
        return path

    def stream(self, name: str, limit: int = STREAM_LIMIT) -> StreamLog:
        """A log of records appended to `<name>.jsonl` as they happen (closed by `flush`)."""
        path = self._unique(self._path(f"{name}.jsonl"))
        self.directory.mkdir(parents=True, exist_ok=True)
        log = StreamLog(path, limit)
        self._streams.append(log)
        self._register(path, CONTENT_TYPES[".jsonl"])
        return log

    def content_type(self, path: Path) -> str:
        """The MIME type an evidence file was attached with (guessed from its name otherwise)."""
        return self._types.get(path) or content_type_of(path)

    def flush(self) -> list[str]:
        """Close the streams, write the exchange log; answer every path relative to the report."""
        for log in self._streams:
            log.close()
        if self.log.entries:
            self._write(self.directory / EXCHANGES, exchanges_text(self.log.entries))
        return [str(p.relative_to(self.report_root)) for p in self.files]

    # ---- internals -------------------------------------------------------------------------
    def _path(self, name: str) -> Path:
        if not name or Path(name).name != name or name in {".", ".."}:
            raise ValueError(f"an evidence name is a plain file name, not {name!r}")
        return self.directory / name

    def _unique(self, path: Path) -> Path:
        taken = set(self.files) | {self.directory / EXCHANGES}
        candidate, n = path, 1
        while candidate in taken:  # a stale file of an earlier run is simply replaced
            n += 1
            candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        return candidate

    def _register(self, path: Path, content_type: str | None) -> None:
        if path not in self.files:
            self.files.append(path)
        self._types[path] = content_type or content_type_of(path)

    def _write(self, path: Path, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self._register(path, None)
