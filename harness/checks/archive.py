"""ARCH-01, ARCH-02 — the electronic training archive (对接山西省公共服务平台形成电子培训学习档案;
做到学习过程可记录、可监管、可追溯).

Judged at the province: the chain of archive records it holds for a fresh learner, against the
platform's own supervision view of that learner. The province verifies each chain on arrival and
refuses a broken one; the harness verifies it again from the records it is shown.
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from harness.api import Refused
from harness.checks._archive_support import (
    KEY_FIELDS,
    SupervisionView,
    archive_problems,
    missing,
    poll_chain,
)
from harness.checks._commands import run_command
from harness.checks._support import lesson_progress, poll, study, study_setup
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.study import Enrolled, Study
from harness.spec.archive import MAX_BATCH
from harness.supervision import Restarted

PROBE = "the archive"
RESTART_PROBE = "the archive across a restart"
RESTART_KINDS = frozenset({"enrolment", "session", "quiz_answer"})  # what the outage produces
LAPSE_PAST_S = 5.0  # how far past its deadline the archive journey leaves a capture unanswered
# Quiz answers given during the outage: with the sessions' records, more than the province takes
# in one batch (the interface: 1–MAX_BATCH records), so the backlog must be sent in several.
BACKLOG_ANSWERS = MAX_BATCH + 1


def supervision_view(probe: Probe, enrolled: Enrolled) -> SupervisionView:
    learner_id = enrolled.learner.learner_id or ""
    sup = probe.supervisor
    return SupervisionView(
        enrolments=sup.enrolments(learner_id),
        playbacks=sup.playbacks(learner_id),
        captures=sup.captures(learner_id),
        quiz_answers=sup.quiz_answers(learner_id),
        progress=sup.progress(learner_id),
        certificates=sup.certificates(learner_id),
    )


def held_chain(probe: Probe, enrolled: Enrolled) -> list[dict[str, Any]]:
    """The learner's chain as the province holds it from this platform (empty when none)."""
    chains = probe.province.archive(
        platform_id=probe.platform_id, id_number=enrolled.learner.id_number
    )
    return [r.model_dump(mode="json") for c in chains for r in c.records]


def refused_pushes(probe: Probe, enrolled: Enrolled, after_seq: int = 0) -> list[dict[str, Any]]:
    """The learner's archive pushes the province did not accept, with its reasons."""
    entries = probe.province.log(
        service="archive", id_number=enrolled.learner.id_number, after_seq=after_seq
    )
    return [
        {
            "seq": e.seq,
            "status": e.status_code,
            "detail": e.response.get("detail") if isinstance(e.response, dict) else None,
        }
        for e in entries
        if e.platform_id == probe.platform_id and e.status_code >= 300
    ]


def _summary(records: list[dict[str, Any]]) -> list[str]:
    """One line per held record: `seq kind fact-id`."""
    lines = []
    for record in records:
        kind = str(record.get("kind"))
        key = (record.get("data") or {}).get(KEY_FIELDS.get(kind, ""))
        lines.append(f"{record.get('seq')} {kind} {key}")
    return lines


