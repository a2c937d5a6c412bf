"""Taking requests in without letting a slow client hold a thread.

gunicorn's gthread worker hands a connection to a pool thread as soon as it is readable,
and that thread then blocks reading the rest of the request: 16 clients that sent half a
body held every thread, and /health timed out for as long as they waited. granian 2.8.7
was measured too (issue 18 will choose the server): its hyper front end times out slow
headers, but its WSGI threads block on slow bodies just the same (64 connections that sent
6 of 100 body bytes: every /health probe timed out after 5 s). So the request is read here,
by the worker's event loop, with non-blocking reads, and goes to a thread only once it is
complete (:func:`state`), too large, or malformed (then gunicorn's parser answers 400 from
what is buffered). A request that is not complete ``READ_TIMEOUT`` seconds after its
connection opened (or, on a kept-alive connection, after its first byte) is answered 408
and closed. Idle and slow connections cost the loop a file descriptor, never a thread.

:func:`state` only finds where a request ends (the header block, then ``Content-Length``
bytes or the chunked framing); it does not interpret anything: gunicorn parses the same
bytes again, and anything it would refuse is handed to it as soon as it is seen.
"""

from __future__ import annotations

import re

READ_TIMEOUT = 10.0  # seconds for the whole request (headers and body) to arrive
MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 4 * 2**20  # also Flask's MAX_CONTENT_LENGTH: a larger body gets a 413
RECV_BYTES = 256 * 1024
DRAIN_SECONDS = 2.0  # how long a refused request's remaining bytes are read and dropped

COMPLETE, PARTIAL, MALFORMED, TOO_LARGE = "complete", "partial", "malformed", "too large"
NOT_HTTP = "not HTTP"  # answered 400 by the intake itself: no parser would make sense of it
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
# How a request line starts: a method (an RFC 9110 token), then a space.
_METHOD = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,32}(?: |$)")


def state(data: bytes) -> str:
    """Whether ``data`` (the bytes received so far on a connection) holds a whole request."""
    if data and not _METHOD.match(data[:33]):
        return NOT_HTTP  # a TLS hello, binary noise: it will never become a request
    end = data.find(b"\r\n\r\n")
    if end < 0:
        first = data.find(b"\n")
        if first >= 0 and data[first - 1 : first] != b"\r":
            return NOT_HTTP  # bare line ends: HTTP/1.1 asks for CRLF, and the parser waits for one
        return PARTIAL if len(data) <= MAX_HEADER_BYTES else TOO_LARGE
    if end > MAX_HEADER_BYTES:
        return TOO_LARGE
    length: int | None = None
    chunked = False
    for line in data[:end].split(b"\r\n")[1:]:
        name, colon, value = line.partition(b":")
        if not colon:
            return MALFORMED
        name = name.strip().lower()
        if name == b"content-length":
            text = value.strip()
            if not text.isdigit() or (length is not None and int(text) != length):
                return MALFORMED
            length = int(text)
        elif name == b"transfer-encoding":
            chunked = chunked or b"chunked" in value.lower()
    if chunked:
        return MALFORMED if length is not None else _chunked(data, end + 4)
    if length is None:
        return COMPLETE
    if length > MAX_BODY_BYTES:
        return TOO_LARGE
    return COMPLETE if len(data) - (end + 4) >= length else PARTIAL


def _chunked(data: bytes, pos: int) -> str:
    body = 0
    while True:
        line_end = data.find(b"\r\n", pos)
        if line_end < 0:
            return PARTIAL if len(data) - pos <= 1024 else MALFORMED
        size_text = data[pos:line_end].split(b";", 1)[0].strip()
        if not _HEX.fullmatch(size_text):
            return MALFORMED
        size = int(size_text, 16)
        if size == 0:  # the last chunk: then trailer fields, ended by an empty line
            rest = data[line_end + 2 :]
            return COMPLETE if rest.startswith(b"\r\n") or b"\r\n\r\n" in rest else PARTIAL
        body += size
        if body > MAX_BODY_BYTES:
            return TOO_LARGE
        pos = line_end + 2 + size + 2
        if pos > len(data):
            return PARTIAL
        if data[pos - 2 : pos] != b"\r\n":
            return MALFORMED


def _answer(status: str, message: str) -> bytes:
    body = f"{status.split(' ', 1)[1]}: {message}\n".encode()
    return (
        f"HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\n".encode()
        + b"Connection: close\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


def timeout_answer() -> bytes:
    return _answer("408 Request Timeout", f"the request did not arrive within {READ_TIMEOUT:g} s")


def refusal(got: str, data: bytes) -> bytes | None:
    """The intake's own answer to a request in state ``got``, or None to hand it on."""
    if got == NOT_HTTP:
        return not_http_answer()
    if got == TOO_LARGE:
        if data.find(b"\r\n\r\n") < 0 or data.find(b"\r\n\r\n") > MAX_HEADER_BYTES:
            return _answer(
                "431 Request Header Fields Too Large",
                f"the request line and headers exceed {MAX_HEADER_BYTES // 1024} KiB; send a long query by POST",
            )
        return _answer("413 Content Too Large", f"the request body exceeds {MAX_BODY_BYTES // 2**20} MiB")
    return None


def not_http_answer() -> bytes:
    return _answer(
        "400 Bad Request", "this is not an HTTP/1.1 request (a method, a target, a version, CRLF line ends)"
    )
