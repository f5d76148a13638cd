"""The course registry's state: the occupations it knows, and the approvals it has given.

The occupation catalogue is the province's (settings), not a constant, so that a test or a
certification run can stand up a province whose catalogue differs from the default one; it is
therefore not part of the snapshot, which holds only what the registry decided (approvals and
their serials), so a restarted province keeps recognising the approvals it gave.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness.province import registry
from harness.province.clock import Clock, shanghai_now
from harness.province.refusals import NotFound
from harness.province.stores.snapshots import json_text, serials_from
from harness.spec.courses import ApprovalRecord, CourseApplicationIn, Occupation


@dataclass
class CourseStore:
    clock: Clock = shanghai_now
    occupations: tuple[Occupation, ...] = registry.OCCUPATIONS
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _approvals: dict[str, ApprovalRecord] = field(default_factory=dict)
    _serials: Counter[str] = field(default_factory=Counter)
    _revision: int = 0

    @property
    def revision(self) -> int:
        """Grows with every change, so that a caller can tell whether there is anything to save."""
        with self._lock:
            return self._revision

    def _next(self, kind: str) -> int:
        self._serials[kind] += 1
        return self._serials[kind]

    def knows_occupation(self, code: str) -> bool:
        return any(o.code == code for o in self.occupations)

    def apply(
        self, platform_id: str, application: CourseApplicationIn
    ) -> tuple[str, ApprovalRecord | None, str]:
        """Review at once: (application_id, the approval or None, reason)."""
        with self._lock:
            self._revision += 1
            application_id = f"APP-{self._next('application'):06d}"
            reason = registry.review(
                application.occupation_code,
                application.level,
                application.lesson_hours,
                {o.code: o.name for o in self.occupations},
            )
            if reason is not None:
                return application_id, None, reason
            today = self.clock().date()
            number = registry.approval_number(today.year, self._next(f"approval-{today.year}"))
            approval = ApprovalRecord(
                number=number,
                platform_id=platform_id,
                platform_course_id=application.platform_course_id,
                title=application.title,
                occupation_code=application.occupation_code,
                level=application.level,
                standard=application.standard,
                lesson_hours=application.lesson_hours,
                approved_on=today,
                status="valid",
            )
            self._approvals[number] = approval
            return application_id, approval, "Approved"

    def approval(self, number: str) -> ApprovalRecord:
        with self._lock:
            if number not in self._approvals:
                raise NotFound("Unknown approval number")
            return self._approvals[number]

    def revoke(self, number: str) -> ApprovalRecord:
        """Withdraw an approval (idempotent): the course stays listed, marked revoked."""
        with self._lock:
            if number not in self._approvals:
                raise NotFound("Unknown approval number")
            revoked = self._approvals[number].model_copy(update={"status": "revoked"})
            self._approvals[number] = revoked
            self._revision += 1
            return revoked

    # ---- persistence -----------------------------------------------------------------------
    def snapshot_text(self) -> str:
        """The snapshot as JSON text (a few approvals per run: serialised whole each time)."""
        return json_text(self.snapshot())

    def snapshot(self) -> dict[str, object]:
        """The approvals and the serials, JSON-safe (dates as ISO strings)."""
        with self._lock:
            return {
                "approvals": [a.model_dump(mode="json") for a in self._approvals.values()],
                "serials": dict(self._serials),
            }

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the state with a snapshot; ValueError/TypeError/KeyError when it is malformed
        (nothing is replaced then)."""
        approvals = [ApprovalRecord.model_validate(item) for item in data["approvals"]]
        serials = serials_from(data["serials"])
        with self._lock:
            self._approvals = {a.number: a for a in approvals}
            self._serials = serials
            self._revision += 1
