"""Client of the supervision protocol and the test clock: how the harness *observes* a platform.

Checks judge credited facts from here (and from the province log), never from what the learner
API says about itself.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar, overload

import requests

from harness.api import ApiClient, Refused
from harness.failures import CannotJudge, ProtocolViolation
from harness.profile import ResolvedAccount
from harness.spec.certificates import SupCertificate
from harness.spec.export import DATASET_EXPORT_PATH, EXPORT_PATH
from harness.spec.quizzes import QuizKeyOut, SupQuizAnswer
from harness.spec.self_check import SelfCheckFinding
from harness.spec.subsidy import ClaimFilingOut
from harness.spec.supervision import (
    EmployeeIn,
    EmployeeOut,
    SupAccess,
    SupCapture,
    SupCourseProgress,
    SupEnrolment,
    SupervisorAccount,
    SupervisorTokenOut,
    SupHeartbeat,
    SupLearner,
    SupLessonProgress,
    SupLivenessEvent,
    SupLogin,
    SupPlayback,
    SupStudying,
)
from harness.spec.test_hooks import ClockOut, RestartOut

PREFIX = "/api/v1/supervision"
EMPLOYEES_PATH = "/api/v1/enterprise/employees"  # enterprise enrolment of employees (ENT-01)
Row = TypeVar("Row")


def could_be_masked(shown: str, full: str) -> bool:
    """True when `shown` is `full` with some characters hidden (`*`), none changed."""
    return len(shown) == len(full) and all(a in ("*", b) for a, b in zip(shown, full, strict=True))


def matches(value: object, wanted: str) -> bool:
    """A row's field against a filter value; a masked ID number matches its full form."""
    return value == wanted or (isinstance(value, str) and could_be_masked(value, wanted))


