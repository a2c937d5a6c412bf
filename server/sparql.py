"""The SPARQL 1.1 Protocol query operation at ``/sparql`` (and, when an operator sets
``HCCKG_UPDATE_TOKEN``, the update operation at ``/sparql/update``).

Query via GET ``?query=``, POST ``application/x-www-form-urlencoded`` or POST
``application/sparql-query`` (then the other parameters are in the URL), with
``default-graph-uri`` / ``named-graph-uri`` (repeatable) and an optional ``format``. Without
a query, ``/sparql`` answers its SPARQL service description. CORS is open for every
read-only answer of the site: the data is public.
"""

from __future__ import annotations

import hmac

import pyoxigraph as ox
from flask import Blueprint, Request, Response, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, Forbidden, NotFound, Unauthorized, UnsupportedMediaType

from hcckg.ground import iris
from hcckg.ground.terms import FORMATS, RDF, SD
from hcckg.server import caching, fastpath, negotiation, site
from hcckg.server.evaluation import Answer

bp = Blueprint("sparql", __name__)

FORM = "application/x-www-form-urlencoded"
QUERY_BODY = "application/sparql-query"
UPDATE_BODY = "application/sparql-update"

_FORMAT_IRIS = {
    "json": "SPARQL_Results_JSON",
    "xml": "SPARQL_Results_XML",
    "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV",
    "turtle": "Turtle",
    "ntriples": "N-Triples",
    "rdfxml": "RDF_XML",
    "jsonld": "JSON-LD",
    "nquads": "N-Quads",
    "trig": "TriG",
}


@bp.after_app_request
def cors(response: Response) -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, Authorization"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


