"""The ontology (``ontology/hcckg.ttl``) as triples under the configured base IRI, and the
prefixes its serialisations use. ``hcckg ontology build`` (``hcckg/release.py``) writes the
release files from these."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from hcckg.ground import iris
from hcckg.ground.errors import SourceError
from hcckg.ground.terms import DCTERMS, OWL, RDF, RDFS, SKOS, XSD, ontology_ns

ONTOLOGY_FILE = Path(__file__).with_name("hcckg.ttl")
# The release files, by name: the same bytes whether `hcckg ontology build` writes them or the
# server answers /ontology/hcckg.owl (read from here, not from the store, which keeps
# xsd:nonNegativeInteger cardinalities as xsd:integer).
ARTIFACTS = {
    "hcckg.ttl": ox.RdfFormat.TURTLE,
    "hcckg.owl": ox.RdfFormat.RDF_XML,
    "hcckg.jsonld": ox.RdfFormat.JSON_LD,
    "hcckg.nt": ox.RdfFormat.N_TRIPLES,
}


def ontology_triples(path: Path = ONTOLOGY_FILE) -> list[ox.Triple]:
    """The ontology's triples, with IRIs moved to the configured base (``HCCKG_BASE_IRI``).
    Blank nodes (restrictions, lists) are named by their order in the file, so that the same
    file always gives the same triples and the same release bytes (the parser names them at
    random)."""
    try:
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except SyntaxError as err:
        raise SourceError([f"{path}: {err}"]) from err
    except OSError as err:
        raise SourceError([f"{path}: cannot read: {err}"]) from err
    names: dict[ox.BlankNode, ox.BlankNode] = {}

    def term(t):
        if isinstance(t, ox.NamedNode):
            return ox.NamedNode(iris.rebase(t.value))
        if isinstance(t, ox.BlankNode):
            return names.setdefault(t, ox.BlankNode(f"tbox{len(names)}"))
        return t

    return [ox.Triple(term(q.subject), term(q.predicate), term(q.object)) for q in quads]


def prefixes() -> dict[str, str]:
    base = iris.base_iri()
    return {
        "hcc": ontology_ns(),
        "owl": OWL,
        "rdf": RDF,
        "rdfs": RDFS,
        "xsd": XSD,
        "skos": SKOS,
        "dcterms": DCTERMS,
        "obo": "http://purl.obolibrary.org/obo/",
        "res": base + "resource/",
    }


def artifact(name: str, triples: list[ox.Triple] | None = None) -> bytes:
    """One release file (a key of ``ARTIFACTS``) of the ontology (or of ``triples``)."""
    fmt = ARTIFACTS[name]
    kwargs = {} if fmt == ox.RdfFormat.N_TRIPLES else {"prefixes": prefixes()}
    return ox.serialize(ontology_triples() if triples is None else triples, format=fmt, **kwargs)


def ancestors(tbox: list[ox.Triple], relation: ox.NamedNode) -> dict[ox.Term, set[ox.Term]]:
    """Each term's proper ancestors along ``relation`` (rdfs:subPropertyOf, rdfs:subClassOf),
    named terms only."""
    parents: dict[ox.Term, set[ox.Term]] = defaultdict(set)
    for t in tbox:
        if t.predicate == relation and isinstance(t.object, ox.NamedNode):
            parents[t.subject].add(t.object)
    out: dict[ox.Term, set[ox.Term]] = {}
    for term in list(parents):
        seen: set[ox.Term] = set()
        todo = list(parents[term])
        while todo:
            up = todo.pop()
            if up not in seen:
                seen.add(up)
                todo.extend(parents.get(up, ()))
        out[term] = seen
    return out


__all__ = ["ARTIFACTS", "ONTOLOGY_FILE", "ancestors", "artifact", "ontology_triples", "prefixes"]
