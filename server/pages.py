"""The ``pages`` blueprint: the query page, linked data, the ontology, VoID, dumps, /health.

Every hcckg IRI resolves at the path after the base IRI (``hcckg.ground.iris.local_path``):
``/resource/...``, ``/ontology/...``, ``/graph/...``. Browsers get an HTML page (label,
definition, types, synonyms, every link out and in, and the sources of each fact from its
``rdf:Statement`` node); machines get Turtle, N-Triples, RDF/XML or JSON-LD by ``Accept``
or ``?format=``. Pages read the store directly with fixed queries that bind the IRI by
``substitutions`` and bound their size (``LIMIT``), so they need no time limit.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request

from hcckg import __version__
from hcckg.ground.errors import NotFound
from hcckg.ground.terms import CLASSES, DATA_PROPERTIES, OBJECT_PROPERTIES
from hcckg.ontology.docs import render_html
from hcckg.queries.catalogue import load_catalogue
from hcckg.server import describe, negotiation, site
from hcckg.server.evaluation import PREFIXES

bp = Blueprint("pages", __name__)

DUMP_BATCH = 5000  # quads serialised per chunk of a streamed dump
_RELEASE_FORMATS = {"ttl": "turtle", "owl": "rdfxml", "jsonld": "jsonld", "nt": "ntriples"}


def _base() -> str:
    return site().config["BASE_IRI"]


def _graph_answer(triples: list[ox.Triple], fmt: negotiation.Format) -> Response:
    body = ox.serialize(triples, format=fmt.oxigraph, prefixes={**PREFIXES, "hcc": _base() + "ontology/"})
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response


@bp.app_template_filter("href")
def href(term: ox.NamedNode) -> str:
    """Local IRIs link to this server, others to themselves."""
    base = _base()
    return "/" + term.value[len(base) :] if term.value.startswith(base) else term.value


# -- the query page -----------------------------------------------------------------------


def _examples() -> list[dict]:
    """The named queries, as ready examples."""
    return [
        {"name": q.name, "title": q.title, "description": q.description, "sparql": q.sparql}
        for q in load_catalogue().values()
    ]


def _terms() -> list[dict]:
    ns = _base() + "ontology/"
    kinds = [("class", CLASSES), ("object property", OBJECT_PROPERTIES), ("data property", DATA_PROPERTIES)]
    return [{"name": f"hcc:{n}", "iri": ns + n, "kind": kind} for kind, names in kinds for n in names]


@bp.route("/")
def index() -> Response | str:
    fmt = negotiation.choose(negotiation.PAGE, request.headers.get("Accept"), request.args.get("format"))
    if fmt is not negotiation.HTML:
        return void()  # the dataset IRI is the base IRI: machines get its VoID description
    page = {
        "base": _base(),
        "prefixes": {"hcc": _base() + "ontology/", "res": _base() + "resource/", **PREFIXES},
        "examples": _examples(),
        "terms": _terms(),
    }
    vendor = os.path.join(bp.root_path, "static", "vendor", "codemirror", "lib", "codemirror.js")
    return render_template("index.html", page_json=json.dumps(page), has_editor=os.path.exists(vendor))


# -- linked data --------------------------------------------------------------------------


def _resource(path: str, graph: str | None = None) -> Response | str:
    """The page of ``{base}{path}``; ``graph`` names a named graph, which has a page (its
    size and dumps) even when nothing is said about it."""
    iri = ox.NamedNode(_base() + path)
    fmt = negotiation.choose(negotiation.PAGE, request.headers.get("Accept"), request.args.get("format"))
    store = site().store
    size = store.count(iri) if graph is not None and iri in store.graphs() else None
    if fmt is negotiation.HTML:
        try:
            page = describe.resource(store, iri)
        except NotFound:
            if size is None:
                raise
            page = describe.empty(iri)
        return render_template("resource.html", r=page, graph=graph, graph_size=size)
    triples = describe.triples(store, iri)
    if not triples and size is None:
        raise NotFound(f"{iri.value} is not in hcckg")
    return _graph_answer(triples, fmt)


@bp.route("/resource/<path:rest>")
def resource(rest: str) -> Response | str:
    return _resource("resource/" + rest)


@bp.route("/graph/<path:rest>")
def graph(rest: str) -> Response | str:
    return _resource("graph/" + rest, graph=rest)


@bp.route("/ontology/<path:rest>")
def ontology_term(rest: str) -> Response | str:
    stem, _, extension = rest.rpartition(".")
    if stem == "hcckg" and extension in _RELEASE_FORMATS:
        fmt = negotiation.by_name(_RELEASE_FORMATS[extension], negotiation.GRAPH)
        return _graph_answer(_ontology_triples(), fmt)
    return _resource("ontology/" + rest)


def _ontology_triples() -> list[ox.Triple]:
    store = site().store
    graph = ox.NamedNode(_base() + "graph/ontology")
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph)]
    if not triples:
        raise NotFound("the ontology is not in the store yet: run `hcckg build`")
    return triples


@bp.route("/ontology")
def ontology() -> Response | str:
    fmt = negotiation.choose(negotiation.PAGE, request.headers.get("Accept"), request.args.get("format"))
    triples = _ontology_triples()
    if fmt is not negotiation.HTML:
        return _graph_answer(triples, fmt)
    return Response(render_html(triples), content_type="text/html; charset=utf-8")


# -- VoID, dumps, health -----------------------------------------------------------------


@bp.route("/.well-known/void")
def void() -> Response:
    fmt = negotiation.choose(negotiation.GRAPH[:4], request.headers.get("Accept"), request.args.get("format"))
    store = site().store
    triples = [
        ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(ox.NamedNode(_base() + "graph/void"))
    ]
    if not triples:  # a store built before graph/void existed: describe it now
        from hcckg.graph.void import void_triples

        triples = void_triples(store, site().config["SETTINGS"])
    return _graph_answer(triples, fmt)


def _graph_names() -> list[str]:
    prefix = _base() + "graph/"
    return [g.value[len(prefix) :] for g in site().store.graphs() if g.value.startswith(prefix)]


@bp.route("/dumps/")
def dumps() -> str:
    return render_template("dumps.html", graphs=_graph_names())


def _stream(quads: Iterator[ox.Quad], fmt: ox.RdfFormat, as_triples: bool) -> Iterator[bytes]:
    batch: list = []
    for quad in quads:
        batch.append(ox.Triple(quad.subject, quad.predicate, quad.object) if as_triples else quad)
        if len(batch) >= DUMP_BATCH:
            yield ox.serialize(batch, format=fmt)
            batch = []
    if batch:
        yield ox.serialize(batch, format=fmt)


@bp.route("/dumps/<path:name>")
def dump(name: str) -> Response:
    stem, _, extension = name.rpartition(".")
    store = site().store
    if stem == "hcckg" and extension in ("nq", "trig"):
        fmt = negotiation.by_name(extension, negotiation.DATASET)
        quads = (q for q in store.quads() if not isinstance(q.graph_name, ox.DefaultGraph))
        chunks = _stream(quads, fmt.oxigraph, as_triples=False)
    elif stem in _graph_names() and extension in ("ttl", "nt", "nq"):
        fmt = negotiation.by_name(extension, negotiation.GRAPH)
        graph = ox.NamedNode(_base() + "graph/" + stem)
        chunks = _stream(store.quads(graph), fmt.oxigraph, as_triples=extension != "nq")
    else:
        raise NotFound(f"no dump called {name!r}: see /dumps/ for the list")
    response = Response(chunks, content_type=fmt.content_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{os.path.basename(name)}"'
    return response


@bp.route("/health")
def health() -> Response:
    store = site().store
    path = getattr(store, "path", None)
    return jsonify(
        {
            "status": "ok",
            "triples": store.count(),
            "graphs": len(store.graphs()),
            "version": __version__,
            "build": path.name if path else None,
            "process": os.getpid(),
        }
    )
