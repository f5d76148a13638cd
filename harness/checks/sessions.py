"""STUDY-03 — one account cannot study from two places at once."""

from __future__ import annotations

from harness.api import Refused, attempt
from harness.failures import CheckFailure
from harness.probe import Probe
from harness.registry import check


@check("STUDY-03")
def second_login_never_leaves_two_sessions_valid(probe: Probe) -> None:
    """After a second login from another device, at most one of the two sessions still works,
    and a supervisor sees at most one active login."""
    learner, first = probe.learners.logged_in()
    second = attempt(lambda: probe.learners.login(learner, device_id="device-B"))
    tokens = {"device-A": first.token}
    if not isinstance(second, Refused):
        tokens["device-B"] = second.token
    valid = {
        device: not isinstance(attempt(lambda t=token: probe.platform.me(t)), Refused)
        for device, token in tokens.items()
    }
    active = [x for x in probe.supervisor.logins(learner.learner_id or "") if x.active]
    probe.evidence.attach_json(
        "two-logins",
        {
            "second_login": f"{second.status} {second.detail}"
            if isinstance(second, Refused)
            else "accepted",
            "sessions_still_valid": valid,
            "supervision_active_logins": [x.model_dump(mode="json") for x in active],
        },
    )
    if sum(valid.values()) > 1 or len(active) > 1:
        raise CheckFailure(
            "Two logins of one account are valid at once",
            received={"valid": valid, "active_logins": len(active)},
            expected="the second login refused, or the first one ended",
        )
    if not any(valid.values()):
        raise CheckFailure(
            "After a second login no session works",
            received=valid,
            expected="exactly one valid session",
        )
    how = "refused" if isinstance(second, Refused) else "accepted and ended the first"
    probe.evidence.note(f"second login {how}; one session valid, one active login")
