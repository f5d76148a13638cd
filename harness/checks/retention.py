"""POST-05 — records are kept at least 3 years after the end of training.

The space probed (docs/interface.md, "Retention"): one learner with a trail in every supervision
view; the end of training as the supervision view shows it (the latest of registered_at,
enrolled_at, login started_at, liveness `at`, playback opened_at, heartbeat `at`, capture
issued_at/answered_at); `kept_until` = that end plus 3 calendar years in Asia/Shanghai (29
February → 1 March). From a certification instance started in 2026 the span always contains a
29 February, so a platform counting 3 × 365 days allows deletion a day early and is caught.
Probes, moving the test clock: deletion right away, and one second before `kept_until`, is
refused (4xx) and the learner's records stay; one second after, it is allowed, the records are
gone from the supervision view and the deletion log names the learner.
This check moves the platform's clock years on (3 years past the next 29 February), so it runs
after every other check.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from harness.api import Refused, attempt
from harness.checks._support import CHINA, a_course
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.cheats import short_answer
from harness.scenarios.study import Enrolled, enrolled_learner
from harness.scenarios.trail import learner_with_trail, trail_of
from harness.spec.supervision import RecordDeletionOut
from harness.supervision import SupervisionClient

BYSTANDER_AFTER_S = 3600  # another learner trains this long after the end of training
LEAP_DAY_START = dt.time(9)  # the leap-day learner trains from here (its capture within 45 min)
PROBE = "retention of a training ended on 29 February"

RECORDS_PATH = "/api/v1/records/learners/{learner_id}"
DELETIONS_PATH = "/api/v1/records/deletions"


def add_years(moment: dt.datetime, years: int) -> dt.datetime:
    local = moment.astimezone(CHINA)
    try:
        return local.replace(year=local.year + years)
    except ValueError:
        return local.replace(year=local.year + years, month=3, day=1)


def end_of_training(authority: SupervisionClient, learner_id: str) -> dt.datetime:
    """The latest timestamp of the learner's records in the supervision view."""
    moments: list[Any] = [r.registered_at for r in authority.learners(learner_id=learner_id)]
    moments += [e.enrolled_at for e in authority.enrolments(learner_id)]
    moments += [x.started_at for x in authority.logins(learner_id)]
    moments += [x.at for x in authority.liveness_events(learner_id)]
    playbacks = authority.playbacks(learner_id)
    moments += [p.opened_at for p in playbacks]
    for playback in playbacks:
        moments += [h.at for h in authority.heartbeats(playback.playback_id)]
    for capture in authority.captures(learner_id):
        moments += [capture.issued_at, capture.answered_at]
    return max(m for m in moments if m is not None)


def delete(authority: SupervisionClient, learner_id: str) -> RecordDeletionOut | Refused:
    path = RECORDS_PATH.format(learner_id=learner_id)
    outcome = attempt(lambda: authority.send("DELETE", path))
    if isinstance(outcome, Refused):
        return outcome
    return authority.parse(RecordDeletionOut, outcome, "record deletion")


