"""The harness's sandbox client against a real province over HTTP (uvicorn in a thread)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import requests
import uvicorn
from PIL import Image

from harness.province.app import create_app
from harness.province.settings import ProvinceSettings
from harness.province_sandbox import ProvinceSandboxClient, ProvinceSandboxError
from harness.spec import resident_id

PLATFORM = {"X-Platform-Key": "key-ref"}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    settings = ProvinceSettings(admin_token="admin-token", platform_keys={"ref": "key-ref"})
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "province did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/"
    server.should_exit = True
    thread.join(timeout=20)


@pytest.fixture
def recorded() -> tuple[requests.Session, list[requests.Response]]:
    """A session whose response hook records exchanges, as the harness's evidence recorder does."""
    session = requests.Session()
    seen: list[requests.Response] = []
    session.hooks["response"].append(lambda response, *args, **kwargs: seen.append(response))
    return session, seen


@pytest.fixture
def sandbox(base_url, recorded) -> ProvinceSandboxClient:
    return ProvinceSandboxClient(base_url, "admin-token", session=recorded[0])


def test_a_staged_journey_through_the_client(sandbox, base_url, recorded) -> None:
    session, seen = recorded
    assert sandbox.health() is True
    person = sandbox.new_identity(birth_date=dt.date(1985, 6, 15), sex="F")
    assert person.birth_date == dt.date(1985, 6, 15) and person.sex == "F"
    assert resident_id.parse(person.id_number).region_code == person.region_code

    face = sandbox.face_png(person.id_number)
    assert Image.open(io.BytesIO(face)).size == (128, 128)
    assert Image.open(io.BytesIO(sandbox.id_card_png(person.id_number))).format == "PNG"

    # the platform's side, over the same HTTP server
    registration = {
        "id_number": person.id_number,
        "name": person.name,
        "face_photo": base64.b64encode(face).decode(),
    }
    url = base_url + "province/v1/identity/registrations"
    assert requests.post(url, json=registration, headers=PLATFORM, timeout=10).status_code == 201
    for kind, passed in (("live", True), ("still", False), ("impostor", False)):
        shots = sandbox.liveness_frames(person.id_number, kind=kind, count=4)
        assert len(shots) == 4
        body = {"id_number": person.id_number, "frames": shots}
        verdict = requests.post(
            base_url + "province/v1/identity/liveness", json=body, headers=PLATFORM, timeout=10
        ).json()
        assert verdict["passed"] is passed, kind

    voucher = sandbox.issue_voucher(person.id_number, "4-03-02-01", "intermediate", "flexible")
    assert (voucher.state, voucher.employment_status, voucher.level) == (
        "issued",
        "flexible",
        "intermediate",
    )
    expired = sandbox.issue_voucher(
        person.id_number, "4-03-02-01", "junior", expires_on=dt.date(2020, 1, 1)
    )
    assert expired.expires_on == dt.date(2020, 1, 1)

    entries = sandbox.log(platform_id="ref", service="identity")
    assert [e.operation for e in entries] == ["register", "liveness", "liveness", "liveness"]
    assert entries[0].request["face_photo"]["sha256"] == hashlib.sha256(face).hexdigest()
    assert sandbox.log(operation="liveness", after_seq=entries[1].seq) == entries[2:]
    assert sandbox.log(id_number="0" * 18) == []

    # every sandbox call went through the given session, with the token per request only
    sandbox_urls = [r.request.url for r in seen]
    assert any(u.endswith("/face.png") for u in sandbox_urls)
    assert any("/sandbox/v1/log" in u for u in sandbox_urls)
    assert all(r.request.headers["Authorization"] == "Bearer admin-token" for r in seen[1:])
    assert "Authorization" not in session.headers


def test_approvals_through_the_client(sandbox, base_url) -> None:
    body = {
        "platform_course_id": "ref-1",
        "title": "电工（高级）",
        "occupation_code": "6-31-01-03",
        "level": "senior",
        "standard": "电工国家职业技能标准（2018年版）",
        "lesson_hours": 60,
    }
    applied = requests.post(
        base_url + "province/v1/courses/applications", json=body, headers=PLATFORM, timeout=10
    ).json()
    number = applied["approval_number"]
    record = sandbox.approval(number)
    assert record is not None
    assert (record.platform_id, record.status, record.lesson_hours) == ("ref", "valid", 60)
    assert sandbox.revoke_approval(number).status == "revoked"
    assert sandbox.approval(number).status == "revoked"
    assert sandbox.approval("SXJD-1900-0001") is None
    assert sandbox.approval("with/slash and space") is None


def test_occupations(sandbox) -> None:
    names = {o.name for o in sandbox.occupations()}
    assert {"中式烹调师", "养老护理员", "电工", "育婴员", "电子商务师"} <= names


def test_refusals_raise_with_status_and_detail(sandbox, base_url) -> None:
    with pytest.raises(ProvinceSandboxError) as caught:
        sandbox.face_png("140105199001011234")
    assert (caught.value.status_code, caught.value.detail) == (404, "Unknown identity")
    assert "404" in str(caught.value) and "Unknown identity" in str(caught.value)

    person = sandbox.new_identity()
    with pytest.raises(ProvinceSandboxError) as caught:
        sandbox.issue_voucher(person.id_number, "0-00-00-00", "junior")
    assert (caught.value.status_code, caught.value.detail) == (422, "Unknown occupation code")
    with pytest.raises(ProvinceSandboxError) as caught:
        sandbox.liveness_frames(person.id_number, kind="video")
    assert caught.value.status_code == 422
    assert isinstance(caught.value.detail, list)  # FastAPI's validation list, passed through

    intruder = ProvinceSandboxClient(base_url, "not-the-token")
    with pytest.raises(ProvinceSandboxError) as caught:
        intruder.new_identity()
    assert (caught.value.status_code, caught.value.detail) == (401, "Wrong admin token")
    with pytest.raises(TypeError, match="unknown log filter"):
        sandbox.log(platfrom_id="ref")


def test_health_is_false_when_nobody_answers() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert ProvinceSandboxClient(f"http://127.0.0.1:{port}", "t", timeout=2).health() is False


def test_voucher_reads_and_faults_through_the_client(sandbox, base_url) -> None:
    person = sandbox.new_identity()
    voucher = sandbox.issue_voucher(person.id_number, "4-03-02-01", "junior")
    assert sandbox.voucher(voucher.code) == voucher
    sandbox.lose_race(voucher.code)
    verify = requests.post(
        f"{base_url}province/v1/vouchers/verify", json={"code": voucher.code}, headers=PLATFORM
    )
    assert verify.json()["state"] == "issued"
    assert sandbox.voucher(voucher.code).state == "redeemed"

    sandbox.set_unavailable(True)
    try:
        down = requests.get(f"{base_url}province/v1/occupations", headers=PLATFORM)
        assert down.status_code == 503
    finally:
        sandbox.set_unavailable(False)
    assert requests.get(f"{base_url}province/v1/occupations", headers=PLATFORM).ok

    assert sandbox.forget_registrations(person.id_number) == 0
    with pytest.raises(ProvinceSandboxError) as caught:
        sandbox.forget_registrations("140105199001011234")
    assert caught.value.status_code == 404
