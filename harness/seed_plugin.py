"""The pytest side of the run seed: seeds the harness's draws before each check.

Kept apart from `harness.seeding` so that the journeys (harness/scenarios/), which draw from it,
import without pytest (a load worker runs them outside any test session).
"""

from __future__ import annotations

import random

import pytest

from harness.seeding import check_seed, draws


class RunSeed:
    """pytest plugin: seed `random` and `draws` before each check from the run seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item: pytest.Item) -> None:
        own = check_seed(self.seed, item.name)
        random.seed(own)
        draws.seed(own)
