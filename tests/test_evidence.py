"""Evidence of every kind, against a small local server that misbehaves on purpose.

The server answers a 10 MB body, an event stream that never ends, a hang past the client's
timeout and connections reset before and during the answer; each must be recorded quickly, with
a bounded record, and no password or token may reach any evidence file.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import socket
import struct
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from harness.api import ApiClient
from harness.evidence import EvidenceRecorder, exchanges_text
from harness.exchanges import RAW_LIMIT, TEXT_LIMIT, body_record
from harness.failures import ProtocolViolation

PASSWORD = "hunter2-Sx!pw"
TOKEN = "tok_9f8e7d6c5b4a39281706"
BIG = 10 * 1024 * 1024
BIG_TEXT = (b"line 0123456789abcdef\n" * (BIG // 22 + 1))[:BIG]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


class Misbehaving(BaseHTTPRequestHandler):
    """One path per way an answer can go wrong; `stop` ends the endless ones at teardown."""

    stop = threading.Event()
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except OSError:
            self.close_connection = True  # the client gave up (a timeout): nothing to tell it

    def _reset(self) -> None:
        """Close with RST (linger 0), as a crashed server or a middlebox would."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def do_GET(self) -> None:
        if self.path == "/big":
            self._answer(BIG_TEXT, "text/plain")
        elif self.path == "/big.json":
            head = json.dumps({"token": TOKEN, "password": PASSWORD, "rows": []}).encode()
            self._answer(head[:-2] + b'"' + b"x" * BIG + b'"]}', "application/json")
        elif self.path == "/image":
            self._answer(PNG, "image/png")
        elif self.path.startswith("/events"):
            self._events(endless="count=" not in self.path)
        elif self.path == "/hang":
            self.stop.wait(5)
            self._answer(b"{}", "application/json")
        elif self.path == "/reset-before":
            self.rfile.read(0)
            self._reset()
        elif self.path == "/reset-during":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b'{"rows": [1, 2, 3')
            self.wfile.flush()
            time.sleep(0.05)
            self._reset()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        if self.path == "/hang":
            self.stop.wait(5)
        body = json.dumps({"token": TOKEN, "learner_id": "lrn_1", "note": "logged in"}).encode()
        self._answer(body, "application/json", {"Set-Cookie": f"session={TOKEN}"})

    def _events(self, endless: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        n = 0
        try:
            while (endless or n < 3) and not self.stop.is_set():
                n += 1
                data = json.dumps({"n": n, "token": TOKEN})
                self.wfile.write(f"event: heartbeat\ndata: {data}\n\n".encode())
                self.wfile.flush()
                time.sleep(0.02)
        except OSError:
            pass  # the client went away, as clients of endless streams do
        self.close_connection = True


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    Misbehaving.stop.clear()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Misbehaving)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    Misbehaving.stop.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def recorder(tmp_path: Path) -> EvidenceRecorder:
    return EvidenceRecorder(tmp_path / "evidence" / "a_check", tmp_path)


def written(recorder: EvidenceRecorder) -> dict[str, bytes]:
    """Flush and answer every evidence file's bytes by its report-relative path."""
    return {p: (recorder.report_root / p).read_bytes() for p in recorder.flush()}


def only_exchange(recorder: EvidenceRecorder) -> dict:
    assert len(recorder.exchanges) == 1, recorder.exchanges
    return recorder.exchanges[0]


# ---- bounded bodies ------------------------------------------------------------------------------
def test_ten_megabyte_answer_is_kept_as_size_and_hash(server, recorder):
    started = time.monotonic()
    with recorder.session() as http:
        answer = http.get(server + "/big", timeout=10)
    assert len(answer.content) == BIG  # the caller still gets the whole answer
    body = only_exchange(recorder)["response"]["body"]
    assert body["oversized"] == {"sha256": hashlib.sha256(BIG_TEXT).hexdigest(), "bytes": BIG}
    assert body["head"].startswith("line 0123456789abcdef\n") and len(body["head"]) <= 256
    files = written(recorder)
    assert len(files["evidence/a_check/exchanges.json"]) < 4096
    assert len(json.dumps(recorder.exchanges)) < 4096
    assert time.monotonic() - started < 5


def test_oversized_json_head_keeps_no_secret(server, recorder):
    with recorder.session() as http:
        http.get(server + "/big.json", timeout=10)
    body = only_exchange(recorder)["response"]["body"]
    assert body["oversized"]["bytes"] > BIG
    assert '"token": "***"' in body["head"] and '"password": "***"' in body["head"]
    assert TOKEN not in body["head"] and PASSWORD not in body["head"]


