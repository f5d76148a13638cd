"""The identity authority's state: sandbox people, the faces platforms registered, captures seen.

Registrations are kept per platform: a platform's liveness checks compare with the face *it*
registered, so one platform's mistake cannot colour another's evidence.

The snapshot keeps the people, the registrations, the capture images seen and the serials, so a
restarted province still knows the learners a long-running platform registered, never hands out
an ID number twice, and still calls a capture shown before a replay. The random generator is not
kept: a restarted province draws fresh people, which only have to be unused (a request with a
`seed` draws from that seed instead, so the harness's run seed repeats its people).
"""

from __future__ import annotations

import datetime as dt
import json
import random
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness.province.clock import Clock, shanghai_now
from harness.province.identities import InvalidIdentityRequest, draw_identity
from harness.province.refusals import Conflict, NotFound
from harness.province.stores.snapshots import json_list, json_object, json_text, serials_from
from harness.spec.sandbox import SandboxIdentity


@dataclass(frozen=True)
class IdentityRecord:
    identity: SandboxIdentity
    name_pinyin: str

    def to_json(self) -> dict[str, object]:
        return {"identity": self.identity.model_dump(mode="json"), "name_pinyin": self.name_pinyin}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IdentityRecord:
        if not isinstance(data["name_pinyin"], str):
            raise ValueError("name_pinyin is not a string")
        return cls(SandboxIdentity.model_validate(data["identity"]), data["name_pinyin"])


@dataclass
class Registration:
    registration_id: str
    platform_id: str
    id_number: str
    face_phash: int
    face_sha256: str
    registered_at: dt.datetime

    def to_json(self) -> dict[str, object]:
        return {
            "registration_id": self.registration_id,
            "platform_id": self.platform_id,
            "id_number": self.id_number,
            "face_phash": self.face_phash,
            "face_sha256": self.face_sha256,
            "registered_at": self.registered_at.isoformat(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Registration:
        texts = ("registration_id", "platform_id", "id_number", "face_sha256", "registered_at")
        if not all(isinstance(data[name], str) for name in texts):
            raise ValueError(f"{', '.join(texts)} of a registration are strings")
        if type(data["face_phash"]) is not int:
            raise ValueError("face_phash of a registration is a number")
        return cls(
            data["registration_id"],
            data["platform_id"],
            data["id_number"],
            data["face_phash"],
            data["face_sha256"],
            dt.datetime.fromisoformat(data["registered_at"]),
        )


@dataclass
class _SavedTexts:
    """Each person, registration and capture set as JSON text, made when it changed."""

    identities: dict[str, str]
    registrations: dict[tuple[str, str], str]
    captures: dict[tuple[str, str], str]


def _captures_json(key: tuple[str, str], seen: set[str]) -> dict[str, object]:
    return {"platform_id": key[0], "id_number": key[1], "images": sorted(seen)}


@dataclass
class IdentityStore:
    clock: Clock = shanghai_now
    rng: random.Random = field(default_factory=random.Random)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _identities: dict[str, IdentityRecord] = field(default_factory=dict)
    _registrations: dict[tuple[str, str], Registration] = field(default_factory=dict)
    _capture_images: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    _serials: Counter[str] = field(default_factory=Counter)
    _texts: _SavedTexts = field(default_factory=lambda: _SavedTexts({}, {}, {}))
    _revision: int = 0

    @property
    def revision(self) -> int:
        """Grows with every change, so that a caller can tell whether there is anything to save."""
        with self._lock:
            return self._revision

    def _next(self, kind: str) -> int:
        """The next serial of `kind` (called under the lock: handing one out is a change)."""
        self._revision += 1
        self._serials[kind] += 1
        return self._serials[kind]

    # ---- sandbox people --------------------------------------------------------------------
    def new_identity(
        self, namesake_of: str | None = None, seed: int | None = None, **wanted: object
    ) -> IdentityRecord:
        """A fresh sandbox identity (see identities.draw_identity for `wanted`); `namesake_of`
        gives it the name of that existing identity. With a `seed`, what is left to draw (the
        sequence number, the name, whatever was not asked for) comes from that seed alone: the
        same request with the same seed gives the same person in a province that has not used
        that number yet, and the next candidate, deterministically, when it has."""
        with self._lock:
            if namesake_of is not None:
                namesake = self._identities.get(namesake_of)
                if namesake is None:
                    raise InvalidIdentityRequest("No identity to share the name of")
                wanted["name"] = (namesake.identity.name, namesake.name_pinyin)
            rng = self.rng if seed is None else random.Random(seed)
            drawn = draw_identity(rng, self.clock().date(), self._identities.__contains__, **wanted)
            record = IdentityRecord(drawn.identity, drawn.name_pinyin)
            self._identities[drawn.identity.id_number] = record
            self._texts.identities[drawn.identity.id_number] = json_text(record.to_json())
            self._revision += 1
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
            self._texts.registrations[key] = json_text(reg.to_json())
            self._revision += 1
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
                del self._texts.registrations[key]
            self._revision += 1
            return len(keys)

    # ---- verdicts --------------------------------------------------------------------------
    def first_sight(self, platform_id: str, id_number: str, image_sha256: str) -> bool:
        """Remember a capture image; False when this exact image was shown before (a replay)."""
        with self._lock:
            key = (platform_id, id_number)
            seen = self._capture_images.setdefault(key, set())
            new = image_sha256 not in seen
            if new:
                seen.add(image_sha256)
                self._texts.captures[key] = json_text(_captures_json(key, seen))
                self._revision += 1
            return new

    def next_match_id(self) -> str:
        with self._lock:
            return f"FM-{self._next('face-match'):06d}"

    def next_verification_id(self) -> str:
        with self._lock:
            return f"LV-{self._next('verification'):06d}"

    # ---- persistence -----------------------------------------------------------------------
    def snapshot_text(self) -> str:
        """The snapshot as JSON text, joined from each item's text of its last change."""
        with self._lock:
            return json_object(
                identities=json_list(self._texts.identities.values()),
                registrations=json_list(self._texts.registrations.values()),
                captures=json_list(self._texts.captures.values()),
                serials=json_text(dict(self._serials)),
            )

    def snapshot(self) -> dict[str, Any]:
        """People, registrations, capture images seen and serials; JSON-safe (ISO datetimes)."""
        return json.loads(self.snapshot_text())

    def restore(self, data: dict[str, Any]) -> None:
        """Replace the state with a snapshot; ValueError/TypeError/KeyError when it is malformed
        (nothing is replaced then)."""
        records = {
            r.identity.id_number: r for r in map(IdentityRecord.from_json, data["identities"])
        }
        registrations = {
            (r.platform_id, r.id_number): r
            for r in map(Registration.from_json, data["registrations"])
        }
        captures: dict[tuple[str, str], set[str]] = {}
        for item in data["captures"]:
            images = item["images"]
            if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
                raise ValueError("the images of a capture entry are a list of sha256 strings")
            captures[(str(item["platform_id"]), str(item["id_number"]))] = set(images)
        serials = serials_from(data["serials"])
        texts = _SavedTexts(
            {number: json_text(r.to_json()) for number, r in records.items()},
            {key: json_text(r.to_json()) for key, r in registrations.items()},
            {key: json_text(_captures_json(key, seen)) for key, seen in captures.items()},
        )
        with self._lock:
            self._identities = records
            self._registrations = registrations
            self._capture_images = captures
            self._serials = serials
            self._texts = texts
            self._revision += 1
