"""The province's state: in memory, for one certification run.

A province lives as long as one `sxcert certify` run (or one test): it is started empty, the
harness creates the identities and vouchers it needs, and everything — including the call log
that serves as evidence — is gone when the process ends. One `threading.Lock` guards it all,
because FastAPI runs the synchronous endpoints on a thread pool and two platform calls may race
(the same voucher redeemed twice at once must still be redeemed only once).
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field

from harness.province import registry
from harness.province.clock import Clock, shanghai_now
from harness.province.identities import draw_identity
from harness.spec.courses import ApprovalRecord, CourseApplicationIn
from harness.spec.sandbox import LogEntry, SandboxIdentity
from harness.spec.vouchers import Voucher

VOUCHER_VALIDITY = dt.timedelta(days=365)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud


class NotFound(LookupError):
    """The thing asked about does not exist; the message is the reason for the caller."""


class Conflict(RuntimeError):
    """The request clashes with the state (voucher already redeemed, name mismatch, ...)."""


@dataclass(frozen=True)
class IdentityRecord:
    identity: SandboxIdentity
    name_pinyin: str


@dataclass
class Registration:
    registration_id: str
    platform_id: str
    id_number: str
    face_phash: int
    face_sha256: str
    registered_at: dt.datetime


@dataclass(frozen=True)
class Redemption:
    redemption_id: str
    redeemed_at: dt.datetime
    platform_id: str
    id_number: str  # as claimed by the platform: the province does not check it
    course_id: str
    approval_number: str


@dataclass
class VoucherRecord:
    voucher: Voucher  # as issued; `state` is worked out on every read
    redemption: Redemption | None = None

    def current(self, today: dt.date) -> Voucher:
        if self.redemption is not None:
            state = "redeemed"
        elif today > self.voucher.expires_on:
            state = "expired"
        else:
            state = "issued"
        return self.voucher.model_copy(update={"state": state})


@dataclass
class ProvinceStore:
    clock: Clock = shanghai_now
    rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _identities: dict[str, IdentityRecord] = field(default_factory=dict)
    _registrations: dict[tuple[str, str], Registration] = field(default_factory=dict)
    _vouchers: dict[str, VoucherRecord] = field(default_factory=dict)
    _approvals: dict[str, ApprovalRecord] = field(default_factory=dict)
    _log: list[LogEntry] = field(default_factory=list)
    _capture_images: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _serials: Counter[str] = field(default_factory=Counter)

    def now(self) -> dt.datetime:
        return self.clock()

    def _next(self, kind: str) -> int:
        self._serials[kind] += 1
        return self._serials[kind]

    # ---- identities ------------------------------------------------------------------------
    def new_identity(self, **wanted: object) -> IdentityRecord:
        """A fresh sandbox identity (see identities.draw_identity for `wanted`)."""
        with self._lock:
            drawn = draw_identity(
                self.rng, self.now().date(), self._identities.__contains__, **wanted
            )
            record = IdentityRecord(drawn.identity, drawn.name_pinyin)
            self._identities[drawn.identity.id_number] = record
            return record

    def identity(self, id_number: str) -> IdentityRecord:
        with self._lock:
            if id_number not in self._identities:
                raise NotFound("Unknown identity")
            return self._identities[id_number]

    # ---- identity authority ----------------------------------------------------------------
    def register_face(
        self, platform_id: str, id_number: str, name: str, face_phash: int, face_sha256: str
    ) -> tuple[Registration, bool]:
        """Record the face a platform registered; True when new, False when it replaced one."""
        with self._lock:
            record = self._identities.get(id_number)
            if record is None:
                raise NotFound("Unknown identity")
            if name != record.identity.name:
                raise Conflict("Name does not match the identity")
            key = (platform_id, id_number)
            old = self._registrations.get(key)
            reg_id = old.registration_id if old else f"REG-{self._next('registration'):06d}"
            reg = Registration(reg_id, platform_id, id_number, face_phash, face_sha256, self.now())
            self._registrations[key] = reg
            return reg, old is None

    def registration(self, platform_id: str, id_number: str) -> Registration:
        """A platform's own registration: each platform registers the learners it serves."""
        with self._lock:
            reg = self._registrations.get((platform_id, id_number))
            if reg is None:
                raise NotFound("Identity not registered")
            return reg

    def first_sight(self, platform_id: str, id_number: str, image_sha256: str) -> bool:
        """Remember a capture image; False when this exact image was shown before (a replay)."""
        with self._lock:
            seen = self._capture_images.setdefault((platform_id, id_number), set())
            new = image_sha256 not in seen
            seen.add(image_sha256)
            return new

    def next_match_id(self) -> str:
        with self._lock:
            return f"FM-{self._next('face-match'):06d}"

    def next_verification_id(self) -> str:
        with self._lock:
            return f"LV-{self._next('verification'):06d}"

    # ---- vouchers --------------------------------------------------------------------------
    def issue_voucher(
        self,
        holder_id_number: str,
        occupation_code: str,
        level: str,
        employment_status: str,
        expires_on: dt.date | None,
    ) -> Voucher:
        with self._lock:
            holder = self._identities.get(holder_id_number)
            if holder is None:
                raise NotFound("Unknown identity")
            now = self.now()
            code = "SXPX" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
            voucher = Voucher(
                code=code,
                holder_id_number=holder_id_number,
                holder_name=holder.identity.name,
                occupation_code=occupation_code,
                level=level,
                employment_status=employment_status,
                state="issued",
                issued_at=now,
                expires_on=expires_on or now.date() + VOUCHER_VALIDITY,
            )
            self._vouchers[code] = VoucherRecord(voucher)
            return voucher

    def voucher(self, code: str) -> Voucher:
        with self._lock:
            record = self._vouchers.get(code)
            if record is None:
                raise NotFound("Unknown voucher")
            return record.current(self.now().date())

    def redeem(
        self, code: str, platform_id: str, id_number: str, course_id: str, approval_number: str
    ) -> Redemption:
        """Single use: the first redemption wins, any later one is a Conflict."""
        with self._lock:
            record = self._vouchers.get(code)
            if record is None:
                raise NotFound("Unknown voucher")
            now = self.now()
            state = record.current(now.date()).state
            if state == "redeemed":
                raise Conflict("Voucher already redeemed")
            if state == "expired":
                raise Conflict("Voucher expired")
            record.redemption = Redemption(
                f"RDM-{self._next('redemption'):06d}",
                now,
                platform_id,
                id_number,
                course_id,
                approval_number,
            )
            return record.redemption

    # ---- course registry -------------------------------------------------------------------
    def apply_course(
        self, platform_id: str, application: CourseApplicationIn
    ) -> tuple[str, ApprovalRecord | None, str]:
        """Review at once: (application_id, the approval or None, reason)."""
        with self._lock:
            application_id = f"APP-{self._next('application'):06d}"
            reason = registry.review(
                application.occupation_code, application.level, application.lesson_hours
            )
            if reason is not None:
                return application_id, None, reason
            today = self.now().date()
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

    def revoke_approval(self, number: str) -> ApprovalRecord:
        """Withdraw an approval (idempotent): the course stays listed, marked revoked."""
        with self._lock:
            if number not in self._approvals:
                raise NotFound("Unknown approval number")
            revoked = self._approvals[number].model_copy(update={"status": "revoked"})
            self._approvals[number] = revoked
            return revoked

    # ---- call log --------------------------------------------------------------------------
    def append_log(self, **fields: object) -> LogEntry:
        """Add an entry; the store gives it the next sequence number."""
        with self._lock:
            entry = LogEntry(seq=len(self._log) + 1, **fields)
            self._log.append(entry)
            return entry

    def log(
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
            tail = self._log[after_seq:]
        wanted = {
            "platform_id": platform_id,
            "service": service,
            "operation": operation,
            "id_number": id_number,
        }
        rules = {k: v for k, v in wanted.items() if v is not None}
        found = [e for e in tail if all(getattr(e, k) == v for k, v in rules.items())]
        return found[:limit] if limit is not None else found
