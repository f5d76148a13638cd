"""The platform-facing services over HTTP: auth, identity, vouchers, course registry."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import threading

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from harness.province.app import create_app
from harness.province.clock import SHANGHAI
from harness.province.refusals import Conflict
from harness.province.settings import ProvinceSettings
from harness.province.stores.vouchers import VoucherStore
from harness.spec import resident_id

ADMIN = {"Authorization": "Bearer admin-token"}
ALPHA = {"X-Platform-Key": "key-alpha"}
BETA = {"X-Platform-Key": "key-beta"}


@pytest.fixture
def client() -> TestClient:
    settings = ProvinceSettings(
        admin_token="admin-token", platform_keys={"alpha": "key-alpha", "beta": "key-beta"}
    )
    return TestClient(create_app(settings))


def new_person(client: TestClient, **wanted: str) -> dict[str, str]:
    answer = client.post("/sandbox/v1/identities", json=wanted, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return answer.json()


def face_b64(client: TestClient, id_number: str) -> str:
    answer = client.get(f"/sandbox/v1/identities/{id_number}/face.png", headers=ADMIN)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/png"
    return base64.b64encode(answer.content).decode()


def register(client: TestClient, person: dict[str, str], headers: dict[str, str] = ALPHA):
    body = {
        "id_number": person["id_number"],
        "name": person["name"],
        "face_photo": face_b64(client, person["id_number"]),
    }
    return client.post("/province/v1/identity/registrations", json=body, headers=headers)


def frames(client: TestClient, id_number: str, kind: str, count: int = 5) -> list[str]:
    answer = client.post(
        f"/sandbox/v1/identities/{id_number}/liveness-frames",
        json={"kind": kind, "count": count},
        headers=ADMIN,
    )
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["frames"]) == count
    return answer.json()["frames"]


def check(client: TestClient, id_number: str, shots: list[str], headers=ALPHA):
    body = {"id_number": id_number, "frames": shots}
    return client.post("/province/v1/identity/liveness", json=body, headers=headers)


# ---- auth ---------------------------------------------------------------------------------------
PLATFORM_CALLS = [
    ("post", "/province/v1/identity/registrations", {}),
    ("post", "/province/v1/identity/liveness", {}),
    ("post", "/province/v1/vouchers/verify", {"code": "X"}),
    ("post", "/province/v1/vouchers/redeem", {}),
    ("post", "/province/v1/courses/applications", {}),
    ("get", "/province/v1/courses/approvals/SXJD-2026-0001", None),
    ("get", "/province/v1/occupations", None),
]


@pytest.mark.parametrize(("method", "path", "body"), PLATFORM_CALLS)
@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Missing platform key"),
        ({"X-Platform-Key": "nope"}, "Unknown platform key"),
        (ADMIN, "Missing platform key"),  # the admin token is not a platform key
    ],
)
def test_platform_services_need_a_known_key(client, method, path, body, headers, detail) -> None:
    answer = client.request(method, path, json=body, headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {"detail": detail}


@pytest.mark.parametrize(
    ("headers", "detail"),
    [
        ({}, "Missing bearer token"),
        ({"Authorization": "Bearer wrong"}, "Wrong admin token"),
        ({"Authorization": "Basic YWRtaW4="}, "Missing bearer token"),
        (ALPHA, "Missing bearer token"),  # a platform key cannot use the sandbox
    ],
)
def test_sandbox_needs_the_admin_token(client, headers, detail) -> None:
    for method, path in [("post", "/sandbox/v1/identities"), ("get", "/sandbox/v1/log")]:
        answer = client.request(method, path, json={}, headers=headers)
        assert answer.status_code == 401
        assert answer.json() == {"detail": detail}
        assert answer.headers["www-authenticate"] == "Bearer"


def test_health_is_open(client) -> None:
    assert client.get("/sandbox/v1/health").json() == {"status": "ok"}


# ---- identity -----------------------------------------------------------------------------------
def test_registration_then_re_registration(client) -> None:
    person = new_person(client)
    first = register(client, person)
    assert first.status_code == 201
    assert first.json()["id_number"] == person["id_number"]
    assert re.fullmatch(r"[0-9a-f]{64}", first.json()["face_phash"])
    again = register(client, person)
    assert again.status_code == 200
    assert again.json() == first.json()
    other_platform = register(client, person, BETA)
    assert other_platform.status_code == 201
    assert other_platform.json()["registration_id"] != first.json()["registration_id"]


def test_a_person_of_a_given_name_registers_under_it(client) -> None:
    """The sandbox makes a person of the caller's name (ID-01 tries names the common validators
    refuse), the ID card drawn with it; a name and a namesake at once is refused."""
    name = "赵孟\U0002b5af"
    person = new_person(client, name=name, name_latin="Zhao Mengfu")
    assert person["name"] == name
    assert register(client, person).status_code == 201
    card = client.get(f"/sandbox/v1/identities/{person['id_number']}/id-card.png", headers=ADMIN)
    assert card.status_code == 200 and card.content.startswith(b"\x89PNG")
    both = {"name": name, "namesake_of": person["id_number"]}
    answer = client.post("/sandbox/v1/identities", json=both, headers=ADMIN)
    assert answer.status_code == 422 and "not both" in answer.text
    short = client.post("/sandbox/v1/identities", json={"name": "王"}, headers=ADMIN)
    assert short.status_code == 422
    latin_only = client.post("/sandbox/v1/identities", json={"name_latin": "Wang"}, headers=ADMIN)
    assert latin_only.status_code == 422 and "give the name too" in latin_only.text


def test_registration_refusals(client) -> None:
    person = new_person(client)
    face = face_b64(client, person["id_number"])
    url = "/province/v1/identity/registrations"

    def body(**change: str) -> dict[str, str]:
        return {
            "id_number": person["id_number"],
            "name": person["name"],
            "face_photo": face,
        } | change

    wrong_name = client.post(url, json=body(name="张三丰"), headers=ALPHA)
    assert (wrong_name.status_code, wrong_name.json()) == (
        409,
        {"detail": "Name does not match the identity"},
    )
    stranger = resident_id.build("140105", dt.date(1970, 1, 1), 999)
    unknown = client.post(url, json=body(id_number=stranger), headers=ALPHA)
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Unknown identity"})
    bad_digit = person["id_number"][:17] + ("0" if person["id_number"][17] != "0" else "1")
    invalid = client.post(url, json=body(id_number=bad_digit), headers=ALPHA)
    assert (invalid.status_code, invalid.json()) == (
        422,
        {"detail": "ID number check digit is wrong"},
    )
    not_image = base64.b64encode(b"hello, this is not an image").decode()
    bad = client.post(url, json=body(face_photo=not_image), headers=ALPHA)
    assert (bad.status_code, bad.json()) == (
        422,
        {"detail": "Face photo is not a PNG or JPEG image"},
    )


def test_liveness_verdicts(client) -> None:
    person = new_person(client)
    number = person["id_number"]
    assert register(client, person).status_code == 201

    live = check(client, number, frames(client, number, "live"))
    assert live.status_code == 200
    assert live.json()["passed"] is True and live.json()["reason"] == "ok"
    assert live.json()["distance"] < 56
    at = dt.datetime.fromisoformat(live.json()["at"])
    assert at.utcoffset() == dt.timedelta(hours=8)
    assert abs(at - dt.datetime.now(SHANGHAI)) < dt.timedelta(seconds=30)

    verdicts = {
        kind: check(client, number, frames(client, number, kind)).json()
        for kind in ("still", "impostor")
    }
    assert (verdicts["still"]["passed"], verdicts["still"]["reason"]) == (False, "still_replay")
    impostor = verdicts["impostor"]
    assert (impostor["passed"], impostor["reason"]) == (False, "face_mismatch")
    assert impostor["distance"] > 56

    few = check(client, number, frames(client, number, "live", 2)).json()
    assert (few["passed"], few["reason"]) == (False, "too_few_frames")
    ids = {live.json()["verification_id"], impostor["verification_id"], few["verification_id"]}
    assert len(ids) == 3


def test_liveness_accepts_jpeg_frames(client) -> None:
    person = new_person(client)
    register(client, person)
    jpegs = []
    for shot in frames(client, person["id_number"], "live"):
        buf = io.BytesIO()
        Image.open(io.BytesIO(base64.b64decode(shot))).save(buf, "JPEG", quality=75)
        jpegs.append(base64.b64encode(buf.getvalue()).decode())
    assert check(client, person["id_number"], jpegs).json()["passed"] is True


def test_liveness_refusals(client) -> None:
    person = new_person(client)
    number = person["id_number"]
    shots = frames(client, number, "live")
    missing = check(client, number, shots)
    assert (missing.status_code, missing.json()) == (404, {"detail": "Identity not registered"})
    register(client, person)
    elsewhere = check(client, number, shots, BETA)  # beta never registered this learner
    assert elsewhere.status_code == 404
    broken = check(client, number, [*shots[:2], "bm90IGFuIGltYWdlIGF0IGFsbA=="])
    assert (broken.status_code, broken.json()) == (
        422,
        {"detail": "Frame 3 is not a PNG or JPEG image"},
    )
    empty = check(client, number, [])
    assert empty.status_code == 422


# ---- vouchers -----------------------------------------------------------------------------------
def issue(client: TestClient, holder: str, **extra: str) -> dict:
    body = {"holder_id_number": holder, "occupation_code": "4-10-01-05", "level": "junior"}
    answer = client.post("/sandbox/v1/vouchers", json=body | extra, headers=ADMIN)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_voucher_issue_verify_redeem_once(client) -> None:
    person = new_person(client)
    voucher = issue(client, person["id_number"], employment_status="flexible")
    assert voucher["state"] == "issued"
    assert voucher["holder_name"] == person["name"]
    issued = dt.datetime.fromisoformat(voucher["issued_at"])
    assert issued.utcoffset() == dt.timedelta(hours=8)
    assert dt.date.fromisoformat(voucher["expires_on"]) == issued.date() + dt.timedelta(days=365)

    verified = client.post(
        "/province/v1/vouchers/verify", json={"code": voucher["code"]}, headers=ALPHA
    )
    assert verified.status_code == 200
    assert verified.json() == voucher

    redeem = {
        "code": voucher["code"],
        "id_number": person["id_number"],
        "course_id": "c-1",
        "approval_number": "SXJD-2026-0001",
    }
    first = client.post("/province/v1/vouchers/redeem", json=redeem, headers=ALPHA)
    assert first.status_code == 200
    assert first.json()["code"] == voucher["code"]
    assert first.json()["redemption_id"]
    second = client.post("/province/v1/vouchers/redeem", json=redeem, headers=BETA)
    assert (second.status_code, second.json()) == (409, {"detail": "Voucher already redeemed"})
    state = client.post(
        "/province/v1/vouchers/verify", json={"code": voucher["code"]}, headers=BETA
    )
    assert state.json()["state"] == "redeemed"


def test_expired_and_unknown_vouchers(client) -> None:
    person = new_person(client)
    yesterday = (dt.datetime.now(SHANGHAI).date() - dt.timedelta(days=1)).isoformat()
    old = issue(client, person["id_number"], expires_on=yesterday)
    verified = client.post(
        "/province/v1/vouchers/verify", json={"code": old["code"]}, headers=ALPHA
    )
    assert verified.json()["state"] == "expired"
    redeem = {"code": old["code"], "id_number": "x", "course_id": "c", "approval_number": "a"}
    late = client.post("/province/v1/vouchers/redeem", json=redeem, headers=ALPHA)
    assert (late.status_code, late.json()) == (409, {"detail": "Voucher expired"})
    for path, body in [("verify", {"code": "SXPXNOPE"}), ("redeem", {**redeem, "code": "NOPE"})]:
        answer = client.post(f"/province/v1/vouchers/{path}", json=body, headers=ALPHA)
        assert (answer.status_code, answer.json()) == (404, {"detail": "Unknown voucher"})


def test_sandbox_voucher_refusals(client) -> None:
    stranger = resident_id.build("140105", dt.date(1970, 1, 1), 999)
    body = {"holder_id_number": stranger, "occupation_code": "4-10-01-05", "level": "junior"}
    unknown = client.post("/sandbox/v1/vouchers", json=body, headers=ADMIN)
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "Unknown identity"})
    person = new_person(client)
    body = body | {"holder_id_number": person["id_number"], "occupation_code": "9-99-99-99"}
    bad = client.post("/sandbox/v1/vouchers", json=body, headers=ADMIN)
    assert (bad.status_code, bad.json()) == (422, {"detail": "Unknown occupation code"})


def test_concurrent_redemptions_succeed_once() -> None:
    store = VoucherStore()
    holder = "140105199001010011"
    code = store.issue(holder, "张三", "6-31-01-03", "senior", "unemployed", None).code
    outcomes: list[str] = []
    start = threading.Barrier(12)

    def attempt(n: int) -> None:
        start.wait()
        try:
            store.redeem(code, f"p{n}", holder, "c", "a")
            outcomes.append("ok")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 11 + ["ok"]


# ---- course registry ----------------------------------------------------------------------------
def apply(client: TestClient, headers=ALPHA, **change) -> dict:
    body = {
        "platform_course_id": "course-1",
        "title": "养老护理员（初级）在线课程",
        "occupation_code": "4-10-01-05",
        "level": "junior",
        "standard": "养老护理员国家职业技能标准（2019年版）",
        "lesson_hours": 80,
    } | change
    answer = client.post("/province/v1/courses/applications", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return answer.json()


@pytest.mark.parametrize(
    ("level", "hours", "approved"),
    [
        ("junior", 80, True),
        ("junior", 79, False),
        ("intermediate", 70, True),
        ("intermediate", 69, False),
        ("senior", 60, True),
        ("senior", 59, False),
    ],
)
def test_review_by_level_minimum(client, level, hours, approved) -> None:
    outcome = apply(client, level=level, lesson_hours=hours)
    assert outcome["status"] == ("approved" if approved else "rejected")
    if approved:
        assert re.fullmatch(r"SXJD-\d{4}-\d{4}", outcome["approval_number"])
        assert outcome["approved_on"] == dt.datetime.now(SHANGHAI).date().isoformat()
    else:
        assert outcome["approval_number"] is None and outcome["approved_on"] is None
        assert outcome["reason"].startswith(f"Lesson hours below the {level}")


def test_unknown_occupation_is_rejected(client) -> None:
    outcome = apply(client, occupation_code="9-99-99-99")
    assert (outcome["status"], outcome["reason"]) == ("rejected", "Unknown occupation code")


def test_approvals_are_numbered_and_can_be_looked_up_and_revoked(client) -> None:
    first = apply(client)
    second = apply(client, BETA, platform_course_id="b-7", occupation_code="6-31-01-03")
    year = dt.datetime.now(SHANGHAI).year
    assert first["approval_number"] == f"SXJD-{year}-0001"
    assert second["approval_number"] == f"SXJD-{year}-0002"
    assert first["application_id"] != second["application_id"]

    url = f"/province/v1/courses/approvals/{second['approval_number']}"
    record = client.get(url, headers=ALPHA).json()  # approvals are public to every platform
    assert record["platform_id"] == "beta"
    assert record["platform_course_id"] == "b-7"
    assert record["status"] == "valid"

    revoked = client.post(
        f"/sandbox/v1/courses/approvals/{second['approval_number']}/revoke", headers=ADMIN
    )
    assert revoked.json()["status"] == "revoked"
    assert client.get(url, headers=ALPHA).json()["status"] == "revoked"
    reinstated = client.post(
        f"/sandbox/v1/courses/approvals/{second['approval_number']}/reinstate", headers=ADMIN
    )
    assert reinstated.json()["status"] == "valid"
    assert client.get(url, headers=ALPHA).json()["status"] == "valid"
    missing = client.get("/province/v1/courses/approvals/SXJD-1999-9999", headers=ALPHA)
    assert (missing.status_code, missing.json()) == (404, {"detail": "Unknown approval number"})
    not_there = client.post("/sandbox/v1/courses/approvals/NOPE/revoke", headers=ADMIN)
    assert not_there.status_code == 404


def test_occupations(client) -> None:
    listed = client.get("/province/v1/occupations", headers=ALPHA).json()
    names = {o["name"]: o["code"] for o in listed}
    for name in ("中式烹调师", "养老护理员", "电工", "育婴员", "电子商务师"):
        assert name in names
    assert all(re.fullmatch(r"\d-\d{2}-\d{2}-\d{2}", o["code"]) for o in listed)
    assert client.get("/sandbox/v1/occupations", headers=ADMIN).json() == listed
