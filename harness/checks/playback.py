"""STUDY-03…07 — one playback credited at a time, no fast-forward, no speed-up, credit never
beyond wall-clock time, breakpoint resume. Judged from the supervision view."""

from __future__ import annotations

from harness.api import Refused, attempt
from harness.checks._support import (
    heartbeat_tolerance,
    lesson_progress,
    studied_lesson_progress,
    study,
    study_setup,
    watch_honestly,
)
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios import cheats

TOLERANCE_S = 1.0


@check("STUDY-04")
def second_window_never_doubles_credit(probe: Probe) -> None:
    """Two windows of one account playing two lessons at once earn no more than the clock time
    that passed, and a supervisor sees at most one active playback."""
    enrolled = study_setup(probe)
    first = study(probe, enrolled, 0, "window-1")
    second = study(probe, enrolled, 1, "window-2")
    for _ in range(4):
        first.wait(first.interval)
        first.beat(first.position + first.interval)
        second.beat(second.position + second.interval)
    elapsed = first.elapsed_since_open()
    learner_id = enrolled.learner.learner_id or ""
    rows = probe.supervisor.progress(learner_id, enrolled.course.course_id)
    if not rows:  # two lessons were opened and studied: no row means nothing was observable
        raise CannotProbe("two windows", "the supervision view shows no progress for either")
    credited = sum(r.credited_s for r in rows)
    active = [p for p in probe.supervisor.playbacks(learner_id) if p.active]
    probe.evidence.attach_json(
        "two-windows",
        {
            "window-1": first.sent,
            "window-2": second.sent,
            "elapsed_s": elapsed,
            "credited_s": credited,
            "active_playbacks": [p.model_dump(mode="json") for p in active],
        },
    )
    if credited > elapsed + TOLERANCE_S or len(active) > 1:
        raise CheckFailure(
            "Two windows earned credit at once",
            received={
                "credited_s": credited,
                "elapsed_s": elapsed,
                "active_playbacks": len(active),
            },
            expected="credit ≤ elapsed clock time, ≤ 1 active playback",
        )
    probe.evidence.note(
        f"{credited:g} s credited in {elapsed:g} s with two windows; {len(active)} active playback"
    )


@check("STUDY-05")
def seek_past_furthest_point_earns_no_credit(probe: Probe) -> None:
    """Dragging forward, just past the one-heartbeat tolerance or far, or reporting the end of the
    lesson, earns nothing and moves the furthest point nowhere; reviewing backwards is allowed;
    honest watching then goes on as before."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    tolerance = heartbeat_tolerance(probe, session)
    watch_honestly(session, 300, "seek_jump")
    honest = session.position  # what was really watched, not what the platform says it credited
    # One heartbeat of clock passes before each jump; a jump more than one heartbeat (the
    # profile's) beyond that is a seek, however small.
    just_past = honest + session.interval + tolerance + 5
    records = [
        cheats.seek_jump(session, just_past),
        cheats.seek_jump(session, honest + 1500),
        cheats.forge_position_at_end(session),
    ]
    session.wait(session.interval)
    review = session.beat(max(0.0, honest - 120))
    session.position = honest
    session.watch(session.interval)
    honest = session.position
    row = lesson_progress(probe, enrolled, session.lesson.lesson_id)
    probe.evidence.attach_json(
        "seek",
        {
            "heartbeat_tolerance_s": tolerance,
            "cheats": [r.summary() for r in records],
            "journal": session.sent,
            "progress": row.model_dump(mode="json") if row else None,
        },
    )
    if row is None:
        raise CheckFailure("The supervision view shows no progress for the lesson")
    if row.credited_s > honest + TOLERANCE_S or row.furthest_position_s > honest + TOLERANCE_S:
        raise CheckFailure(
            "Seeking forward earned credit",
            received={"credited_s": row.credited_s, "furthest_position_s": row.furthest_position_s},
            expected=f"≤ {honest:g} s, the honestly watched time",
        )
    if isinstance(review, Refused):
        raise CheckFailure(
            "Reviewing backwards was refused",
            received=f"{review.status} {review.detail}",
            expected="allowed",
        )
    probe.evidence.note(
        f"seeks (just past {tolerance:g} s and far) and forged end earned 0; "
        f"{row.credited_s:g} s credited for {honest:g} s watched"
    )


@check("STUDY-05")
def lesson_finished_call_earns_no_credit(probe: Probe) -> None:
    """A direct 'lesson finished' call outside the player earns nothing."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    honest = watch_honestly(session, 60, "call_lesson_finished")
    record = cheats.call_lesson_finished(session)
    row = studied_lesson_progress(probe, enrolled, session.lesson.lesson_id, record.name)
    probe.evidence.attach_json(
        "lesson-finished-call", {"cheat": record.summary(), "progress": row.model_dump(mode="json")}
    )
    if row.credited_s > honest + TOLERANCE_S or row.hour_credited:
        raise CheckFailure(
            "A 'lesson finished' call earned credit",
            received=row.model_dump(mode="json"),
            expected=f"≤ {honest:g} s credited, hour not credited",
        )
    probe.evidence.note(f"lesson-finished call earned nothing ({_answer(record.answers[-1])})")


def _answer(answer: object) -> str:
    return f"{answer.status} {answer.detail}" if isinstance(answer, Refused) else str(answer)


