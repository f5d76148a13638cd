"""STUDY-09 — real-time supervision: study events reach exactly the accounts whose scope covers
them, within the bound, and a dropped stream resumes without loss or repetition.

The space probed (docs/interface.md, "Real-time supervision"):
- accounts: the profile's first account of every kind (`authority`, `auditor`, `enterprise`,
  `institution`), each watching its own stream at once;
- learners: one inside the scoped accounts' scope (employed by the enterprise, enrolled in a
  course of the institution), one outside it (no employer, another institution's course), and
  (since stop 44) one shared: no employer, enrolled in a course of the institution and in
  another institution's course, studying the other one — the institution gets its sign-ins
  (not course-bound) and none of its course-bound events (playback start and stop, capture,
  quiz), the enterprise nothing; all made before the streams open, so scope does not change
  while events are judged;
- event types the learner causes: `login`, `liveness`, `playback_start`, `capture`, `quiz`,
  `playback_stop` by closing the playback (outside learner) and by logging out with it open
  (shared learner), `logout`; each identified by its `ref` (login, liveness verification,
  playback, challenge, question id). Since stop 47 the inside learner's login is ended by a
  newer login on another device with its playback open (its `playback_stop` and `logout`, the
  newer login's `login` and `liveness`; where the platform refuses the newer login, STUDY-03's
  alternative, it logs out with the playback open instead), and after signing out it tries a
  login with an impostor's face: the failed check is a `liveness` event too (passed or not).
  `completion` needs a whole course studied and is not caused here;
- delivery: every caused event reaches every covering account within
  `thresholds.realtime_seconds` of the causing request's answer, once; no event of a learner an
  account does not cover reaches it (a later in-scope event is the sentinel: the stream is in id
  order, so a leak would have come before it);
- resume: every stream is dropped, the inside learner signs in and out while it is down (login,
  liveness, logout), and it reconnects with `Last-Event-ID`: the missed events arrive at every
  covering account, none at the others, and nothing already delivered comes again;
- the live view: while the inside learner studies it is listed to exactly the covering accounts,
  the outside learner to none of the scoped accounts; after logout it is listed to nobody;
- the stream refuses a caller without a supervision token (no token, a learner's token).
The delivery latency of every (account, event) pair is measured; p50/p95/max go to the
evidence. Waiting is bounded: each phase gives up at its last event + the bound + 2 s.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import httpx
from pydantic import ValidationError

from harness.api import Refused, attempt
from harness.checks._support import also_enrolled
from harness.checks.supervision_scope import accounts_by_kind, courses_inside_and_outside
from harness.event_stream import CONNECT_S, EVENTS_PATH, Arrival, StreamWatcher
from harness.failures import CannotProbe, CheckFailure, ProtocolViolation
from harness.overload import Patience, send_while_busy
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.quiz import QuizTaker
from harness.scenarios.study import Enrolled, Study, enrolled_learner
from harness.spec.courses import CourseOut
from harness.spec.supervision import SCOPED_KINDS, SupStudyEvent
from harness.supervision import SupervisionClient

GIVE_UP_AFTER_BOUND_S = 2.0  # how long past the bound a phase waits before judging
SENTINEL_GRACE_S = 0.3  # after the sentinel arrived, time for anything still in flight


@dataclass(frozen=True)
class Cause:
    """One event the harness caused: what the stream must say, and when it happened."""

    type: str
    ref: str
    learner: str  # "inside" or "outside"
    learner_id: str
    at: float  # monotonic time the causing request was answered
    phase: int


@dataclass
class Journey:
    """One learner of the probe with its scope, causing events and noting them."""

    side: str
    enrolled: Enrolled
    course: CourseOut
    causes: list[Cause] = field(default_factory=list)
    phase: int = 1
    # the course of the institution account the learner is also enrolled in (never studied):
    # the institution covers the learner, not its course-bound events of `course`
    also_course: CourseOut | None = None
    token: str = ""
    study: Study | None = None
    quiz_seen: set[str] = field(default_factory=set)

    @property
    def learner_id(self) -> str:
        return self.enrolled.learner.learner_id or ""

    def caused(self, kind: str, ref: str, at: float | None = None) -> None:
        when = time.monotonic() if at is None else at
        self.causes.append(Cause(kind, ref, self.side, self.learner_id, when, self.phase))

    def note_quiz_answers(self) -> None:
        for given in self.enrolled.quiz.given:
            if given.refused is None and given.question_id not in self.quiz_seen:
                self.quiz_seen.add(given.question_id)
                self.caused("quiz", given.question_id)


# Events that belong to one course (docs/interface.md: "the course-bound ones (with a
# `course_id`)"): an institution gets them only for its own courses.
COURSE_BOUND = frozenset({"playback_start", "playback_stop", "capture", "quiz", "completion"})


def covers(
    account: SupervisionClient,
    journey: Journey,
    enterprise_scope: str | None,
    event_type: str | None = None,
) -> bool:
    """Does the interface's scope rule give `account` this learner's events (of `event_type`;
    None: any of them, as the learner's)? Every course-bound event of a journey happens in its
    `course`."""
    if account.kind in ("authority", "auditor"):
        return True
    if account.kind == "enterprise":
        return journey.side == "inside" and account.scope == enterprise_scope
    if account.scope is None:
        return False
    if event_type in COURSE_BOUND:
        return account.scope == journey.course.institution_id
    courses = [journey.course] + ([journey.also_course] if journey.also_course else [])
    return any(account.scope == course.institution_id for course in courses)


def prepared(probe: Probe, course: CourseOut, also: CourseOut | None = None) -> Enrolled:
    """A fresh learner enrolled in `course` (and in `also`), signed out again: its judged events
    come later."""
    quiz = QuizTaker(key_source=probe.clock.quiz_key)
    enrolled = enrolled_learner(probe.learners, probe.platform, course, quiz=quiz)
    if not enrolled.lessons:
        raise CannotProbe("study events", f"course {course.course_id} has no lesson")
    if also is not None:
        also_enrolled(probe, enrolled, also)
    probe.platform.logout(enrolled.token)
    return enrolled


def sign_in(probe: Probe, journey: Journey) -> None:
    login = probe.learners.login(journey.enrolled.learner)
    journey.token = login.token
    journey.caused("login", login.login_id)
    journey.caused("liveness", login.liveness_verification_id)


def study_until_quiz(probe: Probe, journey: Journey) -> None:
    """Open the first lesson, watch until a capture, answer it with another person's face (a
    `capture` event, "passed or not"), pass the challenge the platform issues again (a second
    one; none is caused if it issues none: STUDY-01 judges that), and answer the first hour's
    quiz."""
    enrolled = journey.enrolled
    study = Study(
        probe.platform,
        probe.time,
        probe.province,
        enrolled,
        enrolled.lessons[0],
        token=journey.token,
    )
    study.open()
    journey.study = study
    journey.caused("playback_start", study.playback_id)
    challenge = study.watch_until_challenge(step=300)  # honest: the clock moves as far
    journey.note_quiz_answers()
    if challenge is None:
        raise CannotProbe("study events", "no capture challenge in the first lesson")
    if isinstance(study.answer("impostor"), Refused):
        raise CannotProbe("study events", "an impostor's capture answer was refused")
    journey.caused("capture", challenge.challenge_id)
    again = study.await_challenge(step=30, beats=2)
    if again is not None:
        if isinstance(study.answer("live"), Refused):
            raise CannotProbe("study events", "a live capture answer was refused")
        journey.caused("capture", again.challenge_id)
    study.take_quiz(0)
    journey.note_quiz_answers()
    study.beat(study.position)  # a fresh heartbeat: studying right now


def close_playback(probe: Probe, journey: Journey) -> None:
    assert journey.study is not None
    probe.platform.close_playback(journey.token, journey.study.playback_id)
    journey.caused("playback_stop", journey.study.playback_id)


def sign_out(probe: Probe, journey: Journey, *, playback_open: bool) -> None:
    login_id = probe.platform.me(journey.token).login_id
    probe.platform.logout(journey.token)
    if playback_open and journey.study is not None:
        journey.caused("playback_stop", journey.study.playback_id)
    journey.caused("logout", login_id)


def superseded(probe: Probe, journey: Journey) -> bool:
    """The learner signs in on another device while its playback is open: the older login's
    `playback_stop` and `logout`, the newer's `login` and `liveness`. False when the platform
    refuses the newer login (compliant, STUDY-03: nothing was caused)."""
    old_login = probe.platform.me(journey.token).login_id
    newer = attempt(lambda: probe.learners.login(journey.enrolled.learner, device_id="device-B"))
    if isinstance(newer, Refused):
        return False
    if journey.study is not None:
        journey.caused("playback_stop", journey.study.playback_id)
    journey.caused("logout", old_login)
    journey.caused("login", newer.login_id)
    journey.caused("liveness", newer.liveness_verification_id)
    journey.token = newer.token
    journey.study = None  # its playback ended with the older login
    return True


def failed_liveness(probe: Probe, journey: Journey) -> None:
    """A login with an impostor's face, the learner signed out: refused (ID-03's matter), and
    the failed check is a `liveness` event all the same ("decided, passed or not"), identified
    by the verification id the supervision view's liveness events show for it."""
    learner_id = journey.learner_id
    before = {e.verification_id for e in probe.supervisor.liveness_events(learner_id)}
    outcome = attempt(
        lambda: probe.learners.login(
            journey.enrolled.learner, device_id="device-C", kind="impostor"
        )
    )
    answered = time.monotonic()
    if not isinstance(outcome, Refused):  # ID-03's failure, judged there: no failed check here
        probe.platform.logout(outcome.token)
        journey.caused("login", outcome.login_id)  # (its liveness check may be a reused one)
        journey.caused("logout", outcome.login_id)
        return
    failed = [
        e.verification_id
        for e in probe.supervisor.liveness_events(learner_id)
        if not e.passed and e.verification_id and e.verification_id not in before
    ]
    if not failed:
        raise CannotProbe(
            "study events", "the refused login's liveness check is not in the supervision view"
        )
    journey.caused("liveness", failed[-1], at=answered)


