"""The offline practical-training voucher office (VOUCH-03): completion reports received, and
the offline voucher each first report earns.

One voucher per person, occupation and level: the same report again (same `report_id`) answers
the voucher it already earned (a platform's retry is harmless); another report for a person who
already holds that voucher is a conflict (a duplicated report). Not persisted across restarts.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field

from harness.province.clock import Clock, shanghai_now
from harness.province.refusals import Conflict
from harness.spec.completions import CompletionReportIn, OfflineVoucher

ALREADY_REPORTED = "Completion already reported for this person, occupation and level"


@dataclass
class CompletionStore:
    clock: Clock = shanghai_now
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _by_report: dict[tuple[str, str], OfflineVoucher] = field(default_factory=dict)
    _by_person: dict[tuple[str, str, str], OfflineVoucher] = field(default_factory=dict)

    def report(self, platform_id: str, body: CompletionReportIn) -> OfflineVoucher:
        with self._lock:
            known = self._by_report.get((platform_id, body.report_id))
            if known is not None:
                return known
            person = (body.id_number, body.occupation_code, body.level)
            if person in self._by_person:
                raise Conflict(ALREADY_REPORTED)
            voucher = OfflineVoucher(
                code="OFF-" + secrets.token_hex(6).upper(),
                holder_id_number=body.id_number,
                holder_name=body.name,
                occupation_code=body.occupation_code,
                level=body.level,
                platform_id=platform_id,
                course_id=body.course_id,
                report_id=body.report_id,
                certificate_number=body.certificate_number,
                issued_at=self.clock(),
            )
            self._by_report[(platform_id, body.report_id)] = voucher
            self._by_person[person] = voucher
            return voucher

    def vouchers(
        self, platform_id: str | None = None, id_number: str | None = None
    ) -> list[OfflineVoucher]:
        with self._lock:
            rows = list(self._by_person.values())
        return [
            v
            for v in sorted(rows, key=lambda v: (v.issued_at, v.code))
            if (platform_id is None or v.platform_id == platform_id)
            and (id_number is None or v.holder_id_number == id_number)
        ]