class SupervisionClient(ApiClient):
    """One supervision account's view of the platform.

    The list calls answer "what does this account see": with no argument, everything in its
    scope; with a filter, only the matching rows. Rows that do not match a given filter are
    dropped here as well, so a platform that ignores a filter cannot make one learner's check
    judge another learner's records.
    """

    def __init__(
        self,
        base_url: str,
        session: requests.Session,
        *,
        username: str,
        password: str,
        kind: str = "authority",
        scope: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        super().__init__(base_url, session, timeout)
        self.username = username
        self.kind = kind
        self.scope = scope
        self._credentials = {"username": username, "password": password}
        self._token: str | None = None

    def __repr__(self) -> str:  # never the password
        scope = f", scope={self.scope!r}" if self.scope else ""
        return f"SupervisionClient({self.kind}, {self.username!r}{scope})"

    def sign_in(self) -> str:
        """Sign in and keep the token; a refusal is `Refused` (preflight names the account)."""
        answer = self.request("POST", f"{PREFIX}/token", json=self._credentials)
        self._token = self.parse(SupervisorTokenOut, answer, "supervisor token").token
        return self._token

    def issue_token(self, password: str | None = None) -> SupervisorTokenOut:
        """A fresh sign-in's answer, kept apart from this client's own token (token expiry and
        throttling probes); `password` overrides the account's (a wrong one is `Refused`)."""
        body = dict(self._credentials)
        if password is not None:
            body["password"] = password
        answer = self.request("POST", f"{PREFIX}/token", json=body)
        return self.parse(SupervisorTokenOut, answer, "supervisor token")

    def with_username(self, username: str) -> SupervisionClient:
        """A client of another (possibly nonexistent) username, for sign-in probes."""
        return SupervisionClient(
            self.base_url, self.session, username=username, password="x", timeout=self.timeout
        )

    def _sign_in(self) -> str:
        try:
            return self.sign_in()
        except Refused as refused:
            raise ProtocolViolation(
                f"The {self.kind} supervision account {self.username!r} from the profile cannot "
                "sign in",
                received=f"{refused.status} {refused.detail}",
            ) from None

    def _get(self, path: str, params: dict | None = None, raw: bool = False):
        """GET a supervision view with the supervisor token."""
        return self.send("GET", PREFIX + path, params=params, raw=raw)

    def send(
        self,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        json: object = None,
        raw: bool = False,
    ):
        """Any call with this account's token (`path` from the host root); sign in again once if
        the token expired (the test clock may have moved the platform many hours on since the
        last sign-in). A 4xx is `Refused`."""
        if self._token is None:
            self._token = self._sign_in()
        call = {"params": params, "json": json, "raw": raw}
        try:
            return self.request(method, path, token=self._token, **call)
        except Refused as refused:
            if refused.status != 401:
                raise
        self._token = self._sign_in()
        return self.request(method, path, token=self._token, **call)

    def bearer(self) -> str:
        """This account's current token (signing in first if needed): for probes that send
        requests of their own, such as the authorisation matrix."""
        if self._token is None:
            self._token = self._sign_in()
        return self._token

    def enrol_employee(self, id_number: str, name: str) -> EmployeeOut:
        """Enrol a registered learner as this enterprise's employee (ENT-01)."""
        body = EmployeeIn(id_number=id_number, name=name).model_dump()
        answer = self.send("POST", EMPLOYEES_PATH, json=body)
        return self.parse(EmployeeOut, answer, "employee enrolment")

    def _list(self, model: type[Row], path: str, what: str, **filters: str | None) -> list[Row]:
        """GET a list narrowed by the filters that are given, and keep only matching rows (by
        the filters whose field the rows carry: an enrolment found by ID number has none)."""
        given = {name: value for name, value in filters.items() if value is not None}
        rows = self.parse(list[model], self._get(path, given or None), what)
        held = {k: v for k, v in given.items() if k in model.model_fields}
        return [row for row in rows if all(matches(getattr(row, k), v) for k, v in held.items())]

    def _bytes(self, path: str) -> bytes | None:
        """An image; None when the platform has none for this account (404)."""
        try:
            return self._get(path, raw=True)
        except Refused as refused:
            if refused.status == 404:
                return None
            raise

    def whoami(self) -> SupervisorAccount:
        """The account as the platform sees it: username, kind and scope."""
        return self.parse(SupervisorAccount, self._get("/me"), "supervisor account")

    def learners(
        self, *, learner_id: str | None = None, id_number: str | None = None
    ) -> list[SupLearner]:
        return self._list(
            SupLearner, "/learners", "learners", learner_id=learner_id, id_number=id_number
        )

    def learner(self, id_number: str) -> SupLearner | None:
        found = self.learners(id_number=id_number)
        return found[0] if found else None

    def photo(self, learner_id: str, kind: str) -> bytes | None:
        """`kind` is `face` or `id-card`; None when the platform has no such photo (404)."""
        return self._bytes(f"/learners/{learner_id}/{kind}-photo")

    def enrolments(
        self, learner_id: str | None = None, *, id_number: str | None = None
    ) -> list[SupEnrolment]:
        return self._list(
            SupEnrolment, "/enrolments", "enrolments", learner_id=learner_id, id_number=id_number
        )

    def logins(
        self, learner_id: str | None = None, *, id_number: str | None = None
    ) -> list[SupLogin]:
        return self._list(SupLogin, "/logins", "logins", learner_id=learner_id, id_number=id_number)

    def liveness_events(
        self, learner_id: str | None = None, *, id_number: str | None = None
    ) -> list[SupLivenessEvent]:
        return self._list(
            SupLivenessEvent,
            "/liveness-events",
            "liveness events",
            learner_id=learner_id,
            id_number=id_number,
        )

    def progress(
        self, learner_id: str | None = None, course_id: str | None = None
    ) -> list[SupLessonProgress]:
        return self._list(
            SupLessonProgress, "/progress", "progress", learner_id=learner_id, course_id=course_id
        )

    def course_progress(self, learner_id: str | None = None) -> list[SupCourseProgress]:
        return self._list(
            SupCourseProgress, "/course-progress", "course progress", learner_id=learner_id
        )

    def playbacks(self, learner_id: str | None = None) -> list[SupPlayback]:
        return self._list(SupPlayback, "/playbacks", "playbacks", learner_id=learner_id)

    def heartbeats(self, playback_id: str) -> list[SupHeartbeat]:
        return self._list(SupHeartbeat, "/heartbeats", "heartbeats", playback_id=playback_id)

    def captures(self, learner_id: str | None = None) -> list[SupCapture]:
        return self._list(SupCapture, "/captures", "captures", learner_id=learner_id)

    def capture_image(self, challenge_id: str) -> bytes | None:
        return self._bytes(f"/captures/{challenge_id}/image")

    def access_log(self, username: str | None = None) -> list[SupAccess]:
        """The audit log of supervisor access (platform-wide accounts only; else `Refused`)."""
        params = {"username": username} if username else None
        return self.parse(list[SupAccess], self._get("/access-log", params), "access log")

    def certificates(self, learner_id: str | None = None) -> list[SupCertificate]:
        return self._list(SupCertificate, "/certificates", "certificates", learner_id=learner_id)

    def quiz_answers(self, learner_id: str | None = None) -> list[SupQuizAnswer]:
        return self._list(SupQuizAnswer, "/quiz-answers", "quiz answers", learner_id=learner_id)

    def self_check_findings(self, learner_id: str | None = None) -> list[SelfCheckFinding]:
        """The compliance self-check's findings of the learners in scope (POST-06)."""
        return self._list(
            SelfCheckFinding, "/self-check/findings", "self-check findings", learner_id=learner_id
        )

    def studying_now(self) -> list[SupStudying]:
        """Who is studying now, in this account's scope (STUDY-09's live view)."""
        return self.parse(list[SupStudying], self._get("/live"), "who is studying now")

    def export(self, file_format: str) -> bytes:
        """The account's learning-data export (POST-01) as the file's bytes (`csv` or `xlsx`)."""
        path = EXPORT_PATH.removeprefix("/supervision")
        return self._get(path, {"format": file_format}, raw=True)

    def export_dataset(self, dataset: str, file_format: str) -> bytes:
        """One of the export's dataset files (`learners`, `enrolments`, `captures`,
        `quiz-answers`, `certificates`) as the file's bytes."""
        path = DATASET_EXPORT_PATH.format(dataset=dataset).removeprefix("/supervision")
        return self._get(path, {"format": file_format}, raw=True)


class Supervisors(Sequence[SupervisionClient]):
    """Every supervision account of the profile, one client each, in profile order.

    `authority` is the observer the checks judge by; scope checks pick the others by kind.
    """

    def __init__(self, clients: Iterable[SupervisionClient]) -> None:
        self._clients = tuple(clients)
        if not any(client.kind == "authority" for client in self._clients):
            raise ValueError("supervisors need at least one authority account")

    @classmethod
    def for_accounts(
        cls,
        base_url: str,
        session: requests.Session,
        accounts: Iterable[ResolvedAccount],
        timeout: float = 10.0,
    ) -> Supervisors:
        return cls(
            SupervisionClient(
                base_url,
                session,
                username=account.username,
                password=account.password,
                kind=account.kind,
                scope=account.scope,
                timeout=timeout,
            )
            for account in accounts
        )

    @property
    def authority(self) -> SupervisionClient:
        return self.of_kind("authority")[0]

    def of_kind(self, kind: str) -> list[SupervisionClient]:
        return [client for client in self._clients if client.kind == kind]

    @overload
    def __getitem__(self, index: int) -> SupervisionClient: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[SupervisionClient]: ...
    def __getitem__(self, index: int | slice) -> SupervisionClient | Sequence[SupervisionClient]:
        return self._clients[index]

    def __len__(self) -> int:
        return len(self._clients)

    def __repr__(self) -> str:
        return f"Supervisors({list(self._clients)!r})"


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

    def quiz_key(self, course_id: str) -> dict[str, str]:
        """The correct option of every question of the course (test hook, EXAM-02)."""
        answer = self.request(
            "GET",
            "/api/v1/test/quiz-key",
            params={"course_id": course_id},
            token=self._need_token(),
        )
        return {row.question_id: row.option for row in self.parse(list[QuizKeyOut], answer, "key")}

    def file_subsidy_claim(self, quarter: str) -> ClaimFilingOut:
        """Make the platform file its subsidy claim for `quarter` now (test hook, SUB-02); a
        refusal (the province refused it, the quarter has not begun) raises Refused."""
        answer = self.request(
            "POST",
            "/api/v1/test/subsidy-claims",
            json={"quarter": quarter},
            token=self._need_token(),
        )
        return self.parse(ClaimFilingOut, answer, "subsidy claim filing")

    def restart(self) -> Restarted:
        """Restart the platform as a process restart would (test hook, ARCH-01): whatever it
        kept only in memory is gone. 204: it serves again already; 202: it restarts after
        answering, and serves again once GET /health shows a boot id other than the answer's
        (waited for up to RESTART_WAIT_S; connections refused meanwhile are expected)."""
        started = time.monotonic()
        answer = self.request("POST", "/api/v1/test/restart", token=self._need_token())
        if answer is None:
            return Restarted("hook answered 204: restarted before answering", None, None, 0.0)
        before = self.parse(RestartOut, answer, "restart").boot_id
        return self.back_after("hook answered 202", before, started, RESTART_WAIT_S)

    def back_after(self, how: str, before: str | None, started: float, limit_s: float) -> Restarted:
        """Wait until GET /health answers 200, with a boot id other than `before` when that is
        known; a platform not back `limit_s` after `started` violates the interface."""
        while True:
            answered, now = self.boot_id()
            if answered and (before is None or (now is not None and now != before)):
                back = round(time.monotonic() - started, 2)
                return Restarted(how, before, now, back)
            if time.monotonic() - started >= limit_s:
                raise ProtocolViolation(
                    f"the platform did not serve again within {limit_s:g} s of its restart",
                    received={"boot_id_before": before, "health_boot_id": now},
                    expected="GET /health answering 200"
                    + (f" with a boot_id other than {before!r}" if before else ""),
                )
            time.sleep(0.2)

    def boot_id(self) -> tuple[bool, str | None]:
        """Whether GET /health answers 200 now, and the boot id it gives (None: none given)."""
        try:
            response = self.session.get(self.base_url + "/api/v1/health", timeout=2.0)
            if response.status_code != 200:
                return False, None
            boot_id = response.json().get("boot_id")
        except (requests.RequestException, ValueError, AttributeError):
            return False, None
        return True, boot_id if isinstance(boot_id, str) else None


RESTART_WAIT_S = 60.0  # a platform's own start-up, with its database and province connections


@dataclass(frozen=True)
class Restarted:
    """How a restart went, for the evidence: which answer, the boot ids, seconds until back."""

    how: str
    boot_id_before: str | None
    boot_id_after: str | None
    back_after_s: float
