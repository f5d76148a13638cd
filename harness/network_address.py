"""The network address each simulated learner signs in from.

A platform's self-check counts the accounts of one address (POST-06's `shared_address`), so the
harness's learners must not all appear to come from the harness's one machine: that would make
every run look like a brushing shop. The harness stands in for the platform's reverse proxy and
names each sign-in's address in `X-Forwarded-For`; a device keeps one address (a person's
computer sits on one network), and a cheat gives several devices one address.

The addresses are drawn from 198.18.0.0/15 (RFC 2544, set aside for benchmarking network
devices): never a real learner's, and wide enough (131,072) that two devices of a run rarely
share one by chance.
"""

from __future__ import annotations

import hashlib
import ipaddress

FORWARDED_FOR = "X-Forwarded-For"
LEARNER_NETWORK = ipaddress.ip_network("198.18.0.0/15")


def address_of(device_id: str) -> str:
    """The address `device_id` signs in from: the same for the same device in every run."""
    digest = int.from_bytes(hashlib.sha256(device_id.encode()).digest()[:8], "big")
    return str(LEARNER_NETWORK[digest % LEARNER_NETWORK.num_addresses])