# ---- reading what arrived ----------------------------------------------------------------------
@dataclass(frozen=True)
class Seen:
    arrival: Arrival
    event: SupStudyEvent


def parsed(watcher: StreamWatcher) -> list[Seen]:
    """Every message of the stream, checked against the interface's event shape."""
    seen = []
    for arrival in watcher.received():
        try:
            event = SupStudyEvent.model_validate_json(arrival.data)
        except ValidationError as wrong:
            raise ProtocolViolation(
                f"The {watcher.label} stream sent a message that is not a study event",
                received=arrival.data[:300],
                expected=f"SupStudyEvent JSON ({wrong.error_count()} errors)",
            ) from None
        if arrival.event_id != event.event_id or (arrival.event or "message") != event.type:
            raise ProtocolViolation(
                f"The {watcher.label} stream's SSE id/event do not match the event's data",
                received={"id": arrival.event_id, "event": arrival.event, "data": arrival.data},
                expected="id = data.event_id, event = data.type",
            )
        seen.append(Seen(arrival, event))
    return seen


def delivery(seen: list[Seen], cause: Cause) -> Seen | None:
    return next(
        (
            s
            for s in seen
            if s.event.type == cause.type
            and s.event.ref == cause.ref
            and s.event.learner_id == cause.learner_id
        ),
        None,
    )


