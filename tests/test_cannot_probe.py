"""A check that could not perform its probe ends `error` (CannotProbe), never `pass`: a vendor
driver that cannot send a raw call, a replay with nothing to replay, a lesson at its end, a
supervision view without the studied lesson, a platform heartbeat longer than the profile's."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import pytest
import requests

from harness.api import Refused
from harness.checks import playback  # the module, so pytest does not collect its checks here
from harness.checks._support import (
    a_course,
    heartbeat_tolerance,
    studied_lesson_progress,
    watch_honestly,
)
from harness.driver import HttpLearnerDriver
from harness.embedded import embedded_target
from harness.evidence import EvidenceRecorder
from harness.failures import CannotJudge, CannotProbe, CheckFailure
from harness.learners import LearnerFactory
from harness.probe import Probe
from harness.profile import Thresholds
from harness.province_sandbox import ProvinceSandboxClient
from harness.scenarios import cheats
from harness.scenarios.machine import ForgedPositions, run_machine
from harness.scenarios.study import Enrolled, Study
from harness.spec.courses import CourseOut, LessonOut
from harness.spec.study import PlaybackOut
from harness.supervision import SupervisionClient, TestClock
from harness.timesource import TestClockTime

NOW = dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.UTC)


class VendorDriver:
    """A vendor's own learner driver: it does every learner operation (here by delegating to the
    built-in client) but is not an `ApiClient`, so no raw HTTP call can be sent through it."""

    def __init__(self, inner: HttpLearnerDriver) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _study(*, interval: int = 30, position: float = 0.0) -> Study:
    course = CourseOut(course_id="c-1", title="Welding", lesson_hours=1)
    lesson = LessonOut(lesson_id="l-1", seq=1, title="One", duration_s=2700, lesson_hours=1)
    enrolled = Enrolled(learner=None, token="t", course=course, lessons=[lesson])  # type: ignore[arg-type]
    session = Study(None, None, None, enrolled, lesson)  # type: ignore[arg-type]
    session.playback = PlaybackOut(
        playback_id="pb-1",
        course_id="c-1",
        lesson_id="l-1",
        duration_s=2700,
        resume_position_s=position,
        heartbeat_interval_s=interval,
        opened_at=NOW,
    )
    session.position = position
    return session


def test_cannot_probe_is_an_error_not_a_failure():
    """The plugin counts AssertionErrors (CheckFailure) as `fail` and anything else as `error`."""
    problem = CannotProbe("call_lesson_finished", "no raw HTTP client")
    assert isinstance(problem, CannotJudge)
    assert not isinstance(problem, AssertionError)
    assert (problem.probe, problem.reason) == ("call_lesson_finished", "no raw HTTP client")
    assert "call_lesson_finished" in str(problem)


def test_lesson_finished_call_needs_a_raw_http_client():
    session = _study()
    session.platform = VendorDriver(None)  # type: ignore[arg-type,assignment]
    with pytest.raises(CannotProbe, match="not the built-in HTTP client"):
        cheats.call_lesson_finished(session)
    assert session.sent == [], "nothing may be recorded as sent when nothing was sent"


def test_a_replay_with_nothing_to_replay_cannot_probe():
    with pytest.raises(CannotProbe, match="no heartbeat"):
        cheats.replay_heartbeats(_study())


def test_a_burst_at_the_end_of_the_lesson_cannot_probe():
    with pytest.raises(CannotProbe, match="at its end"):
        cheats.rapid_fire(_study(position=2700.0))


def test_a_studied_lesson_missing_from_supervision_cannot_probe():
    probe = SimpleNamespace(supervisor=SimpleNamespace(progress=lambda learner, course: []))
    enrolled = _study().enrolled
    enrolled.learner = SimpleNamespace(learner_id="learner-1")  # type: ignore[assignment]
    with pytest.raises(CannotProbe, match="no progress for studied lesson l-1"):
        studied_lesson_progress(probe, enrolled, "l-1", "seek")  # type: ignore[arg-type]


def test_a_platform_heartbeat_longer_than_the_profile_allows_fails():
    probe = SimpleNamespace(thresholds=Thresholds(heartbeat_interval_seconds=30))
    assert heartbeat_tolerance(probe, _study(interval=30)) == 30  # type: ignore[arg-type]
    with pytest.raises(CheckFailure, match="longer than the profile allows"):
        heartbeat_tolerance(probe, _study(interval=60))  # type: ignore[arg-type]


class RefusingDriver:
    """A platform that refuses every heartbeat: the honest study a cheat needs never happens."""

    def heartbeat(self, token, playback_id, **body):
        raise Refused(403, "Playback ended", "POST", f"/api/v1/playbacks/{playback_id}/heartbeat")


class NoWait:
    def wait(self, seconds: float) -> None:
        """Time passes instantly: the refusal, not the clock, is under test."""


def test_refused_honest_study_before_a_cheat_cannot_probe():
    session = _study()
    session.platform = RefusingDriver()  # type: ignore[assignment]
    session.time = NoWait()  # type: ignore[assignment]
    with pytest.raises(CannotProbe, match=r"honest study before it was refused .*403"):
        watch_honestly(session, 60, "seek_jump", step=30)


def _vendor_probe(profile, tmp_path) -> Probe:
    session = requests.Session()
    url = profile.target.url
    platform = VendorDriver(HttpLearnerDriver(url, session))
    province = ProvinceSandboxClient(
        profile.province.base, profile.province.admin_token, session=session
    )
    clock = TestClock(url, session, profile.test_token())
    return Probe(
        platform=platform,  # type: ignore[arg-type]
        supervisor=SupervisionClient(
            url, session, username="hr-authority", password=profile.authority_password()
        ),
        province=province,
        clock=clock,
        learners=LearnerFactory(platform, province),  # type: ignore[arg-type]
        evidence=EvidenceRecorder(tmp_path / "evidence", tmp_path),
        thresholds=profile.thresholds,
        platform_id=profile.target.platform_id,
        time=TestClockTime(clock),
    )


def test_checks_with_a_vendor_driver_end_in_error_not_pass(tmp_path):
    """Against the live reference, a vendor driver makes the raw-call check and the STUDY-05
    machine unable to judge: both raise CannotProbe instead of passing."""
    with embedded_target(tmp_path) as profile:
        probe = _vendor_probe(profile, tmp_path)
        with pytest.raises(CannotProbe, match="call_lesson_finished"):
            playback.lesson_finished_call_earns_no_credit(probe)
        with pytest.raises(CannotProbe, match="call_lesson_finished"):
            run_machine(probe, a_course(probe.platform), ForgedPositions)
