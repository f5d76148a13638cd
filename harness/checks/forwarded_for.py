"""POST-06 — the address the shared-address rule counts is the trusted proxy's word, never the
client's own claim.

The space probed (docs/interface.md, "Self-check"): a sign-in's network address is the last
`X-Forwarded-For` entry only when the request comes from the proxy the platform trusts, else the
connection's peer. The self-check's main journey (self_check.py) signs everyone in through the
trusted address, so it tries the header's entries but never the peer. Here the harness connects
straight from an address the platform does not trust (the profile's
`target.untrusted_source_address`; 127.0.0.2 on a loopback target, where the trusted harness is
127.0.0.1), as a brushing shop that reaches the platform directly would:

- SHARED_ADDRESS_ACCOUNTS fresh learners, none an enterprise's employee, each on a device of its
  own, sign in within seconds of each other;
- each sends an `X-Forwarded-For` of its own choosing, every address in it different: half of
  them one entry, half two (a forged chain, so that neither the first nor the last entry may be
  believed);
- expected: every one of them is flagged `shared_address`, naming itself: all ten signed in from
  one address, the peer. A platform that believes the header from anyone sees ten addresses and
  flags none.
"""

from __future__ import annotations

import socket
from typing import Any

from harness.checks._support import in_parallel
from harness.checks.self_check import (
    SHARED_ADDRESS_ACCOUNTS,
    findings_of,
    forwarded_for,
    own_address,
    own_device,
)
from harness.failures import CannotProbe, CheckFailure
from harness.learners import LearnerFactory
from harness.probe import Probe
from harness.registry import check
from harness.transport import connecting_from

PROBE = "sign-ins from an untrusted peer"
RULE = "shared_address"


def _usable(address: str) -> str | None:
    """Why the harness cannot connect from `address` (None when it can)."""
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.bind((address, 0))
    except OSError as exc:
        return f"this machine cannot connect from {address}: {exc.strerror or exc}"
    return None


@check("POST-06")
def forwarded_for_is_believed_only_from_the_trusted_proxy(probe: Probe) -> None:
    """Ten accounts signing in straight from one untrusted address, each naming other addresses
    in X-Forwarded-For, are each flagged shared_address: only the trusted proxy's header counts."""
    source = probe.profile.target.untrusted_source if probe.profile else None
    if source is None:
        raise CannotProbe(
            PROBE,
            "the target is not on loopback and the profile names no "
            "target.untrusted_source_address (a local address the platform does not trust)",
        )
    unusable = _usable(source)
    if unusable:
        raise CannotProbe(PROBE, unusable)
    platform = probe.platform
    claims = [
        forwarded_for(own_address(), forged=i % 2 == 1) for i in range(SHARED_ADDRESS_ACCOUNTS)
    ]
    people = [probe.learners.registered() for _ in claims]
    # The session's own connections come from `source`; it is closed when the sign-ins are done.
    with connecting_from(probe.evidence.session(), source, platform.timeout) as session:
        direct = LearnerFactory(
            type(platform)(platform.base_url, session, platform.timeout), probe.province
        )

        def sign_in(index: int) -> Any:
            return direct.login(people[index], own_device("direct"), network_address=claims[index])

        in_parallel([lambda i=i: sign_in(i) for i in range(len(people))])
    authority = probe.supervisors.authority
    ids = [person.learner_id or "" for person in people]
    seen = in_parallel([lambda i=i: findings_of(authority, i) for i in ids])
    shown = {
        i: [f.model_dump(mode="json") for f in found] for i, found in zip(ids, seen, strict=True)
    }
    missed = [
        {"learner_id": i, "x_forwarded_for": claim, "found": shown[i]}
        for i, claim, found in zip(ids, claims, seen, strict=True)
        if not any(f.rule == RULE and f.learner_id == i for f in found)
    ]
    probe.evidence.attach_json(
        "untrusted-peer",
        {
            "connected_from": source,
            "accounts": len(ids),
            "x_forwarded_for": dict(zip(ids, claims, strict=True)),
            "findings": shown,
            "not_flagged": [m["learner_id"] for m in missed],
        },
    )
    if missed:
        raise CheckFailure(
            f"{len(missed)} of {len(ids)} accounts signing in from one untrusted address were not"
            f" flagged {RULE}",
            received=missed[:5],
            expected=(
                f"each flagged {RULE}: a request not from the trusted proxy is counted at its "
                f"peer ({source}), whatever its X-Forwarded-For says"
            ),
        )
    probe.evidence.note(
        f"{len(ids)}/{len(ids)} accounts signing in from {source} (not a trusted proxy), each with"
        f" an X-Forwarded-For of its own, flagged {RULE}"
    )
