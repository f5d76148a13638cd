"""The cheating-learner state machine finds each credit defect on its own, and holds on the
clean reference platform. Runs against real embedded servers."""

from __future__ import annotations

import re

import pytest
import requests

from harness import seeding
from harness.checks._support import a_course
from harness.driver import HttpLearnerDriver
from harness.embedded import embedded_target
from harness.evidence import EvidenceRecorder
from harness.learners import LearnerFactory
from harness.probe import Probe
from harness.province_sandbox import ProvinceSandboxClient
from harness.scenarios.machine import (
    MACHINES,
    CheatingLearner,
    FakedCaptures,
    ForgedPositions,
    InterruptedStudy,
    KeptCaptureImages,
    MachineViolation,
    OutpacingTheClock,
    SecondWindows,
    SupersededLogin,
    run_machine,
)
from harness.supervision import SupervisionClient, TestClock
from harness.timesource import TestClockTime

MACHINE_DEFECTS: dict[str, type[CheatingLearner]] = {
    "capture_image_not_kept": KeptCaptureImages,
    "credits_superseded_session": SupersededLogin,
    "loses_resume_position": InterruptedStudy,
    "credits_hour_without_capture": FakedCaptures,
    "accepts_any_capture_face": FakedCaptures,
    "credits_two_windows": SecondWindows,
    "trusts_client_position": ForgedPositions,
    "honours_lesson_complete_call": ForgedPositions,
    "credits_fast_playback": OutpacingTheClock,
    "credits_duplicate_heartbeats": OutpacingTheClock,
}


@pytest.fixture(autouse=True)
def fixed_machine_seed():
    """Outside certify no plugin seeds the harness's draws: a fixed seed keeps these tests'
    explorations the same on every run (as a run's seed does in certify)."""
    seeding.draws.seed(20211)
    yield


# Every recorded move is one of the machines' rules, written as a call in the policy's words.
STEP = re.compile(r"^[a-z_]+\((?:[a-z_]+=[^,()]+(?:, )?)*\)$")


def probe_for(profile, tmp_path) -> Probe:
    session = requests.Session()
    url = profile.target.url
    platform = HttpLearnerDriver(url, session)
    province = ProvinceSandboxClient(
        profile.province.base, profile.province.admin_token, session=session
    )
    clock = TestClock(url, session, profile.test_token())
    return Probe(
        platform=platform,
        supervisor=SupervisionClient(
            url, session, username="hr-authority", password=profile.authority_password()
        ),
        province=province,
        clock=clock,
        learners=LearnerFactory(platform, province),
        evidence=EvidenceRecorder(tmp_path / "evidence", tmp_path),
        thresholds=profile.thresholds,
        platform_id=profile.target.platform_id,
        time=TestClockTime(clock),
    )


@pytest.mark.parametrize(
    ("defect", "machine"), sorted(MACHINE_DEFECTS.items()), ids=sorted(MACHINE_DEFECTS)
)
def test_state_machine_finds_the_defect_on_its_own(tmp_path, defect, machine):
    with embedded_target(tmp_path, (defect,)) as profile:
        probe = probe_for(profile, tmp_path)
        course = a_course(probe.platform)
        with pytest.raises(MachineViolation) as found:
            run_machine(probe, course, machine, examples=10, steps=10)
    violation = found.value
    assert violation.title == f"{machine.policy} ({machine.requirement})"
    program = violation.received
    assert program == violation.program
    assert program[0] == "enrol()", program
    assert len(program) >= 2, "a violation needs at least one move after enrolling"
    assert all(STEP.match(step) for step in program), program
    assert not any("state" in step for step in program), program


def test_state_machine_invariants_hold_on_the_clean_reference(tmp_path):
    with embedded_target(tmp_path) as profile:
        probe = probe_for(profile, tmp_path)
        course = a_course(probe.platform)
        for machine in MACHINES:
            tally = run_machine(probe, course, machine, examples=5, steps=10)
            assert tally, f"{machine.__name__} exercised nothing"
