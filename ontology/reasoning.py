"""Run HermiT (through owlready2, on Java 17) over the ontology and the curated facts.

This is the only module that imports owlready2. ``reason(tbox, abox)`` hands the reasoner the
TBox and only the part of the ABox it can use (class assertions, object-property assertions
between IRIs, and the data properties that class definitions mention), plus two assumptions
the data is curated to meet:

- **Closed arms.** The sources list every agent of an arm, so each arm is asserted to include
  at most as many agents as it names (``includesAgent max n``). Without this, open-world
  reasoning could never prove that an arm's agents are *all* antibodies or small molecules,
  which is what the ICI-based family needs.
- **Unique names for agents and targets.** Different IRIs are different agents (targets), so
  the closure above works and "two checkpoint inhibitors" or "two checkpoint targets" can be
  counted. Stated per arm and per agent only, to keep HermiT fast.

The result holds only what is new: inferred ``rdf:type`` to named classes (every named
superclass, so that SPARQL needs no entailment), inferred object-property assertions
(property chains, inverses, ``hasValue`` consequences) and inferred ``rdfs:subClassOf``
between named classes.
"""

from __future__ import annotations

import io
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import owlready2
import pyoxigraph as ox

from hcckg.ground.errors import HcckgError
from hcckg.ground.terms import HCC, OWL, RDF, RDFS
from hcckg.ontology import hermit
from hcckg.ontology.diagnosis import explain_inconsistency as _explain_inconsistency
from hcckg.ontology.diagnosis import inconsistency_message as _inconsistency_message
from hcckg.ontology.diagnosis import told_classes as _told
from hcckg.ontology.diagnosis import told_problems as _told_problems
from hcckg.ontology.explain import explanations
from hcckg.ontology.tbox import ancestors

_THING = OWL + "Thing"
_NNI = ox.NamedNode("http://www.w3.org/2001/XMLSchema#nonNegativeInteger")


class OntologyInconsistent(HcckgError):
    """The ontology, or the ontology with the curated facts, is inconsistent or has
    unsatisfiable classes. The message names what the reasoner (and a diagnosis of the
    asserted facts) found."""

    def __init__(self, message: str, unsatisfiable: list[str] | None = None):
        self.unsatisfiable = unsatisfiable or []
        super().__init__(message)


class ReasonerUnavailable(HcckgError):
    """HermiT could not run (Java missing or crashed)."""


@dataclass
class Reasoned:
    inferred: list[ox.Triple]
    seconds: float = 0.0
    axioms_in: int = 0
    individuals: int = 0
    unsatisfiable: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"reasoner: {self.individuals} individuals, {self.axioms_in} triples in, "
            f"{len(self.inferred)} inferred, {self.seconds:.2f} s"
        )


def reason(tbox: list[ox.Triple], abox: list[ox.Triple]) -> Reasoned:
    """Classify ``tbox`` with the reasoner-relevant part of ``abox``; raise
    :class:`OntologyInconsistent` if the result is inconsistent or a class is unsatisfiable."""
    started = time.monotonic()
    tbox, abox = _triples(tbox), _triples(abox)
    vocab = _Vocabulary(tbox)
    facts = vocab.relevant(abox)
    # Facts whose properties no class expression or chain mentions can only clash through
    # domains, ranges and disjointness: check those here, and give HermiT the rest (its
    # property realisation grows with the square of the individuals it sees).
    problems = _told_problems(tbox, facts)
    if problems:
        raise OntologyInconsistent(_inconsistency_message(problems))
    module = vocab.module(facts)
    extra = _closure_axioms(module) + _unique_name_axioms(module, vocab.ancestors)
    world = _run_hermit(tbox + module + extra, tbox, facts)
    inferred = _collect(world, vocab, tbox, facts)
    # Each inferred mechanism link with the stated facts it rests on (hcc:Inference nodes).
    inferred += explanations(tbox, abox, inferred)
    individuals = {t.subject for t in facts if isinstance(t.subject, ox.NamedNode)}
    return Reasoned(
        inferred=inferred,
        seconds=time.monotonic() - started,
        axioms_in=len(tbox) + len(module) + len(extra),
        individuals=len(individuals),
    )


# -- input ------------------------------------------------------------------------------------


def _triples(items: Iterable[ox.Triple | ox.Quad]) -> list[ox.Triple]:
    """Quads (what pyoxigraph's parser yields) compare unequal to triples: drop the graph."""
    return [ox.Triple(t.subject, t.predicate, t.object) for t in items]


