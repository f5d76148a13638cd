"""The learning-integrity defects written for issue 8 (a vendor's bug at another value of the same
rule) do what their descriptions say, beside the compliant answer where it is not obvious."""

from __future__ import annotations

from pathlib import Path

from tests.test_reference_progress import COURSES, enrolled_in, my_progress, study
from tests.test_reference_study_support import COURSE, LESSON_S, Player, enrolled, lesson_id
from tests.test_reference_support import running_platform


def _until_challenge(player: Player) -> None:
    while player.challenge is None:
        player.step(30)


def test_credits_stock_player_rates(tmp_path: Path) -> None:
    with running_platform(tmp_path, ("credits_stock_player_rates",)) as platform:
        player = Player(platform, enrolled(platform))
        player.open()
        for rate, reason in ((1.25, "ok"), (1.5, "ok"), (1.5001, "speed"), (2.0, "speed")):
            player.wait(30)
            out = player.beat(player.position + 30 * rate, rate=rate)
            assert out["reason"] == reason, rate
            assert (out["credited_delta_s"] > 0) == (reason == "ok")
            if reason == "ok":  # capped by the clock (30 s advanced, plus real seconds)
                assert out["credited_delta_s"] < 30 * rate


def test_credits_windows_of_other_courses(tmp_path: Path) -> None:
    with running_platform(tmp_path, ("credits_windows_of_other_courses",)) as platform:
        learner = enrolled(platform)
        other, occupation = COURSES["intermediate"]
        code = platform.province.issue_voucher(learner.person.id_number, occupation)
        assert platform.enrol(learner.headers, other, code).status_code == 201
        first = Player(platform, learner, lesson_id(1), "window-1")
        same_course = Player(platform, learner, lesson_id(2), "window-2")
        other_course = Player(platform, learner, lesson_id(1, other), "window-3", course=other)
        first.open()
        same_course.open()  # ends the first: same course
        other_course.open()  # does not end the second: another course
        first.wait(30)
        first.beat(30.0, expect=409)
        assert same_course.beat(30.0)["credited_delta_s"] == 30.0
        assert other_course.beat(30.0)["credited_delta_s"] == 30.0


def test_completion_minimum_short_below_senior(tmp_path: Path) -> None:
    defect = ("completion_minimum_short_below_senior",)
    with running_platform(tmp_path, defect) as platform:
        for level, short in (("intermediate", 49), ("senior", 39)):
            course = COURSES[level][0]
            learner = enrolled_in(platform, level)
            study(platform, learner, course, range(1, short + 1))
            progress = my_progress(platform, learner, course)
            assert (progress["credited_hours"], progress["required_hours"]) == (short, short + 1)
            assert progress["completed"] == (level != "senior")


def test_expired_capture_counts_as_passed(tmp_path: Path) -> None:
    with running_platform(tmp_path, ("expired_capture_counts_as_passed",)) as platform:
        player = Player(platform, enrolled(platform))
        player.open()
        _until_challenge(player)
        player.wait(61)
        after = player.beat(player.position + 61)  # the challenge is settled as passed
        assert (after["reason"], after["challenge"]) == ("ok", None)
        player.watch_to_end(answer=False)
        row = player.progress()
        assert (row["credited_s"], row["hour_credited"]) == (LESSON_S, True)
        captures = platform.supervise("captures", learner_id=player.learner.learner_id)
        assert [(c["passed"], c["reason"]) for c in captures] == [(True, "expired")]


def test_accepts_capture_minutes_late(tmp_path: Path) -> None:
    with running_platform(tmp_path, ("accepts_capture_minutes_late",)) as platform:
        player = Player(platform, enrolled(platform))
        player.open()
        _until_challenge(player)
        player.wait(300)  # five minutes past the 60-second deadline, no heartbeat meanwhile
        assert player.answer()["passed"]
        assert player.progress()["captures_passed"] == 1


def test_credits_hour_a_minute_short(tmp_path: Path) -> None:
    with running_platform(tmp_path, ("credits_hour_a_minute_short",)) as platform:
        learner = enrolled(platform)
        study(platform, learner, COURSE, range(1, 2), credited_s=LESSON_S - 60)
        study(platform, learner, COURSE, range(2, 3), credited_s=LESSON_S - 61)
        rows = platform.supervise("progress", learner_id=learner.learner_id)
        assert [r["hour_credited"] for r in rows] == [True, False]
