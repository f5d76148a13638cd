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
    Defect(
        "capture_image_not_kept",
        ("STUDY-01",),
        "Capture images are verified but not stored (no hash in supervision, image endpoint 404).",
    ),
    Defect(
        "capture_at_fixed_offset",
        ("STUDY-02",),
        "Every lesson hour's capture point is at 600 s into the hour, not drawn at random.",
    ),
    Defect(
        "credits_hour_without_capture",
        ("STUDY-02",),
        "A lesson hour is credited once fully watched, without a passed capture.",
    ),
    Defect(
        "accepts_any_capture_face",
        ("STUDY-02",),
        "Capture images are not sent to the province; every answer passes.",
    ),
    Defect(
        "credits_two_windows",
        ("STUDY-04",),
        "Opening a playback does not end the account's other active playbacks; each earns credit.",
    ),
    Defect(
        "trusts_client_position",
        ("STUDY-05",),
        "No seek detection: a jump past the furthest point is taken as watched (the furthest"
        " point moves there, and the heartbeat earns its elapsed time).",
    ),
    Defect(
        "honours_lesson_complete_call",
        ("STUDY-05",),
        "An extra endpoint POST /api/v1/lessons/{lesson_id}/complete marks a lesson fully watched.",
    ),
    Defect(
        "credits_fast_playback",
        ("STUDY-06",),
        "The playback rate is ignored and credit is the content advance, not capped by elapsed"
        " time.",
    ),
    Defect(
        "credits_duplicate_heartbeats",
        ("STUDY-06",),
        "Heartbeat sequence numbers are not checked: every duplicated or replayed heartbeat earns"
        " one heartbeat interval again, whatever the clock says.",
    ),
    Defect(
        "credits_superseded_session",
        ("STUDY-03",),
        "Heartbeats and captures on a playback whose login a newer login ended are still accepted"
        " and credited.",
    ),
    Defect(
        "loses_resume_position",
        ("STUDY-07",),
        "Re-opening a lesson answers resume_position_s 0 (the furthest point is still kept).",
    ),
    Defect(
        "completion_below_level_minimum",
        ("COURSE-05",),
        "A course counts as completed at the level minimum minus one lesson hour.",
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
