"""A sign-in's network address (reference_platform/client_address.py): `X-Forwarded-For` is
believed only from a trusted proxy, and then only its last entry, the one that proxy wrote."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import pytest

from harness.network_address import LEARNER_NETWORK, address_of
from reference_platform.client_address import UNKNOWN, client_address
from reference_platform.models import Login
from tests.test_reference_support import running_platform

PROXY = "127.0.0.1"


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        (PROXY, "198.18.0.7", "198.18.0.7"),
        (PROXY, "10.0.0.1, 198.18.0.7", "198.18.0.7"),  # the client's own claim comes first
        (PROXY, " 198.18.0.7 ", "198.18.0.7"),
        (PROXY, "2001:db8::1", "2001:db8::1"),
        (PROXY, None, PROXY),  # the proxy's own request
        (PROXY, "", PROXY),
        (PROXY, "not-an-address", PROXY),  # garbage is never stored as an address
        (PROXY, "198.18.0.7, <script>", PROXY),
        ("203.0.113.9", "198.18.0.7", "203.0.113.9"),  # an untrusted peer cannot choose
        (None, "198.18.0.7", UNKNOWN),
    ],
)
def test_client_address(peer, forwarded, expected):
    assert client_address(peer, forwarded, {PROXY}, believe_any_peer=False) == expected


def test_nothing_is_trusted_by_default():
    assert client_address(PROXY, "198.18.0.7", frozenset(), believe_any_peer=False) == PROXY


def test_a_device_keeps_its_address_and_devices_differ():
    assert address_of("device-A") == address_of("device-A")
    addresses = {address_of(f"device-{i}") for i in range(200)}
    assert len(addresses) >= 199  # 200 devices among 131,072 addresses: a clash is rare
    assert all(ipaddress.ip_address(a) in LEARNER_NETWORK for a in addresses)


@pytest.mark.parametrize(
    ("trusted", "stored"),
    [(frozenset({"testclient"}), "198.18.3.4"), (frozenset(), "testclient")],
    ids=["from-a-trusted-proxy", "from-anyone-else"],
)
def test_a_sign_in_keeps_its_address(tmp_path: Path, trusted, stored) -> None:
    with running_platform(tmp_path, trusted_proxies=trusted) as platform:
        person = platform.register()
        answer = platform.client.post(
            "/api/v1/login",
            json={
                "id_number": person.id_number,
                "password": person.password,
                "device_id": "dev-1",
                "liveness_frames": platform.frames(person),
            },
            headers={"X-Forwarded-For": "10.9.9.9, 198.18.3.4"},
        )
        assert answer.status_code == 200, answer.text
        sessions = platform.client.app.state.platform.sessions  # type: ignore[attr-defined]
        with sessions() as db:
            login = db.get(Login, answer.json()["login_id"])
            assert login is not None and login.address == stored
