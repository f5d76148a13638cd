"""POST-03 — credentials: sign-in is throttled, tokens expire.

The space probed (docs/interface.md, "Sign-in throttling and token lifetimes"):
- throttling, for both protocols (a learner's ID number; a supervision username — an unknown
  one, so that no profile account is locked): both sides of the promised bound — after 2
  failures the next sign-in is judged normally (the right password succeeds, a wrong one is
  401), after 10 failures every sign-in, the right password too, is 429; and the lock still
  holds just under 5 minutes after the last failure; the count is the key's own and runs of
  consecutive failures: 10 failures each followed by another key's successful sign-in still
  lock (another account's success resets nobody else's count), and three runs of 2 failures
  broken by the key's own successful sign-ins never lock (a success ends the run); the window's
  far side: 9 failures, then a 10th 15 minutes less 5 s after the first, lock (a window a
  minute short sees one failure);
- token lifetimes, for both protocols: a token is accepted one second before its `expires_at`
  and refused (401) one second after it, moved by the test clock; a supervision token's
  `expires_at` is at most 24 h after sign-in.
"""

from __future__ import annotations

import datetime as dt
import secrets

from harness.api import Refused, attempt
from harness.failures import CheckFailure
from harness.probe import Probe
from harness.registry import check

NOT_BEFORE, AT_MOST = 3, 10  # the interface's bounds on failures before throttling
LOCK_AT_LEAST = dt.timedelta(minutes=5)
WINDOW = dt.timedelta(minutes=15)  # the interface: failures within 15 minutes of each other
SUPERVISOR_TOKEN_AT_MOST = dt.timedelta(hours=24)
# docs/interface.md: a learner's `expires_at` "is at least 12 h after the login" (sliding or
# fixed, either compliant): a learner's working day needs one sign-in.
LEARNER_TOKEN_AT_LEAST = dt.timedelta(hours=12)
MARGIN_S = 5  # real seconds a probe may take between reading the clock and asking


def status_of(outcome: object) -> int:
    return outcome.status if isinstance(outcome, Refused) else 200


