"""``make fuzz``: thousands of generated hostile requests against a live ``hcckg serve``.

Each request (``bench/hostile.py``) is written as raw bytes on a socket of its own, so
framing can be broken too. The run prints the distribution of statuses,
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

from hcckg.bench.hostile import generate, named_queries
from hcckg.server.intake import COMPLETE, state

HANG_MARGIN = 15.0  # seconds beyond the query time limit before a request counts as hung
DOCUMENTED_503 = ("time limit", "memory limit", "no store", "does not answer")
_DEAD = re.compile(r"Worker \(pid:(\d+)\) (was sent (SIG\w+)|exited with code (\d+))")


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
    named = named_queries()
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
