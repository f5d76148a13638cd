"""POST-06 — the platform's compliance self-check flags course brushing (刷课), and only that.

The space probed (docs/interface.md, "Self-check"), judged through
`GET /api/v1/supervision/self-check/findings?learner_id=` as the authority:

- every brushing cheat of the cheat library (harness/scenarios/cheats.py) that leaves a trace a
  platform stores, each by a learner of its own, each to be flagged with the rule the interface
  names for it and the learner who did it:
  machine-regular heartbeats (13, a timer's ±0.06 s in turn since stop 47: σ under the
  interface's 0.1 s, so a rule flagging only a spread of a few milliseconds misses it) →
  `regular_heartbeats`; 3 heartbeats at 2×,
  1.25× and 1.01× (only the first also ahead by its position: a rule that reads positions and
  not `rate`, or a rate line above 1.01, leaves it unflagged), 3 heartbeats claiming real
  time whose position is 1 s past the interface's line
  (1.25 × the time since the previous one + 2 s) and a burst of 7 heartbeats with no time
  between → `ahead_of_clock`; the lesson's
  end reported right after opening, 1 s short of the duration (the interface's line:
  position ≥ duration − 1 s is the end) → `forged_end_report`; two capture challenges left to
  expire, two answered with a still photo, one left to expire and the next answered with a
  still photo (since stop 47: 2 failures of two kinds), one answered with another person's
  face → `capture_failures` (expected only where the platform's own capture view shows those
  failures: a platform that passed such captures breaks STUDY-01/02, judged there, and leaves
  its self-check nothing to flag); three accounts signed in on one device, the first of them
  SHOP_EDGE_S less than a day before the other two (the window's far side, as the shop's
  below) → `shared_device` (each of the three); SHARED_ADDRESS_ACCOUNTS accounts signed in
  from one network address, each on a device of its own, spread over up to three courses,
  every other one with an address of its own choosing forged before the proxy's in
  `X-Forwarded-For`, the first of them signing in SHOP_EDGE_S less than a day before the
  other nine (the window's far side: a rule counting fewer than 24 h leaves the first account
  unflagged) → `shared_address` (each of
  them; harness/network_address.py; the trace of each of these sign-in findings shows the
  learner's own sign-in under its own id, the others' as "another account"); four quiz
  answers 1.2 s apart (since stop 47; before, back to back: under the interface's 2 s, so a
  rule flagging only answers within a second misses them) → `fast_quiz_answers`; lessons
  played honestly back to back for 17 h of content within one Shanghai day (from 00:30) →
  `round_the_clock` (the interface: more than 16 h flagged, 10 h never);
- a crowd of honest learners (HONEST_CROWD, harness/scenarios/crowd.py): each on a device of its
  own, heartbeats with a person's jitter (a spread of 2.5–5 s, now and then a double gap, never
  under the promised 0.5 s), positions advancing with the clock, captures answered live at once,
  some answering quiz questions after 15–60 s of reading each, RETRYING of them on a flaky
  network resending a report (same seq and position) 4 s before their next heartbeat, four times
  (a duplicate moves no baseline: measured from the resend, the next heartbeat would be ahead of
  the clock), EVENT_REPORTING of them reporting on events too (an extra heartbeat 5 s after a
  regular one, its position 5 s further, four times: never ahead of the clock, but flagged by a
  rule that drops the interface's 2 s of slack), one whose player pauses for one gap of two
  intervals, then keeps time with a timer for 11 gaps on the dot, one short of the 12 the
  interface calls machine-regular (never flagged: its one run of 12 spreads far past 0.5 s; a
  rule counting runs of 11 flags it, as does one whose window slides past the last gap), one
  who drags the slider crowd.SEEK_AHEAD_S (600 s) ahead once, in the lesson's first half, and
  plays on from where the player snapped back (one ahead heartbeat, far from the end: neither
  `ahead_of_clock` nor `forged_end_report`; a rule reading any report ahead of the clock as
  the end flags it),
  HOUSEHOLD of them signing in from one address, HOUSEHOLD_COMPUTER of those on one device (the
  interface: 2 accounts on one device never flagged, 3 always); and a training room:
  TRAINING_ROOM employees of one enterprise (enrolled by its account, ENT-01) signing in from
  its one address, each on a device of its own; and one learner who plays 20 minutes of a lesson
  from 00:20 and leaves the player paused until the evening, heartbeating now and then (over 16
  h open, 20 min played: `round_the_clock` counts content played), and one who lets one
  capture challenge expire (a glance away) and answers the next live (one failed capture among
  passed ones: never `capture_failures`) and then plays on to the lesson's end (its last
  report the end, reached by heartbeats none ahead of the clock: never `forged_end_report`;
  a rule reading any report of the end as forged flags it). None may be flagged. The
  share flagged is the false-positive rate, reported in the evidence;
- every finding names the learner asked for, its trace names no other learner, and holds 1–20
  records (the interface's bound: the round-the-clock learner's day alone has hundreds of
  heartbeats, so a trace cut one record too late shows); a cheat's finding holds at least the
  records a compliant rule fires on (FEWEST_FIRING_RECORDS: the 13 heartbeats of a regular run,
  the 3 accounts on one device, …), so a trace cut too early shows as well.

Left out, with the reason: a paused heartbeat (the credit rules refuse its credit, and the
interface lets a platform count it or not toward `ahead_of_clock`), a "lesson
finished" call (the interface has no such call: its heartbeat form is the forged end report),
replayed heartbeats (a proxy, not a learner's pattern). The honest side of `round_the_clock`
(10 h a day never flagged) is the subsidy cohort's: its learners study at most 8 h a day and
are claimable only if never flagged.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness import seeding
from harness.api import Refused, attempt
from harness.checks._support import a_course, in_parallel, offered_courses
from harness.failures import CannotProbe, CheckFailure
from harness.network_address import LEARNER_NETWORK
from harness.probe import Probe
from harness.registry import check
from harness.scenarios import cheats, crowd
from harness.scenarios.study import Enrolled, Study, enrolled_learner
from harness.spec.courses import CourseOut
from harness.spec.self_check import OTHER_ACCOUNT, SelfCheckFinding
from harness.supervision import SupervisionClient

FINDINGS_PATH = "/api/v1/supervision/self-check/findings"
SIGN_IN_RULES = ("shared_device", "shared_address")  # fired by a learner's own sign-in
SPEED_UP_RATES = (2.0, 1.25, 1.01)  # the interface: 3 heartbeats each reporting rate > 1
# The fewest records a compliant rule fires on, by the interface's bands (a platform may choose
# a stricter threshold inside its band): a finding's trace holds "the records that made it
# fire", so at least these. 12 gaps are 13 heartbeats; ahead_of_clock may fire on 2 (1 never);
# shared_address on 4 sign-ins (3 never); fast answers and a long day on 1.
FEWEST_FIRING_RECORDS = {
    "regular_heartbeats": 13,
    "ahead_of_clock": 2,
    "forged_end_report": 1,
    "capture_failures": 1,
    "shared_device": 3,
    "shared_address": 4,
    "fast_quiz_answers": 1,
    "round_the_clock": 1,
}
MAX_TRACE_RECORDS = 20  # a finding's trace: 1–20 records (docs/interface.md; at least 1 parsed)
SHARED_ADDRESS_ACCOUNTS = 10  # the interface's must-flag case: 10 unrelated accounts in a day
SHARED_ADDRESS_WINDOW_S = 24 * 3600  # "in a day": the sign-ins the rule must count together
SHOP_EDGE_S = 120  # the shop's first sign-in is this much less than a day before the others
FORGED_END_SHORT_S = 1.0  # the interface: a report at position ≥ duration − 1 s is the end
TRAINING_ROOM = 10  # employees of one enterprise signing in from its one address: never flagged
HOUSEHOLD = 3  # of the honest crowd: three accounts sharing one address, never flagged
HOUSEHOLD_COMPUTER = 2  # of the household: two accounts on one computer (device), never flagged
HONEST_CROWD = 12
QUIZ_TAKERS = 4  # of the crowd: honest learners who answer a few quiz questions
SEEKING = QUIZ_TAKERS  # of the crowd (the one after the quiz takers): drags the slider once
RETRYING = 2  # of the crowd (its last ones): players on a flaky network that resend reports
EVENT_REPORTING = 2  # of the crowd (the two before): players that also report on events
TIMER_DRIVEN = HONEST_CROWD - RETRYING - EVENT_REPORTING - 1  # the one before: 11 gaps on the dot
CROWD_SPAN_S = 13 * 30  # platform seconds the crowd studies: 12+ heartbeat gaps each


@dataclass
class Cheat:
    """One brushing cheat: the rule that must flag it and how it is made with a fresh learner.
    `failures_needed`: for capture cheats, the failed captures (`passed: false`; with
    `face_mismatch`, one of that reason) the platform's own capture view must show for the rule
    to apply: a platform that passed the captures breaks STUDY-01/02, judged there, and its
    self-check has nothing to flag."""

    name: str
    rule: str
    make: Callable[[Study], cheats.CheatRecord]
    failures_needed: int = 0
    failure_reason: str | None = None


def cheat_library(probe: Probe) -> list[Cheat]:
    answer_s = float(probe.thresholds.capture_answer_seconds)
    return [
        Cheat(
            "machine_regular_heartbeats", "regular_heartbeats", cheats.machine_regular_heartbeats
        ),
        # three heartbeats above 1×: 2× (also ahead by its position), 1.25× (a stock player's
        # rate) and 1.01× (just above the line): two are ahead of the clock by `rate` alone
        Cheat(
            "speed_up_at_rates",
            "ahead_of_clock",
            lambda s: cheats.speed_up_at_rates(s, SPEED_UP_RATES),
        ),
        # rate 1 claimed, each position 1 s past the interface's line (1.25 × elapsed + 2 s)
        Cheat("creep_ahead", "ahead_of_clock", lambda s: cheats.creep_ahead(s, beats=3)),
        # 7 beats: a platform snapping the player back after each refused jump sees every other
        # one ahead, still more than the 3 the interface names
        Cheat("rapid_fire", "ahead_of_clock", lambda s: cheats.rapid_fire(s, beats=7)),
        # the interface's line: a report 1 s short of the end is the end (≥ duration − 1 s)
        Cheat(
            "forge_position_at_end",
            "forged_end_report",
            lambda s: cheats.forge_position_at_end(s, short_of_end_s=FORGED_END_SHORT_S),
        ),
        Cheat(
            "ignore_captures",
            "capture_failures",
            lambda s: cheats.ignore_captures(s, answer_within_s=answer_s),
            failures_needed=2,
        ),
        Cheat(
            "still_captures",
            "capture_failures",
            lambda s: cheats.fake_captures(s, "still"),
            failures_needed=2,
        ),
        # one missed and one replayed: 2 failures of two kinds (since stop 47)
        Cheat(
            "expired_then_still",
            "capture_failures",
            lambda s: cheats.expired_then_faked(s, "still", answer_within_s=answer_s),
            failures_needed=2,
        ),
        Cheat(
            "impostor_capture",
            "capture_failures",
            lambda s: cheats.fake_captures(s, "impostor", times=1),
            failures_needed=1,
            failure_reason="face_mismatch",
        ),
        Cheat("quiz_answers_unread", "fast_quiz_answers", cheats.quiz_answers_unread),
        # last: it moves the clock on to the next day's 00:30 and plays 17 h of lessons
        Cheat("round_the_clock", "round_the_clock", cheats.round_the_clock),
    ]


def _fewest_firing_records(library: list[Cheat], case: str, rule: str) -> int:
    """The records a compliant rule needs to fire on this case; a capture cheat's own count."""
    cheat = next((c for c in library if c.name == case), None)
    if cheat is not None and cheat.failures_needed:
        return cheat.failures_needed
    return FEWEST_FIRING_RECORDS[rule]


