"""Every exchange is bounded as a whole, whatever the target does; a dead target is noticed."""

from __future__ import annotations

import time

import pytest
import requests

from harness.api import ApiClient
from harness.failures import ProtocolViolation
from harness.transport import BodyTooLarge, DeadlineExceeded, TargetWatch, bounded
from tests.hostile import hostile


def _session(total_s: float) -> requests.Session:
    return bounded(requests.Session(), total_s)


def _timed(call):
    started = time.monotonic()
    try:
        outcome = call()
    except BaseException as exc:
        outcome = exc
    return outcome, time.monotonic() - started


def test_a_hanging_target_is_bounded_by_the_deadline():
    with hostile("hang") as server:
        outcome, took = _timed(lambda: _session(1.5).get(server.url + "/x", timeout=1.5))
    assert isinstance(outcome, requests.Timeout)
    assert took < 4


def test_a_trickling_answer_is_bounded_by_the_deadline_not_by_each_read():
    # one byte every 0.5 s never trips a 1.5 s read timeout; the whole-exchange deadline does
    with hostile("trickle", trickle_every_s=0.5) as server:
        outcome, took = _timed(lambda: _session(1.5).get(server.url + "/x", timeout=1.5))
    assert isinstance(outcome, DeadlineExceeded), outcome
    assert "bytes arrived" in str(outcome)
    assert took < 4


def test_a_trickling_head_is_bounded_by_the_deadline_too():
    # the status line and headers a byte every 0.3 s: http.client reads them one socket read at a
    # time, each well inside a 1.5 s read timeout (before stop 41 such a call took 20 minutes)
    with hostile("trickle_head", trickle_every_s=0.3) as server:
        outcome, took = _timed(lambda: _session(1.5).get(server.url + "/x", timeout=1.5))
    assert isinstance(outcome, requests.Timeout), outcome
    assert took < 3


def test_a_stream_is_read_on_past_the_deadline_once_its_head_is_in():
    # the deadline bounds the head of a streamed answer, not the stream (events never end)
    with hostile("sse") as server:
        response = _session(1.0).get(server.url + "/events", stream=True, timeout=1.0)
        time.sleep(1.5)  # past the exchange's deadline
        lines = response.iter_lines()
        first, second = next(lines), next(line for line in lines if line)
        response.close()
    assert first.startswith(b"id: ") and second


def test_a_late_head_leaves_the_stream_its_whole_read_timeout():
    # the head's last part 0.75 s into a 1 s deadline, then an event every 0.6 s: each read of the
    # stream may wait the read timeout asked for (1 s), not the 0.25 s the deadline had left
    with hostile("sse", head_after_s=0.7, event_every_s=0.6) as server:
        response = _session(1.0).get(server.url + "/events", stream=True, timeout=1.0)
        lines = response.iter_lines(chunk_size=1)
        events = [next(line for line in lines if line.startswith(b"id: ")) for _ in range(3)]
        response.close()
    assert events == [b"id: 1", b"id: 2", b"id: 3"]


def test_a_huge_answer_is_refused_without_reading_it_whole():
    with hostile("huge", huge_bytes=200 << 20) as server:
        session = _session(20)
        session.get_adapter("http://").max_bytes = 1 << 20
        outcome, took = _timed(lambda: session.get(server.url + "/x", timeout=20))
    assert isinstance(outcome, BodyTooLarge)
    assert took < 5


def test_a_reset_mid_answer_is_a_connection_error():
    with hostile("reset") as server:
        outcome, _ = _timed(lambda: _session(5).get(server.url + "/x", timeout=5))
    assert isinstance(outcome, requests.ConnectionError), outcome


def test_a_stream_is_handed_over_unread():
    with hostile("sse") as server:
        response, took = _timed(
            lambda: _session(2).get(server.url + "/events", stream=True, timeout=2)
        )
        assert isinstance(response, requests.Response) and took < 2
        first = next(response.iter_lines())
        response.close()
    assert first.startswith(b"id: ")


def test_an_honest_answer_is_read_whole():
    with hostile("hang") as server:
        response = _session(5).get(server.url + "/api/v1/health", timeout=5)
    assert response.status_code == 200 and response.json()["status"] == "ok"


@pytest.mark.parametrize(
    ("mode", "title"),
    [
        ("hang", "no complete answer within"),
        ("trickle", "no complete answer within"),
        ("trickle_head", "no complete answer within"),
        ("html", "not JSON"),
        ("server_error", "server error"),
        ("reset", "connection failed"),
    ],
)
def test_the_api_client_turns_each_misbehaviour_into_a_protocol_violation(mode, title):
    with hostile(mode, trickle_every_s=0.3) as server:
        client = ApiClient(server.url, requests.Session(), timeout=1.0)
        outcome, took = _timed(lambda: client.request("GET", "/api/v1/courses"))
    assert isinstance(outcome, ProtocolViolation), outcome
    assert title in outcome.title
    assert took < 4


def test_the_watch_notices_a_target_that_stopped_answering():
    watch = TargetWatch(threshold=3)
    watch.failed("http://t", "GET /a: timeout")
    watch.failed("http://t", "GET /b: timeout")
    assert watch.gone("http://t") is None
    watch.answered("http://t")  # any answer resets the count
    for path in ("/a", "/b", "/c"):
        watch.failed("http://t", f"GET {path}: timeout")
    assert "3 calls in a row" in (watch.gone("http://t") or "")
    assert watch.gone("http://other") is None


def test_a_session_connects_from_the_address_it_is_given():
    """POST-06's untrusted peer: the platform must see the connection come from 127.0.0.2, not
    from the harness's usual 127.0.0.1, and the exchange is still bounded."""
    import http.server
    import threading

    from harness.transport import DeadlineAdapter, connecting_from

    class Peer(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = self.client_address[0].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Peer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        assert requests.get(url, timeout=5).text == "127.0.0.1"
        session = connecting_from(requests.Session(), "127.0.0.2", 5)
        assert session.get(url, timeout=5).text == "127.0.0.2"
        assert isinstance(session.get_adapter(url), DeadlineAdapter)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
