"""The cheat library: how course brushing (刷课) really works, one function per trick.

Each cheat acts through a `Study` (so everything it sent is in `study.sent`) and answers a
`CheatRecord`: its name, what it tried and what the platform answered. Checks then judge the
credit a supervisor sees, never the platform's answers alone.

A cheat that cannot be performed (the driver cannot send it, there is nothing to replay, the
lesson is already at its end) raises `CannotProbe`: its check could not judge, so it must end
`error`, never `pass` on an attack that was never made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from harness.api import ApiClient, Refused
from harness.driver import LearnerDriver
from harness.failures import CannotProbe
from harness.learners import LearnerFactory
from harness.province_sandbox import CHINA
from harness.scenarios.study import Enrolled, Study, enrolled_learner
from harness.spec.courses import CourseOut


@dataclass
class CheatRecord:
    name: str
    description: str
    answers: list[Any] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        return {
            "cheat": self.name,
            "description": self.description,
            "answers": [short_answer(a) for a in self.answers],
        }


def short_answer(answer: Any) -> Any:
    """An answer as evidence: a refusal's status and reason, a model as JSON."""
    if isinstance(answer, Refused):
        return f"{answer.status} {answer.detail}"
    if hasattr(answer, "model_dump"):
        return answer.model_dump(mode="json")
    return answer


def speed_up(study: Study, rate: float, beats: int = 3) -> CheatRecord:
    """playbackRate forced above 1×: each heartbeat reports rate× the wall-clock advance."""
    record = CheatRecord(f"speed_up_{rate:g}x", f"playback at {rate:g}× for {beats} heartbeats")
    return _beat_at_rates(study, record, (rate,) * beats)


def speed_up_at_rates(study: Study, rates: tuple[float, ...]) -> CheatRecord:
    """One heartbeat per rate, each reporting rate× the wall-clock advance: a 2× heartbeat is
    ahead of the clock by its position too, the slower ones (1.25×, just above 1×) only by the
    rate they report, so only a rule that reads `rate` counts them all."""
    shown = ", ".join(f"{rate:g}×" for rate in rates)
    return _beat_at_rates(
        study, CheatRecord("speed_up_at_rates", f"one heartbeat at each of {shown}"), rates
    )


def _beat_at_rates(study: Study, record: CheatRecord, rates: tuple[float, ...]) -> CheatRecord:
    """One heartbeat an interval after the previous per rate, reporting rate× that advance."""
    for rate in rates:
        study.wait(study.interval)
        record.answers.append(study.beat(study.position + study.interval * rate, rate=rate))
    return record


# The interface's ahead_of_clock line: a position more than AHEAD_RATIO × the time since the
# previous heartbeat + AHEAD_SLACK_S ahead of it; `creep_ahead` reports CREEP_PAST_S beyond it.
AHEAD_RATIO, AHEAD_SLACK_S, CREEP_PAST_S = 1.25, 2.0, 1.0


def creep_ahead(study: Study, beats: int = 3) -> CheatRecord:
    """A player that claims real time (rate 1) while its position creeps just past the
    interface's ahead-of-clock line at every heartbeat: the boundary's must-flag side, which a
    rule with a looser ratio or slack misses."""
    advance = AHEAD_RATIO * study.interval + AHEAD_SLACK_S + CREEP_PAST_S
    record = CheatRecord(
        "creep_ahead", f"{beats} heartbeats each {advance:g} s ahead after {study.interval} s"
    )
    for _ in range(beats):
        study.wait(study.interval)
        record.answers.append(study.beat(study.position + advance))
    return record


def play_paused(study: Study) -> CheatRecord:
    """A heartbeat flagged paused whose position still advanced one interval (a player paused by
    the page while a script moves the position on)."""
    study.wait(study.interval)
    record = CheatRecord("play_paused", "paused heartbeat with an advancing position")
    record.answers.append(study.beat(study.position + study.interval, paused=True))
    return record


def forge_position_at_end(study: Study, short_of_end_s: float = 0.0) -> CheatRecord:
    """A forged heartbeat reporting the lesson's end, right after opening: the duration itself,
    or `short_of_end_s` before it (the interface counts a report 1 s short as the end too)."""
    study.wait(study.interval)
    position = float(study.lesson.duration_s) - short_of_end_s
    return CheatRecord(
        "forge_position_at_end",
        f"heartbeat with position = lesson duration - {short_of_end_s:g} s",
        [study.beat(position)],
    )


def seek_jump(study: Study, to: float) -> CheatRecord:
    """Drag the progress bar forward past the furthest watched point."""
    study.wait(study.interval)
    return CheatRecord("seek_jump", f"jump to {to:g} s", [study.beat(to)])


