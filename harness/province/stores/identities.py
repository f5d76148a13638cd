"""The identity authority's state: sandbox people, the faces platforms registered, captures seen.

Registrations are kept per platform: a platform's liveness checks compare with the face *it*
registered, so one platform's mistake cannot colour another's evidence.
"""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections import Counter
from dataclasses import dataclass, field

from harness.province.clock import Clock, shanghai_now
from harness.province.identities import draw_identity
from harness.province.refusals import Conflict, NotFound
from harness.spec.sandbox import SandboxIdentity


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


@dataclass
class IdentityStore:
    clock: Clock = shanghai_now
    rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _identities: dict[str, IdentityRecord] = field(default_factory=dict)
    _registrations: dict[tuple[str, str], Registration] = field(default_factory=dict)
    _capture_images: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _serials: Counter[str] = field(default_factory=Counter)

    def _next(self, kind: str) -> int:
        self._serials[kind] += 1
        return self._serials[kind]

    # ---- sandbox people --------------------------------------------------------------------
    def new_identity(self, **wanted: object) -> IdentityRecord:
        """A fresh sandbox identity (see identities.draw_identity for `wanted`)."""
        with self._lock:
            drawn = draw_identity(
                self.rng, self.clock().date(), self._identities.__contains__, **wanted
            )
            record = IdentityRecord(drawn.identity, drawn.name_pinyin)
            self._identities[drawn.identity.id_number] = record
            return record

    def identity(self, id_number: str) -> IdentityRecord:
        with self._lock:
            if id_number not in self._identities:
                raise NotFound("Unknown identity")
            return self._identities[id_number]

    # ---- registrations ---------------------------------------------------------------------
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
            now = self.clock()
            reg = Registration(reg_id, platform_id, id_number, face_phash, face_sha256, now)
            self._registrations[key] = reg
            return reg, old is None

    def registration(self, platform_id: str, id_number: str) -> Registration:
        """A platform's own registration: each platform registers the learners it serves."""
        with self._lock:
            reg = self._registrations.get((platform_id, id_number))
            if reg is None:
                raise NotFound("Identity not registered")
            return reg

    def forget_registrations(self, id_number: str) -> int:
        """Drop every platform's registration of a person (a sandbox fault); how many there were."""
        with self._lock:
            if id_number not in self._identities:
                raise NotFound("Unknown identity")
            keys = [key for key in self._registrations if key[1] == id_number]
            for key in keys:
                del self._registrations[key]
            return len(keys)

    # ---- verdicts --------------------------------------------------------------------------
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
