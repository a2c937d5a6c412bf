"""Content negotiation: every media type the server speaks, in one place.

Three tables, one per kind of answer: SPARQL results (SELECT/ASK), RDF graphs (CONSTRUCT,
DESCRIBE, resource pages, the service description, VoID) and pages (HTML or RDF). Each
row is (short name for the ``format`` parameter, media types it answers to, the pyoxigraph
format). The first media type of a row is the one sent in ``Content-Type``; the first row
of a table is the default when the client accepts anything.

``choose()`` follows RFC 9110: ``Accept`` is parsed by werkzeug (``MIMEAccept``), each
offered type gets the quality of the most specific range that matches it; the highest
quality above zero wins, ties go to the table's order. A ``format`` parameter (a short name or a media type) overrides ``Accept``.
Nothing acceptable raises werkzeug's ``NotAcceptable`` (406), which ``server/errors.py``
renders.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept
from werkzeug.exceptions import NotAcceptable
from werkzeug.http import parse_accept_header


@dataclass(frozen=True)
class Format:
    name: str
    media_types: tuple[str, ...]
    oxigraph: ox.QueryResultsFormat | ox.RdfFormat | None  # None: HTML, rendered by a template
    extension: str

    @property
    def content_type(self) -> str:
        media = self.media_types[0]
        return (
            f"{media}; charset=utf-8"
            if media.startswith("text/") or media == "application/n-triples"
            else media
        )


HTML = Format("html", ("text/html", "application/xhtml+xml"), None, "html")

RESULTS = (
    Format(
        "json",
        ("application/sparql-results+json", "application/json"),
        ox.QueryResultsFormat.JSON,
        "srj",
    ),
    Format(
        "xml",
        ("application/sparql-results+xml", "application/xml", "text/xml"),
        ox.QueryResultsFormat.XML,
        "srx",
    ),
    Format("csv", ("text/csv",), ox.QueryResultsFormat.CSV, "csv"),
    Format("tsv", ("text/tab-separated-values",), ox.QueryResultsFormat.TSV, "tsv"),
)

GRAPH = (
    # text/n3: what rdflib and SPARQLWrapper ask for "n3"; Turtle is the N3 they can read.
    Format("turtle", ("text/turtle", "application/x-turtle", "text/n3"), ox.RdfFormat.TURTLE, "ttl"),
    Format("ntriples", ("application/n-triples", "text/plain"), ox.RdfFormat.N_TRIPLES, "nt"),
    Format("rdfxml", ("application/rdf+xml", "application/xml", "text/xml"), ox.RdfFormat.RDF_XML, "rdf"),
    Format("jsonld", ("application/ld+json", "application/json"), ox.RdfFormat.JSON_LD, "jsonld"),
    Format("nquads", ("application/n-quads",), ox.RdfFormat.N_QUADS, "nq"),
    Format("trig", ("application/trig",), ox.RdfFormat.TRIG, "trig"),
)

# Linked-data pages: HTML first so that browsers (and "Accept: */*") get the page.
PAGE = (HTML, *GRAPH[:4])

# Whole-store dumps: only formats that hold named graphs and can be written in pieces.
DATASET = tuple(f for f in GRAPH if f.name in ("nquads", "trig"))

# Aliases accepted in the ``format`` parameter besides each row's name.
_ALIASES = {
    "ttl": "turtle",
    "nt": "ntriples",
    "n-triples": "ntriples",
    "rdf": "rdfxml",
    "rdf+xml": "rdfxml",
    "owl": "rdfxml",
    "json-ld": "jsonld",
    "nq": "nquads",
    "n-quads": "nquads",
    "srj": "json",
    "srx": "xml",
    "n3": "turtle",
}
# SPARQLWrapper (without setReturnFormat) and rdflib send ``format=xml`` or ``format=json``
# whatever the query form: for a graph answer they mean RDF/XML and JSON-LD.
_FALLBACK = {"xml": "rdfxml", "json": "jsonld"}


def accept_of(header: str | None) -> MIMEAccept:
    """``Accept`` parsed by werkzeug (q-values, specificity order), media-type parameters
    other than ``q`` dropped (``text/turtle;charset=utf-8`` asks for Turtle) and ranges
    without a ``/`` ignored, so a malformed range never fails the request."""
    parsed = parse_accept_header(header, MIMEAccept)
    return MIMEAccept([(value.split(";", 1)[0].strip().lower(), q) for value, q in parsed if "/" in value])


def by_name(name: str, table: tuple[Format, ...]) -> Format | None:
    """A format of ``table`` named by a short name, an alias or a media type."""
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    for candidate in (key, _FALLBACK.get(key)):
        for fmt in table:
            if candidate == fmt.name or candidate in fmt.media_types:
                return fmt
    return None


def choose(
    table: tuple[Format, ...], accept: str | MIMEAccept | None, format_param: str | None = None
) -> Format:
    """The format of ``table`` to answer with (see the module docstring)."""
    if isinstance(accept, MIMEAccept):
        return _choose(table, accept, format_param)
    return _remembered(table, accept, format_param)


@functools.lru_cache(maxsize=512)
def _remembered(table: tuple[Format, ...], accept: str | None, format_param: str | None) -> Format:
    # Clients send a handful of distinct Accept headers: parsing each once saved ~4% of a
    # cold DESCRIBE's Python time (a 406 is raised anew each time: exceptions are not kept).
    return _choose(table, accept, format_param)


def _choose(table: tuple[Format, ...], accept: str | MIMEAccept | None, format_param: str | None) -> Format:
    if format_param:
        fmt = by_name(format_param, table)
        if fmt is None:
            names = ", ".join(f.name for f in table)
            raise NotAcceptable(f"format {format_param!r} is not available here; use one of: {names}")
        return fmt
    ranges = accept if isinstance(accept, MIMEAccept) else accept_of(accept)
    if not ranges:
        return table[0]
    best, best_quality = None, 0.0
    for fmt in table:  # werkzeug's quality() is that of the most specific matching range
        quality = max(ranges.quality(m) for m in fmt.media_types)
        if quality > best_quality:
            best, best_quality = fmt, quality
    if best is None:
        offered = ", ".join(f.media_types[0] for f in table)
        raise NotAcceptable(f"none of the accepted media types ({accept}) is available; offered: {offered}")
    return best
