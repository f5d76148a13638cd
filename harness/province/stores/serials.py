"""Serial counters (`APP-000001`, `REG-000007`, ...) as they are saved and read back.

Every store numbers what it hands out per kind; a restarted province must go on from the last
number, never hand the same one out twice, so the counters are part of each store's snapshot.
"""

from __future__ import annotations

from collections import Counter
from typing import Any


def serials_from(data: Any) -> Counter[str]:
    """The counters of a snapshot (`{"kind": last_number}`); ValueError when malformed."""
    if not isinstance(data, dict):
        raise ValueError("serials must be an object of kind → number")
    for kind, number in data.items():
        if not isinstance(kind, str) or type(number) is not int or number < 0:
            raise ValueError(f"serial {kind!r} is not a non-negative number")
    return Counter(data)
