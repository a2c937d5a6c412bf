"""The ``pages`` blueprint: linked data. Every hcckg IRI resolves at the path after the base
IRI (``/resource/...``, ``/ontology/...``, ``/graph/...``), through one function,
:func:`hcckg.server.web.iri_at`.

Browsers get a page people read (server/reading.py: trial, drug, target, mechanism,
source; a generic page for the other kinds; ``?view=facts`` lists every fact in and out);
machines get Turtle, N-Triples, RDF/XML or JSON-LD from the same IRI by ``Accept`` or
``?format=``. ``/resource/<kind>/`` lists the resources of a kind. A missing page is an
HTML 404 with a search box for browsers, plain text for everyone else.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request
from werkzeug.exceptions import NotFound as HTTPNotFound

from hcckg.ground import iris
from hcckg.ground.errors import NotFound
from hcckg.ground.iris import KINDS
from hcckg.ontology.docs import TEMPLATES as ONTOLOGY_TEMPLATES
from hcckg.ontology.docs import ontology_model
from hcckg.ontology.tbox import artifact
from hcckg.server import describe, errors, negotiation, reading, site, web
from hcckg.server.facts import Citations
from hcckg.server.views import sort_by_label, views

# The ontology page includes the ontology stage's own template (ontology/templates/).
bp = Blueprint("pages", __name__, template_folder=str(ONTOLOGY_TEMPLATES))

PAGE_SIZE = 200  # resources per page of a browse list
_RELEASE_FORMATS = {"ttl": "turtle", "owl": "rdfxml", "jsonld": "jsonld", "nt": "ntriples"}
_release_cache: dict[str, bytes] = {}
BROWSABLE = tuple(k for k in KINDS if k not in ("statement",)) + ("statement",)


def graph_answer(triples: list[ox.Triple], fmt: negotiation.Format) -> Response:
    body = ox.serialize(
        triples, format=fmt.oxigraph, prefixes={**iris.STANDARD_PREFIXES, "hcc": web.base() + "ontology/"}
    )
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response


def _resource(path: str, graph: str | None = None) -> Response | str:
    """The page of ``{base}{path}``; ``graph`` names a named graph, which has a page (its
    size and dumps) even when nothing is said about it."""
    iri = web.iri_at(path)
    fmt = web.wants_html()
    store = site().store
    size = store.count(iri) if graph is not None and iri in store.graphs() else None
    if fmt is not negotiation.HTML:
        triples = describe.triples(store, iri)
        if not triples and size is None:
            raise NotFound(f"{iri.value} is not in hcckg")
        return graph_answer(triples, fmt)
    if graph is None and path.startswith("resource/") and request.args.get("view") != "facts":
        if not describe.exists(store, iri):
            raise NotFound(f"{iri.value} is not in hcckg")
        template, page = reading.read(store, iri)
        return render_template(template, **page)
    try:
        page = describe.resource(store, iri)
    except NotFound:
        if size is None:
            raise
        page = describe.empty(iri)
    return render_template("resource.html", r=page, graph=graph, graph_size=size)


@bp.route("/resource/")
def kinds() -> str:
    store = site().store
    sparql = f"""SELECT ?k (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s a ?t
      BIND(STRBEFORE(STRAFTER(STR(?s), "{web.base()}resource/"), "/") AS ?k) FILTER(?k != "") }} GROUP BY ?k"""
    counts = {r["k"].value: int(r["n"].value) for r in store.query(sparql)}
    return render_template("kinds.html", kinds=[(k, counts[k]) for k in BROWSABLE if counts.get(k)])


@bp.route("/resource/<path:rest>")
def resource(rest: str) -> Response | str:
    if rest.endswith("/") and rest[:-1] in KINDS:
        return browse(rest[:-1])
    return _resource("resource/" + rest)


def browse(kind: str) -> str:
    """Every resource of one kind, with what tells them apart (trials: NCT, phase, status)."""
    store = site().store
    prefix = f"{web.base()}resource/{kind}/"
    sparql = "SELECT DISTINCT ?s ?prefix WHERE { ?s a ?t FILTER(STRSTARTS(STR(?s), ?prefix)) }"
    subjects = sorted(r["s"].value for r in store.query(sparql, substitutions={"prefix": ox.Literal(prefix)}))
    if not subjects:
        raise NotFound(f"hcckg has no resource of kind {kind!r}; /resource/ lists the kinds")
    try:
        page = max(1, int(request.args.get("page", "1")))
    except ValueError:
        page = 1
    pages = (len(subjects) + PAGE_SIZE - 1) // PAGE_SIZE
    chosen = subjects[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    listed = sort_by_label(views(store, chosen, Citations()).values())
    if kind in ("trial", "study"):
        listed.sort(key=lambda v: (reading.heading(v).lower(), v.label.lower()))
    return render_template(
        "browse.html",
        kind=kind,
        items=listed,
        total=len(subjects),
        page=page,
        pages=pages,
        heading=reading.heading,
    )


@bp.route("/graph/<path:rest>")
def graph(rest: str) -> Response | str:
    return _resource("graph/" + rest, graph=rest)


@bp.route("/ontology/<path:rest>")
def ontology_term(rest: str) -> Response | str:
    stem, _, extension = rest.rpartition(".")
    if stem == "hcckg" and extension in _RELEASE_FORMATS:
        # The release file itself (what `hcckg ontology build` writes), not a serialisation
        # of the store's copy: the store keeps xsd:nonNegativeInteger cardinalities as
        # xsd:integer, which is not OWL 2 DL.
        fmt = negotiation.by_name(_RELEASE_FORMATS[extension], negotiation.GRAPH)
        name = f"hcckg.{extension}"
        if name not in _release_cache:
            _release_cache[name] = artifact(name)
        return Response(_release_cache[name], content_type=fmt.content_type)
    return _resource("ontology/" + rest)


def _ontology_triples() -> list[ox.Triple]:
    store = site().store
    graph = web.iri_at("graph/ontology")
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph)]
    if not triples:
        raise NotFound("the ontology is not in the store yet: run `hcckg build`")
    return triples


@bp.route("/ontology")
def ontology() -> Response | str:
    fmt = web.wants_html()
    triples = _ontology_triples()
    if fmt is not negotiation.HTML:
        return graph_answer(triples, fmt)
    return render_template("ontology.html", o=ontology_model(triples))


# -- HTML 404s: more specific than server/errors.py's handlers, which answer everyone else --


def _not_found(err: Exception) -> Response | tuple[str, int]:
    if not web.prefers_html():
        return errors.handle_hcckg(err) if isinstance(err, NotFound) else errors.handle_http(err)
    message = str(err) if isinstance(err, NotFound) else f"There is no page at {request.path}."
    return render_template("404.html", message=message), 404


bp.app_errorhandler(NotFound)(_not_found)
bp.app_errorhandler(HTTPNotFound)(_not_found)
