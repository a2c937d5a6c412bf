"""The ``datasets`` blueprint: the dataset's own description and downloads.

- ``/.well-known/void``: VoID (triple counts per named graph, class and property
  partitions), as RDF for clients and a readable page for browsers;
- :func:`described_page`: any small RDF description (VoID, the SPARQL service description
  of ``/sparql``) as HTML — each IRI a section, blank nodes that share their properties
  (VoID's partitions, the service's named graphs) a table;
- ``/dumps/`` and ``/dumps/<file>``: streamed dumps; ``/health``.
"""

from __future__ import annotations

import os
import time
from collections import defaultdict
from collections.abc import Iterator

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, send_file

from hcckg import __version__
from hcckg.ground.errors import NotFound
from hcckg.ground.terms import DCTERMS, XSD
from hcckg.loaders import mappings
from hcckg.server import caching, negotiation, site, web
from hcckg.server import dumps as dump_files
from hcckg.server.pages import graph_answer

bp = Blueprint("datasets", __name__)

DUMP_BATCH = 5000  # quads serialised per chunk of a streamed dump
# RDF first, so that clients accepting anything (curl) get Turtle; browsers, which prefer
# text/html, get the page.
VOID_TABLE = (*negotiation.GRAPH[:4], negotiation.HTML)


def _name(term: ox.Term, labels: dict[str, str]) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"text": labels.get(term.value) or web.curie(term.value), "iri": term.value}
    if isinstance(term, ox.Literal):
        return {"text": term.value, "iri": None}
    return {"text": "(anonymous)", "iri": None}


def described_page(triples: list[ox.Triple], title: str, intro: str, data_path: str) -> str:
    """A readable page of a small RDF description (see the module docstring)."""
    out: dict[ox.Term, dict[str, list[ox.Term]]] = defaultdict(lambda: defaultdict(list))
    for t in triples:
        out[t.subject][t.predicate.value].append(t.object)
    iris = {t.value for t in out if isinstance(t, ox.NamedNode)}
    iris |= {
        o.value
        for props in out.values()
        for objs in props.values()
        for o in objs
        if isinstance(o, ox.NamedNode)
    }
    labels = _labels(iris)
    sections = []
    for subject in sorted((s for s in out if isinstance(s, ox.NamedNode)), key=lambda s: s.value):
        rows, tables = [], []
        for predicate, objects in sorted(out[subject].items(), key=lambda kv: web.curie(kv[0])):
            blanks = [o for o in objects if isinstance(o, ox.BlankNode)]
            if blanks and len(blanks) == len(objects):
                columns = sorted({p for b in blanks for p in out.get(b, {})}, key=web.curie)
                body = [[[_name(v, labels) for v in out[b].get(c, [])] for c in columns] for b in blanks]
                body.sort(key=lambda row: [" ".join(v["text"] for v in cell) for cell in row])
                tables.append(
                    {"name": web.curie(predicate), "columns": [web.curie(c) for c in columns], "rows": body}
                )
            else:
                rows.append((web.curie(predicate), [_name(o, labels) for o in objects]))
        sections.append({"subject": _name(subject, labels), "rows": rows, "tables": tables})
    return render_template("described.html", title=title, intro=intro, sections=sections, data_path=data_path)


def _labels(iris: set[str]) -> dict[str, str]:
    from hcckg.server.facts import labels

    own = [i for i in iris if i.startswith(web.base())]
    return labels(site().store, own) if own else {}


@bp.route("/.well-known/void")
def void() -> Response | str:
    fmt = web.wants_html(VOID_TABLE)
    # Made once per build and format: the same bytes every time (blank nodes included),
    # as a strong ETag promises (server/caching.py).
    body = site().cached(("void", fmt.name), lambda: _sized(_void(fmt)))
    return body if isinstance(body, str) else Response(body, content_type=fmt.content_type)


def _sized(value: str | bytes) -> tuple[str | bytes, int]:
    return value, len(value)


