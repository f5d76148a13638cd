"""The reference platform's self-check rules (POST-06): both sides of every threshold."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from reference_platform import self_check as rules
from reference_platform.self_check import (
    COMPLIANT,
    AddressLogin,
    Answer,
    Beat,
    Capture,
    DeviceLogin,
    LearnerTraces,
    findings,
)

T0 = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)
LESSON_S = 2700.0


def beats(
    gaps: list[float], *, advance: list[float] | None = None, rate: float = 1.0
) -> list[Beat]:
    """A playback's heartbeats `gaps` seconds apart, the position advancing by `advance` (by
    default exactly the gap)."""
    made, at, position = [], T0, 0.0
    for index, gap in enumerate(gaps):
        at += dt.timedelta(seconds=gap)
        position = min(LESSON_S, position + (advance[index] if advance else gap))
        made.append(Beat("pb1", "les1", LESSON_S, T0, index + 1, at, position, rate, False, "ok"))
    return made


def traces(**kwargs) -> LearnerTraces:
    fields = {"beats": (), "captures": (), "logins": (), "on_devices": {}, "answers": ()}
    fields.update({k: tuple(v) if isinstance(v, list) else v for k, v in kwargs.items()})
    return LearnerTraces(learner_id="lrn1", **fields)


def fired(t: LearnerTraces, limits: rules.Thresholds = COMPLIANT) -> set[str]:
    return {f.rule for f in findings(t, limits)}


def test_an_honest_trace_fires_nothing():
    gaps = [30 + d for d in (2.5, -3.1, 4.0, -1.2, 0.4, 3.3, -4.4, 1.9, -2.6, 2.2, -0.7, 3.8)]
    assert fired(traces(beats=beats(gaps))) == set()


@pytest.mark.parametrize(("spread", "flagged"), [(0.0, True), (0.2, True), (0.3, False)])
def test_regular_heartbeats_at_both_sides_of_the_spread(spread, flagged):
    # the first gap is from the opening: REGULAR_RUN gaps between heartbeats need one more
    gaps = [30 + (spread if i % 2 else -spread) for i in range(rules.REGULAR_RUN + 1)]
    assert ("regular_heartbeats" in fired(traces(beats=beats(gaps)))) is flagged


def test_regular_heartbeats_need_a_whole_run():
    assert fired(traces(beats=beats([30.0] * rules.REGULAR_RUN))) == set()


def test_the_honest_learner_defect_reads_a_persons_jitter_as_regular():
    gaps = [30 + (3 if i % 2 else -3) for i in range(rules.REGULAR_RUN + 1)]
    assert fired(traces(beats=beats(gaps))) == set()
    assert fired(traces(beats=beats(gaps)), rules.Thresholds(10.0)) == {"regular_heartbeats"}


@pytest.mark.parametrize(("ahead", "flagged"), [(2, False), (3, True)])
def test_ahead_of_clock_needs_three_heartbeats(ahead, flagged):
    gaps = [31.0, 29.0, 33.0, 28.0, 30.5]
    advance = [gap * 2 if i < ahead else gap for i, gap in enumerate(gaps)]
    assert ("ahead_of_clock" in fired(traces(beats=beats(gaps, advance=advance)))) is flagged


@pytest.mark.parametrize(
    ("rate", "flagged"), [(2.0, True), (1.25, True), (1.01, True), (1.0, False)]
)
def test_a_reported_speed_up_is_ahead_of_the_clock_whatever_the_position(rate, flagged):
    """The interface: heartbeats "each reporting rate > 1", at a stock player's 1.25× or just
    above 1× as well as at 2×; positions advancing with the clock, so only the rate counts."""
    gaps = [31.0, 29.0, 33.0]
    found = fired(traces(beats=beats(gaps, rate=rate)))
    assert ("ahead_of_clock" in found) is flagged


def test_slack_of_the_ahead_rule():
    allowed = 30 * rules.AHEAD_RATIO + rules.AHEAD_SLACK_S
    within = beats([30.0] * 3, advance=[allowed - 0.01] * 3)
    beyond = beats([30.0] * 3, advance=[allowed + 0.01] * 3)
    assert "ahead_of_clock" not in fired(traces(beats=within))
    assert "ahead_of_clock" in fired(traces(beats=beyond))


def test_forged_end_report_and_its_defect():
    forged = beats([30.0], advance=[LESSON_S])
    assert fired(traces(beats=forged)) == {"forged_end_report"}
    silent = rules.Thresholds(flag_forged_end_reports=False)
    assert fired(traces(beats=forged), silent) == set()


@pytest.mark.parametrize(("short_of_end_s", "flagged"), [(1.0, True), (1.01, False)])
def test_forged_end_report_at_both_sides_of_the_end_margin(short_of_end_s, flagged):
    """The interface's end: position ≥ duration − 1 s; a report just short of it is one seek."""
    jump = beats([30.0], advance=[LESSON_S - short_of_end_s])
    assert fired(traces(beats=jump)) == ({"forged_end_report"} if flagged else set())


