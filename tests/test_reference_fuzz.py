"""Bad input never gets a 5xx: fuzzed bodies for registration, login, enrolment and friends.

Bodies mix plausible values (valid and invalid ID numbers, real and fake images, known and unknown
vouchers) with arbitrary JSON and raw bytes, so the fuzzer reaches the deep paths as well as the
validators. Any unexpected exception would also surface here: the TestClient re-raises it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from harness.spec.identity import LoginOut, RegistrationOut
from harness.spec.vouchers import EnrolmentOut
from reference_platform import routers
from tests.test_reference_support import (
    CARE,
    Person,
    PlatformDriver,
    image_b64,
    live_frames,
    new_id_number,
    running_platform,
)

FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PlatformDriver]:
    with running_platform(tmp_path_factory.mktemp("fuzz")) as driver:
        yield driver


@pytest.fixture(scope="module")
def pool(platform: PlatformDriver) -> dict[str, Any]:
    """People, tokens and vouchers the fuzzed bodies draw from."""
    registered = platform.register()
    headers = platform.learner_headers(registered)
    other = platform.register()
    fresh = [Person(*platform.province.new_person()) for _ in range(5)]
    issue = platform.province.issue_voucher
    vouchers = [issue(registered.id_number) for _ in range(3)] + [
        issue(registered.id_number, CARE),
        issue(registered.id_number, employment_status="retired"),
        issue(other.id_number),
        issue(registered.id_number, state="redeemed"),
    ]
    good = registered.id_number
    ids = [good, good.lower(), other.id_number, new_id_number(), good[:17] + "Y", good[:-1] + "0"]
    ids += [person.id_number for person in fresh]
    return {
        "registered": registered,
        "headers": headers,
        "fresh": fresh,
        "ids": ids,
        "vouchers": vouchers,
        "names": [registered.name] + [p.name for p in fresh],
    }


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
GOOD_IMAGES = [image_b64(3), image_b64(4, "JPEG")]
BAD_IMAGES = [
    base64.b64encode(b"\x89PNG\r\n\x1a\n" * 8).decode(),
    "////" * 8,
    "not base64 !" * 3,
    "A" * 2_000_001,
    "",
]
images = st.sampled_from(GOOD_IMAGES + BAD_IMAGES)


Field = tuple[list[Any], st.SearchStrategy[Any]]  # (plausible values, a weird strategy)


@st.composite
def _bodies(draw: st.DrawFn, fields: dict[str, Field]) -> Any:
    """Mostly plausible bodies (to reach the deep paths), some with one field broken, some junk."""
    kind = "plausible"
    if draw(st.booleans()):  # (hypothesis favours early list items; booleans stay near 50/50)
        kind = draw(st.sampled_from(["one broken", "anything", "junk"]))
    if kind == "junk":
        return draw(json_values)
    if kind == "anything":
        optional = {
            name: st.sampled_from(good) | weird | json_values
            for name, (good, weird) in fields.items()
        }
        return draw(st.fixed_dictionaries({}, optional=optional))
    body = {name: draw(st.sampled_from(good)) for name, (good, _) in fields.items()}
    if kind == "one broken" and body:
        name = draw(st.sampled_from(sorted(body)))
        action = draw(st.sampled_from(["drop", "weird", "weird", "junk", "add"]))
        if action == "drop":
            del body[name]
        elif action == "weird":
            body[name] = draw(fields[name][1])
        elif action == "junk":
            body[name] = draw(json_values)
        else:
            body[draw(st.text(max_size=10))] = draw(json_values)
    return body


def _raw(body: Any, data: st.DataObject) -> tuple[bytes, dict[str, str]]:
    """Encode as JSON (NaN allowed: not valid JSON), sometimes mangled or mislabelled."""
    content = json.dumps(body, allow_nan=True, ensure_ascii=data.draw(st.booleans())).encode()
    if data.draw(st.booleans()) and data.draw(st.booleans()) and data.draw(st.booleans()):
        # A fraction, not an index: the draw must not depend on the body's length, which may
        # depend on state (e.g. a heartbeat's next seq).
        cut = int(data.draw(st.floats(0, 1)) * len(content))
        content = content[:cut] + data.draw(st.binary(max_size=8))
    content_type = "application/json"
    if data.draw(st.booleans()) and data.draw(st.booleans()) and data.draw(st.booleans()):
        content_type = data.draw(
            st.sampled_from(["text/plain", "", "application/x-www-form-urlencoded"])
        )
    return content, ({"content-type": content_type} if content_type else {})


def _post(platform: PlatformDriver, path: str, body: Any, data: st.DataObject, **headers: str):
    content, extra = _raw(body, data)
    answer = platform.client.post(path, content=content, headers=headers | extra)
    assert answer.status_code < 500, (path, body, answer.text)
    detail = answer.json().get("detail") if answer.status_code >= 400 else None
    if isinstance(detail, list):  # FastAPI's field errors: the first one's kind is enough
        detail = f"{detail[0]['type']} at {detail[0]['loc'][:2]}" if detail else ""
    event(f"{answer.status_code} {detail or ''}")  # shows how deep the fuzzing gets
    if answer.status_code >= 400 and answer.status_code != 405:
        assert "detail" in answer.json()
    return answer


@FUZZ
@given(data=st.data())
def test_fuzzed_registration_never_errors(
    platform: PlatformDriver, pool: dict[str, Any], data: st.DataObject
) -> None:
    person: Person = data.draw(st.sampled_from([*pool["fresh"], pool["registered"]]))
    fields: dict[str, Field] = {
        "name": ([person.name], st.sampled_from(pool["names"]) | st.text(max_size=50)),
        "id_number": (
            [person.id_number],
            st.sampled_from(pool["ids"]) | st.text(min_size=17, max_size=19),
        ),
        "password": (["a-good-password"], st.text(min_size=6, max_size=130)),
        "phone": (["13800000000", None], st.sampled_from(["1380000000x", ""])),
        "face_photo": (GOOD_IMAGES, images),
        "id_card_photo": (GOOD_IMAGES, images),
    }
    answer = _post(platform, "/api/v1/learners", data.draw(_bodies(fields)), data)
    if answer.status_code == 201:
        RegistrationOut.model_validate(answer.json())


@FUZZ
@given(data=st.data())
def test_fuzzed_login_never_errors(
    platform: PlatformDriver, pool: dict[str, Any], data: st.DataObject
) -> None:
    registered: Person = pool["registered"]
    fields: dict[str, Field] = {
        "id_number": ([registered.id_number], st.sampled_from(pool["ids"]) | st.text()),
        "password": ([registered.password], st.text(max_size=130)),
        "device_id": (["dev-1", "dev-2"], st.text(max_size=70)),
        "liveness_frames": (
            [platform.frames(registered), live_frames(), [image_b64(7)] * 3],
            st.lists(images, max_size=17),
        ),
    }
    answer = _post(platform, "/api/v1/login", data.draw(_bodies(fields)), data)
    if answer.status_code == 200:
        LoginOut.model_validate(answer.json())
        pool["headers"] = {"Authorization": f"Bearer {answer.json()['token']}"}


@FUZZ
@given(data=st.data())
def test_fuzzed_enrolment_never_errors(
    platform: PlatformDriver, pool: dict[str, Any], data: st.DataObject
) -> None:
    courses = ["crs-cook-junior-a", "crs-cook-junior-b", "crs-care-intermediate"]
    fields: dict[str, Field] = {
        "course_id": (courses, st.text(max_size=70)),
        "voucher_code": (pool["vouchers"], st.text(max_size=70)),
    }
    answer = _post(
        platform, "/api/v1/enrolments", data.draw(_bodies(fields)), data, **pool["headers"]
    )
    if answer.status_code == 201:
        EnrolmentOut.model_validate(answer.json())


OTHER_POSTS: dict[str, dict[str, Field]] = {
    "/api/v1/supervision/token": {
        "username": (["hr-authority"], st.text(max_size=70)),
        "password": (["authority-password-for-tests", "guess"], st.text(max_size=130)),
    },
    "/api/v1/test/clock/advance": {"seconds": ([0, 1.5, -1], st.floats() | st.integers())},
    "/api/v1/logout": {},
}


@FUZZ
@given(data=st.data(), path=st.sampled_from(sorted(OTHER_POSTS)))
def test_fuzzed_other_posts_never_error(
    platform: PlatformDriver, data: st.DataObject, path: str
) -> None:
    body = data.draw(_bodies(OTHER_POSTS[path]))
    tokens = ["Bearer test-hook-token", "Bearer x", "Basic abc", "", "Bearer"]
    _post(platform, path, body, data, Authorization=data.draw(st.sampled_from(tokens)))


@FUZZ
@given(
    learner_id=st.text(max_size=80), id_number=st.text(max_size=30), course_id=st.text(max_size=80)
)
def test_fuzzed_query_and_path_params_never_error(
    platform: PlatformDriver, learner_id: str, id_number: str, course_id: str
) -> None:
    headers = platform.supervisor_headers()
    for path in ("learners", "enrolments", "logins", "liveness-events"):
        answer = platform.client.get(
            f"/api/v1/supervision/{path}",
            params={"learner_id": learner_id, "id_number": id_number},
            headers=headers,
        )
        assert answer.status_code < 500
    for path in (
        f"/api/v1/supervision/learners/{quote(learner_id, safe='')}/face-photo",
        f"/api/v1/courses/{quote(course_id, safe='')}/lessons",
    ):
        assert platform.client.get(path, headers=headers).status_code < 500


def test_malformed_bodies_get_a_reason(platform: PlatformDriver) -> None:
    for content, content_type in [
        (b"{", "application/json"),
        (b"\xff\xfe", "application/json"),
        (b'{"name": 1}', "application/json"),
        (b"", "application/json"),
        (b"[]", "application/json"),
        (b'{"a":1}', "text/plain"),
    ]:
        answer = platform.client.post(
            "/api/v1/learners", content=content, headers={"content-type": content_type}
        )
        assert 400 <= answer.status_code < 500
        assert answer.json()["detail"]


def test_validation_errors_do_not_echo_secrets(platform: PlatformDriver) -> None:
    body = {
        "id_number": "1" * 18,
        "password": "my-secret-password",
        "device_id": "",
        "liveness_frames": [],
    }
    answer = platform.client.post("/api/v1/login", json=body)
    assert answer.status_code == 422
    assert "my-secret-password" not in answer.text


def test_a_genuine_bug_is_a_logged_500(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("deliberate bug")

    monkeypatch.setattr(routers.courses, "offered_out", broken)
    with running_platform(tmp_path, raise_server_exceptions=False) as driver:
        answer = driver.client.get("/api/v1/courses")
    assert (answer.status_code, answer.json()) == (500, {"detail": "Internal server error"})
    assert any(
        "deliberate bug" in (record.exc_text or "") or record.exc_info for record in caplog.records
    )
