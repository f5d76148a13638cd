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
    if defects.active("skips_id_check_digit") and number[:17].isdigit() and len(number) == 18:
        # Judge the number as if its last character were right: everything else still counts.
        parsed = resident_id.parse(number[:17] + resident_id.check_digit(number[:17]), today=today)
        return resident_id.ResidentId(
            number, parsed.region_code, parsed.birth_date, parsed.sequence
        )
    return resident_id.parse(number, today=today)