def wait_for(wanted: Callable[[], bool], until: float) -> None:
    """Poll until `wanted()` or `until` (monotonic): never an unbounded wait."""
    while time.monotonic() < until and not wanted():
        time.sleep(0.05)


@dataclass
class Watch:
    """The streams of all accounts, and what each must receive."""

    probe: Probe
    accounts: dict[str, SupervisionClient]
    journeys: list[Journey]
    enterprise_scope: str | None
    bound: float
    watchers: dict[str, StreamWatcher] = field(default_factory=dict)
    earlier: dict[str, list[Arrival]] = field(default_factory=dict)

    def open(self, deadline_s: float) -> None:
        for kind, account in self.accounts.items():
            last = self.watchers[kind].last_event_id if kind in self.watchers else None
            watcher = StreamWatcher(
                account.base_url,
                account.bearer(),
                kind,
                time.monotonic() + deadline_s,
                last_event_id=last,
            )
            self.watchers[kind] = watcher
        for watcher in self.watchers.values():
            watcher.start()
        started = {kind: w.connected() for kind, w in self.watchers.items()}
        for kind, watcher in self.watchers.items():
            if watcher.problems:
                raise CheckFailure(
                    f"The {kind} account's event stream was refused or is not an event stream",
                    received=watcher.problems[0],
                    expected=f"200 text/event-stream at {EVENTS_PATH}",
                )
            if not started[kind]:
                raise CannotProbe("the event stream", f"the {kind} stream did not open in time")

    def drop(self) -> None:
        """Close every stream (a dropped connection), keeping what each received."""
        self.close()
        for kind, watcher in self.watchers.items():
            self.earlier.setdefault(kind, []).extend(watcher.received())

    def close(self) -> None:
        for watcher in self.watchers.values():
            watcher.signal_stop()
        for watcher in self.watchers.values():
            watcher.stop()

    def all_seen(self, kind: str) -> list[Seen]:
        return parsed(self.watchers[kind])

    def expected(self, kind: str, phase: int) -> list[Cause]:
        account = self.accounts[kind]
        return [
            cause
            for journey in self.journeys
            for cause in journey.causes
            if cause.phase == phase and covers(account, journey, self.enterprise_scope, cause.type)
        ]

    def complete(self, phase: int) -> bool:
        return all(
            delivery(self.all_seen(kind), cause) is not None
            for kind in self.accounts
            for cause in self.expected(kind, phase)
        )

    def wait_phase(self, phase: int, started: float) -> None:
        causes = [c for j in self.journeys for c in j.causes if c.phase == phase]
        last = max([c.at for c in causes] + [started])
        wait_for(lambda: self.complete(phase), last + self.bound + GIVE_UP_AFTER_BOUND_S)
        time.sleep(SENTINEL_GRACE_S)


