"""Client of the supervision protocol and the test clock: how the harness *observes* a platform.

Checks judge credited facts from here (and from the province log), never from what the learner
API says about itself.
"""

from __future__ import annotations

import datetime as dt

import requests

from harness.api import ApiClient, Refused
from harness.failures import CannotJudge, ProtocolViolation
from harness.spec.supervision import (
    SupCapture,
    SupCourseProgress,
    SupEnrolment,
    SupervisorTokenOut,
    SupHeartbeat,
    SupLearner,
    SupLessonProgress,
    SupLivenessEvent,
    SupLogin,
    SupPlayback,
)
from harness.spec.test_hooks import ClockOut

PREFIX = "/api/v1/supervision"


class SupervisionClient(ApiClient):
    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        *,
        username: str,
        password: str,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(base_url, session, timeout)
        self._credentials = {"username": username, "password": password}
        self._token: str | None = None

    def _sign_in(self) -> str:
        try:
            answer = self.request("POST", f"{PREFIX}/token", json=self._credentials)
        except Refused as refused:
            raise ProtocolViolation(
                "The supervision account from the profile cannot sign in",
                received=f"{refused.status} {refused.detail}",
            ) from None
        return self.parse(SupervisorTokenOut, answer, "supervisor token").token

    def _get(self, path: str, params: dict | None = None, raw: bool = False):
        """GET with the supervisor token; sign in again once if it expired (the test clock may
        have moved the platform many hours on since the last sign-in)."""
        if self._token is None:
            self._token = self._sign_in()
        try:
            return self.request("GET", PREFIX + path, params=params, token=self._token, raw=raw)
        except Refused as refused:
            if refused.status != 401:
                raise
        self._token = self._sign_in()
        return self.request("GET", PREFIX + path, params=params, token=self._token, raw=raw)

    def learner(self, id_number: str) -> SupLearner | None:
        found = self.parse(
            list[SupLearner], self._get("/learners", {"id_number": id_number}), "learners"
        )
        matching = [learner for learner in found if learner.id_number == id_number]
        return matching[0] if matching else None

    def photo(self, learner_id: str, kind: str) -> bytes | None:
        """`kind` is `face` or `id-card`; None when the platform has no such photo (404)."""
        try:
            return self._get(f"/learners/{learner_id}/{kind}-photo", raw=True)
        except Refused as refused:
            if refused.status == 404:
                return None
            raise

    def enrolments(self, learner_id: str) -> list[SupEnrolment]:
        answer = self._get("/enrolments", {"learner_id": learner_id})
        return [
            e
            for e in self.parse(list[SupEnrolment], answer, "enrolments")
            if e.learner_id == learner_id
        ]

    def logins(self, learner_id: str) -> list[SupLogin]:
        answer = self._get("/logins", {"learner_id": learner_id})
        return [
            x for x in self.parse(list[SupLogin], answer, "logins") if x.learner_id == learner_id
        ]

    def liveness_events(self, learner_id: str) -> list[SupLivenessEvent]:
        answer = self._get("/liveness-events", {"learner_id": learner_id})
        return [
            x
            for x in self.parse(list[SupLivenessEvent], answer, "liveness events")
            if x.learner_id == learner_id
        ]

    def progress(self, learner_id: str, course_id: str) -> list[SupLessonProgress]:
        answer = self._get("/progress", {"learner_id": learner_id, "course_id": course_id})
        return [
            x
            for x in self.parse(list[SupLessonProgress], answer, "progress")
            if x.learner_id == learner_id and x.course_id == course_id
        ]

    def course_progress(self, learner_id: str) -> list[SupCourseProgress]:
        answer = self._get("/course-progress", {"learner_id": learner_id})
        return [
            x
            for x in self.parse(list[SupCourseProgress], answer, "course progress")
            if x.learner_id == learner_id
        ]

    def playbacks(self, learner_id: str) -> list[SupPlayback]:
        answer = self._get("/playbacks", {"learner_id": learner_id})
        return [
            x
            for x in self.parse(list[SupPlayback], answer, "playbacks")
            if x.learner_id == learner_id
        ]

    def heartbeats(self, playback_id: str) -> list[SupHeartbeat]:
        answer = self._get("/heartbeats", {"playback_id": playback_id})
        return [
            x
            for x in self.parse(list[SupHeartbeat], answer, "heartbeats")
            if x.playback_id == playback_id
        ]

    def captures(self, learner_id: str) -> list[SupCapture]:
        answer = self._get("/captures", {"learner_id": learner_id})
        return [
            x
            for x in self.parse(list[SupCapture], answer, "captures")
            if x.learner_id == learner_id
        ]

    def capture_image(self, challenge_id: str) -> bytes | None:
        try:
            return self._get(f"/captures/{challenge_id}/image", raw=True)
        except Refused as refused:
            if refused.status == 404:
                return None
            raise


class TestClock(ApiClient):
    """The platform's test clock (certification instances only)."""

    __test__ = False  # not a pytest test class

    def __init__(
        self, base_url: str, session: requests.Session, token: str | None, timeout: float = 10.0
    ) -> None:
        super().__init__(base_url, session, timeout)
        self._token = token

    def _need_token(self) -> str:
        if not self._token:
            raise CannotJudge("the profile gives no test-hook token (target.test_token_env)")
        return self._token

    def now(self) -> dt.datetime:
        answer = self.request("GET", "/api/v1/test/clock", token=self._need_token())
        return self.parse(ClockOut, answer, "test clock").now

    def advance(self, seconds: float) -> dt.datetime:
        answer = self.request(
            "POST",
            "/api/v1/test/clock/advance",
            json={"seconds": seconds},
            token=self._need_token(),
        )
        return self.parse(ClockOut, answer, "test clock").now
