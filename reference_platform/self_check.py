"""The compliance self-check (POST-06): how course brushing (刷课) shows in learning traces.

Each rule is a pure function over one learner's traces (reference_platform/self_check_traces.py
loads them) and answers findings: the rule's name, a sentence, and the records that made it fire,
so a supervisor judges the evidence rather than the platform's word. The thresholds are named
here with the reason for each; docs/interface.md ("Self-check") promises a band around each one
(what must be flagged, what must never be), and these values sit inside it.

Findings are worked out on every read from what is stored, never stored themselves: a rule that
changes applies to the whole history at once, and no sweeper has to run for a finding to appear.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from harness.spec.self_check import OTHER_ACCOUNT
from reference_platform.db import SHANGHAI
from reference_platform.defects import ActiveDefects

# Machine-regular heartbeats: a player driven by a person's browser reaches the server with the
# jitter of timers, networks and tab throttling (seconds over minutes of study); a script on a
# server sends on the dot. Flag a run of REGULAR_RUN gaps whose standard deviation is below
# REGULAR_MAX_STDEV_S. The interface promises: σ < 0.1 s over 12 gaps is flagged, σ ≥ 0.5 s never.
REGULAR_RUN = 12
REGULAR_MAX_STDEV_S = 0.25

# Position ahead of the wall clock: the position may advance by the time elapsed since the last
# report, with AHEAD_RATIO for a player's rounding and AHEAD_SLACK_S for a heartbeat sent a little
# late. One jump is a seek, which the credit rules already refuse to pay; AHEAD_MIN_BEATS in one
# playback is a pattern (a speed-up, a burst of reports). Promised: 3 flagged, 1 never.
AHEAD_RATIO = 1.25
AHEAD_SLACK_S = 2.0
AHEAD_MIN_BEATS = 3
# A player reporting a rate above real time is ahead of the clock by its own account, whatever
# position it reports after the platform refused to credit it (a player snaps back to the
# furthest point then, so its positions alone would show one jump).
FASTEST_RATE = 1.0

# A forged end report: a report of the lesson's end (within END_MARGIN_S of its duration) whose
# advance is ahead of the clock: the end was claimed, not watched up to. Flagged at once.
END_MARGIN_S = 1.0

# Captures: another person's face is flagged at once; failures of other kinds (a still replay, an
# expired challenge) happen to honest learners now and then, so MAX_CAPTURE_FAILURES is allowed.
FACE_MISMATCH = "face_mismatch"
MAX_CAPTURE_FAILURES = 1

# Shared devices: one household may share a computer; SHARED_DEVICE_ACCOUNTS accounts on one
# device within SHARED_DEVICE_WINDOW is a brushing shop. Promised: 3 in a day flagged, 2 never.
SHARED_DEVICE_ACCOUNTS = 3
SHARED_DEVICE_WINDOW = dt.timedelta(hours=24)

# Shared network addresses: a household or an internet café shares one address, and an
# enterprise's employees sign in together from its training room (in-post training, ENT-01); a
# brushing shop signs many unrelated people's accounts in from its one address. Counted: the
# principals signed in from one address within SHARED_ADDRESS_WINDOW of one of this learner's
# sign-ins — each account, but an enterprise's employees all count as one (the enterprise).
# Promised: 10 unrelated accounts in a day flagged (each of them); 3 never; the employees of one
# enterprise never, however many. The address is the one client_address.py derives.
SHARED_ADDRESS_PRINCIPALS = 5
SHARED_ADDRESS_WINDOW = dt.timedelta(hours=24)

# Quiz answers: reading a question and its options takes a person seconds; answers following
# each other within QUIZ_READING_S are not read. QUIZ_FAST_MIN of them flag the learner.
# Promised: 3 answers each < 2 s after the previous flagged; answers ≥ 10 s apart never.
QUIZ_READING_S = 5.0
QUIZ_FAST_MIN = 3

# Study around the clock: a person studies some hours a day; a brushing shop keeps a player
# running day and night. Study time is content played: for each pair of a playback's consecutive
# heartbeats, the position's advance, at most the time between them (a player left paused or
# closed adds nothing), counted on the Asia/Shanghai day(s) it was played. More than
# MAX_DAILY_STUDY_H in one day is flagged. Promised: more than 16 h in a day flagged; 10 h never.
MAX_DAILY_STUDY_H = 14.0

ANOTHER_ACCOUNT = OTHER_ACCOUNT  # docs/interface.md: no other learner named in a finding
MAX_TRACE = 20  # records shown per finding: enough to judge, bounded for a supervisor's list


@dataclass(frozen=True)
class Beat:
    """One stored heartbeat, with the playback and lesson it belongs to."""

    playback_id: str
    lesson_id: str
    duration_s: float
    opened_at: dt.datetime
    seq: int
    at: dt.datetime
    position_s: float
    rate: float
    paused: bool
    reason: str

    def shown(self) -> dict[str, Any]:
        return {
            "kind": "heartbeat",
            "playback_id": self.playback_id,
            "seq": self.seq,
            "at": self.at.isoformat(),
            "position_s": self.position_s,
            "rate": self.rate,
            "paused": self.paused,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Capture:
    challenge_id: str
    issued_at: dt.datetime
    answered_at: dt.datetime | None
    passed: bool | None
    reason: str | None

    def shown(self) -> dict[str, Any]:
        return {
            "kind": "capture",
            "challenge_id": self.challenge_id,
            "issued_at": self.issued_at.isoformat(),
            "passed": self.passed,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class DeviceLogin:
    """A sign-in of any learner on a device this learner also used."""

    learner_id: str
    device_id: str
    started_at: dt.datetime

    def shown(self, own: bool) -> dict[str, Any]:
        """Another account's sign-in is shown without its learner id: every supervision account
        sees the same finding, and one outside that account's scope is not named (the authority
        finds it in the logins view by the device id)."""
        return {
            "kind": "login",
            "learner_id": self.learner_id if own else ANOTHER_ACCOUNT,
            "device_id": self.device_id,
            "started_at": self.started_at.isoformat(),
        }


@dataclass(frozen=True)
class AddressLogin:
    """A sign-in of any learner from a network address this learner also signed in from, with
    the learner's employer (an enterprise's training room is one principal)."""

    learner_id: str
    address: str
    device_id: str
    started_at: dt.datetime
    enterprise_id: str | None

    def principal(self, limits: Thresholds) -> str:
        if limits.employees_count_as_one and self.enterprise_id is not None:
            return f"enterprise:{self.enterprise_id}"
        return f"learner:{self.learner_id}"

    def shown(self, own: bool) -> dict[str, Any]:
        """Another account's sign-in without its learner id (as DeviceLogin.shown)."""
        return {
            "kind": "login",
            "learner_id": self.learner_id if own else ANOTHER_ACCOUNT,
            "address": self.address,
            "device_id": self.device_id,
            "started_at": self.started_at.isoformat(),
        }


