"""The learner driver: the learner operations of the conformance interface.

`LearnerDriver` is the protocol; `HttpLearnerDriver` speaks docs/interface.md. A vendor whose API
differs registers its own class in the `sxcert.drivers` entry-point group and names it in the
profile (`target.driver`); the report records which driver ran and the sha256 of its source file.
"""

from __future__ import annotations

import hashlib
import inspect
from importlib.metadata import entry_points
from pathlib import Path
from typing import Protocol, runtime_checkable

import requests

from harness.api import ApiClient
from harness.network_address import FORWARDED_FOR, address_of
from harness.spec.base import Health
from harness.spec.certificates import SupCertificate
from harness.spec.courses import CourseOut, LessonOut
from harness.spec.identity import LoginOut, MeOut, RegistrationOut
from harness.spec.quizzes import QuestionOut, QuizAnswerOut
from harness.spec.study import CaptureOut, CourseProgress, HeartbeatOut, PlaybackOut
from harness.spec.vouchers import EnrolmentOut

DRIVER_GROUP = "sxcert.drivers"


@runtime_checkable
class LearnerDriver(Protocol):
    """What a learner client does; every method raises `Refused` on a 4xx."""

    def health(self) -> Health: ...
    def register(
        self, *, name: str, id_number: str, password: str, face_photo: str, id_card_photo: str
    ) -> RegistrationOut: ...
    def login(
        self,
        *,
        id_number: str,
        password: str,
        device_id: str,
        liveness_frames: list[str],
        network_address: str | None = None,
    ) -> LoginOut: ...
    def logout(self, token: str) -> None: ...
    def me(self, token: str) -> MeOut: ...
    def courses(self) -> list[CourseOut]: ...
    def lessons(self, course_id: str) -> list[LessonOut]: ...
    def enrol(self, token: str, *, course_id: str, voucher_code: str) -> EnrolmentOut: ...
    def my_enrolments(self, token: str) -> list[EnrolmentOut]: ...
    def open_playback(
        self, token: str, *, course_id: str, lesson_id: str, window_id: str
    ) -> PlaybackOut: ...
    def heartbeat(
        self,
        token: str,
        playback_id: str,
        *,
        seq: int,
        position_s: float,
        rate: float,
        window_id: str,
        paused: bool = False,
    ) -> HeartbeatOut: ...
    def answer_capture(self, token: str, challenge_id: str, image: str) -> CaptureOut: ...
    def close_playback(self, token: str, playback_id: str) -> None: ...
    def progress(self, token: str, course_id: str) -> CourseProgress: ...
    def questions(self, token: str, course_id: str) -> list[QuestionOut]: ...
    def answer_question(self, token: str, question_id: str, option: str) -> QuizAnswerOut: ...
    def my_certificates(self, token: str) -> list[SupCertificate]: ...
    def certificate_pdf(self, token: str, number: str) -> bytes: ...