def _void(fmt: negotiation.Format) -> str | bytes:
    store = site().store
    graph = web.iri_at("graph/void")
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in store.quads(graph)]
    if not triples:  # a store built before graph/void existed: describe it now
        from hcckg.graph.void import void_triples

        triples = void_triples(store, site().config["SETTINGS"])
    built = site().build
    if built is not None:  # which build answers: the id hcckg build printed, and its time
        dataset = ox.NamedNode(web.base())
        triples += [
            ox.Triple(dataset, DCTERMS.identifier, ox.Literal(built.id)),
            ox.Triple(dataset, DCTERMS.modified, ox.Literal(_iso(built.created), datatype=XSD.dateTime)),
        ]
    if fmt is negotiation.HTML:
        intro = (
            "The VoID description of hcckg: its named graphs with their sizes and provenance, "
            "how many resources of each class and facts of each property it holds."
        )
        return described_page(triples, "The dataset (VoID)", intro, "/.well-known/void")
    return graph_answer(triples, fmt).get_data()


def graph_names() -> list[str]:
    prefix = web.base() + "graph/"
    return [g.value[len(prefix) :] for g in site().store.graphs() if g.value.startswith(prefix)]


@bp.route("/dumps/")
def dumps() -> str:
    return render_template("dumps.html", graphs=graph_names())


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
    state = site()
    store = state.store
    if stem == "hcckg" and extension in ("nq", "trig"):
        fmt = negotiation.by_name(extension, negotiation.DATASET)

        def chunks() -> Iterator[bytes]:
            quads = (q for q in store.quads() if not isinstance(q.graph_name, ox.DefaultGraph))
            return _stream(quads, fmt.oxigraph, as_triples=False)
    elif stem in graph_names() and extension in ("ttl", "nt", "nq"):
        fmt = negotiation.by_name(extension, negotiation.GRAPH)
        graph = web.iri_at("graph/" + stem)

        def chunks() -> Iterator[bytes]:
            return _stream(store.quads(graph), fmt.oxigraph, as_triples=extension != "nq")
    else:
        raise NotFound(f"no dump called {name!r}: see /dumps/ for the list")
    filename = os.path.basename(name)
    if state.answers is None or state.build is None or store.path is None:
        # Data that may change under the server (remote, updates): streamed each time.
        response = Response(chunks(), content_type=fmt.content_type)
    else:
        plain, packed = dump_files.files(store.path, name, chunks)
        zipped = caching.accepts_gzip()
        tag = caching.etag(state.build.id, fmt.media_types[0], zipped)
        response = send_file(
            packed if zipped else plain,
            mimetype=fmt.content_type,
            conditional=True,
            etag=tag,
            last_modified=int(state.build.created),
            max_age=None,
        )
        if zipped:
            response.headers["Content-Encoding"] = "gzip"
        response.vary.add("Accept-Encoding")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.route("/mappings/hcckg.sssom.tsv")
def mappings_table() -> Response:
    """The SSSOM mapping set, at its mapping_set_id (the base IRI's mappings/hcckg.sssom.tsv):
    the curated file itself, as the loader reads it."""
    path = site().config["SETTINGS"].curated_path / mappings.FILE_NAME
    if not path.is_file():
        raise NotFound("this installation has no mapping table")
    return Response(path.read_bytes(), content_type="text/tab-separated-values; charset=utf-8")


@bp.route("/health")
def health() -> Response:
    state = site()
    store = state.store
    built = state.build
    return jsonify(
        {
            "status": "ok",
            "triples": store.count(),
            "graphs": len(store.graphs()),
            "version": __version__,
            "build": built.id if built else None,
            "built": _iso(built.created) if built else None,
            # memory: the in-memory copy; disk: the on-disk build (while it is copied); remote
            "store": "remote" if store.kind != "oxigraph" else "memory" if store.in_memory else "disk",
            "process": os.getpid(),
        }
    )


def _iso(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))