def _one(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise BadRequest(f"give exactly one {name!r} parameter, not {len(values)}")
    return values[0] if values else None


def _graphs(values: list[str], name: str) -> list[ox.NamedNode] | None:
    try:
        return [ox.NamedNode(v) for v in values] or None
    except ValueError as err:
        raise BadRequest(f"{name} must be absolute IRIs: {err}") from None


def _read_request(req: Request) -> tuple[str | None, dict]:
    """The query text and the protocol parameters, wherever this kind of request has them."""
    if req.method in ("GET", "HEAD"):
        params = req.args
        query = _one(params.getlist("query"), "query")
    elif req.mimetype == FORM:
        params = req.form
        query = _one(params.getlist("query"), "query")
    elif req.mimetype == QUERY_BODY:
        params = req.args
        query = req.get_data(as_text=True)
    elif req.mimetype == UPDATE_BODY:
        raise BadRequest("SPARQL updates are not accepted at /sparql: the endpoint is read-only.")
    else:
        raise UnsupportedMediaType(
            f"a POST to /sparql must be {FORM} or {QUERY_BODY}, not {req.mimetype or 'without a Content-Type'}"
        )
    if params.getlist("update"):
        raise BadRequest("SPARQL updates are not accepted at /sparql: the endpoint is read-only.")
    graphs = {
        "default_graph": _graphs(params.getlist("default-graph-uri"), "default-graph-uri"),
        "named_graphs": _graphs(params.getlist("named-graph-uri"), "named-graph-uri"),
    }
    return query, {"graphs": graphs, "format": params.get("format")}


def respond(answer: Answer) -> Response:
    """The answer with its ``Content-Length``, gzipped (once per cached answer) when it is
    large and the client takes gzip (server/caching.py adds the validators)."""
    body = answer.body
    response = Response(content_type=answer.format.content_type)
    response.vary.add("Accept")
    if len(body) >= caching.GZIP_MIN:
        response.vary.add("Accept-Encoding")
        if caching.accepts_gzip():
            if answer.gzipped is None:
                answer.gzipped = caching.gzipped(body)
            body = answer.gzipped
            response.headers["Content-Encoding"] = "gzip"
    response.set_data(body)
    return response


def base_iri() -> str | None:
    """The base IRI of a query: the endpoint's own URL (HCCKG_PUBLIC_URL's when it is set),
    so that relative IRIs (``<s>``) resolve as the SPARQL 1.1 Protocol expects; computed
    like the cache-hit path computes it (server/fastpath.py), for the same cache key."""
    return fastpath.endpoint_url(request.environ, site().config["PUBLIC_URL"])


@bp.route("/sparql", methods=["GET", "POST"])
def query() -> Response:
    text, params = _read_request(request)
    if text is None:
        if request.method == "POST":
            raise BadRequest("the request has no 'query' parameter")
        return service_description()
    if not text.strip():
        raise BadRequest("the query is empty")
    accept, format_param = request.headers.get("Accept"), params["format"]

    def choose(kind: str):
        table = negotiation.RESULTS if kind == "results" else negotiation.GRAPH
        return negotiation.choose(table, accept, format_param)

    graphs, base = params["graphs"], base_iri()
    state = site()

    def evaluate() -> tuple[Answer, int]:
        answer = state.evaluator.run(text, choose, base_iri=base, **graphs)
        return answer, len(answer.body)

    # A build's answers never change: the same query, dataset, base and format, the same bytes.
    key = (text, _key(graphs["default_graph"]), _key(graphs["named_graphs"]), accept, format_param, base)
    return respond(state.cached(key, evaluate))


def _key(graphs: list[ox.NamedNode] | None) -> tuple[str, ...] | None:
    return None if graphs is None else tuple(g.value for g in graphs)


def _endpoint_url() -> str:
    public = site().config["PUBLIC_URL"]
    return (public.rstrip("/") if public else request.url_root.rstrip("/")) + "/sparql"


def service_description() -> Response | str:
    # Browsers (which prefer text/html) get a readable page; clients accepting anything get Turtle.
    table = (*negotiation.GRAPH, negotiation.HTML)
    fmt = negotiation.choose(table, request.headers.get("Accept"), request.args.get("format"))
    url = _endpoint_url()
    # Once per build, endpoint URL and format: the same bytes every time (its blank nodes too).
    body = site().cached(("service", url, fmt.name), lambda: (answer := _service(fmt, url), len(answer)))
    if isinstance(body, str):
        return body
    response = Response(body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response


def _service(fmt: negotiation.Format, url: str) -> str | bytes:
    endpoint = ox.NamedNode(url)
    triples = [
        ox.Triple(endpoint, RDF.type, SD.Service),
        ox.Triple(endpoint, SD.endpoint, endpoint),
        ox.Triple(endpoint, SD.supportedLanguage, SD.SPARQL11Query),
        ox.Triple(endpoint, SD.feature, SD.UnionDefaultGraph),
    ]
    for name in _FORMAT_IRIS.values():
        triples.append(ox.Triple(endpoint, SD.resultFormat, FORMATS[name]))
    dataset = ox.BlankNode()
    default = ox.BlankNode()
    triples += [
        ox.Triple(endpoint, SD.defaultDataset, dataset),
        ox.Triple(dataset, RDF.type, SD.Dataset),
        ox.Triple(dataset, SD.defaultGraph, default),
        ox.Triple(default, RDF.type, SD.Graph),
    ]
    for graph in site().store.graphs():
        named = ox.BlankNode()
        triples += [
            ox.Triple(dataset, SD.namedGraph, named),
            ox.Triple(named, RDF.type, SD.NamedGraph),
            ox.Triple(named, SD.name, graph),
        ]
    if fmt is negotiation.HTML:
        from hcckg.server.datasets import described_page

        intro = "The SPARQL 1.1 service description of this endpoint: what it supports and which named graphs it holds."
        return described_page(triples, "The SPARQL endpoint", intro, "/sparql")
    return ox.serialize(triples, format=fmt.oxigraph, prefixes=iris.STANDARD_PREFIXES)


@bp.route("/sparql/update", methods=["POST"])
def update() -> Response:
    token = site().config["UPDATE_TOKEN"]
    if not token:
        raise NotFound("updates are disabled on this server (set HCCKG_UPDATE_TOKEN to enable them)")
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        raise Unauthorized(
            "send the update token as 'Authorization: Bearer <token>'",
            www_authenticate=WWWAuthenticate("bearer", {"realm": "hcckg update"}),
        )
    if not hmac.compare_digest(auth.removeprefix("Bearer ").encode(), token.encode()):
        raise Forbidden("the update token is wrong")
    if request.mimetype == FORM:
        text = _one(request.form.getlist("update"), "update")
    elif request.mimetype == UPDATE_BODY:
        text = request.get_data(as_text=True)
    else:
        raise UnsupportedMediaType(f"a POST to /sparql/update must be {FORM} or {UPDATE_BODY}")
    if not text or not text.strip():
        raise BadRequest("the request has no 'update'")
    site().evaluator.update(text)
    return Response(status=204)