@check("ARCH-01", "ARCH-02")
def archive_holds_what_supervision_shows(probe: Probe) -> None:
    """The province's archive of a learner is the platform's supervision view of them, complete,
    consistent and traceable, and its chain verifies.

    Space:
    - record kinds: enrolment, session (four playbacks of one lesson: one closed early, one that
      earns a single second, the least a linked session can earn, one opened and closed at once,
      which earns nothing, and one that earns the rest),
      capture (a failed one, another person's face, and a passed one), quiz answers of the
      lesson's hours, the credited lesson; a second lesson watched to its end with every capture
      answered by a still photo (its seconds all credited, its hour not: the archive must hold no
      credited-lesson record of it); a certificate when the view shows one
      (this journey earns none: see the check's limits in notes);
    - completeness: a record of every fact the view shows, within `realtime_seconds`;
    - consistency: each record's course, lesson, verdict or option as the view shows it; no
      record of a fact the view does not show; no fact recorded twice;
    - traceability (ARCH-02): the credited lesson's record links every playback that earned its
      time, every passed capture and every quiz answer of the lesson, each held earlier in the
      chain, and at least one passed capture per lesson hour; and nothing else (a link claims
      the hour: the playback that earned nothing and the failed captures must not be linked);
    - tamper evidence: seq 1..n without gaps, each `prev_hash` the previous record's hash, each
      hash the SHA-256 of the record's canonical JSON, no record id twice;
    - another learner's refused chain: before the journey, a second learner's records are
      refused by the province (a sandbox fault, lifted at the end) and the platform has been
      refused at least once, so that its records wait unsent; the journey's
      records must still arrive within `realtime_seconds`; then the other way round: that
      refusal lifted and its chain delivered, the journey's learner refused, and a new session
      of the first learner, then one more of the refused learner's (the province unavailable
      meanwhile, so that nothing is sent in between), and the first learner's must arrive
      within `realtime_seconds` of the province's return (a platform that ends its round at
      the first refusal, in any fixed order of learners, or oldest or newest records first,
      holds one of the two up); when the first learner is not retried within RETRY_WAIT_S, the
      sessions of FRESH_LEARNERS fresh learners must arrive instead.
    Time: the test clock; the archive is polled in real time."""
    held_up = study_setup(probe)
    probe.province.refuse_archive(held_up.learner.id_number)
    refused = [held_up]
    try:
        refused_first, held_session = _refused_before_the_journey(probe, held_up)
        enrolled = _judge_the_journey(probe, refused_first)
        probe.province.refuse_archive(held_up.learner.id_number, refused=False)
        refused = [enrolled]
        probe.province.refuse_archive(enrolled.learner.id_number)
        _judge_the_other_way_round(probe, held_up, held_session, enrolled)
    finally:
        for learner in refused:
            probe.province.refuse_archive(learner.learner.id_number, refused=False)


def _refused_before_the_journey(
    probe: Probe, held_up: Enrolled
) -> tuple[list[dict[str, Any]], str]:
    """A session of `held_up` (whose archive the province refuses now), and its refused pushes:
    waited for up to `realtime_seconds` (none means the platform had not tried yet, which the
    evidence says; the journey is judged either way). Answers them and the session's id."""
    session = study(probe, held_up, 0)
    probe.platform.close_playback(session.token or held_up.token, session.playback_id)
    refused = poll(
        lambda: refused_pushes(probe, held_up), bool, probe.thresholds.realtime_seconds, POLL_S
    )
    return [{"learner": held_up.learner.id_number, **push} for push in refused], session.playback_id


# How long the other way round waits for the held-up learner's chain once its refusal is lifted:
# the interface sets no time for retrying a refused chain (the reference: 2 s), so a platform
# that takes longer is judged that way round with fresh learners instead (FRESH_LEARNERS).
RETRY_WAIT_S = 30.0
POLL_S = 0.25
# Learners enrolled for the other way round when the held-up learner is not retried in time. A
# pusher that ends its round at the first refusal in a fixed order holds up every learner after
# the refused one; a fresh learner's place in that order is the platform's (ids it draws), so
# one may come first by chance: each more learner halves, about, the chance that all do.
FRESH_LEARNERS = 3


