"""The store interface, the same tests on every implementation: the embedded pyoxigraph
store, and the remote store (``HCCKG_STORE=sparql:URL``) on a live Oxigraph server,
Virtuoso 7 and Apache Jena Fuseki 5 (TDB2), each a throw-away instance of its own
(tests/engine_servers.py; ``make engines`` installs them).

Each test has a base IRI of its own, so the tests share one instance per engine without
seeing each other's graphs (hcckg only looks at the graphs under ``{base}graph/``)."""

from __future__ import annotations

import dataclasses
import io
import json
import uuid

import pyoxigraph as ox
import pytest

from hcckg.graph.store import open_store, publish, result_form
from hcckg.ground.errors import HcckgError, QuerySyntaxError
from hcckg.ground.settings import Settings, load_settings

EX = "http://example.org/"
P = ox.NamedNode(EX + "p")


def ex(name: str) -> ox.NamedNode:
    return ox.NamedNode(EX + name)


@pytest.fixture(params=["embedded", "oxigraph", "virtuoso", "fuseki"])
def settings(request, tmp_path) -> Settings:
    base = f"https://example.org/hcckg-test-{uuid.uuid4().hex[:12]}/"
    plain = dataclasses.replace(load_settings(), base_iri=base, sparql_retries=0)
    if request.param == "embedded":
        return dataclasses.replace(plain, store="oxigraph:" + str(tmp_path / "store"))
    return request.getfixturevalue("shared_engine")(request.param).settings(plain)


def graph(settings: Settings, name: str) -> ox.NamedNode:
    return ox.NamedNode(f"{settings.base_iri}graph/{name}")


@pytest.fixture()
def filled(settings: Settings) -> Settings:
    """Two graphs: ``a`` says who knows whom, ``b`` gives names (one with awkward quoting)."""
    publish(
        settings,
        {
            graph(settings, "a"): [
                ox.Triple(ex("alice"), P, ex("bob")),
                ox.Triple(ex("bob"), P, ex("carol")),
            ],
            graph(settings, "b"): [
                ox.Triple(ex("bob"), ex("name"), ox.Literal("Bob")),
                ox.Triple(ex("carol"), ex("name"), ox.Literal('Ca"rol\n} ; DROP ALL #', language="en")),
            ],
        },
    )
    return settings


def test_publish_then_replace_keeps_the_other_graphs(filled: Settings):
    store = open_store(filled)
    assert store.graphs() == [graph(filled, "a"), graph(filled, "b")]
    assert (store.count(), store.count(graph(filled, "a")), store.count(graph(filled, "b"))) == (4, 2, 2)
    counts = publish(filled, {graph(filled, "a"): [ox.Quad(ex("x"), P, ex("y"), graph(filled, "elsewhere"))]})
    assert counts == {graph(filled, "a").value: 1}
    store = open_store(filled)
    # A quad's own graph name is ignored: it lands in the graph it is published to.
    assert [q.triple for q in store.quads(graph(filled, "a"))] == [ox.Triple(ex("x"), P, ex("y"))]
    assert store.count(graph(filled, "b")) == 2


def test_publish_without_keep_others_and_drop(filled: Settings):
    publish(filled, {graph(filled, "c"): [ox.Triple(ex("c"), P, ex("d"))]}, drop=[graph(filled, "a")])
    assert open_store(filled).graphs() == [graph(filled, "b"), graph(filled, "c")]
    publish(filled, {graph(filled, "d"): [ox.Triple(ex("d"), P, ex("e"))]}, keep_others=False)
    assert open_store(filled).graphs() == [graph(filled, "d")]


def test_publishing_an_empty_graph_removes_it(filled: Settings):
    assert publish(filled, {graph(filled, "a"): []}) == {graph(filled, "a").value: 0}
    assert open_store(filled).graphs() == [graph(filled, "b")]


def test_queries_see_the_union_of_the_graphs(filled: Settings):
    rows = open_store(filled).select(
        "SELECT ?who ?name WHERE { ?who <http://example.org/p> ?friend . ?friend <http://example.org/name> ?name }"
        " ORDER BY ?who"
    )
    assert [(r["who"], r["name"].value) for r in rows] == [
        (ex("alice"), "Bob"),
        (ex("bob"), 'Ca"rol\n} ; DROP ALL #'),
    ]


