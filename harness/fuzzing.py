"""Fuzzing a platform from the interface's OpenAPI document with schemathesis (POST-03, issue 10).

Every operation of the document (but the certification-only test hooks and event streams) gets
generated requests, both valid ones (positive: to reach deep paths past validation) and invalid
ones (negative: every kind of wrong input), sent with the bearer token its security scheme names
(a learner's, a supervisor's), so that the fuzzer is not stopped at 401. Each answer is judged by
schemathesis's checks, within what docs/interface.md promises:
- `not_a_server_error`: no 5xx, whatever was sent (a busy 503 with Retry-After is sent again
  after its delay, harness/overload.py, and judged only if it outlasts the patience);
- a refusal (4xx) is judged only as the interface judges refusals: a 4xx of any code (the
  interface never judges which 4xx, so an undeclared 400 is compliant) whose body is JSON with a
  `detail` reason (a sentence, or FastAPI's list form for validation errors);
- any other answer by schemathesis's `status_code_conformance` (a status the document declares
  for the operation), `content_type_conformance` and `response_schema_conformance` (the body is
  of a declared media type and, for JSON, valid against the declared schema). The test suite
  holds the reference platform to its own stricter promise (every 4xx declared, with its schema:
  `strict_refusals`).
Failures are collected, not raised inside Hypothesis, so that no case is shrunk or replayed
(each costs a request): every failing exchange is kept as it happened, redacted.

Bounded: at most `max_examples` generated cases per operation and mode, an overall time budget
checked before each case (a case in flight finishes; its exchange has its own timeout), and a
cap on the failures kept. The same engine serves the test suite (tests/test_fuzz_interface.py)
and the optional certify check (harness/checks/fuzzing.py).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from harness.overload import PATIENCE_S, Patience, send_while_busy
from harness.redaction import redact, redact_headers, redact_url, scrub_text
from harness.transport import bounded

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXCLUDED_PREFIXES = ("/api/v1/test/",)  # certification-only hooks: they move the clock
EXCLUDED_SCHEMES = frozenset({"TestHookToken"})
STREAM_MEDIA_TYPE = "text/event-stream"  # not fuzzed: a stream answers until it is closed
KEPT_FAILURES = 50
BODY_LIMIT = 2000


@dataclass(frozen=True)
class FuzzBudget:
    """How much fuzzing one run may do."""

    max_examples: int = 10  # generated cases per operation and generation mode
    seconds: float = 120.0  # the whole run; no new case starts past it
    request_timeout: float = 10.0


@dataclass
class FuzzFailure:
    operation: str
    check: str
    message: str
    exchange: dict[str, Any]


@dataclass
class FuzzOutcome:
    cases: int = 0
    operations: int = 0
    failures: list[FuzzFailure] = field(default_factory=list)
    failure_count: int = 0  # all failures, also those past KEPT_FAILURES
    cases_by_operation: dict[str, int] = field(default_factory=dict)
    not_generated: dict[str, str] = field(default_factory=dict)  # operation → why
    out_of_time: bool = False
    statuses: Counter[int] = field(default_factory=Counter)

    def summary(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "operations": self.operations,
            "failures": self.failure_count,
            "out_of_time": self.out_of_time,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "cases_by_operation": self.cases_by_operation,
            "not_generated": self.not_generated,
        }


def _streams(operation: dict[str, Any]) -> bool:
    """An event stream never ends by itself: one request per case would wait out its timeout
    (STUDY-09's own check probes the stream)."""
    answers = operation.get("responses", {}).values()
    return any(STREAM_MEDIA_TYPE in answer.get("content", {}) for answer in answers)


def fuzzed_operations(document: dict[str, Any]) -> list[tuple[str, str, list[str]]]:
    """(method, path, security scheme names) of every operation to fuzz, in document order."""
    default = document.get("security", [])
    found = []
    for path, item in document.get("paths", {}).items():
        if path.startswith(EXCLUDED_PREFIXES):
            continue
        for method, operation in item.items():
            if method not in ("get", "put", "post", "delete", "patch"):
                continue
            schemes = [name for req in operation.get("security", default) for name in req]
            if EXCLUDED_SCHEMES & set(schemes) or _streams(operation):
                continue
            found.append((method.upper(), path, schemes))
    # Signing out ends the learner token every later learner operation is fuzzed with.
    return sorted(found, key=lambda operation: operation[1].endswith("/logout"))


def exchange_record(case: Any, response: Any | None, error: str | None = None) -> dict[str, Any]:
    """One exchange as evidence: what was sent and what came back, secrets masked."""
    sent: dict[str, Any] = {
        "method": case.method,
        "path": case.formatted_path,
        "query": redact(case.query or {}),
        "headers": redact_headers(case.headers or {}),
        "body": None if case.body is None or isinstance(case.body, bytes) else redact(case.body),
    }
    if isinstance(case.body, bytes):
        sent["body"] = {"bytes": len(case.body), "head": repr(case.body[:200])}
    record: dict[str, Any] = {"request": sent}
    if response is not None:
        record["request"]["url"] = redact_url(getattr(response.request, "url", None))
        record["response"] = {
            "status": response.status_code,
            "headers": redact_headers({k: ", ".join(v) for k, v in response.headers.items()}),
            "body": scrub_text(response.text_lossy()[:BODY_LIMIT]) if response.content else "",
        }
    if error is not None:
        record["error"] = error
    return record


def refusal_problem(response: Any) -> str | None:
    """What is wrong with a 4xx's body, if anything: it must be JSON carrying a `detail`."""
    try:
        body = response.json()
    except ValueError:
        return 'the body is not JSON (expected {"detail": "<reason>"})'
    detail = body.get("detail") if isinstance(body, dict) else None
    if (isinstance(detail, str) and detail.strip()) or (isinstance(detail, list) and detail):
        return None
    return 'the body has no `detail` reason (expected {"detail": "<reason>"})'


def _failures_of(exc: BaseException) -> list[tuple[str, str]]:
    """(check, message) of each failure schemathesis raised for one answer."""
    inner = getattr(exc, "exceptions", None) or [exc]
    found = []
    for failure in inner:
        title = getattr(failure, "title", None) or type(failure).__name__
        message = getattr(failure, "message", None) or str(failure)
        found.append((str(title), scrub_text(str(message))[:BODY_LIMIT]))
    return found


class Fuzzer:
    """One fuzzing run against one base URL with the tokens of each security scheme."""

    def __init__(
        self,
        document: dict[str, Any],
        base_url: str,
        tokens: dict[str, str],
        budget: FuzzBudget,
        session: requests.Session | None = None,
        *,
        strict_refusals: bool = False,
    ) -> None:
        """`strict_refusals`: judge a 4xx like any answer (declared status, declared schema), as
        the reference platform promises of its own document; a vendor is held only to the
        interface's promise for refusals (any 4xx with a reason)."""
        self.document = document
        self.schema = schemathesis.openapi.from_dict(document)
        self.base_url = base_url.rstrip("/")
        self.tokens = tokens
        self.budget = budget
        # whole-exchange deadline and body cap, as for every exchange of the harness
        self.session = bounded(session or requests.Session(), budget.request_timeout)
        self.strict_refusals = strict_refusals
        self.outcome = FuzzOutcome()
        self._deadline = 0.0

    def run(self) -> FuzzOutcome:
        self._deadline = time.monotonic() + self.budget.seconds
        for method, path, schemes in fuzzed_operations(self.document):
            if time.monotonic() >= self._deadline:
                self.outcome.out_of_time = True
                break
            self._fuzz(method, path, schemes)
        return self.outcome

    def _headers(self, schemes: list[str]) -> dict[str, str]:
        for scheme in schemes:
            if scheme in self.tokens:
                return {"Authorization": f"Bearer {self.tokens[scheme]}"}
        return {}

    def _fuzz(self, method: str, path: str, schemes: list[str]) -> None:
        label = f"{method} {path}"
        self.outcome.operations += 1
        self.outcome.cases_by_operation[label] = 0
        try:
            operation = self.schema[path][method]
            strategy = st.one_of(
                operation.as_strategy(GenerationMode.POSITIVE),
                operation.as_strategy(GenerationMode.NEGATIVE),
            )
        except Exception as exc:  # a schema schemathesis cannot turn into requests
            self.outcome.not_generated[label] = f"{type(exc).__name__}: {exc}"[:300]
            return
        headers = self._headers(schemes)

        @settings(
            max_examples=2 * self.budget.max_examples,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            verbosity=Verbosity.quiet,
            report_multiple_bugs=False,
        )
        @given(case=strategy)
        def one_case(case: Any) -> None:
            if time.monotonic() >= self._deadline:
                self.outcome.out_of_time = True
                return
            self._send(label, case, headers)

        try:
            one_case()
        except HypothesisException as exc:  # e.g. nothing satisfies the schema
            self.outcome.not_generated[label] = f"{type(exc).__name__}: {exc}"[:300]

    def _send(self, label: str, case: Any, headers: dict[str, str]) -> None:
        self.outcome.cases += 1
        self.outcome.cases_by_operation[label] += 1
        patience = Patience(min(PATIENCE_S, max(0.0, self._deadline - time.monotonic())))
        try:  # a busy platform's 503 with Retry-After is sent again (harness/overload.py)
            response, _ = send_while_busy(
                lambda: case.call(
                    base_url=self.base_url,
                    session=self.session,
                    headers=headers,
                    timeout=self.budget.request_timeout,
                ),
                patience,
            )
        except requests.RequestException as exc:
            self._record(label, [("transport", f"{type(exc).__name__}: {exc}")], case, None)
            return
        self.outcome.statuses[response.status_code] += 1
        if 400 <= response.status_code < 500 and not self.strict_refusals:
            problem = refusal_problem(response)
            if problem:
                self._record(label, [("Refusal without a reason", problem)], case, response)
            return
        try:
            case.validate_response(response, checks=CHECKS)
        except (Failure, FailureGroup) as exc:
            self._record(label, _failures_of(exc), case, response)

    def _record(
        self, label: str, found: list[tuple[str, str]], case: Any, response: Any | None
    ) -> None:
        self.outcome.failure_count += len(found)
        if len(self.outcome.failures) >= KEPT_FAILURES:
            return
        exchange = exchange_record(case, response)
        for check, message in found:
            self.outcome.failures.append(FuzzFailure(label, check, message, exchange))
