"""The restart hook of a reference served as its own process replaces the process image (ARCH-01
proves a push survives a real restart, not a simulated one): a new boot id, every thread but the
main one new, the test clock and the runtime-switched defects kept, and the platform serving on
the same socket. An app embedded in another program restarts its workers instead (204).

A profile's `[restart]` command is run instead of the hook, and the new boot awaited; a command
that fails, overruns or restarts nothing fails the check."""

from __future__ import annotations

import os
import secrets
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from harness.checks.archive import restart_platform
from harness.embedded import PLATFORM_HEALTH, REFERENCE_FACTORY
from harness.failures import CheckFailure
from harness.profile import RestartCommand
from harness.servers import ServerProcess, start_server, stop
from harness.supervision import TestClock
from reference_platform.process_restart import environment_for_restart

PLATFORM_ID = "restart-test"


def _unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[ServerProcess, str]]:
    token = secrets.token_urlsafe(24)
    env = {
        "SXCERT_REF_DATABASE_URL": f"sqlite:///{tmp_path / 'restart.db'}",
        "SXCERT_REF_PLATFORM_ID": PLATFORM_ID,
        "SXCERT_REF_PROVINCE_URL": f"http://127.0.0.1:{_unused_port()}",  # nothing answers
        "SXCERT_REF_PROVINCE_KEY": secrets.token_urlsafe(24),
        "SXCERT_REF_TEST_TOKEN": token,
        "SXCERT_REF_DEFECT_SWITCH": "1",
        "SXCERT_REF_DEFECTS": "",
    }
    server = start_server("reference", REFERENCE_FACTORY, env, tmp_path / "logs", PLATFORM_HEALTH)
    try:
        yield server, token
    finally:
        stop(server)


def _threads(pid: int) -> set[str]:
    return set(os.listdir(f"/proc/{pid}/task")) - {str(pid)}


def test_the_hook_replaces_the_process_and_keeps_the_data(
    served: tuple[ServerProcess, str],
) -> None:
    server, token = served
    headers = {"Authorization": f"Bearer {token}"}
    clock = TestClock(server.url, requests.Session(), token)
    moved = clock.advance(3 * 86400)
    switched = requests.put(
        server.url + "/api/v1/test/defects",
        json={"names": ["archive_push_lost_on_restart"]},
        headers=headers,
        timeout=5,
    )
    assert switched.status_code == 200, switched.text
    threads_before = _threads(server.process.pid)
    assert threads_before  # the pusher and the server's worker threads

    restarted = clock.restart()

    assert restarted.how == "hook answered 202"
    assert restarted.boot_id_before and restarted.boot_id_after
    assert restarted.boot_id_before != restarted.boot_id_after
    assert server.process.poll() is None  # the same process (exec keeps the PID), serving
    assert threads_before.isdisjoint(_threads(server.process.pid))  # no thread survived
    assert clock.now() >= moved  # the clock is data: kept
    # The runtime switch came through the new image's environment (as it started with it).
    environ = Path(f"/proc/{server.process.pid}/environ").read_bytes().split(b"\0")
    assert b"SXCERT_REF_DEFECTS=archive_push_lost_on_restart" in environ
    log = server.log_path.read_text()
    assert "replacing the process image" in log


def test_the_new_image_gets_the_switched_sets() -> None:
    env = environment_for_restart(
        ["b_defect", "a_defect"], ["alt"], {"SXCERT_REF_DEFECTS": "", "PATH": "/bin"}
    )
    assert env == {
        "SXCERT_REF_DEFECTS": "a_defect,b_defect",
        "SXCERT_REF_ALTERNATIVES": "alt",
        "PATH": "/bin",
    }


def _probe_with_restart(
    server: ServerProcess, token: str, command: list[str], timeout_s: float
) -> Any:
    """What `restart_platform` reads of a probe: the profile's [restart] and the hooks client."""
    restart = RestartCommand(command=command, timeout_seconds=timeout_s)
    return SimpleNamespace(
        profile=SimpleNamespace(restart=restart),
        clock=TestClock(server.url, requests.Session(), token),
    )


def test_a_restart_command_is_run_and_the_new_boot_awaited(
    served: tuple[ServerProcess, str],
) -> None:
    server, token = served
    # A vendor's command would be `systemctl restart …`; this one asks the reference to exec.
    code = (
        "import sys, requests; requests.post(sys.argv[1] + '/api/v1/test/restart',"
        " headers={'Authorization': 'Bearer ' + sys.argv[2]}, timeout=5).raise_for_status()"
    )
    command = [sys.executable, "-c", code, server.url, token]
    restarted = restart_platform(_probe_with_restart(server, token, command, 30))
    assert restarted.how.startswith("[restart] command: exit 0")
    assert restarted.boot_id_before and restarted.boot_id_after != restarted.boot_id_before


@pytest.mark.parametrize(
    ("code", "timeout_s", "failure"),
    [
        ("pass", 1.5, "did not serve again within 1.5 s"),  # exits 0, restarts nothing
        ("raise SystemExit(3)", 5, "The restart command failed"),
        ("import time; time.sleep(30)", 1, "The restart command did not finish"),
    ],
    ids=["restarts-nothing", "exit-3", "overruns"],
)
def test_a_restart_command_that_does_not_restart_fails_the_check(
    served: tuple[ServerProcess, str], code: str, timeout_s: float, failure: str
) -> None:
    server, token = served
    probe = _probe_with_restart(server, token, [sys.executable, "-c", code], timeout_s)
    with pytest.raises(CheckFailure, match=failure):
        restart_platform(probe)
