"""The subsidy cohort's calendar (harness/checks/_subsidy_support.py): which quarters it files, so
that every quarter number and the year's end are among them."""

from __future__ import annotations

import datetime as dt

import pytest

from harness.checks._subsidy_support import (
    next_quarter_start,
    quarter_days,
    quarter_of,
    quarters_before,
)


@pytest.mark.parametrize(
    ("quarter", "before"),
    [
        ("2027Q1", ["2026Q2", "2026Q3", "2026Q4"]),  # across the year's end
        ("2026Q4", ["2026Q1", "2026Q2", "2026Q3"]),
        ("2027Q2", ["2026Q3", "2026Q4", "2027Q1"]),
        ("2027Q3", ["2026Q4", "2027Q1", "2027Q2"]),
    ],
)
def test_the_three_quarters_before_oldest_first(quarter, before) -> None:
    assert quarters_before(quarter, 3) == before
    # with the quarter itself and the next, every quarter number is filed
    numbers = {q[-1] for q in [*before, quarter]}
    assert numbers == {"1", "2", "3", "4"}


@pytest.mark.parametrize(
    ("day", "quarter", "first", "last", "next_start"),
    [
        (
            dt.date(2026, 12, 31),
            "2026Q4",
            dt.date(2026, 10, 1),
            dt.date(2026, 12, 31),
            dt.date(2027, 1, 1),
        ),
        (
            dt.date(2027, 1, 1),
            "2027Q1",
            dt.date(2027, 1, 1),
            dt.date(2027, 3, 31),
            dt.date(2027, 4, 1),
        ),
        (
            dt.date(2028, 2, 29),
            "2028Q1",
            dt.date(2028, 1, 1),
            dt.date(2028, 3, 31),
            dt.date(2028, 4, 1),
        ),
        (
            dt.date(2027, 6, 30),
            "2027Q2",
            dt.date(2027, 4, 1),
            dt.date(2027, 6, 30),
            dt.date(2027, 7, 1),
        ),
        (
            dt.date(2027, 7, 1),
            "2027Q3",
            dt.date(2027, 7, 1),
            dt.date(2027, 9, 30),
            dt.date(2027, 10, 1),
        ),
    ],
)
def test_quarter_of_a_day_and_its_bounds(day, quarter, first, last, next_start) -> None:
    assert quarter_of(day) == quarter
    assert quarter_days(quarter) == (first, last)
    assert next_quarter_start(day) == next_start
