"""ID numbers in supervision lists (POST-03): the platform-wide accounts (the HR authority and
audit departments, who reconcile subsidy claims and archives against the province by ID number)
see them in full; an enterprise or institution sees them masked — the 6-digit region code and
the last 4 characters kept, the birth date and sequence hidden — enough to tell its people
apart, not enough to reuse the number elsewhere.
"""

from __future__ import annotations

from reference_platform.scope import PLATFORM_WIDE

KEEP_START, KEEP_END = 6, 4


def mask_id_number(id_number: str) -> str:
    hidden = max(0, len(id_number) - KEEP_START - KEEP_END)
    return id_number[:KEEP_START] + "*" * hidden + id_number[len(id_number) - KEEP_END :]


def id_number_for(kind: str, id_number: str, unmasked: bool = False) -> str:
    """The ID number as an account of `kind` sees it in a list; `unmasked` only under the
    `unmasked_id_numbers` defect."""
    if kind in PLATFORM_WIDE or unmasked:
        return id_number
    return mask_id_number(id_number)
