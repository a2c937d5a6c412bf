"""Start and stop the two servers under test on free loopback ports, and read their memory.

Each server runs in its own process group, so stopping it stops its workers too and
nothing else. Peak RSS is read from ``/proc`` (``VmHWM``) for the server and every process
it started.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from hcckg.ground.errors import HcckgError
from hcckg.ground.settings import PROJECT_ROOT

BIN = PROJECT_ROOT / ".venv" / "bin"
HOST = "127.0.0.1"
PROBE = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"


class BenchError(HcckgError):
    """A server under test did not start or did not answer."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    command: list[str]
    path: str  # the query path: /sparql or /query
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen | None = None
    log: Path | None = None
    peak_rss: dict[int, int] = field(default_factory=dict)  # pid -> peak KiB

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}{self.path}"

    def start(self, log: Path, timeout: float = 60.0) -> float:
        """Start the server; returns seconds until it answered its first query."""
        self.log = log
        start = time.perf_counter()
        with log.open("ab") as out:
            self.process = subprocess.Popen(
                self.command,
                env={**os.environ, **self.env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        while time.perf_counter() - start < timeout:
            if self.process.poll() is not None:
                raise BenchError(f"{self.name} exited with status {self.process.returncode}; see {log}")
            if self._answers():
                return time.perf_counter() - start
            time.sleep(0.01)
        self.stop()
        raise BenchError(f"{self.name} did not answer within {timeout:g} s; see {log}")

    def _answers(self) -> bool:
        conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
        try:
            conn.request("POST", self.path, PROBE, {"Content-Type": "application/sparql-query"})
            return conn.getresponse().status == 200
        except OSError:
            return False
        finally:
            conn.close()

    def sample_rss(self) -> None:
        """Remember each process's peak RSS so far (a retired worker takes its own away)."""
        if self.process is None:
            return
        for pid in _tree(self.process.pid):
            hwm = _status_kib(pid, "VmHWM")
            if hwm:
                self.peak_rss[pid] = max(self.peak_rss.get(pid, 0), hwm)

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server and its processes."""
        if self.process is None:
            return 0.0
        ticks = 0
        for pid in _tree(self.process.pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, timeout: float = 60.0) -> None:
        """Wait until the server stops working on requests a load run left behind (a client
        that hung up does not stop an evaluation), so that the next run starts even."""
        deadline = time.perf_counter() + timeout
        last = self.cpu_seconds()
        while time.perf_counter() < deadline:
            time.sleep(0.1)
            now = self.cpu_seconds()
            if now - last < 0.015:  # at most one clock tick (10 ms): under 10% of one core
                return
            last = now

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.sample_rss()
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def _status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree(root: int) -> list[int]:
    """``root`` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def hcckg_server(store: Path, *, workers: int, threads: int, timeout: float) -> Server:
    port = free_port()
    command = [str(BIN / "hcckg"), "serve", "--store", str(store), "--host", HOST, "--port", str(port)]
    command += ["--workers", str(workers), "--threads", str(threads)]
    env = {"HCCKG_QUERY_TIMEOUT": str(timeout)}
    return Server("hcckg", command, "/sparql", env=env, port=port)


def floor_server(body: Path, mimetype: str, *, workers: int, threads: int) -> Server:
    """bench/floor.py: a Flask app answering ``body`` to every query, served like hcckg."""
    port = free_port()
    command = [str(BIN / "python"), "-m", "hcckg.bench.floor", "--body", str(body), "--mimetype", mimetype]
    command += ["--host", HOST, "--port", str(port), "--workers", str(workers), "--threads", str(threads)]
    return Server("floor", command, "/sparql", port=port)


def oxigraph_server(location: Path) -> Server:
    """The Oxigraph server, without ``--timeout-s``: its time limit starts a thread per
    query that sleeps for the whole limit, and at a few thousand requests/s (a DESCRIBE
    under wrk, 10 s limit) the server died here with "failed to set up alternative stack
    guard page: Cannot allocate memory". The bench sends it no runaway query."""
    port = free_port()
    command = [str(BIN / "oxigraph"), "serve-read-only", "--location", str(location)]
    command += ["--bind", f"{HOST}:{port}", "--union-default-graph"]
    return Server("oxigraph", command, "/query", port=port)
