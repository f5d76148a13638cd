"""The province's clock: the real time in Asia/Shanghai.

The province is not under the platform's test clock (it is a separate authority), so it reads the
real clock; every time it hands out carries the +08:00 offset of the interface's calendar rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")  # China has kept UTC+8, no DST
Clock = Callable[[], dt.datetime]


def shanghai_now() -> dt.datetime:
    """Now, aware, at +08:00, to the millisecond (enough for evidence, easy to read)."""
    now = dt.datetime.now(SHANGHAI)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)