def require_raw_http(platform: LearnerDriver, cheat: str) -> ApiClient:
    """The driver as a raw HTTP client, for cheats that bypass the learner operations; a vendor
    driver that is not one cannot send them, so the check cannot judge (`CannotProbe`)."""
    if not isinstance(platform, ApiClient):
        raise CannotProbe(
            cheat,
            f"the driver {type(platform).__name__} is not the built-in HTTP client, so a raw "
            "call outside the player cannot be sent",
        )
    return platform


def call_lesson_finished(study: Study) -> CheatRecord:
    """A direct 'lesson finished' call, as scripts that skip the player do."""
    client = require_raw_http(study.platform, "call_lesson_finished")
    record = CheatRecord(
        "call_lesson_finished", "POST /api/v1/lessons/{id}/complete outside the player"
    )
    try:
        record.answers.append(
            client.request(
                "POST",
                f"/api/v1/lessons/{study.lesson.lesson_id}/complete",
                json={"course_id": study.enrolled.course.course_id},
                token=study.token or study.enrolled.token,
            )
        )
    except Refused as refused:
        record.answers.append(refused)
    study.sent.append({"lesson_finished_call": short_answer(record.answers[-1])})
    return record


def replay_heartbeats(study: Study, copies: int = 3) -> CheatRecord:
    """Resend the last heartbeat (same seq) and an older one, as a replaying proxy does."""
    record = CheatRecord("replay_heartbeats", f"{copies} duplicates and 1 replay of an old seq")
    last = next((s["heartbeat"] for s in reversed(study.sent) if "heartbeat" in s), None)
    if last is None:
        raise CannotProbe("replay_heartbeats", "no heartbeat was sent yet, so none to replay")
    for _ in range(copies):
        record.answers.append(study.beat(last["position_s"], seq=last["seq"]))
    record.answers.append(study.beat(last["position_s"], seq=max(0, last["seq"] - 1)))
    return record


def rapid_fire(study: Study, beats: int = 5) -> CheatRecord:
    """Heartbeats in a burst with advancing positions and no time passing between them."""
    record = CheatRecord("rapid_fire", f"{beats} heartbeats with no clock time between them")
    if study.position >= study.lesson.duration_s:
        raise CannotProbe("rapid_fire", "the lesson is at its end: no position left to advance")
    for _ in range(beats):
        step = min(study.interval, study.lesson.duration_s - study.position)
        record.answers.append(study.beat(study.position + step))
    return record


def ignore_capture(study: Study, seconds: float) -> CheatRecord:
    """Unattended playback: the video plays on, no one answers the capture challenges."""
    credited = study.watch(seconds, captures=None)
    return CheatRecord(
        "ignore_capture",
        f"{seconds:g} s watched, challenges unanswered",
        [{"credited_s": credited}],
    )


def fake_capture(study: Study, kind: str, seconds: float) -> CheatRecord:
    """Answer every challenge with a still photo (`still`) or another person's face
    (`impostor`), in time, while watching."""
    credited = study.watch(seconds, captures=kind)
    return CheatRecord(
        f"{kind}_capture",
        f"{seconds:g} s watched, captures answered with {kind} images",
        [{"credited_s": credited}],
    )


# ---- brushing as the compliance self-check sees it (POST-06) ----------------------------------
SCRIPT_JITTER_S = 0.06  # a script's gaps: the interval ± this, alternately (σ ≈ 0.06 s)
UNREAD_GAP_S = 1.2  # a script's quiz answers: this far apart (the interface flags < 2 s)


def machine_regular_heartbeats(study: Study, beats: int = 13) -> CheatRecord:
    """A script's heartbeats: one announced interval apart give or take SCRIPT_JITTER_S, in turn
    early and late (a timer's jitter: σ ≈ 0.06 s, under the interface's 0.1 s that must be
    flagged, so a platform flagging only a spread of a few milliseconds misses it), with honest
    positions (each credits what the clock allows: only the rhythm gives it away)."""
    record = CheatRecord("machine_regular_heartbeats", f"{beats} heartbeats on the dot")
    if study.position + (beats + 1) * study.interval > study.lesson.duration_s:
        raise CannotProbe("machine_regular_heartbeats", "the lesson is too short for the run")
    for index in range(beats):
        study.wait(study.interval + (SCRIPT_JITTER_S if index % 2 else -SCRIPT_JITTER_S))
        record.answers.append(study.beat(study.position + study.interval))
    return record


def ignore_captures(study: Study, misses: int = 2, answer_within_s: float = 60) -> CheatRecord:
    """Nobody at the screen: the capture challenge is left until its deadline passes, `misses`
    times in a row (the platform issues a new one for the hour with the next heartbeat)."""
    record = CheatRecord("ignore_captures", f"{misses} capture challenges left to expire")
    if study.watch_until_challenge(step=300) is None:
        raise CannotProbe("ignore_captures", "no capture challenge in the lesson")
    for _ in range(misses + 1):  # a platform may issue the replacement one heartbeat later
        study.wait(answer_within_s + 1)
        study.open_challenge = None  # unanswered: the player does not hold on to it
        record.answers.append(study.beat(study.position))
    return record


