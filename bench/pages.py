"""Page latency of the site on the real data: ``python -m hcckg.bench.pages`` (on its own) or
as part of ``hcckg bench``.

Builds the real sources into ``var/bench/pages/store`` (as ``hcckg build`` does), starts
``hcckg serve`` on it (bench/servers.py, loopback), warms every page once, then requests
each page of each kind in turn, one request at a time over one keep-alive connection,
until each kind has at least ``--samples`` timings. Reports median and p95 per page kind in
milliseconds (client-side, request sent to last byte read) and whether every kind's p95 is
under the goal (100 ms). The server is stopped at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import dataclasses
import http.client
import json
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

from hcckg.bench.servers import HOST, hcckg_server
from hcckg.ground.settings import PROJECT_ROOT, load_settings

GOAL_MS = 100.0
WORK = PROJECT_ROOT / "var" / "bench" / "pages"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}

# Page kind -> the pages measured (paths on the real data).
PAGES: dict[str, list[str]] = {
    "landing": ["/"],
    "search results": ["/search?q=lenvatinib", "/search?q=atezo-bev", "/search?q=GPC3"],
    "autocomplete (JSON)": ["/api/search?q=len", "/api/search?q=IMbrave251", "/api/search?q=TGF-beta"],
    "trial": [
        "/resource/trial/NCT04770896",
        "/resource/trial/cabozantinib-after-ici-phase-2",
        "/resource/trial/NCT05822752",
    ],
    "drug": ["/resource/drug/lenvatinib", "/resource/drug/atezolizumab", "/resource/drug/cabozantinib"],
    "regimen": ["/resource/regimen/atezolizumab-bevacizumab"],
    "target": ["/resource/target/fgfr4", "/resource/target/pd-l1"],
    "mechanism": ["/resource/mechanism/wnt-beta-catenin-t-cell-exclusion"],
    "source": ["/resource/source/ascari-2026-ref-41", "/resource/source/ascari-2026"],
    "other resource": ["/resource/phase/phase-3", "/resource/arm/NCT04770896-group-a"],
    "all facts": ["/resource/drug/lenvatinib?view=facts"],
    "browse list": ["/resource/trial/", "/resource/drug/", "/resource/"],
    "explorer": ["/explore", "/explore?mechanism=wnt", "/explore?mechanism=wnt&setting="],
    "query form": [
        "/queries/",
        "/queries/trials?drug=lenvatinib&order=evidence",
        "/queries/mechanism_paths?mechanism=wnt",
    ],
    "SPARQL editor": ["/query"],
    "ontology": ["/ontology"],
    "VoID page": ["/.well-known/void"],
    "service description page": ["/sparql"],
    "404 page": ["/resource/drug/no-such-drug"],
    "mechanism picture (SVG)": ["/api/pictures/mechanism/wnt.svg"],
    "forest plot (SVG)": [
        "/api/pictures/forest/cabozantinib.svg",
        "/api/pictures/forest/os.svg?endpoint=mOS",
    ],
    "picture (PNG)": ["/api/pictures/forest/lenvatinib.png?endpoint=mPFS"],
}


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, float]:
    start = time.perf_counter()
    conn.request("GET", path, headers=BROWSER)
    response = conn.getresponse()
    response.read()
    return response.status, (time.perf_counter() - start) * 1000


def measure(port: int, samples: int) -> dict[str, dict]:
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    results: dict[str, dict] = {}
    try:
        for paths in PAGES.values():  # warm: templates compiled, caches filled
            for path in paths:
                _get(conn, quote(path, safe="/?=&"))
        for kind, paths in PAGES.items():
            timings: list[float] = []
            statuses: set[int] = set()
            while len(timings) < samples:
                for path in paths:
                    status, ms = _get(conn, quote(path, safe="/?=&"))
                    statuses.add(status)
                    timings.append(ms)
            timings.sort()
            p95 = timings[min(len(timings) - 1, int(round(0.95 * (len(timings) - 1))))]
            results[kind] = {
                "pages": paths,
                "statuses": sorted(statuses),
                "samples": len(timings),
                "median_ms": round(statistics.median(timings), 2),
                "p95_ms": round(p95, 2),
                "max_ms": round(timings[-1], 2),
            }
    finally:
        conn.close()
    return results


def run(samples: int = 40, workers: int = 2, threads: int = 4) -> dict:
    """Build the real data, serve it, measure every page kind; the report as a dict."""
    from hcckg.pipeline import build

    settings = dataclasses.replace(load_settings(), store=str(WORK / "store"))
    WORK.mkdir(parents=True, exist_ok=True)
    build(settings)
    store = Path(settings.store).resolve()
    server = hcckg_server(store, workers=workers, threads=threads, timeout=settings.query_timeout)
    try:
        server.start(WORK / "serve.log")
        pages = measure(server.port, samples)
    finally:
        server.stop()
    worst = max(p["p95_ms"] for p in pages.values())
    return {"goal_ms": GOAL_MS, "worst_p95_ms": worst, "met": worst < GOAL_MS, "pages": pages}


def render(report: dict) -> str:
    lines = [f"{'page kind':28} {'status':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}"]
    for kind, p in report["pages"].items():
        status = ",".join(str(s) for s in p["statuses"])
        lines.append(f"{kind:28} {status:>8} {p['median_ms']:10.1f} {p['p95_ms']:8.1f} {p['max_ms']:8.1f}")
    verdict = "met" if report["met"] else "NOT met"
    lines.append(
        f"goal: every page kind's p95 under {report['goal_ms']:g} ms — {verdict} (worst p95 {report['worst_p95_ms']:.1f} ms)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hcckg.bench.pages", description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=40, help="timings per page kind")
    parser.add_argument("--output", default="bench/results/pages.json")
    args = parser.parse_args(argv)
    report = run(args.samples)
    output = Path(args.output)
    output = output if output.is_absolute() else PROJECT_ROOT / output
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=1))
    print(render(report))
    print(f"report written to {output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
