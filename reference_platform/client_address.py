"""Where a request came from: the network address the self-check's shared-address rule counts.

A platform runs behind a reverse proxy (a load balancer, nginx), so the connection's peer is the
proxy, and the learner's address is what the proxy wrote into `X-Forwarded-For`. That header is
believed only from a proxy the instance trusts (`SXCERT_REF_TRUSTED_PROXIES`): from anyone else
it is the learner's own claim, and a brushing shop would write a different address into every
sign-in. Of the header's entries the last one is taken: the one the trusted proxy appended,
while the earlier ones came from the client. In certification the harness is that proxy
(docs/interface.md, "Self-check").

The server must hand the connection's own peer to the app: uvicorn rewrites `request.client`
from `X-Forwarded-For` by default (for 127.0.0.1), so the project's launchers start it with
`proxy_headers=False`, and `uvicorn --factory reference_platform.main:create_app` needs
`--no-proxy-headers`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Collection

FORWARDED_FOR = "x-forwarded-for"
UNKNOWN = "unknown"  # no peer (an in-process test client without one)


def client_address(
    peer: str | None,
    forwarded_for: str | None,
    trusted_proxies: Collection[str],
    *,
    believe_any_peer: bool,
) -> str:
    """The learner's address: the last `X-Forwarded-For` entry when the peer is a trusted proxy
    and that entry is an IP address; otherwise the peer itself. (`believe_any_peer` is the
    defect `believes_forwarded_for_from_anyone`.)"""
    if peer is None:
        return UNKNOWN
    trusted = believe_any_peer or peer in trusted_proxies
    if not trusted or not forwarded_for:
        return peer
    last = forwarded_for.split(",")[-1].strip()
    try:
        return str(ipaddress.ip_address(last))
    except ValueError:
        return peer  # garbage from the proxy: the proxy's own address, never the garbage