def test_one_seek_mid_lesson_is_no_forged_end_report_but_for_its_defect():
    """A learner drags the slider 600 s ahead once, the player snaps back and plays on: one
    heartbeat ahead of the clock, far from the end. Defect `self_check_reads_any_seek_as_forged_end`
    reads it as the end (a mutation survivor: the end's bound dropped)."""
    seeking = beats([30.0] * 8, advance=[30.0, 30.0, 30.0, 630.0, -570.0, 30.0, 30.0, 30.0])
    assert fired(traces(beats=seeking)) == set()
    unbounded = dataclasses.replace(COMPLIANT, forged_end_margin_s=float("inf"))
    assert fired(traces(beats=seeking), unbounded) == {"forged_end_report"}


def test_reaching_the_end_steadily_is_no_forged_report():
    assert fired(traces(beats=beats([30.0 + (i % 3) for i in range(90)]))) == set()


def capture(reason: str | None, passed: bool | None) -> Capture:
    return Capture("cap", T0, T0, passed, reason)


@pytest.mark.parametrize(
    ("made", "flagged"),
    [
        ([("ok", True)], False),
        ([("expired", False)], False),  # one miss: it happens
        ([("expired", False), ("replay", False)], True),
        ([("face_mismatch", False)], True),  # another face: at once
    ],
)
def test_capture_failures(made, flagged):
    t = traces(captures=[capture(reason, passed) for reason, passed in made])
    assert ("capture_failures" in fired(t)) is flagged


def test_one_missed_capture_is_flagged_only_by_its_defect():
    """Defect `self_check_flags_one_missed_capture` reads every failure as another face."""
    t = traces(captures=[capture("expired", False), capture("ok", True)])
    assert "capture_failures" not in fired(t)
    reading_all = dataclasses.replace(COMPLIANT, any_failure_is_mismatch=True)
    assert "capture_failures" in fired(t, reading_all)


def logins_on(device: str, learners: list[str], hours_apart: float) -> list[DeviceLogin]:
    return [
        DeviceLogin(learner, device, T0 + dt.timedelta(hours=i * hours_apart))
        for i, learner in enumerate(learners)
    ]


@pytest.mark.parametrize(
    ("others", "hours_apart", "flagged"),
    [(["b"], 1, False), (["b", "c"], 1, True), (["b", "c"], 24.01, False)],
)
def test_shared_device(others, hours_apart, flagged):
    on_device = logins_on("dev", ["lrn1", *others], hours_apart)
    t = traces(logins=on_device[:1], on_devices={"dev": on_device})
    assert ("shared_device" in fired(t)) is flagged


@pytest.mark.parametrize("rule", ["shared_device", "shared_address"])
def test_a_sign_in_findings_trace_names_the_learners_own_sign_in_only(rule):
    """The learner's own sign-in under its id, the others' as "another account"; the defect
    `self_check_traces_hide_own_sign_in` hides the learner's own too."""
    if rule == "shared_device":
        on_device = logins_on("dev", ["lrn1", "b", "c"], 1)
        t = traces(logins=on_device[:1], on_devices={"dev": on_device})
    else:
        signed = from_address([(f"lrn{i}", None) for i in range(1, 6)])
        t = traces(address_logins=signed[:1], from_addresses={"198.18.0.7": signed})
    hiding = dataclasses.replace(COMPLIANT, own_sign_in_named=False)
    for limits, own_named in [(COMPLIANT, True), (hiding, False)]:
        (finding,) = [f for f in findings(t, limits) if f.rule == rule]
        names = [record["learner_id"] for record in finding.trace]
        assert names[0] == ("lrn1" if own_named else rules.ANOTHER_ACCOUNT)
        assert len(names) >= 3 and set(names[1:]) == {rules.ANOTHER_ACCOUNT}


# ---- shared_address: principals signed in from one address within 24 h ----------------------
def from_address(
    signers: list[tuple[str, str | None]], *, minutes_apart: float = 1, device: str | None = None
) -> list[AddressLogin]:
    """Sign-ins from one address: (learner, employer) pairs, each on a device of its own unless
    `device` is given, `minutes_apart` after each other."""
    return [
        AddressLogin(
            learner,
            "198.18.0.7",
            device or f"dev-{learner}",
            T0 + dt.timedelta(minutes=i * minutes_apart),
            employer,
        )
        for i, (learner, employer) in enumerate(signers)
    ]


