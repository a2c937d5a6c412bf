"""A real `hcckg serve` (gunicorn, 2 workers) on a loopback port, with real clients: the
time limit, SERVICE that never leaves the host, SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import rdflib
from conftest import start_serve
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, POST, TURTLE, XML, SPARQLWrapper

from hcckg.server.worker import KEEPALIVE_REQUESTS

RANK = "<http://example.org/rank>"
# 300^4 = 8.1e9 combinations to count: minutes of work, unless it is stopped.
RUNAWAY = f"SELECT (COUNT(*) AS ?n) WHERE {{ ?a {RANK} ?x . ?b {RANK} ?y . ?c {RANK} ?z . ?d {RANK} ?w }}"
QUICK = "PREFIX hcc: <https://w3id.org/hcckg/ontology/> SELECT ?d WHERE { ?d hcc:hasTarget ?t }"


def get(url: str, timeout: float = 30) -> tuple[int, bytes, float]:
    start = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            return answer.status, answer.read(), time.monotonic() - start
    except urllib.error.HTTPError as err:
        return err.code, err.read(), time.monotonic() - start


def sparql_url(base: str, query: str, **params: str) -> str:
    return f"{base}/sparql?" + urllib.parse.urlencode({"query": query, **params})


def _workers(master: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


def _master(base: str) -> int:
    worker = json.loads(get(base + "/health")[1])["process"]
    return int(Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _busy_children(master: int) -> list[int]:
    """Child processes of the gunicorn master that used more than half a CPU over 1 s."""
    pids = _workers(master)

    def cpu(pid: int) -> int:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            return 0
        return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks

    before = {pid: cpu(pid) for pid in pids}
    time.sleep(1.0)
    return [pid for pid in pids if cpu(pid) - before[pid] > 50]


@pytest.fixture()
def own_server(sample_store_settings, tmp_path):
    """A server of this test's own (2 s limit, 2 workers): tests that retire workers neither
    depend on nor change the shared one's state."""
    served = start_serve(sample_store_settings.store, tmp_path)
    yield served.url
    served.stop()


def test_runaway_query_is_stopped_while_others_answer(own_server):
    live_server = own_server
    outcome: dict = {}
    runaway = threading.Thread(
        target=lambda: outcome.update(
            zip(("status", "body", "seconds"), get(sparql_url(live_server, RUNAWAY)), strict=True)
        )
    )
    runaway.start()
    time.sleep(0.3)
    # Meanwhile the server answers other queries promptly.
    for _ in range(5):
        status, body, _ = get(sparql_url(live_server, QUICK))
        assert status == 200
        assert len(json.loads(body)["results"]["bindings"]) == 2
    assert runaway.is_alive(), "the quick queries were answered only after the runaway was"
    runaway.join(timeout=60)
    assert outcome["status"] == 503
    assert "time limit" in outcome["body"].decode() and "HCCKG_QUERY_TIMEOUT" in outcome["body"].decode()
    assert outcome["seconds"] >= 2.0  # not before the limit
    # The worker that ran it retires and takes the evaluation with it: no process keeps burning CPU.
    master = _master(live_server)
    deadline = time.monotonic() + 15
    while _busy_children(master):
        assert time.monotonic() < deadline, "a worker is still evaluating the stopped query"
    assert get(sparql_url(live_server, QUICK))[0] == 200


class _KeepAliveClient(threading.Thread):
    """Asks for /health again and again on one keep-alive connection, opening a new one
    whenever the server closes it; counts answers, connections and failures."""

    def __init__(self, base: str) -> None:
        super().__init__(daemon=True)
        self.address = urllib.parse.urlsplit(base).netloc
        self.running = True
        self.answers = self.connections = 0
        self.failures: list[str] = []

    def run(self) -> None:
        conn = None
        while self.running:
            if conn is None:
                conn = http.client.HTTPConnection(self.address, timeout=10)
                self.connections += 1
            try:
                conn.request("GET", "/health")
                answer = conn.getresponse()
                answer.read()
            except (OSError, http.client.HTTPException) as err:
                self.failures.append(repr(err))
                conn.close()
                conn = None
                continue
            self.answers += answer.status == 200
            if answer.getheader("Connection", "").lower() == "close":
                conn.close()
                conn = None


