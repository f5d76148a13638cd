"""The harness's stream reader never waits without bound (STUDY-09): a stream that sends nothing,
one that is not an event stream, a refusal, and a stop while a read is blocked."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from harness.event_stream import READ_S, StreamWatcher


@contextmanager
def one_answer_server(head: bytes, body: bytes = b"") -> Iterator[str]:
    """A server that answers every connection with `head` + `body` and then keeps it open,
    silent, until the test ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    done = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not done.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.recv(65536)
            conn.sendall(head + body)
            held.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        done.set()
        thread.join(2)
        for conn in held:
            conn.close()
        listener.close()


SSE_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
)


def _chunk(text: str) -> bytes:
    data = text.encode()
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def test_a_silent_stream_is_stopped_at_once_with_what_it_sent() -> None:
    message = _chunk('id: 7\nevent: login\ndata: {"x": 1}\n\n')
    with one_answer_server(SSE_HEAD, message) as url:
        watcher = StreamWatcher(url, "token", "silent", time.monotonic() + 30)
        watcher.start()
        assert watcher.connected()
        deadline = time.monotonic() + 3
        while not watcher.received() and time.monotonic() < deadline:
            time.sleep(0.02)
        started = time.monotonic()
        watcher.stop()
        assert time.monotonic() - started < READ_S  # the blocked read is woken, not waited out
    [arrival] = watcher.received()
    assert (arrival.event_id, arrival.event, arrival.data) == ("7", "login", '{"x": 1}')
    assert watcher.last_event_id == "7"


def test_the_reader_gives_up_at_its_deadline() -> None:
    with one_answer_server(SSE_HEAD) as url:
        watcher = StreamWatcher(url, "token", "deadline", time.monotonic() + 1.0)
        watcher.start()
        assert watcher.connected()
        assert watcher._thread is not None
        watcher._thread.join(1.0 + READ_S + 1.0)
        assert not watcher._thread.is_alive()


def test_a_refusal_and_a_page_that_is_no_stream_are_problems_not_waits() -> None:
    refused = b"HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\n"
    refused += b'Content-Length: 17\r\n\r\n{"detail":"nope"}'
    page = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nhi"
    for head, expected in ((refused, "401"), (page, "text/event-stream")):
        with one_answer_server(head) as url:
            watcher = StreamWatcher(url, "token", "bad", time.monotonic() + 30)
            watcher.start()
            assert watcher.connected()
            watcher.stop()
        assert watcher.problems and expected in watcher.problems[0]