def judge_delivery(watch: Watch, phase: int, reconnected_at: float | None) -> list[float]:
    """Every expected event arrived in time, once; no event outside the scope arrived.
    Answers the latencies (s) of this phase's deliveries."""
    latencies: list[float] = []
    problems: list[dict[str, Any]] = []
    for kind, account in watch.accounts.items():
        seen = watch.all_seen(kind)
        for cause in watch.expected(kind, phase):
            got = delivery(seen, cause)
            since = cause.at if reconnected_at is None else max(cause.at, reconnected_at)
            if got is None:
                problems.append(
                    {
                        "account": kind,
                        "missing": cause.type,
                        "learner": cause.learner,
                        "waited_s": round(time.monotonic() - since, 1),
                    }
                )
                continue
            latency = max(0.0, got.arrival.arrived - since)
            latencies.append(latency)
            if latency > watch.bound:
                problems.append(
                    {
                        "account": kind,
                        "late": cause.type,
                        "learner": cause.learner,
                        "latency_s": round(latency, 2),
                    }
                )
        problems.extend(leaks(watch, kind, account, seen))
    if problems:
        first = problems[0]
        if "leaked" in first:
            what = f"A study event outside its scope reached the {first['account']} account"
        else:
            what = f"A study event did not reach the {first['account']} account in time"
        raise CheckFailure(
            what + (" after resuming with Last-Event-ID" if reconnected_at else ""),
            received=problems[:8],
            expected=f"every event of a learner in the account's scope within {watch.bound:g} s, "
            "once; none of a learner outside it",
        )
    return latencies


def leaks(
    watch: Watch, kind: str, account: SupervisionClient, seen: list[Seen]
) -> Iterable[dict[str, Any]]:
    for journey in watch.journeys:
        for s in seen:
            if s.event.learner_id == journey.learner_id and not covers(
                account, journey, watch.enterprise_scope, s.event.type
            ):
                yield {"account": kind, "leaked": s.event.type, "learner": journey.side}


