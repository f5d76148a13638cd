"""GB 11643 resident ID numbers: the rule both sides of the wire share (harness/spec)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from harness.spec import resident_id

regions = st.sampled_from((*resident_id.SHANXI_REGION_CODES, "110101", "440305", "650102"))
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2026, 12, 31))
sequences = st.integers(min_value=1, max_value=999)


@given(regions, births, sequences)
def test_built_numbers_parse_back_to_their_parts(region, birth, sequence):
    number = resident_id.build(region, birth, sequence)
    parsed = resident_id.parse(number)
    assert (parsed.region_code, parsed.birth_date, parsed.sequence) == (region, birth, sequence)
    assert parsed.sex == ("M" if sequence % 2 else "F")


@given(regions, births, sequences, st.integers(min_value=0, max_value=16), st.integers(1, 9))
def test_any_single_digit_change_is_detected(region, birth, sequence, position, delta):
    number = resident_id.build(region, birth, sequence)
    changed = number[:position] + str((int(number[position]) + delta) % 10) + number[position + 1 :]
    assert not resident_id.is_valid(changed)


@given(st.text(max_size=30))
def test_arbitrary_text_never_crashes_the_parser(text):
    try:
        resident_id.parse(text)
    except resident_id.InvalidResidentId as exc:
        assert str(exc)


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("11010519491231002X", None),  # the standard's own example number
        ("11010519491231002Y", "17 digits followed by a digit or X"),
        ("11010519491231002", "17 digits followed by a digit or X"),
        ("990105194912310021", "unknown region code"),
        ("110105194913310021", "impossible birth date"),
        ("110105194912310021", "check digit is wrong"),
    ],
)
def test_known_numbers(number, reason):
    if reason is None:
        assert resident_id.parse(number).birth_date == dt.date(1949, 12, 31)
    else:
        with pytest.raises(resident_id.InvalidResidentId, match=reason):
            resident_id.parse(number)


def test_future_birth_dates_are_refused_relative_to_today():
    number = resident_id.build("140105", dt.date(2030, 1, 1), 11)
    with pytest.raises(resident_id.InvalidResidentId, match="impossible birth date"):
        resident_id.parse(number, today=dt.date(2026, 11, 26))


def test_age_on_counts_completed_years_and_leap_birthdays():
    assert resident_id.age_on(dt.date(2010, 11, 26), dt.date(2026, 11, 26)) == 16
    assert resident_id.age_on(dt.date(2010, 11, 27), dt.date(2026, 11, 26)) == 15
    assert resident_id.age_on(dt.date(2008, 2, 29), dt.date(2026, 2, 28)) == 17
    assert resident_id.age_on(dt.date(2008, 2, 29), dt.date(2026, 3, 1)) == 18
