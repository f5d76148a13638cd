"""Sandbox identities: valid GB 11643 numbers, honoured requests, unique, Shanxi by default."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from harness.province.identities import (
    GIVEN_F,
    GIVEN_M,
    MAX_AGE,
    MIN_AGE,
    SURNAMES,
    IdentitySpaceExhausted,
    InvalidIdentityRequest,
    draw_identity,
)
from harness.province.stores.identities import IdentityStore
from harness.spec import resident_id
from harness.spec.resident_id import SHANXI_REGION_CODES

TODAY = dt.date(2026, 11, 26)
OTHER_REGIONS = ("110101", "310115", "440305", "610113", "650102")


def _never_taken(number: str) -> bool:
    return False


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    birth=st.one_of(st.none(), st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)),
    region=st.one_of(st.none(), st.sampled_from(SHANXI_REGION_CODES + OTHER_REGIONS)),
    sex=st.one_of(st.none(), st.sampled_from("MF")),
)
def test_generated_identities_always_parse_and_honour_the_request(
    seed: int, birth: dt.date | None, region: str | None, sex: str | None
) -> None:
    drawn = draw_identity(
        random.Random(seed), TODAY, _never_taken, birth_date=birth, region_code=region, sex=sex
    )
    person = drawn.identity
    parsed = resident_id.parse(person.id_number, today=TODAY)
    assert parsed.region_code == person.region_code
    assert parsed.birth_date == person.birth_date
    assert parsed.sex == person.sex
    assert person.region_code == (region or person.region_code)
    assert region is not None or person.region_code in SHANXI_REGION_CODES
    assert birth is None or person.birth_date == birth
    assert sex is None or person.sex == sex
    if birth is None:
        assert MIN_AGE <= resident_id.age_on(person.birth_date, TODAY) <= MAX_AGE
    surnames = {c for c, _ in SURNAMES}
    given_chars = {c for c, _ in (GIVEN_M if person.sex == "M" else GIVEN_F)}
    assert person.name[0] in surnames
    assert 1 <= len(person.name) - 1 <= 2
    assert set(person.name[1:]) <= given_chars
    assert drawn.name_pinyin.isascii() and drawn.name_pinyin[0].isupper()


def test_random_ages_cover_the_whole_range() -> None:
    rng = random.Random(11)
    ages = {
        resident_id.age_on(draw_identity(rng, TODAY, _never_taken).identity.birth_date, TODAY)
        for _ in range(3000)
    }
    assert ages == set(range(MIN_AGE, MAX_AGE + 1))


def test_numbers_are_unique_within_a_province() -> None:
    store = IdentityStore(rng=random.Random(3))
    numbers = [store.new_identity().identity.id_number for _ in range(2000)]
    assert len(set(numbers)) == len(numbers)
    same_day = [
        store.new_identity(birth_date=dt.date(1990, 5, 1), region_code="140105", sex="F")
        for _ in range(50)
    ]
    assert len({p.identity.id_number for p in same_day}) == 50


def test_sequence_space_exhaustion_is_reported() -> None:
    store = IdentityStore(rng=random.Random(5))
    wanted = {"birth_date": dt.date(1988, 8, 8), "region_code": "140702", "sex": "M"}
    numbers = {store.new_identity(**wanted).identity.id_number for _ in range(500)}
    assert len(numbers) == 500  # odd sequence numbers 001..999
    with pytest.raises(IdentitySpaceExhausted, match="No sequence number left"):
        store.new_identity(**wanted)
    # a woman born the same day in the same county still fits (even sequence numbers)
    assert store.new_identity(**{**wanted, "sex": "F"}).identity.sex == "F"


@pytest.mark.parametrize(
    ("wanted", "message"),
    [
        ({"region_code": "990101"}, "Region code"),
        ({"region_code": "140000"}, "Region code"),
        ({"birth_date": TODAY + dt.timedelta(days=1)}, "Birth date"),
        ({"birth_date": dt.date(1899, 12, 31)}, "Birth date"),
    ],
)
def test_impossible_requests_are_refused(wanted: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidIdentityRequest, match=message):
        draw_identity(random.Random(1), TODAY, _never_taken, **wanted)  # type: ignore[arg-type]
