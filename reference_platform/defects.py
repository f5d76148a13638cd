"""The deliberate defects: each one makes exactly the named requirement checks fail.

A defect is switched on by name (`SXCERT_REF_DEFECTS`) and read at the one place whose behaviour it
breaks, as a plain `if defects.active("name")`, so that reading the compliant code also shows how
it can go wrong. The names are part of the product (`sxcert defects`, the detection matrix).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Defect:
    name: str
    breaks: tuple[str, ...]
    description: str


_DEFECT_LIST = (
    Defect("accepts_under_16", ("ELIG-01",), "The minimum age is compared as 15."),
    Defect("no_upper_age_limit", ("ELIG-02",), "There is no upper age bound."),
    Defect(
        "ignores_employment_status",
        ("ELIG-03",),
        "An employed, student or retired voucher holder is enrolled.",
    ),
    Defect(
        "offers_unapproved_course",
        ("COURSE-01",),
        "An extra course is offered with approval number SXJD-2026-9999, which the province"
        " never issued, and can be enrolled in.",
    ),
    Defect("course_without_standard", ("COURSE-03",), "One offered course has no standard."),
    Defect(
        "short_course_content",
        ("COURSE-04",),
        "A junior course has 79 lessons while it declares (and is approved for) 80 lesson hours.",
    ),
    Defect(
        "accepts_unknown_voucher",
        ("VOUCH-01",),
        "A voucher code the province does not know is accepted and the enrolment created.",
    ),
    Defect(
        "skips_voucher_redeem",
        ("VOUCH-01",),
        "Enrolment never redeems the voucher at the province (local uniqueness still holds).",
    ),
    Defect(
        "ignores_redeem_refusal",
        ("VOUCH-02",),
        "Reuse of a voucher is accepted: no local uniqueness check, the province's 409 ignored.",
    ),
    Defect("ignores_voucher_holder", ("VOUCH-02",), "A voucher of another person is accepted."),
    Defect(
        "ignores_voucher_course_match",
        ("VOUCH-02",),
        "A voucher for another occupation or level is accepted.",
    ),
    Defect(
        "skips_id_check_digit",
        ("ID-01",),
        "Registration does not verify the GB 11643 check digit (shape, region, birth date still).",
    ),
    Defect(
        "discards_id_card_photo",
        ("ID-01",),
        "The ID-card photo is not stored (no hash in supervision, photo endpoint 404).",
    ),
    Defect(
        "liveness_only_on_first_login",
        ("ID-02",),
        "After the first passed liveness, later logins skip the province and reuse its id.",
    ),
    Defect("ignores_face_mismatch", ("ID-03",), "A face_mismatch verdict is treated as passed."),
    Defect("ignores_still_replay", ("ID-03",), "A still_replay verdict is treated as passed."),
    Defect(
        "allows_concurrent_logins",
        ("STUDY-03",),
        "A new login does not end the learner's other active logins.",
    ),
)

DEFECTS: dict[str, Defect] = {defect.name: defect for defect in _DEFECT_LIST}


def unknown_defects_message(unknown: Iterable[str]) -> str:
    return f"Unknown defect(s): {', '.join(unknown)}. Known defects: {', '.join(sorted(DEFECTS))}"


class ActiveDefects:
    """The defects switched on for one app; asking about a misspelt name is a bug, not `False`."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names = frozenset(names)
        unknown = sorted(self._names - DEFECTS.keys())
        if unknown:
            raise ValueError(unknown_defects_message(unknown))

    def active(self, name: str) -> bool:
        if name not in DEFECTS:
            raise KeyError(f"No defect named {name!r}")
        return name in self._names

    @property
    def names(self) -> frozenset[str]:
        return self._names