@check("POST-05")
def records_are_kept_three_years_after_training(probe: Probe) -> None:
    """Deleting a learner's records is refused until 3 calendar years after the end of training
    (one second before: refused; one second after: allowed, the records gone, the deletion
    logged).

    Space: both sides of the moment; every kind of record in the trail (registration,
    enrolment, login, liveness, playback, heartbeats, capture issued and answered); and another
    learner's whole trail made BYSTANDER_AFTER_S after the end of training, which must move
    nobody else's end of training (a platform taking any record's latest time across learners
    keeps the first learner past its moment); a learner who enrolled and never studied (its end
    of training is its sign-in or enrolment: no playback, heartbeat or capture to read); and a
    learner whose training ends on the next 29 February, kept until 1 March `years` on — both
    sides of each learner's moment. Since stop 47, once deletion is due, every supervision
    account of the profile but the authority's (auditor, enterprise, institution) tries it
    first: each must be refused and the records kept (docs/interface.md: 403 for any account
    but `authority`; before, only the authority ever deleted, and a platform letting the
    auditor delete too — the deletion log's rule, `authority` and `auditor`, copied — passed)."""
    years = probe.thresholds.retention_years
    authority = probe.supervisors.authority
    course = a_course(probe.platform)
    trail = learner_with_trail(probe, course)
    # Enrolled now, while a voucher issued today is valid (the province's date, not the moved
    # clock's, bounds it); it studies on the next 29 February (`_ended_on_a_leap_day`).
    leap_learner = enrolled_learner(probe.learners, probe.platform, course)
    learner_id = trail.learner_id
    end = end_of_training(authority, learner_id)
    kept_until = add_years(end, years)
    probe.clock.advance(BYSTANDER_AFTER_S)
    bystander = learner_with_trail(probe, course)
    never_studied = enrolled_learner(probe.learners, probe.platform, course)
    findings: dict[str, Any] = {
        "end_of_training": end,
        "kept_until": kept_until,
        "bystander": {"learner_id": bystander.learner_id, "trail_after_s": BYSTANDER_AFTER_S},
    }
    findings["right away"] = delete(authority, learner_id)
    probe.clock.advance(max(0.0, (kept_until - probe.clock.now()).total_seconds() - 1))
    findings["1 s before kept_until"] = delete(authority, learner_id)
    still_there = bool(authority.learners(learner_id=learner_id))
    probe.clock.advance(max(0.0, (kept_until - probe.clock.now()).total_seconds() + 1))
    others = {
        f"{client.kind} {client.username}": delete(client, learner_id)
        for client in probe.supervisors
        if client.kind != "authority"
    }
    kept_from_others = bool(authority.learners(learner_id=learner_id))
    findings["1 s after kept_until, other accounts"] = {
        who: short_answer(outcome) for who, outcome in others.items()
    }
    findings["1 s after kept_until"] = after = delete(authority, learner_id)
    gone = not authority.learners(learner_id=learner_id) and not authority.enrolments(learner_id)
    log = authority.parse(
        list[RecordDeletionOut], authority.send("GET", DELETIONS_PATH), "deletion log"
    )
    logged = any(row.learner_id == learner_id for row in log)
    shown = {
        k: (f"{v.status} {v.detail}" if isinstance(v, Refused) else v) for k, v in findings.items()
    }
    probe.evidence.attach_json(
        "retention",
        {**shown, "records_kept_before": still_there, "records_gone_after": gone, "logged": logged},
    )
    early = [
        k for k in ("right away", "1 s before kept_until") if not isinstance(findings[k], Refused)
    ]
    if early or not still_there:
        raise CheckFailure(
            "Records were deleted before the retention period ended",
            received={"deleted": early, "kept_until": kept_until.isoformat()},
            expected=f"deletion refused until {years} years after the end of training",
        )
    deleted_by_others = [who for who, outcome in others.items() if not isinstance(outcome, Refused)]
    if deleted_by_others or not kept_from_others:
        raise CheckFailure(
            "A supervision account other than the HR authority deleted records",
            received={"deleted_by": deleted_by_others, "records_kept": kept_from_others},
            expected="403 for every account but the authority, the records kept",
        )
    if isinstance(after, Refused) or not gone or not logged:
        raise CheckFailure(
            "Deletion after the retention period did not happen as promised",
            received={"answer": shown["1 s after kept_until"], "gone": gone, "logged": logged},
            expected="allowed, the records gone from supervision, the deletion logged",
        )
    sparse = _judged(
        probe,
        "retention-never-studied",
        _both_sides_of_kept_until(probe, never_studied.learner.learner_id or "", years),
        "A learner who enrolled but never studied is not kept exactly 3 years",
        "deletion refused until 3 years after its last record, allowed then",
    )
    leap = _judged(
        probe,
        "retention-leap-day",
        _ended_on_a_leap_day(probe, leap_learner, years),
        "A training ended on 29 February is not kept until 1 March, 3 years on",
        "deletion refused until 1 March (Asia/Shanghai) 3 years after, allowed then",
    )
    probe.evidence.note(
        f"refused until {kept_until.isoformat()}, allowed and logged after; a learner who never "
        f"studied kept until {sparse['kept_until']}; a training ended on 29 February kept until "
        f"{leap['kept_until']}"
    )


def _judged(
    probe: Probe, evidence: str, found: dict[str, Any], failure: str, expected: str
) -> dict[str, Any]:
    """One learner's deletion probe attached as evidence; its `problem` fails the check."""
    probe.evidence.attach_json(evidence, found)
    if "problem" in found:
        raise CheckFailure(failure, received=found, expected=expected)
    return found


def next_leap_day(after: dt.date) -> dt.date:
    """The first 29 February after `after`."""
    year = after.year if (after.month, after.day) < (2, 29) else after.year + 1
    while not calendar.isleap(year):
        year += 1
    return dt.date(year, 2, 29)


def _ended_on_a_leap_day(probe: Probe, enrolled: Enrolled, years: int) -> dict[str, Any]:
    """The interface's 29 February → 1 March: a learner whose training ends on the next 29
    February (Shanghai, the morning) must be kept until 1 March `years` on — one second before,
    refused; one second after, allowed. A platform counting 365-day years, or taking 28 February,
    allows it a day early; one whose date arithmetic fails on the leap day answers a 5xx."""
    authority = probe.supervisors.authority
    today = probe.clock.now().astimezone(CHINA).date()
    leap_day = next_leap_day(today)
    morning = dt.datetime.combine(leap_day, LEAP_DAY_START, tzinfo=CHINA)
    probe.clock.advance((morning - probe.clock.now()).total_seconds())
    trail = trail_of(probe, enrolled)
    end = end_of_training(authority, trail.learner_id)
    if end.astimezone(CHINA).date() != leap_day:
        raise CannotProbe(PROBE, f"the leap-day learner's training ended on {end.isoformat()}")
    return _both_sides_of_kept_until(probe, trail.learner_id, years)


def _both_sides_of_kept_until(probe: Probe, learner_id: str, years: int) -> dict[str, Any]:
    """Deletion of the learner one second before its `kept_until` (refused) and one second after
    (allowed), the clock moved there; `problem` says what went wrong."""
    authority = probe.supervisors.authority
    end = end_of_training(authority, learner_id)
    kept_until = add_years(end, years)
    found: dict[str, Any] = {"end_of_training": end, "kept_until": kept_until.isoformat()}
    probe.clock.advance((kept_until - probe.clock.now()).total_seconds() - 1)
    before = delete(authority, learner_id)
    probe.clock.advance((kept_until - probe.clock.now()).total_seconds() + 1)
    after = delete(authority, learner_id)
    found["1 s before kept_until"] = short_answer(before)
    found["1 s after kept_until"] = short_answer(after)
    if not isinstance(before, Refused):
        found["problem"] = "deleted one second before its kept_until"
    elif isinstance(after, Refused):
        found["problem"] = "still refused one second after its kept_until"
    return found


records_are_kept_three_years_after_training.runs_last = True  # type: ignore[attr-defined]