def own_device(label: str) -> str:
    return f"{label}-{seeding.rng().getrandbits(40):010x}"


def own_address() -> str:
    """A network address no device of the run signs in from by itself (harness/network_address)."""
    return str(LEARNER_NETWORK[seeding.rng().randrange(LEARNER_NETWORK.num_addresses)])


def forwarded_for(address: str, *, forged: bool) -> str:
    """`X-Forwarded-For` as the platform's proxy passes it on: the address it saw last; a
    forging client's own claim (an address of its choosing) comes before it, and must not be
    the address a platform counts."""
    return f"{own_address()}, {address}" if forged else address


def courses_to_spread(probe: Probe, first: CourseOut) -> list[CourseOut]:
    """Up to three enrollable courses, `first` first: a brushing shop takes every course's
    orders, so a count kept per course must not hide it."""
    others = [
        c
        for c in offered_courses(probe.platform)
        if c.occupation_code and c.level and c.approval and c.course_id != first.course_id
    ]
    return [first, *others[:2]]


@dataclass
class TrainingRoom:
    """An enterprise's employees signing in together from its one address (in-post training)."""

    enterprise: str
    address: str
    makers: list[Callable[[], Enrolled]]


def training_room(probe: Probe, course: CourseOut) -> TrainingRoom:
    enterprises = probe.supervisors.of_kind("enterprise")
    if not enterprises:
        raise CannotProbe("a training room", "the profile has no enterprise account")
    enterprise, address = enterprises[0], own_address()

    def employee() -> Enrolled:
        learner = probe.learners.registered()
        enterprise.enrol_employee(learner.id_number, learner.name)
        device = own_device("room")
        login = probe.learners.login(learner, device_id=device, network_address=address)
        return Enrolled(learner, login.token, course, [])  # employed and signed in, not enrolled

    return TrainingRoom(enterprise.username, address, [employee] * TRAINING_ROOM)


