"""Clause statuses, the verdict and the writers, on hand-made results."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

from pydantic import BaseModel

from harness.context import RunContext
from harness.driver import HttpLearnerDriver
from harness.evidence import redact
from harness.failures import CannotJudge, CheckFailure, ProtocolViolation, error_detail, json_value
from harness.profile import Profile, ResolvedAccount
from harness.report.build import CheckResult, build_report, clause_status
from harness.report.write import write_reports
from tests.plugin_conftest import session_conftest

pytest_plugins = ["pytester"]

PROFILE = {
    "target": {
        "base_url": "http://127.0.0.1:1",
        "platform_id": "p",
        "test_token": "t",
        "accounts": [{"kind": "authority", "username": "u", "password": "p"}],
    },
    "province": {"url": "http://127.0.0.1:2", "start": False, "admin_token": "a"},
}


def context(tmp_path, **kwargs) -> RunContext:
    return RunContext(
        profile=Profile.model_validate(PROFILE),
        out_dir=tmp_path,
        accounts=(ResolvedAccount(kind="authority", username="u", password="p"),),
        province_admin_token="a",
        test_token="t",
        driver_class=HttpLearnerDriver,
        **kwargs,
    )


def test_clause_status_precedence():
    assert clause_status([]) == "not_run"
    assert clause_status(["not_run"]) == "not_run"
    assert clause_status(["pass", "pass"]) == "pass"
    assert clause_status(["pass", "error"]) == "error"
    assert clause_status(["error", "fail", "pass"]) == "fail"


def test_full_run_with_uncovered_must_clauses_is_rejected(tmp_path):
    now = dt.datetime.now(dt.UTC)
    results = [CheckResult("learner_under_minimum_age_is_refused", "api", ["ELIG-01"], "pass")]
    report = build_report(context(tmp_path), results, now, now)
    by_id = {c.id: c for c in report.clauses}
    assert by_id["ELIG-01"].status == "pass"
    assert by_id["LOAD-01"].status == "not_run"
    assert by_id["POST-07"].status == "not_attested"
    assert "COURSE-02" not in by_id  # PROVINCE clauses are not part of a platform's report
    assert report.verdict == "REJECT" and report.partial is False


def test_narrowed_run_judges_only_its_scope(tmp_path):
    now = dt.datetime.now(dt.UTC)
    ctx = context(tmp_path, only=frozenset({"ELIG-01"}))
    ok = [CheckResult("learner_under_minimum_age_is_refused", "api", ["ELIG-01"], "pass")]
    assert build_report(ctx, ok, now, now).verdict == "ADMIT"
    bad = [CheckResult("learner_under_minimum_age_is_refused", "api", ["ELIG-01"], "fail", "x")]
    report = build_report(ctx, bad, now, now)
    assert report.verdict == "REJECT" and report.partial is True


def test_attestation_is_hashed_into_the_report(tmp_path):
    evidence = tmp_path / "filing.pdf"
    evidence.write_bytes(b"%PDF-1.4 filing")
    profile = dict(
        PROFILE,
        attestations=[
            {
                "id": "POST-07",
                "examiner": "Wang Li",
                "date": "2026-11-20",
                "evidence": str(evidence),
            }
        ],
    )
    ctx = context(tmp_path, only=frozenset({"POST-07"}))
    ctx.profile = Profile.model_validate(profile)
    now = dt.datetime.now(dt.UTC)
    report = build_report(ctx, [], now, now)
    post07 = next(c for c in report.clauses if c.id == "POST-07")
    assert post07.status == "attested"
    assert len(post07.attestation["sha256"]) == 64
    assert report.verdict == "ADMIT"


def test_writers_produce_schema_json_and_self_contained_html(tmp_path):
    now = dt.datetime.now(dt.UTC)
    results = [
        CheckResult(
            "learner_under_minimum_age_is_refused",
            "api",
            ["ELIG-01"],
            "fail",
            "Refused nobody\nReceived: enrolled",
            ["evidence/x/exchanges.json"],
        )
    ]
    write_reports(build_report(context(tmp_path), results, now, now), tmp_path)
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["schema"] == "sxcert.report/1"
    assert set(data) >= {"verdict", "partial", "target", "started_at", "finished_at", "clauses"}
    elig = next(c for c in data["clauses"] if c["id"] == "ELIG-01")
    assert elig["status"] == "fail" and elig["checks"][0]["kind"] == "api"
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "16周岁以上适龄未就业人员" in html and 'id="ELIG-01"' in html
    assert 'href="evidence/x/exchanges.json"' in html
    assert "<script src" not in html and "<link" not in html


def test_evidence_redacts_secrets_and_reduces_images():
    image = base64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 2).decode()
    cleaned = redact(
        {"password": "hunter2", "face_photo": image, "frames": [image], "name": "张三"}
    )
    assert cleaned["password"] == "***"
    assert set(cleaned["face_photo"]["base64"]) == {"sha256", "bytes"}
    assert "sha256" in cleaned["frames"][0]["base64"]
    assert cleaned["name"] == "张三"


# ---- typed failures, end to end ------------------------------------------------------------------
PROGRAM = [
    "state = CheatingLearner()",
    "state.enrol()",
    "state.seek_forward(seconds=600.0)",
    "state.credit_never_beyond_honest_position()",
]


def typed_results() -> list[CheckResult]:
    return [
        CheckResult(
            "learner_under_minimum_age_is_refused",
            "api",
            ["ELIG-01"],
            "fail",
            "A 15-year-old was enrolled",
            ["evidence/x/exchanges.json", "evidence/x/screenshot.png"],
            title="A learner one day under 16 is refused enrolment.",
            expected={"status": [400, 409, 422]},
            received={"status": 200, "note": "<script>alert(1)</script>"},
            duration_s=1.25,
        ),
        CheckResult(
            "learner_at_upper_age_bound_is_refused",
            "api",
            ["ELIG-02"],
            "fail",
            "Credit beyond the furthest honestly watched position",
            title="A cheating learner never gets credit beyond the honest position.",
            expected="≤ 300 s",
            received=PROGRAM,
            duration_s=12.0,
        ),
        CheckResult(
            "only_unemployed_or_flexible_workers_are_enrolled",
            "api",
            ["ELIG-03"],
            "error",
            "CannotJudge: no test-hook token in the profile",
            duration_s=0.01,
        ),
        CheckResult(
            "unknown_voucher_is_refused",
            "api",
            ["VOUCH-01"],
            "fail",
            "Unknown voucher accepted",
            expected="a 4xx refusal",
            received="enrolled\nredeemed: no",
        ),
    ]


def test_report_json_carries_title_expected_received_and_duration(tmp_path):
    now = dt.datetime.now(dt.UTC)
    write_reports(build_report(context(tmp_path), typed_results(), now, now), tmp_path)
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    checks = {k["name"]: k for c in data["clauses"] for k in c["checks"]}
    failed = checks["learner_under_minimum_age_is_refused"]
    assert " ".join(failed) == "name kind status detail title expected received duration_s evidence"
    assert failed["detail"] == "A 15-year-old was enrolled"
    assert failed["expected"] == {"status": [400, 409, 422]}
    assert failed["received"]["status"] == 200 and failed["duration_s"] == 1.25
    assert checks["learner_at_upper_age_bound_is_refused"]["received"] == PROGRAM
    error = checks["only_unemployed_or_flexible_workers_are_enrolled"]
    assert (error["status"], error["expected"], error["received"]) == ("error", None, None)
    unrun = checks["voucher_is_single_use"]  # not in the results: titled from its docstring
    assert unrun["status"] == "not_run" and unrun["duration_s"] is None
    assert unrun["title"] == "A redeemed voucher never enrols its holder a second time."


def test_report_html_shows_what_was_done_expected_and_what_happened(tmp_path):
    now = dt.datetime.now(dt.UTC)
    write_reports(build_report(context(tmp_path), typed_results(), now, now), tmp_path)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    elig01 = html[html.index('id="ELIG-01"') : html.index('id="ELIG-02"')]
    for label in ("What was done", "Expected", "What happened"):
        assert f"<dt>{label}</dt>" in elig01
    assert "A learner one day under 16 is refused enrolment." in elig01
    assert "<p>A 15-year-old was enrolled</p>" in elig01
    assert '<pre class="json">{\n  &#34;status&#34;: [\n    400,' in elig01  # pretty JSON
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in elig01
    assert "1.2 s" in elig01 and 'href="evidence/x/screenshot.png"' in elig01
    elig02 = html[html.index('id="ELIG-02"') : html.index('id="ELIG-03"')]
    assert '<ol class="steps">' in elig02  # the falsifying program, one numbered step a line
    assert "<li><code>state.seek_forward(seconds=600.0)</code></li>" in elig02
    assert "<span>≤ 300 s</span>" in elig02
    elig03 = html[html.index('id="ELIG-03"') : html.index('id="VOUCH-01"')]
    assert "CannotJudge: no test-hook token in the profile" in elig03
    assert "<pre>enrolled\nredeemed: no</pre>" in html[html.index('id="VOUCH-01"') :]


def test_flaky_check_makes_its_clause_error():
    assert clause_status(["pass", "flaky"]) == "error"
    assert clause_status(["flaky", "error"]) == "error"
    assert clause_status(["flaky", "fail"]) == "fail"


def test_failure_values_become_redacted_json():
    class Seen(BaseModel):
        learner_id: str
        at: dt.datetime
        password: str

    at = dt.datetime(2026, 12, 1, 8, 0, tzinfo=dt.UTC)
    failure = CheckFailure(
        "A 15-year-old was enrolled",
        received=[Seen(learner_id="lrn_1", at=at, password="hunter2")],
        expected={"statuses": {400, 422}, "path": Path("/courses")},
    )
    record = failure.as_json()
    assert record["received"] == [
        {"learner_id": "lrn_1", "at": "2026-12-01T08:00:00Z", "password": "***"}
    ]
    assert sorted(record["expected"]["statuses"]) == [400, 422]
    assert record["expected"]["path"] == "/courses"
    assert json_value(None) is None and json_value(object()).startswith("<object")
    assert "hunter2" not in failure.render()


def test_error_detail_is_one_line_never_a_traceback():
    assert error_detail(CannotJudge("no test-hook token")) == "CannotJudge: no test-hook token"
    assert error_detail(KeyError("x")) == "KeyError: 'x'"
    long = RuntimeError("first paragraph\n\nTraceback (most recent call last):\n  File ...")
    assert error_detail(long) == "RuntimeError: first paragraph"
    assert error_detail(ProtocolViolation("GET /x: server error 500", received="boom")) == (
        "ProtocolViolation: GET /x: server error 500"
    )


CHECKS = '''
import datetime as dt

import pytest
from pydantic import BaseModel

from harness.api import ApiClient
from harness.failures import CannotJudge, CheckFailure


class Seen(BaseModel):
    learner_id: str
    enrolled_at: dt.datetime


def checks(func):
    func.__sxcert_check__ = True
    return func


@checks
@pytest.mark.requirement("ELIG-01")
def learner_under_minimum_age_is_refused(evidence):
    """A learner one day under 16 asks to enrol
    and is refused.

    Boundaries: the 16th birthday and the day before it.
    """
    evidence.attach_file("screenshot.png", b"\\\\x89PNG fake")
    raise CheckFailure(
        "A 15-year-old was enrolled",
        received=Seen(learner_id="lrn_1", enrolled_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)),
        expected={"status": [400, 409, 422], "password": "hunter2"},
    )


@checks
@pytest.mark.requirement("ELIG-02")
def learner_at_upper_age_bound_is_refused(evidence):
    """A learner at the upper age bound is refused."""
    raise CannotJudge("no test-hook token in the profile")


@checks
@pytest.mark.requirement("ELIG-03")
def only_unemployed_or_flexible_workers_are_enrolled(evidence):
    """Employed and retired holders are refused."""
    evidence.note("employed and retired holders refused")


@checks
@pytest.mark.requirement("VOUCH-01")
def unknown_voucher_is_refused(http):
    """Enrolment with an unknown voucher is refused."""
    ApiClient("http://127.0.0.1:1", http, timeout=1).request("GET", "/api/v1/courses")
'''


def test_plugin_keeps_failures_typed_end_to_end(pytester, tmp_path):
    out = tmp_path / "out"
    pytester.makeconftest(
        session_conftest(PROFILE, out, {"ELIG-01", "ELIG-02", "ELIG-03", "VOUCH-01"})
    )
    pytester.makepyfile(test_checks=CHECKS)
    allure_dir = tmp_path / "allure"
    run = pytester.runpytest_inprocess("-p", "no:cacheprovider", f"--alluredir={allure_dir}")
    run.assert_outcomes(passed=1, failed=3)
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    checks = {k["name"]: k for c in report["clauses"] for k in c["checks"]}

    failed = checks["learner_under_minimum_age_is_refused"]
    assert failed["status"] == "fail" and failed["detail"] == "A 15-year-old was enrolled"
    assert failed["title"] == "A learner one day under 16 asks to enrol and is refused."
    assert failed["received"] == {"learner_id": "lrn_1", "enrolled_at": "2026-12-01T00:00:00Z"}
    assert failed["expected"] == {"status": [400, 409, 422], "password": "***"}
    assert isinstance(failed["duration_s"], float) and failed["duration_s"] >= 0
    assert failed["evidence"] == [
        "evidence/learner_under_minimum_age_is_refused/screenshot.png",
        "evidence/learner_under_minimum_age_is_refused/technical-log.txt",
    ]
    technical = (out / failed["evidence"][1]).read_text(encoding="utf-8")
    assert "A 15-year-old was enrolled" in technical and "CheckFailure" in technical

    error = checks["learner_at_upper_age_bound_is_refused"]
    assert error["status"] == "error"
    assert error["detail"] == "CannotJudge: no test-hook token in the profile"
    assert error["received"] is None and error["expected"] is None

    passed = checks["only_unemployed_or_flexible_workers_are_enrolled"]
    assert passed["status"] == "pass" and passed["detail"] == "employed and retired holders refused"
    assert passed["title"] == "Employed and retired holders are refused."

    unreachable = checks["unknown_voucher_is_refused"]  # a probe that never got an answer
    assert unreachable["status"] == "fail"
    assert unreachable["detail"] == "GET /api/v1/courses: connection failed"
    assert unreachable["received"] == "ConnectionError"
    assert unreachable["evidence"] == [
        "evidence/unknown_voucher_is_refused/exchanges.json",
        "evidence/unknown_voucher_is_refused/technical-log.txt",
    ]
    exchanges = json.loads((out / unreachable["evidence"][0]).read_text(encoding="utf-8"))
    assert exchanges[0]["response"] is None
    assert exchanges[0]["error"]["type"] == "ConnectionError"
    assert "Traceback" not in (out / "report.json").read_text(encoding="utf-8")
    attached = {  # attached at the evidence fixture's teardown: allure lists them under it
        a["name"]: a["type"]
        for container in allure_dir.glob("*-container.json")
        for after in json.loads(container.read_text(encoding="utf-8")).get("afters", [])
        for a in after.get("attachments", [])
    }
    assert attached == {"screenshot.png": "image/png", "exchanges.json": "application/json"}
