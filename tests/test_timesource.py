"""Journeys take their time from a `TimeSource`: the test clock for certify checks, real time for
load users. The journeys must be importable without pytest, so a load worker can run them."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

from harness.scenarios.study import Enrolled, Study
from harness.spec.courses import CourseOut, LessonOut
from harness.spec.study import HeartbeatOut, PlaybackOut
from harness.timesource import RealTime, TestClockTime, TimeSource

START = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


class FakeClock:
    """Stands in for `harness.supervision.TestClock`: remembers what it was asked to advance."""

    def __init__(self) -> None:
        self.current = START
        self.advanced: list[float] = []

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, seconds: float) -> dt.datetime:
        self.advanced.append(seconds)
        self.current += dt.timedelta(seconds=seconds)
        return self.current


class ManualTime:
    """Real-time stand-ins: `sleep` moves a fake wall clock, so the test does not wait."""

    def __init__(self) -> None:
        self.current = START
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.current += dt.timedelta(seconds=seconds)

    def clock(self) -> dt.datetime:
        return self.current


class HonestDriver:
    """A minimal learner driver (not the built-in HTTP client) that credits what the clock
    allows: enough of a platform to drive a `Study` journey."""

    def __init__(self, time: TimeSource) -> None:
        self.time = time
        self.credited = 0.0
        self.last: tuple[dt.datetime, float] | None = None

    def open_playback(self, token, *, course_id, lesson_id, window_id) -> PlaybackOut:
        self.last = (self.time.now(), 0.0)
        return PlaybackOut(
            playback_id="pb-1",
            course_id=course_id,
            lesson_id=lesson_id,
            duration_s=2700,
            resume_position_s=0.0,
            heartbeat_interval_s=30,
            opened_at=self.time.now(),
        )

    def heartbeat(self, token, playback_id, *, seq, position_s, rate, window_id, paused=False):
        assert self.last is not None
        at, position = self.last
        elapsed = (self.time.now() - at).total_seconds()
        delta = max(0.0, min(position_s - position, elapsed))
        self.credited += delta
        self.last = (self.time.now(), max(position, position_s))
        return HeartbeatOut(
            accepted=True,
            reason="ok",
            credited_delta_s=delta,
            credited_s=self.credited,
            furthest_position_s=self.last[1],
        )


def _study(time: TimeSource) -> tuple[Study, HonestDriver]:
    course = CourseOut(course_id="c-1", title="Welding", lesson_hours=1)
    lesson = LessonOut(lesson_id="l-1", seq=1, title="One", duration_s=2700, lesson_hours=1)
    enrolled = Enrolled(learner=None, token="t", course=course, lessons=[lesson])  # type: ignore[arg-type]
    driver = HonestDriver(time)
    session = Study(driver, time, None, enrolled, lesson)  # type: ignore[arg-type]
    session.open()
    return session, driver


def test_journeys_import_without_pytest_or_the_plugin():
    code = (
        "import sys, harness.scenarios.study, harness.scenarios.cheats, harness.timesource; "
        "bad = [m for m in ('pytest', '_pytest', 'harness.plugin') if m in sys.modules]; "
        "print(','.join(bad)); sys.exit(1 if bad else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, f"imported: {done.stdout.strip()} {done.stderr[-500:]}"


def test_test_clock_time_advances_the_platform_clock():
    clock = FakeClock()
    time = TestClockTime(clock)  # type: ignore[arg-type]
    time.wait(90)
    assert clock.advanced == [90]
    assert time.now() == START + dt.timedelta(seconds=90)


def test_real_time_sleeps_and_never_beyond_its_bound():
    manual = ManualTime()
    time = RealTime(5, sleep=manual.sleep, clock=manual.clock)
    time.wait(2)
    time.wait(300)
    time.wait(0)
    assert manual.slept == [2, 5]
    assert time.now() == START + dt.timedelta(seconds=7)


def test_real_time_really_sleeps():
    time = RealTime(0.05)
    before = time.now()
    time.wait(10)
    waited = (time.now() - before).total_seconds()
    assert 0.04 <= waited < 5
    assert time.now().tzinfo is not None


def test_a_study_journey_runs_on_real_time_against_a_vendor_driver():
    manual = ManualTime()
    session, driver = _study(RealTime(60, sleep=manual.sleep, clock=manual.clock))
    credited = session.watch(120, step=30)
    assert manual.slept == [30, 30, 30, 30]
    assert credited == driver.credited == 120
    assert session.elapsed_since_open() == 120
    assert [s["clock_advanced_s"] for s in session.sent if "clock_advanced_s" in s] == [30] * 4


def test_a_study_journey_on_the_test_clock_advances_it():
    clock = FakeClock()
    session, _ = _study(TestClockTime(clock))  # type: ignore[arg-type]
    session.watch(600, step=300)
    assert clock.advanced == [300, 300]
    assert session.elapsed_since_open() == 600
