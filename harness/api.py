"""A small JSON-over-HTTP client base that turns a platform's answers into typed outcomes.

4xx is a refusal the check may have wanted (`Refused`); a busy platform's 503 with Retry-After is
honoured (harness/overload.py); other 5xx, timeouts, garbage or a wrong shape are
violations of the interface (`ProtocolViolation`, a failed check with the exchange as evidence).
The session is a parameter so that evidence hooks (and later locust users) see every request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import requests
from pydantic import BaseModel, TypeAdapter, ValidationError

from harness.failures import ProtocolViolation
from harness.overload import BUSY
from harness.transport import TARGETS, BodyTooLarge, bounded

M = TypeVar("M")
T = TypeVar("T")


class Refused(Exception):
    """The platform refused the request with a 4xx; status and reason kept for judging."""

    def __init__(self, status: int, detail: Any, method: str, path: str) -> None:
        self.status = status
        self.detail = detail
        self.method = method
        self.path = path
        super().__init__(f"{method} {path} → {status}: {detail}")


def attempt(call: Callable[[], T]) -> T | Refused:
    """Run a learner operation; a 4xx refusal is an outcome, not an exception."""
    try:
        return call()
    except Refused as refused:
        return refused


class ApiClient:
    """Every call is bounded as a whole (connect + answer, harness/transport.py) and reported to
    the target watch, so a target that stops answering is noticed once, not once per check."""

    def __init__(self, base_url: str, session: requests.Session, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = bounded(session, timeout)
        self.timeout = timeout

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        token: str | None = None,
        raw: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """Make the call; answer parsed JSON (or bytes when `raw`), None for an empty 2xx."""
        headers = {**(headers or {}), **({"Authorization": f"Bearer {token}"} if token else {})}
        response, delay_s, patience = BUSY.send(
            self.base_url,
            lambda: self._send(method, path, json=json, params=params, headers=headers),
        )
        if delay_s is not None:
            raise ProtocolViolation(
                f"{method} {path}: still at capacity (503 with Retry-After) after "
                f"{patience.refusals} refusals over {patience.total_s:g} s",
                received=response.text[:500],
                expected="an answer within the patience after honouring Retry-After",
            )
        if response.status_code >= 500:
            raise ProtocolViolation(
                f"{method} {path}: server error {response.status_code}",
                received=response.text[:500],
                expected="a 2xx answer or a 4xx with a reason",
            )
        if response.status_code >= 400:
            raise Refused(response.status_code, _detail(response), method, path)
        if raw:
            return response.content
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            raise ProtocolViolation(
                f"{method} {path}: the answer is not JSON", received=response.text[:300]
            ) from None

    def _send(
        self,
        method: str,
        path: str,
        *,
        json: Any,
        params: dict[str, Any] | None,
        headers: dict[str, str],
    ) -> requests.Response:
        """One bounded exchange; no answer at all is a protocol violation, told to the watch."""
        try:
            response = self.session.request(
                method,
                self.base_url + path,
                json=json,
                params=params,
                headers=headers,
                timeout=self.timeout,
            )
        except requests.Timeout:
            TARGETS.failed(self.base_url, f"{method} {path}: no answer within {self.timeout:g} s")
            raise ProtocolViolation(
                f"{method} {path}: no complete answer within {self.timeout:g} s",
                expected="an answer within the profile's timeout (target.timeout_seconds)",
            ) from None
        except BodyTooLarge as exc:
            TARGETS.answered(self.base_url)
            raise ProtocolViolation(
                f"{method} {path}: the answer is too large", received=str(exc)
            ) from None
        except requests.RequestException as exc:
            TARGETS.failed(self.base_url, f"{method} {path}: {type(exc).__name__}")
            raise ProtocolViolation(
                f"{method} {path}: connection failed", received=type(exc).__name__
            ) from None
        TARGETS.answered(self.base_url)
        return response

    @staticmethod
    def parse(model: type[M] | Any, data: Any, what: str) -> M:
        """Validate an answer against the wire model; a mismatch is a protocol violation."""
        try:
            if isinstance(model, type) and issubclass(model, BaseModel):
                return model.model_validate(data)  # type: ignore[return-value]
            return TypeAdapter(model).validate_python(data)
        except ValidationError as exc:
            raise ProtocolViolation(
                f"{what}: the answer does not match the interface",
                received=data,
                expected=str(exc.errors()[0]["loc"]) + " " + exc.errors()[0]["msg"],
            ) from None


def _detail(response: requests.Response) -> Any:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300]
    return body.get("detail", body) if isinstance(body, dict) else body