@dataclass(frozen=True)
class Answer:
    question_id: str
    answered_at: dt.datetime

    def shown(self) -> dict[str, Any]:
        return {
            "kind": "quiz_answer",
            "question_id": self.question_id,
            "answered_at": self.answered_at.isoformat(),
        }


@dataclass(frozen=True)
class Finding:
    learner_id: str
    rule: str
    at: dt.datetime
    detail: str
    trace: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Thresholds:
    """The values the rules use; `COMPLIANT` is the reference's, defects swap one of them."""

    regular_max_stdev_s: float = REGULAR_MAX_STDEV_S
    flag_forged_end_reports: bool = True
    max_daily_study_h: float = MAX_DAILY_STUDY_H
    employees_count_as_one: bool = True
    address_keyed_by_device: bool = False
    own_sign_in_named: bool = True
    forged_end_margin_s: float = END_MARGIN_S
    any_failure_is_mismatch: bool = False
    quiz_reading_s: float = QUIZ_READING_S
    failures_counted_per_kind: bool = False


COMPLIANT = Thresholds()


def limits_for(defects: ActiveDefects) -> Thresholds:
    """The reference's thresholds, or a defect's."""
    limits = COMPLIANT
    if defects.active("self_check_silent_on_forged_end_reports"):
        limits = replace(limits, flag_forged_end_reports=False)
    if defects.active("self_check_flags_honest_learner"):
        # A spread a person's player easily stays under, read as a machine's.
        limits = replace(limits, regular_max_stdev_s=10.0)
    if defects.active("self_check_reads_scripts_too_narrowly"):
        # "a script is on the dot, and faster than a second": a bot's jitter of tens of
        # milliseconds and answers 1.5 s apart pass as a person's
        limits = replace(limits, regular_max_stdev_s=0.05, quiz_reading_s=1.0)
    if defects.active("self_check_counts_capture_failures_per_kind"):
        limits = replace(limits, failures_counted_per_kind=True)
    if defects.active("self_check_counts_study_per_lesson"):
        # The slip: the daily sum is kept per lesson, so a day of many lessons never adds up.
        limits = replace(limits, max_daily_study_h=float("inf"))
    if defects.active("self_check_flags_training_room"):
        limits = replace(limits, employees_count_as_one=False)
    if defects.active("self_check_address_rule_keyed_by_device"):
        limits = replace(limits, address_keyed_by_device=True)
    if defects.active("self_check_traces_hide_own_sign_in"):
        limits = replace(limits, own_sign_in_named=False)
    if defects.active("self_check_flags_one_missed_capture"):
        # The slip: every failed capture read as another person's face, flagged at once.
        limits = replace(limits, any_failure_is_mismatch=True)
    if defects.active("self_check_reads_any_seek_as_forged_end"):
        # The slip: "the end" measured with no bound, so a seek to the lesson's middle is one.
        limits = replace(limits, forged_end_margin_s=float("inf"))
    return limits