def judge_no_full_id_numbers(watch: Watch) -> None:
    """No event an enterprise or institution account received carries a learner's full ID
    number, in any field (POST-03: those accounts see ID numbers masked)."""
    numbers = {j.enrolled.learner.id_number: j.side for j in watch.journeys}
    for kind in SCOPED_KINDS:
        watcher = watch.watchers.get(kind)
        if watcher is None:
            continue
        for arrival in watch.earlier.get(kind, []) + watcher.received():
            found = [side for number, side in numbers.items() if number in arrival.data]
            if found:
                raise CheckFailure(
                    f"The {kind} account's stream carries the {found[0]} learner's full ID number",
                    received={"event_id": arrival.event_id, "event": arrival.event},
                    expected="no full ID number in an event to an enterprise or institution",
                )


def judge_no_repeats(watch: Watch) -> None:
    """No account got one event id twice, across the drop and every reconnect."""
    for kind, watcher in watch.watchers.items():
        ids = [a.event_id for a in watch.earlier.get(kind, []) + watcher.received()]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise CheckFailure(
                f"The {kind} account's stream delivered an event twice (resume with "
                "Last-Event-ID must continue after the given id)",
                received={"event_ids": twice[:10]},
                expected="each event once",
            )


def judge_live_view(
    watch: Watch, studying: dict[str, bool], moment: str, evidence: list[dict[str, Any]]
) -> None:
    """`studying`: learner side → studying now. Covered and studying ⇒ listed; else not."""
    for kind, account in watch.accounts.items():
        listed = {row.learner_id for row in account.studying_now()}
        for journey in watch.journeys:
            shown = journey.learner_id in listed
            # a row of the live view is an open playback: course-bound
            covered = covers(account, journey, watch.enterprise_scope, "playback_start")
            must = covered and studying[journey.side]
            # A platform-wide account may drop a learner silent for two heartbeat intervals (the
            # outside and shared learners' last heartbeats are older): only "must not" is judged.
            judged = must or not (covered and journey.side != "inside")
            evidence.append(
                {"moment": moment, "account": kind, "learner": journey.side, "listed": shown}
            )
            if judged and shown != must:
                raise CheckFailure(
                    f"The {kind} account's live view {'lacks' if must else 'lists'} the "
                    f"{journey.side} learner {moment}",
                    received=sorted(listed),
                    expected=("listed" if must else "not listed") + f": {journey.learner_id}",
                )


def _stream_answer(url: str, headers: dict[str, str]) -> httpx.Response:
    """The event stream's answer to `headers`, its status and headers read, its body not."""
    with httpx.stream("GET", url, headers=headers, timeout=CONNECT_S) as answer:
        return answer


