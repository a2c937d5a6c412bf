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


def ontology_triples(path: Path = ONTOLOGY_FILE) -> list[ox.Triple]:
    """The ontology's triples, with IRIs moved to the configured base (``HCCKG_BASE_IRI``)."""
    try:
        quads = list(ox.parse(path=str(path), format=ox.RdfFormat.TURTLE))
    except SyntaxError as err:
        raise SourceError([f"{path}: {err}"]) from err
    except OSError as err:
        raise SourceError([f"{path}: cannot read: {err}"]) from err
    return [ox.Triple(_rebased(q.subject), _rebased(q.predicate), _rebased(q.object)) for q in quads]


def _rebased(term):
    return ox.NamedNode(iris.rebase(term.value)) if isinstance(term, ox.NamedNode) else term


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


__all__ = ["ONTOLOGY_FILE", "ancestors", "ontology_triples", "prefixes"]
