"""The credit rules of docs/interface.md ("Platform: learning integrity") as one pure function.

No database, no HTTP, no clock of its own: `judge` gets the playback's state, one heartbeat and
`now`, and answers what the heartbeat earns and what to do about capture challenges. Keeping the
rules here, apart from the plumbing, lets them be read in one place and property-tested directly.

What compliant means, for a vendor (docs/interface.md has the wire form):

* Credit is the server's measure, never the client's claim: a heartbeat earns at most the clock
  time since the last accepted one and at most the content advance (STUDY-06), never past the
  lesson's end; a duplicated or replayed sequence number earns nothing (STUDY-06).
* A paused player, a rate above 1 (STUDY-06), reviewing earlier content and a jump past the
  furthest point reached (STUDY-05) earn nothing; the jump does not move the furthest point.
* Past each lesson hour's secret, random capture point (STUDY-02) a capture challenge is issued;
  while its answer is overdue, nothing is earned, and a missed one is replaced at once. Stopping
  all credit of the lesson until a capture of that hour passes, and replacing the missed one only
  at the next heartbeat, is compliant too (the alternative `overdue_capture_stops_credit`).

"Accepted" means the heartbeat was taken into account (anything but a duplicate). Every accepted
heartbeat moves the elapsed-time baseline, whether it earned or not, so that time spent paused,
sped up, reviewing or overdue on a capture can never be claimed later by a forward jump.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import Literal

from reference_platform.alternatives import ChosenAlternatives
from reference_platform.defects import ActiveDefects

ChallengeAction = Literal["none", "keep", "issue", "expire"]  # expire: settle, issue none
_SYSTEM_RANDOM = random.SystemRandom()
DEFAULT_INTERVAL_S = 30.0


@dataclass(frozen=True)
class CreditRules:
    """Which of the rules apply; all of them for a compliant platform (the defaults). Each field
    is one defect's plain value: `judge` never sees the defects themselves."""

    pay_duplicates: bool = False  # credits_duplicate_heartbeats: every copy earns an interval
    ignore_rate: bool = False  # credits_fast_playback: credit the content advance, any rate
    trust_position: bool = False  # trusts_client_position: a jump is taken as watched
    # overdue_capture_stops_credit (a compliant alternative, not a defect): after a missed
    # capture nothing is earned until a capture of that hour passes
    overdue_stops_credit: bool = False
    fastest_credited_rate: float = 1.0  # credits_stock_player_rates: 1.5, the player's menu
    sub_second_is_review: bool = False  # sub_second_advances_read_as_review: < 1 s earns 0
    pause_keeps_baseline: bool = False  # pause_keeps_the_credit_baseline: paused time cashed in
    # furthest_point_follows_the_player: an accepted heartbeat moves the furthest point to the
    # reported position, while the credit stays the clock's (content run past, never watched)
    furthest_follows_position: bool = False

    @classmethod
    def of(cls, defects: ActiveDefects, alternatives: ChosenAlternatives) -> CreditRules:
        """The rules a platform with these defects (and alternatives) applies: read here, beside
        the rules, so that `sxcert defects` leads to the rule each defect drops."""
        return cls(
            pay_duplicates=defects.active("credits_duplicate_heartbeats"),
            ignore_rate=defects.active("credits_fast_playback"),
            trust_position=defects.active("trusts_client_position"),
            overdue_stops_credit=alternatives.chosen("overdue_capture_stops_credit"),
            fastest_credited_rate=1.5 if defects.active("credits_stock_player_rates") else 1.0,
            sub_second_is_review=defects.active("sub_second_advances_read_as_review"),
            pause_keeps_baseline=defects.active("pause_keeps_the_credit_baseline"),
            furthest_follows_position=defects.active("furthest_point_follows_the_player"),
        )


COMPLIANT = CreditRules()


@dataclass(frozen=True)
class Beat:
    """What the player reported."""

    seq: int
    position_s: float
    rate: float
    paused: bool = False


@dataclass(frozen=True)
class PlaybackState:
    """What the server knows before the heartbeat (the lesson's numbers are per learner)."""

    last_seq: int | None  # None before the first accepted heartbeat
    last_credit_at: dt.datetime  # the last accepted heartbeat, or the opening
    furthest_s: float  # of the lesson
    credited_s: float  # of the lesson
    duration_s: float
    capture_points_s: tuple[float, ...] = ()  # one per lesson hour, from the lesson's start
    passed_hours: frozenset[int] = frozenset()
    challenge_deadline: dt.datetime | None = None  # of the lesson's open challenge
    challenge_hour: int | None = None
    ceiling_s: float | None = None  # the quiz gate: credit stops here until the quiz is answered
    # an hour of the lesson missed a capture and has none passed since (only
    # `overdue_stops_credit` reads it)
    missed_capture_unmade: bool = False


@dataclass(frozen=True)
class Outcome:
    """The verdict on one heartbeat, and the state to store after it (unchanged if refused)."""

    accepted: bool
    reason: str
    credited_delta_s: float
    furthest_s: float
    credited_s: float
    last_seq: int | None
    last_credit_at: dt.datetime
    challenge: ChallengeAction  # "keep" = answer with the open one, "issue" = replace/issue one
    challenge_hour: int | None = None  # the hour a new challenge is for


def hour_needing_capture(
    furthest_s: float, capture_points_s: tuple[float, ...], passed_hours: frozenset[int]
) -> int | None:
    """The first hour whose capture point the learner has passed without a passed capture."""
    for hour, point in enumerate(capture_points_s):
        if furthest_s >= point and hour not in passed_hours:
            return hour
    return None


