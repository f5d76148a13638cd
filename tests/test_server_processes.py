"""The reference served by several processes on one socket (`sxcert load` starts one per core
for the embedded reference): uvicorn's supervisor spawns them, every one answers, they share
the database, the restart hook does not replace a spawned process's image, and stopping the
server ends them all."""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

from harness.embedded import embedded_target
from tests.conftest import processes_with_env


def _boot_ids_seen(health: str, within_s: float) -> set[str]:
    """Boot ids answered to bursts of concurrent requests (the kernel hands an idle process the
    next connection, so one at a time may keep meeting the same one), until two are seen."""
    seen: set[str] = set()
    deadline = time.monotonic() + within_s
    with ThreadPoolExecutor(8) as pool:
        while len(seen) < 2 and time.monotonic() < deadline:
            answers = pool.map(lambda _: requests.get(health, timeout=5).json(), range(16))
            seen |= {answer["boot_id"] for answer in answers}
    return seen


def test_two_processes_serve_one_instance_and_stop_together(tmp_path: Path) -> None:
    marker = f"SXCERT_REF_DATABASE_URL=sqlite:///{tmp_path / 'reference.db'}"
    with embedded_target(tmp_path, processes=2) as profile:
        url = str(profile.target.base_url).rstrip("/")
        boots = _boot_ids_seen(url + "/api/v1/health", within_s=30)
        assert len(boots) == 2  # each answering process has its own boot
        serving = processes_with_env(marker)
        assert len(serving) >= 3  # the supervisor and its two servers
        assert os.getpid() not in serving
        # one instance: the clock one process moves is the other's too
        token = profile.target.test_token
        headers = {"Authorization": f"Bearer {token}"}
        moved = requests.post(
            url + "/api/v1/test/clock/advance", json={"seconds": 86400}, headers=headers, timeout=5
        )
        assert moved.status_code == 200, moved.text
        nows = {
            requests.get(url + "/api/v1/test/clock", headers=headers, timeout=5).json()["now"][:13]
            for _ in range(20)
        }
        assert len(nows) == 1
        # a spawned process may not replace its image: it restarts its workers (204)
        restarted = requests.post(url + "/api/v1/test/restart", headers=headers, timeout=5)
        assert restarted.status_code == 204, restarted.text
    assert [pid for pid in processes_with_env(marker) if pid != os.getpid()] == []
