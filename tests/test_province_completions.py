"""The province's offline voucher office (VOUCH-03): a completion report issues one offline
voucher; a retry of the same report answers the same voucher; another report of the same person,
occupation and level is refused; every call is logged under service "completion"."""

from __future__ import annotations

from fastapi.testclient import TestClient

from harness.province.app import create_app
from harness.province.settings import ProvinceSettings

REPORT = {
    "report_id": "r1",
    "id_number": "14010719770604165X",
    "name": "张三",
    "course_id": "crs-elec-senior",
    "occupation_code": "6-31-01-03",
    "level": "senior",
    "certificate_number": "SXOT20261202ABCDEF0123",
    "completed_on": "2026-12-02",
}
PLATFORM = {"X-Platform-Key": "key-1"}
ADMIN = {"Authorization": "Bearer admin-token"}


def _client() -> TestClient:
    settings = ProvinceSettings(admin_token="admin-token", platform_keys={"plat-1": "key-1"})
    return TestClient(create_app(settings))


def test_a_report_issues_one_voucher_and_a_retry_answers_the_same() -> None:
    client = _client()
    first = client.post("/province/v1/completions", json=REPORT, headers=PLATFORM)
    again = client.post("/province/v1/completions", json=REPORT, headers=PLATFORM)
    assert first.status_code == again.status_code == 201
    assert first.json()["offline_voucher_code"] == again.json()["offline_voucher_code"]
    [voucher] = client.get("/sandbox/v1/offline-vouchers", headers=ADMIN).json()
    assert (voucher["holder_id_number"], voucher["platform_id"], voucher["level"]) == (
        REPORT["id_number"],
        "plat-1",
        "senior",
    )


def test_a_second_report_of_the_same_completion_is_refused_and_logged() -> None:
    client = _client()
    client.post("/province/v1/completions", json=REPORT, headers=PLATFORM)
    duplicate = client.post(
        "/province/v1/completions", json={**REPORT, "report_id": "r2"}, headers=PLATFORM
    )
    assert duplicate.status_code == 409
    log = client.get(
        "/sandbox/v1/log",
        params={"service": "completion", "id_number": REPORT["id_number"]},
        headers=ADMIN,
    ).json()
    assert [(e["request"]["report_id"], e["status_code"]) for e in log] == [
        ("r1", 201),
        ("r2", 409),
    ]
    assert len(client.get("/sandbox/v1/offline-vouchers", headers=ADMIN).json()) == 1


def test_reports_need_a_platform_key_and_a_valid_body() -> None:
    client = _client()
    assert client.post("/province/v1/completions", json=REPORT).status_code == 401
    bad = client.post(
        "/province/v1/completions", json={**REPORT, "id_number": "1"}, headers=PLATFORM
    )
    assert bad.status_code == 422
    assert client.get("/sandbox/v1/offline-vouchers").status_code == 401