def test_a_retiring_worker_leaves_at_once_without_dropping_a_request(own_server):
    """gthread's loop sleeps up to 1 s in its poller between events: unwoken, a retiring
    worker lingered 2 s, serving nothing while its runaway ran on. Clients that keep their
    connection busy get "Connection: close" and move to the other worker, unharmed."""
    live_server = own_server
    master = _master(live_server)
    before = _workers(master)
    clients = [_KeepAliveClient(live_server) for _ in range(2)]
    for client in clients:
        client.start()
    try:
        status = get(sparql_url(live_server, RUNAWAY))[0]
        # It leaves once its connections are done, well before gunicorn's graceful_timeout
        # (the time limit + 5 s) would make it: busy keep-alive clients do not keep it.
        deadline = time.monotonic() + 5
        while before <= _workers(master):
            assert time.monotonic() < deadline, "the retiring worker waited for its graceful timeout"
            time.sleep(0.01)
        deadline = time.monotonic() + 10
        while len(_workers(master)) < 2:  # gunicorn forks a replacement
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        for client in clients:
            client.running = False
            client.join(timeout=15)
    assert status == 503
    assert all(client.answers > 0 and not client.failures for client in clients), [
        c.failures for c in clients
    ]


def test_a_silent_connection_does_not_keep_a_retiring_worker_alive(own_server):
    """Connections that never send a byte are not kept alive or timed out by gthread: without
    a deadline, one held open on the retiring worker kept it, and its runaway, forever.
    The runaway is sent, on a keep-alive connection, to a worker holding silent ones."""
    live_server = own_server
    master = _master(live_server)
    deadline = time.monotonic() + 30
    while len(before := _workers(master)) < 2:  # both workers booted
        assert time.monotonic() < deadline
        time.sleep(0.05)
    held = {pid: _sockets(pid) for pid in before}
    address = urllib.parse.urlsplit(live_server)
    silent = [socket.create_connection((address.hostname, address.port)) for _ in range(4)]
    conn = http.client.HTTPConnection(address.netloc, timeout=30)
    try:
        deadline = time.monotonic() + 30  # until a worker has accepted them
        while not (accepted := [pid for pid in before if _sockets(pid) > held[pid]]):
            assert time.monotonic() < deadline, "no worker accepted the silent connections"
            time.sleep(0.05)
        target = accepted[0]
        for _ in range(50):  # a keep-alive connection to that worker
            conn.request("GET", "/health")
            if json.loads(conn.getresponse().read())["process"] == target:
                break
            conn.close()
        else:
            pytest.fail(f"no connection reached worker {target}")
        conn.request("GET", "/sparql?" + urllib.parse.urlencode({"query": RUNAWAY}))
        assert conn.getresponse().status == 503
        answered = time.monotonic()
        while target in _workers(master):
            # graceful_timeout is the time limit + 5 s (server/serve.py options); the silent
            # connections would keep it forever, the intake's 408 after 10 s too late.
            assert time.monotonic() - answered < 2 + 5 + 20, "the retiring worker is still there"
            time.sleep(0.05)
    finally:
        conn.close()
        for sock in silent:
            sock.close()


def _sockets(pid: int) -> int:
    """TCP sockets a process holds beyond its listening one. A descriptor closed between the
    listing and its reading (a booting worker closes some) is not held."""
    held = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(FileNotFoundError):
            held += fd.readlink().name.startswith("socket:")
    return held - 1