def expired_then_faked(study: Study, kind: str, answer_within_s: float = 60) -> CheatRecord:
    """Two capture failures of different kinds: the first challenge left until its deadline
    passes, the replacement answered with a `kind` image in time (a rule counting each kind of
    failure apart sees one of each)."""
    record = CheatRecord(f"expired_then_{kind}", f"a capture left to expire, the next {kind}")
    if study.watch_until_challenge(step=300) is None:
        raise CannotProbe(record.name, "no capture challenge in the lesson")
    study.wait(answer_within_s + 1)
    study.open_challenge = None  # unanswered: the player does not hold on to it
    record.answers.append(study.beat(study.position))
    if study.open_challenge is None:  # a platform may issue the replacement a heartbeat later
        study.wait(5)
        record.answers.append(study.beat(study.position))
    if study.open_challenge is None:  # the hour settled another way (STUDY-01/02's matter):
        return record  # one failure at most, and the check expects what the view shows
    record.answers.append(study.answer(kind))
    study.wait(5)
    study.beat(study.position)
    return record


def fake_captures(study: Study, kind: str, times: int = 2) -> CheatRecord:
    """Answer the capture challenges with a still photo (`still`) or another person's face
    (`impostor`), in time, `times` times (a failed capture is asked again)."""
    record = CheatRecord(f"{kind}_captures", f"{times} captures answered with {kind} images")
    for made in range(times):
        if study.open_challenge is None and study.watch_until_challenge(step=300) is None:
            if made:  # an earlier answer passed: the platform asks no more (STUDY-02's concern)
                break
            raise CannotProbe(f"{kind}_captures", "no capture challenge in the lesson")
        record.answers.append(study.answer(kind))
        study.wait(5)
        study.beat(study.position)
    return record


def quiz_answers_unread(study: Study, answers: int = 4) -> CheatRecord:
    """A script answering the lesson's quiz questions one after another, no time to read them.
    Four answers: the first and three more each UNREAD_GAP_S after the one before (the clock
    moved; under the interface's 2 s, so a platform flagging only answers within a second
    misses them), the fewest the interface says must be flagged (a platform needing a fourth
    fast one passed five)."""
    token = study.token or study.enrolled.token
    questions = [
        q
        for q in study.platform.questions(token, study.enrolled.course.course_id)
        if q.lesson_id == study.lesson.lesson_id
    ][:answers]
    if len(questions) < answers:
        raise CannotProbe(
            "quiz_answers_unread",
            f"the lesson has {len(questions)} quiz questions, {answers} are needed",
        )
    record = CheatRecord("quiz_answers_unread", f"{answers} quiz answers with no reading time")
    for index, question in enumerate(questions):
        if index:
            study.wait(UNREAD_GAP_S)
        try:
            record.answers.append(
                study.platform.answer_question(token, question.question_id, question.options[0].key)
            )
        except Refused as refused:
            record.answers.append(refused)
    study.sent.append({"quiz_answers_unread": [short_answer(a) for a in record.answers]})
    return record


def accounts_on_one_device(
    learners: LearnerFactory, platform: LearnerDriver, course: CourseOut, device_id: str, n: int = 3
) -> list[Enrolled]:
    """A brushing shop: `n` people's accounts signed in and enrolled from one device."""
    return [enrolled_learner(learners, platform, course, device_id=device_id) for _ in range(n)]


def round_the_clock(study: Study, hours: float = 17.0) -> CheatRecord:
    """A player kept running day and night: lessons played honestly, back to back, until
    `hours` of content were played within one day (Asia/Shanghai). The clock first moves on to
    00:30 of the next day, so the whole run falls on that day; each lesson's quiz is answered up
    front (a quiz gate must not stop the position) and its captures with the live face."""
    record = CheatRecord("round_the_clock", f"{hours:g} h of lessons played in one day")
    enrolled = study.enrolled
    now = study.time.now().astimezone(CHINA)
    start = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(0, 30), CHINA)
    study.wait((start - now).total_seconds())
    played = 0.0
    for lesson in enrolled.lessons:
        if played > hours * 3600:
            break
        window = dt.timedelta(seconds=lesson.duration_s + 120)
        enrolled.renew_if_expiring(study.time.now(), window)
        session = Study(study.platform, study.time, study.province, enrolled, lesson)
        session.open()
        session.finish_quizzes()
        session.wait(lesson.duration_s - session.position + 1)
        record.answers.append(session.beat(float(lesson.duration_s)))
        session.pass_open_capture()  # as an honest learner would
        played += lesson.duration_s
    if played <= hours * 3600:
        raise CannotProbe("round_the_clock", f"the course has only {played / 3600:.1f} h")
    return record
