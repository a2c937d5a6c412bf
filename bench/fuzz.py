"""``make fuzz``: thousands of generated hostile requests against a live ``hcckg serve``.

Each request is written byte by byte on a raw socket (so framing can be broken too):
malformed SPARQL (mutated named queries), deep nesting, huge VALUES, regex bombs, SERVICE
and LOAD spellings, invalid UTF-8, bad percent-encoding, odd Accept / Content-Type /
Content-Length, broken chunking, bad headers, path traversal, page paths that make no IRI,
odd methods and bad named-query parameters. The run prints the distribution of statuses,
the worker restarts (workers that retired after a stopped query), the dead workers (killed
by a signal or exiting non-zero, read from gunicorn's log), the hangs (no complete answer
within the time limit + ``HANG_MARGIN``) and the peak resident size of the server's
processes; it fails on any 5xx but the documented 503s, any dead worker and any hang.

``python -m hcckg.bench.fuzz --requests 10000`` builds nothing: it serves ``HCCKG_STORE``
(``make fuzz`` builds it first). tests/test_server_fuzz.py runs a bounded sample.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import random
import re
import socket
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hcckg.server.intake import COMPLETE, state

HANG_MARGIN = 15.0  # seconds beyond the query time limit before a request counts as hung
DOCUMENTED_503 = ("time limit", "memory limit", "no store", "does not answer")
_DEAD = re.compile(r"Worker \(pid:(\d+)\) (was sent (SIG\w+)|exited with code (\d+))")
QUERIES_DIR = Path(__file__).resolve().parents[1] / "queries"


@dataclass
class Outcome:
    status: int | None  # None: no answer (hang or connection reset)
    body: bytes = b""
    error: str = ""


@dataclass
class Report:
    sent: int = 0
    statuses: collections.Counter = field(default_factory=collections.Counter)
    unexpected: list[tuple[str, str]] = field(default_factory=list)  # (request, why)
    hangs: list[str] = field(default_factory=list)
    resets: int = 0
    restarts: int = 0
    dead: list[str] = field(default_factory=list)
    peak_rss_mib: float = 0.0  # all the server's processes together, sampled
    peak_process_mib: float = 0.0  # the largest one process reached (VmHWM), when known
    seconds: float = 0.0

    def ok(self) -> bool:
        return not (self.unexpected or self.hangs or self.dead)

    def summary(self) -> str:
        lines = [f"fuzz: {self.sent} hostile requests in {self.seconds:.0f} s"]
        lines.append(
            "  statuses: " + ", ".join(f"{k}: {v}" for k, v in sorted(self.statuses.items(), key=str))
        )
        lines.append(
            f"  unexpected 5xx: {len(self.unexpected)}, hangs: {len(self.hangs)}, resets: {self.resets}"
        )
        lines.append(
            f"  worker restarts (retired after a stopped query): {self.restarts}, dead workers: {len(self.dead)}"
        )
        lines.append(
            f"  peak resident size: {self.peak_rss_mib:.0f} MiB for master and workers together, "
            f"{self.peak_process_mib:.0f} MiB for the largest process"
        )
        for request, why in self.unexpected[:10]:
            lines.append(f"  UNEXPECTED {why}: {request[:160]!r}")
        lines += [f"  HANG: {r[:160]!r}" for r in self.hangs[:10]]
        lines += [f"  DEAD: {d}" for d in self.dead[:10]]
        return "\n".join(lines)


# -- generating requests ---------------------------------------------------------------------


def _named_queries() -> list[str]:
    texts = [p.read_text() for p in sorted(QUERIES_DIR.glob("*.rq"))]
    return [t for t in texts if "{" in t] or ["SELECT * WHERE { ?s ?p ?o } LIMIT 1"]


def _mutate(rng: random.Random, text: str) -> str:
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(text) + 1)
        choice = rng.randrange(6)
        if choice == 0:
            text = text[:i]
        elif choice == 1:
            text = (
                text[:i]
                + rng.choice(["{", "}", "(", ")", '"', "'", "<", "\\", "#", "\x00", "\ufffd", "?"])
                + text[i:]
            )
        elif choice == 2:
            text = text[:i] + text[rng.randrange(len(text) + 1) :]
        elif choice == 3:
            text = (
                text[:i] + rng.choice(["\\u0000", "\\UFFFFFFFF", "\\U0010FFFF", "\\ud800", "\\u"]) + text[i:]
            )
        elif choice == 4:
            text = (
                text[:i]
                + rng.choice([" SERVICE <http://127.0.0.1:9/> {} ", " LOAD <http://127.0.0.1:9/> "])
                + text[i:]
            )
        else:
            text = text[:i] + text[i:][::-1]
    return text


def _deep(rng: random.Random) -> str:
    n = rng.choice([10, 60, 70, 500, 2300, 5000, 20000])
    kind = rng.randrange(6)
    if kind == 0:
        return "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n
    if kind == 1:
        return "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * n + "?o" + ")" * n + ") }"
    if kind == 2:
        return "SELECT * WHERE { ?s ?p ?o FILTER(" + "+".join(["1"] * n) + " > 0) }"
    if kind == 3:
        return "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * n) + " }"
    if kind == 4:
        return "SELECT * WHERE { ?s " + "/".join(["<http://e/p>"] * min(n, 400)) + " ?o }"
    return "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?b{i})" for i in range(n)) + " }"


def _values(rng: random.Random) -> str:
    n = rng.choice([1000, 10_000, 60_000, 200_000])
    return "SELECT * WHERE { VALUES ?x { " + " ".join(str(i) for i in range(n)) + " } } LIMIT 5"


REGEX_BOMBS = ["(a+)+$", "(a|aa)*b", "(.*){1,32000}", "a{1000}{1000}", "((((((((a*)*)*)*)*)*)*)*)", "[", "\\"]


def _regex(rng: random.Random) -> str:
    pattern = rng.choice(REGEX_BOMBS).replace("\\", "\\\\")
    return f'SELECT ?s WHERE {{ ?s ?p ?o FILTER(REGEX(STR(?o), "{pattern}")) }} LIMIT 10'


def _sparql(rng: random.Random, named: list[str]) -> str:
    kind = rng.randrange(8)
    if kind <= 2:
        return _mutate(rng, rng.choice(named))
    if kind == 3:
        return _deep(rng)
    if kind == 4:
        return _values(rng) if rng.random() < 0.3 else _regex(rng)
    if kind == 5:
        return rng.choice(
            [
                'SELECT ("\\UFFFFFFFF" AS ?x) {}',
                "PREFIX ex: <http://e/>\nASK { ?s ?p ex:a\\# } SERVICE <http://127.0.0.1:9/> { ?x ?y ?z }",
                "SERVICE:a { ?s ?p ?o }",
                "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }",
                "LOAD <http://127.0.0.1:9/>",
                "SELECT * WHERE { ?s ?p ?o } LIMIT 99999999999999999999",
                "SELECT (STRDT('1', <http://www.w3.org/2001/XMLSchema#integer>) + 'x' AS ?y) {}",
                "DESCRIBE ?s WHERE { ?s ?p ?o }",
                "CONSTRUCT WHERE { ?s ?p ?o }",
            ]
        )
    if kind == 6:  # a cross product: runs into the time limit, and the worker retires
        if rng.random() < 0.04:
            return "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        return "SELECT * WHERE { ?s ?p ?o } LIMIT 3"
    return "".join(chr(rng.randrange(1, 0x2FF)) for _ in range(rng.randint(0, 80)))


def _quote(text: str, rng: random.Random) -> str:
    """Percent-encoded, sometimes badly (a stray %, a truncated escape, raw bytes)."""
    encoded = urllib.parse.quote(text, safe="")
    trick = rng.randrange(6)
    if trick == 0:
        return encoded + rng.choice(["%", "%f", "%zz", "%ff%fe", "%c0%af", "%ed%a0%80"])
    return encoded


def _request(method: str, target: str, headers: list[tuple[str, str]], body: bytes = b"") -> bytes:
    head = f"{method} {target} HTTP/1.1\r\n".encode("latin-1", "replace")
    head += b"Host: fuzz\r\n" + b"".join(f"{k}: {v}\r\n".encode("latin-1", "replace") for k, v in headers)
    return head + b"\r\n" + body


ACCEPTS = [
    "*/*",
    "text/html",
    "application/sparql-results+json",
    "text/turtle;q=x",
    ";;;,,,",
    "text/*;q=0.5, */*;q=0.1, application/xml;q=1.1",
    "a" * 5000,
    "application/sparql-results+xml, text/csv;q=0",
]
PATHS = [
    "/resource/a%20b", "/resource/%ff", "/resource/%22", "/resource/%7B", "/graph/%3C", "/ontology/%5C",
    "/resource/drug/x%00", "/dumps/../../etc/passwd", "/dumps/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/static/../server/__init__.py", "/static/%2e%2e/pages.py", "//etc/passwd", "/resource/" + "a" * 5000,
    "/api/queries/..%2f..%2f", "/api/queries/trials?drug=%ff", "/api/queries/trials?drug=<script>",
    "/api/queries/trials?target=" + "x" * 3000, "/api/queries/trials?phase=-1&phase=99", "/api/queries/nope",
    "/api/queries/trials_for_patient?prior=%00", "/api/queries/search?text=(a%2B)%2B%24", "/.well-known/void?format=%ff",
    "/sparql?query=&query=", "/sparql?format=nonsense&query=ASK%7B%7D", "/health?x=%zz", "/%ff%fe", "/ontology/hcckg.%ff",
]  # fmt: skip


def generate(rng: random.Random, named: list[str]) -> bytes:
    """One hostile request."""
    kind = rng.randrange(10)
    accept = [("Accept", rng.choice(ACCEPTS))] if rng.random() < 0.5 else []
    if kind <= 3:
        return _request("GET", "/sparql?query=" + _quote(_sparql(rng, named), rng), accept)
    if kind == 4:
        body = ("query=" + _quote(_sparql(rng, named), rng)).encode()
        return _request(
            "POST",
            "/sparql",
            [
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Content-Length", str(len(body))),
                *accept,
            ],
            body,
        )
    if kind == 5:
        body = _sparql(rng, named).encode("utf-8", "surrogatepass")
        if rng.random() < 0.3:
            body += rng.choice([b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\x00"])
        ctype = rng.choice(
            [
                "application/sparql-query",
                "application/sparql-query; charset=latin-1",
                "text/plain",
                "",
                "application/sparql-update",
                "multipart/form-data; boundary=x",
            ]
        )
        return _request(
            "POST", "/sparql", [("Content-Type", ctype), ("Content-Length", str(len(body))), *accept], body
        )
    if kind == 6:  # broken framing
        body = b"ASK {}"
        return rng.choice(
            [
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Transfer-Encoding", "chunked")],
                    b"zz\r\nASK {}\r\n0\r\n\r\n",
                ),
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Transfer-Encoding", "chunked")],
                    b"-5\r\nASK {}\r\n0\r\n\r\n",
                ),
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Transfer-Encoding", "chunked")],
                    b"ffffffffffffffffff\r\nASK\r\n0\r\n\r\n",
                ),
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Content-Length", "-1")],
                    body,
                ),
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Content-Length", "abc")],
                    body,
                ),
                _request(
                    "POST",
                    "/sparql",
                    [
                        ("Content-Type", "application/sparql-query"),
                        ("Content-Length", "6"),
                        ("Content-Length", "7"),
                    ],
                    body,
                ),
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Content-Length", "999999999999")],
                    body,
                ),
                _request(
                    "POST",
                    "/sparql",
                    [("Content-Type", "application/sparql-query"), ("Transfer-Encoding", "gzip, chunked")],
                    b"6\r\nASK {}\r\n0\r\n\r\n",
                ),
                _request(
                    "POST",
                    "/sparql",
                    [
                        ("Content-Type", "application/sparql-query"),
                        ("Content-Length", "6"),
                        ("Transfer-Encoding", "chunked"),
                    ],
                    b"6\r\nASK {}\r\n0\r\n\r\n",
                ),
            ]
        )
    if kind == 7:  # bad headers
        return rng.choice(
            [
                b"GET /health HTTP/1.1\r\nHost: x\r\nX-Bad\x00: 1\r\n\r\n",
                b"GET /health HTTP/1.1\r\nHost: x\r\n folded: header\r\n\r\n",
                b"GET /health HTTP/1.1\r\nHost: x\r\n" + b"X-Long: " + b"a" * 20000 + b"\r\n\r\n",
                b"GET /health HTTP/1.1\r\nHost: x\r\n"
                + b"".join(b"X-%d: 1\r\n" % i for i in range(300))
                + b"\r\n",
                b"GET /health HTTP/9.9\r\nHost: x\r\n\r\n",
                b"GET /health\r\n\r\n",
                b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03"
                + bytes(rng.randrange(256) for _ in range(60)),
                b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
                b"GET /health HTTP/1.1\r\nHost: x\r\nAccept: \xff\xfe\r\n\r\n",
                b"GET /health HTTP/1.1\nHost: x\n\n",
            ]
        )
    if kind == 8:
        method = rng.choice(["PUT", "DELETE", "OPTIONS", "TRACE", "PATCH", "FOO", "G\x00T", "CONNECT"])
        return _request(
            method, rng.choice(["/sparql", "/", "/resource/drug/x", "*"]), accept + [("Content-Length", "0")]
        )
    return _request("GET", rng.choice(PATHS), accept)


# -- sending and watching ---------------------------------------------------------------------


def send(address: tuple[str, int], request: bytes, timeout: float) -> Outcome:
    """Send one request and read the whole answer (until the server closes)."""
    try:
        with socket.create_connection(address, timeout=timeout) as sock:
            sock.settimeout(timeout)
            deadline = time.monotonic() + timeout
            sock.sendall(request.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
            data = b""
            while time.monotonic() < deadline:
                chunk = sock.recv(65536)
                if not chunk or len(data) > 8 * 2**20:
                    break
                data += chunk
                if state(data) == COMPLETE:  # a whole answer (framed as a request would be)
                    break
            else:
                return Outcome(None, data, "hang")
    except TimeoutError:
        return Outcome(None, b"", "hang")
    except OSError as err:
        return Outcome(None, b"", f"reset: {err}")
    match = re.match(rb"HTTP/1\.[01] (\d{3})", data)
    if not match:
        return Outcome(None, data, "reset: no status line" if not data else "garbled answer")
    return Outcome(int(match.group(1)), data)


def _server_processes(master: int) -> list[int]:
    try:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    except FileNotFoundError:
        return []
    return [master, *map(int, children)]


def _rss_mib(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        with contextlib.suppress(FileNotFoundError, IndexError, ValueError):
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return total / 2**20


def run(
    base: str,
    master: int,
    *,
    requests: int,
    seed: int,
    query_timeout: float,
    log: Path | None = None,
    threads: int = 8,
    progress: Callable[[str], None] = lambda _m: None,
    sample: Callable[[], None] = lambda: None,
) -> Report:
    """Send ``requests`` generated requests to the server at ``base`` (its master ``master``)."""
    parts = urllib.parse.urlsplit(base)
    address = (parts.hostname or "127.0.0.1", parts.port or 80)
    rng = random.Random(seed)
    named = _named_queries()
    batch = [generate(rng, named) for _ in range(requests)]
    report = Report(sent=requests)
    seen_workers: set[int] = set(_server_processes(master)[1:])
    initial = len(seen_workers)
    lock = threading.Lock()
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            pids = _server_processes(master)
            with lock:
                seen_workers.update(pids[1:])
                report.peak_rss_mib = max(report.peak_rss_mib, _rss_mib(pids))
            sample()
            time.sleep(0.1)

    def work(items: Iterator[bytes]) -> None:
        for request in items:
            outcome = send(address, request, query_timeout + HANG_MARGIN)
            with lock:
                _record(report, request, outcome)
                count = sum(report.statuses.values())
            if count % 1000 == 0:
                progress(f"{count} requests sent")

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    started = time.monotonic()
    shared = iter(batch)
    lock_iter = threading.Lock()

    def items() -> Iterator[bytes]:
        while True:
            with lock_iter:
                request = next(shared, None)
            if request is None:
                return
            yield request

    workers = [threading.Thread(target=work, args=(items(),)) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    time.sleep(0.5)
    done.set()
    watcher.join()
    report.seconds = time.monotonic() - started
    report.restarts = len(seen_workers) - initial
    if log is not None and log.exists():
        for match in _DEAD.finditer(log.read_text(errors="replace")):
            if match.group(3) != "SIGTERM":  # gunicorn's own stop of a worker at shutdown
                report.dead.append(match.group(0))
    return report


def _record(report: Report, request: bytes, outcome: Outcome) -> None:
    if outcome.status is None:
        if outcome.error == "hang":
            report.hangs.append(request.decode("latin-1"))
            report.statuses["hang"] += 1
        else:
            report.resets += 1
            report.statuses["no answer"] += 1
        return
    report.statuses[outcome.status] += 1
    if outcome.status >= 500:
        body = outcome.body.split(b"\r\n\r\n", 1)[-1].decode("utf-8", "replace")
        if not (outcome.status == 503 and any(reason in body for reason in DOCUMENTED_503)):
            report.unexpected.append((request.decode("latin-1"), f"{outcome.status} {body[:120]}"))


# -- the command ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hcckg.bench.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--timeout", type=float, default=2.0, help="the server's query time limit (s)")
    parser.add_argument("--output", default="", help="write the report as JSON here too")
    args = parser.parse_args(argv)
    from hcckg.bench.servers import hcckg_server
    from hcckg.ground.settings import load_settings

    store = load_settings().store_path
    server = hcckg_server(store, workers=2, threads=4, timeout=args.timeout)
    server.env["HCCKG_MAX_ROWS"] = "10000"
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"hcckg-fuzz-{os.getpid()}.log"
    server.start(log)
    assert server.process is not None
    try:
        report = run(
            f"http://127.0.0.1:{server.port}", server.process.pid, requests=args.requests, seed=args.seed,
            query_timeout=args.timeout, log=log, progress=lambda m: print(m, file=sys.stderr, flush=True),
            sample=server.sample_rss,
        )  # fmt: skip
        alive = server._answers()
    finally:
        server.stop()
    report.peak_process_mib = max(server.peak_rss.values(), default=0) / 1024
    print(report.summary())
    print(f"  server alive after the run: {alive}; its log: {log}")
    if args.output:
        Path(args.output).write_text(json.dumps(report.__dict__, default=str, indent=1))
    return 0 if report.ok() and alive else 1


if __name__ == "__main__":
    sys.exit(main())