def address_fired(signed: list[AddressLogin], limits=COMPLIANT) -> list[rules.Finding]:
    own = [login for login in signed if login.learner_id == "lrn1"]
    t = traces(address_logins=own, from_addresses={"198.18.0.7": signed})
    return [f for f in findings(t, limits) if f.rule == "shared_address"]


UNRELATED = [(f"u{i}", None) for i in range(1, 20)]


@pytest.mark.parametrize(
    ("signers", "flagged"),
    [
        ([("lrn1", None), *UNRELATED[:3]], False),  # 4 accounts: a household and a guest
        ([("lrn1", None), *UNRELATED[:4]], True),  # 5: the reference's threshold
        ([("lrn1", None), *UNRELATED[:9]], True),  # 10: the interface's must-flag case
        # a training room: any number of one enterprise's employees count as one
        ([("lrn1", "ent-a"), *[(f"e{i}", "ent-a") for i in range(15)]], False),
        ([("lrn1", "ent-a"), *[(f"e{i}", "ent-a") for i in range(15)], *UNRELATED[:3]], False),
        # two enterprises' rooms and three others: five principals
        ([("lrn1", "ent-a"), ("e1", "ent-b"), *UNRELATED[:3]], True),
        # an unrelated learner among one enterprise's employees counts the enterprise once
        ([("lrn1", None), *[(f"e{i}", "ent-a") for i in range(9)], *UNRELATED[:2]], False),
        ([("lrn1", None), *[(f"e{i}", "ent-a") for i in range(9)], *UNRELATED[:3]], True),
    ],
)
def test_shared_address_counts_principals(signers, flagged):
    assert bool(address_fired(from_address(signers))) is flagged


@pytest.mark.parametrize(("span_h", "flagged"), [(24.0, True), (24.0 + 1 / 3600, False)])
def test_shared_address_window_is_24_hours(span_h, flagged):
    """The fifth account signs in exactly 24 h after the learner, or one second later."""
    signed = from_address([("lrn1", None), *UNRELATED[:3]])
    last = T0 + dt.timedelta(hours=span_h)
    signed.append(AddressLogin("u9", "198.18.0.7", "dev-u9", last, None))
    assert bool(address_fired(signed)) is flagged


def test_shared_address_counts_every_device_and_hides_other_learners():
    found = address_fired(from_address([("lrn1", None), *UNRELATED[:9]]))
    [finding] = found
    assert finding.learner_id == "lrn1"
    assert finding.trace[0]["learner_id"] == "lrn1"
    assert {e["learner_id"] for e in finding.trace[1:]} == {rules.ANOTHER_ACCOUNT}
    assert all(e["address"] == "198.18.0.7" for e in finding.trace)
    # one device signing in as ten accounts is counted too (and shared_device flags it)
    assert address_fired(from_address([("lrn1", None), *UNRELATED[:9]], device="one"))


def test_shared_address_defects():
    shop = from_address([("lrn1", None), *UNRELATED[:9]])  # ten devices, one address
    keyed = rules.replace(COMPLIANT, address_keyed_by_device=True)
    assert address_fired(shop) and not address_fired(shop, keyed)
    room = from_address([("lrn1", "ent-a"), *[(f"e{i}", "ent-a") for i in range(9)]])
    naive = rules.replace(COMPLIANT, employees_count_as_one=False)
    assert not address_fired(room) and address_fired(room, naive)


@pytest.mark.parametrize(
    ("apart_s", "count", "flagged"), [(4.9, 4, True), (5.0, 4, False), (1, 3, False)]
)
def test_fast_quiz_answers(apart_s, count, flagged):
    answers = [Answer(f"q{i}", T0 + dt.timedelta(seconds=i * apart_s)) for i in range(count)]
    assert ("fast_quiz_answers" in fired(traces(answers=answers))) is flagged


# ---- round_the_clock: hours of content played per Asia/Shanghai day ---------------------------
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def lessons_played(
    start: dt.datetime, hours: float, *, lesson_s: float = LESSON_S, open_beat: bool = True
) -> list[Beat]:
    """Whole lessons played back to back from `start` (Shanghai), each a playback of two
    heartbeats: the opening and the lesson's end one lesson later (without `open_beat`, only the
    end's: the playback's opening is the start); `hours` of content in all."""
    made, at, left = [], start, hours * 3600
    number = 0
    while left > 0:
        number += 1
        played = min(lesson_s, left)
        end = at + dt.timedelta(seconds=played)
        pb = f"pb{number}"
        if open_beat:
            made.append(Beat(pb, f"les{number}", lesson_s, at, 1, at, 0.0, 1.0, False, "ok"))
        made.append(Beat(pb, f"les{number}", lesson_s, at, 2, end, played, 1.0, False, "ok"))
        at, left = end + dt.timedelta(seconds=5), left - played
    return made