def _judge_the_other_way_round(
    probe: Probe, held_up: Enrolled, held_session: str, journey: Enrolled
) -> None:
    """The roles swapped: the held-up learner's refusal lifted and its chain arrived, the
    journey's learner refused (and refused once more, on a new session), then a new session of
    the first learner, and after it one more of the refused learner's (the province unavailable
    while both are made); the first learner's must arrive within `realtime_seconds`. A
    platform that ends its round at the first refusal in any fixed order of learners holds one
    of the two up: whichever of them comes second in its order; one that orders them by their
    records' age, oldest or newest first, holds up the first learner here (the refused one's
    records are both older and newer than its).

    A held-up learner not retried within RETRY_WAIT_S (a platform slow to retry, which the
    interface allows, or one whose round stops at a third learner's refused chain, between the
    two in its order) cannot show it: then FRESH_LEARNERS learners enrolled while the journey's
    learner is refused stand in for it, and each new session of theirs must arrive in time."""
    retried = poll(lambda: _holds_session(probe, held_up, held_session), bool, RETRY_WAIT_S, POLL_S)
    if not retried:
        probe.evidence.note(
            f"the learner whose chain was refused was not retried within {RETRY_WAIT_S:.0f} s"
            " of the refusal's end (the interface sets no time for that): the other way round"
            f" is tried with {FRESH_LEARNERS} fresh learners instead"
        )
    mark = max((p["seq"] for p in refused_pushes(probe, journey)), default=0)
    again = study(probe, journey, 0)
    probe.platform.close_playback(again.token or journey.token, again.playback_id)
    poll(
        lambda: refused_pushes(probe, journey, after_seq=mark),
        bool,
        probe.thresholds.realtime_seconds,
        POLL_S,
    )
    waiting = [held_up] if retried else [study_setup(probe) for _ in range(FRESH_LEARNERS)]
    sessions = []
    # The refused learner acts last, and nothing is sent before it has: a pusher that sends the
    # learner with the newest records first, and stops at a refusal, then meets the refused
    # chain first, as one that sends the oldest first does (its refused records are older than
    # the waiting ones'); the province answers 503 meanwhile, so that no round in between
    # sends the waiting records early. The outage ends before the waiting records are timed.
    probe.province.set_unavailable(True)
    try:
        for learner in waiting:
            fresh = study(probe, learner, 0)
            probe.platform.close_playback(fresh.token or learner.token, fresh.playback_id)
            sessions.append((learner, fresh.playback_id))
        last = study(probe, journey, 0)
        probe.platform.close_playback(last.token or journey.token, last.playback_id)
    finally:
        probe.province.set_unavailable(False)

    def held_back() -> set[str]:
        return {s for e, s in sessions if not _holds_session(probe, e, s)}

    late = poll(held_back, lambda left: not left, probe.thresholds.realtime_seconds, POLL_S)
    observed = {
        "learners": [
            {
                "learner": e.learner.id_number,
                "session": s,
                "arrived": s not in late,
                "chain": _summary(held_chain(probe, e)),
            }
            for e, s in sessions
        ],
        "fresh_learners": not retried,
        "refused_learner": journey.learner.id_number,
        "refused_learners_last_session": last.playback_id,
        "refused_pushes": refused_pushes(probe, journey, after_seq=mark)[:5],
    }
    probe.evidence.attach_json("the-other-way-round", observed)
    if late:
        raise CheckFailure(
            "A learner's archive records were held up behind another learner's refused chain",
            received=observed,
            expected=f"the session records of {[s for _, s in sessions]} within"
            f" {probe.thresholds.realtime_seconds:g} s while another learner's chain is refused",
        )
    fresh_ones = f"the sessions of {len(sessions)} fresh learners"
    whose = "the other learner's session" if retried else fresh_ones
    probe.evidence.note(f"and the other way round: {whose} arrived in time")


def _holds_session(probe: Probe, enrolled: Enrolled, playback_id: str) -> bool:
    return any(
        r.get("kind") == "session" and (r.get("data") or {}).get("playback_id") == playback_id
        for r in held_chain(probe, enrolled)
    )


def _judge_the_journey(probe: Probe, refused_first: list[dict[str, Any]]) -> Enrolled:
    enrolled = study_setup(probe)
    first = study(probe, enrolled, 0)
    challenge = first.watch_until_challenge()
    if challenge is not None:
        first.answer("impostor")  # a failed capture is part of the archive too
    probe.platform.close_playback(first.token or enrolled.token, first.playback_id)
    brief = study(probe, enrolled, 0)  # a session that earns one second: still a linked session
    brief.wait(1)
    brief.beat(brief.position + 1)
    brief.pass_open_capture()  # the failed capture's replacement: left open, it would lapse
    probe.platform.close_playback(brief.token or enrolled.token, brief.playback_id)
    idle = study(probe, enrolled, 0)  # opened and closed at once: it earned nothing
    probe.platform.close_playback(idle.token or enrolled.token, idle.playback_id)
    second = study(probe, enrolled, 0)
    second.watch_to_end()
    second.settle_capture()
    lesson = lesson_progress(probe, enrolled, second.lesson.lesson_id)
    if lesson is None or not lesson.hour_credited:
        raise CannotProbe(PROBE, "the studied lesson was not credited, so nothing links to it")
    unproven = _watched_without_a_passed_capture(probe, enrolled, second)
    view = supervision_view(probe, enrolled)
    journey = (first, brief, idle, second, unproven)
    _view_shows_the_journey(
        view,
        {s.playback_id for s in journey},
        set().union(*(s.answered for s in journey)),
    )
    expected = view.expected()
    records, waited = poll_chain(
        lambda: held_chain(probe, enrolled), expected, probe.thresholds.realtime_seconds
    )
    problems = archive_problems(view, records)
    observed = {
        "learner": enrolled.learner.id_number,
        "journey": [sent for s in journey for sent in s.sent],
        "expected": [f"{e.kind} {e.key}" for e in expected],
        "archive": _summary(records),
        "waited_s": round(waited, 2),
        "refused_pushes": refused_pushes(probe, enrolled),
        "another_learners_refused_pushes_before": refused_first,
    }
    probe.evidence.attach_json("archive", {**observed, "records": records, "problems": problems})
    if problems:
        raise CheckFailure(
            "The province's archive is not the supervision view, complete and traceable",
            received={
                "problems": problems[:20],
                "refused_pushes": observed["refused_pushes"][:5],
                "another_learners_refused_pushes_before": refused_first[:5],
            },
            expected="a verified chain with a record of every fact the supervision view shows;"
            " the credited lesson linking its sessions, captures and quiz answers",
        )
    probe.evidence.note(
        f"{len(records)} records, chain verified, every fact of the supervision view held"
        f" ({waited:.1f} s after the journey), another learner's chain refused meanwhile"
        + ("" if refused_first else " (the platform had not tried to push it before the journey)")
    )
    return enrolled