class _Vocabulary:
    """What the TBox declares: the classes, object properties and class-defining data
    properties the reasoner should see in the ABox."""

    def __init__(self, tbox: list[ox.Triple]):
        self.classes = {t.subject for t in tbox if t.predicate == RDF.type and t.object == OWL.Class}
        self.classes = {c for c in self.classes if isinstance(c, ox.NamedNode)}
        self.object_properties = {
            t.subject for t in tbox if t.predicate == RDF.type and t.object == OWL.ObjectProperty
        }
        # Data properties that restrictions mention (e.g. agentCount): their values matter.
        restricted = {t.object for t in tbox if t.predicate == OWL.onProperty}
        self.data_properties = restricted - self.object_properties
        self.inverse: dict[ox.NamedNode, ox.NamedNode] = {}
        for t in tbox:
            if t.predicate == OWL.inverseOf:
                self.inverse[t.subject] = t.object
                self.inverse[t.object] = t.subject
        # Properties the reasoner can do something with: in restrictions and property chains.
        first = {t.subject: t.object for t in tbox if t.predicate == RDF.first}
        rest = {t.subject: t.object for t in tbox if t.predicate == RDF.rest}
        self.active = set(restricted)
        for t in tbox:
            if t.predicate == OWL.propertyChainAxiom:
                self.active.add(t.subject)
                cell = t.object
                while cell in first:
                    self.active.add(first[cell])
                    cell = rest.get(cell, RDF.nil)
        # A value of a sub-property is a value of its super-properties: the facts curated with
        # a role (hcc:inhibits) reach the chains and restrictions written on the broader one.
        # A sub-property of an active property is active too (hcc:inhibits under the chains'
        # hcc:antagonises); broader values HermiT is not asked for are added in _collect.
        self.ancestors = ancestors(tbox, RDFS.subPropertyOf)
        self.active |= {p for p, ups in self.ancestors.items() if ups & self.active}
        self.active |= {self.inverse[p] for p in self.active if p in self.inverse}

    def module(self, facts: list[ox.Triple]) -> list[ox.Triple]:
        """The facts HermiT needs: values of active properties, and the types of the
        individuals they connect."""
        linked = [t for t in facts if t.predicate in self.active]
        members = {t.subject for t in linked} | {
            t.object for t in linked if isinstance(t.object, ox.NamedNode)
        }
        return linked + [t for t in facts if t.predicate == RDF.type and t.subject in members]

    def relevant(self, abox: Iterable[ox.Triple]) -> list[ox.Triple]:
        keep = []
        for t in abox:
            if not isinstance(t.subject, ox.NamedNode):
                continue
            if t.predicate == RDF.type:
                if t.object in self.classes:
                    keep.append(t)
            elif t.predicate in self.object_properties:
                if isinstance(t.object, ox.NamedNode):
                    keep.append(t)
            elif t.predicate in self.data_properties and isinstance(t.object, ox.Literal):
                keep.append(t)
        return sorted(set(keep), key=str)


def _rdf_list(items: list[ox.Term], out: list[ox.Triple]) -> ox.BlankNode | ox.NamedNode:
    head: ox.BlankNode | ox.NamedNode = RDF.nil
    for item in reversed(items):
        cell = ox.BlankNode()
        out.append(ox.Triple(cell, RDF.first, item))
        out.append(ox.Triple(cell, RDF.rest, head))
        head = cell
    return head


def _closure_axioms(facts: list[ox.Triple]) -> list[ox.Triple]:
    """``arm a [owl:onProperty includesAgent; owl:maxCardinality n]`` with n the number of agents
    the arm names. With the agents known to be different, this closes the arm: any agent it
    includes is one of those named. (Cheaper for HermiT than ``owl:oneOf``.)"""
    agents: dict[ox.NamedNode, set[ox.NamedNode]] = defaultdict(set)
    for t in facts:
        if t.predicate == HCC.includesAgent:
            agents[t.subject].add(t.object)
    out: list[ox.Triple] = []
    for arm, members in sorted(agents.items(), key=lambda kv: kv[0].value):
        restriction = ox.BlankNode()
        out += [
            ox.Triple(restriction, RDF.type, OWL.Restriction),
            ox.Triple(restriction, OWL.onProperty, HCC.includesAgent),
            ox.Triple(
                restriction,
                OWL.maxCardinality,
                ox.Literal(str(len(members)), datatype=_NNI),
            ),
            ox.Triple(arm, RDF.type, restriction),
        ]
    return out


def _unique_name_axioms(facts: list[ox.Triple], ancestors: dict[ox.Term, set[ox.Term]]) -> list[ox.Triple]:
    """``owl:AllDifferent`` over the agents of each arm, the components of each regimen and the
    targets of each agent (whatever the role it acts on them with): only where counting needs
    it, because every inequality costs HermiT time."""
    counted = (HCC.includesAgent, HCC.hasComponent, HCC.hasTarget)
    groups: dict[tuple[ox.NamedNode, ox.NamedNode], set[ox.NamedNode]] = defaultdict(set)
    for t in facts:
        family = next((p for p in counted if p == t.predicate or p in ancestors.get(t.predicate, ())), None)
        if family is not None:
            groups[(t.subject, family)].add(t.object)
    out: list[ox.Triple] = []
    for _key, members in sorted(groups.items(), key=lambda kv: (kv[0][0].value, kv[0][1].value)):
        if len(members) < 2:
            continue
        node = ox.BlankNode()
        out.append(ox.Triple(node, RDF.type, OWL.AllDifferent))
        out.append(ox.Triple(node, OWL.distinctMembers, _rdf_list(sorted(members, key=str), out)))
    return out


