"""Loopback never goes through a proxy (harness/proxies.py).

A vendor's CI behind a corporate proxy sets HTTP_PROXY; before, `requests` sent the embedded
run's calls to 127.0.0.1 through it, and certify ended at start-up ("province did not answer
within 30 s"). Probed: the variables as set (either spelling, with a NO_PROXY that omits
loopback), and a real certify run — browser probe included — with every proxy variable naming a
listening "proxy" that must see no connection at all: not the run's calls to its embedded
servers, and not Chromium's own calls to Google's hosts (its proxy goes nowhere in such a run).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import requests

from harness.proxies import (
    LOOPBACK,
    DirectLoopbackSession,
    bypass_proxies_for_loopback,
    is_loopback_url,
)
from tests.conftest import read_report, run_sxcert


def test_without_a_proxy_nothing_is_changed() -> None:
    environ = {"PATH": "/bin", "NO_PROXY": "example.org"}
    bypass_proxies_for_loopback(environ)
    assert environ == {"PATH": "/bin", "NO_PROXY": "example.org"}


@pytest.mark.parametrize("proxy", ["HTTP_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
def test_a_proxy_keeps_its_exceptions_and_gains_loopback(proxy: str) -> None:
    environ = {proxy: "http://proxy.corp:3128", "no_proxy": "intranet.corp, .corp"}
    bypass_proxies_for_loopback(environ)
    for name in ("NO_PROXY", "no_proxy"):
        entries = set(environ[name].split(","))
        assert entries == {"intranet.corp", ".corp", *LOOPBACK}, environ
    assert environ[proxy] == "http://proxy.corp:3128"  # a real target still goes through it


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8000/api", True),
        ("http://127.9.9.9/", True),
        ("http://localhost:1/x", True),
        ("http://[::1]:80/", True),
        ("https://platform.example.org/", False),
        ("http://10.0.0.1/", False),
        ("http://127.0.0.1.example.org/", False),
        ("not a url", False),
    ],
)
def test_loopback_urls(url: str, loopback: bool) -> None:
    assert is_loopback_url(url) is loopback


def test_the_session_skips_the_environments_proxy_only_for_loopback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://proxy.corp:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.corp:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/vendor.pem")
    session = DirectLoopbackSession()
    local = session.merge_environment_settings("https://127.0.0.1:8443/", {}, None, None, None)
    assert local["proxies"] == {} and local["verify"] == "/etc/ssl/vendor.pem"
    remote = session.merge_environment_settings(
        "https://platform.example.org/", {}, None, None, None
    )
    assert remote["proxies"]["https"] == "http://proxy.corp:3128"
    assert remote["verify"] == "/etc/ssl/vendor.pem"
    explicit = session.merge_environment_settings(
        "http://127.0.0.1/", {"http": "http://chosen:1"}, None, False, None
    )
    assert explicit["proxies"] == {"http": "http://chosen:1"} and explicit["verify"] is False
    session.trust_env = False
    assert (
        session.merge_environment_settings("https://x.org/", {}, None, None, None)["proxies"] == {}
    )


def test_a_netrc_entry_never_replaces_a_loopback_calls_own_authorization(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A `.netrc` naming the machine: a loopback call keeps the Authorization header the probe
    set (requests would otherwise replace it with the entry's basic credentials); a call to
    another host still gets the entry's credentials, as requests gives them."""
    netrc = tmp_path / "netrc"
    netrc.write_text(
        "machine 127.0.0.1 login someone password secret\n"
        "machine platform.example.org login vendor password theirs\n"
    )
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    session = DirectLoopbackSession()
    own = {"Authorization": "Bearer probe-token"}
    local = session.prepare_request(
        requests.Request("GET", "http://127.0.0.1:8000/api/v1/me", headers=own)
    )
    assert local.headers["Authorization"] == "Bearer probe-token"
    unsigned = session.prepare_request(requests.Request("GET", "http://127.0.0.1:8000/"))
    assert "Authorization" not in unsigned.headers
    remote = session.prepare_request(requests.Request("GET", "https://platform.example.org/"))
    assert remote.headers["Authorization"].startswith("Basic ")
    session.trust_env = False
    plain = session.prepare_request(requests.Request("GET", "https://platform.example.org/"))
    assert "Authorization" not in plain.headers


@pytest.fixture
def proxy() -> Iterator[tuple[str, list[bytes]]]:
    """A listening 'proxy' that records the first bytes of every connection made to it."""
    seen: list[bytes] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    seen.append(conn.recv(200))
                except OSError:
                    seen.append(b"")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}", seen
    stop.set()
    thread.join(2)
    server.close()


def test_a_run_behind_a_proxy_reaches_its_embedded_servers_directly(tmp_path, proxy) -> None:
    url, seen = proxy
    env = {
        name: url
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy")
    }
    env |= {"NO_PROXY": "intranet.corp", "no_proxy": "intranet.corp"}
    out = tmp_path / "out"
    done = run_sxcert(
        "certify", "--only", "ID-01,ID-02", "--skip-load", "--out", str(out), env=env, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = read_report(out)
    assert report["verdict"] == "ADMIT"
    kinds = {c["kind"] for cl in report["clauses"] for c in cl["checks"] if c["status"] == "pass"}
    assert {"api", "browser"} <= kinds, kinds  # the browser probe ran behind the proxy too
    assert seen == [], seen
