"""Fresh sandbox people for every check, so that checks never share state or depend on order and
a platform's existing data is never touched."""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from dataclasses import dataclass

from harness.driver import LearnerDriver
from harness.province_sandbox import ProvinceSandboxClient
from harness.spec.courses import CourseOut
from harness.spec.identity import LoginOut
from harness.spec.sandbox import SandboxIdentity
from harness.spec.vouchers import Voucher


@dataclass
class Learner:
    identity: SandboxIdentity
    password: str
    face_photo: str
    id_card_photo: str
    learner_id: str | None = None

    @property
    def id_number(self) -> str:
        return self.identity.id_number

    @property
    def name(self) -> str:
        return self.identity.name


class LearnerFactory:
    def __init__(self, platform: LearnerDriver, province: ProvinceSandboxClient) -> None:
        self.platform = platform
        self.province = province

    def person(self, birth_date: dt.date | None = None, sex: str | None = None) -> Learner:
        """A new sandbox identity with its photos; not yet registered anywhere; `sex` "M" or
        "F" (else drawn)."""
        return self.person_of(self.province.new_identity(birth_date=birth_date, sex=sex))

    def person_of(self, identity: SandboxIdentity) -> Learner:
        """The sandbox identity with its photos and a fresh password; not yet registered."""
        return Learner(
            identity=identity,
            password="pw-" + secrets.token_urlsafe(12),
            face_photo=b64(self.province.face_png(identity.id_number)),
            id_card_photo=b64(self.province.id_card_png(identity.id_number)),
        )

    def register(self, learner: Learner) -> Learner:
        answer = self.platform.register(
            name=learner.name,
            id_number=learner.id_number,
            password=learner.password,
            face_photo=learner.face_photo,
            id_card_photo=learner.id_card_photo,
        )
        learner.learner_id = answer.learner_id
        return learner

    def registered(self, birth_date: dt.date | None = None, sex: str | None = None) -> Learner:
        return self.register(self.person(birth_date, sex))

    def login(
        self,
        learner: Learner,
        device_id: str = "device-A",
        kind: str = "live",
        network_address: str | None = None,
        frame_count: int = 5,
    ) -> LoginOut:
        """Sign in on `device_id` with `frame_count` camera frames, from `network_address` when
        given (else the device's own); a custom driver is passed the address only when one is
        given."""
        frames = self.frames(learner, kind, frame_count)
        where = {"network_address": network_address} if network_address else {}
        return self.platform.login(
            id_number=learner.id_number,
            password=learner.password,
            device_id=device_id,
            liveness_frames=frames,
            **where,
        )

    def frames(self, learner: Learner, kind: str = "live", count: int = 5) -> list[str]:
        return self.province.liveness_frames(learner.id_number, kind=kind, count=count)

    def logged_in(
        self, birth_date: dt.date | None = None, sex: str | None = None
    ) -> tuple[Learner, LoginOut]:
        learner = self.registered(birth_date, sex)
        return learner, self.login(learner)

    def voucher(
        self,
        holder: Learner,
        course: CourseOut,
        *,
        employment_status: str = "unemployed",
        occupation_code: str | None = None,
        level: str | None = None,
        expires_on: dt.date | None = None,
    ) -> Voucher:
        return self.province.issue_voucher(
            holder_id_number=holder.id_number,
            occupation_code=occupation_code or course.occupation_code or "",
            level=level or course.level or "junior",
            employment_status=employment_status,
            expires_on=expires_on,
        )


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def birth_date_for_age(today: dt.date, years: int, *, days_after_birthday: int = 0) -> dt.date:
    """The birth date of someone who turns `years` old exactly `days_after_birthday` days before
    `today` (0: today is the birthday; -1: the birthday is tomorrow). 29 Feb maps to 28 Feb."""
    birthday = today - dt.timedelta(days=days_after_birthday)
    try:
        return birthday.replace(year=birthday.year - years)
    except ValueError:
        return birthday.replace(year=birthday.year - years, day=28)
