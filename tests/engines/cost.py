"""The cost of hcckg's remote path against the engine's own endpoint, in one run.

``make engines-cost`` (or ``.venv/bin/python tests/engines/cost.py [ROUNDS]``): builds the
real store, starts each engine (tests/engine_servers.py) with the build in it and one
``hcckg serve`` on it, then sends the same queries, one at a time, alternately to the
engine's own SPARQL endpoint (with the same dataset parameters hcckg sends) and through
``hcckg serve``: ``/sparql`` for a visitor's query, ``/api/queries/trials`` for a named
query. Prints the median latency of each and the ratio (a Markdown table for the README).
Timings are measurements for the README, never test assertions.
"""

from __future__ import annotations

import dataclasses
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine_servers import STARTERS, free_port  # noqa: E402

from hcckg.graph.binding import bind  # noqa: E402
from hcckg.graph.store import open_store, publish  # noqa: E402
from hcckg.ground.settings import load_settings  # noqa: E402
from hcckg.pipeline import build  # noqa: E402
from hcckg.queries.catalogue import load_catalogue  # noqa: E402

VISITOR = (
    "PREFIX hcc: <https://w3id.org/hcckg/ontology/> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
    "SELECT ?trial ?label WHERE { ?trial a hcc:ClinicalTrial ; rdfs:label ?label } ORDER BY ?label"
)


def _median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def _serve(env: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "hcckg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"hcckg serve did not start: {log.read_text()[-2000:]}")


def measure(name: str, embedded, work: Path, rounds: int) -> dict[str, float]:
    engine = STARTERS[name](work / name)
    serve = None
    try:
        settings = engine.settings(load_settings())
        publish(settings, {g: list(embedded.quads(g)) for g in embedded.graphs()}, keep_others=False)
        graphs = [g.value for g in open_store(settings).graphs()]
        env = {k: v for k, v in os.environ.items() if not k.startswith("HCCKG_")}
        env |= engine.env() | {"HCCKG_WORKERS": "1", "HCCKG_THREADS": "2"}
        serve, url = _serve(env, work / f"serve-{name}.log")
        trials = load_catalogue()["trials"]
        lenvatinib = ox.NamedNode("https://w3id.org/hcckg/resource/drug/lenvatinib")
        style = "bind" if name == "virtuoso" else "values"
        named_text = bind(trials.text, {"drug": lenvatinib}, style=style)
        dataset = [("default-graph-uri", g) for g in graphs] + [("named-graph-uri", g) for g in graphs]
        accept = {"Accept": "application/sparql-results+json"}
        direct = requests.Session()
        via = requests.Session()
        cases = {
            "visitor query": (
                lambda: direct.post(engine.query, data=[("query", VISITOR), *dataset], headers=accept),
                lambda: via.get(url + "/sparql", params={"query": VISITOR}, headers=accept),
            ),
            "named query (trials, drug=lenvatinib)": (
                lambda: direct.post(engine.query, data=[("query", named_text), *dataset], headers=accept),
                lambda: via.get(url + "/api/queries/trials", params={"drug": "lenvatinib"}),
            ),
        }
        out = {}
        for case, (own, hcckg) in cases.items():
            for call in (own, hcckg):  # warm both paths
                assert call().status_code == 200
            times: dict[str, list[float]] = {"own": [], "hcckg": []}
            for _ in range(rounds):
                for key, call in (("own", own), ("hcckg", hcckg)):
                    started = time.perf_counter()
                    answer = call()
                    times[key].append(time.perf_counter() - started)
                    assert answer.status_code == 200, answer.text[:300]
            out[case] = (_median_ms(times["own"]), _median_ms(times["hcckg"]))
        return {"version": engine.version, **out}
    finally:
        if serve is not None:
            serve.terminate()
            serve.wait(timeout=20)
        engine.stop()


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    work = Path(tempfile.mkdtemp(prefix="hcckg-cost-"))
    settings = dataclasses.replace(load_settings(), store=str(work / "store"))
    build(settings)
    embedded = open_store(settings)
    print(
        f"| engine | query | engine's endpoint (ms, median of {rounds}) | through hcckg serve (ms) | ratio |"
    )
    print("|---|---|---|---|---|")
    for name in ("oxigraph", "virtuoso", "fuseki"):
        (work / name).mkdir()
        result = measure(name, embedded, work, rounds)
        version = result.pop("version")
        for case, (own, via) in result.items():
            print(f"| {version} | {case} | {own:.1f} | {via:.1f} | {via / own:.2f}× |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
