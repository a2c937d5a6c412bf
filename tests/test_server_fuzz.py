"""A bounded sample of `make fuzz` (bench/fuzz.py) on a server of its own: every hostile
request gets an answer, none a 5xx but the documented 503s, and no worker dies. The
refusals the intake answers by itself (not HTTP, headers or body too large) are checked
one by one, since each used to reset the connection or wait for a timeout."""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path

import pytest
from conftest import start_serve

from hcckg.bench import fuzz

SAMPLE = 600


@pytest.fixture(scope="module")
def fuzzed_server(built_settings, tmp_path_factory):
    """The real build (every page and named query has data), served with a 2 s time limit."""
    served = start_serve(built_settings.store, tmp_path_factory.mktemp("fuzz"), HCCKG_MAX_ROWS="10000")
    yield served
    served.stop()


def _master(url: str) -> int:
    with urllib.request.urlopen(url + "/health", timeout=10) as answer:
        worker = json.loads(answer.read())["process"]
    return int(Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()[1])


@pytest.mark.slow
def test_a_sample_of_the_fuzz_gets_no_5xx_no_hang_and_kills_no_worker(fuzzed_server):
    report = fuzz.run(
        fuzzed_server.url, _master(fuzzed_server.url), requests=SAMPLE, seed=2026, query_timeout=2.0,
        log=fuzzed_server.log,
    )  # fmt: skip
    assert report.sent == SAMPLE
    assert not report.unexpected, report.summary()
    assert not report.hangs and not report.dead, report.summary()
    assert report.statuses["no answer"] == 0, report.summary()
    assert urllib.request.urlopen(fuzzed_server.url + "/health", timeout=10).status == 200


def _raw(url: str, request: bytes) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    outcome = fuzz.send((host, int(port)), request, timeout=15)
    assert outcome.status is not None, outcome.error
    return outcome.body


@pytest.mark.parametrize(
    ("request_bytes", "status"),
    [
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(60)), b"400"),
        (b"GET /health HTTP/1.1\nHost: x\n\n", b"400"),
        (b"GET /sparql?query=" + b"a" * 200_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", b"431"),
        (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\r\nASK {}", b"413"),
        (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nASK {}\r\n0\r\n\r\n", b"400"),
        (b'GET /sparql?query=SELECT%20(%22%5CUFFFFFFFF%22%20AS%20%3Fx)%20%7B%7D HTTP/1.1\r\nHost: x\r\n\r\n', b"400"),
    ],
)  # fmt: skip
def test_framing_the_parser_cannot_use_gets_a_plain_4xx(fuzzed_server, request_bytes, status):
    answer = _raw(fuzzed_server.url, request_bytes)
    assert answer.startswith(b"HTTP/1.1 " + status), answer[:200]


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad\x00: 1\r\n\r\n",
        b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nContent-Length: 7\r\n\r\nASK {}",
    ],
)
def test_what_gunicorns_parser_refuses_is_answered_in_plain_text(fuzzed_server, request_bytes):
    head, _, body = _raw(fuzzed_server.url, request_bytes).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 400 ") and b"Content-Type: text/plain" in head, head
    assert b"<html>" not in body and body.strip()


def test_a_client_still_sending_a_refused_request_reads_the_refusal(fuzzed_server):
    """The refusal is sent while 2 MB of URL are still arriving: the server reads and drops
    the rest instead of closing at once, which would reset the connection under the answer."""
    host, port = fuzzed_server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=15) as sock:
        sock.sendall(b"GET /sparql?query=" + b"a" * 2_000_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(4096).startswith(b"HTTP/1.1 431 ")