@check("POST-03")
def failed_sign_ins_are_throttled(probe: Probe) -> None:
    """After at most 10 consecutive failed sign-ins of one learner or supervision username,
    sign-in is refused (429) — the right password too — for at least 5 minutes; after 2 it is
    not, nor after runs of 2 broken by the key's own successes; another key's successes do not
    reset the count.

    Space: the learner's failures from one device, and each from a device of its own (the
    client chooses `device_id`: the count is the learner's, whatever device); runs of 2 and of
    10; the lock just under 5 minutes later; the 10th failure just inside the 15-minute window,
    and (since stop 49) where that 10th was a counted failure (401, not already locked), the
    lock just under 5 minutes after it — after the *last* failure, not the first; another key's
    successes in between; supervision usernames alike (since stop 49 with the lock just under
    5 minutes later and the 10th just inside the window too: an admin console's limiter is
    often a per-minute one)."""
    learners, platform = probe.learners, probe.platform
    findings: dict[str, object] = {}

    def learner_sign_in(learner, password: str, device_id: str = "device-A") -> int:
        """The sign-in's status; a successful one is logged out at once (so that a platform
        refusing a second login judges the next sign-in by its password alone)."""
        frames = learners.frames(learner)
        outcome = attempt(
            lambda: platform.login(
                id_number=learner.id_number,
                password=password,
                device_id=device_id,
                liveness_frames=frames,
            )
        )
        if not isinstance(outcome, Refused):
            attempt(lambda: platform.logout(outcome.token))
        return status_of(outcome)

    few = learners.registered()
    for _ in range(NOT_BEFORE - 1):
        learner_sign_in(few, "wrong-" + secrets.token_hex(4))
    findings["learner: right password after 2 failures"] = learner_sign_in(few, few.password)
    many = learners.registered()
    findings["learner: wrong passwords"] = [
        learner_sign_in(many, "wrong-" + secrets.token_hex(4)) for _ in range(AT_MOST)
    ]
    last_failure = probe.clock.now()
    findings["learner: right password after 10 failures"] = learner_sign_in(many, many.password)
    _advance_to_just_under(probe, last_failure, LOCK_AT_LEAST)
    findings["learner: right password just under 5 min later"] = learner_sign_in(
        many, many.password
    )
    interleaved, bystander = learners.registered(), learners.registered()
    others_succeeded = []
    for _ in range(AT_MOST):
        learner_sign_in(interleaved, "wrong-" + secrets.token_hex(4))
        others_succeeded.append(learner_sign_in(bystander, bystander.password))
    findings["learner: another learner's successes between 10 failures"] = others_succeeded
    findings["learner: right password after 10 failures between another's successes"] = (
        learner_sign_in(interleaved, interleaved.password)
    )
    spread = learners.registered()  # 9 failures, then the 10th at the window's far end
    started = probe.clock.now()
    for _ in range(AT_MOST - 1):
        learner_sign_in(spread, "wrong-" + secrets.token_hex(4))
    _advance_to_just_under(probe, started, WINDOW)
    tenth = learner_sign_in(spread, "wrong-" + secrets.token_hex(4))
    tenth_at = probe.clock.now()
    findings["learner: right password after 9 failures and a 10th 15 min less 5 s later"] = (
        learner_sign_in(spread, spread.password)
    )
    if tenth == 401:  # a counted failure (not refused as locked): the lock runs from it
        _advance_to_just_under(probe, tenth_at, LOCK_AT_LEAST)
        findings["learner: right password 5 min less 5 s after that 10th failure"] = (
            learner_sign_in(spread, spread.password)
        )
    roaming = learners.registered()  # the key is the learner: a device of its own per try
    for attempt_number in range(AT_MOST):
        learner_sign_in(roaming, "wrong-" + secrets.token_hex(4), f"device-{attempt_number}")
    findings["learner: right password after 10 failures, each from a device of its own"] = (
        learner_sign_in(roaming, roaming.password, f"device-{AT_MOST}")
    )
    broken = learners.registered()
    runs = []
    for _ in range(3):
        runs += [learner_sign_in(broken, "wrong-" + secrets.token_hex(4)) for _ in range(2)]
        runs.append(learner_sign_in(broken, broken.password))
    findings["learner: 3 runs of 2 failures, each ended by a success"] = runs

    def supervisor_sign_in(username: str) -> int:
        client = probe.supervisor.with_username(username)
        return status_of(attempt(lambda: client.issue_token("wrong-" + secrets.token_hex(4))))

    few_name, many_name = (f"sxcert-probe-{secrets.token_hex(6)}" for _ in range(2))
    for _ in range(NOT_BEFORE - 1):
        supervisor_sign_in(few_name)
    findings["supervisor: wrong password after 2 failures"] = supervisor_sign_in(few_name)
    for _ in range(AT_MOST):
        supervisor_sign_in(many_name)
    last_failure = probe.clock.now()
    findings["supervisor: sign-in after 10 failures"] = supervisor_sign_in(many_name)
    _advance_to_just_under(probe, last_failure, LOCK_AT_LEAST)
    findings["supervisor: sign-in just under 5 min later"] = supervisor_sign_in(many_name)
    spread_name = f"sxcert-probe-{secrets.token_hex(6)}"  # 9 failures, the 10th 15 min less 5 s on
    started = probe.clock.now()
    for _ in range(AT_MOST - 1):
        supervisor_sign_in(spread_name)
    _advance_to_just_under(probe, started, WINDOW)
    supervisor_sign_in(spread_name)
    findings["supervisor: sign-in after 9 failures and a 10th 15 min less 5 s later"] = (
        supervisor_sign_in(spread_name)
    )
    interleaved_name = f"sxcert-probe-{secrets.token_hex(6)}"
    for _ in range(AT_MOST):
        supervisor_sign_in(interleaved_name)
        attempt(probe.supervisors.authority.issue_token)  # another account's success
    findings["supervisor: sign-in after 10 failures between another's successes"] = (
        supervisor_sign_in(interleaved_name)
    )
    probe.evidence.attach_json("throttling", findings)
    expected = {
        "learner: right password after 2 failures": 200,
        "learner: right password after 10 failures": 429,
        "learner: right password just under 5 min later": 429,
        "supervisor: wrong password after 2 failures": 401,
        "supervisor: sign-in after 10 failures": 429,
        "supervisor: sign-in just under 5 min later": 429,
        "supervisor: sign-in after 9 failures and a 10th 15 min less 5 s later": 429,
        "learner: another learner's successes between 10 failures": [200] * AT_MOST,
        "learner: right password after 10 failures between another's successes": 429,
        "learner: 3 runs of 2 failures, each ended by a success": [401, 401, 200] * 3,
        "learner: right password after 9 failures and a 10th 15 min less 5 s later": 429,
        "learner: right password after 10 failures, each from a device of its own": 429,
        "supervisor: sign-in after 10 failures between another's successes": 429,
    }
    if "learner: right password 5 min less 5 s after that 10th failure" in findings:
        expected["learner: right password 5 min less 5 s after that 10th failure"] = 429
    wrong = {case: findings[case] for case, status in expected.items() if findings[case] != status}
    if wrong:
        raise CheckFailure(
            "Sign-in throttling does not hold",
            received=wrong,
            expected={case: expected[case] for case in wrong},
        )
    probe.evidence.note("throttled after ≤ 10 failures for ≥ 5 min, not after 2")


