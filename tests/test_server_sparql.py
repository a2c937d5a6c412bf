"""The SPARQL 1.1 Protocol query operation at /sparql, through Flask's test client."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pyoxigraph as ox
import pytest
import rdflib

from hcckg.graph.store import memory_store
from hcckg.server import create_app
from hcckg.server.negotiation import GRAPH, PAGE, RESULTS, choose

DRUGS = """PREFIX hcc: <https://w3id.org/hcckg/ontology/>
SELECT ?drug ?target WHERE { ?drug hcc:hasTarget ?target } ORDER BY ?drug"""
ATEZO = "https://w3id.org/hcckg/resource/drug/atezolizumab"
SRX = "{http://www.w3.org/2005/sparql-results#}"


@pytest.fixture()
def client(sample_app):
    return sample_app.test_client()


def bindings(response) -> list[dict]:
    assert response.status_code == 200, response.data
    return json.loads(response.data)["results"]["bindings"]


# -- the three ways to send a query ------------------------------------------------------


def test_get_query_answers_sparql_json_by_default(client):
    response = client.get("/sparql", query_string={"query": DRUGS})
    assert response.mimetype == "application/sparql-results+json"
    rows = bindings(response)
    assert [r["drug"]["value"] for r in rows] == [ATEZO, "https://w3id.org/hcckg/resource/drug/pembrolizumab"]


def test_post_form_and_post_direct_give_the_same_answer(client):
    form = client.post("/sparql", data={"query": DRUGS})
    direct = client.post("/sparql", data=DRUGS, content_type="application/sparql-query")
    assert bindings(form) == bindings(direct) and len(bindings(form)) == 2


def test_default_graph_uri_restricts_the_default_graph(client):
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    everything = bindings(client.get("/sparql", query_string={"query": query}))[0]["n"]["value"]
    ontology = "https://w3id.org/hcckg/graph/ontology"
    only = client.get("/sparql", query_string={"query": query, "default-graph-uri": ontology})
    assert 0 < int(bindings(only)[0]["n"]["value"]) < int(everything)


def test_named_graph_uri_limits_graph_patterns(client):
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    review = "https://w3id.org/hcckg/graph/review"
    response = client.post(
        "/sparql?named-graph-uri=" + review, data=query, content_type="application/sparql-query"
    )
    assert [r["g"]["value"] for r in bindings(response)] == [review]


# -- formats -----------------------------------------------------------------------------


def test_select_as_xml_csv_tsv(client):
    xml = client.get(
        "/sparql", query_string={"query": DRUGS}, headers={"Accept": "application/sparql-results+xml"}
    )
    assert xml.mimetype == "application/sparql-results+xml"
    assert len(ET.fromstring(xml.data).findall(f"{SRX}results/{SRX}result")) == 2

    text = client.get("/sparql", query_string={"query": DRUGS}, headers={"Accept": "text/csv"})
    assert text.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(text.data.decode())))
    assert rows[0]["drug"] == ATEZO

    tsv = client.get(
        "/sparql", query_string={"query": DRUGS}, headers={"Accept": "text/tab-separated-values"}
    )
    assert tsv.data.decode().splitlines()[0] == "?drug\t?target"


def test_ask_answers_a_boolean(client):
    response = client.get("/sparql", query_string={"query": f"ASK {{ <{ATEZO}> ?p ?o }}"})
    assert json.loads(response.data) == {"head": {}, "boolean": True}


@pytest.mark.parametrize(
    "accept, rdflib_format",
    [
        ("text/turtle", "turtle"),
        ("application/n-triples", "nt"),
        ("application/rdf+xml", "xml"),
        ("application/ld+json", "json-ld"),
        ("application/n-quads", "nquads"),
        ("application/trig", "trig"),
    ],
)
def test_construct_in_every_graph_format_parses_back(client, accept, rdflib_format):
    query = f"DESCRIBE <{ATEZO}>"
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    parsed = rdflib.Dataset() if rdflib_format in ("nquads", "trig") else rdflib.Graph()
    parsed.parse(data=response.data, format=rdflib_format)
    label = rdflib.Literal("atezolizumab", lang="en")
    assert (rdflib.URIRef(ATEZO), rdflib.RDFS.label, label) in (
        parsed.default_graph if isinstance(parsed, rdflib.Dataset) else parsed
    )


def test_accept_q_values_and_the_format_parameter(client):
    accept = "text/csv;q=0.5, application/sparql-results+xml;q=0.9, */*;q=0.1"
    response = client.get("/sparql", query_string={"query": DRUGS}, headers={"Accept": accept})
    assert response.mimetype == "application/sparql-results+xml"
    overridden = client.get(
        "/sparql", query_string={"query": DRUGS, "format": "tsv"}, headers={"Accept": accept}
    )
    assert overridden.mimetype == "text/tab-separated-values"


def test_negotiation_table_rules():
    assert choose(RESULTS, None).name == "json"
    assert choose(GRAPH, "*/*").name == "turtle"
    # The most specific range decides: CSV and XML excluded although text/* is welcome.
    assert choose(RESULTS, "text/*, text/csv;q=0, text/xml;q=0").name == "tsv"
    assert choose(GRAPH, "application/json").name == "jsonld"
    assert choose(RESULTS, "application/sparql-results+json", "csv").name == "csv"
    # Parameters other than q are ignored, a range without "/" too (werkzeug's MIMEAccept parses).
    assert choose(PAGE, "text/html;level=1;q=0.3, bad, text/turtle;charset=utf-8;q=0.5").name == "turtle"
    assert choose(GRAPH, "bad").name == "turtle"
    # Equal qualities go to the table's order, however specific the ranges.
    assert choose(GRAPH, "*/*, application/ld+json").name == "turtle"
    # SPARQLWrapper and rdflib ask graph answers as "xml", "json" and text/n3.
    assert choose(GRAPH, None, "xml").name == "rdfxml" and choose(GRAPH, None, "json").name == "jsonld"
    assert choose(GRAPH, "text/n3").name == "turtle" and choose(RESULTS, None, "xml").name == "xml"


# -- errors ------------------------------------------------------------------------------


def test_syntax_error_is_400_with_its_position(client):
    response = client.get("/sparql", query_string={"query": "SELECT * WHERE {\n  ?s ?p }"})
    assert response.status_code == 400 and response.mimetype == "text/plain"
    assert "SPARQL syntax error at line 2, column" in response.data.decode()


def test_unacceptable_format_is_406(client):
    response = client.get("/sparql", query_string={"query": DRUGS}, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.data.decode()
    graph_format_for_select = client.get("/sparql", query_string={"query": DRUGS, "format": "turtle"})
    assert graph_format_for_select.status_code == 406


def test_unsupported_body_is_415(client):
    response = client.post("/sparql", data=DRUGS, content_type="text/plain")
    assert response.status_code == 415


def test_wrong_method_is_405_with_allow(client):
    response = client.put("/sparql", data=DRUGS)
    assert response.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_two_queries_or_no_query_in_a_post_are_400(client):
    assert client.get("/sparql?query=ASK{}&query=ASK{}").status_code == 400
    assert client.post("/sparql", data={"format": "json"}).status_code == 400
    assert (
        client.get("/sparql", query_string={"query": "ASK {}", "default-graph-uri": "not an iri"}).status_code
        == 400
    )


@pytest.mark.parametrize(
    "request_kwargs",
    [
        {"query_string": {"query": "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }"}},
        {"query_string": {"update": "CLEAR ALL"}},
        {"method": "POST", "data": "DROP ALL", "content_type": "application/sparql-update"},
        {"method": "POST", "data": {"update": "CLEAR ALL"}},
    ],
)
def test_updates_are_refused_at_sparql(client, sample_app, request_kwargs):
    response = client.open("/sparql", **request_kwargs)
    assert response.status_code == 400
    assert "read-only" in response.data.decode()
    count = bindings(client.get("/sparql", query_string={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}))
    assert int(count[0]["n"]["value"]) > 0


def test_service_is_refused_before_evaluation(client):
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400 and "SERVICE" in response.data.decode()
    hidden = "SELECT * WHERE { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
    assert client.get("/sparql", query_string={"query": hidden}).status_code == 400


def test_words_like_service_in_iris_strings_and_comments_are_fine(client):
    query = 'PREFIX sd: <http://e/service#> SELECT ?x WHERE { BIND("SERVICE" AS ?x) } # SERVICE'
    response = client.get("/sparql", query_string={"query": query})
    assert bindings(response) == [{"x": {"type": "literal", "value": "SERVICE"}}]


@pytest.mark.parametrize(
    "query",
    [
        # Oxigraph reads the keyword by its letters alone: both are federated calls.
        "PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE:a { ?s ?p ?o } }",
        "PREFIX x: <http://127.0.0.1:9/> SELECT * { SERVICEx:a { ?s ?p ?o } }",
        # A declared prefix "service:" followed by a group is one too.
        "PREFIX : <http://127.0.0.1:9/> PREFIX service: <http://e/> SELECT * { service:a { ?s ?p ?o } }",
        "SELECT ?service WHERE { BIND(1 AS ?service) }",
    ],
)
def test_the_letters_of_service_in_names_are_refused(client, query):
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert "SERVICE" in response.data.decode() and "in names too" in response.data.decode()


# -- limits ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_size_limit_refuses_too_many_rows_in_every_format(client, fmt):
    query = "SELECT ?s ?o WHERE { ?s <http://example.org/rank> ?o }"  # 300 rows, limit 100
    response = client.get("/sparql", query_string={"query": query, "format": fmt})
    assert response.status_code == 413
    assert "more than 100 rows" in response.data.decode() and "HCCKG_MAX_ROWS" in response.data.decode()


def test_size_limit_lets_exactly_the_limit_through(client):
    query = "SELECT ?s WHERE { ?s <http://example.org/rank> ?o } LIMIT 100"
    for fmt in ("json", "xml", "csv", "tsv"):
        response = client.get("/sparql", query_string={"query": query, "format": fmt})
        assert response.status_code == 200, (fmt, response.data[:200])
    assert len(bindings(client.get("/sparql", query_string={"query": query}))) == 100


def test_size_limit_is_exact_when_literals_look_like_row_separators():
    # JSON's "},{" and CSV's CRLF can occur inside literals: the count must not be fooled.
    store = memory_store()
    p = ox.NamedNode("http://e/p")
    store.inner.extend(
        ox.Quad(ox.NamedNode(f"http://e/{i}"), p, ox.Literal("a},{b\r\nc},{" * 5)) for i in range(3)
    )
    app = create_app({"STORE": store, "MAX_ROWS": 3, "TESTING": True})
    client = app.test_client()
    for fmt in ("json", "csv"):
        response = client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }", "format": fmt})
        assert response.status_code == 200, fmt
    assert len(bindings(client.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"}))) == 3
    limited = create_app({"STORE": store, "MAX_ROWS": 2, "TESTING": True}).test_client()
    for fmt in ("json", "csv"):
        response = limited.get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }", "format": fmt})
        assert response.status_code == 413, fmt


def test_size_limit_on_construct(client):
    query = "CONSTRUCT WHERE { ?s <http://example.org/rank> ?o }"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 413 and "more than 100 triples" in response.data.decode()


# -- service description and CORS ---------------------------------------------------------


def test_service_description_when_there_is_no_query(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    sd = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    services = list(graph.subjects(rdflib.RDF.type, sd.Service))
    assert [str(s) for s in services] == ["http://localhost/sparql"]
    names = {str(o) for o in graph.objects(None, sd.name)}
    assert "https://w3id.org/hcckg/graph/review" in names
    assert (
        services[0],
        sd.resultFormat,
        rdflib.URIRef("http://www.w3.org/ns/formats/SPARQL_Results_CSV"),
    ) in graph


def test_cors_on_answers_and_preflight(client):
    answer = client.get(
        "/sparql", query_string={"query": DRUGS}, headers={"Origin": "http://elsewhere.example"}
    )
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/sparql",
        headers={"Origin": "http://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]


# -- the update endpoint ------------------------------------------------------------------


def test_update_endpoint_is_off_without_a_token(client):
    assert client.post("/sparql/update", data={"update": "CLEAR ALL"}).status_code == 404


def test_update_endpoint_requires_its_token():
    store = memory_store()
    client = create_app({"STORE": store, "UPDATE_TOKEN": "s3cret", "TESTING": True}).test_client()
    update = "INSERT DATA { <http://e/a> <http://e/b> <http://e/c> }"
    missing = client.post("/sparql/update", data={"update": update})
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].lower().startswith("bearer")
    wrong = client.post("/sparql/update", data={"update": update}, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    assert store.count() == 0
    good = client.post(
        "/sparql/update",
        data=update,
        content_type="application/sparql-update",
        headers={"Authorization": "Bearer s3cret"},
    )
    assert good.status_code == 204 and store.count() == 1
    load = client.post(
        "/sparql/update",
        data={"update": "LOAD <http://127.0.0.1:9/data.ttl>"},
        headers={"Authorization": "Bearer s3cret"},
    )
    assert load.status_code == 400 and "LOAD" in load.data.decode()
