"""More than one machine: two ``hcckg serve`` nodes in front of one shared engine give the
same answers, and one build swaps what both serve (README, "More than one machine")."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator

import pyoxigraph as ox
import pytest
import requests
from engine_servers import free_port

from hcckg.graph.store import open_store, publish
from hcckg.ground import iris
from hcckg.ground.settings import load_settings
from hcckg.ground.terms import SKOS

SYNONYM = "Multinodeumab"  # an altLabel only the second build has


def _serve(env: dict[str, str], log) -> tuple[subprocess.Popen, str]:
    port = free_port()
    cmd = [sys.executable, "-m", "hcckg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(url + "/health", timeout=2).status_code == 200:
                return proc, url
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"hcckg serve did not start on the engine (see {log.name})")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def two_nodes(engine_servers, built_store, tmp_path_factory) -> Iterator[tuple[object, list[str]]]:
    """Virtuoso (an instance of its own) holding the real build, and two `hcckg serve`
    nodes answering from it."""
    engine = engine_servers("virtuoso")
    settings = engine.settings(load_settings())
    publish(settings, {g: list(built_store.quads(g)) for g in built_store.graphs()}, keep_others=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HCCKG_")}
    env |= engine.env() | {"HCCKG_WORKERS": "1", "HCCKG_THREADS": "2", "HCCKG_QUERY_TIMEOUT": "10"}
    procs, urls = [], []
    work = tmp_path_factory.mktemp("nodes")
    try:
        for i in range(2):
            log = (work / f"serve-{i}.log").open("wb")
            proc, url = _serve(env, log)
            procs.append(proc)
            urls.append(url)
        yield settings, urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _answers(url: str) -> dict:
    trials = requests.get(url + "/api/queries/trials", params={"drug": "lenvatinib"}, timeout=30)
    table = requests.get(url + "/api/queries/results_table", timeout=30)
    sparql = requests.get(
        url + "/sparql",
        params={
            "query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
        },
        headers={"Accept": "application/sparql-results+json"},
        timeout=30,
    )
    assert trials.status_code == table.status_code == sparql.status_code == 200
    return {
        "trials": trials.json()["rows"],
        "table": table.json()["rows"],
        "graphs": sparql.json()["results"],
    }


def _finds_synonym(url: str) -> bool:
    answer = requests.get(url + "/api/queries/search", params={"text": SYNONYM}, timeout=30)
    assert answer.status_code == 200, answer.text
    return any(r["matched"] == SYNONYM for r in answer.json()["rows"])


def test_two_nodes_on_one_engine_answer_alike(two_nodes):
    _, (first, second) = two_nodes
    one, two = _answers(first), _answers(second)
    assert one == two
    assert one["trials"] and one["table"] and len(one["graphs"]["bindings"]) >= 5


def test_one_build_swaps_what_both_nodes_serve(two_nodes, built_store):
    settings, urls = two_nodes
    assert not any(_finds_synonym(u) for u in urls)
    review = iris.graph("review")
    lenvatinib = iris.resource("drug", "lenvatinib")
    publish(
        settings,
        {review: [*built_store.quads(review), ox.Quad(lenvatinib, SKOS.altLabel, ox.Literal(SYNONYM))]},
    )
    assert open_store(settings).count(review) == built_store.count(review) + 1
    # The graphs keep their names, so no node's graph list (cached 10 s) stands in the way:
    # the next query on either node sees the new build.
    deadline = time.monotonic() + 30
    while not all(_finds_synonym(u) for u in urls):
        assert time.monotonic() < deadline, "a node still serves the old build"
        time.sleep(0.5)
    assert _answers(urls[0]) == _answers(urls[1])