def _by_playback(beats: Iterable[Beat]) -> dict[str, list[Beat]]:
    grouped: dict[str, list[Beat]] = {}
    for beat in sorted(beats, key=lambda b: (b.at, b.seq)):
        grouped.setdefault(beat.playback_id, []).append(beat)
    return grouped


def regular_heartbeats(learner_id: str, beats: Sequence[Beat], limits: Thresholds) -> list[Finding]:
    """A run of REGULAR_RUN gaps between received heartbeats with almost no spread."""
    for playback in _by_playback(beats).values():
        times = [b.at for b in playback]
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        for start in range(len(gaps) - REGULAR_RUN + 1):
            run = gaps[start : start + REGULAR_RUN]
            spread = statistics.pstdev(run)
            if spread < limits.regular_max_stdev_s:
                shown = playback[start : start + REGULAR_RUN + 1]
                return [
                    Finding(
                        learner_id,
                        "regular_heartbeats",
                        shown[-1].at,
                        f"{REGULAR_RUN} heartbeat gaps of {statistics.fmean(run):.2f} s with a "
                        f"standard deviation of {spread:.3f} s",
                        tuple(b.shown() for b in shown[:MAX_TRACE]),
                    )
                ]
    return []


def _advances(playback: list[Beat], start_position_s: float) -> list[tuple[Beat, bool]]:
    """Each heartbeat with whether its position ran ahead of the clock since the previous one
    (the first one: since the opening, from where the learner had got to before)."""
    found: list[tuple[Beat, bool]] = []
    previous_at, previous_position = playback[0].opened_at, start_position_s
    last_seq: int | None = None
    for beat in playback:
        if last_seq is not None and beat.seq <= last_seq:
            continue  # a resent report (a duplicate by its seq): judged once, when it first came
        last_seq = beat.seq
        elapsed = max(0.0, (beat.at - previous_at).total_seconds())
        allowed = elapsed * AHEAD_RATIO + AHEAD_SLACK_S
        faster = beat.rate > FASTEST_RATE or beat.position_s - previous_position > allowed
        ahead = not beat.paused and faster
        found.append((beat, ahead))
        previous_at, previous_position = beat.at, beat.position_s
    return found


