"""Everything one check uses to act on a platform and to observe it, as one fixture.

Checks take a single `probe` rather than six fixtures, so their signatures say only what they
verify, and helpers receive one object instead of repeating the same keyword arguments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.driver import LearnerDriver
from harness.evidence import EvidenceRecorder
from harness.learners import LearnerFactory
from harness.profile import Fuzz, Profile, Thresholds
from harness.province_sandbox import ProvinceSandboxClient
from harness.supervision import SupervisionClient, Supervisors, TestClock
from harness.timesource import TimeSource


@dataclass
class Probe:
    platform: LearnerDriver  # acts as a learner
    supervisor: SupervisionClient  # observes as the HR authority (the profile's first one)
    province: ProvinceSandboxClient  # observes what the platform told the province
    clock: TestClock
    learners: LearnerFactory
    evidence: EvidenceRecorder
    thresholds: Thresholds
    platform_id: str
    time: TimeSource  # how journeys let time pass: the test clock in certify checks
    # Every supervision account of the profile (scope checks sign in as each kind); a probe
    # built with only `supervisor` gets a collection of that one account.
    supervisors: Supervisors = field(default=None)  # type: ignore[assignment]
    fuzz: Fuzz = field(default_factory=Fuzz)  # the optional fuzzing check's bounds
    # The whole profile, for checks that need more than thresholds (POST-04's commands).
    profile: Profile | None = None

    def __post_init__(self) -> None:
        if self.supervisors is None:
            self.supervisors = Supervisors([self.supervisor])
