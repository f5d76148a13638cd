"""VOUCH-03 — completing the online course is reported, so the province issues the offline
practical-training voucher (完成线上培训课程后领取线下实操培训券).

Judged at the province: the offline vouchers it issued and the completion reports in its call log,
for a learner the supervision view shows completed and one it shows not completed, and for the
subsidy cohort's passers of every level and its learner with the hours but not the accuracy.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from harness.api import Refused
from harness.catalogue import load_catalogue
from harness.checks._subsidy_support import Member, cohort
from harness.checks._support import offered_courses, poll, study, study_setup
from harness.failures import CannotJudge, CannotProbe, CheckFailure, ProtocolViolation
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.study import Enrolled
from harness.spec.sandbox import LogEntry

PROBE = "the offline hand-over"
POLL_S = 0.5
LISTED_AGAIN = 2  # both learners' certificates listed again once the voucher came


@check("VOUCH-03")
def offline_voucher_for_every_completer_and_nobody_else(probe: Probe) -> None:
    """A learner who completed the course gets exactly one offline voucher at the province, for
    the course's occupation and level, from exactly one completion report (one report id, however
    often it was sent); a learner of the same course who has not completed gets none and is
    never reported. The platform has `realtime_seconds` to report.

    Space: a completer and a non-completer side by side; retries (several sends of one report
    are allowed, several reports are not); since stop 47 the province unavailable when the pass
    is first listed, back right after: a report that met the outage is sent again, with the same
    report id, within `realtime_seconds` (the interface: retried until acknowledged; a platform
    sending each report once loses it). The harness lists the learner's certificates at every
    poll, as a supervisor does, for a platform that reports when certificates are listed."""
    minimum = load_catalogue().get("COURSE-05").params["min_credited_hours"]
    courses = [c for c in offered_courses(probe.platform) if c.approval and c.level in minimum]
    if not courses:
        raise CannotJudge("no approved course with a level is offered")
    course = min(courses, key=lambda c: minimum[c.level])
    required = minimum[course.level]
    completer = study_setup(probe, course=course)
    other = study_setup(probe, course=course)
    session = study(probe, other, 0)  # first: its login would lapse during the long study
    session.watch_to_end(step=900)
    session.settle_capture()
    for index in range(required):
        session = study(probe, completer, index)
        session.watch_to_end(step=900)
        session.settle_capture()
    standing = {e.learner.id_number: _completed(probe, e) for e in (completer, other)}
    if not standing[completer.learner.id_number] or standing[other.learner.id_number]:
        raise CannotProbe(PROBE, f"completion not as studied: {standing}")
    # The province is unavailable when the pass is first listed (a platform may report when
    # certificates are listed): the report must be sent again once it is back.
    probe.province.set_unavailable(True)
    try:
        for learner in (completer, other):
            with suppress(Refused, ProtocolViolation):  # a 503 while the province is down
                probe.supervisor.certificates(learner.learner.learner_id or "")
    finally:
        probe.province.set_unavailable(False)
    outage_reports = _reports(probe, completer.learner.id_number)
    vouchers = _poll_vouchers(probe, completer, probe.thresholds.realtime_seconds)
    for _ in range(LISTED_AGAIN):  # a supervisor looks again: no report is made again, and
        for learner in (completer, other):  # none for the learner who has not completed
            probe.supervisor.certificates(learner.learner.learner_id or "")
    others = probe.province.offline_vouchers(id_number=other.learner.id_number)
    reports = {
        e.learner.id_number: _reports(probe, e.learner.id_number) for e in (completer, other)
    }
    observed = {
        "course": course.course_id,
        "completer": completer.learner.id_number,
        "completer_vouchers": [v.model_dump(mode="json") for v in vouchers],
        "non_completer": other.learner.id_number,
        "non_completer_vouchers": [v.model_dump(mode="json") for v in others],
        "reports": reports,
        "reports_during_the_outage": outage_reports,
    }
    probe.evidence.attach_json("hand-over", observed)
    mine = [v for v in vouchers if v.platform_id == probe.platform_id]
    if len(mine) != 1:
        raise CheckFailure(
            "The completer has no offline voucher from this platform's report"
            if not mine
            else "The completer got more than one offline voucher",
            received=observed,
            expected="exactly one offline voucher for the completer",
        )
    voucher = mine[0]
    if (voucher.occupation_code, voucher.level) != (course.occupation_code, course.level):
        raise CheckFailure(
            "The completion was reported for another occupation or level",
            received=voucher.model_dump(mode="json"),
            expected={"occupation_code": course.occupation_code, "level": course.level},
        )
    report_ids = {r["report_id"] for r in reports[completer.learner.id_number]}
    if len(report_ids) != 1:
        raise CheckFailure(
            "The completion was reported more than once (several report ids)",
            received=reports[completer.learner.id_number],
            expected="one report, sent again only with the same report id",
        )
    if others or reports[other.learner.id_number]:
        raise CheckFailure(
            "A learner who has not completed was reported to the province",
            received=observed,
            expected="no report and no offline voucher for the non-completer",
        )
    probe.evidence.note(f"offline voucher {voucher.code} for the completer only")


# The cohort's members whose hand-over is judged: every passer by level and at the quarter's
# boundary, and the learner with every hour credited and every answer wrong. The impostor (flagged
# by the self-check) and the learner whose archive the province refused are not judged here.
COHORT_PASSERS = (
    "junior",
    "intermediate",
    "senior",
    "next_quarter",
    "quarter_before",
    "quarter_first_day",
)
COHORT_FAILER = "failer"


@check("VOUCH-03")
def offline_voucher_follows_the_pass_at_every_level(probe: Probe) -> None:
    """The subsidy cohort's learners (harness/checks/_subsidy_support.py): every passer — one
    of each level (junior, intermediate, senior) and the senior passers either side of a quarter's
    end — has exactly one offline voucher from this platform, for its own course's occupation and
    level, from one report id; the learner who studied every required hour of a senior course but
    answered every question wrong (not passed under EXAM-02) has none and was never reported.

    Space: every level of the enumeration (a report that writes one level's code wrong); the pass
    condition's two halves apart (the hours met, the accuracy not: a platform that reports at the
    hours minimum); passes at any time of day, also a minute before and half a minute after a
    quarter's midnight. The cohort is shared with the subsidy checks (built once a run). Since
    stop 46 every send of a passer's report must name its course, its certificate's number and
    the certificate's completion date (`finished_on`): the pass half a minute after midnight is
    where a date of the sending moment, or a UTC date, is a day early."""
    members = {m.role: m for m in cohort(probe).members}
    passers = [members[role] for role in COHORT_PASSERS if role in members]
    failer = members.get(COHORT_FAILER)
    if failer is None or not passers:
        raise CannotProbe(PROBE, "the subsidy cohort has no failer or no passer")
    # The passers' completion must be visible (the report's deadline runs from it); the failer
    # is judged by what the harness did (every hour credited, every answer wrong), not by
    # whether the platform certified it.
    not_passed = [m.role for m in passers if not m.certificates]
    if not_passed or (failer.credited_hours or 0) < failer.required:
        raise CannotProbe(
            PROBE,
            f"the cohort is not as studied: no certificate for {not_passed}, the failer's"
            f" credited hours {failer.credited_hours} of {failer.required}",
        )
    vouchers = poll(
        lambda: _platform_vouchers(probe),
        lambda found: all(found.get(m.id_number) for m in passers),
        probe.thresholds.realtime_seconds,
        POLL_S,
    )
    reports: dict[str, list[dict[str, Any]]] = {}
    for entry in probe.province.log(service="completion", platform_id=probe.platform_id):
        reports.setdefault(str(entry.request.get("id_number")), []).append(_report_row(entry))
    rows = [_hand_over_of(m, vouchers, reports) for m in [*passers, failer]]
    probe.evidence.attach_json("hand-over-by-level", rows)
    wrong = [row for row in rows if row["problem"]]
    if wrong:
        raise CheckFailure(
            "The offline hand-over does not follow the pass: " + wrong[0]["problem"],
            received=wrong,
            expected="one offline voucher per passer, of its course's occupation and level, "
            "from one report id; no report and no voucher for a learner who has not passed",
        )
    probe.evidence.note(
        f"{len(passers)} passers (levels {sorted({m.enrolled.course.level for m in passers})})"
        " one voucher each; the learner with the hours but not the accuracy none"
    )


def _platform_vouchers(probe: Probe) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for voucher in probe.province.offline_vouchers(platform_id=probe.platform_id):
        found.setdefault(voucher.holder_id_number, []).append(voucher)
    return found


def _hand_over_of(
    member: Member, vouchers: dict[str, list[Any]], reports: dict[str, list[dict[str, Any]]]
) -> dict[str, Any]:
    """What the province holds for one cohort member, and what is wrong with it (or None)."""
    course = member.enrolled.course
    mine = vouchers.get(member.id_number, [])
    sent = reports.get(member.id_number, [])
    row: dict[str, Any] = {
        "role": member.role,
        "id_number": member.id_number,
        "course": {
            "course_id": course.course_id,
            "occupation_code": course.occupation_code,
            "level": course.level,
        },
        "vouchers": [v.model_dump(mode="json") for v in mine],
        "reports": sent,
        "problem": None,
    }
    if member.role == COHORT_FAILER:
        if mine or sent:
            row["problem"] = (
                f"a learner with every hour credited but the quiz failed was reported"
                f" ({len(sent)} reports, {len(mine)} vouchers)"
            )
    elif len(mine) != 1:
        row["problem"] = f"the {member.role} passer has {len(mine)} offline vouchers, not one"
    elif (mine[0].occupation_code, mine[0].level) != (course.occupation_code, course.level):
        row["problem"] = (
            f"the {member.role} passer's voucher is for {mine[0].occupation_code}"
            f" {mine[0].level}, its course {course.occupation_code} {course.level}"
        )
    elif len({r["report_id"] for r in sent}) != 1:
        row["problem"] = f"the {member.role} passer was reported under several report ids"
    else:
        row["problem"] = _report_content_problem(member, sent)
    return row


def _report_content_problem(member: Member, sent: list[dict[str, Any]]) -> str | None:
    """Every send of a passer's report names its course, its certificate's number and the
    completion date its certificate shows (`finished_on`, Asia/Shanghai): what the province's
    hand-over records. A date taken from the moment of sending, or in UTC, is a day off for a
    pass in the Shanghai early morning (the cohort's passers half a minute after midnight)."""
    if not member.certificates:  # the cohort keeps a member's certificates of its own course
        return f"the {member.role} passer has no certificate of its course to report"
    cert = member.certificates[0]
    expected = {
        "course_id": member.course_id,
        "certificate_number": cert.number,
        "completed_on": cert.finished_on.isoformat(),
    }
    for report in sent:
        wrong = {
            key: report.get(key) for key, value in expected.items() if report.get(key) != value
        }
        if wrong:
            return (
                f"the {member.role} passer's completion report (seq {report['seq']}) names"
                f" {wrong}; its certificate: {expected}"
            )
    return None


def _completed(probe: Probe, enrolled: Enrolled) -> bool:
    rows = probe.supervisor.course_progress(enrolled.learner.learner_id or "")
    return any(r.completed for r in rows if r.course_id == enrolled.course.course_id)


def _poll_vouchers(probe: Probe, enrolled: Enrolled, within_s: float) -> list[Any]:
    """The learner's offline vouchers, once there are some or `within_s` is over; the learner's
    certificates listed before each look (a platform may report when they are listed)."""

    def look() -> list[Any]:
        probe.supervisor.certificates(enrolled.learner.learner_id or "")
        return probe.province.offline_vouchers(id_number=enrolled.learner.id_number)

    return poll(look, bool, within_s, POLL_S)


def _reports(probe: Probe, id_number: str) -> list[dict[str, Any]]:
    entries = probe.province.log(service="completion", id_number=id_number)
    return [_report_row(e) for e in entries if e.platform_id == probe.platform_id]


def _report_row(entry: LogEntry) -> dict[str, Any]:
    """One completion report in the province's call log, as the evidence shows it."""
    return {
        "seq": entry.seq,
        "status": entry.status_code,
        "report_id": entry.request.get("report_id"),
        "course_id": entry.request.get("course_id"),
        "certificate_number": entry.request.get("certificate_number"),
        "completed_on": entry.request.get("completed_on"),
    }
