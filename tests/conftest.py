"""Shared fixtures. The expensive one, ``built_store``, runs the real build once per session
into a temporary store and yields the opened store (read-only)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hcckg.ground.settings import Settings, load_settings

# Tests never use the developer's own store or base IRI.
os.environ.pop("HCCKG_BASE_IRI", None)


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("build")


@pytest.fixture(scope="session")
def built_settings(build_dir: Path) -> Settings:
    """Settings whose store is a real build of the real sources (built once per session)."""
    from hcckg.pipeline import build

    settings = dataclasses.replace(load_settings(), store=str(build_dir / "store"))
    build(settings)
    return settings


@pytest.fixture(scope="session")
def built_store(built_settings: Settings) -> Iterator:
    from hcckg.graph.store import open_store

    store = open_store(built_settings)
    yield store


@pytest.fixture()
def tmp_settings(tmp_path: Path) -> Settings:
    """Settings pointing at an empty store location of this test's own."""
    return dataclasses.replace(load_settings(), store=str(tmp_path / "store"))


# -- the server's fixtures: a small sample store, the app on it, a live `hcckg serve` ------

SAMPLE_TRIG = Path(__file__).parent / "data" / "server" / "sample.trig"
FILLER_GRAPH = "http://example.org/filler"
FILLER_TRIPLES = 300  # enough for the size limit, and for a cross product that runs for minutes


@pytest.fixture(scope="session")
def sample_store_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings whose store is an on-disk build of tests/data/server/sample.trig plus a
    filler graph of numbered triples (example.org) for the size and time limits."""
    import pyoxigraph as ox

    from hcckg.graph.store import build

    def writer(store) -> None:
        store.inner.bulk_load(path=str(SAMPLE_TRIG), format=ox.RdfFormat.TRIG)
        filler = ox.NamedNode(FILLER_GRAPH)
        store.inner.bulk_extend(
            ox.Quad(
                ox.NamedNode(f"http://example.org/item/{i}"),
                ox.NamedNode("http://example.org/rank"),
                ox.Literal(i),
                filler,
            )
            for i in range(FILLER_TRIPLES)
        )

    path = tmp_path_factory.mktemp("sample") / "store"
    build(path, writer)
    return dataclasses.replace(load_settings(), store=str(path))


@pytest.fixture(scope="session")
def sample_app(sample_store_settings: Settings):
    """The Flask app answering from the sample store (in memory), 2 s time limit, 100 rows."""
    from hcckg.server import create_app

    settings = dataclasses.replace(sample_store_settings, query_timeout=2.0, max_rows=100)
    return create_app({"SETTINGS": settings, "TESTING": True})


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """A running `hcckg serve`: its base URL, process and log file."""

    def __init__(self, url: str, proc, log: Path):
        self.url, self.proc, self.log = url, proc, log

    def stop(self) -> None:
        import subprocess

        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def start_serve(store: str, log_dir: Path, *, ready: bool = True, **env: str) -> Served:
    """Start `hcckg serve` on a free loopback port with ``HCCKG_*`` settings ``env`` (2 s
    time limit, 100 rows, 2 workers of 4 threads unless given) and wait for /health (with
    ``ready=False``, only until it answers at all: a 503 without a store)."""
    import contextlib
    import json
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    port = _free_port()
    settings = {
        "HCCKG_STORE": store,
        "HCCKG_QUERY_TIMEOUT": "2",
        "HCCKG_MAX_ROWS": "100",
        "HCCKG_WORKERS": "2",
        "HCCKG_THREADS": "4",
        **env,
    }
    full = dict(os.environ, **settings)
    if "HCCKG_UPDATE_TOKEN" not in env:
        full.pop("HCCKG_UPDATE_TOKEN", None)
    cmd = [sys.executable, "-m", "hcckg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    log = log_dir / "serve.log"
    # A file, not a pipe: a full pipe would block the server's logging.
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, env=full, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if not ready:
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(url + "/health", timeout=2).close()
                return Served(url, proc, log)
            with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                # An embedded store is answered from disk until its memory copy is made and
                # fresh workers take over (server/reload.py): wait for those.
                if answer.status == 200 and (
                    json.loads(answer.read())["store"] != "disk" or "HCCKG_UPDATE_TOKEN" in env
                ):
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"hcckg serve did not start: {log.read_text()[-2000:]}") from None
        time.sleep(0.05)
    workers = int(settings["HCCKG_WORKERS"]) if "HCCKG_UPDATE_TOKEN" not in env else 1
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    while len(children.read_text().split()) > workers + (1 if store.startswith("sparql:") else 0):
        if time.monotonic() > deadline:  # the disk workers retire within a second
            raise RuntimeError(f"hcckg serve kept its start-up workers: {log.read_text()[-2000:]}")
        time.sleep(0.05)
    return Served(url, proc, log)


@pytest.fixture(scope="session")
def live_server(sample_store_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`hcckg serve` (gunicorn, 2 workers) on a free loopback port, answering from the
    sample store with a 2 s time limit and 100 rows; yields its base URL."""
    served = start_serve(sample_store_settings.store, tmp_path_factory.mktemp("serve"))
    yield served.url
    served.stop()


