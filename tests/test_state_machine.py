"""The cheating-learner state machine finds each credit defect on its own, and holds on the
clean reference platform. Runs against real embedded servers."""

from __future__ import annotations

import pytest
import requests

from harness.checks._support import a_course
from harness.driver import HttpLearnerDriver
from harness.embedded import embedded_target
from harness.evidence import EvidenceRecorder
from harness.failures import CheckFailure
from harness.learners import LearnerFactory
from harness.probe import Probe
from harness.province_sandbox import ProvinceSandboxClient
from harness.scenarios.machine import INVARIANTS, run_machine
from harness.supervision import SupervisionClient, TestClock
from harness.timesource import TestClockTime

MACHINE_DEFECTS = {
    "capture_image_not_kept": "STUDY-01",
    "credits_superseded_session": "STUDY-03",
    "loses_resume_position": "STUDY-07",
    "credits_hour_without_capture": "STUDY-02",
    "accepts_any_capture_face": "STUDY-02",
    "credits_two_windows": "STUDY-04",
    "trusts_client_position": "STUDY-05",
    "honours_lesson_complete_call": "STUDY-05",
    "credits_fast_playback": "STUDY-06",
    "credits_duplicate_heartbeats": "STUDY-06",
}


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


@pytest.mark.parametrize(("defect", "requirement"), sorted(MACHINE_DEFECTS.items()))
def test_state_machine_finds_the_defect_on_its_own(tmp_path, defect, requirement):
    with embedded_target(tmp_path, (defect,)) as profile:
        probe = probe_for(profile, tmp_path)
        course = a_course(probe.platform)
        with pytest.raises(CheckFailure) as found:
            run_machine(probe, course, requirement, examples=10, steps=10)
    assert found.value.title
    assert any(
        "state." in note or "state =" in note for note in getattr(found.value, "__notes__", [])
    ), "no replayable program"


def test_state_machine_invariants_hold_on_the_clean_reference(tmp_path):
    with embedded_target(tmp_path) as profile:
        probe = probe_for(profile, tmp_path)
        course = a_course(probe.platform)
        for requirement in INVARIANTS:
            run_machine(probe, course, requirement, examples=5, steps=10)
