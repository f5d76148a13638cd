"""The deliberate defects: each one makes exactly the named checks fail, and no other check.

A defect is switched on by name (`SXCERT_REF_DEFECTS`) and read in the platform's service code,
as a plain `defects.active("name")` whose answer is passed on to the pure rule as a plain value,
so that reading the compliant code also shows how it can go wrong. The names are part of the
product (`sxcert defects`, the detection matrix).

Each defect names the requirements it breaks and the checks (functions in `harness/checks/`)
that must fail when it is on; where it is read is not written down but found in the source
(`read_sites`), so that `sxcert defects` always points at the code as it is.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent  # the repository root: `where` is relative to it


@dataclass(frozen=True)
class Defect:
    name: str
    breaks: tuple[str, ...]  # requirement IDs
    checks: tuple[str, ...]  # names of the checks that must fail when this defect is on
    description: str

    @property
    def sites(self) -> tuple[str, ...]:
        """Every `path:line` that reads this defect's flag, the primary (first) one first."""
        return read_sites().get(self.name, ())

    @property
    def where(self) -> str:
        """The primary place that reads the flag: where a newcomer starts reading."""
        return self.sites[0] if self.sites else ""


_DEFECT_LIST = (
    Defect(
        "accepts_under_16",
        ("ELIG-01",),
        ("learner_under_minimum_age_is_refused",),
        "The minimum age is compared as 15.",
    ),
    Defect(
        "no_upper_age_limit",
        ("ELIG-02",),
        ("learner_at_upper_age_bound_is_refused",),
        "There is no upper age bound.",
    ),
    Defect(
        "ignores_employment_status",
        ("ELIG-03",),
        ("only_unemployed_or_flexible_workers_are_enrolled",),
        "An employed, student or retired voucher holder is enrolled.",
    ),
    Defect(
        "offers_unapproved_course",
        ("COURSE-01",),
        ("every_offered_course_has_a_valid_provincial_approval",),
        "An extra course is offered with approval number SXJD-2026-9999, which the province"
        " never issued, and can be enrolled in.",
    ),
    Defect(
        "course_without_standard",
        ("COURSE-03",),
        ("every_course_names_occupation_level_and_standard",),
        "One offered course has no standard.",
    ),
    Defect(
        "short_course_content",
        ("COURSE-04",),
        ("course_content_meets_level_minimum_hours",),
        "A junior course has 79 lessons while it declares (and is approved for) 80 lesson hours.",
    ),
    Defect(
        "accepts_unknown_voucher",
        ("VOUCH-01",),
        ("unknown_voucher_is_refused",),
        "A voucher code the province does not know is accepted and the enrolment created.",
    ),
    Defect(
        "skips_voucher_redeem",
        ("VOUCH-01",),
        ("enrolment_redeems_the_voucher_at_the_province",),
        "Enrolment never redeems the voucher at the province (local uniqueness still holds).",
    ),
    Defect(
        "ignores_redeem_refusal",
        ("VOUCH-02",),
        ("voucher_is_single_use",),
        "Reuse of a voucher is accepted: no local uniqueness check, the province's 409 ignored.",
    ),
    Defect(
        "ignores_voucher_holder",
        ("VOUCH-02",),
        ("voucher_of_another_person_is_refused",),
        "A voucher of another person is accepted.",
    ),
    Defect(
        "ignores_voucher_course_match",
        ("VOUCH-02",),
        ("voucher_for_another_occupation_or_level_is_refused",),
        "A voucher for another occupation or level is accepted.",
    ),
    Defect(
        "skips_id_check_digit",
        ("ID-01",),
        ("invalid_id_numbers_are_refused",),
        "Registration does not verify the GB 11643 check digit (shape, region, birth date still).",
    ),
    Defect(
        "discards_id_card_photo",
        ("ID-01",),
        ("registration_keeps_real_name_face_and_id_card",),
        "The ID-card photo is not stored (no hash in supervision, photo endpoint 404).",
    ),
    Defect(
        "liveness_only_on_first_login",
        ("ID-02",),
        ("every_login_passes_its_own_liveness_check",),
        "After the first passed liveness, later logins skip the province and reuse its id.",
    ),
    Defect(
        "ignores_face_mismatch",
        ("ID-03",),
        ("impostor_face_is_refused_at_login",),
        "A face_mismatch verdict is treated as passed.",
    ),
    Defect(
        "ignores_still_replay",
        ("ID-03",),
        ("still_photo_replay_is_refused_at_login",),
        "A still_replay verdict is treated as passed.",
    ),
    Defect(
        "allows_concurrent_logins",
        ("STUDY-03",),
        (
            "cheating_learner_machine_earns_nothing_after_a_newer_login",
            "second_login_never_leaves_two_sessions_valid",
            "superseded_session_earns_no_credit",
        ),
        "A new login does not end the learner's other active logins.",
    ),
    Defect(
        "capture_image_not_kept",
        ("STUDY-01",),
        (
            "every_lesson_hour_has_a_capture_with_time_and_image",
            "cheating_learner_machine_finds_every_passed_capture_kept",
        ),
        "Capture images are verified but not stored (no hash in supervision, image endpoint 404).",
    ),
    Defect(
        "accepts_late_capture",
        ("STUDY-01",),
        ("capture_answer_window_is_the_profiles_answer_time",),
        "A capture answered after its deadline is still judged (and passes with the right face).",
    ),
    Defect(
        "capture_at_fixed_offset",
        ("STUDY-02",),
        ("capture_moments_are_unpredictable",),
        "Every lesson hour's capture point is at 600 s into the hour, not drawn at random.",
    ),
    Defect(
        "credits_hour_without_capture",
        ("STUDY-02",),
        (
            "hour_without_passed_capture_is_not_credited",
            "cheating_learner_never_gets_an_hour_without_genuine_capture",
        ),
        "A lesson hour is credited once fully watched, without a passed capture.",
    ),
    Defect(
        "accepts_any_capture_face",
        ("STUDY-02",),
        ("hour_without_passed_capture_is_not_credited",),
        "Capture images are not sent to the province; every answer passes.",
    ),
    Defect(
        "credits_two_windows",
        ("STUDY-04",),
        (
            "cheating_learner_never_out_earns_the_clock_with_windows",
            "second_window_never_doubles_credit",
        ),
        "Opening a playback does not end the account's other active playbacks; each earns credit.",
    ),
    Defect(
        "trusts_client_position",
        ("STUDY-05",),
        (
            "cheating_learner_never_gets_beyond_honest_position",
            "seek_past_furthest_point_earns_no_credit",
        ),
        "No seek detection: a jump past the furthest point is taken as watched (the furthest"
        " point moves there, and the heartbeat earns its elapsed time).",
    ),
    Defect(
        "honours_lesson_complete_call",
        ("STUDY-05",),
        (
            "cheating_learner_never_gets_beyond_honest_position",
            "lesson_finished_call_earns_no_credit",
        ),
        "An extra endpoint POST /api/v1/lessons/{lesson_id}/complete marks a lesson fully watched.",
    ),
    Defect(
        "credits_fast_playback",
        ("STUDY-06",),
        (
            "cheating_learner_never_earns_more_than_clock_time",
            "credited_time_never_exceeds_wall_clock",
            "faster_than_real_time_playback_earns_no_extra_credit",
        ),
        "The playback rate is ignored and credit is the content advance, not capped by elapsed"
        " time.",
    ),
    Defect(
        "credits_duplicate_heartbeats",
        ("STUDY-06",),
        (
            "cheating_learner_never_earns_more_than_clock_time",
            "credited_time_never_exceeds_wall_clock",
        ),
        "Heartbeat sequence numbers are not checked: every duplicated or replayed heartbeat earns"
        " one heartbeat interval again, whatever the clock says.",
    ),
    Defect(
        "credits_superseded_session",
        ("STUDY-03",),
        (
            "cheating_learner_machine_earns_nothing_after_a_newer_login",
            "superseded_session_earns_no_credit",
        ),
        "Heartbeats and captures on a playback whose login a newer login ended are still accepted"
        " and credited.",
    ),
    Defect(
        "loses_resume_position",
        ("STUDY-07",),
        (
            "cheating_learner_machine_always_resumes_at_the_furthest_point",
            "reentering_a_lesson_resumes_where_it_stopped",
        ),
        "Re-opening a lesson answers resume_position_s 0 (the furthest point is still kept).",
    ),
    Defect(
        "completion_below_level_minimum",
        ("COURSE-05",),
        ("completion_needs_the_level_minimum_of_credited_hours",),
        "A course counts as completed at the level minimum minus one lesson hour.",
    ),
)

