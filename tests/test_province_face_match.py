"""Face match for capture images: the learner's live face passes; another face, the registered
photo itself, or a repeated image does not."""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from harness.province.app import create_app
from harness.province.settings import ProvinceSettings

ADMIN = "admin-token-for-tests"
KEY = "platform-key-for-tests"


@pytest.fixture
def client(monkeypatch) -> TestClient:
    monkeypatch.setenv("SXCERT_PROVINCE_ADMIN_TOKEN", ADMIN)
    monkeypatch.setenv("SXCERT_PROVINCE_PLATFORM_KEYS", f"p1={KEY}")
    return TestClient(create_app(ProvinceSettings.from_env()))


def registered(client: TestClient) -> tuple[str, str]:
    admin = {"Authorization": f"Bearer {ADMIN}"}
    person = client.post("/sandbox/v1/identities", json={}, headers=admin).json()
    face = base64.b64encode(
        client.get(f"/sandbox/v1/identities/{person['id_number']}/face.png", headers=admin).content
    ).decode()
    answer = client.post(
        "/province/v1/identity/registrations",
        json={"id_number": person["id_number"], "name": person["name"], "face_photo": face},
        headers={"X-Platform-Key": KEY},
    )
    assert answer.status_code == 201
    return person["id_number"], face


def frames(client: TestClient, id_number: str, kind: str) -> list[str]:
    answer = client.post(
        f"/sandbox/v1/identities/{id_number}/liveness-frames",
        json={"kind": kind, "count": 1},
        headers={"Authorization": f"Bearer {ADMIN}"},
    )
    return answer.json()["frames"]


def match(client: TestClient, id_number: str, image: str):
    return client.post(
        "/province/v1/identity/face-match",
        json={"id_number": id_number, "image": image},
        headers={"X-Platform-Key": KEY},
    )


def test_live_captures_pass_and_fakes_fail(client):
    for _ in range(20):
        id_number, face = registered(client)
        live = match(client, id_number, frames(client, id_number, "live")[0]).json()
        assert (live["passed"], live["reason"]) == (True, "ok")
        still = match(client, id_number, frames(client, id_number, "still")[0]).json()
        assert (still["passed"], still["reason"]) == (False, "replay")
        impostor = match(client, id_number, frames(client, id_number, "impostor")[0]).json()
        assert (impostor["passed"], impostor["reason"]) == (False, "face_mismatch")
        assert match(client, id_number, face).json()["reason"] == "replay"


def test_repeated_capture_image_is_a_replay(client):
    id_number, _ = registered(client)
    image = frames(client, id_number, "live")[0]
    assert match(client, id_number, image).json()["passed"] is True
    again = match(client, id_number, image).json()
    assert (again["passed"], again["reason"]) == (False, "replay")


def test_face_match_is_logged_and_refuses_bad_input(client):
    id_number, _ = registered(client)
    assert match(client, id_number, "bm90IGFuIGltYWdlIGF0IGFsbCBzb3JyeQ==").status_code == 422
    assert match(
        client, "110101199001011237", frames(client, id_number, "live")[0]
    ).status_code in (404, 422)
    log = client.get(
        "/sandbox/v1/log",
        params={"operation": "face_match"},
        headers={"Authorization": f"Bearer {ADMIN}"},
    ).json()
    assert len(log) == 2 and all(e["status_code"] >= 400 for e in log)
