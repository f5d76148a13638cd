"""POST-04 without commands: an attestation in the profile is recorded with its file's SHA-256;
with neither commands nor an attestation the check cannot probe (`error`, never `pass`)."""

from __future__ import annotations

import datetime as dt
import hashlib
from types import SimpleNamespace

import pytest

from harness.checks import backup
from harness.failures import CannotProbe
from harness.profile import Attestation


class Evidence:
    def __init__(self) -> None:
        self.attached: dict[str, object] = {}
        self.notes: list[str] = []

    def attach_json(self, name: str, data: object) -> None:
        self.attached[name] = data

    def note(self, text: str) -> None:
        self.notes.append(text)


def probe_with(attestations: list[Attestation]) -> SimpleNamespace:
    profile = SimpleNamespace(backup=None, attestations=attestations)
    return SimpleNamespace(profile=profile, evidence=Evidence())


def test_an_attestation_is_recorded_with_its_files_sha256(tmp_path):
    drill = tmp_path / "restore-drill.pdf"
    drill.write_bytes(b"restore drill 2026-11-30: 0 rows lost")
    probe = probe_with(
        [Attestation(id="POST-04", examiner="Wang Li", date=dt.date(2026, 12, 1), evidence=drill)]
    )
    backup.restored_backup_serves_the_same_data_and_keeps_working(probe)
    recorded = probe.evidence.attached["attestation"]
    assert recorded["sha256"] == hashlib.sha256(drill.read_bytes()).hexdigest()
    assert recorded["examiner"] == "Wang Li" and "attested by Wang Li" in probe.evidence.notes[0]


def test_an_attestation_without_its_file_cannot_probe(tmp_path):
    missing = tmp_path / "none.pdf"
    probe = probe_with(
        [Attestation(id="POST-04", examiner="W", date=dt.date(2026, 12, 1), evidence=missing)]
    )
    with pytest.raises(CannotProbe, match="no evidence file"):
        backup.restored_backup_serves_the_same_data_and_keeps_working(probe)


def test_neither_commands_nor_an_attestation_cannot_probe(tmp_path):
    other = tmp_path / "dengbao.pdf"
    other.write_bytes(b"x")
    probe = probe_with(
        [Attestation(id="POST-07", examiner="W", date=dt.date(2026, 12, 1), evidence=other)]
    )
    with pytest.raises(CannotProbe, match=r"no \[backup\] commands and no POST-04 attestation"):
        backup.restored_backup_serves_the_same_data_and_keeps_working(probe)
