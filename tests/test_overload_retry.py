"""A busy platform's 503 with Retry-After is sent again, within a patience; other 5xx are judged.

docs/interface.md lets a platform at capacity answer any request 503 with `Retry-After`, having
done nothing, and tells the client to send the request again: a harness that failed the check on
the first such answer would reject a compliant platform for being busy. Probed against a scripted
HTTP server: the delay in seconds and as an HTTP-date, the request sent again unchanged, every
attempt in the evidence, a 503 without the header judged at once, one that never stops refused
within the patience, and the fuzzer's path the same.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
import requests

from harness import overload
from harness.api import ApiClient
from harness.browser import BrowserLab
from harness.evidence import EvidenceRecorder
from harness.failures import ProtocolViolation
from harness.overload import Patience, retry_after_s
from harness.profile import BrowserPages


class Scripted(BaseHTTPRequestHandler):
    """Answers the scripted (status, Retry-After) pairs in turn, then 200; keeps what it got."""

    script: ClassVar[list[tuple[int, str | None]]] = []
    received: ClassVar[list[tuple[str, str, bytes]]] = []

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        Scripted.received.append((self.command, self.path, self.rfile.read(length)))
        status, retry_after = Scripted.script.pop(0) if Scripted.script else (200, None)
        body = json.dumps({"detail": "Busy"} if status == 503 else {"served": True}).encode()
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def client(server: str, tmp_path: Path) -> Iterator[tuple[ApiClient, EvidenceRecorder]]:
    Scripted.script, Scripted.received = [], []
    overload.BUSY.served(server)  # no memory of another test's busy target
    recorder = EvidenceRecorder(tmp_path / "evidence" / "a_check", tmp_path)
    session = recorder.session()
    yield ApiClient(server, session, timeout=5), recorder
    session.close()


def _statuses(recorder: EvidenceRecorder) -> list[int]:
    return [e["response"]["status"] for e in recorder.exchanges]


def _response(status: int, retry_after: str | None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def _http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=seconds_from_now), usegmt=True)


@pytest.mark.parametrize(
    ("status", "header", "delay"),
    [
        (503, "0", 0.0),
        (503, "1", 1.0),
        (503, " 7 ", 7.0),
        (503, None, None),  # no header: no overload answer
        (503, "soon", None),
        (503, "-1", None),
        (503, "1.5", None),  # delay-seconds is a whole number
        (503, "\u00b2", None),  # a digit to str.isdigit, not to the header's grammar
        (503, "99999999999999999999", 1e20),  # read; the patience then judges it at once
        (500, "1", None),  # only a 503 is an overload answer
        (429, "1", None),  # a 4xx is a refusal the check judges, never retried
        (200, "1", None),
        # a date already past: at once (a fixed one: a parameter made from the clock is a
        # different test id on each xdist worker when the second turns between their imports)
        (503, "Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ],
)
def test_retry_after_is_read_only_from_a_503_with_a_delay(
    status: int, header: str | None, delay: float | None
) -> None:
    assert retry_after_s(_response(status, header)) == delay


def test_retry_after_as_an_http_date_is_the_seconds_until_it() -> None:
    delay = retry_after_s(_response(503, _http_date(20)))
    assert delay is not None and 18 <= delay <= 20


def test_a_busy_answer_is_sent_again_after_its_delay_and_each_attempt_is_evidence(client) -> None:
    api, recorder = client
    Scripted.script = [(503, "0"), (503, "1")]
    started = time.monotonic()
    answer = api.request("POST", "/api/v1/playbacks/p/heartbeats", json={"seq": 7}, token="t")
    took = time.monotonic() - started
    assert answer == {"served": True}
    assert took >= 1.0  # the second refusal asked for a second, and got it
    assert _statuses(recorder) == [503, 503, 200]
    bodies = {body for _method, _path, body in Scripted.received}
    assert len(Scripted.received) == 3 and bodies == {b'{"seq": 7}'}  # the same request again


def test_a_503_without_retry_after_is_a_server_error_at_once(client) -> None:
    api, recorder = client
    Scripted.script = [(503, None)]
    with pytest.raises(ProtocolViolation, match="server error 503"):
        api.request("GET", "/api/v1/me")
    assert _statuses(recorder) == [503]


def test_a_platform_busy_past_the_patience_fails_the_call_in_bounded_time(
    client, monkeypatch
) -> None:
    api, recorder = client
    monkeypatch.setattr(overload, "PATIENCE_S", 2.5)
    Scripted.script = [(503, "1")] * 50
    started = time.monotonic()
    with pytest.raises(ProtocolViolation, match="still at capacity") as raised:
        api.request("GET", "/api/v1/me")
    assert time.monotonic() - started < 3.5
    assert "after 3 refusals over 2.5 s" in str(raised.value)
    assert _statuses(recorder) == [503, 503, 503]


def test_a_target_found_always_busy_costs_one_patience_not_one_per_call(
    client, monkeypatch
) -> None:
    """After one call outlasted its patience, refusals are judged at once; a served call gives
    the target its patience back."""
    api, recorder = client
    monkeypatch.setattr(overload, "PATIENCE_S", 1.5)
    Scripted.script = [(503, "1")] * 2 + [(503, "1")] + [(200, None), (503, "0")]
    with pytest.raises(ProtocolViolation, match="still at capacity"):
        api.request("GET", "/api/v1/me")  # 503, wait 1 s, 503: the patience is spent
    started = time.monotonic()
    with pytest.raises(ProtocolViolation, match="after 1 refusals"):
        api.request("GET", "/api/v1/me")  # judged at once
    assert time.monotonic() - started < 0.5
    assert api.request("GET", "/api/v1/me") == {"served": True}  # served: no longer busy
    assert api.request("GET", "/api/v1/me") == {"served": True}  # 503 sent again, then served
    assert _statuses(recorder) == [503, 503, 503, 200, 503, 200]


def test_a_delay_past_the_patience_is_judged_at_once(client) -> None:
    """`Retry-After: 3600` is not waited out: the call fails now, with the refusal as evidence."""
    api, recorder = client
    Scripted.script = [(503, "3600")]
    started = time.monotonic()
    with pytest.raises(ProtocolViolation, match="still at capacity"):
        api.request("POST", "/api/v1/login", json={})
    assert time.monotonic() - started < 1.0
    assert _statuses(recorder) == [503]


def test_retry_after_zero_forever_does_not_spin(monkeypatch) -> None:
    monkeypatch.setattr(overload, "PATIENCE_S", 0.5)
    patience = Patience()
    while patience.wait(0.0):
        pass
    assert patience.refusals <= 0.5 / overload.MIN_PAUSE_S + 1


_DOCUMENT = {
    "openapi": "3.0.3",
    "info": {"title": "scripted", "version": "1"},
    "paths": {
        "/api/v1/things": {
            "post": {
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"n": {"type": "integer"}},
                                "required": ["n"],
                            }
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "served",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "503": {"description": "at capacity"},
                },
            }
        }
    },
}


@pytest.mark.parametrize(("header", "sent_again"), [("0", 1), (None, 0)])
def test_the_fuzzer_sends_a_busy_answer_again(server, header, sent_again) -> None:
    """The fuzzing engine's own exchange path honours Retry-After too: a busy answer is no
    server-error finding; a 503 without the header still is."""
    from harness.fuzzing import FuzzBudget, Fuzzer

    Scripted.script, Scripted.received = [(503, header)], []
    outcome = Fuzzer(_DOCUMENT, server, {}, FuzzBudget(max_examples=3, seconds=20)).run()
    judged = sum(outcome.statuses.values())  # each case's last answer
    assert len(Scripted.received) == judged + sent_again and outcome.statuses[200] >= 1
    assert outcome.statuses[503] == 1 - sent_again
    server_errors = [f for f in outcome.failures if "server" in f.check.lower()]
    assert len(server_errors) == 1 - sent_again, outcome.failures


class _PageResponse:
    def __init__(self, status: int, headers: dict[str, str]) -> None:
        self.status, self.headers = status, headers


class _Page:
    url = "http://127.0.0.1:9/courses/c/lessons/l"


def _lab(tmp_path: Path, base_url: str) -> BrowserLab:
    recorder = EvidenceRecorder(tmp_path / "evidence" / "a_check", tmp_path)
    return BrowserLab(BrowserPages(), base_url, recorder, chromium=None)  # type: ignore[arg-type]


def test_a_busy_page_is_loaded_again_after_its_delay_and_noted(tmp_path: Path) -> None:
    """The browser probes' page loads honour a busy answer as the API client does (a lesson page
    answered 503 by `sheds_load_now_and_then` was judged a page without its video)."""
    answers = [
        _PageResponse(503, {"retry-after": "0"}),
        _PageResponse(503, {"retry-after": "0"}),
        _PageResponse(200, {"content-type": "text/html"}),
    ]
    loads: list[int] = []

    def go() -> _PageResponse:
        loads.append(1)
        return answers[len(loads) - 1]

    lab = _lab(tmp_path, "http://127.0.0.1:9/busy-page")
    lab.navigate(_Page(), go)
    assert len(loads) == 3
    assert lab.evidence.notes == [
        f"{_Page.url}: answered 503 with Retry-After 2 time(s), loaded again after the delay"
        " (last status 200)"
    ]


@pytest.mark.parametrize(
    "answer", [_PageResponse(200, {}), _PageResponse(503, {}), _PageResponse(404, {}), None]
)
def test_a_page_answer_that_is_not_busy_is_left_to_the_check(
    tmp_path: Path, answer: _PageResponse | None
) -> None:
    loads: list[int] = []

    def go() -> _PageResponse | None:
        loads.append(1)
        return answer

    lab = _lab(tmp_path, "http://127.0.0.1:9/plain-page")
    lab.navigate(_Page(), go)
    assert loads == [1] and lab.evidence.notes == []


def test_a_page_busy_past_the_patience_is_left_on_the_page(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(overload, "PATIENCE_S", 0.3)
    base_url = "http://127.0.0.1:9/always-busy-page"
    loads: list[int] = []

    def go() -> _PageResponse:
        loads.append(1)
        return _PageResponse(503, {"retry-after": "0"})

    lab = _lab(tmp_path, base_url)
    started = time.monotonic()
    lab.navigate(_Page(), go)
    assert time.monotonic() - started < 2 and len(loads) >= 2
    assert "(last status 503)" in lab.evidence.notes[0]
    loads.clear()
    lab.navigate(_Page(), go)  # the target is known busy now: judged at once
    assert loads == [1]
    overload.BUSY.served(base_url)
