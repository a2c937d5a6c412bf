"""What a linked-data page shows about one IRI: its facts out and in, labels of everything
linked, and the sources of each fact (the ``rdf:Statement`` nodes of ARCHITECTURE.md).

The IRI is bound by ``substitutions`` (pyoxigraph needs ``?this`` projected for that); only terms read back from the store are written
into a query (the ``VALUES`` of the label look-up).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from hcckg.ground.errors import NotFound
from hcckg.ground.terms import DCTERMS, RDF, RDFS, SKOS

LIMIT = 1000  # facts shown per direction; the rest are reachable with SPARQL

_OUT = f"SELECT ?this ?p ?o WHERE {{ ?this ?p ?o }} ORDER BY ?p ?o LIMIT {LIMIT}"
_IN = f"""SELECT ?this ?s ?p WHERE {{ ?s ?p ?this
  FILTER(?p NOT IN (<{RDF}subject>, <{RDF}object>)) }} ORDER BY ?p ?s LIMIT {LIMIT}"""
_SOURCES = f"""SELECT ?this ?st ?s ?p ?o ?source WHERE {{
  {{ ?st <{RDF}subject> ?this }} UNION {{ ?st <{RDF}object> ?this }}
  ?st <{RDF}subject> ?s ; <{RDF}predicate> ?p ; <{RDF}object> ?o ; <{DCTERMS}source> ?source .
}} LIMIT {LIMIT * 4}"""
_BLANKS = f"""SELECT ?this ?b ?p ?o WHERE {{ ?this ?x ?b FILTER(isBlank(?b)) ?b ?p ?o }} LIMIT {LIMIT}"""

_ANY = "SELECT ?this WHERE { { ?this ?p ?o } UNION { ?s ?p ?this } } LIMIT 1"

LABEL = RDFS.label
ALT_LABEL = SKOS.altLabel
DEFINITION = SKOS.definition
COMMENT = RDFS.comment
TYPE = RDF.type


@dataclass
class Fact:
    predicate: ox.NamedNode
    term: ox.NamedNode | ox.BlankNode | ox.Literal  # the object (out) or the subject (in)
    sources: list[ox.NamedNode] = field(default_factory=list)
    blank: list[tuple[ox.NamedNode, object]] = field(default_factory=list)  # a blank node's own facts


@dataclass
class Page:
    iri: ox.NamedNode
    label: str
    definitions: list[str]
    synonyms: list[str]
    types: list[ox.NamedNode]
    out: list[Fact]
    inward: list[Fact]
    labels: dict[str, str]

    def name(self, term: object) -> str:
        """A readable name for a term: its label, else the end of its IRI."""
        if isinstance(term, ox.NamedNode):
            return self.labels.get(term.value) or _tail(term.value)
        if isinstance(term, ox.Literal):
            return term.value
        return "(anonymous node)"


def _tail(iri: str) -> str:
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


def _query(store, sparql: str, iri: ox.NamedNode):
    return store.query(sparql, substitutions={"this": iri})


def _labels(store, terms: set[str]) -> dict[str, str]:
    if not terms:
        return {}
    values = " ".join(str(ox.NamedNode(t)) for t in sorted(terms))
    sparql = f"""SELECT ?x ?label WHERE {{ VALUES ?x {{ {values} }}
      ?x <{RDFS}label>|<{SKOS}prefLabel> ?label }}"""
    labels: dict[str, str] = {}
    for row in store.query(sparql):
        labels.setdefault(row["x"].value, row["label"].value)
    return labels


def resource(store, iri: ox.NamedNode) -> Page:
    """Everything the HTML page of ``iri`` shows; ``NotFound`` when hcckg has nothing on it."""
    out = [Fact(row["p"], row["o"]) for row in _query(store, _OUT, iri)]
    inward = [Fact(row["p"], row["s"]) for row in _query(store, _IN, iri)]
    if not out and not inward:
        raise NotFound(f"{iri.value} is not in hcckg")
    sources: dict[tuple[str, str, str], list[ox.NamedNode]] = {}
    for row in _query(store, _SOURCES, iri):
        key = (str(row["s"]), str(row["p"]), str(row["o"]))
        sources.setdefault(key, []).append(row["source"])
    blanks: dict[str, list] = {}
    for row in _query(store, _BLANKS, iri):
        blanks.setdefault(str(row["b"]), []).append((row["p"], row["o"]))
    for fact in out:
        fact.sources = sources.get((str(iri), str(fact.predicate), str(fact.term)), [])
        fact.blank = blanks.get(str(fact.term), []) if isinstance(fact.term, ox.BlankNode) else []
    for fact in inward:
        fact.sources = sources.get((str(fact.term), str(fact.predicate), str(iri)), [])
    linked = {iri.value}
    for fact in out + inward:
        linked.add(fact.predicate.value)
        for term in (fact.term, *fact.sources, *(t for pair in fact.blank for t in pair)):
            if isinstance(term, ox.NamedNode):
                linked.add(term.value)
    labels = _labels(store, linked)

    def literal(predicates: tuple[ox.NamedNode, ...]) -> list[str]:
        return [f.term.value for f in out if f.predicate in predicates and isinstance(f.term, ox.Literal)]

    return Page(
        iri=iri,
        label=labels.get(iri.value) or _tail(iri.value),
        definitions=literal((DEFINITION, COMMENT)),
        synonyms=literal((ALT_LABEL,)),
        types=[f.term for f in out if f.predicate == TYPE and isinstance(f.term, ox.NamedNode)],
        out=out,
        inward=inward,
        labels=labels,
    )


def exists(store, iri: ox.NamedNode) -> bool:
    """Whether hcckg says anything about ``iri`` (as subject or object)."""
    return bool(list(_query(store, _ANY, iri)))


def empty(iri: ox.NamedNode) -> Page:
    """The page of an IRI that exists (a named graph) but has no facts."""
    return Page(iri, _tail(iri.value), [], [], [], [], [], {})


def triples(store, iri: ox.NamedNode) -> list[ox.Triple]:
    """The description served to machines: facts out (with blank nodes one level down),
    facts in, and the provenance statements about the IRI's facts."""
    sparql = f"""CONSTRUCT {{ ?this ?p ?o . ?o ?bp ?bo . ?s ?q ?this .
        ?st ?sp ?so }}
    WHERE {{
      {{ ?this ?p ?o OPTIONAL {{ FILTER(isBlank(?o)) ?o ?bp ?bo }} }}
      UNION {{ ?s ?q ?this FILTER(?q NOT IN (<{RDF}subject>, <{RDF}object>)) }}
      UNION {{ {{ ?st <{RDF}subject> ?this }} UNION {{ ?st <{RDF}object> ?this }} ?st ?sp ?so }}
    }}"""
    return list(_query(store, sparql, iri))
