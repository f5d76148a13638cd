"""The electronic training archive (ARCH-01, ARCH-02): the records a platform pushes to the
province's archive receiver, hash-chained per learner.

Why a chain: the archive must make tampering detectable (可追溯). Each record carries the hash of
the learner's previous record, and its own hash is SHA-256 over a canonical JSON of everything
else it carries, so a changed, missing, reordered or duplicated record breaks the chain wherever
it is checked (the province on arrival, the harness, an auditor years later).

The canonical form is fixed here once, for the platform, the province and the harness alike:
`json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)` encoded as
UTF-8, where `fields` are the record's fields except `hash`. Numbers in a record are integers
only (a float's text is not the same in every language), so non-integral quantities travel as
integers of a smaller unit or as strings. `at` is hashed exactly as sent.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from harness.spec.base import In, Out

GENESIS_HASH = "0" * 64  # the `prev_hash` of a learner's first record
HASH_PATTERN = r"^[0-9a-f]{64}$"
RecordKind = Literal[
    "enrolment", "session", "capture", "quiz_answer", "credited_hours", "certificate"
]
RECORD_KINDS: tuple[str, ...] = RecordKind.__args__  # type: ignore[attr-defined]
_ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
HASHED_FIELDS = ("record_id", "id_number", "seq", "kind", "at", "data", "prev_hash")


def canonical_json(fields: dict[str, Any]) -> bytes:
    """The bytes a record's hash is taken over (see the module docstring)."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def record_hash(record: dict[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of the record's hashed fields."""
    return hashlib.sha256(canonical_json({k: record[k] for k in HASHED_FIELDS})).hexdigest()


def _no_floats(value: Any, where: str = "data") -> None:
    if isinstance(value, float):
        raise ValueError(f"{where} holds a non-integer number (send integers or strings)")
    if isinstance(value, dict):
        for key, item in value.items():
            _no_floats(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _no_floats(item, f"{where}[{index}]")


class ArchiveRecordIn(In):
    """One archive record as pushed. `record_id` is the idempotency key: the same record sent
    again is answered with the same receipt."""

    record_id: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=18, max_length=18)
    seq: int = Field(ge=1, le=10_000_000, description="1-based position in the learner's chain")
    kind: RecordKind
    at: str = Field(max_length=40, description="ISO 8601 with offset; hashed as sent")
    data: dict[str, Any]
    prev_hash: str = Field(pattern=HASH_PATTERN)
    hash: str = Field(pattern=HASH_PATTERN)

    @field_validator("at")
    @classmethod
    def _at_is_iso(cls, value: str) -> str:
        if not _ISO_WITH_OFFSET.match(value):
            raise ValueError("at must be ISO 8601 with an offset")
        return value

    @field_validator("data")
    @classmethod
    def _data_integers_only(cls, value: dict[str, Any]) -> dict[str, Any]:
        _no_floats(value)
        if len(canonical_json(value)) > 100_000:
            raise ValueError("data is larger than 100,000 bytes")
        return value


MAX_BATCH = 200


class ArchiveBatchIn(In):
    """Consecutive records of one learner's chain, appended all or none: a platform sends what
    it has not had acknowledged in one call (records the province already holds may be sent
    again, as a retry does)."""

    id_number: str = Field(min_length=18, max_length=18, description="whose records these are")
    records: list[ArchiveRecordIn] = Field(min_length=1, max_length=MAX_BATCH)

    @model_validator(mode="after")
    def _one_learner_in_order(self) -> ArchiveBatchIn:
        if any(r.id_number != self.id_number for r in self.records):
            raise ValueError("a batch holds the records of its id_number only")
        first = self.records[0].seq
        if [r.seq for r in self.records] != list(range(first, first + len(self.records))):
            raise ValueError("a batch holds consecutive records, in chain order")
        return self


class ArchiveReceipt(Out):
    record_id: str
    id_number: str
    seq: int
    hash: str
    received_at: str


class ArchiveBatchReceipt(Out):
    """Every record of the batch is held: its receipt each, and the chain's new length."""

    id_number: str
    receipts: list[ArchiveReceipt]
    length: int
    head_hash: str


class HeldRecord(Out):
    """A record as the province holds it: the pushed fields and when it arrived."""

    record_id: str
    id_number: str
    seq: int
    kind: str
    at: str
    data: dict[str, Any]
    prev_hash: str
    hash: str
    received_at: str


class ArchiveChain(Out):
    """What the province holds of one learner of one platform, oldest record first."""

    platform_id: str
    id_number: str
    length: int
    head_hash: str
    records: list[HeldRecord]


def chain_problems(records: list[dict[str, Any]]) -> list[str]:
    """Everything that keeps `records` (in held order) from being one intact chain: a sequence
    gap or repeat, a `prev_hash` that is not the previous record's hash, a hash that does not
    match the content, a record id used twice. Empty when the chain verifies."""
    problems: list[str] = []
    previous = GENESIS_HASH
    seen_ids: set[str] = set()
    for position, record in enumerate(records, start=1):
        label = f"record {position} ({record.get('kind')}, {record.get('record_id')})"
        if record.get("seq") != position:
            problems.append(f"{label}: seq {record.get('seq')}, expected {position}")
        if record.get("prev_hash") != previous:
            problems.append(f"{label}: prev_hash is not the previous record's hash")
        try:
            recomputed = record_hash(record)
        except (KeyError, TypeError, ValueError) as exc:
            problems.append(f"{label}: cannot be hashed ({exc})")
            recomputed = None
        if recomputed is not None and recomputed != record.get("hash"):
            problems.append(f"{label}: hash does not match the record's content")
        if record.get("record_id") in seen_ids:
            problems.append(f"{label}: record id used twice")
        seen_ids.add(str(record.get("record_id")))
        previous = str(record.get("hash"))
    return problems
