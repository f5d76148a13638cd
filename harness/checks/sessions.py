"""STUDY-03 — one account cannot study from two places at once."""

from __future__ import annotations

from harness.api import Refused, attempt
from harness.checks._support import in_parallel
from harness.failures import CannotProbe, CheckFailure
from harness.probe import Probe
from harness.registry import check

# The orders of logins a client controls, each on one fresh learner: a second login on the same
# device and then on another, and a second login on another device and then back on the first.
LOGIN_SEQUENCES = (
    ("device-A", "device-A", "device-B"),
    ("device-A", "device-B", "device-A"),
)


def _sessions_after_each_login(probe: Probe, devices: tuple[str, ...]) -> dict[str, object]:
    """Log in on `devices` in order, without logging out; after every login judge which tokens
    still work and which logins a supervisor sees active. Answers the evidence, with `problems`."""
    learner = probe.learners.registered()
    tokens: dict[str, str] = {}  # login_id → token, every login the platform accepted
    current: str | None = None  # the login that must be the one valid session
    steps: list[dict[str, object]] = []
    problems: list[str] = []
    for n, device in enumerate(devices, start=1):
        outcome = attempt(lambda device=device: probe.learners.login(learner, device_id=device))
        step = f"login {n} on {device}"
        if n == 1 and isinstance(outcome, Refused):
            raise CannotProbe("two logins", f"the first login was refused ({outcome.status})")
        if not isinstance(outcome, Refused):
            tokens[outcome.login_id] = outcome.token
            current = outcome.login_id  # accepted: it must have ended the others
        valid = {
            login_id: not isinstance(attempt(lambda t=token: probe.platform.me(t)), Refused)
            for login_id, token in tokens.items()
        }
        active = [x.login_id for x in probe.supervisor.logins(learner.learner_id or "") if x.active]
        steps.append(
            {
                "step": step,
                "answer": f"{outcome.status} {outcome.detail}"
                if isinstance(outcome, Refused)
                else f"accepted as {outcome.login_id}",
                "tokens_still_valid": valid,
                "supervision_active_logins": active,
            }
        )
        still_valid = sorted(login_id for login_id, ok in valid.items() if ok)
        if still_valid != [current]:
            how = "refused" if isinstance(outcome, Refused) else "accepted"
            problems.append(
                f"{step} ({how}): valid sessions {still_valid}, expected only {current}"
            )
        if active != [current]:
            problems.append(f"{step}: a supervisor sees active logins {active}, not {current}")
    return {"devices": list(devices), "steps": steps, "problems": problems}


@check("STUDY-03")
def second_login_never_leaves_two_sessions_valid(probe: Probe) -> None:
    """However a learner logs in again, exactly one session of the account stays valid.

    Space: the order and devices of logins a client controls, without logging out — a second
    login on the same device and on another device, and a third login after either
    (`LOGIN_SEQUENCES`, each on a fresh learner, at once).

    After every login exactly one session works and a supervisor sees exactly that login active:
    the new one if the platform accepted it (it must end the others), the earlier one if it
    refused it (409). Both alternatives are compliant; two valid sessions, or none, are not."""
    runs = in_parallel(
        lambda devices=devices: _sessions_after_each_login(probe, devices)
        for devices in LOGIN_SEQUENCES
    )
    probe.evidence.attach_json("logins-in-order", runs)
    problems = [p for run in runs for p in run["problems"]]
    if problems:
        raise CheckFailure(
            "Logins of one account leave other than one valid session",
            received=problems,
            expected="after every login exactly one valid session and one active login: the "
            "new login refused, or the earlier one ended",
        )
    probe.evidence.note(
        f"{len(LOGIN_SEQUENCES)} login orders: one valid session and one active login after "
        "every login"
    )
