"""The subsidy office's state: the claims it accepted, their steps, and each year's total.

The yearly cap (SUB-04) is checked and the claim added under one lock, so that two claims
arriving together can never both fit into the same remaining money: the second sees the first's
amount already committed. A claim's amount is committed in the year the office accepts it
(Asia/Shanghai), and stays committed: the office approves no more than the cap in a year, whichever
order the reviews finish in. Due dates and lateness are worked out on every read from the dates
and the calendar, never stored, so a claim needs no sweeper to become overdue.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from harness.province.clock import Clock, shanghai_now
from harness.province.refusals import Conflict, NotFound
from harness.province.stores.snapshots import json_list, json_object, json_text, serials_from
from harness.province.subsidy_rules import YEARLY_CAP, cap_refusal, claim_refusal
from harness.province.subsidy_timeline import (
    STEP_ORDER,
    ClaimDates,
    known_due_dates,
    overdue_steps,
    step_refusal,
)
from harness.province.workdays import UnknownYear, WorkingCalendar
from harness.spec.subsidy import (
    ClaimDueDates,
    SubsidyClaim,
    SubsidyClaimIn,
    SubsidyYear,
)

_STATUS_AFTER = {
    None: "accepted",
    "review": "reviewed",
    "notice": "notice",
    "fund_request": "fund_requested",
    "payment": "paid",
}


class InvalidClaim(ValueError):
    """The claim is inconsistent (a line, the total, the start date); the message says where."""


@dataclass
class ClaimRecord:
    claim_id: str
    platform_id: str
    claim: SubsidyClaimIn
    dates: ClaimDates
    rejection: str | None = None  # the HR review's reason, when it rejected the claim

    def to_json(self) -> dict[str, Any]:
        return {
            "claim_id": self.claim_id,
            "platform_id": self.platform_id,
            "claim": self.claim.model_dump(mode="json"),
            "dates": {k: (v.isoformat() if v else None) for k, v in vars(self.dates).items()},
            "rejection": self.rejection,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ClaimRecord:
        dates = {k: dt.date.fromisoformat(v) if v else None for k, v in data["dates"].items()}
        if not isinstance(data["claim_id"], str) or not isinstance(data["platform_id"], str):
            raise ValueError("claim_id and platform_id are strings")
        rejection = data.get("rejection")
        if rejection is not None and not isinstance(rejection, str):
            raise ValueError("rejection is a string or null")
        return cls(
            data["claim_id"],
            data["platform_id"],
            SubsidyClaimIn.model_validate(data["claim"]),
            ClaimDates(**dates),
            rejection,
        )


@dataclass
class SubsidyStore:
    clock: Clock = shanghai_now
    calendar: WorkingCalendar = field(default_factory=WorkingCalendar)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _claims: dict[str, ClaimRecord] = field(default_factory=dict)
    _committed: dict[int, Decimal] = field(default_factory=dict)  # year → accepted amounts
    _serials: Counter[str] = field(default_factory=Counter)
    _texts: dict[str, str] = field(default_factory=dict)  # claim_id → its JSON, when changed
    _revision: int = 0

    @property
    def revision(self) -> int:
        """Grows with every change, so that a caller can tell whether there is anything to save."""
        with self._lock:
            return self._revision

    def submit(self, platform_id: str, claim: SubsidyClaimIn) -> SubsidyClaim:
        """Accept a claim: InvalidClaim when inconsistent, Conflict when over the yearly cap."""
        today = self.clock().date()
        reason = claim_refusal(claim)
        if reason is not None:
            raise InvalidClaim(reason)
        with self._lock:  # the cap's check and the commitment are one step
            committed = self._committed.get(today.year, Decimal(0))
            reason = cap_refusal(today.year, committed, claim.total_amount)
            if reason is not None:
                raise Conflict(reason)
            self._serials["claim"] += 1
            claim_id = f"CLM-{self._serials['claim']:06d}"
            record = ClaimRecord(claim_id, platform_id, claim, ClaimDates(accepted_on=today))
            self._claims[claim_id] = record
            self._texts[claim_id] = json_text(record.to_json())
            self._committed[today.year] = committed + claim.total_amount
            self._revision += 1
        return self._view(record, today)

    def record_step(
        self, claim_id: str, step: str, on: dt.date | None, rejection: str | None = None
    ) -> SubsidyClaim:
        """Record a step of the claim's handling; Conflict when it would break the timeline
        (or the calendar cannot judge it, or the claim was rejected), NotFound for an unknown
        claim. A review with a `rejection` reason rejects the claim: its amount leaves the
        year's committed total, so the cap counts only what may still be paid."""
        today = self.clock().date()
        with self._lock:
            record = self._record(claim_id)
            if record.rejection is not None:
                raise Conflict(
                    f"the claim was rejected at its review on {record.dates.reviewed_on}:"
                    " it has no further steps"
                )
            day = on or today
            try:
                reason = step_refusal(self.calendar, record.dates, step, day, today)
            except UnknownYear as exc:
                reason = f"cannot judge the step: {exc}"
            if reason is not None:
                raise Conflict(reason)
            record.dates = record.dates.with_step(step, day)
            if rejection is not None:
                record.rejection = rejection
                year = record.dates.accepted_on.year
                self._committed[year] = self._committed[year] - record.claim.total_amount
            self._texts[claim_id] = json_text(record.to_json())
            self._revision += 1
        return self._view(record, today)

    def claim(self, claim_id: str, platform_id: str | None = None) -> SubsidyClaim:
        """One claim with its due dates; a platform (`platform_id`) sees only its own."""
        with self._lock:
            record = self._record(claim_id)
            if platform_id is not None and record.platform_id != platform_id:
                raise NotFound("Unknown claim")
        return self._view(record, self.clock().date())

    def claims(
        self, platform_id: str | None = None, overdue_only: bool = False
    ) -> list[SubsidyClaim]:
        """Every claim (of one platform), oldest first; `overdue_only` keeps the late ones."""
        with self._lock:
            records = [r for r in self._claims.values() if platform_id in (None, r.platform_id)]
        today = self.clock().date()
        views = [self._view(record, today) for record in records]
        return [view for view in views if view.overdue or not overdue_only]

    def year(self, year: int) -> SubsidyYear:
        """The cap's use in `year`."""
        with self._lock:
            committed = self._committed.get(year, Decimal(0))
            count = sum(
                r.dates.accepted_on.year == year and r.rejection is None
                for r in self._claims.values()
            )
        return SubsidyYear(
            year=year,
            cap=YEARLY_CAP,
            committed=committed,
            remaining=YEARLY_CAP - committed,
            claims=count,
        )

    def _record(self, claim_id: str) -> ClaimRecord:
        record = self._claims.get(claim_id)
        if record is None:
            raise NotFound("Unknown claim")
        return record

    def _view(self, record: ClaimRecord, today: dt.date) -> SubsidyClaim:
        dates = record.dates
        last_done = next((s for s in reversed(STEP_ORDER) if dates.of(s) is not None), None)
        due = known_due_dates(self.calendar, dates)
        due_view = ClaimDueDates(
            hr_review_due=due.hr_review_due,
            notice_from=due.notice_from,
            fund_request_earliest=due.fund_request_earliest,
            finance_payment_due=due.finance_payment_due,
            calendar_gap=due.gap,
        )
        late = overdue_steps(due, dates, today)
        return SubsidyClaim(
            claim_id=record.claim_id,
            platform_id=record.platform_id,
            quarter=record.claim.quarter,
            accepted_on=dates.accepted_on,
            cap_year=dates.accepted_on.year,
            total_amount=record.claim.total_amount,
            lines=record.claim.lines,
            status="rejected" if record.rejection is not None else _STATUS_AFTER[last_done],
            reviewed_on=dates.reviewed_on,
            notice_from=dates.notice_from,
            fund_requested_on=dates.fund_requested_on,
            paid_on=dates.paid_on,
            rejection_reason=record.rejection,
            due=due_view,
            overdue=late,
        )

    # ---- persistence -----------------------------------------------------------------------
    def snapshot_text(self) -> str:
        """The snapshot as JSON text, joined from each claim's text of its last change (a claim
        may have tens of thousands of lines: it is serialised once, not at every save)."""
        with self._lock:
            return json_object(
                claims=json_list(self._texts.values()), serials=json_text(dict(self._serials))
            )

    def snapshot(self) -> dict[str, Any]:
        """Every claim with its dates, and the serials; JSON-safe. The yearly totals are not
        kept: they are recomputed from the claims, so they cannot disagree with them."""
        return json.loads(self.snapshot_text())

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the state with a snapshot; ValueError/TypeError/KeyError when it is malformed
        (nothing is replaced then)."""
        records = [ClaimRecord.from_json(item) for item in data["claims"]]
        serials = serials_from(data["serials"])
        committed: dict[int, Decimal] = {}
        for record in records:
            if record.rejection is not None:
                continue  # a rejected claim holds nothing of the cap
            year = record.dates.accepted_on.year
            committed[year] = committed.get(year, Decimal(0)) + record.claim.total_amount
        texts = {record.claim_id: json_text(record.to_json()) for record in records}
        with self._lock:
            self._claims = {record.claim_id: record for record in records}
            self._texts = texts
            self._committed = committed
            self._serials = serials
            self._revision += 1
