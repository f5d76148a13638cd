"""Test hooks of certification instances: the platform's clock, its restart."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from harness.spec.base import In, Out


class ClockOut(Out):
    now: dt.datetime


class ClockAdvanceIn(In):
    seconds: float = Field(ge=0, le=10 * 366 * 86400)


# Set by a launcher whose process serves one app and nothing else (`sxcert reference serve`, the
# harness's server launcher): only there may the restart hook replace the process image, which
# would end any other program with it. An instance's environment, not the wire: it lives here
# because both sides of the restart contract read it.
OWN_PROCESS_VARIABLE = "SXCERT_OWN_PROCESS"


class RestartOut(Out):
    """The 202 answer of a restart under way: the process's boot id before it restarts (the
    harness waits for GET /health to show another one)."""

    boot_id: str
