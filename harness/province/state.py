"""The province's state file: the stores' snapshots composed into one `state.json`.

Why a file at all: a vendor certifies one long-running instance again and again, and that
instance applies for its course approvals and registers its learners once. The emulator that
`sxcert certify` starts must therefore still know, on the second run, what it told the platform
on the first (see SXCERT_PROVINCE_STATE_DIR in settings.py).

What is kept: identities, vouchers (with their redemptions), course approvals and the call log
(its sequence, and its recent entries), and the subsidy office's claims. A section added after
version 1 (`ADDED_SECTIONS`) may be missing from an older file: that store then starts empty,
which is what it was when the file was written. What is not: the sandbox faults — switches
one run arms for one check; a province restarted with "unavailable" still set would fail every
later run — and the occupation catalogue, which is configuration (settings), not something the
province decided.

Saving is atomic (a temporary file in the same folder, fsync, `os.replace`, then an fsync of the
folder), under one lock so that two requests finishing together cannot interleave their writes;
a reader never sees half a file, and a province killed at any moment restarts from the last
state it acknowledged. A file that cannot be read, or is of another version, stops the start:
silently starting empty would make the next run fail for reasons nobody could see.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any, Protocol

from harness.province.settings import ProvinceConfigError
from harness.province.stores.courses import CourseStore
from harness.province.stores.identities import IdentityStore
from harness.province.stores.log import CallLog
from harness.province.stores.subsidy import SubsidyStore
from harness.province.stores.vouchers import VoucherStore

STATE_FILE = "state.json"
STATE_VERSION = 1
ADDED_SECTIONS = frozenset({"subsidy"})  # sections newer than version 1's first files


class ProvinceStateError(ProvinceConfigError):
    """The state file cannot be used; the message names the file and the problem."""


class Persistent(Protocol):
    """A store whose state can be saved and read back."""

    @property
    def revision(self) -> int: ...

    def snapshot(self) -> dict[str, Any]: ...

    def snapshot_text(self) -> str: ...

    def restore(self, data: dict[str, Any]) -> None: ...


def persisted(
    identities: IdentityStore,
    vouchers: VoucherStore,
    courses: CourseStore,
    log: CallLog,
    subsidy: SubsidyStore | None = None,
) -> dict[str, Persistent]:
    """The sections of the state file and their stores (the faults are deliberately not kept)."""
    stores: dict[str, Persistent] = {
        "identities": identities,
        "vouchers": vouchers,
        "courses": courses,
        "log": log,
    }
    if subsidy is not None:
        stores["subsidy"] = subsidy
    return stores


def check_state_folder(folder: Path) -> None:
    """Create `folder` if missing and read its state file into throwaway stores, so that a
    caller about to start a province learns now, in one line, what would stop its start:
    ProvinceStateError naming the folder or the file."""
    stores = persisted(IdentityStore(), VoucherStore(), CourseStore(), CallLog(), SubsidyStore())
    ProvinceState(folder, stores).load()


class ProvinceState:
    """The state file of one province: `load` once at start-up, `save_if_changed` after each
    request. `stores` maps each section of the file to its store (`{"identities": ..., ...}`)."""

    def __init__(self, folder: Path, stores: dict[str, Persistent]) -> None:
        self.folder = folder
        self.path = folder / STATE_FILE
        self._stores = stores
        self._lock = threading.Lock()
        self._saved_revision = -1
        self._texts: dict[str, tuple[int, str]] = {}  # section → (store revision, its JSON)

    def _revision(self) -> int:
        return sum(store.revision for store in self._stores.values())

    def load(self) -> bool:
        """Restore every store from the file; False when there is none yet (a first start).
        ProvinceStateError when the folder or the file cannot be used."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ProvinceStateError(
                f"{self.folder}: cannot create the province state folder: {exc.strerror}"
            ) from None
        data = self._read()
        if data is None:
            self._saved_revision = self._revision()
            return False
        for section, store in self._stores.items():
            if section in ADDED_SECTIONS and section not in data:
                continue  # a file from before the section existed: the store stays empty
            try:
                store.restore(data[section])
            except KeyError as exc:
                raise ProvinceStateError(
                    f"{self.path}: the {section} section lacks {exc} (the file is damaged;"
                    " move it away to start with an empty province)"
                ) from None
            except (TypeError, ValueError, AttributeError) as exc:
                first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                raise ProvinceStateError(
                    f"{self.path}: the {section} section is not valid ({first_line}; the file is"
                    " damaged: move it away to start with an empty province)"
                ) from None
        self._saved_revision = self._revision()
        return True

    def _read(self) -> dict[str, Any] | None:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
            raise ProvinceStateError(
                f"{self.path}: cannot read the province state: {why}"
            ) from None
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ProvinceStateError(
                f"{self.path}: the province state is not valid JSON ({exc}); move the file away"
                " to start with an empty province"
            ) from None
        if not isinstance(data, dict):
            raise ProvinceStateError(f"{self.path}: the province state is not a JSON object")
        version = data.get("version")
        if version != STATE_VERSION:
            raise ProvinceStateError(
                f"{self.path}: province state version {version!r}, this sxcert reads version"
                f" {STATE_VERSION}; move the file away to start with an empty province"
            )
        missing = sorted(set(self._stores) - set(data) - ADDED_SECTIONS)
        if missing:
            raise ProvinceStateError(f"{self.path}: the province state lacks {', '.join(missing)}")
        return data

    def save_if_changed(self) -> bool:
        """Write the file when any store changed since the last write; True when it wrote.
        OSError when the file cannot be written (the caller must not acknowledge then)."""
        with self._lock:
            revision = self._revision()  # read before the snapshot: a later change saves again
            if revision == self._saved_revision:
                return False
            sections = ", ".join(
                f"{json.dumps(section)}: {self._section_text(section, store)}"
                for section, store in self._stores.items()
            )
            write_atomically(self.path, f'{{"version": {STATE_VERSION}, {sections}}}')
            self._saved_revision = revision
            return True

    def _section_text(self, section: str, store: Persistent) -> str:
        """The section's JSON, serialised again only when its store changed: a request usually
        changes one store and the log, and the others may hold every earlier run's people."""
        revision = store.revision  # before the snapshot, as above
        cached = self._texts.get(section)
        if cached is None or cached[0] != revision:
            cached = (revision, store.snapshot_text())
            self._texts[section] = cached
        return cached[1]


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a reader (or a restart after a crash) sees either the
    old or the new content, never a mix: temporary file beside it, fsync, rename, fsync folder."""
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
