"""Bounded HTTP exchanges, and a watch on whether the target still answers at all.

`requests` bounds the connect and each socket read, never the whole exchange: a target that
trickles one byte every 8 s never trips a 10 s read timeout, and a 2 GB answer is read whole. The
`DeadlineAdapter` reads answers itself, against one deadline for connect + headers + body and a
cap on the body size, and raises the exceptions `requests` users already handle (`Timeout`,
`ConnectionError`), so every caller, evidence hook and failure path keeps working unchanged.
The status line and headers are read by `http.client`, also one socket read at a time: its
connections here read them through `_DeadlineReader`, whose every read waits at most until the
exchange's deadline (a target trickling its headers a byte every 0.5 s once held a 2 s call for a
minute).

`TargetWatch` notices when a target has stopped answering (several calls in a row without any
answer), so that the remaining checks become `error` with one shared reason, fast, instead of each
waiting out its own timeouts.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError as Urllib3Error

MAX_BODY_BYTES = 32 * 1024 * 1024  # far above any interface answer; a larger one is refused
CHUNK = 64 * 1024


class DeadlineExceeded(requests.exceptions.ReadTimeout):
    """The whole exchange took longer than its deadline (e.g. an answer trickling in)."""


class BodyTooLarge(requests.exceptions.RequestException):
    """The answer is larger than the adapter accepts; it was not read to the end."""


# ---- the status line and headers, bounded --------------------------------------------------------
_header_deadline = threading.local()  # .at: the monotonic deadline of this thread's exchange


class _DeadlineReader(io.RawIOBase):
    """A socket's reads for `http.client`, each waiting at most until the exchange's deadline
    (while one is armed: the body is bounded by DeadlineAdapter._read_body, and a stream asked
    for with `stream=True` is read on its caller's terms). The reads go through the socket's own
    `SocketIO`, which keeps the socket open while the answer is read, as `makefile` does."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock
        self._io = sock.makefile("rb", buffering=0)
        self.deadline: float | None = getattr(_header_deadline, "at", None)
        self._read_timeout = sock.gettimeout()  # urllib3's, set just before the head is read

    def disarm(self) -> None:
        """The head is in: later reads wait as urllib3 asked (a stream's), not as the deadline
        had left them."""
        if self.deadline is not None:
            self.deadline = None
            self._sock.settimeout(self._read_timeout)

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._io.fileno()

    def readinto(self, buffer: Any) -> int | None:
        if self.deadline is not None:
            remaining = self.deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("the answer's head did not arrive before the deadline")
            self._sock.settimeout(remaining)
        return self._io.readinto(buffer)

    def close(self) -> None:
        self._io.close()
        super().close()


class _HeadBoundSocket:
    """What `http.client.HTTPResponse` is given instead of the socket: `makefile` answers a
    `_DeadlineReader`; everything else is the socket's."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def makefile(self, mode: str = "rb", *_args: Any, **_kwargs: Any) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class _HeadBoundResponse(http.client.HTTPResponse):
    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(_HeadBoundSocket(sock), *args, **kwargs)

    def disarm(self) -> None:
        """The head is in: the body's reads are bounded elsewhere (or not at all: a stream)."""
        raw = getattr(self.fp, "raw", None)
        if isinstance(raw, _DeadlineReader):
            raw.disarm()


class _HeadBoundHTTPConnection(HTTPConnection):
    response_class = _HeadBoundResponse


class _HeadBoundHTTPSConnection(HTTPSConnection):
    response_class = _HeadBoundResponse


class _HeadBoundHTTPPool(HTTPConnectionPool):
    ConnectionCls = _HeadBoundHTTPConnection


class _HeadBoundHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HeadBoundHTTPSConnection


HEAD_BOUND_POOLS = {"http": _HeadBoundHTTPPool, "https": _HeadBoundHTTPSPool}


def _disarm(response: requests.Response) -> None:
    original = getattr(response.raw, "_original_response", None)
    if isinstance(original, _HeadBoundResponse):
        original.disarm()


class DeadlineAdapter(HTTPAdapter):
    """An HTTPAdapter that bounds the whole exchange by `total_s` and the body by `max_bytes`.

    A caller that asks for `stream=True` gets the response unread, as with plain requests: it
    reads a stream on its own terms (Server-Sent Events never end).
    """

    def __init__(
        self, total_s: float, max_bytes: int = MAX_BODY_BYTES, source_address: str | None = None
    ) -> None:
        self.source_address = source_address  # read by init_poolmanager, which super() calls
        super().__init__()
        self.total_s = total_s
        self.max_bytes = max_bytes

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """Connect from `source_address` when one is given (a peer the platform must not trust
        as its proxy, POST-06), else from wherever the system routes."""
        if self.source_address:
            kwargs["source_address"] = (self.source_address, 0)
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = HEAD_BOUND_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        manager.pool_classes_by_scheme = HEAD_BOUND_POOLS
        return manager

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        total = self.total_s
        if isinstance(timeout, (int, float)):
            total = min(total, float(timeout))
        deadline = time.monotonic() + total
        _header_deadline.at = deadline
        try:
            response = super().send(
                request,
                stream=True,
                timeout=(total, total),
                verify=verify,
                cert=cert,
                proxies=proxies,
            )
        finally:
            _header_deadline.at = None
        _disarm(response)
        if stream:
            return response
        try:
            response._content = self._read_body(response, deadline)  # type: ignore[attr-defined]
        except BaseException:
            response.close()
            raise
        response._content_consumed = True  # type: ignore[attr-defined]
        response.raw.release_conn()
        return response

    def _read_body(self, response: requests.Response, deadline: float) -> bytes:
        body = bytearray()
        raw = response.raw

        def too_late() -> DeadlineExceeded:
            return DeadlineExceeded(
                f"the answer was not complete within {self.total_s:g} s "
                f"({len(body)} bytes arrived)",
                response=response,
            )

        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise too_late()
            _limit_next_read(raw, remaining)
            try:
                chunk = raw.read1(CHUNK, decode_content=True)
            except TimeoutError:
                raise too_late() from None
            except Urllib3Error as exc:
                if "timed out" in str(exc).lower():
                    raise too_late() from None
                raise requests.exceptions.ConnectionError(
                    f"the connection broke mid-answer ({type(exc).__name__})", response=response
                ) from None
            except OSError as exc:
                raise requests.exceptions.ConnectionError(
                    f"the connection broke mid-answer ({type(exc).__name__})", response=response
                ) from None
            if not chunk:
                return bytes(body)
            body += chunk
            if len(body) > self.max_bytes:
                raise BodyTooLarge(
                    f"the answer exceeds {self.max_bytes} bytes; not read further",
                    response=response,
                )


def _limit_next_read(raw: Any, seconds: float) -> None:
    """Best effort: make the next socket read wait at most `seconds` (the rest of the deadline)."""
    connection = getattr(raw, "connection", None) or getattr(raw, "_connection", None)
    sock = getattr(connection, "sock", None)
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.settimeout(max(0.01, seconds))


def connecting_from(session: requests.Session, address: str, total_s: float) -> requests.Session:
    """Make `session` connect from the local `address`, bounded as `bounded` bounds it."""
    adapter = DeadlineAdapter(total_s, source_address=address)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def bounded(session: requests.Session, total_s: float) -> requests.Session:
    """Mount a DeadlineAdapter on `session` (once; the tightest deadline wins)."""
    current = session.get_adapter("http://")
    if isinstance(current, DeadlineAdapter):
        current.total_s = min(current.total_s, total_s)
        return session
    adapter = DeadlineAdapter(total_s)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


# ---- is the target still answering? --------------------------------------------------------------
@dataclass
class _TargetState:
    failures_in_a_row: int = 0
    last_failure: str = ""


@dataclass
class TargetWatch:
    """Counts transport failures (no answer at all: timeouts, refused or broken connections) per
    target, reset by any answer. `gone(url)` says why a target counts as not answering."""

    threshold: int = 3
    _states: dict[str, _TargetState] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answered(self, base_url: str) -> None:
        with self._lock:
            self._states.pop(base_url, None)

    def failed(self, base_url: str, why: str) -> None:
        with self._lock:
            state = self._states.setdefault(base_url, _TargetState())
            state.failures_in_a_row += 1
            state.last_failure = why

    def gone(self, base_url: str) -> str | None:
        with self._lock:
            state = self._states.get(base_url)
            if state is None or state.failures_in_a_row < self.threshold:
                return None
            return (
                f"the target stopped answering: {state.failures_in_a_row} calls in a row got no "
                f"answer (last: {state.last_failure})"
            )

    def reset(self) -> None:
        with self._lock:
            self._states.clear()


TARGETS = TargetWatch()