def test_body_limits_text_json_and_binary():
    page = ("<p>学时 ok</p>\n" * TEXT_LIMIT)[:TEXT_LIMIT]
    assert body_record(page, "text/html") == page
    cut = body_record("x y\n" * (TEXT_LIMIT // 4) + "!", "text/plain")
    assert cut["oversized"]["bytes"] == TEXT_LIMIT + 1 and len(cut["head"]) == 256
    rows = json.dumps([{"n": i} for i in range(300)])
    assert len(body_record(rows, "application/json")) == 201  # lists cut at 200 items, as before
    image = body_record(PNG, "image/png")
    assert image == {
        "binary": {"sha256": hashlib.sha256(PNG).hexdigest(), "bytes": len(PNG)},
        "content_type": "image/png",
    }
    huge_image = body_record(PNG * (RAW_LIMIT // len(PNG) + 1), "image/png")
    assert huge_image["head_hex"] == PNG[:32].hex() and "head" not in huge_image


# ---- streamed answers ----------------------------------------------------------------------------
def test_endless_event_stream_is_recorded_without_reading_it(server, recorder):
    started = time.monotonic()
    with recorder.session() as http:
        answer = http.get(server + "/events", stream=True, timeout=5)
        assert time.monotonic() - started < 2
        exchange = only_exchange(recorder)
        assert exchange["response"]["status"] == 200
        assert exchange["response"]["headers"]["Content-Type"] == "text/event-stream"
        assert exchange["response"]["body"] == {"streamed": True}
        events = recorder.stream("sse")
        for line in answer.iter_lines(decode_unicode=True):
            if line.startswith("data: "):
                events.record(json.loads(line[len("data: ") :]))
            if events.count == 3:
                break
        answer.close()
    files = written(recorder)
    lines = [json.loads(x) for x in files["evidence/a_check/sse.jsonl"].splitlines()]
    assert [line["event"]["n"] for line in lines] == [1, 2, 3]
    assert all(line["event"]["token"] == "***" and line["at"].endswith("+00:00") for line in lines)
    assert time.monotonic() - started < 5


def test_event_stream_content_type_alone_is_not_read_by_the_recorder(server, recorder):
    with recorder.session() as http:
        answer = http.get(server + "/events?count=3", timeout=5)  # finite: requests reads it
    assert answer.text.count("event: heartbeat") == 3
    assert only_exchange(recorder)["response"]["body"] == {"streamed": True}


def test_stream_log_keeps_at_most_its_limit(recorder):
    log = recorder.stream("samples", limit=2)
    for n in range(5):
        log.record({"n": n, "latency_ms": 12.5})
    text = written(recorder)["evidence/a_check/samples.jsonl"]
    lines = [json.loads(x) for x in text.splitlines()]
    assert [line.get("event", {}).get("n") for line in lines[:2]] == [0, 1]
    assert lines[2]["dropped"] == 3 and lines[2]["kept"] == 2 and len(lines) == 3
    with pytest.raises(ValueError, match="closed"):
        log.record({"n": 9})


# ---- failed exchanges ----------------------------------------------------------------------------
def test_hang_past_the_timeout_is_recorded(server, recorder):
    started = time.monotonic()
    with recorder.session() as http, pytest.raises(requests.Timeout):
        http.get(server + "/hang", timeout=0.3, headers={"Authorization": f"Bearer {TOKEN}"})
    assert time.monotonic() - started < 2
    exchange = only_exchange(recorder)
    assert exchange["request"]["method"] == "GET" and exchange["request"]["url"].endswith("/hang")
    assert exchange["request"]["headers"]["Authorization"] == "***"
    assert exchange["response"] is None
    assert exchange["error"]["type"] == "ReadTimeout"
    assert 0.3 <= exchange["error"]["waited_s"] < 2


def test_reset_before_the_answer_is_recorded(server, recorder):
    with recorder.session() as http, pytest.raises(requests.ConnectionError):
        http.get(server + "/reset-before", timeout=2)
    exchange = only_exchange(recorder)
    assert exchange["response"] is None
    assert exchange["error"]["type"] == "ConnectionError"


def test_reset_mid_answer_keeps_what_came_back(server, recorder):
    with recorder.session() as http, pytest.raises(requests.RequestException) as caught:
        http.get(server + "/reset-during", timeout=2)
    exchange = only_exchange(recorder)
    assert exchange["response"]["status"] == 200  # the headers did come back
    assert exchange["response"]["headers"]["Content-Length"] == "100000"
    assert "body" not in exchange["response"]
    assert exchange["error"]["type"] == type(caught.value).__name__


def test_a_probe_that_times_out_fails_with_its_exchange_as_evidence(server, recorder):
    client = ApiClient(server, recorder.session(), timeout=0.3)
    with pytest.raises(ProtocolViolation, match=r"no complete answer within 0\.3 s"):
        client.request("GET", "/hang")
    assert "evidence/a_check/exchanges.json" in written(recorder)
    assert recorder.exchanges[0]["error"]["type"] == "ReadTimeout"


# ---- files ---------------------------------------------------------------------------------------
def test_attached_files_are_copied_typed_and_listed(tmp_path, recorder):
    trace = tmp_path / "trace.zip"
    trace.write_bytes(b"PK\x03\x04 trace")
    shot = recorder.attach_file("screenshot.png", PNG)
    again = recorder.attach_file("screenshot.png", PNG + b"2")
    copied = recorder.attach_file("trace.zip", trace)
    sheet = recorder.attach_file("roster.xlsx", b"PK\x03\x04 xlsx")
    csv = recorder.attach_file("stats", b"n,p95\n1,20\n", content_type="text/csv")
    assert again.name == "screenshot-2.png" and shot.read_bytes() == PNG
    assert copied.read_bytes() == trace.read_bytes()
    assert recorder.content_type(shot) == "image/png"
    assert recorder.content_type(copied) == "application/zip"
    assert recorder.content_type(sheet).endswith("spreadsheetml.sheet")
    assert recorder.content_type(csv) == "text/csv"
    assert sorted(written(recorder)) == [
        f"evidence/a_check/{n}"
        for n in ("roster.xlsx", "screenshot-2.png", "screenshot.png", "stats", "trace.zip")
    ]


@pytest.mark.parametrize("name", ["../escape.png", "a/b.png", "", ".."])
def test_evidence_names_stay_inside_the_check_folder(recorder, name):
    with pytest.raises(ValueError, match="plain file name"):
        recorder.attach_file(name, b"x")


# ---- redaction -----------------------------------------------------------------------------------
def test_no_password_or_token_reaches_any_evidence_file(server, recorder):
    secret_headers = {"Authorization": f"Bearer {TOKEN}", "X-Platform-Key": TOKEN}
    with recorder.session() as http:
        http.post(
            server + "/login",
            json={"username": "u", "password": PASSWORD, "api_key": TOKEN},
            headers=secret_headers,
            timeout=5,
        )
        http.get(server + "/big.json", headers=secret_headers, timeout=10)
        http.get(server + "/image", timeout=5)
        with pytest.raises(requests.Timeout):
            http.post(server + "/hang", json={"password": PASSWORD}, timeout=0.3)
        events = f"{server}/events?count=3&token={TOKEN}"
        http.get(events, headers={"Cookie": f"s={TOKEN}"}, timeout=5)
    recorder.attach_json(
        "login",
        {
            "password": PASSWORD,
            "nested": [{"admin_token": TOKEN}],
            # a finding quoting an answer as Python prints it, and a URL in a sentence
            "received": [f"logged in: {{'token': '{TOKEN}', 'login_id': 'lgn'}}"],
            "note": f"streamed from /events?token={TOKEN}&n=1",
        },
    )
    recorder.stream("events").record({"token": TOKEN, "n": 1})
    files = written(recorder)
    assert len(files) == 3 and len(recorder.exchanges) == 5
    for path, data in files.items():
        text = data.decode("utf-8")
        assert PASSWORD not in text and TOKEN not in text, path
    exchanges = json.loads(files["evidence/a_check/exchanges.json"])
    assert exchanges[0]["request"]["body"]["password"] == "***"
    assert exchanges[0]["response"]["headers"]["Set-Cookie"] == "***"
    assert exchanges[2]["response"]["body"]["binary"]["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert exchanges[4]["request"]["url"].endswith("/events?count=3&token=***")


def test_the_exchange_log_is_one_json_array_with_an_exchange_per_line() -> None:
    entries = [
        {"n": 1, "request": {"url": "/a", "body": {"name": "张三"}}, "response": None},
        {"n": 2, "at": dt.datetime(2026, 12, 6, 9, 0, tzinfo=dt.UTC), "multi": "line\nbreak"},
    ]
    text = exchanges_text(entries)
    lines = text.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == 4
    assert "张三" in lines[1], "names stay readable, not \\u-escaped"
    parsed = json.loads(text)
    assert parsed[0] == entries[0]
    assert parsed[1]["at"] == "2026-12-06 09:00:00+00:00" and parsed[1]["multi"] == "line\nbreak"
    assert json.loads(exchanges_text([])) == []
