"""The cheating-learner state machines as checks: one per requirement, each exploring the moves
that attack that requirement, with its invariant checked after every step."""

from __future__ import annotations

from harness.checks._support import a_course
from harness.probe import Probe
from harness.registry import check
from harness.scenarios.machine import (
    EXAMPLES,
    STEPS,
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


def _explore(probe: Probe, machine: type[CheatingLearner]) -> None:
    """Run the machine; a violation is re-raised as it is (titled by the policy invariant, the
    program of moves as `received`), with what the supervisor saw attached as evidence."""
    try:
        tally = run_machine(probe, a_course(probe.platform), machine)
    except MachineViolation as violation:
        probe.evidence.attach_json(
            "falsifying-program",
            {
                "invariant": violation.title,
                "program": violation.program,
                "observed": violation.observed,
                "expected": violation.expected,
            },
        )
        raise
    made = ", ".join(f"{name} ×{count}" for name, count in sorted(tally.items()))
    probe.evidence.note(
        f"{EXAMPLES} explorations × {STEPS} moves ({made}): {machine.requirement} held"
    )


@check("STUDY-02")
def cheating_learner_never_gets_an_hour_without_genuine_capture(probe: Probe) -> None:
    """State machine: fake or ignored captures never yield a credited hour.

    Space: every exploration opens with a whole lesson in one stretch of test clock, its capture
    answered with another face, a still photo, or ignored (drawn), so that the attack never
    hangs on where the platform drew its capture moment; then up to 8 moves among honest
    watching, fake and ignored captures over a third or a whole hour, and switching among three
    lessons. After every move, each credited lesson must have a capture passed with the
    learner's own live face."""
    _explore(probe, FakedCaptures)


@check("STUDY-04")
def cheating_learner_never_out_earns_the_clock_with_windows(probe: Probe) -> None:
    """State machine: extra windows never earn more than the clock time that passed."""
    _explore(probe, SecondWindows)


@check("STUDY-05")
def cheating_learner_never_gets_beyond_honest_position(probe: Probe) -> None:
    """State machine: seeks, forged ends and finish calls never move credit past honest study."""
    _explore(probe, ForgedPositions)


@check("STUDY-06")
def cheating_learner_never_earns_more_than_clock_time(probe: Probe) -> None:
    """State machine: speed-ups, replays and bursts never out-earn the clock."""
    _explore(probe, OutpacingTheClock)


@check("STUDY-01")
def cheating_learner_machine_finds_every_passed_capture_kept(probe: Probe) -> None:
    """State machine: every capture that passed keeps the image the camera sent."""
    _explore(probe, KeptCaptureImages)


@check("STUDY-03")
def cheating_learner_machine_earns_nothing_after_a_newer_login(probe: Probe) -> None:
    """State machine: after a login on another device, the first device earns nothing."""
    _explore(probe, SupersededLogin)


@check("STUDY-07")
def cheating_learner_machine_always_resumes_at_the_furthest_point(probe: Probe) -> None:
    """State machine: however study was interrupted, a re-opened lesson resumes where it stopped."""
    _explore(probe, InterruptedStudy)
