"""The named-query catalogue as SHACL ``sh:SPARQLExecutable`` resources (the convention
SPARQL editors read for example queries), stored by the build in ``graph/queries``."""

from __future__ import annotations

import pyoxigraph as ox

from graph.iris import resource
from hcckg.config import base_iri
from ontology.namespace import RDF, RDFS, SCHEMA, SH
from queries.catalogue import load_catalogue


def endpoint_iri() -> ox.NamedNode:
    """The SPARQL endpoint the queries run against (``{base}sparql``)."""
    return ox.NamedNode(base_iri() + "sparql")


def catalogue_triples() -> list[ox.Triple]:
    triples: list[ox.Triple] = []
    endpoint = endpoint_iri()
    for query in load_catalogue().values():
        node = resource("query", query.name)
        triples += [
            ox.Triple(node, ox.NamedNode(RDF + "type"), ox.NamedNode(SH + "SPARQLExecutable")),
            ox.Triple(node, ox.NamedNode(RDF + "type"), ox.NamedNode(SH + "SPARQLSelectExecutable")),
            ox.Triple(node, ox.NamedNode(RDFS + "label"), ox.Literal(query.title, language="en")),
            ox.Triple(node, ox.NamedNode(RDFS + "comment"), ox.Literal(query.description, language="en")),
            ox.Triple(node, ox.NamedNode(SH + "select"), ox.Literal(query.text)),
            ox.Triple(node, ox.NamedNode(SCHEMA + "target"), endpoint),
        ]
    return triples
