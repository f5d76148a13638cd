"""Everything one check uses to act on a platform and to observe it, as one fixture.

Checks take a single `probe` rather than six fixtures, so their signatures say only what they
verify, and helpers receive one object instead of repeating the same keyword arguments.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.driver import LearnerDriver
from harness.evidence import EvidenceRecorder
from harness.learners import LearnerFactory
from harness.profile import Thresholds
from harness.province_sandbox import ProvinceSandboxClient
from harness.supervision import SupervisionClient, TestClock
from harness.timesource import TimeSource


@dataclass
class Probe:
    platform: LearnerDriver  # acts as a learner
    supervisor: SupervisionClient  # observes as the HR authority
    province: ProvinceSandboxClient  # observes what the platform told the province
    clock: TestClock
    learners: LearnerFactory
    evidence: EvidenceRecorder
    thresholds: Thresholds
    platform_id: str
    time: TimeSource  # how journeys let time pass: the test clock in certify checks