def findings_of(authority: SupervisionClient, learner_id: str) -> list[SelfCheckFinding]:
    """The findings the authority sees for one learner; no such view is a failure (the
    interface promises it)."""
    answer = attempt(
        lambda: authority.send("GET", FINDINGS_PATH, params={"learner_id": learner_id})
    )
    if isinstance(answer, Refused):
        raise CheckFailure(
            "The platform has no self-check findings view",
            received=f"GET {FINDINGS_PATH}: {answer.status} {answer.detail}",
            expected="200 with the findings of the learner (docs/interface.md, Self-check)",
        )
    return authority.parse(list[SelfCheckFinding], answer, "self-check findings")


def failures_not_shown(supervisor: SupervisionClient, learner_id: str, cheat: Cheat) -> str:
    """Why the platform's own capture verdicts leave the self-check nothing to flag ("" when
    they show the failures the cheat should have caused)."""
    if not cheat.failures_needed:
        return ""
    failed = [c for c in supervisor.captures(learner_id) if c.passed is False]
    if cheat.failure_reason:
        failed = [c for c in failed if c.reason == cheat.failure_reason]
    if len(failed) >= cheat.failures_needed:
        return ""
    kind = f"{cheat.failure_reason} " if cheat.failure_reason else ""
    return (
        f"the capture view shows {len(failed)} failed {kind}capture(s), "
        f"{cheat.failures_needed} needed: the platform passed them (STUDY-01/02 judge that)"
    )


