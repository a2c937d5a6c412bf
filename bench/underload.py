"""The bench's measures under load: the Python floor (Flask answering hcckg's own bytes),
throughput while a runaway query runs, and a new build published while clients ask."""

from __future__ import annotations

import http.client
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from hcckg.bench import measure
from hcckg.bench.servers import BenchError, Server, floor_server
from hcckg.bench.workload import RUNAWAY, SELECT_JSON, Request

FLOOR_CONNECTIONS = (4, 16)  # the throughput goal's (the floor adds 12 s per scale)


def bench_floor(
    request: Request, hcckg: Server, duration: float, scripts: Path, rounds: int, settings
) -> dict:
    """Throughput of bench/floor.py (Flask answering hcckg's own answer to ``request``
    without evaluating anything, under hcckg's gunicorn settings) at each connection count:
    the most any request through gunicorn + Flask reaches here."""
    client = measure.Client(hcckg)
    try:
        status, body = client.call(request)
    finally:
        client.close()
    if status != 200:
        raise BenchError(f"hcckg answered {request.name} with {status}")
    answer = scripts / "floor-answer"
    answer.write_bytes(body)
    floor = floor_server(answer, request.accept, workers=settings.workers, threads=settings.threads)
    floor.start(scripts / "floor.log")
    try:
        script = measure.wrk_script(request, scripts)
        out = {}
        for conns in FLOOR_CONNECTIONS:
            out[str(conns)] = measure.spread(
                [measure.wrk(floor, script, conns, duration).rps for _ in range(rounds)]
            )
            measure.log(f"  floor {request.name} c={conns}: {out[str(conns)]['median']:.0f}/s")
    finally:
        floor.stop()
    return out


def bench_runaway(
    request: Request, servers: list[Server], duration: float, scripts: Path, rounds: int, time_limit: float
) -> dict:
    """hcckg's throughput of ``request`` at 4 connections with and without a runaway query
    running (the Oxigraph server runs without a time limit, so it is not asked)."""
    script = measure.wrk_script(request, scripts)
    runaway = Request("runaway", RUNAWAY, SELECT_JSON)
    out = {}
    for server in servers:
        if server.name != "hcckg":
            continue  # see oxigraph_server: its time limit cannot be on under load
        server.wait_idle()
        calm = [measure.wrk(server, script, 4, duration).rps for _ in range(rounds)]
        with measure.Runaway(server, runaway) as loop:
            busy = [measure.wrk(server, script, 4, duration).rps for _ in range(rounds)]
        server.sample_rss()
        out[server.name] = {
            "calm_rps": statistics.median(calm),
            "with_runaway_rps": statistics.median(busy),
            "ratio": statistics.median(busy) / max(statistics.median(calm), 1e-9),
            "runaway_answers": sorted(set(loop.answers)),
        }
        measure.log(f"  runaway {server.name}: {out[server.name]['ratio']:.2f} of calm throughput")
        server.wait_idle(timeout=time_limit + 5)  # the time limit stops the runaway
    return out


def _pss_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def bench_reload(
    server: Server, nquads: Path, store: Path, graphs: list[str], request: Request, scripts: Path, logs: Path
) -> dict:
    """Publish the same data again as a new build into the store ``server`` serves, with
    wrk asking ``request`` at 4 connections throughout: how long until the server answers
    from the new build, the failed requests, and the memory of all the server's processes
    (PSS: shared pages counted once) before, at its peak and after."""
    import signal
    import threading

    from hcckg.bench.servers import _tree

    def build_id() -> str | None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("GET", "/health")
            answer = conn.getresponse()
            body = answer.read()
            return json.loads(body)["build"] if answer.status == 200 else None
        except OSError:
            return None
        finally:
            conn.close()

    assert server.process is not None
    before, samples, stop = build_id(), [], threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(_pss_kib(_tree(server.process.pid)))
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    time.sleep(0.5)
    script = measure.wrk_script(request, scripts)
    command = ["wrk", "-t", "2", "-c", "4", "-d", "300s", "--timeout", "30s", "-s", str(script), server.url]
    load = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    started = time.perf_counter()
    with (logs / "reload-build.log").open("ab") as out:
        subprocess.run(
            [sys.executable, "-m", "hcckg.bench.load", str(nquads), str(store), *graphs],
            stdout=out,
            stderr=out,
            check=True,
        )
    published = time.perf_counter()
    while build_id() in (before, None) and time.perf_counter() - published < 300:
        time.sleep(0.05)
    switched = time.perf_counter()
    time.sleep(2.0)
    load.send_signal(signal.SIGINT)  # wrk prints its totals when interrupted
    output, _ = load.communicate(timeout=60)
    stop.set()
    sampler.join()
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    sockets = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    failed = (int(non2xx.group(1)) if non2xx else 0) + (sum(map(int, sockets.groups())) if sockets else 0)
    total = re.search(r"(\d+) requests in", output)
    return {
        "publish_s": published - started,
        "switch_s": switched - published,
        "requests": int(total.group(1)) if total else 0,
        "failed": failed,
        "pss_before_mib": samples[0] / 1024,
        "pss_peak_mib": max(samples) / 1024,
        "pss_after_mib": _pss_kib(_tree(server.process.pid)) / 1024,
    }
