"""``hcckg bench``: hcckg against the Oxigraph server, side by side, in one run.

For each scale: generate the data (bench/generate.py), build it with ``oxigraph load`` and
with hcckg's publish (rounds alternate), start both servers on free loopback ports (hcckg's
start-up timed in rounds), check that the three paths give the same answers, then measure
latency (in process, through hcckg, through Oxigraph), throughput with wrk at 1, 4 and 16
connections, throughput while a runaway query occupies each server, and peak RSS. Prints a
table (bench/report.py) and writes the JSON report. Both servers are stopped at the end,
whatever happens.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import os
import platform
import shutil
import statistics
import subprocess
import time
from pathlib import Path

import pyoxigraph as ox

from hcckg.bench import measure, pages, report, underload
from hcckg.bench.generate import generate, parse_scale
from hcckg.bench.servers import BIN, BenchError, Server, hcckg_server, oxigraph_server
from hcckg.bench.workload import Request, workload
from hcckg.graph.memory import copy_into_memory
from hcckg.ground.settings import PROJECT_ROOT, load_settings

WORK = PROJECT_ROOT / "var" / "bench"
CONNECTIONS = (1, 4, 16)
LATENCY_BUDGET = 0.5  # seconds of calls per query and path (at least 5 calls)
SLOW = 0.5  # seconds: a query this slow in process is measured for latency only (keeps the run < 10 min)


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    mem = next(
        line.split()[1]
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(int(mem) / 2**20, 1),
        "python": platform.python_version(),
        "pyoxigraph": ox.__version__ if hasattr(ox, "__version__") else "0.5.13",
        "kernel": platform.release(),
    }


def bench_build(nquads: Path, work: Path, rounds: int, graphs: list[str], logs: Path) -> dict:
    ox_runs, hc_runs = [], []
    for r in range(rounds):
        # Alternate which goes first so that neither always meets a warm page cache.
        order = ("oxigraph", "hcckg") if r % 2 == 0 else ("hcckg", "oxigraph")
        for system in order:
            if system == "oxigraph":
                ox_runs.append(measure.build_oxigraph(nquads, work / "oxigraph", logs / "build-oxigraph.log"))
            else:
                hc_runs.append(
                    measure.build_hcckg(nquads, work / "hcckg" / "store", logs / "build-hcckg.log", graphs)
                )
            measure.log(
                f"  build {system}: {(ox_runs if system == 'oxigraph' else hc_runs)[-1].seconds:.2f} s"
            )
    return {
        "oxigraph_s": measure.spread([b.seconds for b in ox_runs]),
        "hcckg_s": measure.spread([b.seconds for b in hc_runs]),
        "oxigraph_rss_kib": max(b.peak_rss_kib for b in ox_runs),
        "hcckg_rss_kib": max(b.peak_rss_kib for b in hc_runs),
    }


def bench_sources(settings, rounds: int) -> dict:
    """Validation (parse, checks, SHACL) and reasoning (HermiT) of the curated sources, the
    steps of ``hcckg build`` before the store, timed by the pipeline itself, each round with
    an empty reasoner cache (cold); then ``hcckg qc`` as a curator runs it on unchanged
    sources (the reasoner's answer cached), timed end to end as a command."""
    import tempfile

    from hcckg.pipeline import assemble

    runs = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="hcckg-bench-cache-") as cache:
            runs.append(assemble(dataclasses.replace(settings, cache_dir=cache)).seconds)
    out = {step: measure.spread([r[step] for r in runs]) for step in ("curated sources", "reasoning")}
    out["total"] = measure.spread([r["curated sources"] + r["reasoning"] for r in runs])
    measure.log(f"  curated sources: validation + reasoning {out['total']['median']:.2f} s (cold)")
    command = [str(BIN / "hcckg"), "qc", "--quiet"]
    subprocess.run(command, capture_output=True, check=False)  # fills the reasoner cache
    qc = []
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        qc.append(time.perf_counter() - started)
    out["qc_unchanged"] = measure.spread(qc)
    measure.log(f"  hcckg qc on unchanged sources {out['qc_unchanged']['median']:.2f} s")
    return out


