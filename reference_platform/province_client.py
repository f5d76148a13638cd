"""The platform's side of the province services (identity, vouchers, course registry).

Any failure of the province itself (unreachable, timeout, 5xx, an answer that breaks the contract,
our key refused) becomes `ProvinceUnavailable`, which the app answers with 503: it is never the
learner's fault. A call the province closed without any answer is sent again first (see
`NO_ANSWER_ATTEMPTS`): a pooled keep-alive connection the province closed as idle at the moment we
reused it is a race of the transport, not an outage, and a learner must not be refused for it.
Refusals the contract defines (404, 409, 422) come back as `ProvinceRefused` with the status, for
the caller to translate into its own answer.
"""

from __future__ import annotations

import logging
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError
from requests.adapters import HTTPAdapter

from harness.spec.archive import ArchiveBatchReceipt
from harness.spec.completions import CompletionReportOut
from harness.spec.courses import ApprovalRecord, CourseApplicationOut, Occupation
from harness.spec.identity import FaceMatchOut, IdentityRegistrationOut, LivenessOut
from harness.spec.subsidy import SubsidyClaimReceipt
from harness.spec.vouchers import RedeemOut, Voucher

log = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)

# How often a call is sent when the province closes the connection without answering. Only
# connection errors that carry no answer are repeated, never a read timeout: a timed-out call may
# have been processed, and repeating a face match would show the province the same image twice.
NO_ANSWER_ATTEMPTS = 3


class ProvinceUnavailable(Exception):
    """The province could not give a contractual answer."""


class ProvinceRefused(Exception):
    """The province refused the request with a status the contract defines for that call."""

    def __init__(self, status_code: int, detail: str) -> None:
        super().__init__(f"{status_code}: {detail}")
        self.status_code = status_code
        self.detail = detail


class ProvinceClient:
    def __init__(self, base_url: str | None, key: str | None, timeout_s: float = 5.0) -> None:
        self._base_url = base_url.rstrip("/") if base_url else None
        self._timeout_s = timeout_s
        self._session = requests.Session()
        self._session.mount("http://", HTTPAdapter(pool_connections=4, pool_maxsize=64))
        self._session.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=64))
        if key:
            self._session.headers["X-Platform-Key"] = key

    def close(self) -> None:
        self._session.close()

    def _call(
        self, method: str, path: str, body: dict[str, Any] | None, refusals: tuple[int, ...]
    ) -> requests.Response:
        if self._base_url is None:
            raise ProvinceUnavailable("no province URL is configured")
        response = self._send(method, path, body)
        if response.status_code in refusals:
            raise ProvinceRefused(response.status_code, _detail(response))
        if not 200 <= response.status_code < 300:
            log.error("province %s %s answered %s", method, path, response.status_code)
            raise ProvinceUnavailable(f"province answered {response.status_code}")
        return response

    def _send(self, method: str, path: str, body: dict[str, Any] | None) -> requests.Response:
        url = self._base_url + path
        for _ in range(NO_ANSWER_ATTEMPTS - 1):
            try:
                return self._session.request(method, url, json=body, timeout=self._timeout_s)
            except requests.Timeout as exc:
                log.warning("province %s %s timed out: %s", method, path, exc)
                raise ProvinceUnavailable(str(exc)) from exc
            except requests.ConnectionError:
                log.info("province %s %s closed without an answer, sent again", method, path)
        try:
            return self._session.request(method, url, json=body, timeout=self._timeout_s)
        except requests.RequestException as exc:
            log.warning("province %s %s failed: %s", method, path, exc)
            raise ProvinceUnavailable(str(exc)) from exc

    @staticmethod
    def _parse(model: type[M], response: requests.Response) -> M:
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            log.error("province answer breaks the contract: %s", exc)
            raise ProvinceUnavailable("malformed province answer") from exc

    def register_identity(
        self, id_number: str, name: str, face_photo_b64: str
    ) -> IdentityRegistrationOut:
        body = {"id_number": id_number, "name": name, "face_photo": face_photo_b64}
        response = self._call(
            "POST", "/province/v1/identity/registrations", body, refusals=(404, 409, 422)
        )
        return self._parse(IdentityRegistrationOut, response)

    def verify_liveness(self, id_number: str, frames: list[str]) -> LivenessOut:
        body = {"id_number": id_number, "frames": frames}
        response = self._call("POST", "/province/v1/identity/liveness", body, refusals=(404, 422))
        return self._parse(LivenessOut, response)

    def match_face(self, id_number: str, image_b64: str) -> FaceMatchOut:
        """Compare a capture image with the person's registered face (and earlier images)."""
        body = {"id_number": id_number, "image": image_b64}
        response = self._call("POST", "/province/v1/identity/face-match", body, refusals=(404, 422))
        return self._parse(FaceMatchOut, response)

    def verify_voucher(self, code: str) -> Voucher | None:
        """The voucher, or None when the province does not know the code."""
        try:
            response = self._call("POST", "/province/v1/vouchers/verify", {"code": code}, (404,))
        except ProvinceRefused:
            return None
        return self._parse(Voucher, response)

    def redeem_voucher(
        self, code: str, id_number: str, course_id: str, approval_number: str
    ) -> RedeemOut:
        body = {
            "code": code,
            "id_number": id_number,
            "course_id": course_id,
            "approval_number": approval_number,
        }
        response = self._call("POST", "/province/v1/vouchers/redeem", body, refusals=(404, 409))
        return self._parse(RedeemOut, response)

    def report_completion(self, report: dict[str, Any]) -> CompletionReportOut:
        """Report a completed course (VOUCH-03); 409 (already reported) comes back refused."""
        response = self._call("POST", "/province/v1/completions", report, refusals=(409, 422))
        return self._parse(CompletionReportOut, response)

    def push_archive_records(self, records: list[dict[str, Any]]) -> ArchiveBatchReceipt:
        """Push one learner's consecutive archive records (ARCH-01), held all or none; a broken
        chain (409, 422) comes back refused."""
        body = {"id_number": records[0]["id_number"], "records": records}
        response = self._call("POST", "/province/v1/archive/records", body, refusals=(409, 422))
        return self._parse(ArchiveBatchReceipt, response)

    def apply_for_course(self, application: dict[str, Any]) -> CourseApplicationOut:
        response = self._call("POST", "/province/v1/courses/applications", application, ())
        return self._parse(CourseApplicationOut, response)

    def approval(self, number: str) -> ApprovalRecord | None:
        """The registry's record of an approval, or None when it does not know the number."""
        try:
            response = self._call("GET", f"/province/v1/courses/approvals/{number}", None, (404,))
        except ProvinceRefused:
            return None
        return self._parse(ApprovalRecord, response)

    def occupations(self) -> list[Occupation]:
        response = self._call("GET", "/province/v1/occupations", None, ())
        try:
            return [Occupation.model_validate(item) for item in response.json()]
        except (ValueError, TypeError, ValidationError) as exc:
            raise ProvinceUnavailable("malformed province answer") from exc

    def submit_subsidy_claim(self, claim: dict[str, Any]) -> SubsidyClaimReceipt:
        """Submit a quarter's subsidy claim (SUB-02); an inconsistent claim (422) or one over the
        yearly cap (409) comes back refused."""
        response = self._call("POST", "/province/v1/subsidy/claims", claim, refusals=(409, 422))
        return self._parse(SubsidyClaimReceipt, response)


def _detail(response: requests.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return detail if isinstance(detail, str) else response.reason or ""
