"""A real process restart for the certification instance's restart hook (ARCH-01).

The hook exists so that the harness can prove an unsent archive record survives a restart. A
restart simulated inside the process (stop a worker, clear a queue) proves only what the
simulation remembered to forget; replacing the process image with a fresh interpreter (exec,
same PID, same listening socket) forgets everything a crash-and-start would: every thread, queue,
cache, connection and half-done transaction. Only the database is kept.

An instance can replace itself only when it is a server process of its own: started by
`sxcert reference serve` or by the harness's server launcher (harness/servers.py), which set
OWN_PROCESS_VARIABLE. An app embedded in another program (the tests' in-process client) cannot
exec without replacing that program, so there the hook restarts the background workers instead.

The runtime switches of the detection matrix (defects and alternatives switched while running)
live in memory; the new image gets them through its environment, so a restart changes no rule.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Iterable, Mapping

from harness.spec.test_hooks import OWN_PROCESS_VARIABLE
from reference_platform.settings import ENV_PREFIX

log = logging.getLogger(__name__)

# A new one with every process image: the harness sees in GET /health that the process restarted.
BOOT_ID = uuid.uuid4().hex

# Time for the hook's 202 to leave the socket before the image is replaced.
EXEC_DELAY_S = 0.2


def can_exec() -> bool:
    """True when this process serves the app alone and may replace itself."""
    return os.environ.get(OWN_PROCESS_VARIABLE) == "1"


def environment_for_restart(
    defects: Iterable[str], alternatives: Iterable[str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """This process's environment, with the defects and alternatives switched on now."""
    env = dict(os.environ if environ is None else environ)
    env[f"{ENV_PREFIX}DEFECTS"] = ",".join(sorted(defects))
    env[f"{ENV_PREFIX}ALTERNATIVES"] = ",".join(sorted(alternatives))
    return env


def exec_soon(env: Mapping[str, str], delay_s: float = EXEC_DELAY_S) -> None:
    """Replace this process with a fresh start of the same command line, after `delay_s`."""

    def replace_image() -> None:
        time.sleep(delay_s)
        log.warning("restarting: replacing the process image (test hook)")
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        os.execve(sys.executable, sys.orig_argv, dict(env))

    threading.Thread(target=replace_image, name="process-restart", daemon=True).start()
