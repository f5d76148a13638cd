"""ID numbers in supervision lists (POST-03): full for platform-wide accounts, masked otherwise."""

from __future__ import annotations

import pytest

from reference_platform.masking import id_number_for, mask_id_number


def test_mask_keeps_region_and_last_four_and_hides_the_birth_date():
    assert mask_id_number("14010519900101123X") == "140105********123X"


@pytest.mark.parametrize(
    ("kind", "shown"),
    [
        ("authority", "14010519900101123X"),
        ("auditor", "14010519900101123X"),
        ("enterprise", "140105********123X"),
        ("institution", "140105********123X"),
    ],
)
def test_every_kind_sees_the_number_as_the_rule_says(kind, shown):
    assert id_number_for(kind, "14010519900101123X") == shown


def test_defect_shows_full_numbers_to_scoped_kinds():
    assert id_number_for("enterprise", "14010519900101123X", unmasked=True) == "14010519900101123X"
