"""Reading facts for pages in bulk: the facts of several resources at once, the sources of
each fact (its ``rdf:Statement`` nodes), labels, and a numbered list of the sources a page
cites, so that each source is printed once and facts point to it by number.

Only IRIs read back from the store are written into a query (as ``VALUES``); an IRI from a
request is bound with ``substitutions`` (server/describe.py, server/reading.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from hcckg.ground.terms import DCTERMS, HCC, RDF, RDFS, SKOS

LIMIT = 5000


def values(terms: Iterable[ox.NamedNode | str]) -> str:
    """A ``VALUES`` list of IRIs that came from the store (never from a request)."""
    return " ".join(
        str(t if isinstance(t, ox.NamedNode) else ox.NamedNode(t)) for t in sorted(set(terms), key=str)
    )


def facts(store, subjects: Iterable[ox.NamedNode | str]) -> dict[str, list[tuple[ox.NamedNode, ox.Term]]]:
    """Every fact out of each subject: IRI -> [(predicate, object)], in a stable order."""
    listed = values(subjects)
    if not listed:
        return {}
    sparql = f"SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {listed} }} ?s ?p ?o }} ORDER BY ?s ?p ?o LIMIT {LIMIT}"
    found: dict[str, list] = defaultdict(list)
    for row in store.query(sparql):
        found[row["s"].value].append((row["p"], row["o"]))
    return found


def sources(store, subjects: Iterable[ox.NamedNode | str]) -> dict[tuple[str, str, str], list[str]]:
    """The sources of every fact out of each subject: (s, p, o as N-Triples) -> [source IRI]."""
    listed = values(subjects)
    if not listed:
        return {}
    sparql = f"""SELECT ?s ?p ?o ?src WHERE {{ VALUES ?s {{ {listed} }}
      ?st <{RDF.subject.value}> ?s ; <{RDF.predicate.value}> ?p ; <{RDF.object.value}> ?o ;
          <{DCTERMS.source.value}> ?src }} LIMIT {LIMIT}"""
    found: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for row in store.query(sparql):
        key = (row["s"].value, row["p"].value, str(row["o"]))
        if row["src"].value not in found[key]:
            found[key].append(row["src"].value)
    return found


def labels(store, iris: Iterable[ox.NamedNode | str]) -> dict[str, str]:
    """IRI -> label (rdfs:label, else skos:prefLabel) for those that have one."""
    listed = values(iris)
    if not listed:
        return {}
    sparql = f"""SELECT ?x ?l WHERE {{ VALUES ?x {{ {listed} }}
      {{ ?x <{RDFS.label.value}> ?l }} UNION {{ ?x <{SKOS.prefLabel.value}> ?l }} }}"""
    found: dict[str, str] = {}
    for row in store.query(sparql):
        found.setdefault(row["x"].value, row["l"].value)
    return found


@dataclass
class Citation:
    number: int
    iri: str
    label: str
    pmid: str | None = None
    doi: str | None = None
    links: list[str] = field(default_factory=list)  # rdfs:seeAlso

    @property
    def pubmed(self) -> str | None:
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else None

    @property
    def doi_url(self) -> str | None:
        return f"https://doi.org/{self.doi}" if self.doi else None


class Citations:
    """The sources one page cites, numbered in the order they are first cited."""

    def __init__(self) -> None:
        self.by_iri: dict[str, Citation] = {}

    def cite(self, iris: Iterable[str]) -> list[int]:
        numbers = []
        for iri in iris:
            if iri not in self.by_iri:
                self.by_iri[iri] = Citation(len(self.by_iri) + 1, iri, iri)
            numbers.append(self.by_iri[iri].number)
        return sorted(set(numbers))

    def fill(self, store) -> list[Citation]:
        """Labels, PubMed ids and DOIs of every cited source; the list to print once."""
        if self.by_iri:
            sparql = f"""SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values(self.by_iri)} }}
              VALUES ?p {{ <{RDFS.label.value}> <{HCC.pmid.value}> <{HCC.doi.value}> <{RDFS.seeAlso.value}> }}
              ?s ?p ?o }}"""
            for row in store.query(sparql):
                citation, value = self.by_iri[row["s"].value], row["o"].value
                if row["p"] == RDFS.label:
                    citation.label = value
                elif row["p"] == HCC.pmid:
                    citation.pmid = value
                elif row["p"] == HCC.doi:
                    citation.doi = value
                else:
                    citation.links.append(value)
        return sorted(self.by_iri.values(), key=lambda c: c.number)
