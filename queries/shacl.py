"""The named-query catalogue as SHACL ``sh:SPARQLExecutable`` resources (the convention
SPARQL editors read for example queries), stored by the build in ``graph/queries``."""

from __future__ import annotations

import pyoxigraph as ox

from hcckg.ground.iris import resource
from hcckg.ground.settings import base_iri
from hcckg.ground.terms import RDF, RDFS, SCHEMA, SH
from hcckg.queries.catalogue import load_catalogue


def endpoint_iri() -> ox.NamedNode:
    """The SPARQL endpoint the queries run against (``{base}sparql``)."""
    return ox.NamedNode(base_iri() + "sparql")


def catalogue_triples() -> list[ox.Triple]:
    triples: list[ox.Triple] = []
    endpoint = endpoint_iri()
    for query in load_catalogue().values():
        node = resource("query", query.name)
        triples += [
            ox.Triple(node, RDF.type, SH.SPARQLExecutable),
            ox.Triple(node, RDF.type, SH.SPARQLSelectExecutable),
            ox.Triple(node, RDFS.label, ox.Literal(query.title, language="en")),
            ox.Triple(node, RDFS.comment, ox.Literal(query.description, language="en")),
            ox.Triple(node, SH.select, ox.Literal(query.text)),
            ox.Triple(node, SCHEMA.target, endpoint),
        ]
    return triples
