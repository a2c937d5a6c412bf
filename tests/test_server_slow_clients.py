"""Slow clients cannot starve the server: a request reaches a thread only once it has
arrived (server/intake.py), one that does not arrive in time gets a 408, and /health
answers meanwhile. Plus property tests of where the intake thinks a request ends."""

from __future__ import annotations

import http.client
import socket
import time
import urllib.parse

from hypothesis import given, settings
from hypothesis import strategies as st

from hcckg.server import intake


@st.composite
def requests(draw) -> tuple[bytes, int]:
    """A well-formed HTTP/1.1 request (Content-Length, chunked or no body) and its length."""
    body = draw(st.binary(max_size=300))
    framing = draw(st.sampled_from(["length", "chunked", "none"]))
    extra = draw(st.lists(st.sampled_from([b"Accept: */*", b"X-A: 1", b"User-Agent: x"]), max_size=3))
    head = [b"POST /sparql HTTP/1.1", b"Host: h", *extra]
    if framing == "none":
        head[0], body = b"GET /health HTTP/1.1", b""
        payload = b""
    elif framing == "length":
        head.append(b"Content-Length: %d" % len(body))
        payload = body
    else:
        head.append(b"Transfer-Encoding: chunked")
        cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=4)))
        parts = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True) if b > a]
        payload = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"
    message = b"\r\n".join(head) + b"\r\n\r\n" + payload
    return message, len(message)


@settings(max_examples=300, deadline=None)
@given(request=requests(), data=st.data())
def test_a_request_is_complete_exactly_when_all_of_it_has_arrived(request, data):
    message, _ = request
    assert intake.state(message) == intake.COMPLETE
    cut = data.draw(st.integers(0, len(message) - 1))
    assert intake.state(message[:cut]) == intake.PARTIAL


def test_broken_framing_is_seen_at_once_not_waited_for():
    head = b"POST /sparql HTTP/1.1\r\nHost: h\r\n"
    assert intake.state(head + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc") == intake.MALFORMED
    assert intake.state(head + b"Content-Length: -1\r\n\r\n") == intake.MALFORMED
    assert intake.state(head + b"Content-Length: 1\r\nContent-Length: 2\r\n\r\nab") == intake.MALFORMED
    assert intake.state(head + b"Content-Length: 99999999999\r\n\r\n") == intake.TOO_LARGE
    assert intake.state(b"GET / HTTP/1.1\n\n") == intake.NOT_HTTP  # answered 400 by the intake
    assert intake.state(b"\x16\x03\x01\x02\x00") == intake.NOT_HTTP  # a TLS hello


# -- the live server -----------------------------------------------------------------------


def _health(netloc: str, timeout: float) -> int:
    conn = http.client.HTTPConnection(netloc, timeout=timeout)
    try:
        conn.request("GET", "/health")
        return conn.getresponse().status
    finally:
        conn.close()


def _slowloris(host: str, port: int, n: int) -> list[socket.socket]:
    """``n`` connections: half send a body of 6 of the 100 bytes announced, half stop
    in the middle of their headers; then all wait."""
    held = []
    for i in range(n):
        sock = socket.create_connection((host, port))
        if i % 2:
            sock.sendall(
                b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
                b"Content-Length: 100\r\n\r\nASK {"
            )
        else:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        held.append(sock)
    return held


def test_64_slow_clients_leave_health_answering_within_a_second(live_server):
    address = urllib.parse.urlsplit(live_server)
    held = _slowloris(address.hostname, address.port, 64)
    try:
        time.sleep(0.5)  # the workers have taken them all in
        # Each probe must be answered within the bound of 1 s (the client gives up then).
        statuses = [_health(address.netloc, timeout=1.0) for _ in range(20)]
        assert statuses == [200] * 20
    finally:
        for sock in held:
            sock.close()


def test_a_request_that_does_not_arrive_in_time_gets_a_408(live_server):
    address = urllib.parse.urlsplit(live_server)
    held = _slowloris(address.hostname, address.port, 2)
    sock = held[1]  # the one with a partial body
    sock.settimeout(intake.READ_TIMEOUT + 20)
    try:
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    finally:
        for each in held:
            each.close()
    assert answer.startswith(b"HTTP/1.1 408 ") and b"did not arrive" in answer