REGULAR_GAPS, REGULAR_SPREAD_S = 12, 0.1  # the interface: σ under 0.1 s over 12 gaps is flagged
FAST_ANSWERS_NEEDED, FAST_GAP_S = 3, 2.0  # the interface: 3 answers each under 2 s after the last


def rhythm_not_shown(supervisor: SupervisionClient, learner_id: str, cheat: Cheat) -> str:
    """Why the platform's own record of the cheat's timing leaves the self-check nothing it must
    flag ("" when the record shows the pattern): the script's heartbeats or answers are timed
    by the harness, and real time (a busy machine, a 503 sent again after Retry-After) can
    stretch them past the interface's line; the platform is judged by what it recorded."""
    if cheat.rule == "regular_heartbeats":
        playbacks = supervisor.playbacks(learner_id)
        for playback in playbacks:
            moments = sorted(h.at for h in supervisor.heartbeats(playback.playback_id))
            gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(moments)]
            if any(
                statistics.pstdev(gaps[i : i + REGULAR_GAPS]) < REGULAR_SPREAD_S
                for i in range(len(gaps) - REGULAR_GAPS + 1)
            ):
                return ""
        return (
            f"no {REGULAR_GAPS} consecutive heartbeat gaps the platform recorded spread under"
            f" {REGULAR_SPREAD_S:g} s (real time stretched the script's rhythm)"
        )
    if cheat.rule == "fast_quiz_answers":
        moments = sorted(a.answered_at for a in supervisor.quiz_answers(learner_id))
        fast = sum((b - a).total_seconds() < FAST_GAP_S for a, b in itertools.pairwise(moments))
        if fast >= FAST_ANSWERS_NEEDED:
            return ""
        return (
            f"{fast} answers the platform recorded under {FAST_GAP_S:g} s after the previous one,"
            f" {FAST_ANSWERS_NEEDED} needed (real time stretched the script's pace)"
        )
    return ""


