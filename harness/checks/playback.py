"""STUDY-03…07 — one playback credited at a time, no fast-forward, no speed-up, credit never
beyond wall-clock time, breakpoint resume. Judged from the supervision view."""

from __future__ import annotations

from typing import Any

from harness.api import Refused, attempt
from harness.checks._support import (
    a_course,
    also_enrolled,
    answer_text,
    heartbeat_tolerance,
    lesson_progress,
    offered_courses,
    studied_lesson_progress,
    study,
    study_setup,
    watch_honestly,
)
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check
from harness.scenarios import cheats, spaces
from harness.scenarios.study import Enrolled, Study
from harness.spec.study import HeartbeatOut
from harness.spec.supervision import SupHeartbeat, SupPlayback

TOLERANCE_S = 1.0
REVIEW_BEHIND_S = (120.0, 50.0, 20.0, 0.0)  # STUDY-05: back, and re-watching forward again
SEEK_BEFORE_CLOSE_S = 1500.0  # STUDY-07: the drag reported just before the lesson is closed
CLOSED_FOR_S = 600.0  # STUDY-05: the lesson closed this long before it is opened again
JUMP_PAST_BOUND_S = 60.0  # the reopened playback's first heartbeat: this far past its bound
PAUSED_BEATS = 3  # STUDY-05: paused heartbeats before the jump that would cash their time in


# STUDY-04's pairs of windows: (older window's lesson, newer window's lesson, who beats first,
# window ids, whether the older window's playback is closed before the newer one opens).
WINDOW_PAIRS = (
    ("course A lesson 1", "course A lesson 2", "older first", "own ids", "open"),
    ("course A lesson 3", "course B lesson 1", "older first", "own ids", "open"),
    ("course B lesson 2", "course A lesson 4", "newer first", "own ids", "open"),
    ("course B lesson 3", "course A lesson 5", "older first", "one id", "open"),
    ("course A lesson 6", "course B lesson 4", "older first", "own ids", "older closed"),
    ("course B lesson 5", "course A lesson 7", "newer first", "one id", "older closed"),
)


@check("STUDY-04")
def second_window_never_doubles_credit(probe: Probe) -> None:
    """Two windows of one account playing at once earn no more than the clock time that passed,
    and a supervisor never sees two active playbacks of the account.

    Space (one login, one device; four heartbeats an interval apart in each window):
    - the second window's lesson: another lesson of the same course, and a lesson of a
      *different* course the learner is also enrolled in (in both directions: A then B, B then A);
    - the order the two windows beat in: the older window first, and the newer first;
    - window ids: every window its own id, and (since stop 47) both players under one window id
      (the client chooses it: a platform superseding only the account's *other* window ids lets
      two players of one id both earn);
    - the older window's playback open, or (since stop 49) closed by its player before the newer
      one opens, its heartbeats sent on all the same (docs/interface.md: a heartbeat to an ended
      playback is 409 "playback ended"; a closed playback that still earns has no newer
      playback to be superseded by), in both orders and both window-id choices;
    - (since stop 49) every older window's playback closed again once the pairs are done:
      closing an ended playback changes nothing (its end stays where it was).
    Judged on the account's total credit over all its courses, and the active playbacks."""
    first_course = a_course(probe.platform)
    others = [
        c
        for c in offered_courses(probe.platform)
        if c.course_id != first_course.course_id and c.occupation_code and c.level and c.approval
    ]
    if not others:
        raise CannotProbe("two windows", "only one approved course is offered: no second course")
    enrolled_a = study_setup(probe, course=first_course)
    enrolled_b = also_enrolled(probe, enrolled_a, others[0])
    courses = {"course A": enrolled_a, "course B": enrolled_b}
    learner_id = enrolled_a.learner.learner_id or ""
    opened, journals, active_seen = [], {}, []
    for pair_index, (older, newer, order, ids, state) in enumerate(WINDOW_PAIRS):
        sessions = []
        for label in (older, newer):
            if sessions and state == "older closed":
                closing = sessions[0]
                token = closing.token or closing.enrolled.token
                probe.platform.close_playback(token, closing.playback_id)
                closing.sent.append({"closed": closing.playback_id})
            course_label, lesson_label = label.rsplit(" lesson ", 1)
            enrolled = courses[course_label]
            own = len(sessions) if ids == "own ids" else 0
            window = f"window-{pair_index * 2 + own + 1}"
            index = (int(lesson_label) - 1) % len(enrolled.lessons)  # a course of few lessons
            session = study(probe, enrolled, index, window)
            sessions.append(session)
            journals[f"{label} ({window})"] = session.sent
        opened.append(sessions[0])
        beating = sessions if order == "older first" else sessions[::-1]
        for _ in range(4):
            beating[0].wait(beating[0].interval)
            for session in beating:
                session.beat(session.position + session.interval)
        active_seen.append(
            [p.model_dump(mode="json") for p in probe.supervisor.playbacks(learner_id) if p.active]
        )
    moved = _closed_again_moves_nothing(probe, learner_id, opened, journals)
    elapsed = opened[0].elapsed_since_open()
    rows = [
        *probe.supervisor.progress(learner_id, enrolled_a.course.course_id),
        *probe.supervisor.progress(learner_id, enrolled_b.course.course_id),
    ]
    if not rows:  # lessons were opened and studied: no row means nothing was observable
        raise CannotProbe("two windows", "the supervision view shows no progress for any window")
    credited = sum(r.credited_s for r in rows)
    by_lesson = {f"{r.course_id}/{r.lesson_id}": r.credited_s for r in rows if r.credited_s}
    probe.evidence.attach_json(
        "two-windows",
        {
            "windows": journals,
            "elapsed_s": elapsed,
            "credited_s": credited,
            "credited_by_lesson": by_lesson,
            "active_playbacks_after_each_pair": active_seen,
        },
    )
    doubled = [len(active) for active in active_seen if len(active) > 1]
    if credited > elapsed + TOLERANCE_S or doubled or moved:
        raise CheckFailure(
            "Two windows earned credit at once",
            received={
                "credited_s": credited,
                "elapsed_s": elapsed,
                "credited_by_lesson": by_lesson,
                "active_playbacks": [len(a) for a in active_seen],
                "ends_moved_by_closing_again": moved,
            },
            expected="credit ≤ elapsed clock time over all courses, ≤ 1 active playback;"
            " closing an ended playback changes nothing",
        )
    probe.evidence.note(
        f"{credited:g} s credited in {elapsed:g} s over {len(WINDOW_PAIRS)} pairs of windows "
        "(same course, two courses both ways, one window id, the older one closed first);"
        " never two active playbacks"
    )