def _watched_without_a_passed_capture(probe: Probe, enrolled: Enrolled, before: Study) -> Study:
    """The course's second lesson watched to its end, every capture failed: the first left
    unanswered past its deadline (since stop 49: an expired capture is a settled `capture`
    record too, docs/interface.md "`passed` not null: answered, or expired"), the rest answered
    with a still photo held to the camera. The archive holds its session and failed captures,
    and no credited lesson."""
    if len(enrolled.lessons) < 2:
        raise CannotProbe(PROBE, "the course has a single lesson; a second is watched uncredited")
    probe.platform.close_playback(before.token or enrolled.token, before.playback_id)
    unproven = study(probe, enrolled, 1)
    lapsing = unproven.watch_until_challenge()
    if lapsing is not None:  # the player stalls with the challenge open, past its deadline
        unproven.answered.add(lapsing.challenge_id)  # never answered, whatever comes back
        unproven.open_challenge = None
        unproven.wait((lapsing.deadline - lapsing.issued_at).total_seconds() + LAPSE_PAST_S)
        unproven.beat(unproven.position)  # the next heartbeat settles it as expired
    unproven.watch_to_end(captures="still")
    probe.platform.close_playback(unproven.token or enrolled.token, unproven.playback_id)
    return unproven


def _view_shows_the_journey(
    view: SupervisionView, playbacks: set[str], captures_answered: set[str]
) -> None:
    """The archive is judged against the view; a view that does not show what the journey did
    would make the comparison vacuous, so that is `CannotProbe`, not a pass."""
    shown_playbacks = {p.playback_id for p in view.playbacks}
    settled = {c.challenge_id for c in view.captures if c.passed is not None}
    absent = sorted(playbacks - shown_playbacks) + sorted(captures_answered - settled)
    if absent or not any(c.passed for c in view.captures) or not view.quiz_answers:
        raise CannotProbe(
            PROBE,
            "the supervision view does not show the journey (its playbacks, its settled and"
            f" passed captures, its quiz answers); absent: {absent}",
        )


def restart_platform(probe: Probe) -> Restarted:
    """The profile's `[restart]` command when it names one (the restart the vendor operates),
    else the certification instance's restart hook; either way the platform serves again (its
    health with a new boot id, when it gives one) before the check goes on."""
    command = probe.profile.restart if probe.profile else None
    if command is None:
        try:
            return probe.clock.restart()
        except Refused as refused:
            raise CannotProbe(
                RESTART_PROBE,
                f"the platform has no restart hook ({refused.status}) and the profile no [restart]",
            ) from None
    started = time.monotonic()
    _, before = probe.clock.boot_id()
    ran = run_command("restart", command.command, command.timeout_seconds, "[restart]")
    how = f"[restart] command: exit 0 after {ran['seconds']:g} s"
    return probe.clock.back_after(how, before, started, command.timeout_seconds)


