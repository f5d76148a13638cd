"""VOUCH-03 — completing the online course is reported, so the province issues the offline
practical-training voucher (完成线上培训课程后领取线下实操培训券).

Judged at the province: the offline vouchers it issued and the completion reports in its call log,
for a learner the supervision view shows completed and one it shows not completed.
"""

from __future__ import annotations

import time
from typing import Any

from harness.catalogue import load_catalogue
from harness.checks._support import offered_courses, study, study_setup
from harness.failures import CannotJudge, CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.study import Enrolled

PROBE = "the offline hand-over"
POLL_S = 0.5


@check("VOUCH-03")
def offline_voucher_for_every_completer_and_nobody_else(probe: Probe) -> None:
    """A learner who completed the course gets exactly one offline voucher at the province, for
    the course's occupation and level, from exactly one completion report (one report id, however
    often it was sent); a learner of the same course who has not completed gets none and is
    never reported. The platform has `realtime_seconds` to report.

    Space: a completer and a non-completer side by side; retries (several sends of one report
    are allowed, several reports are not)."""
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
    for learner in (completer, other):  # a platform may report when certificates are listed
        probe.supervisor.certificates(learner.learner.learner_id or "")
    vouchers = _poll_vouchers(probe, completer, probe.thresholds.realtime_seconds)
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


def _completed(probe: Probe, enrolled: Enrolled) -> bool:
    rows = probe.supervisor.course_progress(enrolled.learner.learner_id or "")
    return any(r.completed for r in rows if r.course_id == enrolled.course.course_id)


def _poll_vouchers(probe: Probe, enrolled: Enrolled, within_s: float) -> list[Any]:
    deadline = time.monotonic() + within_s
    while True:
        found = probe.province.offline_vouchers(id_number=enrolled.learner.id_number)
        if found or time.monotonic() >= deadline:
            return found
        time.sleep(POLL_S)


def _reports(probe: Probe, id_number: str) -> list[dict[str, Any]]:
    entries = probe.province.log(service="completion", id_number=id_number)
    return [
        {"seq": e.seq, "status": e.status_code, "report_id": e.request.get("report_id")}
        for e in entries
        if e.platform_id == probe.platform_id
    ]
