"""Fuzzed bodies to every platform-facing endpoint: always an answer below 500, always logged."""

from __future__ import annotations

import json
from urllib.parse import quote

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.province.app import create_app
from harness.province.settings import ProvinceSettings

ADMIN = {"Authorization": "Bearer admin-token"}
ALPHA = {"X-Platform-Key": "key-alpha"}

ENDPOINTS = {
    "/province/v1/identity/registrations": ("id_number", "name", "face_photo"),
    "/province/v1/identity/liveness": ("id_number", "frames"),
    "/province/v1/vouchers/verify": ("code",),
    "/province/v1/vouchers/redeem": ("code", "id_number", "course_id", "approval_number"),
    "/province/v1/courses/applications": (
        "platform_course_id",
        "title",
        "occupation_code",
        "level",
        "standard",
        "lesson_hours",
    ),
}

_app = create_app(ProvinceSettings(admin_token="admin-token", platform_keys={"a": "key-alpha"}))
CLIENT = TestClient(_app)  # raise_server_exceptions: a province bug fails the test loudly
PERSON = CLIENT.post("/sandbox/v1/identities", json={}, headers=ADMIN).json()
FACE = CLIENT.post(
    f"/sandbox/v1/identities/{PERSON['id_number']}/liveness-frames",
    json={"kind": "live", "count": 3},
    headers=ADMIN,
).json()["frames"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and infinities too: they arrive as NaN / Infinity / 1e999
    st.text(max_size=40),
    st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3),  # lone surrogates
    st.sampled_from([PERSON["id_number"], PERSON["name"], FACE[0], "junior", "4-10-01-05", ""]),
    st.text(alphabet="ABCDEFGH+/=", min_size=16, max_size=200),
    st.just("x" * 3000),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.text(st.characters(codec=None), max_size=10), inner, max_size=5),
    ),
    max_leaves=20,
)


@st.composite
def bodies(draw: st.DrawFn, fields: tuple[str, ...]) -> object:
    """Mostly the endpoint's own fields with wild values, sometimes any JSON at all."""
    if draw(st.integers(0, 4)) == 0:
        return draw(json_values)
    chosen = draw(st.lists(st.sampled_from(fields), unique=True))
    body = {name: draw(json_values) for name in chosen}
    if draw(st.booleans()) and "frames" in fields:
        body["frames"] = draw(st.lists(st.sampled_from([*FACE, "AAAA", "", "x" * 40]), max_size=6))
    if draw(st.booleans()):
        body[draw(st.text(max_size=8))] = draw(scalars)
    return body


def _log_size() -> int:
    return len(_app.state.log.entries())


def _logged_since(before: int) -> list[dict]:
    """The log entries written since, read over HTTP as the harness reads them."""
    answer = CLIENT.get("/sandbox/v1/log", params={"after_seq": before}, headers=ADMIN)
    assert answer.status_code == 200, answer.text
    return answer.json()


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_fuzzed_json_bodies_never_get_a_server_error(data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(sorted(ENDPOINTS)))
    body = data.draw(bodies(ENDPOINTS[path]))
    before = _log_size()
    raw = json.dumps(body)  # Python writes NaN / Infinity, as some clients do
    answer = CLIENT.post(path, content=raw, headers={**ALPHA, "Content-Type": "application/json"})
    assert answer.status_code < 500, (path, body, answer.text)
    assert isinstance(answer.json(), dict | list)
    if answer.status_code >= 400:
        assert "detail" in answer.json()
    (entry,) = _logged_since(before)  # logged, accepted or not
    assert (entry["status_code"], entry["platform_id"]) == (answer.status_code, "a")


@settings(max_examples=150, deadline=None)
@given(
    path=st.sampled_from(sorted(ENDPOINTS)),
    raw=st.one_of(
        st.binary(max_size=200),
        st.text(max_size=200).map(str.encode),
        st.just(b"[" * 5000),
        st.sampled_from([b'{"code": 1e999}', b'{"code": NaN, "x": -Infinity}', b"[1e999]"]),
        st.sampled_from([b'{"code": "\\ud800"}', b'{"x\\udfff": 1, "id_number": "\\udc00"}']),
        st.just(json.dumps({"frames": ["A" * 30] * 16, "id_number": "1" * 18}).encode()),
    ),
    content_type=st.sampled_from(["application/json", "text/plain", "application/x-www-form"]),
)
def test_raw_bytes_never_get_a_server_error(path: str, raw: bytes, content_type: str) -> None:
    before = _log_size()
    answer = CLIENT.post(path, content=raw, headers={**ALPHA, "Content-Type": content_type})
    assert 400 <= answer.status_code < 500, (path, raw[:80], answer.text)
    (entry,) = _logged_since(before)
    assert entry["status_code"] == answer.status_code


@settings(max_examples=100, deadline=None)
@given(number=st.text(max_size=300), key=st.sampled_from(["key-alpha", "wrong", ""]))
def test_fuzzed_approval_numbers_never_get_a_server_error(number: str, key: str) -> None:
    answer = CLIENT.get(
        "/province/v1/courses/approvals/" + quote(number, safe=""),
        headers={"X-Platform-Key": key},
    )
    assert answer.status_code < 500
