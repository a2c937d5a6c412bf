"""HTTP done right: validators from the build and 304s for every kind of answer, HEAD
like GET, Vary, Content-Length and gzip, relative IRIs against the endpoint's URL, the
answer cache, the access log, and SPARQLWrapper's default requests."""

from __future__ import annotations

import gzip
import re
import urllib.error
import urllib.parse
import urllib.request

import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import SPARQLWrapper

from hcckg.server import create_app

BASE = "https://w3id.org/hcckg/"
ATEZO = BASE + "resource/drug/atezolizumab"
SELECT = "SELECT ?s ?o WHERE { ?s <http://example.org/rank> ?o } ORDER BY ?o LIMIT 100"
QS = urllib.parse.urlencode

# Each kind of answer: the SPARQL endpoint's GET answers (results, graphs, the service
# description), a page, resource RDF, VoID, a dump of everything and of one graph.
ANSWERS = {
    "select": ("/sparql?" + QS({"query": SELECT}), {}),
    "construct": (
        "/sparql?" + QS({"query": f"CONSTRUCT {{ <{ATEZO}> ?p ?o }} WHERE {{ <{ATEZO}> ?p ?o }}"}),
        {},
    ),
    "service": ("/sparql", {"Accept": "text/turtle"}),
    "page": ("/resource/drug/atezolizumab", {"Accept": "text/html"}),
    "resource-rdf": ("/resource/drug/atezolizumab", {"Accept": "text/turtle"}),
    "void": ("/.well-known/void", {"Accept": "text/turtle"}),
    "dump": ("/dumps/hcckg.nq", {}),
    "graph-dump": ("/dumps/review.ttl", {}),
}


@pytest.fixture()
def client(sample_app):
    return sample_app.test_client()


@pytest.mark.parametrize("kind", ANSWERS)
def test_conditional_get_is_304_for_every_kind_of_answer(client, kind):
    path, headers = ANSWERS[kind]
    first = client.get(path, headers=headers)
    assert first.status_code == 200, first.data[:300]
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    build = client.get("/health").json["build"]
    assert etag.startswith(f'"{build}-') and not etag.startswith("W/")  # strong, from the build
    for condition in ({"If-None-Match": etag}, {"If-Modified-Since": modified}):
        again = client.get(path, headers={**headers, **condition})
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag
    other = client.get(path, headers={**headers, "If-None-Match": '"another-build-turtle"'})
    assert other.status_code == 200 and other.data == first.data


@pytest.mark.parametrize("kind", ANSWERS)
def test_head_matches_get(client, kind):
    path, headers = ANSWERS[kind]
    got, head = client.get(path, headers=headers), client.head(path, headers=headers)
    assert head.status_code == got.status_code == 200 and head.data == b""
    for name in ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Vary"):
        assert head.headers.get(name) == got.headers.get(name), name


def test_every_negotiated_answer_varies_on_accept(client):
    for path, headers in ANSWERS.values():
        assert "Accept" in client.get(path, headers=headers).headers["Vary"]
    assert "Accept" in client.get("/no/such/page", headers={"Accept": "text/html"}).headers["Vary"]


def test_large_answers_and_dumps_are_gzipped_with_their_length(client):
    for path in ("/sparql?" + QS({"query": SELECT}), "/dumps/hcckg.nq"):
        plain = client.get(path)
        packed = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert len(plain.data) >= 8192 and int(plain.headers["Content-Length"]) == len(plain.data)
        assert packed.headers["Content-Encoding"] == "gzip"
        assert int(packed.headers["Content-Length"]) == len(packed.data) < len(plain.data)
        assert gzip.decompress(packed.data) == plain.data
        assert packed.headers["ETag"] != plain.headers["ETag"]  # another representation
        assert "Accept-Encoding" in packed.headers["Vary"]


def test_relative_iris_resolve_against_the_request_url(client, sample_store_settings):
    # W3C protocol test: CONSTRUCT { <s> <p> 1 } WHERE {} posted as application/sparql-query.
    body = "CONSTRUCT { <s> <p> 1 } WHERE {}"
    answer = client.post(
        "/sparql",
        data=body,
        content_type="application/sparql-query",
        headers={"Accept": "application/n-triples"},
    )
    assert answer.status_code == 200
    one = '"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    assert answer.data.decode().strip() == f"<http://localhost/s> <http://localhost/p> {one} ."
    public = create_app({"SETTINGS": sample_store_settings, "PUBLIC_URL": "https://kg.example.org/"})
    answer = public.test_client().post(
        "/sparql",
        data=body,
        content_type="application/sparql-query",
        headers={"Accept": "application/n-triples"},
    )
    assert answer.data.decode().strip() == f"<https://kg.example.org/s> <https://kg.example.org/p> {one} ."


