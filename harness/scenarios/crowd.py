"""A crowd of honest learners studying side by side, each at a person's uneven pace, under the
one test clock of the platform.

A person's player reaches the server with jitter (timers, the network, a tab in the background,
a pause to read): each learner's heartbeat gaps are drawn around the announced interval with a
spread of its own, now and then a longer gap, and its position advances by exactly the time that
passed. Some answer a few quiz questions, taking time to read each one. Every learner signs in
on a device of its own and answers every capture challenge at once with a live image.

The clock is shared, so the crowd moves by events: all moves of all learners are planned on one
timeline, then played in time order, advancing the clock to each move's moment (corrected for
the real time that passes meanwhile, which the test clock also counts) and making the moves due
then. Every draw comes from the run seed (`harness.seeding`), so a crowd repeats with `--seed`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from harness import seeding
from harness.api import Refused
from harness.failures import CannotProbe
from harness.probe import Probe
from harness.province_sandbox import CHINA
from harness.scenarios.study import Enrolled, Study

SPREAD_S = (2.5, 5.0)  # each learner's standard deviation of heartbeat gaps: a person's range
LONG_GAP_CHANCE = 0.05  # a gap of two intervals (buffering, a glance away), now and then
READING_S = (15.0, 60.0)  # reading one quiz question and its options
READ_EACH_S = 11.0  # a learner reading each quiz question: over the interface's never-flagged 10 s
QUIZ_ANSWERS = 3  # questions an answering learner takes
# A player on a flaky network resends its last report (same seq and position: a retry after a
# lost answer) RESEND_BEFORE_NEXT_S before its next heartbeat, on RESENDS heartbeats. A resent
# report is a duplicate: it moves no baseline (the interface), so the next heartbeat's advance
# is measured from the report it repeats — a rule measuring it from the resend would see a
# ~30 s advance in 4 s, "ahead of the clock", RESENDS (> 3) times.
RESENDS = 4
RESEND_EVERY = 2  # every second heartbeat, from the second
RESEND_BEFORE_NEXT_S = 4.0
# A player that also reports on the learner's events (a pause, a fullscreen change) sends an
# extra heartbeat EVENT_AFTER_S after a regular one, its position advanced by exactly that, on
# EVENT_REPORTS heartbeats. Honest: the position never runs ahead of the clock. A rule that
# loses the interface's 2 s of slack (1.25 × 5 s − 2 s < 5 s) flags it, EVENT_REPORTS (> 3) times.
EVENT_REPORTS = 4
EVENT_EVERY = 2  # after every second heartbeat, from the second
EVENT_AFTER_S = 5.0
# A player driven by a timer after a glance away: one gap of two intervals, then ON_THE_DOT gaps
# between heartbeats of exactly one interval, one short of the 12 the interface calls
# machine-regular. Its only run of 12 gaps spreads far past 0.5 s, so the interface says it is
# never flagged; a rule counting runs of 11 flags it, also one that slides its window of 12 past
# the last gap (a run of 11 at the end read as a run). The dots come last for that reason.
ON_THE_DOT = 11
# A learner who drags the slider forward once, mid-lesson: the heartbeat after the SEEK_AT-th
# reports SEEK_AHEAD_S more than was played (refused as a seek; the player snaps back to the
# furthest point and plays on). One ahead heartbeat is a seek, not brushing (the interface), and
# far from the end it reports no lesson's end: a rule reading any report ahead of the clock as a
# forged end report flags it.
SEEK_AT = 3
SEEK_AHEAD_S = 600.0
# A player left paused for the rest of a day (a tab in the background, heartbeating now and
# then): PLAYED_BEFORE_PAUSE_S of content, then PAUSED_BEATS paused heartbeats PAUSED_GAP_S
# (+ up to 2 min) apart — over 16 h open, 20 min played.
PLAYED_BEFORE_PAUSE_S = 1200.0
PAUSED_BEATS = 22
PAUSED_GAP_S = 2700.0


@dataclass(order=True)
class Move:
    at_s: float  # seconds from the crowd's start
    order: int  # ties kept in planning order
    act: Callable[[], Any] = field(compare=False)


@dataclass
class HonestJourney:
    study: Study
    moves: list[Move] = field(default_factory=list)
    spread_s: float = 0.0

    @property
    def enrolled(self) -> Enrolled:
        return self.study.enrolled

    @property
    def learner_id(self) -> str:
        return self.enrolled.learner.learner_id or ""


def natural_gaps(interval: float, spread_s: float, span_s: float) -> list[float]:
    """Heartbeat gaps of a person's player filling `span_s`: around `interval`, never shorter
    than half of it nor longer than twice it."""
    rng = seeding.rng()
    gaps: list[float] = []
    while sum(gaps) < span_s:
        gap = 2 * interval if rng.random() < LONG_GAP_CHANCE else rng.gauss(interval, spread_s)
        gaps.append(min(2 * interval, max(interval / 2, round(gap, 3))))
    return gaps


def plan(
    journey: HonestJourney,
    span_s: float,
    counter: list[int],
    answers_quiz: bool,
    resends: bool = False,
    event_reports: bool = False,
    timer_driven: bool = False,
    seeks: bool = False,
) -> None:
    """Plan one learner's heartbeats (and maybe quiz answers, resent reports, reports on events
    or one seek ahead) over `span_s` seconds; a `timer_driven` player's gaps are ON_THE_DOT
    intervals and one of two."""
    rng = seeding.rng()
    study = journey.study
    journey.spread_s = rng.uniform(*SPREAD_S)
    moment, position = 0.0, study.position
    gaps = natural_gaps(float(study.interval), journey.spread_s, span_s)
    if timer_driven:
        # from the opening: the first heartbeat, a gap of two intervals, then ON_THE_DOT gaps
        gaps = [float(study.interval), 2.0 * study.interval] + [float(study.interval)] * ON_THE_DOT
    resent_before = (
        {index for index in range(RESEND_EVERY, len(gaps), RESEND_EVERY)[:RESENDS]}
        if resends
        else set()
    )
    on_event_after = (
        {index for index in range(EVENT_EVERY, len(gaps), EVENT_EVERY)[:EVENT_REPORTS]}
        if event_reports
        else set()
    )
    for index, gap in enumerate(gaps):
        if index in resent_before:  # the previous report again, just before this heartbeat
            counter[0] += 1
            journey.moves.append(
                Move(moment + gap - RESEND_BEFORE_NEXT_S, counter[0], _resend(study))
            )
        if index in on_event_after:  # a report on an event, soon after the last heartbeat
            counter[0] += 1
            at_event = min(position + EVENT_AFTER_S, float(study.lesson.duration_s))
            journey.moves.append(Move(moment + EVENT_AFTER_S, counter[0], _beat(study, at_event)))
        moment += gap
        position = min(position + gap, float(study.lesson.duration_s))
        counter[0] += 1
        sent = position
        if seeks and index == SEEK_AT:  # in the lesson's first half, far from its end
            sent = max(position, min(position + SEEK_AHEAD_S, study.lesson.duration_s / 2))
        journey.moves.append(Move(moment, counter[0], _beat(study, sent)))
    if not answers_quiz:
        return
    questions = [
        q
        for q in study.platform.questions(study.enrolled.token, study.enrolled.course.course_id)
        if q.lesson_id == study.lesson.lesson_id
    ][:QUIZ_ANSWERS]
    moment = rng.uniform(0, span_s / 3)
    for question in questions:
        moment += rng.uniform(*READING_S)
        counter[0] += 1
        journey.moves.append(Move(moment, counter[0], _answer(study, question)))


def _beat(study: Study, position: float) -> Callable[[], Any]:
    def beat() -> Any:
        answer = study.beat(position)
        if study.open_challenge is not None:
            study.answer("live")
        return answer

    return beat


def _resend(study: Study) -> Callable[[], Any]:
    def resend() -> Any:
        answer = study.beat(study.position, seq=study.seq)
        if study.open_challenge is not None:
            study.answer("live")
        return answer

    return resend


def _answer(study: Study, question: Any) -> Callable[[], Any]:
    def answer() -> Any:
        try:
            return study.platform.answer_question(
                study.enrolled.token, question.question_id, question.options[0].key
            )
        except Refused as refused:
            study.sent.append({"quiz_answer_refused": f"{refused.status} {refused.detail}"})
            return refused

    return answer


def play(probe: Probe, journeys: list[HonestJourney]) -> float:
    """Play every planned move in time order on the platform's clock; answer the seconds of
    platform time the crowd took."""
    moves = sorted(m for j in journeys for m in j.moves)
    start = probe.clock.now()
    reached, reached_mono = start, time.monotonic()
    for move in moves:
        # The platform's now, estimated from the last advance plus the real time since.
        estimate = reached + dt.timedelta(seconds=time.monotonic() - reached_mono)
        wanted = start + dt.timedelta(seconds=move.at_s)
        if wanted > estimate:
            reached = probe.clock.advance((wanted - estimate).total_seconds())
            reached_mono = time.monotonic()
        move.act()
    return (probe.clock.now() - start).total_seconds()


def paused_for_a_day(study: Study) -> dict[str, Any]:
    """An honest learner who plays PLAYED_BEFORE_PAUSE_S of a lesson from 00:20 (Asia/Shanghai)
    and then leaves the player paused until evening, its heartbeats coming now and then. What
    `round_the_clock` counts is content played, not time the player was open (the interface: a
    player left paused adds nothing), so this learner, 20 minutes played in a day, must never
    be flagged — a rule counting open time sees over 16 h."""
    rng = seeding.rng()
    now = study.time.now().astimezone(CHINA)
    start = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0, 20), CHINA)
    study.wait((start - now).total_seconds())
    position = study.position
    until = min(position + PLAYED_BEFORE_PAUSE_S, 0.8 * study.lesson.duration_s)  # before a gate
    while position < until:
        gap = study.interval + rng.uniform(-4.0, 4.0)
        study.wait(gap)
        position += gap
        study.beat(position)
        if study.open_challenge is not None:
            study.answer("live")
    for _ in range(PAUSED_BEATS):
        study.wait(PAUSED_GAP_S + rng.uniform(0.0, 120.0))
        study.beat(study.position, paused=True)
    return {
        "from": start.isoformat(),
        "played_s": study.position,
        "paused_beats": PAUSED_BEATS,
        "open_until": study.time.now().astimezone(CHINA).isoformat(),
    }


def one_capture_missed(study: Study, answer_within_s: float) -> dict[str, Any]:
    """An honest learner who looks away once: its first capture challenge is left past its
    deadline, the next one answered live at once. One failed or expired capture among passed
    ones is never flagged (the interface); a rule reading every failure as another person's face
    flags it at once. A quiz met on the way is answered reading each question (READ_EACH_S
    apart), as a person does: the hour's quiz may come before its capture point."""
    study.enrolled.quiz.between_answers = lambda: study.wait(READ_EACH_S)
    missed = study.watch_until_challenge(step=300)
    if missed is None:
        raise CannotProbe("an honest learner missing one capture", "no capture challenge")
    study.wait(answer_within_s + 1)
    study.open_challenge = None  # the deadline passed: the player does not hold on to it
    study.beat(study.position)
    replacement = study.await_challenge(step=30, beats=2)
    not_passed = study.pass_open_capture()
    return {
        "missed": missed.challenge_id,
        "then_answered": replacement.challenge_id if replacement else None,
        "answers_not_passed": not_passed,
    }


def on_to_the_end(study: Study) -> dict[str, Any]:
    """The honest learner plays on to the lesson's end at a person's uneven pace (gaps drawn as
    the crowd's), answering each capture live at once and each quiz as it comes: its last report
    is the lesson's end (position ≥ duration − 1 s), reached by heartbeats none of which is ahead
    of the clock. The interface never flags that as `forged_end_report`; a rule reading any report
    of the end as forged flags it (the crowd's other learners stop mid-lesson)."""
    rng = seeding.rng()
    duration = float(study.lesson.duration_s)
    span_s = duration - study.position + 4 * study.interval  # room for a quiz's hold
    gaps = natural_gaps(float(study.interval), rng.uniform(*SPREAD_S), span_s)
    for gap in gaps:
        if study.position >= duration - 1e-6 or study.quiz_blocked:
            break
        study.wait(gap)
        answer = study.beat(min(study.position + gap, duration))
        if isinstance(answer, Refused):
            break
        if study.open_challenge is not None:
            study.pass_open_capture()
    return {"reached_s": study.position, "duration_s": duration}
