"""The voucher authority's state: vouchers as issued, and their single redemption.

A voucher's `state` is never stored: it is worked out on every read from the redemption and the
province's date, so an expiry needs no sweeper and cannot be missed. The snapshot keeps each
voucher as issued with its redemption, so a restarted province still refuses a second redemption.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

from harness.province.clock import Clock, shanghai_now
from harness.province.refusals import Conflict, NotFound
from harness.province.stores.snapshots import json_list, json_object, json_text, serials_from
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

    def to_json(self) -> dict[str, str]:
        return {**asdict(self), "redeemed_at": self.redeemed_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Redemption:
        fields = {name: data[name] for name in cls.__dataclass_fields__}
        if not all(isinstance(value, str) for value in fields.values()):
            raise ValueError("every field of a redemption is a string")
        return cls(**{**fields, "redeemed_at": dt.datetime.fromisoformat(fields["redeemed_at"])})


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

    def to_json(self) -> dict[str, object]:
        return {
            "voucher": self.voucher.model_dump(mode="json"),
            "redemption": self.redemption.to_json() if self.redemption else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> VoucherRecord:
        redemption = data["redemption"]
        return cls(
            Voucher.model_validate(data["voucher"]),
            Redemption.from_json(redemption) if redemption is not None else None,
        )


@dataclass
class VoucherStore:
    clock: Clock = shanghai_now
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _vouchers: dict[str, VoucherRecord] = field(default_factory=dict)
    _serials: Counter[str] = field(default_factory=Counter)
    _texts: dict[str, str] = field(default_factory=dict)  # code → the record's JSON, when changed
    _revision: int = 0

    @property
    def revision(self) -> int:
        """Grows with every change, so that a caller can tell whether there is anything to save."""
        with self._lock:
            return self._revision

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
            self._texts[code] = json_text(self._vouchers[code].to_json())
            self._revision += 1
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
            self._texts[code] = json_text(record.to_json())
            self._revision += 1
            return record.redemption

    # ---- persistence -----------------------------------------------------------------------
    def snapshot_text(self) -> str:
        """The snapshot as JSON text, joined from each voucher's text of its last change."""
        with self._lock:
            return json_object(
                vouchers=json_list(self._texts.values()), serials=json_text(dict(self._serials))
            )

    def snapshot(self) -> dict[str, Any]:
        """Every voucher as issued with its redemption, and the serials; JSON-safe."""
        return json.loads(self.snapshot_text())

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the state with a snapshot; ValueError/TypeError/KeyError when it is malformed
        (nothing is replaced then)."""
        records = [VoucherRecord.from_json(item) for item in data["vouchers"]]
        serials = serials_from(data["serials"])
        texts = {record.voucher.code: json_text(record.to_json()) for record in records}
        with self._lock:
            self._vouchers = {record.voucher.code: record for record in records}
            self._texts = texts
            self._serials = serials
            self._revision += 1