DAY = dt.datetime(2027, 1, 4, 0, 30, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "hours,flagged",
    [(10, False), (13.9, False), (14.1, True), (16.25, True), (20, True)],
)
def test_round_the_clock_at_both_sides_of_the_days_hours(hours, flagged):
    assert ("round_the_clock" in fired(traces(beats=lessons_played(DAY, hours)))) is flagged


@pytest.mark.parametrize("hours,flagged", [(13.9, False), (14.1, True)])
def test_round_the_clock_counts_a_playback_from_its_opening(hours, flagged):
    """A player reporting only the lesson's end: the opening is where its playing began."""
    played = lessons_played(DAY, hours, open_beat=False)
    assert ("round_the_clock" in fired(traces(beats=played))) is flagged


def test_round_the_clock_counts_each_day_for_itself():
    """20 h of study from 18:00 is 6 h on one day and 14 h on the next: neither is over."""
    evening = dt.datetime(2027, 1, 4, 18, 0, tzinfo=SHANGHAI)
    assert "round_the_clock" not in fired(traces(beats=lessons_played(evening, 13.9 + 6)))
    assert "round_the_clock" in fired(traces(beats=lessons_played(evening, 14.5 + 6)))


def test_round_the_clock_counts_content_played_not_time_open():
    """A player left open for a day (heartbeats, the position still) plays nothing."""
    idle = [
        Beat("pb1", "les1", LESSON_S, DAY, n, DAY + dt.timedelta(hours=n), 10.0, 1.0, False, "ok")
        for n in range(20)
    ]
    assert "round_the_clock" not in fired(traces(beats=idle))


def test_round_the_clock_reads_the_day_in_shanghai():
    """15 h from 01:00 UTC is 09:00–24:00 in Shanghai: one day, over the line; from 17:00 UTC
    (01:00 Shanghai) too; from 10:00 UTC (18:00 Shanghai) it is split."""
    for start_utc, flagged in ((1, True), (17, True), (10, False)):
        start = dt.datetime(2027, 1, 4, start_utc, 0, tzinfo=dt.UTC)
        found = fired(traces(beats=lessons_played(start, 14.9, lesson_s=1800)))
        assert ("round_the_clock" in found) is flagged, start_utc


def test_round_the_clock_defect_silences_the_rule():
    limits = rules.limits_for(_Defects({"self_check_counts_study_per_lesson"}))
    assert "round_the_clock" not in fired(traces(beats=lessons_played(DAY, 20)), limits)
    assert "round_the_clock" in fired(traces(beats=lessons_played(DAY, 20)))


class _Defects:
    def __init__(self, names: set[str]) -> None:
        self.names = names

    def active(self, name: str) -> bool:
        return name in self.names


@pytest.mark.parametrize("reason", ["duplicate", "ok"])
def test_a_resent_report_is_no_heartbeat_for_ahead_of_clock(reason):
    """A client that got no answer resends its report (the same seq and position) 4 s before its
    next heartbeat, four times. Measured from the resend the next advance is ~30 s in 4 s; the
    resend is skipped by its seq, whatever reason the platform's credit rule gave it (a platform
    crediting duplicates answers `ok`)."""
    honest = beats([30.0] * 12)
    with_resends: list[Beat] = []
    for index, beat in enumerate(honest):
        with_resends.append(beat)
        if index in (1, 3, 5, 7):
            resent_at = honest[index + 1].at - dt.timedelta(seconds=4)
            with_resends.append(dataclasses.replace(beat, at=resent_at, reason=reason))
    assert fired(traces(beats=with_resends)) == set()


def test_a_replay_with_a_new_seq_is_judged():
    """The other side: a report with a new seq is a heartbeat, so the same pattern with fresh seqs
    (a script jumping ahead right after a quiet report) is ahead of the clock."""
    honest = beats([30.0] * 12)
    made: list[Beat] = []
    seq = 0
    for index, beat in enumerate(honest):
        seq += 1
        made.append(dataclasses.replace(beat, seq=seq))
        if index in (1, 3, 5, 7):
            seq += 1
            at = honest[index + 1].at - dt.timedelta(seconds=4)
            made.append(dataclasses.replace(beat, seq=seq, at=at))
    assert "ahead_of_clock" in fired(traces(beats=made))
