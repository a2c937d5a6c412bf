"""The remote store on its own: a real build into a live Oxigraph server that holds someone
else's graph, binding variables into query text, URL defaults, authentication, and what a
user sees when the server is down, slow or failing."""

from __future__ import annotations

import dataclasses
import http.server
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from hcckg.cli import EXIT_ERROR, EXIT_UNAVAILABLE, main
from hcckg.graph.remote import Endpoints, RemoteStore, bind, endpoints
from hcckg.graph.store import open_store
from hcckg.ground import iris
from hcckg.ground.errors import QueryRejected, QueryTimeout, ResultTooLarge, StoreError, StoreUnavailable

CTGOV = Path(__file__).parent / "data" / "ctgov" / "review"
UNRELATED_GRAPH = "http://example.org/someone-elses-graph"  # put there by conftest's remote_built_settings


def _free_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- a build into a server that already holds other data ---------------------------------------


def test_build_replaces_hcckg_graphs_and_leaves_the_others(
    remote_built_settings, oxigraph_server, built_store
):
    remote = open_store(remote_built_settings)
    assert set(remote.graphs()) >= {iris.graph(n) for n in ("ontology", "review", "queries", "void")}
    for name in ("ontology", "review", "queries"):
        assert remote.count(iris.graph(name)) == built_store.count(iris.graph(name)) > 0
    # The other graph is intact, and invisible to hcckg's queries.
    raw = RemoteStore(endpoints(oxigraph_server), base_iri="http://example.org/")
    theirs = raw.select(
        "SELECT ?o WHERE { GRAPH ?g { ?s ?p ?o } }", named_graphs=[ox.NamedNode(UNRELATED_GRAPH)]
    )
    assert [r["o"].value for r in theirs] == ["not hcckg's"]
    assert not bool(remote.query("ASK { <http://example.org/theirs> ?p ?o }"))
    # No staging graph is left behind.
    all_graphs = raw.request(
        "POST",
        oxigraph_server,
        body=urllib.parse.urlencode({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/tab-separated-values"},
    ).body
    assert b"/staging/" not in all_graphs and UNRELATED_GRAPH.encode() in all_graphs


def test_cli_query_on_the_remote_store(remote_built_settings, capsys):
    code = main(
        ["query", "--store", remote_built_settings.store, "--name", "trials", "--param", "drug=lenvatinib"]
    )
    assert code == 0
    assert "NCT06138769" in capsys.readouterr().out


# -- binding variables -----------------------------------------------------------------------


def test_bind_puts_values_at_the_start_of_the_where_group():
    bound = bind(
        'PREFIX ex: <http://e/{x}> # a comment with {braces}\nCONSTRUCT { ?s ex:p "{" } WHERE { ?s ?p ?o }',
        {"o": ox.Literal('a"} ; DROP ALL')},
    )
    assert bound.endswith('WHERE { VALUES (?o) { ("a\\"} ; DROP ALL") }  ?s ?p ?o }')
    select = bind("SELECT (EXISTS { ?s ?p ?o } AS ?e) ?s { ?s ?p ?o }", {"s": ox.NamedNode("http://e/s")})
    assert select.endswith("?s { VALUES (?s) { (<http://e/s>) }  ?s ?p ?o }")
    assert bind("ASK {}", {}) == "ASK {}"


@pytest.mark.parametrize(
    ("name", "term"),
    [("s) {} } #", ox.NamedNode("http://e/s")), ("s", ox.BlankNode()), ("s", "<http://e/s>")],
)
def test_bind_refuses_what_it_cannot_bind_safely(name, term):
    with pytest.raises(QueryRejected):
        bind("SELECT ?s WHERE { ?s ?p ?o }", {name: term})


def test_bind_needs_a_where_group():
    with pytest.raises(QueryRejected):
        bind("DESCRIBE ?s", {"s": ox.NamedNode("http://e/s")})


def test_endpoint_defaults():
    assert endpoints("http://h:7878/query") == Endpoints(
        "http://h:7878/query", "http://h:7878/update", "http://h:7878/store"
    )
    assert endpoints("http://h:3030/ds") == Endpoints(
        "http://h:3030/ds", "http://h:3030/ds", "http://h:3030/ds"
    )
    assert endpoints("http://h/sparql", None, "http://h/gsp").gsp == "http://h/gsp"
    with pytest.raises(StoreError, match="bad SPARQL URL"):
        endpoints("ftp://h/sparql")


# -- a server that misbehaves ---------------------------------------------------------------------


class FakeServer:
    """A loopback HTTP server answering every request with ``status`` after ``delay``
    seconds, recording the requests it saw."""

    def __init__(self) -> None:
        self.status, self.delay, self.body = 500, 0.0, b"boom: the disk is on fire"
        self.content_type, self.headers = "text/plain", {}
        self.seen: list[dict[str, str]] = []
        self.bodies: list[bytes] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                fake.bodies.append(self.rfile.read(length))
                fake.seen.append(dict(self.headers))
                time.sleep(fake.delay)
                self.send_response(fake.status)
                self.send_header("Content-Type", fake.content_type)
                for key, value in fake.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(fake.body)))
                self.end_headers()
                self.wfile.write(fake.body)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/query"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture()
