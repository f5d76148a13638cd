"""The voucher authority's state: vouchers as issued, and their single redemption.

A voucher's `state` is never stored: it is worked out on every read from the redemption and the
province's date, so an expiry needs no sweeper and cannot be missed.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from collections import Counter
from dataclasses import dataclass, field

from harness.province.clock import Clock, shanghai_now
from harness.province.refusals import Conflict, NotFound
from harness.spec.vouchers import Voucher

VOUCHER_VALIDITY = dt.timedelta(days=365)
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read aloud


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
class VoucherStore:
    clock: Clock = shanghai_now
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _vouchers: dict[str, VoucherRecord] = field(default_factory=dict)
    _serials: Counter[str] = field(default_factory=Counter)

    def issue(
        self,
        holder_id_number: str,
        holder_name: str,
        occupation_code: str,
        level: str,
        employment_status: str,
        expires_on: dt.date | None,
    ) -> Voucher:
        """A new voucher for a holder the caller has already looked up (the identity store)."""
        with self._lock:
            now = self.clock()
            code = "SXPX" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
            voucher = Voucher(
                code=code,
                holder_id_number=holder_id_number,
                holder_name=holder_name,
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
            return record.current(self.clock().date())

    def redeem(
        self, code: str, platform_id: str, id_number: str, course_id: str, approval_number: str
    ) -> Redemption:
        """Single use: the first redemption wins, any later one is a Conflict."""
        with self._lock:
            record = self._vouchers.get(code)
            if record is None:
                raise NotFound("Unknown voucher")
            now = self.clock()
            state = record.current(now.date()).state
            if state == "redeemed":
                raise Conflict("Voucher already redeemed")
            if state == "expired":
                raise Conflict("Voucher expired")
            self._serials["redemption"] += 1
            record.redemption = Redemption(
                f"RDM-{self._serials['redemption']:06d}",
                now,
                platform_id,
                id_number,
                course_id,
                approval_number,
            )
            return record.redemption