# -- running HermiT ----------------------------------------------------------------------------


def _run_hermit(triples: list[ox.Triple], tbox: list[ox.Triple], facts: list[ox.Triple]) -> owlready2.World:
    data = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES)
    world = owlready2.World()  # in memory: no quadstore file
    world.get_ontology("http://hcckg.invalid/input/").load(fileobj=io.BytesIO(data), format="ntriples")
    inferred = world.get_ontology("http://hcckg.invalid/inferred/")
    # owlready2 writes its input file with tempfile: keep it in a directory of our own.
    with tempfile.TemporaryDirectory(prefix="hcckg-hermit-") as tmp:
        saved = tempfile.tempdir
        tempfile.tempdir = tmp
        try:
            with inferred, hermit.contained():  # Java dies with the build (ontology/hermit.py)
                owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError as err:
            raise OntologyInconsistent(_explain_inconsistency(tbox, facts)) from err
        except owlready2.OwlReadyJavaError as err:
            raise ReasonerUnavailable(f"HermiT failed (is Java 17 installed?): {err}") from err
        except FileNotFoundError as err:
            raise ReasonerUnavailable(f"cannot run Java for HermiT: {err}") from err
        finally:
            tempfile.tempdir = saved
    unsatisfiable = sorted(
        c.iri for c in world.inconsistent_classes() if hasattr(c, "iri") and c.iri != OWL + "Nothing"
    )
    if unsatisfiable:
        names = ", ".join(f"<{iri}>" for iri in unsatisfiable)
        raise OntologyInconsistent(
            f"{len(unsatisfiable)} unsatisfiable class(es): {names}. Check their definitions "
            "against the disjointness axioms (a class under two disjoint kinds can have no members).",
            unsatisfiable,
        )
    return world


# -- output ----------------------------------------------------------------------------------------


def _collect(
    world: owlready2.World, vocab: _Vocabulary, tbox: list[ox.Triple], facts: list[ox.Triple]
) -> list[ox.Triple]:
    asserted = set(tbox) | set(facts)
    out: set[ox.Triple] = set()

    individuals = {t.subject for t in facts} | {
        t.object for t in facts if t.predicate != RDF.type and isinstance(t.object, ox.NamedNode)
    }
    told = _told(tbox, facts)
    for iri in sorted(individuals, key=str):
        entity = world[iri.value]
        classes = []
        if entity is not None and not isinstance(entity, owlready2.ThingClass):
            classes = [c for c in entity.is_a if isinstance(c, owlready2.ThingClass)]
        # Individuals HermiT did not see: their told classes, placed in HermiT's hierarchy.
        classes += [world[c.value] for c in told.get(iri, {}) if world[c.value] is not None]
        for cls in classes:
            for ancestor in cls.ancestors():
                node = ox.NamedNode(ancestor.iri)
                if ancestor.iri != _THING and node in vocab.classes:
                    out.add(ox.Triple(iri, RDF.type, node))

    # Object-property values HermiT found (chains, hasValue), then both directions of inverses.
    inferred_onto = world.get_ontology("http://hcckg.invalid/inferred/")
    values = {t for t in facts if t.predicate in vocab.object_properties}
    for s, p, o in inferred_onto.get_triples():
        if not (isinstance(o, int) and o > 0 and s > 0):
            continue
        predicate = ox.NamedNode(world._unabbreviate(p))
        subject, obj = world._unabbreviate(s), world._unabbreviate(o)
        if predicate in vocab.object_properties:
            values.add(ox.Triple(ox.NamedNode(subject), predicate, ox.NamedNode(obj)))
        elif predicate == RDFS.subClassOf:
            sub, sup = ox.NamedNode(subject), ox.NamedNode(obj)
            if sub in vocab.classes and sup in vocab.classes:
                out.add(ox.Triple(sub, RDFS.subClassOf, sup))
    # rdfs:subPropertyOf: every value is a value of the broader properties (hcc:hasTarget of
    # hcc:directedAgainst), so that SPARQL needs no entailment.
    values |= {
        ox.Triple(t.subject, up, t.object)
        for t in list(values)
        for up in vocab.ancestors.get(t.predicate, ())
    }
    for t in list(values):
        inverse = vocab.inverse.get(t.predicate)
        if inverse is not None:
            values.add(ox.Triple(t.object, inverse, t.subject))
    out |= values
    return sorted(out - asserted, key=str)


__all__ = ["reason", "Reasoned", "OntologyInconsistent", "ReasonerUnavailable"]
