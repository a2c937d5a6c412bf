"""The measurements: build speed, query latency, throughput under wrk, a runaway's cost.

Each function measures one thing once; bench/run.py repeats them in rounds and
alternates the systems under test so that both see the same machine state.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from hcckg.bench.servers import BIN, HOST, BenchError, Server
from hcckg.bench.workload import SELECT_JSON, Request

# -- build -------------------------------------------------------------------------------


@dataclass
class BuildRun:
    seconds: float
    peak_rss_kib: int


def _timed_child(command: list[str], log: Path) -> BuildRun:
    start = time.perf_counter()
    with log.open("ab") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise BenchError(f"{command[0]} {command[1]} failed (status {process.returncode}); see {log}")
    return BuildRun(seconds, usage.ru_maxrss)


def build_oxigraph(nquads: Path, location: Path, log: Path) -> BuildRun:
    shutil.rmtree(location, ignore_errors=True)
    return _timed_child(
        [str(BIN / "oxigraph"), "load", "--location", str(location), "--file", str(nquads)], log
    )


def build_hcckg(nquads: Path, store: Path, log: Path, graphs: list[str]) -> BuildRun:
    shutil.rmtree(store.parent, ignore_errors=True)
    return _timed_child([sys.executable, "-m", "hcckg.bench.load", str(nquads), str(store), *graphs], log)


# -- latency -----------------------------------------------------------------------------


def in_process(store: ox.Store, request: Request) -> Callable[[], int]:
    """One evaluation in this process, serialised as the servers would; returns its size."""
    if request.accept == SELECT_JSON:
        fmt = ox.QueryResultsFormat.JSON

        def run() -> int:
            return len(store.query(request.sparql, use_default_graph_as_union=True).serialize(format=fmt))
    else:

        def run() -> int:
            triples = list(store.query(request.sparql, use_default_graph_as_union=True))
            return len(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))

    return run


class Client:
    """One keep-alive HTTP connection to a server's query path."""

    def __init__(self, server: Server, timeout: float = 120.0):
        self.server = server
        self.conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout)

    def call(self, request: Request) -> tuple[int, bytes]:
        try:
            return self._call(request)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            # The server closed an idle keep-alive connection (or a retiring worker did).
            self.conn.close()
            return self._call(request)

    def _call(self, request: Request) -> tuple[int, bytes]:
        headers = {"Content-Type": "application/sparql-query", "Accept": request.accept}
        self.conn.request("POST", self.server.path, request.sparql.encode(), headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def runner(self, request: Request, *, cold: bool = False) -> Callable[[], int]:
        """One call per run; ``cold``: another text each time (a comment with the call's
        number), which no answer cache holds."""
        calls = iter(range(1 << 62))

        def run() -> int:
            asked = (
                dataclasses.replace(request, sparql=f"{request.sparql}\n# {next(calls)}") if cold else request
            )
            status, body = self.call(asked)
            if status != 200:
                raise BenchError(f"{self.server.name} answered {status} to {request.name}: {body[:200]!r}")
            return len(body)

        return run

    def close(self) -> None:
        self.conn.close()


def rows_in(body: bytes, accept: str) -> int:
    """Rows of a JSON results body or triples of an N-Triples body (to compare answers)."""
    if accept == SELECT_JSON:
        try:
            return len(json.loads(body)["results"]["bindings"])
        except (ValueError, KeyError):
            return -1  # cut short: Oxigraph streams, and its time limit ends the stream
    return sum(1 for line in body.splitlines() if line.strip())


def samples(run: Callable[[], int], *, budget: float, at_least: int = 5, at_most: int = 200) -> list[float]:
    """Seconds per call: one warm-up, then calls until ``budget`` seconds or ``at_most``."""
    run()
    out: list[float] = []
    spent = 0.0
    while len(out) < at_most and (len(out) < at_least or spent < budget):
        start = time.perf_counter()
        run()
        out.append(time.perf_counter() - start)
        spent += out[-1]
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def summary(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


# -- throughput --------------------------------------------------------------------------

_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
_ERRORS = re.compile(r"Socket errors:.*?timeout (\d+)")
_TOTAL = re.compile(r"(\d+) requests in")


def wrk_script(request: Request, directory: Path) -> Path:
    """A wrk Lua script POSTing the query (long brackets: the text needs no escaping)."""
    level = 1
    while f"]{'=' * level}]" in request.sparql:
        level += 1
    eq = "=" * level
    script = directory / f"{request.name}.lua"
    text = (
        'wrk.method = "POST"\n'
        f"wrk.body = [{eq}[{request.sparql}]{eq}]\n"
        'wrk.headers["Content-Type"] = "application/sparql-query"\n'
        f'wrk.headers["Accept"] = "{request.accept}"\n'
    )
    if request.rotate:  # cold: another trial and another text on every request
        prefix = request.sparql.split("syn-", 1)[0]
        text += (
            "counter = 0\nthreads = 0\n"
            "setup = function(thread) threads = threads + 1; thread:set('tid', threads) end\n"
            "request = function()\n  counter = counter + 1\n"
            f"  local body = string.format([{eq}[{prefix}syn-%06d> # %d-%d]{eq}], "
            f"counter % {request.rotate} + 1, tid or 0, counter)\n"
            "  return wrk.format(nil, nil, nil, body)\nend\n"
        )
    script.write_text(text)
    return script


@dataclass
class WrkRun:
    rps: float
    requests: int
    failed: int  # non-2xx answers and timeouts: a fast error must not count as throughput


def wrk(server: Server, script: Path, connections: int, duration: float) -> WrkRun:
    threads = 1 if connections == 1 else 2
    seconds = max(1, round(duration))  # wrk takes whole seconds only
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s"]
    command += ["--timeout", "30s", "-s", str(script), server.url]
    output = subprocess.run(command, capture_output=True, text=True, check=False, timeout=duration + 60)
    match = _RPS.search(output.stdout)
    if output.returncode != 0 or match is None:
        raise BenchError(f"wrk failed: {output.stderr or output.stdout}")
    failed = sum(int(m.group(1)) for m in (_NON2XX.search(output.stdout), _ERRORS.search(output.stdout)) if m)
    total = _TOTAL.search(output.stdout)
    return WrkRun(float(match.group(1)), int(total.group(1)) if total else 0, failed)


def scratch() -> Path:
    return Path(tempfile.mkdtemp(prefix="hcckg-bench-"))


class Runaway:
    """Sends the runaway query to ``server`` again and again until stopped (from a thread)."""

    def __init__(self, server: Server, request: Request):
        self.server, self.request = server, request
        self.stopping = threading.Event()
        self.answers: list[int] = []
        self.thread = threading.Thread(target=self._loop, name="bench-runaway", daemon=True)

    def _loop(self) -> None:
        while not self.stopping.is_set():
            client = Client(self.server, timeout=60)
            try:
                status, _ = client.call(self.request)
                self.answers.append(status)
            except OSError:
                self.answers.append(0)
            finally:
                client.close()

    def __enter__(self) -> Runaway:
        self.thread.start()
        time.sleep(0.5)  # let it reach the evaluator before the measured run starts
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()


_STARTED = time.perf_counter()


def log(message: str) -> None:
    """Progress on stderr, stamped with the seconds since the bench started (the default
    run must stay under 10 minutes: the stamps show where the time goes)."""
    print(f"{time.perf_counter() - _STARTED:6.0f}s {message}", file=sys.stderr, flush=True)


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}
