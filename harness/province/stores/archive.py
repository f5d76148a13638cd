"""The electronic training archive receiver (ARCH-01, ARCH-02): every learner's records, as
each platform pushed them, one hash chain per platform and learner.

The receiver verifies on arrival, so that a broken chain is refused with its reason while the
platform can still repair it, rather than found years later: a record whose hash does not match
its content is invalid (422); one that does not continue the learner's chain (a sequence number
already held or skipped, a `prev_hash` that is not the held head) is a conflict (409).
Records come in batches of one learner's consecutive records, appended all or none; a record
already held (same `record_id`, same hash) may come again and is answered with the same receipt:
a platform's retry after a lost answer is harmless. Not persisted across a province restart
(one run's archive).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from harness.province.clock import Clock, shanghai_now
from harness.province.refusals import Conflict
from harness.spec.archive import (
    GENESIS_HASH,
    ArchiveBatchReceipt,
    ArchiveChain,
    ArchiveReceipt,
    ArchiveRecordIn,
    HeldRecord,
    record_hash,
)


class InvalidRecord(ValueError):
    """The record contradicts itself (its hash is not the hash of its content)."""


@dataclass
class ArchiveStore:
    clock: Clock = shanghai_now
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _chains: dict[tuple[str, str], list[HeldRecord]] = field(default_factory=dict)
    _by_record_id: dict[tuple[str, str], HeldRecord] = field(default_factory=dict)

    def receive(self, platform_id: str, records: list[ArchiveRecordIn]) -> ArchiveBatchReceipt:
        """Append the batch (one learner's consecutive records) to the learner's chain, all or
        none, or raise why the first record that cannot be appended cannot be. A record the
        chain already holds (same id, same hash, same place) is accepted again and not added."""
        for record in records:
            if record_hash(record.model_dump(mode="json")) != record.hash:
                raise InvalidRecord(
                    f"Record {record.seq}: hash does not match the record's content"
                )
        id_number = records[0].id_number
        with self._lock:
            chain = self._chains.get((platform_id, id_number), [])
            length, head = len(chain), chain[-1].hash if chain else GENESIS_HASH
            fresh: list[ArchiveRecordIn] = []
            for record in records:
                known = self._by_record_id.get((platform_id, record.record_id))
                if known is not None:
                    if known.hash != record.hash or known.seq != record.seq:
                        raise Conflict(f"Record id {record.record_id} already holds another record")
                    continue
                _check_continues(record, length, head)
                fresh.append(record)
                length, head = record.seq, record.hash
            received_at = self.clock().isoformat()
            chain = self._chains.setdefault((platform_id, id_number), chain)
            for record in fresh:
                held = HeldRecord(**record.model_dump(mode="json"), received_at=received_at)
                chain.append(held)
                self._by_record_id[(platform_id, record.record_id)] = held
            receipts = [_receipt(self._by_record_id[(platform_id, r.record_id)]) for r in records]
            return ArchiveBatchReceipt(
                id_number=id_number, receipts=receipts, length=len(chain), head_hash=chain[-1].hash
            )

    def chains(
        self, platform_id: str | None = None, id_number: str | None = None
    ) -> list[ArchiveChain]:
        """The chains held, filtered, by platform and ID number."""
        with self._lock:
            items = sorted(
                (key, list(records))
                for key, records in self._chains.items()
                if (platform_id is None or key[0] == platform_id)
                and (id_number is None or key[1] == id_number)
            )
        return [
            ArchiveChain(
                platform_id=pid,
                id_number=number,
                length=len(records),
                head_hash=records[-1].hash if records else GENESIS_HASH,
                records=records,
            )
            for (pid, number), records in items
        ]


def _check_continues(record: ArchiveRecordIn, length: int, head: str) -> None:
    """Conflict unless `record` is the next of a chain of `length` records whose last hash is
    `head`."""
    expected = length + 1
    if record.seq < expected:
        raise Conflict(
            f"Record {record.seq} is already held with another content"
            " (a duplicated or reordered record)"
        )
    if record.seq > expected:
        raise Conflict(
            f"Record {record.seq} does not follow the held chain: record {expected} is missing"
        )
    if record.prev_hash != head:
        raise Conflict(
            f"Record {record.seq}: prev_hash is not the hash of record {length}"
            if length
            else "Record 1: prev_hash of a first record must be 64 zeros"
        )


def _receipt(held: HeldRecord) -> ArchiveReceipt:
    return ArchiveReceipt(
        record_id=held.record_id,
        id_number=held.id_number,
        seq=held.seq,
        hash=held.hash,
        received_at=held.received_at,
    )