def _advance_to_just_under(probe: Probe, since: dt.datetime, bound: dt.timedelta) -> None:
    """Move the test clock on to MARGIN_S before `bound` after `since` (the interface's shortest
    lock after the last failure, or its 15-minute window after the first)."""
    waited = (probe.clock.now() - since).total_seconds()
    probe.clock.advance(max(0.0, bound.total_seconds() - MARGIN_S - waited))


@check("POST-03")
def tokens_expire(probe: Probe) -> None:
    """Learner and supervision tokens are accepted just before their `expires_at` and refused
    one second after it; a supervision token lives at most 24 h, and (since stop 49) a
    learner's at least 12 h after its login (both of its tokens, read before either is used)."""
    platform, clock, learners = probe.platform, probe.clock, probe.learners
    authority = probe.supervisors.authority
    findings: dict[str, object] = {}
    early, late = learners.logged_in()[1], learners.logged_in()[1]
    signed_in_at = clock.now()
    sup_early, sup_late = authority.issue_token(), authority.issue_token()
    if sup_late.expires_at is None or sup_early.expires_at is None:
        raise CheckFailure(
            "A supervision token's answer has no expires_at",
            received=sup_late.model_dump(mode="json", exclude={"token"}),
            expected="expires_at, at most 24 h after sign-in",
        )
    findings["supervision token lifetime (h)"] = (
        sup_late.expires_at - signed_in_at
    ).total_seconds() / 3600
    # the logins came before `signed_in_at`: the lifetimes read here are, if anything, short
    learner_lifetime = min(early.expires_at, late.expires_at) - signed_in_at
    findings["learner token lifetime (h)"] = learner_lifetime.total_seconds() / 3600

    def learner_status(token: str) -> int:
        return status_of(attempt(lambda: platform.me(token)))

    def supervisor_status(token: str) -> int:
        path = "/api/v1/supervision/me"
        return status_of(attempt(lambda: authority.request("GET", path, token=token)))

    # Each protocol's "early" token is asked just before the first expiry of all four, its
    # "late" token (never used since sign-in) just after the last one.
    first = min(early.expires_at, late.expires_at, sup_early.expires_at, sup_late.expires_at)
    last = max(early.expires_at, late.expires_at, sup_early.expires_at, sup_late.expires_at)
    clock.advance(max(0.0, (first - clock.now()).total_seconds() - 1))
    findings["learner: 1 s before expires_at"] = learner_status(early.token)
    findings["supervisor: 1 s before expires_at"] = supervisor_status(sup_early.token)
    clock.advance(max(0.0, (last - clock.now()).total_seconds() + 1))
    findings["learner: 1 s after expires_at"] = learner_status(late.token)
    findings["supervisor: 1 s after expires_at"] = supervisor_status(sup_late.token)
    probe.evidence.attach_json("token-lifetimes", findings)
    expected = {
        "learner: 1 s before expires_at": 200,
        "learner: 1 s after expires_at": 401,
        "supervisor: 1 s before expires_at": 200,
        "supervisor: 1 s after expires_at": 401,
    }
    wrong = {case: findings[case] for case, status in expected.items() if findings[case] != status}
    lifetime = dt.timedelta(hours=float(findings["supervision token lifetime (h)"]))  # type: ignore[arg-type]
    if lifetime > SUPERVISOR_TOKEN_AT_MOST + dt.timedelta(seconds=MARGIN_S):
        wrong["supervision token lifetime (h)"] = findings["supervision token lifetime (h)"]
    if learner_lifetime < LEARNER_TOKEN_AT_LEAST - dt.timedelta(seconds=MARGIN_S):
        wrong["learner token lifetime (h)"] = findings["learner token lifetime (h)"]
    if wrong:
        raise CheckFailure(
            "A token outlives its expiry (or dies before it)",
            received=wrong,
            expected="accepted 1 s before expires_at, 401 1 s after; supervision ≤ 24 h;"
            " learner ≥ 12 h after the login",
        )
    probe.evidence.note(
        "both protocols' tokens lapse at expires_at; supervision ≤ 24 h; learner ≥ 12 h"
    )