def bench_startup(store: Path, rounds: int, settings, logs: Path) -> tuple[dict, Server]:
    """Start ``hcckg serve`` ``rounds`` times; the last one stays up for the other measures."""
    times = []
    server = None
    for r in range(rounds):
        server = hcckg_server(
            store, workers=settings.workers, threads=settings.threads, timeout=settings.query_timeout
        )
        times.append(server.start(logs / "hcckg-serve.log"))
        measure.log(f"  start-up hcckg: {times[-1]:.2f} s")
        if r < rounds - 1:
            server.stop()
    # It answers from the on-disk build at once; the measures are of the memory copy.
    assert server is not None
    copied = _wait_for_memory(server, settings.workers)
    measure.log(f"  hcckg answers from its memory copy {copied:.1f} s after start-up")
    return measure.spread(times) | {"memory_s": copied}, server


def _wait_for_memory(server: Server, workers: int, timeout: float = 300.0) -> float:
    """Seconds until the server answers from memory with only its own workers left."""
    from hcckg.bench.servers import _tree

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
        try:
            conn.request("GET", "/health")
            store = json.loads(conn.getresponse().read()).get("store")
        except (OSError, ValueError):
            store = None
        finally:
            conn.close()
        if store == "memory" and server.process and len(_tree(server.process.pid)) <= workers + 1:
            return time.perf_counter() - started
        time.sleep(0.1)
    raise BenchError(f"hcckg did not answer from memory within {timeout:g} s")


def check_answers(
    requests: list[Request], store: ox.Store, servers: list[Server]
) -> tuple[dict, list[Request]]:
    """Ask each path once; a query over the time limit or with different answers is
    reported and left out of the timed runs."""
    answers: dict[str, dict] = {}
    kept = []
    for request in requests:
        entry: dict = {"binding": request.binding}
        rows = {}
        for server in servers:  # hcckg first: the Oxigraph server runs without a time limit
            if server.name != "hcckg" and rows["hcckg"] < 0:
                rows[server.name] = entry[f"{server.name}_rows"] = None
                continue
            status, body = measure.Client(server).call(request)
            rows[server.name] = measure.rows_in(body, request.accept) if status == 200 else -status
            entry[f"{server.name}_rows"] = rows[server.name]
        seconds = float("nan")
        if rows["hcckg"] >= 0:  # in process there is no time limit: only what hcckg answered
            start = time.perf_counter()
            entry["bytes"] = measure.in_process(store, request)()
            seconds = time.perf_counter() - start
        entry["in_process_first_s"] = seconds
        entry["same_answers"] = len(set(rows.values())) == 1 and rows["hcckg"] >= 0
        entry["slow"] = not seconds <= SLOW
        answers[request.name] = entry
        measure.log(f"  {request.name}: {seconds * 1000:.1f} ms in process, rows {rows}")
        if entry["same_answers"]:
            kept.append(request)
    return answers, kept


def bench_latency(requests: list[Request], store: ox.Store, servers: list[Server]) -> dict:
    out = {}
    clients = {s.name: measure.Client(s) for s in servers}
    for request in requests:
        row = {}
        paths = {"in_process": measure.in_process(store, request)}
        paths |= {name: client.runner(request) for name, client in clients.items()}
        # hcckg answers a repeated text from its cache (warm); "cold" asks a new text each time.
        paths["hcckg_cold"] = clients["hcckg"].runner(request, cold=True)
        for name, run in paths.items():
            values = measure.samples(run, budget=LATENCY_BUDGET)
            row[name] = {
                "median_ms": statistics.median(values) * 1000,
                "p95_ms": measure.p95(values) * 1000,
                "n": len(values),
            }
        out[request.name] = row
        measure.log(
            f"  latency {request.name}: " + ", ".join(f"{k} {v['median_ms']:.2f} ms" for k, v in row.items())
        )
    for client in clients.values():
        client.close()
    return out


def bench_throughput(
    requests: list[Request], servers: list[Server], rounds: int, duration: float, scripts: Path
) -> dict:
    out: dict = {}
    for request in requests:
        script = measure.wrk_script(request, scripts)
        out[request.name] = {}
        for conns in CONNECTIONS:
            runs: dict[str, list[measure.WrkRun]] = {s.name: [] for s in servers}
            for r in range(rounds):
                for server in servers if r % 2 == 0 else list(reversed(servers)):
                    runs[server.name].append(measure.wrk(server, script, conns, duration))
                    server.sample_rss()
                    server.wait_idle()
            cell = {}
            for name, rs in runs.items():
                cell[name] = measure.spread([x.rps for x in rs]) | {"failed": sum(x.failed for x in rs)}
            out[request.name][str(conns)] = cell
            measure.log(
                f"  throughput {request.name} c={conns}: "
                + ", ".join(f"{k} {v['median']:.0f}/s" for k, v in cell.items())
            )
    return out