def _closed_again_moves_nothing(
    probe: Probe, learner_id: str, older: list[Study], journals: dict[str, Any]
) -> dict[str, Any]:
    """Every older window's playback — ended by the newer one, or closed by its player — closed
    (again) once the pairs are done: docs/interface.md, "idempotent: closing an ended playback
    changes nothing". A close that ends it anew moves its end past the newer playback's opening,
    where the supervision view shows two playbacks running at once. The moved ends, by id."""
    ids = {session.playback_id for session in older}
    before = {p.playback_id: p.ended_at for p in probe.supervisor.playbacks(learner_id)}
    for session in older:
        attempt(
            lambda s=session: probe.platform.close_playback(
                s.token or s.enrolled.token, s.playback_id
            )
        )
    journals["closed again"] = sorted(ids)
    after = {p.playback_id: p.ended_at for p in probe.supervisor.playbacks(learner_id)}
    return {
        playback_id: {"ended_at_before": str(before[playback_id]), "after": str(ended)}
        for playback_id, ended in after.items()
        if playback_id in ids
        and before.get(playback_id) is not None
        and ended != before[playback_id]
    }


@check("STUDY-04")
def heartbeats_from_another_window_earn_nothing(probe: Probe) -> None:
    """A heartbeat naming a window other than the one its playback was opened in (a second
    window riding on the first one's playback) is refused — 409 `Heartbeat from another window`
    — or earns nothing, while the opening window's own heartbeats earn.

    Space: the opening window beating honestly (earns, else CannotProbe); a second window id
    sending the next two intervals' heartbeats (position moving on as a player's would); the
    opening window again; then the two alternating, one interval apart. Judged on every answer
    and on the lesson's credit, which must not exceed what the opening window's heartbeats
    earned."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0, "window-1")
    plan = ["window-1", "window-2", "window-2", "window-1", "window-2", "window-1", "window-2"]
    rows: list[dict[str, object]] = []
    own_credit = 0.0
    for window in plan:
        session.window_id = window
        session.wait(session.interval)
        answer = session.beat(session.position + session.interval)
        credited = answer.credited_delta_s if not isinstance(answer, Refused) else 0.0
        if window == "window-1":
            own_credit += credited
        rows.append({"window": window, "answer": _answer(answer), "credited_delta_s": credited})
        session.window_id = "window-1"
        session.pass_open_capture()  # an overdue capture would stop all credit, hiding the probe
    if own_credit <= 0:
        raise CannotProbe(
            "another window's heartbeats", "the opening window's heartbeats earned nothing"
        )
    row = studied_lesson_progress(probe, enrolled, session.lesson.lesson_id, "another window")
    probe.evidence.attach_json(
        "another-window",
        {"heartbeats": rows, "credited_s": row.credited_s, "journal": session.sent},
    )
    earned = [r for r in rows if r["window"] == "window-2" and r["credited_delta_s"] > 0]
    if earned or row.credited_s > own_credit + TOLERANCE_S:
        raise CheckFailure(
            "Heartbeats from another window earned credit on the playback",
            received={"earning": earned, "credited_s": row.credited_s},
            expected=f"409 or no credit; the lesson's credit ≤ {own_credit:g} s of its own window",
        )
    probe.evidence.note(
        f"{sum(1 for w in plan if w == 'window-2')} heartbeats of another window earned nothing"
    )


# STUDY-04's players left without close, chained on one learner (each new playback is the next
# one left): (its last sign of life a heartbeat rather than its opening, the next playback of the
# same lesson, how the player was left).
ABANDONED_PLAYERS = (
    (True, False, "idle"),
    (False, True, "idle"),
    (True, True, "idle"),
    (False, False, "idle"),
    (True, True, "signed out"),
    (True, False, "signed in elsewhere"),
)
IN_USE_INTERVALS = 2  # the interface: in use = a heartbeat, or the opening, this recently


@check("STUDY-04")
def abandoned_playback_never_locks_the_learner_out(probe: Probe) -> None:
    """A playback left without `close` (a browser that crashed) stops counting as in use once it
    has been idle longer than two heartbeat intervals, or at once when its login has ended: the
    learner's next playback opens (201).

    Space (one learner, six players left in a chain, never closed by the harness):
    - idle: the next playback opened straight after the old one has been idle IN_USE_INTERVALS
      intervals + 1 s on the platform's clock, the old player's last sign of life its opening or
      a heartbeat one interval in; the new playback of another lesson of the course, and of the
      same lesson again (a reload);
    - login ended: a heartbeat just now, then the learner signs out and in again on another
      device (which never knew the old player and cannot close it) and opens the same lesson at
      once; then signs in on a third device without signing out, and opens another lesson at
      once (probed only where the platform accepts that login by ending the first: refusing it
      is STUDY-03's compliant choice). A playback ends with its login (docs/interface.md: 409
      "playback ended … or its login ended"), so nothing of the old one is in use.
    Either choice of the interface passes: ending the old playback at once (the reference's
    default) or refusing while it is in use (`refuses_second_playback`); a platform refusing for
    longer locks the learner out of study (the interface: "refusing for good would lock out a
    learner whose browser closed without close"). The side before the idle bound (still in use,
    its login live) is not judged: both 201 and 409 are compliant there."""
    enrolled = study_setup(probe)
    if len(enrolled.lessons) < 2:
        raise CannotProbe("abandoned players", "the course has fewer than two lessons")
    course_id = enrolled.course.course_id
    lesson_index, window = 0, 1

    def open_playback(index: int, window: int) -> Any:
        return attempt(
            lambda: probe.platform.open_playback(
                enrolled.token,
                course_id=course_id,
                lesson_id=enrolled.lessons[index].lesson_id,
                window_id=f"window-{window}",
            )
        )

    current = open_playback(lesson_index, window)
    if isinstance(current, Refused):
        raise CannotProbe("abandoned players", f"the first playback: {_answer(current)}")
    rows: list[dict[str, Any]] = []
    locked_out: list[dict[str, Any]] = []
    for beat_first, same_lesson, left in ABANDONED_PLAYERS:
        interval = float(current.heartbeat_interval_s)
        left_at = probe.clock.now()
        beat: Any = None
        if beat_first:
            probe.clock.advance(interval)
            beat = attempt(
                lambda current=current, interval=interval, window=window: probe.platform.heartbeat(
                    enrolled.token,
                    current.playback_id,
                    seq=1,
                    position_s=current.resume_position_s + interval,
                    rate=1.0,
                    window_id=f"window-{window}",
                )
            )
            left_at = probe.clock.now()
        if left == "idle":
            idle_s = IN_USE_INTERVALS * interval + 1.0
            probe.clock.advance(idle_s - (probe.clock.now() - left_at).total_seconds())
        elif left == "signed out":
            probe.platform.logout(enrolled.token)
            enrolled.token = probe.learners.login(enrolled.learner, device_id="device-B").token
        else:
            login = attempt(lambda: probe.learners.login(enrolled.learner, device_id="device-C"))
            if isinstance(login, Refused):
                rows.append({"left": current.playback_id, "not probed": _answer(login)})
                break  # the platform refuses a second login (STUDY-03): nothing to judge
            enrolled.token = login.token
        if not same_lesson:
            lesson_index = (lesson_index + 1) % len(enrolled.lessons)
        window += 1
        opened = open_playback(lesson_index, window)
        row = {
            "left": current.playback_id,
            "left_after": "a heartbeat" if beat_first else "its opening",
            "heartbeat": None if beat is None else _answer(beat),
            "then": left,
            "idle_s": round((probe.clock.now() - left_at).total_seconds(), 3),
            "new_lesson": "the same lesson" if same_lesson else "another lesson",
            "opened": _answer(opened),
        }
        rows.append(row)
        if isinstance(opened, Refused):
            locked_out.append(row)
            break  # the chain needs a playback to leave next
        current = opened
    probe.evidence.attach_json("abandoned-players", {"players": rows})
    if locked_out:
        raise CheckFailure(
            "A playback left without close locked the learner out",
            received=locked_out,
            expected=(
                f"201: a playback idle over {IN_USE_INTERVALS} heartbeat intervals, or whose "
                "login has ended, is no longer in use (docs/interface.md, the last credit rule)"
            ),
        )
    probe.evidence.note(
        f"{len(rows)} players left without close: each time the next playback opened, after "
        f"{IN_USE_INTERVALS} intervals + 1 s idle or at once after the login ended"
    )


def _beat_ahead(session: Study, honest: float, ahead_s: float) -> tuple[int, float]:
    """One interval of clock, then a heartbeat `ahead_s` beyond furthest + elapsed + interval
    (0: exactly at that bound). Answers the heartbeat's seq and the advance made."""
    advance = float(session.interval)
    session.wait(advance)
    session.beat(honest + advance + session.interval + ahead_s)
    return session.seq, advance


