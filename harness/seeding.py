"""One run seed for the harness side's randomness, written into report.json; `--seed N` repeats it.

Every check starts with `draws` (the harness's own `random.Random`) and Python's `random` seeded
from the run seed and the check's name, so a check's draws do not depend on which checks ran
before it. Harness code draws from `rng()` (that is `draws`, or in probes run side by side in
threads, each probe's own generator seeded in order from it: `with_own_draws`, so the draws do not
depend on which thread runs first). Not from the module-level `random`: Hypothesis reseeds it to
one fixed value inside every example, so draws made there would repeat between examples and checks.

What follows the seed (the same `--seed` against a fresh province repeats it):
- fresh identities: the harness draws the birth date (an age of 19–49), the Shanxi county code and
  the sex of every person it does not specify, and a `seed` for the province's own draw (the
  sequence number and the name, `POST /sandbox/v1/identities`); the province takes the first
  free candidate that seed orders, so a province that already used that number (a long-lived
  one, or a second `--repeat`) gives the next one, deterministically, and still never twice;
- the state machines: the first exploration runs under a Hypothesis seed drawn from `draws`, and
  its retries after an inconsistent replay under seeds derived from that one (`attempt_seeds`);
- other harness-side draws, e.g. the unknown voucher code of VOUCH-01.

What does not, and why:
- learners' passwords: drawn with `secrets` on purpose: a seed in a report must not let a reader
  sign in as the test learners;
- the values `scenarios.spaces.drawn` and `checks._support.drawn` take from Hypothesis (rates,
  region prefixes): under a fixed seed, the same on every run whatever the run seed, so every
  platform is probed at the same values;
- what the platform under test draws (capture moments, ids, tokens) and what the province draws
  without the harness (serials, voucher codes): outside the harness, so a repeated run can still
  see other capture moments; a state machine's replay that differs because of them is reported
  as such;
- a province that outlives runs: its numbers already taken shift the people a seed gives.
"""

from __future__ import annotations

import functools
import hashlib
import random
import secrets
import threading
from collections.abc import Callable, Iterable
from typing import TypeVar

SEED_BITS = 32


def new_seed() -> int:
    return secrets.randbits(SEED_BITS)


def check_seed(run_seed: int, check_name: str) -> int:
    """A check's own seed: stable for the same run seed and name, unrelated between names."""
    digest = hashlib.sha256(f"{run_seed}:{check_name}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


# The harness's own generator: seeded with `random` before each check. Harness code draws from
# it rather than from the module-level `random`, which Hypothesis reseeds (to the same value)
# inside every example it runs: drawn there, every state machine's people would be the same.
draws = random.Random()
_own = threading.local()
T = TypeVar("T")


def rng() -> random.Random:
    """The generator harness code draws from: the calling thread's own when `with_own_draws`
    gave it one, else `draws`."""
    own: random.Random | None = getattr(_own, "rng", None)
    return own if own is not None else draws


def with_own_draws(calls: Iterable[Callable[[], T]]) -> list[Callable[[], T]]:
    """Each call with its own generator, seeded in order from the current one: calls run in
    threads then draw the same values whichever thread happens to run first."""
    parent = rng()
    return [
        functools.partial(_drawing_from, random.Random(parent.getrandbits(64)), call)
        for call in calls
    ]


def _drawing_from(own: random.Random, call: Callable[[], T]) -> T:
    previous = getattr(_own, "rng", None)
    _own.rng = own
    try:
        return call()
    finally:
        _own.rng = previous


def derived_seed(seed: int, purpose: str) -> int:
    """A seed for one purpose (a retry, a sub-draw), stable for the same seed and purpose."""
    digest = hashlib.sha256(f"{seed}:{purpose}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1  # below 2**63: fits a signed 64-bit integer