def refuses_without_supervision_token(probe: Probe, learner_token: str) -> None:
    url = probe.supervisor.base_url.rstrip("/") + EVENTS_PATH
    for label, headers in (
        ("no token", {}),
        ("a learner's token", {"Authorization": f"Bearer {learner_token}"}),
    ):
        try:  # a busy platform's 503 with Retry-After is asked again (harness/overload.py)
            answer, _ = send_while_busy(lambda h=headers: _stream_answer(url, h), Patience())
        except httpx.HTTPError as failed:
            raise CannotProbe("the event stream", f"{label}: {failed}") from None
        status = answer.status_code
        if status not in (401, 403):
            raise CheckFailure(
                f"The event stream answered a caller with {label}",
                received=status,
                expected="401 (or 403)",
            )


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least `share` of them at or below."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@check("STUDY-09")
def study_events_reach_exactly_their_scope_in_real_time(probe: Probe) -> None:
    """Study events a learner causes reach exactly the covering supervision accounts within the
    bound, once, also across a dropped stream resumed with Last-Event-ID; the live view lists a
    learner while studying, in scope only, and not after logout."""
    accounts = accounts_by_kind(probe)
    enterprise = accounts["enterprise"]
    inside_course, outside_course = courses_inside_and_outside(
        probe, accounts["institution"].scope or ""
    )
    bound = float(probe.thresholds.realtime_seconds)
    outside = Journey("outside", prepared(probe, outside_course), outside_course)
    shared = Journey(
        "shared",
        prepared(probe, outside_course, also=inside_course),
        outside_course,
        also_course=inside_course,
    )
    inside = Journey("inside", prepared(probe, inside_course), inside_course)
    learner = inside.enrolled.learner
    hired = attempt(lambda: enterprise.enrol_employee(learner.id_number, learner.name))
    if isinstance(hired, Refused):
        raise CannotProbe("an enterprise's scope", f"{hired.status} {hired.detail}")
    watch = Watch(probe, accounts, [outside, shared, inside], enterprise.scope, bound)
    live_rows: list[dict[str, Any]] = []
    try:
        # Phase 1: all streams open; events caused and judged as they happen.
        watch.open(deadline_s=60.0)
        started = time.monotonic()
        sign_in(probe, outside)
        refuses_without_supervision_token(probe, outside.token)
        study_until_quiz(probe, outside)
        sign_in(probe, shared)
        study_until_quiz(probe, shared)
        sign_in(probe, inside)
        study_until_quiz(probe, inside)
        everyone = {"inside": True, "outside": True, "shared": True}
        judge_live_view(watch, everyone, "while studying", live_rows)
        if superseded(probe, inside):
            sign_out(probe, inside, playback_open=False)
        else:
            sign_out(probe, inside, playback_open=True)
        failed_liveness(probe, inside)
        close_playback(probe, outside)
        sign_out(probe, outside, playback_open=False)
        sign_out(probe, shared, playback_open=True)
        nobody = {side: False for side in everyone}
        judge_live_view(watch, nobody, "after logout", live_rows)
        watch.wait_phase(1, started)
        latencies = judge_delivery(watch, 1, None)
        # Phase 2: every stream dropped; events while it is down; resumed with Last-Event-ID.
        watch.drop()
        inside.phase = 2  # phase 1 judged the scope; the resume is judged on covering streams
        sign_in(probe, inside)
        sign_out(probe, inside, playback_open=False)
        reconnected = time.monotonic()
        watch.open(deadline_s=30.0)
        watch.wait_phase(2, reconnected)
        judge_delivery(watch, 2, reconnected)
        judge_no_repeats(watch)
        judge_no_full_id_numbers(watch)
    finally:
        watch.close()
        record(probe, watch, live_rows)
    summary = {
        "deliveries": len(latencies),
        "p50_s": round(percentile(latencies, 0.50), 3),
        "p95_s": round(percentile(latencies, 0.95), 3),
        "max_s": round(max(latencies), 3),
        "bound_s": bound,
    }
    probe.evidence.attach_json("event-latency", summary | {"latencies_s": sorted(latencies)})
    probe.evidence.note(
        f"{summary['deliveries']} deliveries (account × event) within {bound:g} s: latency "
        f"p50 {summary['p50_s']} s, p95 {summary['p95_s']} s, max {summary['max_s']} s; "
        "resume after a drop lost and repeated nothing; the live view followed scope and logout"
    )


def readable(data: str) -> Any:
    try:
        return json.loads(data)
    except ValueError:
        return data[:300]


def record(probe: Probe, watch: Watch, live_rows: list[dict[str, Any]]) -> None:
    """What each stream carried and what was caused, for the evidence (pass or fail)."""
    streams = {
        kind: [
            {"id": a.event_id, "event": a.event, "data": readable(a.data)}
            for a in watch.earlier.get(kind, []) + watcher.received()
        ]
        for kind, watcher in watch.watchers.items()
    }
    caused = [
        {"type": c.type, "ref": c.ref, "learner": c.learner, "phase": c.phase}
        for j in watch.journeys
        for c in j.causes
    ]
    probe.evidence.attach_json(
        "event-streams", {"caused": caused, "streams": streams, "live_view": live_rows}
    )
