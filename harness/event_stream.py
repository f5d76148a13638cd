"""A supervision account's real-time event stream, read in the background (STUDY-09).

One `StreamWatcher` per account: a thread reads the account's Server-Sent Events (httpx-sse over
httpx) and records each message with the monotonic time it arrived, so a check can judge who got
which event and how late. Every wait is bounded: connecting and each read have timeouts, the
watcher gives up at its deadline (at most one read timeout later, when nothing arrives), and
`stop()` shuts the connection from outside, so a stream that sends nothing (or never ends)
cannot hold a run. After a read timeout or a dropped
connection it reconnects with `Last-Event-ID`, as a browser's EventSource does.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
from httpx_sse import SSEError, connect_sse

from harness.overload import Patience, retry_after_s

CONNECT_S = 5.0  # connecting, and waiting for the answer's headers
READ_S = 3.0  # no byte for this long: reconnect with Last-Event-ID
EVENTS_PATH = "/api/v1/supervision/events"


@dataclass(frozen=True)
class Arrival:
    """One message as it arrived: SSE `id` and `event`, its `data` text, and when (monotonic)."""

    event_id: str
    event: str
    data: str
    arrived: float
    connection: int  # which connection of this watcher brought it (0 = the first)


@dataclass
class StreamWatcher:
    """Reads one account's stream until `stop()` or `deadline` (monotonic)."""

    base_url: str
    token: str
    label: str
    deadline: float
    last_event_id: str | None = None
    arrivals: list[Arrival] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    connections: int = 0
    _connected: threading.Event = field(default_factory=threading.Event)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _response: httpx.Response | None = None
    _thread: threading.Thread | None = None
    _busy: Patience | None = None  # refusals at capacity since the last open stream

    def start(self) -> None:
        """Start reading in the background; `connected` says when the stream is open."""
        self._thread = threading.Thread(target=self._run, name=f"sse-{self.label}", daemon=True)
        self._thread.start()

    def connected(self, timeout: float = CONNECT_S + 1.0) -> bool:
        """True once the stream's headers arrived (events caused after that are the stream's
        to deliver), False if that did not happen within `timeout`."""
        return self._connected.wait(timeout)

    def stop(self) -> None:
        """Close the connection and wait for the reader to finish (bounded)."""
        self.signal_stop()
        if self._thread is not None:
            self._thread.join(CONNECT_S + READ_S)

    def signal_stop(self) -> None:
        """Close the connection without waiting: stopping many watchers costs one wait. The
        socket is shut down, which wakes a reader blocked in `recv` at once (closing the client
        from another thread would leave it blocked until its read timeout)."""
        self._stopping.set()
        with self._lock:
            response = self._response
        stream = response.extensions.get("network_stream") if response is not None else None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def received(self) -> list[Arrival]:
        with self._lock:
            return list(self.arrivals)

    def _headers(self) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "text/event-stream"}
        if self.last_event_id is not None:
            headers["Last-Event-ID"] = self.last_event_id
        return headers

    def _run(self) -> None:
        timeout = httpx.Timeout(CONNECT_S, read=READ_S)
        while not self._stopping.is_set() and time.monotonic() < self.deadline:
            with httpx.Client(base_url=self.base_url, timeout=timeout) as client:
                self._read_once(client)
            if not self._stopping.is_set():
                time.sleep(0.2)  # reconnect promptly, but never in a tight loop

    def _read_once(self, client: httpx.Client) -> None:
        connection = self.connections
        self.connections += 1
        try:
            with connect_sse(client, "GET", EVENTS_PATH, headers=self._headers()) as source:
                with self._lock:
                    self._response = source.response
                if self._stopping.is_set():
                    return
                busy_s = retry_after_s(source.response)
                if busy_s is not None:  # at capacity (harness/overload.py): connect again
                    source.response.read()
                    self._busy = self._busy or Patience()
                    if self._busy.wait(busy_s):
                        return
                if source.response.status_code != 200:
                    source.response.read()
                    self.problems.append(
                        f"{source.response.status_code} {source.response.text[:200]}"
                    )
                    self._connected.set()
                    self._stopping.set()
                    return
                source.response.raise_for_status()
                self._busy = None
                self._connected.set()
                for message in source.iter_sse():
                    if time.monotonic() >= self.deadline:
                        return
                    if not message.data:
                        continue  # a keep-alive: no data, no event (the SSE rule)
                    self._record(message, connection)
        except SSEError as wrong:  # not text/event-stream
            self.problems.append(str(wrong))
            self._connected.set()
            self._stopping.set()
        except (httpx.HTTPError, RuntimeError, ValueError):
            return  # a timeout, a drop, or our own stop(): the loop decides whether to go on

    def _record(self, message: Any, connection: int) -> None:
        arrived = time.monotonic()
        with self._lock:
            if message.id:
                self.last_event_id = message.id
            self.arrivals.append(
                Arrival(message.id or "", message.event or "", message.data, arrived, connection)
            )
