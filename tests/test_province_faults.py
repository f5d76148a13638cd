"""The sandbox's fault injection and voucher read, and a province with its own catalogue.

Faults exist so that tests of a platform can stage, through the real province, what a real one
does on a bad day: answer 503, lose a redemption race to another platform, forget a registration.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from harness.province.app import create_app
from harness.province.settings import ProvinceSettings
from harness.province.stores.faults import RIVAL_PLATFORM
from harness.spec.courses import Occupation
from tests.test_province_api import ADMIN, ALPHA, frames, issue, new_person, register

FAULTS = [
    ("put", "/sandbox/v1/faults/unavailable", {"unavailable": True}),
    ("post", "/sandbox/v1/faults/vouchers/X/lose-race", None),
    ("post", "/sandbox/v1/faults/identities/X/forget-registrations", None),
    ("get", "/sandbox/v1/vouchers/X", None),
]


@pytest.fixture
def client() -> TestClient:
    settings = ProvinceSettings(
        admin_token="admin-token", platform_keys={"alpha": "key-alpha", "beta": "key-beta"}
    )
    return TestClient(create_app(settings))


def redeem(client: TestClient, code: str, id_number: str):
    body = {"code": code, "id_number": id_number, "course_id": "c", "approval_number": "A-1"}
    return client.post("/province/v1/vouchers/redeem", json=body, headers=ALPHA)


@pytest.mark.parametrize(("method", "path", "body"), FAULTS)
def test_faults_need_the_admin_token(client, method, path, body) -> None:
    for headers in ({}, ALPHA, {"Authorization": "Bearer wrong"}):
        answer = client.request(method, path, json=body, headers=headers)
        assert answer.status_code == 401


def test_an_unavailable_province_answers_503_and_logs_it(client) -> None:
    set_to = client.put("/sandbox/v1/faults/unavailable", json={"unavailable": True}, headers=ADMIN)
    assert (set_to.status_code, set_to.json()) == (200, {"unavailable": True})
    down = client.get("/province/v1/occupations", headers=ALPHA)
    assert (down.status_code, down.json()) == (
        503,
        {"detail": "Province unavailable (sandbox fault)"},
    )
    assert client.get("/sandbox/v1/health").status_code == 200  # the sandbox itself still works
    client.put("/sandbox/v1/faults/unavailable", json={"unavailable": False}, headers=ADMIN)
    assert client.get("/province/v1/occupations", headers=ALPHA).status_code == 200
    log = client.get("/sandbox/v1/log", params={"operation": "occupations"}, headers=ADMIN).json()
    assert [(e["platform_id"], e["status_code"]) for e in log] == [("alpha", 503), ("alpha", 200)]


def test_a_lost_race_redeems_the_voucher_right_after_the_next_verify(client) -> None:
    person = new_person(client)
    voucher = issue(client, person["id_number"])
    code = voucher["code"]
    armed = client.post(f"/sandbox/v1/faults/vouchers/{code}/lose-race", headers=ADMIN)
    assert (armed.status_code, armed.json()) == (200, {"code": code, "armed": True})
    verified = client.post("/province/v1/vouchers/verify", json={"code": code}, headers=ALPHA)
    assert verified.json()["state"] == "issued"  # what the platform saw
    lost = redeem(client, code, person["id_number"])
    assert (lost.status_code, lost.json()) == (409, {"detail": "Voucher already redeemed"})
    read = client.get(f"/sandbox/v1/vouchers/{code}", headers=ADMIN)
    assert read.json()["state"] == "redeemed"
    log = client.get("/sandbox/v1/log", params={"operation": "redeem"}, headers=ADMIN).json()
    assert [e["platform_id"] for e in log] == ["alpha"]  # the rival's redemption is no call
    assert RIVAL_PLATFORM not in {e["platform_id"] for e in log}


def test_a_lost_race_is_armed_once(client) -> None:
    person = new_person(client)
    code = issue(client, person["id_number"])["code"]
    client.post(f"/sandbox/v1/faults/vouchers/{code}/lose-race", headers=ADMIN)
    client.post("/province/v1/vouchers/verify", json={"code": code}, headers=ALPHA)
    again = client.post("/province/v1/vouchers/verify", json={"code": code}, headers=ALPHA)
    assert again.json()["state"] == "redeemed"
    other = issue(client, person["id_number"])["code"]
    assert redeem(client, other, person["id_number"]).status_code == 200  # untouched
    unknown = client.post("/sandbox/v1/faults/vouchers/NOPE/lose-race", headers=ADMIN)
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Unknown voucher"})


def test_the_sandbox_reads_a_voucher_without_logging(client) -> None:
    person = new_person(client)
    voucher = issue(client, person["id_number"])
    read = client.get(f"/sandbox/v1/vouchers/{voucher['code']}", headers=ADMIN)
    assert (read.status_code, read.json()) == (200, voucher)
    missing = client.get("/sandbox/v1/vouchers/NOPE", headers=ADMIN)
    assert (missing.status_code, missing.json()) == (404, {"detail": "Unknown voucher"})
    assert client.get("/sandbox/v1/log", headers=ADMIN).json() == []


def test_forgotten_registrations_fail_liveness_as_not_registered(client) -> None:
    person = new_person(client)
    assert register(client, person).status_code == 201
    path = f"/sandbox/v1/faults/identities/{person['id_number']}/forget-registrations"
    forgot = client.post(path, headers=ADMIN)
    assert forgot.json() == {"id_number": person["id_number"], "forgotten": 1}
    body = {"id_number": person["id_number"], "frames": frames(client, person["id_number"], "live")}
    answer = client.post("/province/v1/identity/liveness", json=body, headers=ALPHA)
    assert (answer.status_code, answer.json()) == (404, {"detail": "Identity not registered"})
    assert client.post(path, headers=ADMIN).json()["forgotten"] == 0
    stranger = client.post(
        "/sandbox/v1/faults/identities/140105199001010011/forget-registrations", headers=ADMIN
    )
    assert (stranger.status_code, stranger.json()) == (404, {"detail": "Unknown identity"})


def test_a_province_with_its_own_catalogue() -> None:
    catalogue = (Occupation(code="6-31-01-99", name="电工"),)
    settings = ProvinceSettings(
        admin_token="admin-token", platform_keys={"alpha": "key-alpha"}, occupations=catalogue
    )
    client = TestClient(create_app(settings))
    listed = client.get("/province/v1/occupations", headers=ALPHA).json()
    assert listed == [{"code": "6-31-01-99", "name": "电工"}]
    assert client.get("/sandbox/v1/occupations", headers=ADMIN).json() == listed
    application = {
        "platform_course_id": "c-1",
        "title": "电工（高级）",
        "occupation_code": "6-31-01-03",  # the default catalogue's code: unknown here
        "level": "senior",
        "standard": "《电工国家职业技能标准》",
        "lesson_hours": 60,
    }
    refused = client.post("/province/v1/courses/applications", json=application, headers=ALPHA)
    assert (refused.json()["status"], refused.json()["reason"]) == (
        "rejected",
        "Unknown occupation code",
    )
    application["occupation_code"] = "6-31-01-99"
    approved = client.post("/province/v1/courses/applications", json=application, headers=ALPHA)
    assert approved.json()["status"] == "approved"
    person = new_person(client)
    body = {"holder_id_number": person["id_number"], "occupation_code": "4-03-02-01"}
    voucher = client.post("/sandbox/v1/vouchers", json=body | {"level": "junior"}, headers=ADMIN)
    assert (voucher.status_code, voucher.json()) == (422, {"detail": "Unknown occupation code"})
