"""The ID-number rule at registration (ID-01): GB 11643 shape, region, birth date, check digit.

What compliant means, for a vendor: an 18-character resident identity number is accepted only if
its region code has a GB/T 2260 province prefix, its birth date is a real date from 1900 on and
not in the future, and its check digit (ISO 7064 MOD 11-2, `X` for 10) is right; a refusal says
which part is wrong.
"""

from __future__ import annotations

import datetime as dt

from harness.spec import resident_id
from reference_platform.defects import ActiveDefects


def parse_id_number(number: str, today: dt.date, defects: ActiveDefects) -> resident_id.ResidentId:
    """Raise `resident_id.InvalidResidentId` with the reason a learner can act on."""
    number = number.strip().upper()
    checked_today = None if defects.active("accepts_future_birth_date") else today
    if defects.active("skips_id_check_digit") and number[:17].isdigit() and len(number) == 18:
        # Judge the number as if its last character were right: everything else still counts.
        parsed = resident_id.parse(
            number[:17] + resident_id.check_digit(number[:17]), today=checked_today
        )
        return resident_id.ResidentId(
            number, parsed.region_code, parsed.birth_date, parsed.sequence
        )
    if defects.active("region_ranges_miss_hainan_chongqing") and not _hand_ranges(number[:2]):
        raise resident_id.InvalidResidentId("ID number has an unknown region code")
    unknown_region = number[:2] not in resident_id.PROVINCE_PREFIXES
    if unknown_region and defects.active("accepts_nonexistent_region") and number[:2].isdigit():
        # The region is taken on trust (judged as if it were Beijing's): everything else counts.
        stand_in = resident_id.parse(
            "11" + number[2:17] + resident_id.check_digit("11" + number[2:17]), today=checked_today
        )
        if len(number) != 18 or resident_id.check_digit(number[:17]) != number[17]:
            raise resident_id.InvalidResidentId("ID number check digit is wrong")
        return resident_id.ResidentId(number, number[:6], stand_in.birth_date, stand_in.sequence)
    return resident_id.parse(number, today=checked_today)


def _hand_ranges(prefix: str) -> bool:
    """The defect `region_ranges_miss_hainan_chongqing`: a validator's own prefix ranges, with
    the two slips such ranges are written with (`4[1-5]` for 41-46, `5[1-4]` for 50-54)."""
    ranges = ((11, 15), (21, 23), (31, 37), (41, 45), (51, 54), (61, 65), (71, 71), (81, 82))
    return prefix.isdigit() and any(low <= int(prefix) <= high for low, high in ranges)