class HttpLearnerDriver(ApiClient):
    """The built-in driver for the sxcert/1 learner protocol."""

    name = "http"

    def __init__(self, base_url: str, session: requests.Session, timeout: float = 10.0) -> None:
        super().__init__(base_url, session, timeout)

    def health(self) -> Health:
        return self.parse(Health, self.request("GET", "/api/v1/health"), "health")

    def register(
        self, *, name: str, id_number: str, password: str, face_photo: str, id_card_photo: str
    ) -> RegistrationOut:
        body = {
            "name": name,
            "id_number": id_number,
            "password": password,
            "face_photo": face_photo,
            "id_card_photo": id_card_photo,
        }
        answer = self.request("POST", "/api/v1/learners", json=body)
        return self.parse(RegistrationOut, answer, "registration")

    def login(
        self,
        *,
        id_number: str,
        password: str,
        device_id: str,
        liveness_frames: list[str],
        network_address: str | None = None,
    ) -> LoginOut:
        """Sign in from `network_address` (by default the device's own, `address_of`), sent
        as the harness's proxy would: in `X-Forwarded-For` (docs/interface.md, Self-check). It
        is the header's whole value, so a cheat may put a forged claim before the address."""
        body = {
            "id_number": id_number,
            "password": password,
            "device_id": device_id,
            "liveness_frames": liveness_frames,
        }
        forwarded = {FORWARDED_FOR: network_address or address_of(device_id)}
        answer = self.request("POST", "/api/v1/login", json=body, headers=forwarded)
        return self.parse(LoginOut, answer, "login")

    def logout(self, token: str) -> None:
        self.request("POST", "/api/v1/logout", token=token)

    def me(self, token: str) -> MeOut:
        return self.parse(MeOut, self.request("GET", "/api/v1/me", token=token), "me")

    def courses(self) -> list[CourseOut]:
        return self.parse(list[CourseOut], self.request("GET", "/api/v1/courses"), "courses")

    def lessons(self, course_id: str) -> list[LessonOut]:
        answer = self.request("GET", f"/api/v1/courses/{course_id}/lessons")
        return self.parse(list[LessonOut], answer, "lessons")

    def enrol(self, token: str, *, course_id: str, voucher_code: str) -> EnrolmentOut:
        body = {"course_id": course_id, "voucher_code": voucher_code}
        answer = self.request("POST", "/api/v1/enrolments", json=body, token=token)
        return self.parse(EnrolmentOut, answer, "enrolment")

    def my_enrolments(self, token: str) -> list[EnrolmentOut]:
        answer = self.request("GET", "/api/v1/me/enrolments", token=token)
        return self.parse(list[EnrolmentOut], answer, "my enrolments")

    def open_playback(
        self, token: str, *, course_id: str, lesson_id: str, window_id: str
    ) -> PlaybackOut:
        body = {"course_id": course_id, "lesson_id": lesson_id, "window_id": window_id}
        answer = self.request("POST", "/api/v1/playbacks", json=body, token=token)
        return self.parse(PlaybackOut, answer, "playback")

    def heartbeat(
        self,
        token: str,
        playback_id: str,
        *,
        seq: int,
        position_s: float,
        rate: float,
        window_id: str,
        paused: bool = False,
    ) -> HeartbeatOut:
        body = {
            "seq": seq,
            "position_s": position_s,
            "rate": rate,
            "window_id": window_id,
            "paused": paused,
        }
        path = f"/api/v1/playbacks/{playback_id}/heartbeats"
        return self.parse(
            HeartbeatOut, self.request("POST", path, json=body, token=token), "heartbeat"
        )

    def answer_capture(self, token: str, challenge_id: str, image: str) -> CaptureOut:
        answer = self.request(
            "POST", f"/api/v1/captures/{challenge_id}", json={"image": image}, token=token
        )
        return self.parse(CaptureOut, answer, "capture")

    def close_playback(self, token: str, playback_id: str) -> None:
        self.request("POST", f"/api/v1/playbacks/{playback_id}/close", token=token)

    def progress(self, token: str, course_id: str) -> CourseProgress:
        answer = self.request(
            "GET", "/api/v1/me/progress", params={"course_id": course_id}, token=token
        )
        return self.parse(CourseProgress, answer, "progress")

    def questions(self, token: str, course_id: str) -> list[QuestionOut]:
        answer = self.request("GET", f"/api/v1/courses/{course_id}/questions", token=token)
        return self.parse(list[QuestionOut], answer, "questions")

    def answer_question(self, token: str, question_id: str, option: str) -> QuizAnswerOut:
        answer = self.request(
            "POST", f"/api/v1/questions/{question_id}/answer", json={"option": option}, token=token
        )
        return self.parse(QuizAnswerOut, answer, "quiz answer")

    def my_certificates(self, token: str) -> list[SupCertificate]:
        answer = self.request("GET", "/api/v1/me/certificates", token=token)
        return self.parse(list[SupCertificate], answer, "certificates")

    def certificate_pdf(self, token: str, number: str) -> bytes:
        return self.request("GET", f"/api/v1/me/certificates/{number}/pdf", token=token, raw=True)


class DriverNotFound(LookupError):
    pass


def load_driver_class(name: str) -> type:
    """The class registered under `name` in the sxcert.drivers entry-point group."""
    if name == HttpLearnerDriver.name:
        return HttpLearnerDriver
    for ep in entry_points(group=DRIVER_GROUP):
        if ep.name == name:
            return ep.load()
    known = sorted({ep.name for ep in entry_points(group=DRIVER_GROUP)} | {"http"})
    raise DriverNotFound(f"no learner driver named {name!r}; known: {', '.join(known)}")


def driver_identity(cls: type) -> dict[str, str]:
    """Name, import path and source-file hash of a driver, for the report."""
    source = Path(inspect.getfile(cls))
    return {
        "name": getattr(cls, "name", cls.__name__),
        "class": f"{cls.__module__}.{cls.__qualname__}",
        "file": source.name,
        "sha256": hashlib.sha256(source.read_bytes()).hexdigest(),
    }