def _start_positions(beats: Sequence[Beat]) -> dict[str, float]:
    """Where each playback started: the furthest position earlier playbacks of its lesson
    reached (the reference resumes there)."""
    starts: dict[str, float] = {}
    reached: dict[str, float] = {}
    for playback_id, playback in sorted(
        _by_playback(beats).items(), key=lambda item: item[1][0].opened_at
    ):
        lesson = playback[0].lesson_id
        starts[playback_id] = reached.get(lesson, 0.0)
        reached[lesson] = max([reached.get(lesson, 0.0)] + [b.position_s for b in playback])
    return starts


def ahead_of_clock(learner_id: str, beats: Sequence[Beat], limits: Thresholds) -> list[Finding]:
    """AHEAD_MIN_BEATS heartbeats of one playback whose position ran ahead of the clock."""
    starts = _start_positions(beats)
    for playback_id, playback in _by_playback(beats).items():
        ahead = [b for b, is_ahead in _advances(playback, starts[playback_id]) if is_ahead]
        if len(ahead) >= AHEAD_MIN_BEATS:
            return [
                Finding(
                    learner_id,
                    "ahead_of_clock",
                    ahead[-1].at,
                    f"{len(ahead)} heartbeats of one playback advanced faster than the clock",
                    tuple(b.shown() for b in ahead[:MAX_TRACE]),
                )
            ]
    return []


def forged_end_report(learner_id: str, beats: Sequence[Beat], limits: Thresholds) -> list[Finding]:
    """A report of the lesson's end that the clock since the previous report cannot explain."""
    if not limits.flag_forged_end_reports:
        return []
    starts = _start_positions(beats)
    for playback_id, playback in _by_playback(beats).items():
        advances = _advances(playback, starts[playback_id])
        for index, (beat, is_ahead) in enumerate(advances):
            if is_ahead and beat.position_s >= beat.duration_s - limits.forged_end_margin_s:
                before = [b.shown() for b, _ in advances[max(0, index - 3) : index]]
                return [
                    Finding(
                        learner_id,
                        "forged_end_report",
                        beat.at,
                        f"the end of lesson {beat.lesson_id} was reported {beat.position_s:g} s "
                        f"in, with {index} report(s) before it since the playback opened at "
                        f"{beat.opened_at.isoformat()}",
                        (*before, beat.shown()),
                    )
                ]
    return []


def capture_failures(
    learner_id: str, captures: Sequence[Capture], limits: Thresholds = COMPLIANT
) -> list[Finding]:
    """Another person's face at once; more than MAX_CAPTURE_FAILURES failures of other kinds."""
    failed = [c for c in captures if c.passed is False]
    mismatch = [c for c in failed if c.reason == FACE_MISMATCH or limits.any_failure_is_mismatch]
    if mismatch:
        return [
            Finding(
                learner_id,
                "capture_failures",
                mismatch[0].answered_at or mismatch[0].issued_at,
                "a capture showed a face that differs from the registered one",
                tuple(c.shown() for c in mismatch[:MAX_TRACE]),
            )
        ]
    counted = (
        max(sum(1 for c in failed if c.reason == r) for r in {c.reason for c in failed})
        if failed and limits.failures_counted_per_kind  # the defect: missed apart from refused
        else len(failed)
    )
    if counted > MAX_CAPTURE_FAILURES:
        last = failed[-1]
        return [
            Finding(
                learner_id,
                "capture_failures",
                last.answered_at or last.issued_at,
                f"{len(failed)} captures failed or went unanswered",
                tuple(c.shown() for c in failed[:MAX_TRACE]),
            )
        ]
    return []


