"""What the stores share for their snapshots: serial counters, and items kept as JSON text.

Serials: every store numbers what it hands out per kind (`APP-000001`, `REG-000007`); a restarted
province must go on from the last number, never hand the same one out twice.

JSON text: a province kept across runs accumulates every run's people, vouchers and calls, and it
saves before answering every changing request. Serialising all of that again each time would make
each run slower than the last, so a store turns an item into JSON once, when the item changes, and
a snapshot only joins the texts.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any


def serials_from(data: Any) -> Counter[str]:
    """The counters of a snapshot (`{"kind": last_number}`); ValueError when malformed."""
    if not isinstance(data, dict):
        raise ValueError("serials must be an object of kind → number")
    for kind, number in data.items():
        if not isinstance(kind, str) or type(number) is not int or number < 0:
            raise ValueError(f"serial {kind!r} is not a non-negative number")
    return Counter(data)


def json_text(value: object) -> str:
    """One item of a snapshot as JSON (UTF-8 kept readable: names are Chinese)."""
    return json.dumps(value, ensure_ascii=False)


def json_object(**members: str) -> str:
    """A JSON object from members that are already JSON text."""
    return "{" + ", ".join(f"{json.dumps(name)}: {text}" for name, text in members.items()) + "}"


def json_list(texts: Iterable[str]) -> str:
    """A JSON array from items that are already JSON text."""
    return "[" + ", ".join(texts) + "]"
