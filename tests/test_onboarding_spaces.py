"""The spaces the onboarding checks try are what their docstrings say: every "invalid" ID number
really breaks GB 11643 in the one part named (so no compliant platform is failed for refusing
to refuse a valid number), samples are reproducible, and parallel probes keep their order."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import strategies as st

from harness.checks import id_numbers
from harness.checks._support import drawn, in_parallel
from harness.spec import resident_id

VALID = resident_id.build("140105", dt.date(1990, 5, 17), 123)
TODAY = dt.date(2026, 12, 3)


def test_every_invalid_number_is_refused_by_the_rule() -> None:
    cases = id_numbers.invalid_numbers(VALID, TODAY + dt.timedelta(days=1))
    for case, number in cases.items():
        with pytest.raises(resident_id.InvalidResidentId):
            resident_id.parse(number, today=TODAY)
        assert number != VALID, case


def test_only_the_named_part_is_broken() -> None:
    cases = id_numbers.invalid_numbers(VALID, TODAY + dt.timedelta(days=1))
    for case, number in cases.items():
        if len(number) == 18 and not case.startswith("wrong check digit") and "inside" not in case:
            assert resident_id.check_digit(number[:17]) == number[17], case
        if case.startswith("unknown region prefix"):
            assert number[2:17] == VALID[2:17], case
    assert {f"unknown region prefix {p}" for p in ("00", "99", "10", "16", "80", "84")} <= set(
        cases
    )
    assert sum(c.startswith("wrong check digit") for c in cases) == 10


def test_tolerated_and_known_prefixes_are_never_tried_as_unknown() -> None:
    tried = set(id_numbers.UNKNOWN_PREFIXES)
    assert tried.isdisjoint(resident_id.PROVINCE_PREFIXES)
    assert tried.isdisjoint(id_numbers.TOLERATED_PREFIXES)
    assert len(tried) == 100 - len(resident_id.PROVINCE_PREFIXES | id_numbers.TOLERATED_PREFIXES)


def test_drawn_samples_are_bounded_distinct_and_reproducible() -> None:
    first = drawn(st.sampled_from(id_numbers.UNKNOWN_PREFIXES), 6)
    assert first == drawn(st.sampled_from(id_numbers.UNKNOWN_PREFIXES), 6)
    assert len(first) == 6 == len(set(first))


def test_in_parallel_keeps_order_and_raises_the_first_failure_after_all_ran() -> None:
    assert in_parallel(lambda i=i: i * i for i in range(7)) == [0, 1, 4, 9, 16, 25, 36]
    finished: list[int] = []
    lock = threading.Lock()

    def probe(i: int) -> None:
        with lock:
            finished.append(i)
        if i in (2, 4):
            raise ValueError(f"probe {i}")

    with pytest.raises(ValueError, match="probe 2"):
        in_parallel(lambda i=i: probe(i) for i in range(6))
    assert sorted(finished) == list(range(6))