def shared_device(
    learner_id: str,
    own: Sequence[DeviceLogin],
    on_devices: Mapping[str, Sequence[DeviceLogin]],
    limits: Thresholds,
) -> list[Finding]:
    """SHARED_DEVICE_ACCOUNTS accounts (this learner's among them) signed in on one device
    within SHARED_DEVICE_WINDOW of one of this learner's sign-ins. `on_devices` holds every
    sign-in on each device, oldest first."""
    for login in sorted(own, key=lambda x: x.started_at):
        logins = on_devices.get(login.device_id, ())
        times = [x.started_at for x in logins]
        start = bisect.bisect_left(times, login.started_at - SHARED_DEVICE_WINDOW)
        end = bisect.bisect_right(times, login.started_at + SHARED_DEVICE_WINDOW)
        others: dict[str, DeviceLogin] = {}
        for other in logins[start:end]:
            if other.learner_id != learner_id:
                others.setdefault(other.learner_id, other)
            if len(others) + 1 >= SHARED_DEVICE_ACCOUNTS:
                return [
                    Finding(
                        learner_id,
                        "shared_device",
                        login.started_at,
                        f"{SHARED_DEVICE_ACCOUNTS} or more accounts signed in on device "
                        f"{login.device_id!r} within "
                        f"{SHARED_DEVICE_WINDOW.total_seconds() / 3600:g} h",
                        (
                            login.shown(own=limits.own_sign_in_named),
                            *(o.shown(own=False) for o in others.values()),
                        ),
                    )
                ]
    return []


def shared_address(
    learner_id: str,
    own: Sequence[AddressLogin],
    from_addresses: Mapping[str, Sequence[AddressLogin]],
    limits: Thresholds,
) -> list[Finding]:
    """SHARED_ADDRESS_PRINCIPALS principals (this learner's among them) signed in from one
    address within SHARED_ADDRESS_WINDOW of one of this learner's sign-ins. `from_addresses`
    holds every sign-in from each address, oldest first."""
    for login in sorted(own, key=lambda x: x.started_at):
        logins = from_addresses.get(login.address, ())
        times = [x.started_at for x in logins]
        start = bisect.bisect_left(times, login.started_at - SHARED_ADDRESS_WINDOW)
        end = bisect.bisect_right(times, login.started_at + SHARED_ADDRESS_WINDOW)
        principals: dict[str, AddressLogin] = {login.principal(limits): login}
        for other in logins[start:end]:
            if limits.address_keyed_by_device and other.device_id != login.device_id:
                continue  # the defect: one address's accounts counted per device
            principals.setdefault(other.principal(limits), other)
            if len(principals) >= SHARED_ADDRESS_PRINCIPALS:
                others = [o for o in principals.values() if o.learner_id != learner_id]
                return [
                    Finding(
                        learner_id,
                        "shared_address",
                        login.started_at,
                        f"{SHARED_ADDRESS_PRINCIPALS} or more unrelated accounts signed in from "
                        f"address {login.address} within "
                        f"{SHARED_ADDRESS_WINDOW.total_seconds() / 3600:g} h",
                        (
                            login.shown(own=limits.own_sign_in_named),
                            *(o.shown(own=False) for o in others[: MAX_TRACE - 1]),
                        ),
                    )
                ]
    return []