@pytest.fixture(scope="session")
def review_store():
    """An in-memory store holding only the curated review graph (loaded and validated once)."""
    from hcckg.graph.store import memory_store
    from hcckg.ground import iris
    from hcckg.loaders.curated import load

    store = memory_store()
    store.replace_graph(iris.graph("review"), load())
    return store


# -- live SPARQL engines for the remote store (tests/engine_servers.py) --------------------------

REMOTE_ENGINES = ("oxigraph", "virtuoso", "fuseki")
UNRELATED_GRAPH = "http://example.org/someone-elses-graph"


@pytest.fixture(scope="session")
def engine_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A function that starts one more throw-away engine (``"oxigraph"``, ``"virtuoso"`` or
    ``"fuseki"``: empty, its own database directory, free loopback ports) and returns its
    ``EngineServer``; every engine started is stopped by PID at the end of the session. A
    missing engine fails the test (``make engines`` installs them)."""
    from engine_servers import STARTERS

    started: list = []

    def start(name: str):
        server = STARTERS[name](tmp_path_factory.mktemp(name))
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def shared_engine(engine_servers):
    """A function giving the session's shared instance of an engine (started on first use).
    Write only under a base IRI or graph IRIs of your own."""
    running: dict = {}

    def get(name: str):
        if name not in running:
            running[name] = engine_servers(name)
        return running[name]

    return get


@pytest.fixture(scope="session")
def oxigraph_servers(engine_servers):
    """A function that starts one more `oxigraph serve` and returns its query URL."""
    return lambda: engine_servers("oxigraph").query


@pytest.fixture(scope="session")
def oxigraph_server(shared_engine) -> str:
    """The shared Oxigraph server's SPARQL query URL (``HCCKG_STORE=sparql:`` + it)."""
    return shared_engine("oxigraph").query


def _put_unrelated_graph(settings: Settings) -> None:
    """Someone else's graph, with one triple, that hcckg must leave alone and never show."""
    import pyoxigraph as ox

    from hcckg.graph.remote import open_remote

    raw = open_remote(
        dataclasses.replace(settings, base_iri="http://example.org/"), settings.store, read_only=False
    )
    raw.upload(
        ox.NamedNode(UNRELATED_GRAPH),
        [
            ox.Triple(
                ox.NamedNode("http://example.org/theirs"),
                ox.NamedNode("http://example.org/says"),
                ox.Literal("not hcckg's"),
            )
        ],
    )


@pytest.fixture(scope="session")
def engine_build(shared_engine, built_settings: Settings):
    """A function giving settings whose store is an engine's shared instance holding the
    real build (default base IRI), published once per engine. The Oxigraph server gets it
    by ``hcckg build --store sparql:URL``; Virtuoso and Fuseki get the embedded build's
    graphs by the same upload-and-swap path (``publish``), without running the reasoner
    again. Before that, each engine already held someone else's graph, ``UNRELATED_GRAPH``."""
    from hcckg.graph.store import open_store, publish

    done: dict[str, Settings] = {}

    def get(name: str) -> Settings:
        if name in done:
            return done[name]
        server = shared_engine(name)
        settings = server.settings(load_settings())
        _put_unrelated_graph(settings)
        if name == "oxigraph":
            from hcckg.cli import main

            assert main(["build", "--quiet", "--store", settings.store]) == 0
        else:
            embedded = open_store(built_settings)
            publish(settings, {g: list(embedded.quads(g)) for g in embedded.graphs()}, keep_others=False)
        done[name] = settings
        return settings

    return get


@pytest.fixture(scope="session")
def remote_built_settings(engine_build) -> Settings:
    """The live Oxigraph server after a real ``hcckg build`` into it (see ``engine_build``)."""
    return engine_build("oxigraph")