def _platform_elapsed(beats: list[SupHeartbeat], seq: int) -> float | None:
    """Clock seconds between the heartbeat `seq` and the last accepted one before it, by the
    platform's own timestamps (the test clock also runs in real time)."""
    this = next((b for b in beats if b.seq == seq), None)
    before = [b for b in beats if b.seq < seq and b.accepted]
    if this is None or not before:
        return None
    return (this.at - max(before, key=lambda b: b.seq).at).total_seconds()


def _beat_json(answer: HeartbeatOut | Refused) -> Any:
    return answer.model_dump(mode="json") if isinstance(answer, HeartbeatOut) else str(answer)


def _cashed_in(jump: HeartbeatOut | Refused, furthest: float) -> bool:
    """A jump past the bound that earned or moved the furthest point (a refusal earned nothing)."""
    return isinstance(jump, HeartbeatOut) and (
        jump.credited_delta_s > 0 or jump.furthest_position_s > furthest + TOLERANCE_S
    )


def _jump_after_pauses(session: Study, furthest: float) -> dict[str, Any]:
    """PAUSED_BEATS paused heartbeats at `furthest`, then the jump; `problem` set if it earned
    or moved the furthest point (a refusal is no credit either)."""
    session.settle_capture()  # no open challenge may go overdue while paused
    answers = []
    for _ in range(PAUSED_BEATS):
        session.wait(session.interval)
        answers.append(session.beat(furthest, paused=True))
    session.wait(session.interval)
    jump = session.beat(furthest + (PAUSED_BEATS + 1) * session.interval)
    session.position = furthest
    found: dict[str, Any] = {
        "paused": [_beat_json(a) for a in answers],
        "jump": _beat_json(jump),
    }
    if _cashed_in(jump, furthest):
        found["problem"] = (
            f"after {PAUSED_BEATS} paused heartbeats, a jump {PAUSED_BEATS + 1} intervals ahead"
            f" earned {jump.credited_delta_s:g} s ({jump.reason}): the time spent paused was"
            " cashed in"
        )
    return found