def test_substitutions_bind_terms_never_text(filled: Settings):
    store = open_store(filled)
    # pyoxigraph only substitutes projected variables (SEP-0007).
    sparql = "SELECT ?who ?name WHERE { ?who <http://example.org/name> ?name }"
    tricky = ox.Literal('Ca"rol\n} ; DROP ALL #', language="en")
    assert [r["who"] for r in store.query(sparql, substitutions={"name": tricky})] == [ex("carol")]
    assert list(store.query(sparql, substitutions={"name": ox.Literal("} UNION { ?who ?p ?o")})) == []
    assert [r["name"] for r in store.query("SELECT ?who ?name WHERE { ?who <http://example.org/name> ?name }",
                                           substitutions={"who": ex("bob")})] == [ox.Literal("Bob")]  # fmt: skip
    # Bound variables are visible in FILTER EXISTS and in GROUP BY, as with pyoxigraph.
    grouped = store.select(
        "SELECT ?who (COUNT(?x) AS ?n) WHERE { ?x ?p ?y FILTER EXISTS { ?who <http://example.org/p> ?y } }"
        " GROUP BY ?who",
        substitutions={"who": ex("alice")},
    )
    assert [(r["who"], int(r["n"].value)) for r in grouped] == [(ex("alice"), 1)]
    assert store.count() == 4


def test_named_graphs_and_explicit_datasets(filled: Settings):
    store = open_store(filled)
    rows = store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g")
    assert [(r["g"], int(r["n"].value)) for r in rows] == [(graph(filled, "a"), 2), (graph(filled, "b"), 2)]
    only_a = store.select("SELECT ?s WHERE { ?s ?p ?o }", default_graph=[graph(filled, "a")])
    assert sorted(r["s"].value for r in only_a) == [EX + "alice", EX + "bob"]
    named = store.select(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
        default_graph=[graph(filled, "a")],
        named_graphs=[graph(filled, "b")],
    )
    assert [r["g"] for r in named] == [graph(filled, "b")]


def test_query_forms_and_serialisation(filled: Settings):
    store = open_store(filled)
    ask = store.query("ASK { <http://example.org/alice> ?p ?o }")
    assert result_form(ask) == "boolean" and bool(ask) is True
    assert json.loads(ask.serialize(format=ox.QueryResultsFormat.JSON))["boolean"] is True
    solutions = store.query("SELECT ?s WHERE { ?s <http://example.org/p> ?o } ORDER BY ?s")
    assert result_form(solutions) == "solutions" and [v.value for v in solutions.variables] == ["s"]
    out = io.BytesIO()
    solutions.serialize(out, ox.QueryResultsFormat.TSV)
    assert out.getvalue().decode().split() == ["?s", f"<{EX}alice>", f"<{EX}bob>"]
    as_json = store.query("SELECT ?s WHERE { ?s <http://example.org/p> ?o }").serialize(
        format=ox.QueryResultsFormat.JSON
    )
    assert len(json.loads(as_json)["results"]["bindings"]) == 2
    triples = store.query(
        "CONSTRUCT { ?o <http://example.org/knownBy> ?s } WHERE { ?s <http://example.org/p> ?o }"
    )
    assert result_form(triples) == "triples"
    assert set(triples) == {
        ox.Triple(ex("bob"), ex("knownBy"), ex("alice")),
        ox.Triple(ex("carol"), ex("knownBy"), ex("bob")),
    }
    turtle = store.query("CONSTRUCT WHERE { ?s <http://example.org/p> ?o }").serialize(
        format=ox.RdfFormat.TURTLE
    )
    assert len(list(ox.parse(turtle, format=ox.RdfFormat.TURTLE))) == 2


def test_dump_round_trips(filled: Settings):
    store = open_store(filled)
    out = io.BytesIO()
    store.dump(out, ox.RdfFormat.N_QUADS)
    dumped = set(ox.parse(out.getvalue(), format=ox.RdfFormat.N_QUADS))
    assert dumped == set(store.quads()) and len(dumped) == 4
    out = io.BytesIO()
    store.dump(out, ox.RdfFormat.TURTLE, graph(filled, "b"))
    assert {t.object for t in ox.parse(out.getvalue(), format=ox.RdfFormat.TURTLE)} == {
        ox.Literal("Bob"),
        ox.Literal('Ca"rol\n} ; DROP ALL #', language="en"),
    }


def test_errors_are_the_projects(filled: Settings):
    store = open_store(filled)
    with pytest.raises(QuerySyntaxError):
        store.query("SELECT ?s WHERE { ?s ?p }")
    with pytest.raises(HcckgError):  # opened read-only
        store.replace_graph(graph(filled, "a"), [ox.Triple(ex("z"), P, ex("z"))])
    assert open_store(filled).count(graph(filled, "a")) == 2


def test_cli_ask_query(settings: Settings, capsys):
    from hcckg.cli import main

    publish(settings, {graph(settings, "a"): [ox.Triple(ex("alice"), P, ex("bob"))]})
    assert main(["query", "--store", settings.store, "ASK {}"]) == 0
    assert "True" in capsys.readouterr().out