def test_a_keep_alive_connection_is_closed_after_its_quota_of_requests(live_server):
    """So that busy keep-alive clients spread over the workers again (a respawned one too)."""
    conn = http.client.HTTPConnection(urllib.parse.urlsplit(live_server).netloc, timeout=10)
    said = []
    for _ in range(KEEPALIVE_REQUESTS):
        conn.request("GET", "/health")
        answer = conn.getresponse()
        answer.read()
        said.append(answer.getheader("Connection"))
    conn.close()
    assert said == ["keep-alive"] * (KEEPALIVE_REQUESTS - 1) + ["close"]


class _Listener:
    """A listening socket on a free loopback port that records every connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture()
def listener():
    listening = _Listener()
    yield listening
    listening.close()


def test_nothing_a_visitor_sends_reaches_another_host(live_server, listener, sample_app):
    target = f"http://127.0.0.1:{listener.port}/sparql"
    attempts = [
        sparql_url(live_server, f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"),
        sparql_url(live_server, f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}"),
        sparql_url(live_server, f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }} LIMIT 1"),
        sparql_url(live_server, f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"),
        sparql_url(live_server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", **{"default-graph-uri": target}),
        sparql_url(live_server, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", **{"named-graph-uri": target}),
        sparql_url(live_server, f"LOAD <{target}>"),
    ]
    statuses = [get(url)[0] for url in attempts]
    assert statuses[:2] == [400, 400] and statuses[-1] == 400
    assert set(statuses[2:6]) == {200}
    # The same through the in-process app (the test client), with a forwarding header too.
    client = sample_app.test_client()
    response = client.get(
        "/sparql",
        query_string={"query": f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"},
        headers={"X-Forwarded-Host": f"127.0.0.1:{listener.port}", "Referer": target},
    )
    assert response.status_code == 400
    time.sleep(0.5)
    assert listener.connections == 0
    # The listener does record connections: the check above could have failed.
    socket.create_connection(("127.0.0.1", listener.port)).close()
    deadline = time.monotonic() + 2
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections == 1


def test_sparqlwrapper_reads_every_result_format(live_server):
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(QUICK)
    client.setReturnFormat(JSON)
    rows = client.query().convert()["results"]["bindings"]
    assert {r["d"]["value"].rsplit("/", 1)[1] for r in rows} == {"atezolizumab", "pembrolizumab"}
    client.setReturnFormat(XML)
    assert len(client.query().convert().getElementsByTagName("result")) == 2
    client.setReturnFormat(CSV)
    assert client.query().convert().decode().splitlines()[0] == "d"
    client.setMethod(POST)
    client.setQuery("ASK { ?s ?p ?o }")
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True
    client.setQuery("DESCRIBE <https://w3id.org/hcckg/resource/target/pd-l1>")
    client.setReturnFormat(TURTLE)
    graph = rdflib.Graph().parse(data=client.query().convert(), format="turtle")
    assert (None, rdflib.RDFS.label, rdflib.Literal("PD-L1", lang="en")) in graph


def test_rdflib_sparqlstore_queries_the_endpoint(live_server):
    graph = rdflib.Graph(store=SPARQLStore(live_server + "/sparql"))
    result = graph.query(QUICK)
    assert len(list(result)) == 2
    drug = rdflib.URIRef("https://w3id.org/hcckg/resource/drug/atezolizumab")
    assert graph.value(drug, rdflib.RDFS.label) == rdflib.Literal("atezolizumab", lang="en")


def test_answers_have_their_length_and_errors_are_plain_text(live_server):
    request = urllib.request.Request(sparql_url(live_server, QUICK), headers={"Accept": "text/csv"})
    with urllib.request.urlopen(request) as answer:
        assert answer.headers["Content-Length"] == str(len(answer.read()))
        assert answer.headers["Content-Type"].startswith("text/csv")
    status, body, _ = get(sparql_url(live_server, "SELECT ?s WHERE { ?s ?p ?o }"))
    assert status == 413 and b"HCCKG_MAX_ROWS" in body