def test_the_same_query_is_answered_from_the_cache_with_the_same_bytes(sample_app):
    from hcckg.server import site

    client = sample_app.test_client()
    query = "/sparql?" + QS({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    first = client.get(query).data
    with sample_app.app_context():
        cache = site().answers
        hits = cache.hits
    assert client.get(query).data == first and cache.hits == hits + 1
    # Another format of the same query is another answer.
    assert client.get(query, headers={"Accept": "text/csv"}).data != first and cache.hits == hits + 1


def test_the_build_id_is_the_same_in_health_void_and_pages(client):
    build = client.get("/health").json["build"]
    graph = rdflib.Graph().parse(
        data=client.get(ANSWERS["void"][0], headers={"Accept": "text/turtle"}).data, format="turtle"
    )
    assert str(graph.value(rdflib.URIRef(BASE), rdflib.DCTERMS.identifier)) == build
    assert f'<code class="build">{build}</code>' in client.get("/resource/drug/atezolizumab").data.decode()


# -- live: gunicorn's HEAD, the access log, real clients ---------------------------------------


def test_live_head_conditional_get_and_access_log(live_server):
    url = live_server + "/sparql?" + QS({"query": "ASK { ?s ?p ?o }"})
    with urllib.request.urlopen(urllib.request.Request(url, method="HEAD")) as head:
        assert head.status == 200 and head.read() == b""
        etag = head.headers["ETag"]
    with urllib.request.urlopen(url) as got:
        assert got.headers["ETag"] == etag and got.headers["Content-Length"] == str(len(got.read()))
    request = urllib.request.Request(url, headers={"If-None-Match": etag})
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(request)
    assert not_modified.value.code == 304


def test_access_log_is_in_the_combined_format(tmp_path, sample_store_settings):
    from conftest import start_serve

    served = start_serve(sample_store_settings.store, tmp_path)
    try:
        urllib.request.urlopen(
            urllib.request.Request(
                served.url + "/health", headers={"Referer": "http://r.example/", "User-Agent": "probe/1"}
            )
        ).read()
    finally:
        served.stop()
    combined = re.compile(
        r'^127\.0\.0\.1 - - \[[^\]]+\] "GET /health HTTP/1\.1" 200 \d+ "http://r\.example/" "probe/1"$', re.M
    )
    assert combined.search(served.log.read_text())
    (tmp_path / "quiet").mkdir()
    quiet = start_serve(sample_store_settings.store, tmp_path / "quiet", HCCKG_ACCESS_LOG="off")
    try:
        urllib.request.urlopen(quiet.url + "/health").read()
    finally:
        quiet.stop()
    assert '"GET /health' not in quiet.log.read_text()


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?d WHERE { ?d <https://w3id.org/hcckg/ontology/hasTarget> ?t }",
        "ASK { ?s ?p ?o }",
        f"CONSTRUCT {{ <{ATEZO}> ?p ?o }} WHERE {{ <{ATEZO}> ?p ?o }}",
        f"DESCRIBE <{ATEZO}>",
    ],
    ids=["select", "ask", "construct", "describe"],
)
def test_sparqlwrapper_default_format_works_for_every_query_form(live_server, query):
    """SPARQLWrapper without setReturnFormat sends format=xml&output=xml&results=xml (and
    an XML Accept): SELECT and ASK get SPARQL XML, CONSTRUCT and DESCRIBE RDF/XML."""
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(query)
    converted = client.query().convert()
    if query.startswith("SELECT"):
        assert len(converted.getElementsByTagName("result")) == 2
    elif query.startswith("ASK"):
        assert converted.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        assert isinstance(converted, rdflib.Graph)
        assert (
            rdflib.URIRef(ATEZO),
            rdflib.RDFS.label,
            rdflib.Literal("atezolizumab", lang="en"),
        ) in converted


def test_graph_answers_for_json_and_n3_requests(live_server):
    construct = f"CONSTRUCT {{ <{ATEZO}> ?p ?o }} WHERE {{ <{ATEZO}> ?p ?o }}"
    url = live_server + "/sparql?" + QS({"query": construct, "format": "json"})
    with urllib.request.urlopen(url) as answer:
        assert answer.headers["Content-Type"] == "application/ld+json"
        assert (rdflib.URIRef(ATEZO), None, None) in rdflib.Graph().parse(
            data=answer.read(), format="json-ld"
        )
    request = urllib.request.Request(
        live_server + "/sparql?" + QS({"query": construct}), headers={"Accept": "text/n3"}
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.headers["Content-Type"].startswith("text/turtle")
    graph = rdflib.Graph(store=SPARQLStore(live_server + "/sparql"))
    assert len(graph.query(construct)) > 0  # rdflib's own default request for a graph


@pytest.mark.parametrize(
    "how",
    [
        ("POST", None, "application/n-triples", ""),
        ("GET", None, None, ""),
        ("GET", "text/csv", None, "gzip"),
        ("POST", None, None, "gzip, deflate"),
        ("GET", None, "application/sparql-results+xml", "gzip;q=0"),
    ],
)
def test_a_cache_hit_is_sent_as_the_endpoint_sends_it(sample_store_settings, how):
    """The second ask is answered by server/fastpath.py in front of Flask: the same status,
    headers and bytes as the first, which the endpoint made."""
    method, format_param, accept, encoding = how
    app = create_app({"SETTINGS": sample_store_settings})  # an empty cache of its own
    client = app.test_client()
    query = SELECT if format_param or encoding else f"DESCRIBE <{ATEZO}>"
    headers = {k: v for k, v in (("Accept", accept), ("Accept-Encoding", encoding)) if v}
    args = {"format": format_param} if format_param else {}

    def ask():
        if method == "POST":
            return client.post(
                "/sparql?" + QS(args), data=query, content_type="application/sparql-query", headers=headers
            )
        return client.get("/sparql?" + QS({"query": query, **args}), headers=headers)

    first, second = ask(), ask()
    from hcckg.server import site

    with app.app_context():
        assert site().answers.hits >= 1  # the second came from the cache
    assert first.status_code == second.status_code == 200 and first.data == second.data
    ignore = {"Date"}
    assert {k: v for k, v in first.headers.items() if k not in ignore} == {
        k: v for k, v in second.headers.items() if k not in ignore
    }


def test_the_access_log_line_is_gunicorns_combined_line():
    import datetime
    import logging
    from types import SimpleNamespace

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from hcckg.server.accesslog import COMBINED, CombinedLogger

    lines = {}
    for cls in (Logger, CombinedLogger):
        cfg = Config()
        cfg.set("accesslog", "-")
        cfg.set("access_log_format", COMBINED)
        logger = cls(cfg)
        logger.access_log = SimpleNamespace(
            info=lambda msg, *a, cls=cls: lines.__setitem__(cls, msg % a[0] if a else msg)
        )
        resp = SimpleNamespace(status="200 OK", sent=1234, headers=[("Content-Type", "text/plain")])
        environ = {
            "REMOTE_ADDR": "127.0.0.1",
            "REQUEST_METHOD": "GET",
            "RAW_URI": '/sparql?query=ASK%7B%7D&x="quoted"',
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_REFERER": "http://r.example/",
            "HTTP_USER_AGENT": 'agent "with quotes"',
        }
        logger.access(resp, SimpleNamespace(headers=[]), environ, datetime.timedelta(microseconds=5))
    assert lines[CombinedLogger] == lines[Logger]
    assert logging.getLogger("gunicorn.access")  # the real one is what both write to


def test_only_queries_with_a_relative_iri_get_a_base():
    from hcckg.server.screen import has_relative_iri

    assert has_relative_iri("CONSTRUCT { <s> <p> 1 } WHERE {}")
    assert has_relative_iri("PREFIX e: <rel/> ASK { e:x ?p ?o }") and has_relative_iri("ASK { <> ?p ?o }")
    # IRIs with a scheme, and "<s>" in strings and comments, resolve against nothing.
    assert not has_relative_iri('SELECT * { <http://a/b> ?p "<s>" } # <x>')
    assert not has_relative_iri("ASK { <\\u0068ttp://x/> ?p ?o }")
