"""Loopback never goes through a proxy.

A vendor's CI behind a corporate proxy sets `HTTP_PROXY`/`HTTPS_PROXY` (and often a `NO_PROXY`
that omits 127.0.0.1). `requests` then sends *every* call through the proxy, loopback included:
the embedded reference, the province emulator and the reference's own calls to the province
never arrived, and `sxcert certify` ended at start-up with "province did not answer within 30 s".
The loopback names are added to `NO_PROXY` (both spellings, which `requests`, `httpx`, urllib and
the child processes all read) before anything connects, so a proxy still carries the calls to a
real target elsewhere and none to this machine.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

LOOPBACK = ("127.0.0.1", "localhost", "::1")
_VARIABLES = ("NO_PROXY", "no_proxy")


def bypass_proxies_for_loopback(environ: MutableMapping[str, str] = os.environ) -> None:
    """Add the loopback names to `NO_PROXY` and `no_proxy` in `environ` (where a proxy is set)."""
    if not any(
        environ.get(name)
        for name in (
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
            "all_proxy",
        )
    ):
        return
    listed = {
        entry.strip()
        for name in _VARIABLES
        for entry in (environ.get(name) or "").split(",")
        if entry.strip()
    }
    value = ",".join(sorted(listed | set(LOOPBACK)))
    for name in _VARIABLES:
        environ[name] = value
