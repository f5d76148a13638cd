"""The province log as evidence, and the sandbox API that stages a run."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from harness.province import calllog
from harness.province.app import create_app
from harness.province.settings import ProvinceSettings
from harness.spec import resident_id
from harness.spec.sandbox import LogEntry, SandboxIdentity

ADMIN = {"Authorization": "Bearer admin-token"}
ALPHA = {"X-Platform-Key": "key-alpha"}
BETA = {"X-Platform-Key": "key-beta"}


@pytest.fixture
def client() -> TestClient:
    settings = ProvinceSettings(
        admin_token="admin-token", platform_keys={"alpha": "key-alpha", "beta": "key-beta"}
    )
    return TestClient(create_app(settings))


def log(client: TestClient, **filters: object) -> list[LogEntry]:
    answer = client.get("/sandbox/v1/log", params=filters, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    return [LogEntry.model_validate(e) for e in answer.json()]


def person(client: TestClient, **wanted: str) -> SandboxIdentity:
    answer = client.post("/sandbox/v1/identities", json=wanted, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return SandboxIdentity.model_validate(answer.json())


def test_images_are_logged_as_sha256_of_their_bytes(client) -> None:
    someone = person(client)
    png = client.get(f"/sandbox/v1/identities/{someone.id_number}/face.png", headers=ADMIN).content
    body = {
        "id_number": someone.id_number,
        "name": someone.name,
        "face_photo": base64.b64encode(png).decode(),
    }
    assert (
        client.post("/province/v1/identity/registrations", json=body, headers=ALPHA).status_code
        == 201
    )
    shots = client.post(
        f"/sandbox/v1/identities/{someone.id_number}/liveness-frames",
        json={"kind": "still", "count": 3},
        headers=ADMIN,
    ).json()["frames"]
    body = {"id_number": someone.id_number, "frames": shots}
    verdict = client.post("/province/v1/identity/liveness", json=body, headers=ALPHA).json()

    register, check = log(client)
    face = {"sha256": hashlib.sha256(png).hexdigest(), "bytes": len(png)}
    assert register.request == {
        "id_number": someone.id_number,
        "name": someone.name,
        "face_photo": face,
    }
    assert (register.platform_id, register.service, register.operation) == (
        "alpha",
        "identity",
        "register",
    )
    assert register.status_code == 201
    assert register.id_number == someone.id_number
    assert register.response["id_number"] == someone.id_number
    assert check.request["frames"] == [face, face, face]  # a still replay is the face itself
    assert check.response == verdict
    assert (check.seq, register.seq) == (2, 1)
    assert check.at >= register.at and check.at.utcoffset() == dt.timedelta(hours=8)


def test_refusals_are_logged_too(client) -> None:
    client.post("/province/v1/vouchers/verify", json={"code": "X"})
    client.post(
        "/province/v1/vouchers/verify", json={"code": "X"}, headers={"X-Platform-Key": "bad"}
    )
    client.post("/province/v1/vouchers/verify", json={"code": "SXPXNONE"}, headers=ALPHA)
    client.post(
        "/province/v1/vouchers/redeem",
        content=b'{"code": ',
        headers={**ALPHA, "Content-Type": "application/json"},
    )
    client.post("/province/v1/courses/applications", json={"title": "x" * 5000}, headers=BETA)
    entries = log(client)
    assert [(e.platform_id, e.operation, e.status_code) for e in entries] == [
        (None, "verify", 401),
        (None, "verify", 401),
        ("alpha", "verify", 404),
        ("alpha", "redeem", 422),
        ("beta", "apply", 422),
    ]
    assert entries[0].response == {"detail": "Missing platform key"}
    assert entries[2].response == {"detail": "Unknown voucher"}
    assert entries[3].request["unparsed"]["bytes"] == 9
    long_title = entries[4].request["title"]
    assert long_title["length"] == 5000 and long_title["start"] == "x" * 64
    assert "x" * 300 not in str(entries[4].response)  # the 422 does not echo long input


def test_redeem_logs_the_claimed_identity_and_verify_the_holder(client) -> None:
    holder, other = person(client), person(client)
    body = {
        "holder_id_number": holder.id_number,
        "occupation_code": "4-10-01-02",
        "level": "senior",
    }
    code = client.post("/sandbox/v1/vouchers", json=body, headers=ADMIN).json()["code"]
    client.post("/province/v1/vouchers/verify", json={"code": code}, headers=ALPHA)
    redeem = {"code": code, "id_number": other.id_number, "course_id": "c9", "approval_number": "A"}
    assert (
        client.post("/province/v1/vouchers/redeem", json=redeem, headers=ALPHA).status_code == 200
    )
    verify, redeemed = log(client, service="voucher")
    assert verify.id_number == holder.id_number
    assert redeemed.id_number == other.id_number  # what the platform claimed, not the holder
    assert redeemed.request == redeem
    assert log(client, id_number=other.id_number) == [redeemed]


def test_log_filters_and_after_seq(client) -> None:
    for headers in (ALPHA, BETA, ALPHA):
        client.get("/province/v1/occupations", headers=headers)
    client.get("/province/v1/courses/approvals/SXJD-2026-0042", headers=BETA)
    assert [e.seq for e in log(client)] == [1, 2, 3, 4]
    assert [e.seq for e in log(client, platform_id="alpha")] == [1, 3]
    assert [e.seq for e in log(client, operation="approval")] == [4]
    assert log(client, operation="approval")[0].request == {"number": "SXJD-2026-0042"}
    assert [e.seq for e in log(client, service="registry", after_seq=2)] == [3, 4]
    assert [e.seq for e in log(client, after_seq=1, limit=2)] == [2, 3]
    assert log(client, service="identity") == []
    assert log(client, after_seq=99) == []
    bad = client.get("/sandbox/v1/log", params={"service": "nope"}, headers=ADMIN)
    assert bad.status_code == 422
    assert client.get("/sandbox/v1/log", params={"after_seq": -1}, headers=ADMIN).status_code == 422


def test_sandbox_calls_are_not_logged(client) -> None:
    someone = person(client)
    client.get(f"/sandbox/v1/identities/{someone.id_number}/face.png", headers=ADMIN)
    client.get("/sandbox/v1/occupations", headers=ADMIN)
    assert log(client) == []


def test_oversized_bodies_are_refused_and_logged(client, monkeypatch) -> None:
    monkeypatch.setattr(calllog, "MAX_BODY", 1000)
    answer = client.post("/province/v1/vouchers/verify", json={"code": "A" * 2000}, headers=ALPHA)
    assert (answer.status_code, answer.json()) == (413, {"detail": "Request body too large"})
    (entry,) = log(client)
    assert entry.status_code == 413 and entry.platform_id == "alpha"


# ---- sandbox staging ----------------------------------------------------------------------------
def test_identity_requests_are_honoured(client) -> None:
    default = person(client)
    assert default.region_code.startswith("14")
    assert resident_id.parse(default.id_number).birth_date == default.birth_date
    chosen = person(client, birth_date="1970-02-28", region_code="110101", sex="F")
    assert (chosen.birth_date, chosen.region_code, chosen.sex) == (
        dt.date(1970, 2, 28),
        "110101",
        "F",
    )
    for wanted, detail in [
        ({"region_code": "990000"}, "Region code is not a GB/T 2260 county code"),
        ({"birth_date": "2999-01-01"}, "Birth date must be between 1900-01-01 and today"),
    ]:
        answer = client.post("/sandbox/v1/identities", json=wanted, headers=ADMIN)
        assert (answer.status_code, answer.json()) == (422, {"detail": detail})
    for wanted in ({"sex": "X"}, {"region_code": "14"}, {"nickname": "a"}, {"birth_date": "soon"}):
        assert client.post("/sandbox/v1/identities", json=wanted, headers=ADMIN).status_code == 422


def test_identity_images(client) -> None:
    someone = person(client)
    base = f"/sandbox/v1/identities/{someone.id_number}"
    face = client.get(f"{base}/face.png", headers=ADMIN)
    assert face.content == client.get(f"{base}/face.png", headers=ADMIN).content
    assert Image.open(io.BytesIO(face.content)).size == (128, 128)
    card = client.get(f"{base}/id-card.png", headers=ADMIN)
    assert card.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(card.content)).size == (420, 264)
    for suffix in ("face.png", "id-card.png"):
        missing = client.get(f"/sandbox/v1/identities/140105199001010000/{suffix}", headers=ADMIN)
        assert (missing.status_code, missing.json()) == (404, {"detail": "Unknown identity"})


def test_liveness_frames_kinds_and_counts(client) -> None:
    someone = person(client)
    url = f"/sandbox/v1/identities/{someone.id_number}/liveness-frames"
    live = client.post(url, json={"kind": "live", "count": 4}, headers=ADMIN).json()["frames"]
    still = client.post(url, json={"kind": "still", "count": 4}, headers=ADMIN).json()["frames"]
    assert len(set(live)) == 4
    assert len(set(still)) == 1
    assert client.post(url, json={}, headers=ADMIN).status_code == 200  # live, 5 by default
    for body in ({"count": 0}, {"count": 17}, {"kind": "video"}):
        assert client.post(url, json=body, headers=ADMIN).status_code == 422
    missing = client.post("/sandbox/v1/identities/nobody/liveness-frames", json={}, headers=ADMIN)
    assert missing.status_code == 404


def test_openapi_declares_every_refusal(client) -> None:
    spec = client.get("/openapi.json").json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            if path != "/sandbox/v1/health":
                assert "401" in codes, (method, path)
            assert all(code.startswith(("2", "4")) for code in codes), (method, path, codes)
