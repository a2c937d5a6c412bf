"""Linked-data pages, the ontology, VoID, dumps, /health and the query page (test client)."""

from __future__ import annotations

import json
import re

import pyoxigraph as ox
import pytest
import rdflib
from conftest import FILLER_TRIPLES, SAMPLE_TRIG

from hcckg.graph.store import memory_store
from hcckg.graph.void import void_triples
from hcckg.ground.settings import load_settings

BASE = "https://w3id.org/hcckg/"
ATEZO = BASE + "resource/drug/atezolizumab"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")


def sample_quads(graph: str | None = None) -> list[ox.Quad]:
    quads = ox.parse(path=str(SAMPLE_TRIG), format=ox.RdfFormat.TRIG)
    return [q for q in quads if graph is None or q.graph_name.value == graph]


@pytest.fixture()
def client(sample_app):
    return sample_app.test_client()


def test_resource_page_shows_label_types_synonyms_links_and_sources(client):
    response = client.get("/resource/drug/atezolizumab", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.data.decode()
    assert "<h1>atezolizumab</h1>" in html
    assert "Also called: Atezo" in html
    # Its target, with the number of its source in the page's list of sources.
    assert re.search(
        r'<dt>Targets</dt><dd><a href="/resource/target/pd-l1"[^>]*>[^<]*</a><sup class="cites">', html
    )
    assert 'id="source-1"><a href="/resource/source/ascari-2026"' in html
    # Every fact, in and out, with its sources: ?view=facts.
    html = client.get("/resource/drug/atezolizumab?view=facts").data.decode()
    assert 'href="/ontology/MonoclonalAntibody"' in html and "monoclonal antibody" in html
    # The link out, with the source of the fact from its rdf:Statement node.
    row = re.search(r'<tr><td><a href="/ontology/hasTarget".*?</tr>', html, re.S).group(0)
    assert 'href="/resource/target/pd-l1"' in row and 'href="/resource/source/ascari-2026"' in row


def test_links_in_are_shown_on_the_target_page(client):
    html = client.get("/resource/target/pd-l1").data.decode()
    assert re.search(r'<dt>Drugs that hit it</dt><dd><a href="/resource/drug/atezolizumab"', html)
    html = client.get("/resource/target/pd-l1?view=facts").data.decode()
    inward = html.split('id="in"', 1)[1]
    assert 'href="/resource/drug/atezolizumab"' in inward and "has target" in inward


def test_definition_on_an_ontology_term_page(client):
    html = client.get("/ontology/MonoclonalAntibody").data.decode()
    assert "A therapeutic antibody of a single clone" in html
    assert 'href="/ontology/TherapeuticAgent"' in html


@pytest.mark.parametrize(
    "accept, fmt",
    [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/n-triples", "nt")],
)
def test_resource_as_data_by_accept(client, accept, fmt):
    response = client.get("/resource/drug/atezolizumab", headers={"Accept": accept})
    assert response.status_code == 200 and response.mimetype == accept
    graph = rdflib.Graph().parse(data=response.data, format=fmt)
    atezo = rdflib.URIRef(ATEZO)
    hcc = rdflib.Namespace(BASE + "ontology/")
    assert (atezo, hcc.hasTarget, rdflib.URIRef(BASE + "resource/target/pd-l1")) in graph
    # The provenance statement travels with the description.
    statements = set(graph.subjects(rdflib.RDF.subject, atezo))
    assert statements and all(graph.value(s, rdflib.DCTERMS.source) for s in statements)


def test_format_parameter_and_unknown_iri(client):
    assert client.get("/resource/drug/atezolizumab?format=jsonld").mimetype == "application/ld+json"
    missing = client.get("/resource/drug/no-such-drug", headers={"Accept": "text/plain"})
    assert (
        missing.status_code == 404
        and missing.mimetype == "text/plain"
        and "not in hcckg" in missing.data.decode()
    )
    page = client.get("/resource/drug/no-such-drug", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert 'role="search"' in page.data.decode() and "not in hcckg" in page.data.decode()
    assert client.get("/resource/drug/atezolizumab", headers={"Accept": "image/png"}).status_code == 406


def test_named_graph_page_and_dumps(client):
    html = client.get("/graph/review").data.decode()
    assert "Named graph of" in html and 'href="/dumps/review.ttl"' in html
    assert client.get("/graph/not-a-graph").status_code == 404
    dump = client.get("/dumps/review.ttl")
    assert dump.status_code == 200 and "attachment" in dump.headers["Content-Disposition"]
    graph = rdflib.Graph().parse(data=dump.data, format="turtle")
    assert (rdflib.URIRef(ATEZO), rdflib.RDFS.label, rdflib.Literal("atezolizumab", lang="en")) in graph


def test_full_dump_keeps_every_named_graph(client, sample_app):
    from hcckg.server import site

    with sample_app.app_context():
        store = site().store
        expected = sum(1 for q in store.quads() if not isinstance(q.graph_name, ox.DefaultGraph))
    response = client.get("/dumps/hcckg.nq")
    assert response.status_code == 200 and response.mimetype == "application/n-quads"
    quads = list(ox.parse(response.data, format=ox.RdfFormat.N_QUADS))
    assert len(quads) == expected
    trig = rdflib.Dataset().parse(data=client.get("/dumps/hcckg.trig").data, format="trig")
    assert len(trig) == expected
    assert client.get("/dumps/nothing.nq").status_code == 404


def test_ontology_docs_and_release_files(client):
    page = client.get("/ontology", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    turtle = client.get("/ontology/hcckg.ttl")
    graph = rdflib.Graph().parse(data=turtle.data, format="turtle")
    assert (rdflib.URIRef(BASE + "ontology/MonoclonalAntibody"), rdflib.RDF.type, rdflib.OWL.Class) in graph
    owl = client.get("/ontology/hcckg.owl")
    assert owl.mimetype == "application/rdf+xml" and len(
        rdflib.Graph().parse(data=owl.data, format="xml")
    ) == len(graph)
    assert len(rdflib.Graph().parse(data=client.get("/ontology/hcckg.jsonld").data, format="json-ld")) == len(
        graph
    )


def test_void_counts_partitions_and_endpoint(client):
    response = client.get("/.well-known/void", headers={"Accept": "text/turtle"})
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    dataset = rdflib.URIRef(BASE)
    assert (dataset, rdflib.RDF.type, VOID.Dataset) in graph
    review = rdflib.URIRef(BASE + "graph/review")
    assert (dataset, VOID.subset, review) in graph
    assert int(graph.value(review, VOID.triples)) == len(sample_quads(BASE + "graph/review"))
    assert int(graph.value(dataset, VOID.triples)) == len(sample_quads()) + FILLER_TRIPLES
    classes = {graph.value(p, VOID["class"]) for p in graph.objects(dataset, VOID.classPartition)}
    assert rdflib.URIRef(BASE + "ontology/MonoclonalAntibody") in classes
    properties = {graph.value(p, VOID.property) for p in graph.objects(dataset, VOID.propertyPartition)}
    assert rdflib.URIRef(BASE + "ontology/hasTarget") in properties
    assert rdflib.URIRef(BASE + "ontology/") in set(graph.objects(dataset, VOID.vocabulary))
    assert graph.value(dataset, VOID.sparqlEndpoint) is not None
    assert graph.value(dataset, rdflib.DCTERMS.license) is not None


def test_void_triples_are_deterministic_apart_from_blank_nodes():
    store = memory_store()
    store.inner.bulk_load(path="tests/data/server/sample.trig", format=ox.RdfFormat.TRIG)
    first = void_triples(store, load_settings())
    second = void_triples(store, load_settings())

    def named(triples: list[ox.Triple]) -> list[str]:
        return sorted(
            str(t)
            for t in triples
            if not isinstance(t.subject, ox.BlankNode | ox.Literal) and not isinstance(t.object, ox.BlankNode)
        )

    assert named(first) == named(second) and len(first) == len(second)
    examples = [t.object.value for t in first if t.predicate.value.endswith("#exampleResource")]
    assert examples == [ATEZO]


def test_health(client):
    body = json.loads(client.get("/health").data)
    assert body["status"] == "ok" and body["triples"] == len(sample_quads()) + FILLER_TRIPLES
    assert body["graphs"] == 3
    assert body["build"]


def test_query_page_lists_named_queries_and_terms(client):
    html = client.get("/query", headers={"Accept": "text/html"}).data.decode()
    data = json.loads(
        re.search(r'<script id="page-data" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert data["base"] == BASE
    assert {"name": "hcc:hasTarget", "iri": BASE + "ontology/hasTarget", "kind": "object property"} in data[
        "terms"
    ]
    from hcckg.queries.catalogue import load_catalogue

    assert {e["name"] for e in data["examples"]} == set(load_catalogue())
    # Machines asking the dataset IRI (the base) get its VoID description.
    assert client.get("/", headers={"Accept": "text/turtle"}).mimetype == "text/turtle"


def test_store_not_built_is_503(tmp_settings):
    from hcckg.server import create_app

    client = create_app({"SETTINGS": tmp_settings, "TESTING": True}).test_client()
    response = client.get("/health")
    assert response.status_code == 503 and "hcckg build" in response.data.decode()
    assert client.get("/sparql", query_string={"query": "ASK {}"}).status_code == 503


def test_served_ontology_files_are_the_release_files(client, tmp_path):
    from hcckg.release import build_release

    build_release(tmp_path)
    for name in ("hcckg.ttl", "hcckg.owl", "hcckg.jsonld", "hcckg.nt"):
        assert client.get(f"/ontology/{name}").data == (tmp_path / name).read_bytes(), name
    # The cardinalities keep their OWL 2 datatype (the store would answer xsd:integer).
    assert b"nonNegativeInteger" in client.get("/ontology/hcckg.ttl").data
