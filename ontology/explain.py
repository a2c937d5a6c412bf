"""Explanations of the reasoner's mechanism links, as data in the inferred graph.

For every inferred ``addressesMechanism``, ``limitedByMechanism`` and ``exploitsMechanism``
triple, and for every inferred premise those rest on, this module writes one ``hcc:Inference``
node per way the TBox derives it::

    ?x a hcc:Inference ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ;
       hcc:inferenceRule <the property whose chain, or the class whose axiom, was applied> ;
       prov:wasDerivedFrom <rdf:Statement of a stated premise>, <hcc:Inference of an inferred one> ;
       hcc:viaAgent / hcc:viaTarget / hcc:viaApproach / hcc:viaRole ... ;
       rdfs:comment "lenvatinib addresses ...: lenvatinib inhibits process ... [ascari-2026-ref-34]; ..." .

so ``?x prov:wasDerivedFrom+ ?st . ?st dcterms:source ?src`` reaches the sources of the stated
facts an inference used. Each node also names those sources itself (``?x hcc:restsOnSource
?src``, the closure written out here; not ``dcterms:source``, which marks a statement's own
source): a query that lists the sources of many inferred links
need not walk the path, which cost 12 s of 13 in mechanism_paths. It does not decide anything the reasoner did not: it only finds, for a
triple HermiT inferred, the stated and inferred facts that satisfy the axioms the ontology
declares (property chains over sub-properties, value restrictions of named classes, and the
class definitions those rest on: intersections, unions, some-values and qualified minimum
cardinalities). Pure pyoxigraph; the reasoner is ``ontology/reasoning.py``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from hcckg.ground import iris
from hcckg.ground.terms import DCTERMS, HCC, OWL, PROV, RDF, RDFS
from hcckg.ontology.axioms import Axioms

EXPLAINED = (HCC.addressesMechanism, HCC.limitedByMechanism, HCC.exploitsMechanism)
_TYPE = RDF.type
# Links through an agent of an arm or regimen, and links through an approach.
_THROUGH_AGENT = (HCC.includesAgent, HCC.hasComponent)
_DEPTH = 12


@dataclass(frozen=True)
class _Step:
    """One justification of a triple: the axiom applied and the premises it used."""

    rule: ox.NamedNode
    premises: tuple[ox.Triple, ...]
    via: tuple[tuple[ox.NamedNode, ox.Term], ...] = ()


@dataclass
class _Node:
    iri: ox.NamedNode
    triple: ox.Triple
    step: _Step
    derived_from: list[ox.NamedNode] = field(default_factory=list)  # statements and inferences
    parents: list[_Node] = field(default_factory=list)  # the inferences among them


class _Explainer:
    def __init__(self, tbox: list[ox.Triple], abox: list[ox.Triple], inferred: list[ox.Triple]):
        self.t = Axioms(tbox)
        statement = iris.resource("statement", "x").value[:-1]
        parts: dict[ox.Term, dict[str, ox.Term]] = defaultdict(dict)
        self.sources: dict[ox.Term, list[str]] = defaultdict(list)
        self.source_iris: dict[ox.Term, set[ox.NamedNode]] = defaultdict(set)
        self.asserted: set[ox.Triple] = set()
        for t in abox:
            if isinstance(t.subject, ox.NamedNode) and t.subject.value.startswith(statement):
                if t.predicate in (RDF.subject, RDF.predicate, RDF.object):
                    parts[t.subject][t.predicate.value] = t.object
                elif t.predicate == DCTERMS.source:
                    self.sources[t.subject].append(t.object.value.rsplit("/", 1)[-1])
                    self.source_iris[t.subject].add(t.object)
            else:
                self.asserted.add(t)
        self.statements: dict[ox.Triple, list[ox.NamedNode]] = defaultdict(list)
        for st, spo in parts.items():
            if len(spo) == 3:
                triple = ox.Triple(spo[RDF.subject.value], spo[RDF.predicate.value], spo[RDF.object.value])
                self.statements[triple].append(st)
        self.facts = self.asserted | set(inferred)
        self.out: dict[ox.Term, list[ox.Triple]] = defaultdict(list)
        for t in self.facts:
            self.out[t.subject].append(t)
        self.labels = {t.subject: t.object.value for t in [*tbox, *abox] if t.predicate == RDFS.label}
        self.nodes: dict[ox.Triple, list[_Node]] = {}
        self.busy: set[ox.Triple] = set()

    # -- finding justifications --------------------------------------------------------------
    def edges(self, s: ox.Term, prop: ox.Term) -> list[ox.Triple]:
        """Facts ``(s q y)`` with ``q`` = ``prop`` or under it, keeping for each ``y`` the most
        specific predicates and, among them, stated ones first (the role-typed links)."""
        by_object: dict[ox.Term, list[ox.Triple]] = defaultdict(list)
        for t in self.out.get(s, ()):
            if t.predicate != _TYPE and self.t.under(t.predicate, prop):
                by_object[t.object].append(t)
        chosen = []
        for found in by_object.values():
            specific = [
                t for t in found if not any(self.t.under(o.predicate, t.predicate) and o != t for o in found)
            ]
            stated = [t for t in specific if t in self.asserted]
            chosen.extend(sorted(stated or specific, key=str))
        return sorted(chosen, key=str)

    def has_type(self, s: ox.Term, cls: ox.Term) -> bool:
        return ox.Triple(s, _TYPE, cls) in self.facts

    def steps(self, triple: ox.Triple) -> list[_Step]:
        s, p, o = triple.subject, triple.predicate, triple.object
        if p == _TYPE:
            return self.type_steps(s, o)
        found: list[_Step] = []
        for chain in self.t.chains.get(p, ()):
            if len(chain) != 2:
                continue
            for first in self.edges(s, chain[0]):
                for second in self.edges(first.object, chain[1]):
                    if second.object == o:
                        found.append(self.chain_step(p, first, second))
        for prop, axioms in self.t.value_axioms.items():
            if self.t.under(prop, p):
                for cls, value in axioms:
                    if value == o and self.has_type(s, cls):
                        found.append(
                            _Step(
                                cls,
                                (ox.Triple(s, _TYPE, cls),),
                                ((HCC.viaApproach, o),) if p == HCC.followsApproach else (),
                            )
                        )
        if not found:  # a super-property value of a stated, more specific one
            for t in self.out.get(s, ()):
                if t.object == o and t.predicate != p and self.t.under(t.predicate, p) and t in self.asserted:
                    found.append(_Step(p, (t,)))
        return found

    def chain_step(self, p: ox.NamedNode, first: ox.Triple, second: ox.Triple) -> _Step:
        via: list[tuple[ox.NamedNode, ox.Term]] = []
        if first.predicate in _THROUGH_AGENT:
            via.append((HCC.viaAgent, first.object))
        elif self.t.under(first.predicate, HCC.followsApproach):
            via.append((HCC.viaApproach, first.object))
        else:  # an agent's role-typed action on a target or process
            via += [
                (HCC.viaTarget, first.object),
                (HCC.viaRole, first.predicate),
                (HCC.viaRole, second.predicate),
            ]
        return _Step(p, (first, second), tuple(via))

    def type_steps(self, s: ox.Term, cls: ox.Term) -> list[_Step]:
        """Ways ``s`` is a ``cls``, most direct first: a stated subclass, the class's definition,
        the domain or range of a property ``s`` is used with, an inferred subclass."""
        stated, inferred_sub = [], []
        for t in self.out.get(s, ()):
            if t.predicate == _TYPE and t.object != cls and cls in self.t.super_classes.get(t.object, ()):
                (stated if t in self.asserted else inferred_sub).append(_Step(t.object, (t,)))
        found = sorted(stated, key=str)
        for definition in self.t.definitions.get(cls, ()):
            premises = self.satisfy(definition, s)
            if premises is not None:
                found.append(_Step(cls, tuple(premises)))
        for t in sorted(self.out.get(s, ()), key=str):
            prop = next(
                (
                    q
                    for q in (t.predicate, *self.t.super_properties.get(t.predicate, ()))
                    if self.t.domain.get(q) == cls
                ),
                None,
            )
            if prop is not None and t.predicate != _TYPE:
                found.append(_Step(prop, (t,)))
                break
        return found + sorted(inferred_sub, key=str)

    def satisfy(self, expr: ox.Term, s: ox.Term) -> list[ox.Triple] | None:
        """Facts that put ``s`` in the class expression ``expr``, or None."""
        if isinstance(expr, ox.NamedNode):
            return [ox.Triple(s, _TYPE, expr)] if self.has_type(s, expr) else None
        members = self.t.one(expr, OWL.intersectionOf)
        if members is not None:
            out: list[ox.Triple] = []
            for member in self.t.items(members):
                part = self.satisfy(member, s)
                if part is None:
                    return None
                out += part
            return out
        members = self.t.one(expr, OWL.unionOf)
        if members is not None:
            return next(
                (p for p in (self.satisfy(m, s) for m in self.t.items(members)) if p is not None), None
            )
        prop = self.t.one(expr, OWL.onProperty)
        if prop is None:
            return None
        value = self.t.one(expr, OWL.hasValue)
        if value is not None:
            hit = [t for t in self.edges(s, prop) if t.object == value]
            return hit[:1] or None
        some = self.t.one(expr, OWL.someValuesFrom)
        if some is not None:
            return self.fillers(s, prop, some, 1)
        count = self.t.one(expr, OWL.minQualifiedCardinality)
        if count is not None:
            return self.fillers(s, prop, self.t.one(expr, OWL.onClass), int(count.value))
        return None  # maximum and universal restrictions explain no mechanism link

    def fillers(self, s: ox.Term, prop: ox.Term, filler: ox.Term | None, n: int) -> list[ox.Triple] | None:
        out: list[ox.Triple] = []
        hits = 0
        for t in self.edges(s, prop):
            if isinstance(t.object, ox.Literal):
                part = []  # a data restriction: the value itself is the premise
            else:
                part = self.satisfy(filler, t.object) if filler is not None else []
            if part is not None:
                out += [t, *part]
                hits += 1
                if hits == n:
                    return out
        return None

    # -- nodes ----------------------------------------------------------------------------------
    def explain(self, triple: ox.Triple, depth: int = 0) -> list[_Node]:
        if triple in self.nodes:
            return self.nodes[triple]
        if triple in self.busy or depth > _DEPTH:
            return []
        self.busy.add(triple)
        nodes: list[_Node] = []
        for step in self.steps(triple):
            support: list[list[ox.NamedNode | _Node]] = []
            for premise in step.premises:
                if premise in self.asserted:
                    support.append(list(self.statements.get(premise, [])))
                else:
                    support.append(list(self.explain(premise, depth + 1)))
            if not all(support):
                continue  # a premise nobody can trace: not an explanation
            through = len(step.premises) == 2 and step.premises[0].predicate in _THROUGH_AGENT
            if through and step.premises[1] not in self.asserted:
                # Through an agent: one node per way the agent's own link is explained, so that
                # each node names one path (agent, then target, process or approach).
                for variant in support[1]:
                    assert isinstance(variant, _Node)
                    via = step.via + tuple(v for v in variant.step.via if v[0] != HCC.viaAgent)
                    nodes.append(
                        self.node(triple, _Step(step.rule, step.premises, via), [*support[0], variant])
                    )
                continue
            derived = [x for group in support for x in group]
            agents = [(HCC.viaAgent, a) for a in self.agents(triple.subject, derived)]
            via = step.via + tuple(v for v in agents if v not in step.via)
            nodes.append(self.node(triple, _Step(step.rule, step.premises, via), derived))
            if triple.predicate == _TYPE:
                break  # one reason for a class membership is enough to trace it
        self.busy.discard(triple)
        self.nodes[triple] = nodes
        return nodes

    def agents(self, subject: ox.Term, derived: Iterable[ox.NamedNode | _Node]) -> list[ox.Term]:
        """The agents of an arm or regimen that an inference about it counted (the two
        checkpoint inhibitors of a dual blockade), found among the premises it rests on."""
        found: set[ox.Term] = set()
        todo = [d for d in derived if isinstance(d, _Node)]
        seen: set[ox.NamedNode] = set()
        while todo:
            node = todo.pop()
            if node.iri in seen:
                continue
            seen.add(node.iri)
            found |= {
                p.object for p in node.step.premises if p.predicate in _THROUGH_AGENT and p.subject == subject
            }
            todo += node.parents
        return sorted(found, key=str)

    def node(self, triple: ox.Triple, step: _Step, derived: list[ox.NamedNode | _Node]) -> _Node:
        names = [d.iri if isinstance(d, _Node) else d for d in derived]
        key = "|".join([str(triple), str(step.rule), *sorted(map(str, names)), *sorted(map(str, step.via))])
        iri = iris.resource("inference", hashlib.sha1(key.encode()).hexdigest()[:20])
        return _Node(iri, triple, step, names, [d for d in derived if isinstance(d, _Node)])

    # -- output ---------------------------------------------------------------------------------
    def label(self, term: ox.Term) -> str:
        if term == _TYPE:
            return "is a"
        if isinstance(term, ox.Literal):
            return term.value
        return self.labels.get(term, term.value.rsplit("/", 1)[-1])

    def render(self, node: _Node) -> str:
        t = node.triple
        parts = []
        for premise in node.step.premises:
            text = (
                f"{self.label(premise.subject)} {self.label(premise.predicate)} {self.label(premise.object)}"
            )
            if premise in self.asserted:
                keys = sorted(
                    {k for st in self.statements.get(premise, []) for k in self.sources.get(st, [])}
                )
                parts.append(f"{text} [{', '.join(keys)}]")
            else:
                parts.append(f"{text} (inferred)")
        head = f"{self.label(t.subject)} {self.label(t.predicate)} {self.label(t.object)}"
        rule = self.label(node.step.rule)
        how = f"the property chains of {rule}" if node.step.rule in self.t.chains else f"the axioms of {rule}"
        return f"{head}, because " + "; ".join(parts) + f" (by {how})"

    def triples(self, nodes: Iterable[_Node]) -> list[ox.Triple]:
        out: list[ox.Triple] = []
        for node in nodes:
            x, t = node.iri, node.triple
            out += [
                ox.Triple(x, _TYPE, HCC.Inference),
                ox.Triple(x, RDF.subject, t.subject),
                ox.Triple(x, RDF.predicate, t.predicate),
                ox.Triple(x, RDF.object, t.object),
                ox.Triple(x, HCC.inferenceRule, node.step.rule),
                ox.Triple(x, RDFS.comment, ox.Literal(self.render(node))),
            ]
            out += [ox.Triple(x, PROV.wasDerivedFrom, d) for d in node.derived_from]
            out += [ox.Triple(x, prop, value) for prop, value in node.step.via]
            out += [ox.Triple(x, HCC.restsOnSource, s) for s in sorted(self.rests_on(node), key=str)]
        return out

    def rests_on(self, node: _Node) -> set[ox.NamedNode]:
        """The sources of every stated statement ``node`` rests on, through its inferred premises."""
        found: set[ox.NamedNode] = set()
        todo, seen = [node], set()
        while todo:
            current = todo.pop()
            if current.iri in seen:
                continue
            seen.add(current.iri)
            for d in current.derived_from:
                found |= self.source_iris.get(d, set())
            todo += current.parents
        return found


def explanations(tbox: list[ox.Triple], abox: list[ox.Triple], inferred: list[ox.Triple]) -> list[ox.Triple]:
    """The ``hcc:Inference`` nodes of every inferred mechanism link (and of the inferred
    premises they rest on), as triples for the inferred graph."""
    explainer = _Explainer(tbox, abox, inferred)
    for triple in sorted(inferred, key=str):
        if triple.predicate in EXPLAINED:
            explainer.explain(triple)
    nodes = {n.iri: n for found in explainer.nodes.values() for n in found}
    return sorted(set(explainer.triples(nodes.values())), key=str)


__all__ = ["EXPLAINED", "explanations"]