def judge(
    state: PlaybackState,
    beat: Beat,
    now: dt.datetime,
    interval_s: float = DEFAULT_INTERVAL_S,
    rules: CreditRules = COMPLIANT,
) -> Outcome:
    """Decide one heartbeat: duplicate → capture_overdue → paused → speed → review → seek → ok."""
    open_challenge: ChallengeAction = "keep" if state.challenge_deadline else "none"
    duplicate = state.last_seq is not None and beat.seq <= state.last_seq
    if duplicate and rules.pay_duplicates:
        # A naive accumulator: every copy of a heartbeat earns one interval again.
        delta = max(0.0, min(interval_s, state.duration_s - state.credited_s))
        return Outcome(
            accepted=True,
            reason="ok",
            credited_delta_s=delta,
            furthest_s=state.furthest_s,
            credited_s=state.credited_s + delta,
            last_seq=state.last_seq,
            last_credit_at=state.last_credit_at,
            challenge=open_challenge,
            challenge_hour=state.challenge_hour,
        )
    if duplicate:
        return Outcome(
            accepted=False,
            reason="duplicate",
            credited_delta_s=0.0,
            furthest_s=state.furthest_s,
            credited_s=state.credited_s,
            last_seq=state.last_seq,
            last_credit_at=state.last_credit_at,
            challenge=open_challenge,
            challenge_hour=state.challenge_hour,
        )
    elapsed = max(0.0, (now - state.last_credit_at).total_seconds())
    gap = beat.position_s - state.furthest_s
    end = state.duration_s if state.ceiling_s is None else min(state.duration_s, state.ceiling_s)
    room = max(0.0, end - state.furthest_s)
    jump = gap > elapsed + interval_s
    overdue = state.challenge_deadline is not None and now > state.challenge_deadline
    stopped = rules.overdue_stops_credit and state.missed_capture_unmade
    furthest, credit = state.furthest_s, 0.0
    if overdue or stopped:
        reason = "capture_overdue"
    elif beat.paused:
        reason = "paused"
    elif beat.rate > rules.fastest_credited_rate and not rules.ignore_rate:
        reason = "speed"
    elif gap < 0:  # noqa: SIM114 (the defect's branch below kept apart)
        reason = "review"
    elif rules.sub_second_is_review and gap < 1:
        reason = "review"
    elif jump and not rules.trust_position:
        reason = "seek"
    else:
        reason = "ok"
        if rules.ignore_rate:
            credit = min(gap, room)  # the content advance, not capped by the clock
            furthest += credit
        else:
            credit = min(gap, elapsed, room)
            furthest += credit
            if jump:  # only with rules.trust_position: the jump moves the furthest point
                furthest = max(furthest, min(beat.position_s, state.duration_s))
            elif rules.furthest_follows_position:
                furthest = max(furthest, min(beat.position_s, end))
    delta = max(0.0, min(credit, state.duration_s - state.credited_s))
    last_seq = beat.seq if state.last_seq is None else max(state.last_seq, beat.seq)
    challenge, hour = open_challenge, state.challenge_hour
    if overdue and rules.overdue_stops_credit:
        challenge = "expire"  # settled now; the replacement comes with the next heartbeat
    elif overdue or not state.challenge_deadline:
        hour = hour_needing_capture(furthest, state.capture_points_s, state.passed_hours)
        if overdue and hour is None:
            hour = state.challenge_hour
        challenge = "issue" if hour is not None else "none"
    return Outcome(
        accepted=True,
        reason=reason,
        credited_delta_s=delta,
        furthest_s=furthest,
        credited_s=state.credited_s + delta,
        last_seq=last_seq,
        # every accepted heartbeat moves the baseline, a paused one too: time spent paused is
        # never cashed in by a later jump (the defect times the next stretch from the last
        # heartbeat that played)
        last_credit_at=(
            state.last_credit_at
            if beat.paused and rules.pause_keeps_baseline
            else max(now, state.last_credit_at)
        ),
        challenge=challenge,
        challenge_hour=hour,
    )


def capture_points(
    duration_s: float,
    lesson_hours: int,
    rng: random.Random = _SYSTEM_RANDOM,
    fixed_offset_s: float | None = None,
    *,
    all_in_first_hour: bool,
    one_offset: bool = False,
) -> list[float]:
    """One capture point per lesson hour, drawn uniformly in [5 %, 90 %] of the hour (from the
    OS's entropy, so no learner can predict it), or `fixed_offset_s` into every hour (the
    capture_at_fixed_offset defect). Seconds from the lesson's start, to the millisecond.
    `all_in_first_hour` is the defect captures_of_a_long_lesson_in_its_first_hour: every
    hour's point drawn inside the lesson's first hour; `one_offset` is the defect
    capture_offset_drawn_once_per_lesson: one draw for every hour of the lesson (once the first
    hour's capture came, the others are known)."""
    hours = max(1, lesson_hours)
    hour_s = duration_s / hours
    points = []
    drawn_once = rng.uniform(0.05, 0.90) * hour_s if one_offset else None
    for hour in range(hours):
        if fixed_offset_s is not None:
            offset = min(fixed_offset_s, hour_s)
        elif drawn_once is not None:
            offset = drawn_once
        else:
            offset = rng.uniform(0.05, 0.90) * hour_s
        start = 0.0 if all_in_first_hour else hour * hour_s
        points.append(math.floor((start + offset) * 1000) / 1000)
    return points