def opened(probe: Probe, enrolled: Enrolled) -> Study:
    if not enrolled.lessons:
        raise CannotProbe("self-check", f"course {enrolled.course.course_id} has no lesson")
    study = Study(probe.platform, probe.time, probe.province, enrolled, enrolled.lessons[0])
    study.open()
    return study


@check("POST-06")
def self_check_flags_every_cheat_and_no_honest_learner(probe: Probe) -> None:
    """Every brushing cheat of the library is flagged with its rule and its learner; no learner
    of a crowd of honest, naturally jittery journeys is flagged (false-positive rate 0)."""
    course = a_course(probe.platform)
    library = cheat_library(probe)
    shared = own_device("shared")
    household, shop = own_address(), own_address()
    spread = courses_to_spread(probe, course)
    room = training_room(probe, course)

    def learner(
        device_id: str, address: str | None = None, on: CourseOut = course
    ) -> Callable[[], Enrolled]:
        return lambda: enrolled_learner(
            probe.learners, probe.platform, on, device_id=device_id, network_address=address
        )

    computer = own_device("household")
    makers = [
        learner(
            computer if i < HOUSEHOLD_COMPUTER else own_device("honest"),
            household if i < HOUSEHOLD else None,
        )
        for i in range(HONEST_CROWD)
    ]
    makers += [learner(own_device("cheat")) for _ in library]
    shared_makers = [learner(shared) for _ in range(3)]
    shop_makers = [
        learner(own_device("shop"), forwarded_for(shop, forged=i % 2 == 1), spread[i % len(spread)])
        for i in range(SHARED_ADDRESS_ACCOUNTS)
    ]
    phase_s: dict[str, float] = {}
    began = time.monotonic()
    # The shop's first account signs in a day (less SHOP_EDGE_S) before everyone else: nothing
    # else of this check has begun, so no other learner's session spans the clock's jump.
    before_first = probe.clock.now()
    first_of_shop = shop_makers[0]()
    first_on_device = shared_makers[0]()  # the device's first account: also a day less before
    advance_s = SHARED_ADDRESS_WINDOW_S - SHOP_EDGE_S
    probe.clock.advance(advance_s - (probe.clock.now() - before_first).total_seconds())
    paused_maker, missing_maker = learner(own_device("honest")), learner(own_device("honest"))
    made = in_parallel(
        [*makers, *shared_makers[1:], *shop_makers[1:], paused_maker, missing_maker, *room.makers]
    )
    people, made = made[: len(makers)], made[len(makers) :]
    shared_people, made = [first_on_device, *made[:2]], made[2:]
    shop_people = [first_of_shop, *made[: len(shop_makers) - 1]]
    paused_person, missing_person = made[len(shop_makers) - 1 : len(shop_makers) + 1]
    employees = [e.learner.learner_id or "" for e in made[len(shop_makers) + 1 :]]
    phase_s["learners"] = time.monotonic() - began
    honest_people = people[:HONEST_CROWD]
    cheat_people = people[HONEST_CROWD : HONEST_CROWD + len(library)]

    journeys = [crowd.HonestJourney(opened(probe, e)) for e in honest_people]
    counter = [0]
    for index, journey in enumerate(journeys):
        crowd.plan(
            journey,
            CROWD_SPAN_S,
            counter,
            answers_quiz=index < QUIZ_TAKERS,
            resends=index >= HONEST_CROWD - RETRYING,
            event_reports=HONEST_CROWD - RETRYING - EVENT_REPORTING
            <= index
            < HONEST_CROWD - RETRYING,
            timer_driven=index == TIMER_DRIVEN,
            seeks=index == SEEKING,
        )
    crowd_s = crowd.play(probe, journeys)
    phase_s["crowd"] = time.monotonic() - began - sum(phase_s.values())

    records: dict[str, dict[str, Any]] = {}
    expected: list[tuple[str, str, str]] = []  # (case, rule, learner id)
    not_applicable: dict[str, str] = {}
    for cheat, enrolled in zip(library, cheat_people, strict=True):
        study = opened(probe, enrolled)
        records[cheat.name] = cheat.make(study).summary()
        learner_id = enrolled.learner.learner_id or ""
        why_not = failures_not_shown(probe.supervisor, learner_id, cheat) or rhythm_not_shown(
            probe.supervisor, learner_id, cheat
        )
        if why_not:
            not_applicable[cheat.name] = why_not
            continue
        expected.append((cheat.name, cheat.rule, learner_id))
    for number, enrolled in enumerate(shared_people, 1):
        expected.append(
            (f"shared_device_{number}", "shared_device", enrolled.learner.learner_id or "")
        )
    records["accounts_on_one_device"] = {
        "device_id": shared,
        "accounts": len(shared_people),
        "first_sign_in_before_the_others_s": advance_s,
    }
    for number, enrolled in enumerate(shop_people, 1):
        expected.append(
            (f"shared_address_{number}", "shared_address", enrolled.learner.learner_id or "")
        )
    records["accounts_from_one_address"] = {
        "address": shop,
        "accounts": len(shop_people),
        "with_a_forged_first_entry": SHARED_ADDRESS_ACCOUNTS // 2,
        "first_sign_in_before_the_others_s": advance_s,
        "devices": len(shop_people),
        "courses": sorted({c.course_id for c in spread}),
    }

    phase_s["cheats"] = time.monotonic() - began - sum(phase_s.values())
    missing_study = opened(probe, missing_person)
    records["one_capture_missed"] = crowd.one_capture_missed(
        missing_study, float(probe.thresholds.capture_answer_seconds)
    )
    records["one_capture_missed"]["on_to_the_end"] = crowd.on_to_the_end(missing_study)
    if missing_study.position < missing_study.lesson.duration_s - FORGED_END_SHORT_S:
        raise CannotProbe(
            "an honest learner reaching a lesson's end",
            f"stopped at {missing_study.position:g} s of {missing_study.lesson.duration_s} s",
        )
    records["paused_for_a_day"] = crowd.paused_for_a_day(opened(probe, paused_person))
    phase_s["paused"] = time.monotonic() - began - sum(phase_s.values())
    authority = probe.supervisors.authority
    honest_ids = [j.learner_id for j in journeys] + employees
    honest_ids.append(paused_person.learner.learner_id or "")
    honest_ids.append(missing_person.learner.learner_id or "")
    asked = honest_ids + [learner_id for _, _, learner_id in expected]
    seen = dict(
        zip(asked, in_parallel([lambda i=i: findings_of(authority, i) for i in asked]), strict=True)
    )
    phase_s["findings"] = time.monotonic() - began - sum(phase_s.values())
    shown = {i: [f.model_dump(mode="json") for f in seen[i]] for i in asked}
    missed = [
        {"cheat": case, "learner_id": learner_id, "expected_rule": rule, "found": shown[learner_id]}
        for case, rule, learner_id in expected
        if not any(f.rule == rule and f.learner_id == learner_id for f in seen[learner_id])
    ]
    wrong_learner = [
        {"learner_id": i, "finding": f.model_dump(mode="json")}
        for i in asked
        for f in seen[i]
        if f.learner_id != i
    ]
    naming_others = [
        {"learner_id": i, "rule": f.rule, "names": entry.get("learner_id")}
        for i in asked
        for f in seen[i]
        for entry in f.trace
        if entry.get("learner_id") not in (None, i, OTHER_ACCOUNT)
    ]
    # A sign-in rule fires on the learner's own sign-in: its trace shows that one under the
    # learner's own id (only the *other* accounts are "another account"), or a supervisor
    # cannot tell which sign-in on the device was this learner's.
    own_sign_in_unnamed = [
        {"learner_id": i, "rule": f.rule, "trace": f.trace}
        for _case, rule, i in expected
        if rule in SIGN_IN_RULES
        for f in seen[i]
        if f.rule == rule
        and not any(e.get("kind") == "login" and e.get("learner_id") == i for e in f.trace)
    ]
    # A finding holds "the records that made it fire" (the interface): at least as many as the
    # fewest a compliant rule fires on; a capture finding on two failures holds both.
    thin = [
        {"learner_id": i, "rule": f.rule, "trace_records": len(f.trace), "fewest": fewest}
        for case, rule, i in expected
        for f in seen[i]
        if f.rule == rule and len(f.trace) < (fewest := _fewest_firing_records(library, case, rule))
    ]
    overlong = [
        {"learner_id": i, "rule": f.rule, "trace_records": len(f.trace)}
        for i in asked
        for f in seen[i]
        if len(f.trace) > MAX_TRACE_RECORDS
    ]
    flagged_honest = {i: shown[i] for i in honest_ids if seen[i]}
    false_positive_rate = len(flagged_honest) / len(honest_ids)
    summary = {
        "honest_learners": len(honest_ids),
        "honest_sharing_an_address": {"household": HOUSEHOLD, "training_room": len(employees)},
        "honest_sharing_a_device": {"household_computer": HOUSEHOLD_COMPUTER},
        "honest_resending_reports": RETRYING,
        "honest_reporting_events": EVENT_REPORTING,
        "honest_timer_driven": 1,
        "honest_seeking_once": 1,
        "honest_missing_one_capture": 1,
        "training_room": {"enterprise": room.enterprise, "address": room.address},
        "honest_flagged": len(flagged_honest),
        "false_positive_rate": false_positive_rate,
        "cheats": len(expected),
        "cheats_not_applicable": not_applicable,
        "cheats_flagged": len(expected) - len(missed),
        "crowd_platform_s": round(crowd_s, 1),
        "phase_s": {k: round(v, 2) for k, v in phase_s.items()},
        "heartbeat_spreads_s": [round(j.spread_s, 2) for j in journeys],
    }
    probe.evidence.attach_json(
        "self-check",
        {**summary, "cheats_made": records, "expected": expected, "findings": shown},
    )
    if wrong_learner:
        raise CheckFailure(
            "Self-check findings name another learner than the one asked for",
            received=wrong_learner[:5],
            expected="every finding of GET …/findings?learner_id=X names learner X",
        )
    if naming_others:
        raise CheckFailure(
            "A self-check finding's trace names another learner",
            received=naming_others[:5],
            expected=f'another account\'s sign-in shown as "learner_id": "{OTHER_ACCOUNT}"',
        )
    if own_sign_in_unnamed:
        raise CheckFailure(
            "A sign-in finding's trace does not show the learner's own sign-in under its id",
            received=own_sign_in_unnamed[:5],
            expected="the learner's own sign-in with its learner_id; only the other accounts "
            f'as "{OTHER_ACCOUNT}"',
        )
    if overlong:
        raise CheckFailure(
            "A self-check finding's trace holds more records than the interface allows",
            received=overlong[:5],
            expected=f"1 to {MAX_TRACE_RECORDS} records in every finding's trace",
        )
    if thin:
        raise CheckFailure(
            "A self-check finding's trace holds fewer records than made its rule fire",
            received=thin[:5],
            expected="at least the records a compliant rule fires on (13 regular heartbeats, "
            "3 sign-ins on one device, 4 from one address, 2 failed captures, …)",
        )
    if missed:
        raise CheckFailure(
            f"{len(missed)} of {len(expected)} brushing cheats were not flagged",
            received=missed,
            expected="each cheat flagged with its rule, naming the learner who made it",
        )
    if flagged_honest:
        raise CheckFailure(
            f"{len(flagged_honest)} of {len(honest_ids)} honest learners were flagged "
            f"(false-positive rate {false_positive_rate:.0%})",
            received=flagged_honest,
            expected="no finding for a learner studying at a person's pace",
        )
    probe.evidence.note(
        f"{len(expected)}/{len(expected)} cheats flagged with their rule and learner; "
        f"0/{len(honest_ids)} honest learners flagged (false-positive rate 0 %)"
    )