def _jump_after_reopening(
    probe: Probe, enrolled: Enrolled, session: Study, furthest: float
) -> dict[str, Any]:
    """Close the lesson, let CLOSED_FOR_S pass, reopen it and send its first heartbeat one
    interval later, JUMP_PAST_BOUND_S beyond furthest + elapsed + interval; `problem` set if it
    earned or moved the furthest point."""
    session.settle_capture()
    probe.platform.close_playback(enrolled.token, session.playback_id)
    session.wait(CLOSED_FOR_S)
    again = study(probe, enrolled, 0, session.window_id)
    start = again.position
    again.wait(again.interval)
    # from the furthest point, wherever the lesson resumed (resuming is STUDY-07's matter)
    jump = again.beat(furthest + 2 * again.interval + JUMP_PAST_BOUND_S)
    found: dict[str, Any] = {
        "closed_for_s": CLOSED_FOR_S,
        "resumed_at": start,
        "jump": _beat_json(jump),
        "journal": again.sent,
    }
    if _cashed_in(jump, furthest):
        found["problem"] = (
            f"a lesson reopened after {CLOSED_FOR_S:g} s closed took a first heartbeat"
            f" {JUMP_PAST_BOUND_S:g} s past its bound, earning {jump.credited_delta_s:g} s"
            f" ({jump.reason}): the time it was closed was cashed in"
        )
    return found


