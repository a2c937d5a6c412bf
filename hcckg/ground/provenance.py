"""The one emitter of fact provenance: the ``rdf:Statement`` node of a stated triple.

Every asserted fact of a curated or registry source gets one node per source (ARCHITECTURE.md,
"Fact provenance")::

    ?st a rdf:Statement ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; dcterms:source ?src .

with the IRI from :func:`hcckg.ground.iris.statement`, so rebuilding gives the same nodes. A
curator's note on how the source words the value becomes ``hcc:sourceNote``; an acknowledged
problem of the source, ``skos:editorialNote`` (listed by ``hcckg qc``). Used by the curated and
registry loaders and by the benchmark's data generator.
"""

from __future__ import annotations

import pyoxigraph as ox

from hcckg.ground import iris
from hcckg.ground.terms import DCTERMS, HCC, RDF, SKOS


def statement_triples(
    s: ox.NamedNode | ox.BlankNode,
    p: ox.NamedNode,
    o: ox.NamedNode | ox.Literal,
    source: ox.NamedNode,
    *,
    note: str | None = None,
    issue: str | None = None,
) -> list[ox.Triple]:
    """The provenance node of ``(s, p, o)`` as ``source`` states it (not the triple itself)."""
    st = iris.statement(s, p, o, source)
    out = [
        ox.Triple(st, RDF.type, RDF.Statement),
        ox.Triple(st, RDF.subject, s),
        ox.Triple(st, RDF.predicate, p),
        ox.Triple(st, RDF.object, o),
        ox.Triple(st, DCTERMS.source, source),
    ]
    if note:
        out.append(ox.Triple(st, HCC.sourceNote, ox.Literal(note)))
    if issue:
        out.append(ox.Triple(st, SKOS.editorialNote, ox.Literal(issue)))
    return out


__all__ = ["statement_triples"]
