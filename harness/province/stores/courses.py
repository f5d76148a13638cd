"""The course registry's state: the occupations it knows, the applications it received (with
their review clock, COURSE-02) and the approvals it has given.

The occupation catalogue is the province's (settings), not a constant, so that a test or a
certification run can stand up a province whose catalogue differs from the default one; it is
therefore not part of the snapshot, which holds only what the registry decided (applications,
approvals and their serials), so a restarted province keeps recognising the approvals it gave.

The review clock: an application is due for review 10 working days after the day it arrived
(`REVIEW_WORKDAYS`, the day itself not counted; the 10th working day is on time). The platform
API reviews at once, so its applications are never late; the sandbox can also take in an
application on a given day and review it later, as the real centre does, and the registry then
flags it as overdue once its due date has passed without a review. Due dates are worked out on
every read, so nothing needs to sweep the applications.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness.province import registry
from harness.province.clock import Clock, shanghai_now
from harness.province.refusals import Conflict, NotFound
from harness.province.stores.snapshots import json_text, serials_from
from harness.province.workdays import UnknownYear, WorkingCalendar
from harness.spec.courses import (
    ApprovalRecord,
    CourseApplicationIn,
    CourseApplicationRecord,
    Occupation,
)

REVIEW_WORKDAYS = 10  # COURSE-02: 原则上收到审核申请后，10个工作日内完成审核


@dataclass
class Application:
    """An application as received, and the review's outcome once there is one."""

    application_id: str
    platform_id: str
    application: CourseApplicationIn
    applied_on: dt.date
    reviewed_on: dt.date | None = None
    approval_number: str | None = None
    reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "application_id": self.application_id,
            "platform_id": self.platform_id,
            "application": self.application.model_dump(mode="json"),
            "applied_on": self.applied_on.isoformat(),
            "reviewed_on": self.reviewed_on.isoformat() if self.reviewed_on else None,
            "approval_number": self.approval_number,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Application:
        reviewed = data["reviewed_on"]
        return cls(
            application_id=str(data["application_id"]),
            platform_id=str(data["platform_id"]),
            application=CourseApplicationIn.model_validate(data["application"]),
            applied_on=dt.date.fromisoformat(data["applied_on"]),
            reviewed_on=dt.date.fromisoformat(reviewed) if reviewed else None,
            approval_number=data["approval_number"],
            reason=data["reason"],
        )