@check("ARCH-01")
def archive_push_survives_a_platform_restart(probe: Probe) -> None:
    """Records made while the province is unavailable, and still unsent when the platform
    restarts, reach the archive once the province is back: nothing is lost, nothing doubled.

    Space: a learner enrolled with a playback open (records the province may already hold);
    then, with the province answering 503: the playback closed, a second one opened, the
    lesson's quiz questions answered and then questions of the course's other lessons, until
    more than the province's batch bound (MAX_BATCH, 200 records) waits (a backlog one batch
    cannot carry: a platform that sends it whole, or one record too many, is refused every
    time); the harness waits
    until the platform has tried to push (a 503 in the province's log, up to
    `realtime_seconds`), restarts the platform (`restart_platform`), ends the outage, and gives it
    `realtime_seconds` to deliver. Judged: every enrolment, session and quiz answer of the
    supervision view held once, and the chain verifies."""
    enrolled = study_setup(probe)
    first = study(probe, enrolled, 0)
    before = probe.province.log(service="archive", id_number=enrolled.learner.id_number)
    marker = max((e.seq for e in before), default=0)
    tried = False
    probe.province.set_unavailable(True)
    try:
        probe.platform.close_playback(first.token or enrolled.token, first.playback_id)
        second = study(probe, enrolled, 0)
        second.finish_quizzes()
        backlog = _answer_course_questions(probe, enrolled, BACKLOG_ANSWERS)
        tried = _await_a_push_attempt(probe, enrolled, marker)
        restarted = restart_platform(probe)
    finally:
        probe.province.set_unavailable(False)
    view = supervision_view(probe, enrolled)
    expected = [e for e in view.expected() if e.kind in RESTART_KINDS]
    if len([e for e in expected if e.kind == "session"]) < 2 or not any(
        e.kind == "quiz_answer" for e in expected
    ):
        raise CannotProbe(RESTART_PROBE, "the outage produced no second session or quiz answer")
    records, waited = poll_chain(
        lambda: held_chain(probe, enrolled), expected, probe.thresholds.realtime_seconds
    )
    problems = archive_problems(view, records, RESTART_KINDS)
    observed = {
        "learner": enrolled.learner.id_number,
        "push_attempt_seen_during_outage": tried,
        "backlog_answers": backlog,
        "restart": asdict(restarted),
        "expected": [f"{e.kind} {e.key}" for e in expected],
        "archive": _summary(records),
        "missing_after_restart": [f"{e.kind} {e.key}" for e in missing(expected, records)],
        "waited_s": round(waited, 2),
        "refused_pushes": refused_pushes(probe, enrolled, marker),
    }
    probe.evidence.attach_json("restart", {**observed, "records": records, "problems": problems})
    if problems:
        raise CheckFailure(
            "Records made before a platform restart did not all reach the archive",
            received={"problems": problems[:20], "waited_s": observed["waited_s"]},
            expected=f"every record held within {probe.thresholds.realtime_seconds} s of the"
            " province's return, once, in a verified chain",
        )
    probe.evidence.note(
        f"{len(records)} records held {waited:.1f} s after the outage ({backlog} quiz answers"
        " of the backlog among them); restart lost nothing"
        + ("" if tried else " (no push attempt was seen during the outage)")
    )


def _answer_course_questions(probe: Probe, enrolled: Enrolled, count: int) -> int:
    """Answer the course's questions not answered yet, hour by hour through the learner's quiz
    taker (any lesson's: a learner may answer an hour's questions once enrolled), until at least
    `count` were taken, each a record of the archive; answers how many the platform took. Fewer
    than `count` (a small course) is written in the evidence."""
    taker, course_id = enrolled.quiz, enrolled.course.course_id
    taken = 0
    for lesson in enrolled.lessons:
        for hour in range(max(1, lesson.lesson_hours)):
            if taken >= count:
                return taken
            made = taker.take(
                probe.platform, enrolled.token, course_id, lesson.lesson_id, hour, probe.time.now
            )
            taken += sum(given.refused is None for given in made)
    probe.evidence.note(
        f"the course took {taken} more answers, not {count}: the backlog may fit one batch"
    )
    return taken


def _await_a_push_attempt(probe: Probe, enrolled: Enrolled, after_seq: int) -> bool:
    """Wait (real time, up to `realtime_seconds`) until the platform tried to push one of the
    learner's records and met the outage; True when it did."""
    deadline = time.monotonic() + probe.thresholds.realtime_seconds
    while time.monotonic() < deadline:
        attempts = probe.province.log(
            service="archive", id_number=enrolled.learner.id_number, after_seq=after_seq
        )
        if any(e.status_code == 503 for e in attempts):
            return True
        time.sleep(0.25)
    return False