@check("STUDY-06")
def faster_than_real_time_playback_earns_no_extra_credit(probe: Probe) -> None:
    """Playback at 2×, 4× and 16× earns nothing: credit never exceeds the clock time that
    passed, and no sped-up heartbeat is credited."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    records = [cheats.speed_up(session, rate, beats=2) for rate in (2, 4, 16)]
    elapsed = session.elapsed_since_open()
    row = lesson_progress(probe, enrolled, session.lesson.lesson_id)
    beats = probe.supervisor.heartbeats(session.playback_id)
    sped_credit = sum(b.credited_delta_s for b in beats if b.rate > 1)
    answered = [a for r in records for a in r.answers if not isinstance(a, Refused)]
    if answered and not beats:  # heartbeats the platform answered must be observable
        raise CannotProbe(
            "speed_up", f"{len(answered)} heartbeats answered, none in the supervision view"
        )
    probe.evidence.attach_json(
        "speed-up",
        {
            "cheats": [r.summary() for r in records],
            "supervision_heartbeats": [b.model_dump(mode="json") for b in beats],
            "progress": row.model_dump(mode="json") if row else None,
        },
    )
    credited = row.credited_s if row else 0.0
    if sped_credit > 0 or credited > elapsed + TOLERANCE_S:
        raise CheckFailure(
            "Sped-up playback earned credit",
            received={"credited_s": credited, "sped_up_credit_s": sped_credit},
            expected=f"0 s for rates above 1×, ≤ {elapsed:g} s in all",
        )
    probe.evidence.note(f"2×/4×/16× playback earned {sped_credit:g} s")


@check("STUDY-06")
def credited_time_never_exceeds_wall_clock(probe: Probe) -> None:
    """Duplicated, replayed and burst heartbeats add nothing: credit stays within the clock time
    that passed since the lesson was opened."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    watch_honestly(session, 2 * session.interval, "replay_heartbeats", step=session.interval)
    records = [cheats.replay_heartbeats(session), cheats.rapid_fire(session)]
    elapsed = session.elapsed_since_open()
    row = studied_lesson_progress(probe, enrolled, session.lesson.lesson_id, "replay_heartbeats")
    credited = row.credited_s
    probe.evidence.attach_json(
        "wall-clock",
        {
            "cheats": [r.summary() for r in records],
            "journal": session.sent,
            "elapsed_s": elapsed,
            "credited_s": credited,
        },
    )
    if credited > elapsed + TOLERANCE_S:
        raise CheckFailure(
            "Credited time exceeds wall-clock time",
            received={"credited_s": credited, "elapsed_s": elapsed},
            expected="credited ≤ elapsed clock time",
        )
    probe.evidence.note(f"{credited:g} s credited in {elapsed:g} s despite replays and a burst")


@check("STUDY-07")
def reentering_a_lesson_resumes_where_it_stopped(probe: Probe) -> None:
    """After closing the lesson, and again after logging in anew, the lesson reopens at the
    point where study stopped (within one heartbeat)."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    interval = heartbeat_tolerance(probe, session)
    watch_honestly(session, 600, "breakpoint resume")
    probe.platform.close_playback(enrolled.token, session.playback_id)
    stopped = studied_lesson_progress(
        probe, enrolled, session.lesson.lesson_id, "breakpoint resume"
    ).furthest_position_s
    reopened = study(probe, enrolled, 0).playback
    enrolled.token = probe.learners.login(enrolled.learner, device_id="device-A").token
    after_login = study(probe, enrolled, 0).playback
    resumes = {
        "after_close": reopened.resume_position_s if reopened else None,
        "after_new_login": after_login.resume_position_s if after_login else None,
    }
    probe.evidence.attach_json(
        "resume", {"journal": session.sent, "stopped_at": stopped, **resumes}
    )
    wrong = {
        k: v
        for k, v in resumes.items()
        if v is None or not (stopped - interval - TOLERANCE_S <= v <= stopped + TOLERANCE_S)
    }
    if stopped < 600 - interval or wrong:
        raise CheckFailure(
            "The lesson does not resume where study stopped",
            received={"stopped_at": stopped, **resumes},
            expected=f"resume within {interval:g} s before {stopped:g} s",
        )
    probe.evidence.note(
        f"stopped at {stopped:g} s; resumed at {resumes['after_close']:g} s and "
        f"{resumes['after_new_login']:g} s"
    )


@check("STUDY-03")
def superseded_session_earns_no_credit(probe: Probe) -> None:
    """Once the account logs in on a second device, the first device's playback earns nothing."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    honest = watch_honestly(session, 2 * session.interval, "second login", step=session.interval)
    second = attempt(lambda: probe.learners.login(enrolled.learner, device_id="device-B"))
    for _ in range(3):
        session.wait(session.interval)
        session.beat(session.position + session.interval)
    row = studied_lesson_progress(probe, enrolled, session.lesson.lesson_id, "second login")
    credited = row.credited_s
    probe.evidence.attach_json(
        "two-devices",
        {
            "second_login": _answer(second) if isinstance(second, Refused) else "accepted",
            "first_device_journal": session.sent,
            "credited_s": credited,
        },
    )
    if not isinstance(second, Refused) and credited > honest + TOLERANCE_S:
        raise CheckFailure(
            "A playback of a superseded login kept earning credit",
            received={"credited_s": credited, "before_second_login_s": honest},
            expected="no credit after the second login",
        )
    probe.evidence.note(f"first device earned nothing after the second login ({credited:g} s)")
