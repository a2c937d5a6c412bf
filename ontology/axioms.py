"""The axioms an explanation may apply (``ontology/explain.py``), read from the ontology's
triples: property chains, sub-property and sub-class hierarchies, class definitions
(``owl:equivalentClass``), value restrictions (``owl:hasValue`` under ``rdfs:subClassOf``),
domains and ranges."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from hcckg.ground.terms import OWL, RDF, RDFS
from hcckg.ontology.tbox import ancestors


class Axioms:
    """The axioms an explanation may apply, read from the ontology's triples."""

    def __init__(self, tbox: list[ox.Triple]):
        first = {t.subject: t.object for t in tbox if t.predicate == RDF.first}
        rest = {t.subject: t.object for t in tbox if t.predicate == RDF.rest}
        self.by_subject: dict[ox.Term, list[ox.Triple]] = defaultdict(list)
        for t in tbox:
            self.by_subject[t.subject].append(t)

        def items(cell: ox.Term) -> list[ox.Term]:
            out = []
            while cell in first:
                out.append(first[cell])
                cell = rest.get(cell, RDF.nil)
            return out

        self.items = items
        self.super_properties = ancestors(tbox, RDFS.subPropertyOf)
        self.super_classes = ancestors(tbox, RDFS.subClassOf)
        self.chains: dict[ox.Term, list[list[ox.Term]]] = defaultdict(list)
        self.definitions: dict[ox.Term, list[ox.Term]] = defaultdict(list)
        self.value_axioms: dict[ox.Term, list[tuple[ox.Term, ox.Term]]] = defaultdict(list)  # p -> (class, v)
        self.domain = {
            t.subject: t.object
            for t in tbox
            if t.predicate == RDFS.domain and isinstance(t.object, ox.NamedNode)
        }
        self.range = {
            t.subject: t.object
            for t in tbox
            if t.predicate == RDFS.range and isinstance(t.object, ox.NamedNode)
        }
        for t in tbox:
            if t.predicate == OWL.propertyChainAxiom:
                self.chains[t.subject].append(items(t.object))
            elif t.predicate == OWL.equivalentClass and isinstance(t.subject, ox.NamedNode):
                self.definitions[t.subject].append(t.object)
            elif t.predicate == RDFS.subClassOf and isinstance(t.object, ox.BlankNode):
                value = self.one(t.object, OWL.hasValue)
                prop = self.one(t.object, OWL.onProperty)
                if value is not None and prop is not None:
                    self.value_axioms[prop].append((t.subject, value))

    def one(self, node: ox.Term, predicate: ox.NamedNode) -> ox.Term | None:
        return next((t.object for t in self.by_subject.get(node, ()) if t.predicate == predicate), None)

    def under(self, prop: ox.Term, ancestor: ox.Term) -> bool:
        return prop == ancestor or ancestor in self.super_properties.get(prop, ())
