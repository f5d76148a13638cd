"""Province settings: secrets only from the environment, and a clear refusal without them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
import requests

from harness.province.app import create_app
from harness.province.settings import ProvinceConfigError, ProvinceSettings, parse_platform_keys


def test_from_env_reads_token_and_keys() -> None:
    settings = ProvinceSettings.from_env(
        {
            "SXCERT_PROVINCE_ADMIN_TOKEN": " s3cret ",
            "SXCERT_PROVINCE_PLATFORM_KEYS": "ref=k-ref, vendor = k-vendor,",
        }
    )
    assert settings.is_admin_token("s3cret")
    assert not settings.is_admin_token("s3cret2")
    assert not settings.is_admin_token(None)
    assert settings.platform_for_key("k-ref") == "ref"
    assert settings.platform_for_key("k-vendor") == "vendor"
    assert settings.platform_for_key("k-other") is None
    assert settings.platform_for_key("") is None
    assert "s3cret" not in repr(settings)  # secrets stay out of logs and tracebacks


@pytest.mark.parametrize("token", [None, "", "   "])
def test_missing_admin_token_is_refused_with_a_clear_message(token: str | None) -> None:
    env = {} if token is None else {"SXCERT_PROVINCE_ADMIN_TOKEN": token}
    with pytest.raises(ProvinceConfigError, match="SXCERT_PROVINCE_ADMIN_TOKEN is not set"):
        ProvinceSettings.from_env(env)


def test_no_platform_keys_means_no_platform_may_call() -> None:
    settings = ProvinceSettings.from_env({"SXCERT_PROVINCE_ADMIN_TOKEN": "t"})
    assert settings.platform_keys == {}
    assert settings.platform_for_key("anything") is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ref", "entry 1 is not of the form"),
        ("ref=", "entry 1 is not of the form"),
        ("a=1,=2", "entry 2 is not of the form"),
        ("a=1,a=2", "names platform 'a' twice"),
        ("a=1,b=1", "the same key"),
    ],
)
def test_malformed_platform_keys_are_refused(text: str, message: str) -> None:
    with pytest.raises(ProvinceConfigError, match=message) as caught:
        parse_platform_keys(text)
    assert "=1" not in str(caught.value)  # a key is never echoed


def test_create_app_reads_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SXCERT_PROVINCE_ADMIN_TOKEN", raising=False)
    with pytest.raises(SystemExit):  # the process's entry point: a message, not a traceback
        create_app()
    assert "SXCERT_PROVINCE_ADMIN_TOKEN is not set" in capsys.readouterr().err
    monkeypatch.setenv("SXCERT_PROVINCE_ADMIN_TOKEN", "tok")
    monkeypatch.setenv("SXCERT_PROVINCE_PLATFORM_KEYS", "ref=abc")
    app = create_app()
    assert app.state.settings.platform_for_key("abc") == "ref"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _uvicorn(port: int, env: dict[str, str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "uvicorn", "--factory", "harness.province.app:create_app"]
    return subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_uvicorn_factory_serves_and_refuses_without_token() -> None:
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("SXCERT_PROVINCE_")}
    refused = _uvicorn(_free_port(), base_env)
    _, stderr = refused.communicate(timeout=30)
    assert refused.returncode != 0
    assert "SXCERT_PROVINCE_ADMIN_TOKEN is not set" in stderr

    port = _free_port()
    env = {**base_env, "SXCERT_PROVINCE_ADMIN_TOKEN": "tok", "SXCERT_PROVINCE_PLATFORM_KEYS": "r=k"}
    server = _uvicorn(port, env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{port}/sandbox/v1/health", timeout=1)
                break
            except requests.ConnectionError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                assert time.monotonic() < deadline, "province did not start"
                time.sleep(0.1)
        assert answer.status_code == 200
        assert answer.json() == {"status": "ok"}
        occupations = requests.get(
            f"http://127.0.0.1:{port}/province/v1/occupations", headers={"X-Platform-Key": "k"}
        )
        assert occupations.status_code == 200
    finally:
        server.terminate()
        server.communicate(timeout=30)
