"""Clause statuses, the verdict and the writers, on hand-made results."""

from __future__ import annotations

import base64
import datetime as dt
import json

from harness.context import RunContext
from harness.driver import HttpLearnerDriver
from harness.evidence import redact
from harness.profile import Profile, ResolvedAccount
from harness.report.build import CheckResult, build_report, clause_status
from harness.report.write import write_reports

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