@check("STUDY-05")
def seek_past_furthest_point_earns_no_credit(probe: Probe) -> None:
    """A jump past furthest + elapsed + one heartbeat interval earns nothing and moves the
    furthest point nowhere; a position up to that bound is honest (player jitter) and earns.

    Space (one playback, honest study first, then each probe after one interval of clock):
    - the seek bound: exactly furthest + elapsed + interval (credited, the clock time it took)
      and one second beyond (a seek: 0 credit) — "beyond" judged by the platform's own heartbeat
      timestamps, so real time passing on a slow machine cannot blur it;
    - far jumps: +1500 s, and a forged position at the lesson's end;
    - backwards: reviewing 120 s and 50 s back, then re-watching up to the furthest point, is
      allowed (not refused) and earns nothing: credit never exceeds the furthest point;
    - after all that, honest watching goes on and credit never exceeds what was watched;
    - (since stop 47) then PAUSED_BEATS paused heartbeats one interval apart at the furthest
      point and, one interval later, a playing one PAUSED_BEATS + 1 intervals ahead: every
      accepted heartbeat, paused too, moves the `elapsed` baseline (docs/interface.md), so the
      jump is PAUSED_BEATS − 1 intervals beyond the bound and earns 0, the furthest point
      unmoved (timed from the last playing heartbeat it is inside the bound); a
      platform timing the next stretch from the last heartbeat that *played* lets the time
      spent paused be cashed in by the jump;
    - and then the lesson closed, CLOSED_FOR_S of clock, the lesson opened again and, one
      interval later, its first heartbeat JUMP_PAST_BOUND_S past the new playback's bound
      (`elapsed` counts from its opening): a seek, 0 earned — a platform timing a playback's
      first stretch from the lesson's last heartbeat lets the time it was closed be cashed in."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    tolerance = heartbeat_tolerance(probe, session)
    watch_honestly(session, 300, "seek_jump")
    honest = session.position  # what was really watched, not what the platform says it credited
    beyond_seqs = []
    for _ in range(2):  # a second try in case real time made the first one not beyond
        beyond_seqs.append(_beat_ahead(session, honest, 1.0)[0])
        session.position = honest
    furthest_at_probes = honest
    at_seq, advance = _beat_ahead(session, honest, 0.0)
    records = [
        cheats.seek_jump(session, honest + 1500),
        cheats.forge_position_at_end(session),
    ]
    beats = probe.supervisor.heartbeats(session.playback_id)
    at_beat = next((b for b in beats if b.seq == at_seq), None)
    at_credit = at_beat.credited_delta_s if at_beat else 0.0
    honest += min(at_credit, _platform_elapsed(beats, at_seq) or advance)
    session.position = honest
    reviews = []
    for behind in REVIEW_BEHIND_S:  # go back, then re-watch up to the furthest point
        session.wait(session.interval)
        reviews.append(session.beat(max(0.0, honest - behind)))
    session.position = honest
    session.watch(session.interval)
    honest = session.position
    paused = _jump_after_pauses(session, honest)
    reopened = _jump_after_reopening(probe, enrolled, session, honest)
    review = next((r for r in reviews if isinstance(r, Refused)), reviews[0])
    row = lesson_progress(probe, enrolled, session.lesson.lesson_id)
    beyond = []
    for seq in beyond_seqs:
        beat = next((b for b in beats if b.seq == seq), None)
        elapsed = _platform_elapsed(beats, seq)
        if beat is None or elapsed is None:
            continue
        margin = beat.position_s - (furthest_at_probes + elapsed + session.interval)
        beyond.append({"seq": seq, "elapsed_s": elapsed, "beyond_by_s": margin, "beat": beat})
    probe.evidence.attach_json(
        "seek",
        {
            "heartbeat_tolerance_s": tolerance,
            "beyond_bound": [{**b, "beat": b["beat"].model_dump(mode="json")} for b in beyond],
            "at_bound": at_beat.model_dump(mode="json") if at_beat else None,
            "cheats": [r.summary() for r in records],
            "journal": session.sent,
            "progress": row.model_dump(mode="json") if row else None,
            "jump_after_pauses": paused,
            "jump_after_reopening": reopened,
        },
    )
    if row is None:
        raise CheckFailure("The supervision view shows no progress for the lesson")
    judged = [b for b in beyond if b["beyond_by_s"] > 0]
    if not judged:
        raise CannotProbe("seek_jump", "real time made every +1 s probe land within the bound")
    problems = [
        f"a jump {b['beyond_by_s']:.3g} s beyond furthest + elapsed + interval earned "
        f"{b['beat'].credited_delta_s:g} s"
        for b in judged
        if b["beat"].credited_delta_s > 0
    ]
    if row.credited_s > honest + TOLERANCE_S or row.furthest_position_s > honest + TOLERANCE_S:
        problems.append(
            f"credited {row.credited_s:g} s, furthest {row.furthest_position_s:g} s for "
            f"{honest:g} s honestly watched"
        )
    if at_beat is None or at_beat.reason == "seek" or at_credit < advance - TOLERANCE_S:
        problems.append(
            "a position exactly at furthest + elapsed + interval was not credited "
            f"({at_beat.reason if at_beat else 'no heartbeat seen'}, {at_credit:g} s)"
        )
    if isinstance(review, Refused):
        problems.append(f"reviewing backwards was refused ({review.status} {review.detail})")
    problems += [found["problem"] for found in (paused, reopened) if found.get("problem")]
    if problems:
        raise CheckFailure(
            "The seek bound is not furthest + elapsed + one heartbeat interval",
            received=problems,
            expected=f"0 s beyond the bound, the elapsed time at it; ≤ {honest:g} s in all",
        )
    probe.evidence.note(
        f"1 s beyond the bound earned 0, exactly at it earned {at_credit:g} s; far seeks and "
        f"a forged end earned 0; {row.credited_s:g} s credited for {honest:g} s watched"
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
    """No heartbeat at a rate above 1× earns anything, and credit never exceeds the clock.

    Space (one playback, one interval of clock time before every heartbeat, rates interleaved
    with honest 1× heartbeats so the furthest point keeps moving):
    - rate above 1×: 1.0001 (a float-tolerance edge), 1.25, 1.5, 2 (what stock players offer), 4,
      16 (what scripts force), plus rates drawn in (1×, 2×] under a fixed seed — each must earn 0;
    - rate 1× (the other side of the boundary): honest heartbeats must earn (else the probe proves
      nothing: CannotProbe);
    - rate below 1× (0.5, 0.75): refusing or crediting are both compliant, never beyond the clock;
    - paused true with an advancing position: earns 0; paused false: the honest heartbeats.
    Judged from the supervision view's heartbeats and lesson progress."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    records = []
    for rate in spaces.rates_above_one():
        records.append(cheats.speed_up(session, 1.0, beats=1))
        records.append(cheats.speed_up(session, rate, beats=1))
    for rate in spaces.RATES_BELOW_ONE:
        records.append(cheats.speed_up(session, rate, beats=1))
    records.append(cheats.play_paused(session))
    elapsed = session.elapsed_since_open()
    row = lesson_progress(probe, enrolled, session.lesson.lesson_id)
    beats = probe.supervisor.heartbeats(session.playback_id)
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
    honest_credit = sum(b.credited_delta_s for b in beats if b.rate == 1.0 and b.accepted)
    if honest_credit <= 0:
        raise CannotProbe("speed_up", "honest 1× heartbeats between the speed-ups earned nothing")
    sped = {f"{b.rate:g}x": b.credited_delta_s for b in beats if b.rate > 1 and b.credited_delta_s}
    paused = [b for b in beats if b.seq == session.seq and b.credited_delta_s > 0]
    credited = row.credited_s if row else 0.0
    if sped or paused or credited > elapsed + TOLERANCE_S:
        raise CheckFailure(
            "Sped-up or paused playback earned credit",
            received={
                "credited_s": credited,
                "elapsed_s": elapsed,
                "credit_by_rate_above_1x": sped,
                "paused_credit_s": sum(b.credited_delta_s for b in paused),
            },
            expected=f"0 s for rates above 1× and while paused, ≤ {elapsed:g} s in all",
        )
    probe.evidence.note(
        f"rates {', '.join(f'{r:g}×' for r in spaces.rates_above_one())} and paused earned 0; "
        f"{credited:g} s credited in {elapsed:g} s"
    )


