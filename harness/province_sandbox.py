"""A small typed client of the province's sandbox API, for the harness.

It goes through the `requests.Session` it is given, so that the harness's session hooks record
every exchange as evidence; the admin token is sent per request, never stored on the session
(which may also talk to the platform under test).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import requests

from harness import seeding
from harness.spec.archive import ArchiveChain
from harness.spec.completions import OfflineVoucher
from harness.spec.courses import ApprovalRecord, CourseApplicationRecord, Occupation
from harness.spec.resident_id import SHANXI_REGION_CODES
from harness.spec.sandbox import LogEntry, SandboxIdentity
from harness.spec.subsidy import SubsidyClaim, SubsidyYear
from harness.spec.vouchers import Voucher

DRAWN_AGES = (19, 49)  # ages of the people drawn without a birth date (both inclusive)
CHINA = ZoneInfo("Asia/Shanghai")

LOG_FILTERS = frozenset({"platform_id", "service", "operation", "id_number", "after_seq", "limit"})


class ProvinceSandboxError(RuntimeError):
    """The province answered with a non-2xx status; carries the status and its detail."""

    def __init__(self, method: str, url: str, status_code: int, detail: object) -> None:
        super().__init__(f"{method} {url} -> {status_code}: {detail}")
        self.method = method
        self.url = url
        self.status_code = status_code
        self.detail = detail


class ProvinceSandboxClient:
    """The harness's handle on the province: stage identities and vouchers, read the evidence."""

    def __init__(
        self,
        base_url: str,
        admin_token: str,
        session: requests.Session | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session if session is not None else requests.Session()
        self.timeout = timeout
        self._auth = {"Authorization": f"Bearer {admin_token}"}

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = f"{self.base_url}{path}"
        response = self.session.request(
            method, url, headers=self._auth, timeout=self.timeout, **kwargs
        )
        if not 200 <= response.status_code < 300:
            try:
                detail = response.json().get("detail", response.text)
            except (ValueError, AttributeError):
                detail = response.text[:500]
            raise ProvinceSandboxError(method, url, response.status_code, detail)
        return response

    @staticmethod
    def _id(id_number: str) -> str:
        return quote(id_number, safe="")

    def health(self) -> bool:
        """True when the province answers its health check; False if unreachable or unwell."""
        try:
            response = self.session.get(f"{self.base_url}/sandbox/v1/health", timeout=self.timeout)
            return response.status_code == 200 and response.json().get("status") == "ok"
        except (requests.RequestException, ValueError, AttributeError):
            return False

    def new_identity(
        self,
        birth_date: dt.date | None = None,
        region_code: str | None = None,
        sex: str | None = None,
        namesake_of: str | None = None,
        name: tuple[str, str] | None = None,
    ) -> SandboxIdentity:
        """A fresh synthetic person; `namesake_of` gives it the name of that identity, `name`
        a name of the caller's (汉字, Latin transcription).

        What is not given is drawn here from the harness's seeded generator (`seeding.draws`):
        a birth date giving an age of DRAWN_AGES on today's Shanghai date (a year inside the
        province's 18–50, so that a province or platform clock a few hours or days away cannot
        make the person a minor), a Shanxi county code and a sex. The province still picks
        the sequence number and the name (only it knows which numbers are taken), from a `seed`
        drawn here too: the same run seed repeats the same people against a fresh province."""
        rng = seeding.rng()
        body: dict[str, str | int] = {}
        if namesake_of is not None:
            body["namesake_of"] = namesake_of
        if name is not None:  # (the name, its Latin transcription)
            body["name"], body["name_latin"] = name
        body["birth_date"] = (birth_date or _drawn_birth_date(rng)).isoformat()
        body["region_code"] = region_code or rng.choice(SHANXI_REGION_CODES)
        body["sex"] = sex or rng.choice("MF")
        body["seed"] = rng.getrandbits(63)
        return SandboxIdentity.model_validate(
            self._call("POST", "/sandbox/v1/identities", json=body).json()
        )

    def face_png(self, id_number: str) -> bytes:
        return self._call("GET", f"/sandbox/v1/identities/{self._id(id_number)}/face.png").content

    def id_card_png(self, id_number: str) -> bytes:
        path = f"/sandbox/v1/identities/{self._id(id_number)}/id-card.png"
        return self._call("GET", path).content

    def liveness_frames(self, id_number: str, kind: str = "live", count: int = 5) -> list[str]:
        """Base64 PNG frames: `live`, `still` (replayed photo) or `impostor` (another face)."""
        path = f"/sandbox/v1/identities/{self._id(id_number)}/liveness-frames"
        answer = self._call("POST", path, json={"kind": kind, "count": count}).json()
        return list(answer["frames"])

    def issue_voucher(
        self,
        holder_id_number: str,
        occupation_code: str,
        level: str,
        employment_status: str = "unemployed",
        expires_on: dt.date | None = None,
    ) -> Voucher:
        """Issue a voucher to a sandbox identity (a past `expires_on` makes an expired one)."""
        body: dict[str, str] = {
            "holder_id_number": holder_id_number,
            "occupation_code": occupation_code,
            "level": level,
            "employment_status": employment_status,
        }
        if expires_on is not None:
            body["expires_on"] = expires_on.isoformat()
        return Voucher.model_validate(self._call("POST", "/sandbox/v1/vouchers", json=body).json())

    def voucher(self, code: str) -> Voucher:
        """A voucher with its current state (a read that the province does not log)."""
        return Voucher.model_validate(
            self._call("GET", f"/sandbox/v1/vouchers/{self._id(code)}").json()
        )

    def log(self, **filters: str | int | None) -> list[LogEntry]:
        """Platform calls matching the filters (platform_id, service, operation, id_number,
        after_seq, limit), oldest first."""
        unknown = set(filters) - LOG_FILTERS
        if unknown:
            raise TypeError(f"unknown log filter(s): {', '.join(sorted(unknown))}")
        params = {k: v for k, v in filters.items() if v is not None}
        entries = self._call("GET", "/sandbox/v1/log", params=params).json()
        return [LogEntry.model_validate(e) for e in entries]

    def approval(self, number: str) -> ApprovalRecord | None:
        """The approval registered under `number`, or None if the province has none."""
        try:
            answer = self._call("GET", f"/sandbox/v1/courses/approvals/{self._id(number)}")
        except ProvinceSandboxError as exc:
            if exc.status_code == 404:
                return None
            raise
        return ApprovalRecord.model_validate(answer.json())

    def revoke_approval(self, number: str, *, revoked: bool = True) -> ApprovalRecord:
        """Revoke the approval, or (`revoked=False`) make it valid again."""
        action = "revoke" if revoked else "reinstate"
        path = f"/sandbox/v1/courses/approvals/{self._id(number)}/{action}"
        return ApprovalRecord.model_validate(self._call("POST", path).json())

    def occupations(self) -> list[Occupation]:
        answer = self._call("GET", "/sandbox/v1/occupations").json()
        return [Occupation.model_validate(o) for o in answer]

    # ---- subsidy office and review clocks (SUB-03/04, GEN-01, COURSE-02) ----------------------
    def offline_vouchers(
        self, platform_id: str | None = None, id_number: str | None = None
    ) -> list[OfflineVoucher]:
        """Offline practical-training vouchers the province issued on completion reports."""
        params = {k: v for k, v in (("platform_id", platform_id), ("id_number", id_number)) if v}
        answer = self._call("GET", "/sandbox/v1/offline-vouchers", params=params)
        return [OfflineVoucher.model_validate(row) for row in answer.json()]

    def archive(
        self, platform_id: str | None = None, id_number: str | None = None
    ) -> list[ArchiveChain]:
        """The archive chains the province holds (ARCH-01), one per platform and learner."""
        params = {k: v for k, v in (("platform_id", platform_id), ("id_number", id_number)) if v}
        answer = self._call("GET", "/sandbox/v1/archive", params=params)
        return [ArchiveChain.model_validate(row) for row in answer.json()]

    def subsidy_claims(
        self, platform_id: str | None = None, overdue: bool = False
    ) -> list[SubsidyClaim]:
        """The claims the office accepted (of one platform), oldest first, with their lines as
        sent, due dates and late steps; `overdue` keeps only claims with a late step."""
        params: dict[str, str] = {"overdue": "true"} if overdue else {}
        if platform_id is not None:
            params["platform_id"] = platform_id
        answer = self._call("GET", "/sandbox/v1/subsidy/claims", params=params).json()
        return [SubsidyClaim.model_validate(item) for item in answer]

    def subsidy_claim(self, claim_id: str) -> SubsidyClaim | None:
        """One claim, or None if the office has none under that id."""
        try:
            answer = self._call("GET", f"/sandbox/v1/subsidy/claims/{self._id(claim_id)}")
        except ProvinceSandboxError as exc:
            if exc.status_code == 404:
                return None
            raise
        return SubsidyClaim.model_validate(answer.json())

    def record_claim_step(
        self, claim_id: str, step: str, on: dt.date | None = None, rejection: str | None = None
    ) -> SubsidyClaim:
        """Record the claim's next step (review, notice, fund_request, payment) on `on`
        (default the province's today); a review with a `rejection` reason rejects the claim.
        ProvinceSandboxError 409 when the step breaks the timeline."""
        body: dict[str, str] = {"step": step}
        if on is not None:
            body["on"] = on.isoformat()
        if rejection is not None:
            body |= {"outcome": "rejected", "reason": rejection}
        path = f"/sandbox/v1/subsidy/claims/{self._id(claim_id)}/steps"
        return SubsidyClaim.model_validate(self._call("POST", path, json=body).json())

    def subsidy_year(self, year: int) -> SubsidyYear:
        """How much of the year's 30,000,000-yuan cap the accepted claims use."""
        return SubsidyYear.model_validate(
            self._call("GET", f"/sandbox/v1/subsidy/years/{int(year)}").json()
        )

    def course_applications(self, overdue: bool = False) -> list[CourseApplicationRecord]:
        """Course applications with their review clock; `overdue` keeps only the late ones."""
        params = {"overdue": "true"} if overdue else {}
        answer = self._call("GET", "/sandbox/v1/courses/applications", params=params).json()
        return [CourseApplicationRecord.model_validate(item) for item in answer]

    # ---- fault injection (sandbox only) -------------------------------------------------------
    def set_unavailable(self, unavailable: bool) -> None:
        """While True, the province answers every platform call 503 (and logs it)."""
        self._call("PUT", "/sandbox/v1/faults/unavailable", json={"unavailable": unavailable})

    def lose_race(self, code: str) -> None:
        """After the platform's next verify of `code`, another platform redeems the voucher."""
        self._call("POST", f"/sandbox/v1/faults/vouchers/{self._id(code)}/lose-race")

    def refuse_archive(self, id_number: str, refused: bool = True) -> None:
        """While `refused`, the archive receiver refuses every record of the person (409)."""
        path = f"/sandbox/v1/faults/archive/{self._id(id_number)}"
        self._call("PUT", path, json={"refused": refused})

    def forget_registrations(self, id_number: str) -> int:
        """Drop every platform's registration of the person; how many there were."""
        path = f"/sandbox/v1/faults/identities/{self._id(id_number)}/forget-registrations"
        return int(self._call("POST", path).json()["forgotten"])


def _drawn_birth_date(rng: random.Random) -> dt.date:
    """A birth date giving an age within DRAWN_AGES on today's date in Shanghai; never 29
    February (drawn as the 28th). ELIG-01/02 enrol people born on a leap day on purpose, so a
    platform whose age rule fails on them fails its age checks in every run; drawn here, about
    one run in five would have one of a few hundred learners fail some other check instead."""
    today = dt.datetime.now(CHINA).date()
    youngest, oldest = DRAWN_AGES
    latest = _years_before(today, youngest)
    earliest = _years_before(today, oldest + 1) + dt.timedelta(days=1)
    drawn = earliest + dt.timedelta(days=rng.randrange((latest - earliest).days + 1))
    return drawn.replace(day=28) if (drawn.month, drawn.day) == (2, 29) else drawn


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a common year
        return day.replace(year=day.year - years, day=28)
