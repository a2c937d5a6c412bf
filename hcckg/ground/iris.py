"""The only place that mints hcckg IRIs.

Resources: ``{base}resource/{kind}/{key}``; named graphs: ``{base}graph/{name}``.
Keys are slugs (lower case, ``-`` separated) except trials, which use their registry id
(``NCT04770896``) when they have one. ``HCCKG_BASE_IRI`` sets ``base``.
"""

from __future__ import annotations

import hashlib

from pyoxigraph import BlankNode, NamedNode

from hcckg.ground.names import slug as slug  # keys of resources named by a text (the one normaliser)
from hcckg.ground.settings import DEFAULT_BASE_IRI, base_iri

KINDS = (
    "trial",
    "study",
    "arm",
    "drug",
    "target",
    "mechanism",
    "process",
    "regimen",
    "population",
    "endpoint",
    "outcome",
    "source",
    "phase",
    "status",
    "design",
    "childpugh",
    "ps",
    "bclc",
    "role",
    "unit",
    "region",
    "organisation",
    "statement",
    "query",
    "arm-role",
    "approach",
    "setting",
    "inference",
    # trials as data: nodes of the curated and registry loaders, and the ontology's value sets
    "dose",
    "enrollment",
    "prior-therapy",
    "baseline",
    "route",
    "frequency",
    "enrollment-kind",
    "match-rule",
    "prior-outcome",
    "characteristic",
    "allocation",
    "masking",
    "criteria",
    "time-origin",
    "estimate-status",
    "adverse-event",
)

# Named graphs: one per source, plus reasoning output and service metadata.
GRAPHS = ("ontology", "inferred", "review", "ctgov", "queries", "void")


def resource(kind: str, key: str) -> NamedNode:
    if kind not in KINDS:
        raise ValueError(f"unknown resource kind {kind!r}; known: {', '.join(KINDS)}")
    if not key or "/" in key or " " in key:
        raise ValueError(f"bad key {key!r} for a {kind} IRI: use a slug")
    return NamedNode(f"{base_iri()}resource/{kind}/{key}")


def graph(name: str) -> NamedNode:
    if name not in GRAPHS and not name.startswith("ctgov/"):
        raise ValueError(f"unknown named graph {name!r}; known: {', '.join(GRAPHS)}")
    return NamedNode(f"{base_iri()}graph/{name}")


def dataset() -> NamedNode:
    """The whole dataset (VoID's void:Dataset) is the base IRI itself; the server answers it
    with the query page for browsers."""
    return NamedNode(base_iri())


def statement(subject: NamedNode | BlankNode, predicate: NamedNode, obj, source: NamedNode) -> NamedNode:
    """A deterministic IRI for the provenance node of one (triple, source) pair, so that
    rebuilding gives the same triples."""
    digest = hashlib.sha1(f"{subject}|{predicate}|{obj}|{source}".encode()).hexdigest()[:20]
    return resource("statement", digest)


def rebase(iri: str) -> str:
    """Map an IRI written under the default base (as in the Turtle sources) to the
    configured base."""
    base = base_iri()
    if base != DEFAULT_BASE_IRI and iri.startswith(DEFAULT_BASE_IRI):
        return base + iri[len(DEFAULT_BASE_IRI) :]
    return iri


def is_local(iri: str) -> bool:
    return iri.startswith(base_iri())


def local_path(iri: str) -> str:
    """The server path of a local IRI: ``{base}resource/drug/x`` -> ``/resource/drug/x``."""
    return "/" + iri[len(base_iri()) :]


def build_activity(build_id: str) -> NamedNode:
    """The PROV activity of one build (``{base}build/{id}``)."""
    return NamedNode(f"{base_iri()}build/{build_id}")


# The namespaces people read as prefixes (reports, tables, pages), in one place.
STANDARD_PREFIXES = {
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "void": "http://rdfs.org/ns/void#",
    "sh": "http://www.w3.org/ns/shacl#",
    "schema": "https://schema.org/",
    "sd": "http://www.w3.org/ns/sparql-service-description#",
    "formats": "http://www.w3.org/ns/formats/",
    "obo": "http://purl.obolibrary.org/obo/",
}


def curie(iri: str, base: str | None = None, *, bare: bool = False) -> str:
    """An IRI as people read it: ``res:drug/lenvatinib``, ``hcc:hasTarget``, ``graph:review``.
    Where no prefix fits: ``<iri>``, or the IRI itself with ``bare``. For display only, never
    for minting. ``base`` defaults to the configured base IRI."""
    own = base or base_iri()
    prefixes = {
        "hcc": own + "ontology/",
        "res": own + "resource/",
        "graph": own + "graph/",
        **STANDARD_PREFIXES,
    }
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{prefix}:{iri[len(ns) :]}"
    return iri if bare else f"<{iri}>"