def _played_by_day(beats: Sequence[Beat]) -> dict[dt.date, tuple[float, list[Beat]]]:
    """Seconds of content played on each Asia/Shanghai day, with the heartbeats that played it
    (oldest first). A playback's first heartbeat counts from its opening (and the position it
    resumed at)."""
    seconds: dict[dt.date, float] = defaultdict(float)
    played_by: dict[dt.date, list[Beat]] = defaultdict(list)
    starts = _start_positions(beats)
    for playback_id, playback in _by_playback(beats).items():
        opened = (playback[0].opened_at, starts[playback_id])  # from where the playback began
        points = [opened, *((b.at, b.position_s) for b in playback)]
        for (since, from_s), later in zip(points, playback, strict=False):
            gap = (later.at - since).total_seconds()
            played = min(max(later.position_s - from_s, 0.0), max(gap, 0.0))
            end = later.at.astimezone(SHANGHAI)
            while played > 0:  # split at midnight: each day gets what was played on it
                midnight = dt.datetime.combine(end.date(), dt.time(), tzinfo=SHANGHAI)
                today = min(played, (end - midnight).total_seconds())
                if today > 0:  # (0: ended at midnight exactly, all of it played the day before)
                    seconds[end.date()] += today
                    played_by[end.date()].append(later)
                    played -= today
                end = midnight - dt.timedelta(microseconds=1)
    return {
        day: (total, sorted(played_by[day], key=lambda b: b.at)) for day, total in seconds.items()
    }


def round_the_clock(learner_id: str, beats: Sequence[Beat], limits: Thresholds) -> list[Finding]:
    """More than `max_daily_study_h` hours of content played on one day."""
    for day, (seconds, trace) in sorted(_played_by_day(beats).items()):
        if seconds > limits.max_daily_study_h * 3600:
            return [
                Finding(
                    learner_id,
                    "round_the_clock",
                    trace[-1].at,
                    f"{seconds / 3600:.1f} h of lessons played on {day} (Asia/Shanghai)",
                    tuple(b.shown() for b in trace[-MAX_TRACE:]),
                )
            ]
    return []


def fast_quiz_answers(
    learner_id: str, answers: Sequence[Answer], limits: Thresholds = COMPLIANT
) -> list[Finding]:
    """QUIZ_FAST_MIN answers each given within QUIZ_READING_S of the learner's previous one."""
    ordered = sorted(answers, key=lambda a: a.answered_at)
    fast = [
        later
        for earlier, later in itertools.pairwise(ordered)
        if (later.answered_at - earlier.answered_at).total_seconds() < limits.quiz_reading_s
    ]
    if len(fast) < QUIZ_FAST_MIN:
        return []
    return [
        Finding(
            learner_id,
            "fast_quiz_answers",
            fast[-1].answered_at,
            f"{len(fast)} quiz answers came within {limits.quiz_reading_s:g} s of the previous one",
            tuple(a.shown() for a in fast[:MAX_TRACE]),
        )
    ]


@dataclass(frozen=True)
class LearnerTraces:
    learner_id: str
    beats: tuple[Beat, ...]
    captures: tuple[Capture, ...]
    logins: tuple[DeviceLogin, ...]
    on_devices: Mapping[str, Sequence[DeviceLogin]]  # every sign-in on its devices, oldest first
    answers: tuple[Answer, ...]
    address_logins: tuple[AddressLogin, ...] = ()
    # every sign-in from its addresses, oldest first
    from_addresses: Mapping[str, Sequence[AddressLogin]] = field(default_factory=dict)


def findings(traces: LearnerTraces, limits: Thresholds = COMPLIANT) -> list[Finding]:
    """Every rule's findings for one learner, in the order of SELF_CHECK_RULES."""
    learner = traces.learner_id
    return [
        *regular_heartbeats(learner, traces.beats, limits),
        *ahead_of_clock(learner, traces.beats, limits),
        *forged_end_report(learner, traces.beats, limits),
        *capture_failures(learner, traces.captures, limits),
        *shared_device(learner, traces.logins, traces.on_devices, limits),
        *shared_address(learner, traces.address_logins, traces.from_addresses, limits),
        *fast_quiz_answers(learner, traces.answers, limits),
        *round_the_clock(learner, traces.beats, limits),
    ]