@dataclass
class CourseStore:
    clock: Clock = shanghai_now
    occupations: tuple[Occupation, ...] = registry.OCCUPATIONS
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _approvals: dict[str, ApprovalRecord] = field(default_factory=dict)
    _applications: dict[str, Application] = field(default_factory=dict)
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
        """Receive and review at once: (application_id, the approval or None, reason)."""
        today = self.clock().date()
        with self._lock:
            received = self._receive(platform_id, application, today)
            approval = self._review(received, today)
            return received.application_id, approval, received.reason or ""

    def receive(
        self, platform_id: str, application: CourseApplicationIn, applied_on: dt.date
    ) -> CourseApplicationRecord:
        """Take in an application on `applied_on`, pending review (the sandbox's intake)."""
        with self._lock:
            received = self._receive(platform_id, application, applied_on)
        return self._view(received, self.clock().date())

    def review(self, application_id: str, on: dt.date | None) -> CourseApplicationRecord:
        """Review a pending application on `on` (default today): NotFound for an unknown one,
        Conflict when it was reviewed already, or `on` is before it arrived or in the future."""
        today = self.clock().date()
        day = on or today
        with self._lock:
            received = self._applications.get(application_id)
            if received is None:
                raise NotFound("Unknown application")
            if received.reviewed_on is not None:
                raise Conflict(f"Application already reviewed on {received.reviewed_on}")
            if day < received.applied_on:
                raise Conflict(f"{day} is before the application arrived ({received.applied_on})")
            if day > today:
                raise Conflict(f"{day} is in the future (today is {today})")
            self._review(received, day)
        return self._view(received, today)

    def applications(self, overdue_only: bool = False) -> list[CourseApplicationRecord]:
        """Every application, oldest first, with its review clock; or only the overdue ones."""
        with self._lock:
            received = list(self._applications.values())
        today = self.clock().date()
        views = [self._view(item, today) for item in received]
        return [view for view in views if view.overdue or not overdue_only]

    def _receive(
        self, platform_id: str, application: CourseApplicationIn, applied_on: dt.date
    ) -> Application:
        application_id = f"APP-{self._next('application'):06d}"
        received = Application(application_id, platform_id, application, applied_on)
        self._applications[application_id] = received
        self._revision += 1
        return received

    def _review(self, received: Application, day: dt.date) -> ApprovalRecord | None:
        """The registry's decision on `day`: an approval, or the reason in `received.reason`."""
        application = received.application
        self._revision += 1
        received.reviewed_on = day
        reason = registry.review(
            application.occupation_code,
            application.level,
            application.lesson_hours,
            {o.code: o.name for o in self.occupations},
        )
        if reason is not None:
            received.reason = reason
            return None
        number = registry.approval_number(day.year, self._next(f"approval-{day.year}"))
        approval = ApprovalRecord(
            number=number,
            platform_id=received.platform_id,
            platform_course_id=application.platform_course_id,
            title=application.title,
            occupation_code=application.occupation_code,
            level=application.level,
            standard=application.standard,
            lesson_hours=application.lesson_hours,
            approved_on=day,
            status="valid",
        )
        self._approvals[number] = approval
        received.approval_number = number
        received.reason = "Approved"
        return approval

    def _view(self, received: Application, today: dt.date) -> CourseApplicationRecord:
        try:
            due: dt.date | None = self.calendar.add_workdays(received.applied_on, REVIEW_WORKDAYS)
            gap = None
        except UnknownYear as exc:
            due, gap = None, str(exc)
        if received.reviewed_on is None:
            status = "pending"
        else:
            status = "approved" if received.approval_number else "rejected"
        return CourseApplicationRecord(
            application_id=received.application_id,
            platform_id=received.platform_id,
            platform_course_id=received.application.platform_course_id,
            title=received.application.title,
            occupation_code=received.application.occupation_code,
            level=received.application.level,
            applied_on=received.applied_on,
            review_due=due,
            reviewed_on=received.reviewed_on,
            status=status,
            approval_number=received.approval_number,
            reason=received.reason,
            overdue=due is not None and (received.reviewed_on or today) > due,
            calendar_gap=gap,
        )

    def approval(self, number: str) -> ApprovalRecord:
        with self._lock:
            if number not in self._approvals:
                raise NotFound("Unknown approval number")
            return self._approvals[number]

    def revoke(self, number: str) -> ApprovalRecord:
        """Withdraw an approval (idempotent): the course stays listed, marked revoked."""
        return self._set_status(number, "revoked")

    def reinstate(self, number: str) -> ApprovalRecord:
        """Make a revoked approval valid again (idempotent): the harness undoes its own revocation
        so that a platform serving several runs keeps its catalogue."""
        return self._set_status(number, "valid")

    def _set_status(self, number: str, status: str) -> ApprovalRecord:
        with self._lock:
            if number not in self._approvals:
                raise NotFound("Unknown approval number")
            changed = self._approvals[number].model_copy(update={"status": status})
            self._approvals[number] = changed
            self._revision += 1
            return changed

    # ---- persistence -----------------------------------------------------------------------
    def snapshot_text(self) -> str:
        """The snapshot as JSON text (a few approvals per run: serialised whole each time)."""
        return json_text(self.snapshot())

    def snapshot(self) -> dict[str, object]:
        """The approvals, the applications and the serials, JSON-safe (dates as ISO strings)."""
        with self._lock:
            return {
                "approvals": [a.model_dump(mode="json") for a in self._approvals.values()],
                "applications": [a.to_json() for a in self._applications.values()],
                "serials": dict(self._serials),
            }

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the state with a snapshot; ValueError/TypeError/KeyError when it is malformed
        (nothing is replaced then)."""
        approvals = [ApprovalRecord.model_validate(item) for item in data["approvals"]]
        # a file from before the review clock has no applications: they start empty
        applications = [Application.from_json(item) for item in data.get("applications", [])]
        serials = serials_from(data["serials"])
        with self._lock:
            self._approvals = {a.number: a for a in approvals}
            self._applications = {a.application_id: a for a in applications}
            self._serials = serials
            self._revision += 1
