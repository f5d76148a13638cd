"""GB 11643-1999 resident identity numbers: the format rule of the `id_number` wire field.

Kept in `spec` because both sides of the wire need the same rule: the province issues sandbox
identities with it and a platform must refuse numbers that break it (ID-01).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"

# Province-level prefixes of GB/T 2260 (first two digits of every valid region code).
PROVINCE_PREFIXES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65"
    " 71 81 82".split()
)
SHANXI_PREFIX = "14"
# County-level codes of Shanxi (GB/T 2260) used for sandbox identities.
SHANXI_REGION_CODES = (
    "140105",  # 太原市小店区
    "140106",  # 太原市迎泽区
    "140107",  # 太原市杏花岭区
    "140202",  # 大同市平城区
    "140302",  # 阳泉市城区
    "140403",  # 长治市潞州区
    "140502",  # 晋城市城区
    "140602",  # 朔州市朔城区
    "140702",  # 晋中市榆次区
    "140802",  # 运城市盐湖区
    "140902",  # 忻州市忻府区
    "141002",  # 临汾市尧都区
    "141102",  # 吕梁市离石区
)

_SHAPE = re.compile(r"^\d{17}[\dX]$")


class InvalidResidentId(ValueError):
    """The number breaks GB 11643; the message says which part."""


@dataclass(frozen=True)
class ResidentId:
    """A parsed, valid resident identity number."""

    number: str
    region_code: str
    birth_date: dt.date
    sequence: int

    @property
    def sex(self) -> str:
        return "M" if self.sequence % 2 else "F"


def check_digit(first17: str) -> str:
    """The 18th character: ISO 7064 MOD 11-2 over the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def parse(number: str, *, today: dt.date | None = None) -> ResidentId:
    """Validate shape, region, birth date and check digit; raise InvalidResidentId with a reason."""
    if not isinstance(number, str):
        raise InvalidResidentId("ID number must be a string")
    number = number.strip().upper()
    if not _SHAPE.match(number):
        raise InvalidResidentId("ID number must be 17 digits followed by a digit or X")
    if number[:2] not in PROVINCE_PREFIXES or number[2:6] == "0000":
        raise InvalidResidentId("ID number has an unknown region code")
    try:
        birth = dt.datetime.strptime(number[6:14], "%Y%m%d").date()
    except ValueError:
        raise InvalidResidentId("ID number has an impossible birth date") from None
    if birth.year < 1900 or (today is not None and birth > today):
        raise InvalidResidentId("ID number has an impossible birth date")
    if check_digit(number[:17]) != number[17]:
        raise InvalidResidentId("ID number check digit is wrong")
    return ResidentId(number, number[:6], birth, int(number[14:17]))


def is_valid(number: str) -> bool:
    try:
        parse(number)
    except InvalidResidentId:
        return False
    return True


def build(region_code: str, birth_date: dt.date, sequence: int) -> str:
    """Compose a valid number; sequence 1..999, odd for men, even for women."""
    if not (1 <= sequence <= 999):
        raise ValueError("sequence must be 1..999")
    first17 = f"{region_code}{birth_date:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years on `day` (a person born on 29 Feb ages on 1 Mar in common years)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years