DEFECTS: dict[str, Defect] = {defect.name: defect for defect in _DEFECT_LIST}


def flag_reads(tree: ast.AST) -> Iterable[tuple[str, int]]:
    """`(name, line)` of every `<x>.active("<name>")` call; the line is the name's own, so that
    it contains the name even when the call is wrapped over several lines."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "active"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            yield node.args[0].value, node.args[0].lineno


@functools.cache
def read_sites() -> dict[str, tuple[str, ...]]:
    """For every flag name read anywhere in the platform's sources, its `path:line`s (relative
    to the repository root), in file and line order. Names no defect has are kept, so that a
    test can tell a misspelt read from an unread defect."""
    found: dict[str, list[tuple[str, int]]] = {}
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        relative = path.relative_to(SOURCE_ROOT).as_posix()
        for name, line in flag_reads(tree):
            found.setdefault(name, []).append((relative, line))
    return {
        name: tuple(f"{file}:{line}" for file, line in sorted(places))
        for name, places in found.items()
    }


def unknown_defects_message(unknown: Iterable[str]) -> str:
    return f"Unknown defect(s): {', '.join(unknown)}. Known defects: {', '.join(sorted(DEFECTS))}"


# Defects read while the platform starts (seed data, the routes it serves): switching them needs
# a restart, so the detection matrix's runtime switch (routers/defect_switch.py) refuses them.
READ_AT_START = frozenset(
    {"offers_unapproved_course", "short_course_content", "honours_lesson_complete_call"}
)


class ActiveDefects:
    """The defects switched on for one app; asking about a misspelt name is a bug, not `False`."""

    def __init__(self, names: Iterable[str] = ()) -> None:
        self._names = frozenset(names)
        unknown = sorted(self._names - DEFECTS.keys())
        if unknown:
            raise ValueError(unknown_defects_message(unknown))
        self._at_start = self._names & READ_AT_START

    def switch(self, names: Iterable[str]) -> None:
        """Switch to exactly `names` while running (the matrix's certification-only hook). The
        swap is one assignment, so a request sees the old set or the new one, never a mix."""
        wanted = frozenset(names)
        unknown = sorted(wanted - DEFECTS.keys())
        if unknown:
            raise ValueError(unknown_defects_message(unknown))
        needs_restart = sorted((wanted ^ self._at_start) & READ_AT_START)
        if needs_restart:
            raise ValueError(f"Read at start-up, switch by restarting: {', '.join(needs_restart)}")
        self._names = wanted

    def active(self, name: str) -> bool:
        if name not in DEFECTS:
            raise KeyError(f"No defect named {name!r}")
        return name in self._names

    @property
    def names(self) -> frozenset[str]:
        return self._names
