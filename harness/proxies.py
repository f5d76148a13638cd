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

import ipaddress
import os
from collections.abc import MutableMapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.sessions import merge_setting

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


def is_loopback_url(url: str) -> bool:
    """Whether `url` names this machine (127.0.0.0/8, ::1 or localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _no_auth(request: requests.PreparedRequest) -> requests.PreparedRequest:
    return request


class DirectLoopbackSession(requests.Session):
    """A session that reads no proxy and no `.netrc` from the environment for a loopback URL.

    Loopback never goes through a proxy (above), yet `requests` looks the proxy variables up in
    the whole environment on every call: about 6 % of the harness's CPU in an embedded run, where
    every call is loopback. A CA bundle named in the environment is still honoured (a vendor's
    platform on this machine may serve HTTPS with its own certificate).

    Nor does a loopback call read `~/.netrc` (another 2 % of the harness's CPU, a file looked up
    on every call): the harness signs its calls itself, and a `.netrc` entry for the machine
    would replace the Authorization header a probe set with the entry's basic credentials."""

    def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
        if self.trust_env and not request.auth and not self.auth and is_loopback_url(request.url):
            request.auth = _no_auth  # requests reads .netrc only when no auth is given
        return super().prepare_request(request)

    def merge_environment_settings(
        self,
        url: str,
        proxies: Any,
        stream: Any,
        verify: Any,
        cert: Any,
    ) -> dict[str, Any]:
        if not (self.trust_env and is_loopback_url(url)):
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        if verify is True or verify is None:
            verify = (
                os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or verify
            )
        return {
            "proxies": merge_setting(proxies, self.proxies),
            "stream": merge_setting(stream, self.stream),
            "verify": merge_setting(verify, self.verify),
            "cert": merge_setting(cert, self.cert),
        }
