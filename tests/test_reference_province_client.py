"""The platform's province client repeats a call the province closed without answering (a
keep-alive race seen in CI: a learner was refused 503 for it), and never repeats a timed-out one."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from reference_platform.province_client import ProvinceClient, ProvinceUnavailable

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"


@contextmanager
def province(answer: Callable[[int, socket.socket], None]) -> Iterator[tuple[str, list[int]]]:
    """A raw province on loopback: `answer(n, conn)` handles its n-th request (from 1)."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[int] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                seen.append(len(seen) + 1)
                answer(len(seen), conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    finally:
        listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept, which close alone does not
        listener.close()
        thread.join(timeout=2)


def close_first_then_answer(n: int, conn: socket.socket) -> None:
    if n > 1:
        conn.sendall(OK)


def test_a_call_closed_without_an_answer_is_sent_again():
    with province(close_first_then_answer) as (url, seen):
        client = ProvinceClient(url, "key", timeout_s=2)
        assert client.occupations() == []
        client.close()
    assert seen == [1, 2]


def test_a_province_that_never_answers_is_unavailable_after_bounded_attempts():
    with province(lambda n, conn: None) as (url, seen):
        client = ProvinceClient(url, "key", timeout_s=2)
        with pytest.raises(ProvinceUnavailable):
            client.occupations()
        client.close()
    assert seen == [1, 2, 3]


def test_a_timed_out_call_is_never_sent_again():
    released = threading.Event()

    def hang(n: int, conn: socket.socket) -> None:
        released.wait(timeout=3)

    with province(hang) as (url, seen):
        client = ProvinceClient(url, "key", timeout_s=0.3)
        with pytest.raises(ProvinceUnavailable):
            client.occupations()
        released.set()
        client.close()
    assert seen == [1]