def bench_scale(scale: str, args: argparse.Namespace, settings) -> dict:
    target = parse_scale(scale)
    work = WORK / scale
    logs = work / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    nquads = WORK / f"{scale}.nq"
    measure.log(f"[{scale}] generating {target} quads")
    counts = generate(nquads, target)
    graphs = list(counts.graphs)
    measure.log(f"[{scale}] build ({args.rounds} rounds)")
    result: dict = {"scale": scale, "quads": counts.total, "trials": counts.trials}
    result["build"] = bench_build(nquads, work, args.rounds, graphs, logs)
    result["build"]["quads"] = counts.total

    measure.log(f"[{scale}] in-process store (the server's own in-memory copy of the built store)")
    # Built exactly as `hcckg serve` builds its copy: the same quads inserted in another
    # order (bulk_load of the generated file) made some queries 10-15% faster or slower,
    # which the latency goal then counted as HTTP overhead.
    store = copy_into_memory(work / "hcckg" / "store").inner

    servers: list[Server] = []
    scripts = measure.scratch()
    try:
        measure.log(f"[{scale}] start-up")
        result["startup_s"], hcckg = bench_startup(work / "hcckg" / "store", args.rounds, settings, logs)
        servers.append(hcckg)
        oxigraph = oxigraph_server(work / "oxigraph")
        result["oxigraph_startup_s"] = oxigraph.start(logs / "oxigraph-serve.log")
        servers.append(oxigraph)

        measure.log(f"[{scale}] answers")
        result["answers"], comparable = check_answers(workload(counts.trials), store, servers)
        measure.log(f"[{scale}] latency")
        result["latency"] = bench_latency(comparable, store, servers)
        fast = [r for r in comparable if not result["answers"][r.name]["slow"]]
        measure.log(
            f"[{scale}] throughput ({len(fast)} requests, {args.rounds} rounds of {args.duration:g} s)"
        )
        result["throughput"] = bench_throughput(fast, servers, args.rounds, args.duration, scripts)
        describe = next(r for r in fast if r.name == "describe-trial")
        measure.log(f"[{scale}] Python floor")
        result["floor"] = underload.bench_floor(
            describe, hcckg, args.duration, scripts, args.rounds, settings
        )
        measure.log(f"[{scale}] runaway")
        result["runaway"] = underload.bench_runaway(
            describe, servers, args.duration, scripts, args.rounds, settings.query_timeout
        )
        measure.log(f"[{scale}] reload: a new build published while wrk asks")
        result["reload"] = underload.bench_reload(
            hcckg, nquads, work / "hcckg" / "store", graphs, describe, scripts, logs
        )
        for server in servers:
            server.sample_rss()
        result["server_rss_kib"] = {
            s.name: {"max_process": max(s.peak_rss.values()), "processes": len(s.peak_rss)} for s in servers
        }
        result["server"] = {
            "workers": settings.workers,
            "threads": settings.threads,
            "timeout_s": settings.query_timeout,
        }
    finally:
        for server in servers:
            server.stop()
        shutil.rmtree(scripts, ignore_errors=True)
    return result


def main(args: argparse.Namespace) -> int:
    if shutil.which("wrk") is None:
        raise BenchError("wrk is not installed: run `make bench-deps` (Debian's wrk)")
    settings = load_settings()
    started = time.perf_counter()
    results = {"machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "scales": []}
    results["args"] = {"scale": args.scale, "rounds": args.rounds, "duration": args.duration}
    measure.log("[sources] validation and reasoning of the curated sources")
    results["sources"] = bench_sources(settings, args.rounds)
    for scale in [s.strip() for s in args.scale.split(",") if s.strip()]:
        results["scales"].append(bench_scale(scale, args, settings))
    measure.log("[pages] the site's pages on the real data (bench/pages.py)")
    results["pages"] = pages.run(workers=settings.workers, threads=settings.threads)
    results["seconds"] = time.perf_counter() - started
    output = Path(args.output)
    output = output if output.is_absolute() else PROJECT_ROOT / output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=1))
    print(report.render(results))
    print(pages.render(results["pages"]))
    measure.log(f"report written to {output} ({results['seconds']:.0f} s)")
    return 0
