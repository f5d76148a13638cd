"""Small hostile HTTP servers for the tests of a run that holds: each misbehaves in one way that
real targets do (hang, trickle, garbage, server errors, huge answers, reset connections, an API
that is not there). Raw sockets in a thread, on 127.0.0.1, so the misbehaviour is exact.
"""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

HEALTH = b"/api/v1/health"
HEALTH_BODY = b'{"status": "ok", "response": {}}'
MODES = (
    "hang",
    "trickle",
    "trickle_head",
    "trickle_all",
    "html",
    "server_error",
    "huge",
    "reset",
    "not_found",
    "sse",
    "busy",
)


def _answer(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class HostileServer:
    """Answers /api/v1/health honestly (so preflight passes) and every other request per `mode`."""

    def __init__(
        self,
        mode: str,
        *,
        trickle_every_s: float = 2.0,
        huge_bytes: int = 64 << 20,
        head_after_s: float = 0.0,
        event_every_s: float = 0.2,
    ):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode}")
        self.mode = mode
        self.trickle_every_s = trickle_every_s
        self.head_after_s = head_after_s  # sse: the end of the head comes this late
        self.event_every_s = event_every_s  # sse: one event this often
        self.huge_bytes = huge_bytes
        self.requests: list[bytes] = []
        self._stop = threading.Event()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self._sock.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _read_request(self, conn: socket.socket) -> bytes:
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        return data

    def _handle(self, conn: socket.socket) -> None:
        try:
            request = self._read_request(conn)
            self.requests.append(request.split(b"\r\n", 1)[0])
            path = request.split(b" ", 2)[1] if b" " in request else b""
            if path.startswith(HEALTH) and self.mode != "trickle_all":
                conn.sendall(_answer("200 OK", HEALTH_BODY))
                return
            getattr(self, f"_{self.mode}")(conn)
        except OSError:
            pass
        finally:
            if self.mode != "reset":
                with suppress(OSError):
                    conn.close()

    def _hang(self, conn: socket.socket) -> None:
        self._stop.wait(600)

    def _trickle(self, conn: socket.socket) -> None:
        body = b'{"status": "ok"}' * 64
        conn.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n".encode()
        )
        for byte in body:
            if self._stop.wait(self.trickle_every_s):
                return
            conn.sendall(bytes([byte]))

    def _trickle_head(self, conn: socket.socket) -> None:
        """The status line and headers a byte at a time (a slow-loris answer): every socket read
        gets a byte long before any read timeout, and the body never comes."""
        head = (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Padding: "
            + b"x" * 4096
            + b"\r\nContent-Length: 2\r\n\r\n{}"
        )
        for byte in head:
            if self._stop.wait(self.trickle_every_s):
                return
            conn.sendall(bytes([byte]))

    def _trickle_all(self, conn: socket.socket) -> None:
        """Every answer's head trickled, the health check's too."""
        self._trickle_head(conn)

    def _html(self, conn: socket.socket) -> None:
        conn.sendall(_answer("200 OK", b"<html><body>Welcome</body></html>", "text/html"))

    def _server_error(self, conn: socket.socket) -> None:
        status = random.choice(["500 Internal Server Error", "502 Bad Gateway", "503 Busy"])
        conn.sendall(_answer(status, b'{"detail": "oops"}'))

    def _busy(self, conn: socket.socket) -> None:
        """Always at capacity, as the interface lets a platform say it: 503 with Retry-After."""
        body = b'{"detail": "Busy: try again after Retry-After seconds"}'
        head = (
            f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
            f"Retry-After: 1\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        conn.sendall(head.encode() + body)

    def _huge(self, conn: socket.socket) -> None:
        conn.sendall(
            f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {self.huge_bytes}\r\n\r\n".encode()
        )
        block = b"[" + b"0," * 32767 + b"0"
        sent = 0
        while sent < self.huge_bytes and not self._stop.is_set():
            conn.sendall(block)
            sent += len(block)

    def _reset(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.sendall(b'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{"partial')
        time.sleep(0.05)
        conn.close()  # linger 0: the peer sees a reset mid-answer

    def _not_found(self, conn: socket.socket) -> None:
        conn.sendall(_answer("404 Not Found", b'{"detail": "Not Found"}'))

    def _sse(self, conn: socket.socket) -> None:
        if self.head_after_s:  # the status line at once, the rest of the head late, in two parts
            conn.sendall(b"HTTP/1.1 200 OK\r\n")
            if self._stop.wait(self.head_after_s):
                return
            conn.sendall(b"Content-Type: text/event-stream\r\n")
            if self._stop.wait(0.05):
                return
            conn.sendall(b"\r\n")
        else:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n")
        n = 0
        while not self._stop.wait(self.event_every_s):
            n += 1
            conn.sendall(f'id: {n}\ndata: {{"n": {n}}}\n\n'.encode())

    def start(self) -> HostileServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._sock.close()
        self._thread.join(timeout=5)


@contextmanager
def hostile(mode: str, **options: float) -> Iterator[HostileServer]:
    server = HostileServer(mode, **options).start()
    try:
        yield server
    finally:
        server.stop()
