"""The platform's own commands the profile names (backup, restore, restart), run on this machine.

Argument lists, no shell; stdin closed; bounded by the section's `timeout_seconds`. The evidence
keeps the command's name, exit code, seconds and the last line of its stderr, never its
arguments, which may carry a vendor's credentials.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path
from typing import Any

from harness.failures import CannotProbe, CheckFailure


def run_command(
    which: str, argv: list[str], timeout_s: float, section: str, file: Path | None = None
) -> dict[str, Any]:
    """Run one of the profile's commands (`{file}` filled in with `file`); answer what the
    evidence may keep. A command that fails or overruns fails the check: the platform's own
    operation did not work."""
    filled = [arg.replace("{file}", str(file)) if file else arg for arg in argv]
    began = time.monotonic()
    try:
        done = subprocess.run(
            filled, capture_output=True, text=True, timeout=timeout_s, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise CannotProbe(f"the {which} command", f"{argv[0]!r} was not found") from None
    except subprocess.TimeoutExpired:
        raise CheckFailure(
            f"The {which} command did not finish",
            received=f"still running after {timeout_s:g} s (stopped)",
            expected=f"the {which} finished within {section}.timeout_seconds",
        ) from None
    outcome = {
        "command": which,
        "exit_code": done.returncode,
        "seconds": round(time.monotonic() - began, 2),
        "stderr_last_line": (done.stderr.strip().splitlines() or [""])[-1][:300],
    }
    if done.returncode != 0:
        raise CheckFailure(f"The {which} command failed", received=outcome, expected="exit code 0")
    return outcome