def fake() -> Iterator[FakeServer]:
    server = FakeServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def test_server_error_is_a_clear_message_and_exit_1(fake, capsys, monkeypatch):
    monkeypatch.setenv("HCCKG_SPARQL_RETRIES", "0")
    assert main(["query", "--store", "sparql:" + fake.url, "SELECT * WHERE { ?s ?p ?o }"]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert "HTTP 500" in err and "the disk is on fire" in err and fake.url in err
    assert "Traceback" not in err


def test_unavailable_server_is_retried_then_exit_3(fake, capsys, monkeypatch):
    fake.status = 503
    monkeypatch.setenv("HCCKG_SPARQL_RETRIES", "2")
    assert main(["query", "--store", "sparql:" + fake.url, "ASK {}"]) == EXIT_UNAVAILABLE
    assert len(fake.seen) == 3
    err = capsys.readouterr().err
    assert "HTTP 503" in err and "Traceback" not in err


def test_down_server_gives_exit_3_for_query_and_load(capsys, monkeypatch):
    closed = f"sparql:http://127.0.0.1:{_free_port()}/query"
    monkeypatch.setenv("HCCKG_SPARQL_RETRIES", "1")
    assert main(["query", "--store", closed, "ASK {}"]) == EXIT_UNAVAILABLE
    err = capsys.readouterr().err
    assert "does not answer" in err and "after 2 attempt(s)" in err and "Traceback" not in err
    assert main(["load", "ctgov", str(CTGOV), "--store", closed, "--quiet"]) == EXIT_UNAVAILABLE
    err = capsys.readouterr().err
    assert "does not answer" in err and "Traceback" not in err


def test_slow_server_is_a_query_timeout(fake):
    fake.status, fake.delay = 200, 1.0
    store = RemoteStore(endpoints(fake.url), base_iri="http://e/", query_timeout=0.2, retries=0)
    with pytest.raises(QueryTimeout, match="did not answer within 0.2 s"):
        store.query(
            "ASK {}", default_graph=[ox.NamedNode("http://e/g")], named_graphs=[ox.NamedNode("http://e/g")]
        )


def test_credentials_are_sent(fake):
    fake.status = 401
    basic = RemoteStore(endpoints(fake.url), base_iri="http://e/", user="ann", password="s3cret", retries=0)
    with pytest.raises(StoreError, match="HCCKG_SPARQL_USER"):
        basic.graphs()
    bearer = RemoteStore(endpoints(fake.url), base_iri="http://e/", token="tok", retries=0)
    with pytest.raises(StoreError):
        bearer.graphs()
    assert [s["Authorization"] for s in fake.seen] == ["Basic YW5uOnMzY3JldA==", "Bearer tok"]


def test_read_only_remote_store_refuses_writes(oxigraph_server):
    store = RemoteStore(endpoints(oxigraph_server), base_iri="http://example.org/ro/")
    with pytest.raises(StoreError, match="read-only"):
        store.replace_graph(ox.NamedNode("http://example.org/ro/graph/x"), [])
    with pytest.raises(StoreUnavailable):
        RemoteStore(endpoints(f"http://127.0.0.1:{_free_port()}/query"), base_iri="", retries=0).graphs()


# -- the server in remote mode ----------------------------------------------------------------------


def test_server_answers_from_the_remote_store_with_its_rules(remote_built_settings):
    from hcckg.server import create_app

    app = create_app({"SETTINGS": dataclasses.replace(remote_built_settings, max_rows=5), "TESTING": True})
    client = app.test_client()
    json_type = "application/sparql-results+json"
    answer = client.get(
        "/sparql", query_string={"query": "SELECT ?g WHERE { GRAPH ?g { } }"}, headers={"Accept": json_type}
    )
    assert answer.status_code == 200
    graphs = {b["g"]["value"] for b in answer.get_json()["results"]["bindings"]}
    assert iris.graph("review").value in graphs and UNRELATED_GRAPH not in graphs
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    assert client.get("/sparql", query_string={"query": service}).status_code == 400
    assert client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p ?o }"}).status_code == 413
    update = "DROP GRAPH <" + iris.graph("review").value + ">"
    assert client.post("/sparql", data={"query": update}).status_code in (400, 403)
    assert open_store(remote_built_settings).count(iris.graph("review")) > 0