@check("STUDY-06")
def credited_time_never_exceeds_wall_clock(probe: Probe) -> None:
    """Duplicated, replayed and burst heartbeats add nothing: credit stays within the clock time
    that passed since the lesson was opened; a resent or older `seq` is answered `duplicate`
    (not accepted, nothing credited) and has no effect at all, so the next honest heartbeat
    earns the whole time since the last accepted one.

    Space: the last report resent three times and an older seq once, half an interval after the
    last accepted heartbeat (a replay that moved the elapsed baseline would halve the next
    heartbeat's credit); then a burst of heartbeats with no clock time between them."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    watch_honestly(session, 2 * session.interval, "replay_heartbeats", step=session.interval)
    half = session.interval / 2
    session.wait(half)
    replays = cheats.replay_heartbeats(session)
    session.wait(half)
    next_beat = session.beat(session.position + session.interval)
    records = [replays, cheats.rapid_fire(session)]
    _replays_had_no_effect(replays, next_beat, float(session.interval))
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


# STUDY-06's honest timings: (clock seconds since the previous heartbeat, content advance).
HONEST_TIMINGS = (
    (30.0, 30.0),  # on the interval
    (0.5, 0.5),  # half a second later (a player reporting on an event: a click, fullscreen)
    (5.0, 0.0),  # the same position 5 s later (a stalled player, not paused)
    (30.0, 20.0),  # 20 s of content in 30 s (buffering)
    (45.0, 45.0),  # a late heartbeat (a throttled background tab)
    (30.0, 35.0),  # 5 s ahead of the clock, inside the seek bound: the clock's 30 s earned
    (1.0, 1.0),  # 1 s later, the position still 5 s ahead: the clock's 1 s earned
    (30.0, 30.0),
)
EXACT_S = 0.05  # credit is computed, not measured: only the platform's rounding may differ


@check("STUDY-06")
def honest_heartbeats_earn_exactly_their_advance(probe: Probe) -> None:
    """Every honest heartbeat earns exactly `min(advance, elapsed)` with reason `ok`, whatever
    its timing, and the playback's and the lesson's credit are the sums of what they earned.

    Space (one playback of a fresh learner, captures answered live at once; `advance` = the
    position sent − the lesson's furthest point before it, `elapsed` = the platform's own time
    between the heartbeat and the previous accepted one, or the opening): the heartbeat
    interval; half a second and 1 s after the previous one (a player reporting on an event:
    a sub-second advance is still honest study, never `review`); the same position again (a
    stalled player: `ok`, 0 s, not `review` — review is a position *behind* the furthest point);
    less content than clock (buffering); a late heartbeat (45 s: more than one interval, all of
    it earned); a position 5 s ahead of the clock inside the seek bound (the clock's time
    earned, not the content's). Derived values: `SupPlayback.credited_s` and the lesson's
    `credited_s` in the supervision view equal the sum of the heartbeats' `credited_delta_s`
    (docs/interface.md: a playback's own share; the lesson's total)."""
    enrolled = study_setup(probe)
    session = study(probe, enrolled, 0)
    rows: list[dict[str, Any]] = []
    furthest = float(session.playback.resume_position_s) if session.playback else 0.0
    sent = furthest
    for clock_s, advance_s in HONEST_TIMINGS:
        session.wait(clock_s)
        sent += advance_s
        answer = session.beat(sent)
        rows.append(
            {
                "clock_s": clock_s,
                "sent_position_s": sent,
                "furthest_before_s": furthest,
                "seq": session.seq,
                "answer": cheats.short_answer(answer),
            }
        )
        if isinstance(answer, HeartbeatOut):
            furthest = answer.furthest_position_s
        session.position = sent  # the player plays on from where it is, not from the furthest
        if session.open_challenge is not None:
            session.answer("live")
    beats = {b.seq: b for b in probe.supervisor.heartbeats(session.playback_id)}
    playback = next(
        (
            p
            for p in probe.supervisor.playbacks(enrolled.learner.learner_id or "")
            if p.playback_id == session.playback_id
        ),
        None,
    )
    row = studied_lesson_progress(probe, enrolled, session.lesson.lesson_id, "honest timings")
    problems = _honest_timing_problems(rows, beats, playback)
    earned = sum(b.credited_delta_s for b in beats.values())
    if playback is None or abs(playback.credited_s - earned) > EXACT_S:
        problems.append(
            f"the playback's credited_s is {playback.credited_s if playback else None}, its "
            f"heartbeats earned {earned:g} s"
        )
    if abs(row.credited_s - earned) > EXACT_S:
        problems.append(
            f"the lesson's credited_s is {row.credited_s:g}, its heartbeats earned {earned:g} s"
        )
    probe.evidence.attach_json(
        "honest-timings",
        {
            "heartbeats": rows,
            "view": [b.model_dump(mode="json") for b in beats.values()],
            "playback": playback.model_dump(mode="json") if playback else None,
            "lesson": row.model_dump(mode="json"),
        },
    )
    if problems:
        raise CheckFailure(
            "An honest heartbeat did not earn min(advance, elapsed)",
            received=problems,
            expected=f"reason ok and min(advance, elapsed) ± {EXACT_S:g} s for each; the "
            "playback's and the lesson's credit the sum",
        )
    probe.evidence.note(
        f"{len(rows)} honest heartbeats at {len(HONEST_TIMINGS)} timings each earned "
        f"min(advance, elapsed); {earned:g} s in all, as the playback and the lesson show"
    )


def _honest_timing_problems(
    rows: list[dict[str, Any]], beats: dict[int, SupHeartbeat], playback: SupPlayback | None
) -> list[str]:
    """Each honest heartbeat's verdict against `min(advance, elapsed)`, the elapsed time read
    from the platform's own timestamps (the test clock also runs in real time)."""
    problems = []
    previous_at = playback.opened_at if playback is not None else None
    for row in rows:
        beat = beats.get(row["seq"])
        if beat is None or previous_at is None:
            problems.append(f"heartbeat seq {row['seq']}: not in the supervision view")
            continue
        elapsed = (beat.at - previous_at).total_seconds()
        advance = row["sent_position_s"] - row["furthest_before_s"]
        expected = max(0.0, min(advance, elapsed))
        row["platform_elapsed_s"], row["expected_s"] = elapsed, expected
        if beat.reason != "ok" or abs(beat.credited_delta_s - expected) > EXACT_S:
            problems.append(
                f"{row['clock_s']:g} s after the previous heartbeat, {advance:g} s of advance: "
                f"{beat.reason}, {beat.credited_delta_s:g} s (expected ok, {expected:g} s)"
            )
        if beat.accepted:
            previous_at = beat.at
    return problems


def _replays_had_no_effect(replays: cheats.CheatRecord, next_beat: Any, interval: float) -> None:
    """Every replay answered `duplicate` with nothing credited (docs/interface.md: a seq not above
    the last accepted one is a duplicate, no effect); the honest heartbeat after them credited
    the whole interval since the last accepted one."""
    wrong = [
        cheats.short_answer(a)
        for a in replays.answers
        if not (
            isinstance(a, HeartbeatOut)
            and not a.accepted
            and a.reason == "duplicate"
            and a.credited_delta_s == 0
        )
    ]
    earned = next_beat.credited_delta_s if isinstance(next_beat, HeartbeatOut) else None
    if wrong or earned is None or earned < interval - TOLERANCE_S:
        raise CheckFailure(
            "A resent or replayed heartbeat had an effect",
            received={
                "replays_not_answered_duplicate": wrong,
                "next_heartbeat": cheats.short_answer(next_beat),
            },
            expected=f"every replay `accepted: false`, `duplicate`, 0 s; the next heartbeat "
            f"credited ≥ {interval - TOLERANCE_S:g} s (the interval since the last accepted one)",
        )


@check("STUDY-07")
def reentering_a_lesson_resumes_where_it_stopped(probe: Probe) -> None:
    """A lesson reopens where its own study stopped (within one heartbeat), however the
    learner comes back to it.

    Space (one learner, two lessons of the course, lesson 1 stopped at 600 s and lesson 2 at
    300 s, each closed): the breakpoint is the lesson's, so each reopening is judged against its
    own lesson's stop — lesson 1 after lesson 2 was studied in between (a breakpoint kept per
    learner shows lesson 2's); lesson 1 left open without `close` (a browser that crashed), then
    reopened in another window after logging out and in anew on the same device; and again after
    a new login on another device (a breakpoint kept per device or per window shows 0); lesson 2
    there too. The learner logs out first, as a client does: a platform may refuse a login while
    another one is live (STUDY-03). Since stop 47 lesson 1's player reports a seek
    SEEK_BEFORE_CLOSE_S ahead just before it is closed (a drag the platform refuses, the last
    position the player reported): the lesson still resumes at its furthest point (docs/
    interface.md), never where the refused drag pointed — a platform resuming at the last
    reported position lets a closed and reopened lesson skip ahead."""
    enrolled = study_setup(probe)
    if len(enrolled.lessons) < 2:
        raise CannotProbe("breakpoint resume", "the course has fewer than two lessons")
    first = study(probe, enrolled, 0)
    interval = heartbeat_tolerance(probe, first)
    watch_honestly(first, 600, "breakpoint resume")
    first.wait(first.interval)
    seek = first.beat(first.position + SEEK_BEFORE_CLOSE_S)  # refused as a seek: earns nothing
    probe.platform.close_playback(enrolled.token, first.playback_id)
    second = study(probe, enrolled, 1)
    watch_honestly(second, 300, "breakpoint resume")
    probe.platform.close_playback(enrolled.token, second.playback_id)
    stopped = {
        index: studied_lesson_progress(
            probe, enrolled, enrolled.lessons[index].lesson_id, "breakpoint resume"
        ).furthest_position_s
        for index in (0, 1)
    }
    resumes: dict[str, tuple[int, float | None]] = {}

    def reopen(case: str, index: int, window: str = "window-1") -> None:
        playback = study(probe, enrolled, index, window).playback
        resumes[case] = (index, playback.resume_position_s if playback else None)

    reopen("lesson 1 after closing it and studying lesson 2", 0)  # left open: no close
    probe.platform.logout(enrolled.token)
    enrolled.token = probe.learners.login(enrolled.learner, device_id="device-A").token
    reopen("lesson 1 after a new login, in another window", 0, "window-2")
    probe.platform.logout(enrolled.token)
    enrolled.token = probe.learners.login(enrolled.learner, device_id="device-B").token
    reopen("lesson 1 after a new login on another device", 0)
    reopen("lesson 2 on the other device", 1)
    probe.evidence.attach_json(
        "resume",
        {
            "journal": first.sent + second.sent,
            "seek_before_closing_lesson_1": (
                seek.reason if isinstance(seek, HeartbeatOut) else answer_text(seek)
            ),
            "stopped_at": {f"lesson {i + 1}": at for i, at in stopped.items()},
            "resumed_at": {case: at for case, (_, at) in resumes.items()},
        },
    )
    wrong = {
        case: {"resumed_at": at, "stopped_at": stopped[index]}
        for case, (index, at) in resumes.items()
        if at is None
        or not (stopped[index] - interval - TOLERANCE_S <= at <= stopped[index] + TOLERANCE_S)
    }
    if stopped[0] < 600 - interval or stopped[1] < 300 - interval or wrong:
        raise CheckFailure(
            "A lesson does not resume where its study stopped",
            received={"stopped_at": stopped, "wrong": wrong},
            expected=f"each lesson resumed within {interval:g} s before its own stop",
        )
    probe.evidence.note(
        f"lessons stopped at {stopped[0]:g} s and {stopped[1]:g} s; "
        + "; ".join(f"{case}: {at:g} s" for case, (_, at) in resumes.items() if at is not None)
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
