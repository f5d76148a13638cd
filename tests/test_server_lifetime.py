"""Servers end with the process that started them (harness/servers.py), also after the
reference's restart hook replaced their process image.

Found at stop 38: a reference server of the detection matrix's switchable fixture was still
serving two hours after its test run was killed, its parent PID 1. The parent's death signal
belongs to the thread that asked for it, and the restart hook replaces the process image from
another thread, so a restarted server had lost it. Probed: a real program that starts the
embedded province and reference (with the defect switch, as the matrix does), restarts the
reference or not, and is then killed with SIGKILL (no handler, no atexit) or ended with SIGTERM;
every server it started must be gone within a few seconds.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

PROGRAM = textwrap.dedent(
    """
    import sys, time, requests
    from pathlib import Path
    from harness.embedded import embedded_target

    with embedded_target(Path(sys.argv[1]), defect_switch=True) as profile:
        target = profile.target
        if sys.argv[2] == "restart":
            answer = requests.post(
                target.url + "/api/v1/test/restart",
                headers={"Authorization": f"Bearer {target.test_token}"},
                timeout=10,
            )
            assert answer.status_code == 202, answer.text
            time.sleep(1.0)  # the image is replaced after a short delay
            for _ in range(100):
                try:
                    if requests.get(target.url + "/api/v1/health", timeout=1).ok:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.1)
        print("READY", flush=True)
        time.sleep(120)
    """
)


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the death signal is Linux's")
@pytest.mark.parametrize(
    ("restart", "signal_number"),
    [
        ("restart", signal.SIGKILL),
        ("restart", signal.SIGTERM),
        ("no-restart", signal.SIGKILL),
    ],
)
def test_servers_end_with_their_parent(
    tmp_path: Path, restart: str, signal_number: signal.Signals
) -> None:
    program = subprocess.Popen(
        [sys.executable, "-c", PROGRAM, str(tmp_path), restart],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    servers: list[int] = []
    try:
        assert program.stdout is not None
        line = program.stdout.readline()
        assert line.strip() == "READY", line + program.stdout.read(2000)
        servers = [child.pid for child in psutil.Process(program.pid).children()]
        assert len(servers) == 2, "the province and the reference"
        os.kill(program.pid, signal_number)
        program.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in servers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in servers if _alive(pid)], "a server outlived its parent"
    finally:
        program.kill()
        program.wait(timeout=10)
        for pid in servers:  # only ours, by PID, should the assertion above have failed
            if _alive(pid):
                os.killpg(pid, signal.SIGKILL)