# -- answers that would lie --------------------------------------------------------------------

TABLE = b'{"head": {"vars": ["s"]}, "results": {"bindings": [{"s": {"type": "uri", "value": "http://e/s"}}]}}'
DATASET = {"default_graph": [ox.NamedNode("http://e/g")], "named_graphs": [ox.NamedNode("http://e/g")]}


def test_accept_is_chosen_by_the_query_form_and_a_wrong_form_is_an_error(fake):
    fake.status, fake.content_type, fake.body = 200, "application/sparql-results+json", TABLE
    store = RemoteStore(endpoints(fake.url), base_iri="http://e/", retries=0, engine_name="generic")
    assert [r["s"] for r in store.query("SELECT ?s WHERE { ?s ?p ?o }", **DATASET)] == [
        ox.NamedNode("http://e/s")
    ]
    with pytest.raises(StoreError, match="where the query asks for triples"):
        store.query("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", **DATASET)
    with pytest.raises(StoreError, match="answered an ASK query with a result table"):
        store.query("ASK { ?s ?p ?o }", **DATASET)
    accepts = [seen["Accept"] for seen in fake.seen]
    assert accepts[0].startswith("application/sparql-results+json")
    assert accepts[1].startswith("application/n-triples") and "sparql-results" not in accepts[1]
    fake.content_type, fake.body = "application/n-triples", b"<http://e/s> <http://e/p> <http://e/o> .\n"
    with pytest.raises(StoreError, match="where the query asks for a result table"):
        store.query("SELECT ?s WHERE { ?s ?p ?o }", **DATASET)
    fake.content_type, fake.body = (
        "application/sparql-results+json",
        b'{"head": {"vars": ["s"]}, "results": {"bind',
    )
    with pytest.raises(StoreError, match="does not parse"):
        store.query("SELECT ?s WHERE { ?s ?p ?o }", **DATASET)


def test_answers_marked_as_cut_or_partial_are_errors(fake):
    fake.status, fake.content_type, fake.body = 200, "application/sparql-results+json", TABLE
    store = RemoteStore(endpoints(fake.url), base_iri="http://e/", retries=0, engine_name="virtuoso")
    fake.headers = {"X-SPARQL-MaxRows": "1"}
    with pytest.raises(ResultTooLarge, match="cut its answer at 1 rows"):
        store.query("SELECT ?s WHERE { ?s ?p ?o }", **DATASET)
    fake.headers = {"X-SQL-State": "S1TAT", "X-SQL-Message": "RC...: Returning incomplete results"}
    with pytest.raises(QueryTimeout, match="partial"):
        store.query("SELECT ?s WHERE { ?s ?p ?o }", **DATASET)
    # The time limit went with each query, in Virtuoso's terms: milliseconds, a third of
    # three quarters of HCCKG_QUERY_TIMEOUT (30 s here, the default).
    assert all(urllib.parse.parse_qs(body.decode())["timeout"] == ["7500"] for body in fake.bodies)


def test_an_engines_timeout_answer_is_a_timeout_and_never_retried(fake):
    fake.status, fake.body = 503, b"Query timed out"
    store = RemoteStore(
        endpoints(fake.url), base_iri="http://e/", retries=3, backoff=0.0, engine_name="fuseki"
    )
    with pytest.raises(QueryTimeout, match="stopped the query at its time limit"):
        store.query("SELECT ?s WHERE { ?s ?p ?o }", **DATASET)
    assert len(fake.seen) == 1  # a POSTed query is not sent again
