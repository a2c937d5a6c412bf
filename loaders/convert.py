"""Curated records -> the triples of the ``review`` graph, each with its provenance.

Every fact becomes a triple plus one ``rdf:Statement`` node per source
(``hcckg.ground.provenance``, ARCHITECTURE.md "Fact provenance"); a claim's note and source
issue ride on its statements. Roles are kept as the properties the reasoner follows: an agent
``inhibits`` / ``preventsActivationOf`` / ``directedAgainst`` a target or ``inhibitsProcess``; a
target or process ``drivesMechanism`` a mechanism or is the checkpoint whose
``blockadeResistedIn`` it. Nothing here infers: ``addressesMechanism`` and its kin are written
only where a source states them.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pyoxigraph as ox

from hcckg.ground import iris
from hcckg.ground.provenance import statement_triples
from hcckg.ground.terms import DCTERMS, HCC, RDF, RDFS, SKOS, XSD
from hcckg.loaders import convert_trials
from hcckg.loaders.records import (
    Agent,
    Arm,
    Claim,
    Mechanism,
    Outcome,
    Process,
    Record,
    Regimen,
    Source,
    Study,
    Target,
)

TYPE, LABEL, ALT, DEFINITION = RDF.type, RDFS.label, SKOS.altLabel, SKOS.definition
COMMENT, EXACT, BROADER = RDFS.comment, SKOS.exactMatch, SKOS.broader
IS_PART_OF, SEE_ALSO = DCTERMS.isPartOf, RDFS.seeAlso

STUDY_CLASS = {"trial": "ClinicalTrial", "observational": "ObservationalStudy"}
MECHANISM_CLASS = {
    "resistance": "ResistanceMechanism",
    "carry-over": "CarryOverEffect",
    "limitation": "TherapyLimitation",
}
PERCENTS = {
    "percent_child_pugh_a": "percentChildPughA",
    "percent_bclc_c": "percentBCLCC",
    "percent_mvi": "percentMVI",
    "percent_extrahepatic_spread": "percentExtrahepaticSpread",
}
VALUE_KINDS = {
    "phase": ("phase", "hasPhase"),
    "status": ("status", "hasStatus"),
    "design": ("design", "hasDesign"),
}
# Agent field -> how the agent acts on the target (hcc:hasTarget or one of its sub-properties).
AGENT_ROLES = {
    "inhibits": "inhibits",
    "prevents_activation_of": "preventsActivationOf",
    "directed_against": "directedAgainst",
    "targets": "hasTarget",
}
# Mechanism field -> (kind of the other end, property, the mechanism is its object).
MECHANISM_LINKS = {
    "driven_by": ("target", "drivesMechanism"),
    "driven_by_processes": ("process", "drivesMechanism"),
    "resisted_checkpoints": ("target", "blockadeResistedIn"),
    "addressed_by": ("drug", "addressesMechanism"),
    "addressed_by_approaches": ("approach", "addressesMechanism"),
    "limits": ("drug", "limitedByMechanism"),
    "limits_approaches": ("approach", "limitedByMechanism"),
    "exploited_by": ("drug", "exploitsMechanism"),
    "exploited_by_approaches": ("approach", "exploitsMechanism"),
}


def _nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


def _literal(value: Any) -> ox.Literal:
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=XSD.boolean)
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=XSD.integer)
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=XSD.decimal)
    return ox.Literal(str(value))


class _Graph:
    """Collects triples, their provenance, and where each subject was curated."""

    def __init__(self, studies: dict[str, Study]):
        self.triples: list[ox.Triple] = []
        self.seen: set[ox.Triple] = set()
        self.origins: dict[str, tuple[str, int, str]] = {}
        self.studies = studies
        # (kind, key) -> label of curated drugs and regimens, for the labels of dose nodes.
        self.labels: dict[tuple[str, str], str] = {}

    def add(self, triple: ox.Triple) -> None:
        if triple not in self.seen:
            self.seen.add(triple)
            self.triples.append(triple)

    def fact(self, s: ox.NamedNode, p: ox.NamedNode, o: Any, claim: Claim | tuple[str, ...]) -> None:
        """The triple and one provenance node per source of the claim."""
        sources = claim.sources if isinstance(claim, Claim) else claim
        note = claim.note if isinstance(claim, Claim) else None
        issue = claim.issue if isinstance(claim, Claim) else None
        self.add(ox.Triple(s, p, o))
        for key in sources:
            for triple in statement_triples(s, p, o, iris.resource("source", key), note=note, issue=issue):
                self.add(triple)

    def each(self, s: ox.NamedNode, p: ox.NamedNode, claims: list[Claim], to_object) -> None:
        for claim in claims:
            self.fact(s, p, to_object(claim.value), claim)

    def entity(self, record: Record, iri: ox.NamedNode, classes: list[str]) -> None:
        self.origins[iri.value] = (record.path, record.line, record.key)
        for name in classes:
            self.fact(iri, TYPE, getattr(HCC, name), record.source)
        self.each(iri, LABEL, getattr(record, "label", []), ox.Literal)
        self.each(iri, ALT, getattr(record, "synonyms", []), ox.Literal)
        self.each(iri, DEFINITION, getattr(record, "definition", []), ox.Literal)
        self.each(iri, HCC.sourceNote, getattr(record, "note", []), ox.Literal)

    def study_iri(self, key: str) -> ox.NamedNode:
        study = self.studies.get(key)
        return iris.resource(study.iri_kind if study else "trial", key)


def _source(g: _Graph, r: Source) -> None:
    iri = iris.resource("source", r.key)
    kind = r.source_kind[0].value if r.source_kind else "reference"
    g.entity(r, iri, ["Source"] + (["Publication"] if kind in ("review", "reference") else []))
    g.each(iri, IS_PART_OF, r.part_of, lambda v: iris.resource("source", v))
    g.each(iri, HCC.referenceNumber, r.reference_number, _literal)
    g.each(iri, HCC.pmid, r.pmid, lambda v: ox.Literal(str(v)))
    g.each(iri, HCC.doi, r.doi, lambda v: ox.Literal(str(v)))
    g.each(iri, SEE_ALSO, r.url, _nn)
    convert_trials.source_fields(g, iri, r)


def _target(g: _Graph, r: Target) -> None:
    iri = iris.resource("target", r.key)
    g.entity(r, iri, [])
    g.each(iri, TYPE, r.classes, lambda v: getattr(HCC, str(v)))
    g.each(iri, HCC.hasComponent, r.components, lambda v: iris.resource("target", v))


def _agent(g: _Graph, r: Agent) -> None:
    iri = iris.resource("drug", r.key)
    g.entity(r, iri, [])
    g.each(iri, TYPE, r.modality, lambda v: getattr(HCC, str(v)))
    for name, prop in AGENT_ROLES.items():
        g.each(iri, getattr(HCC, prop), getattr(r, name), lambda v: iris.resource("target", v))
    g.each(iri, HCC.inhibitsProcess, r.inhibits_processes, lambda v: iris.resource("process", v))
    g.each(iri, HCC.developerCode, r.developer_codes, ox.Literal)


def _process(g: _Graph, r: Process) -> None:
    iri = iris.resource("process", r.key)
    g.entity(r, iri, ["BiologicalProcess"])


def _mechanism(g: _Graph, r: Mechanism) -> None:
    iri = iris.resource("mechanism", r.key)
    g.entity(r, iri, [])
    g.each(iri, TYPE, r.mechanism_kind, lambda v: getattr(HCC, MECHANISM_CLASS[str(v)]))
    for name, (kind, prop) in MECHANISM_LINKS.items():
        for claim in getattr(r, name):
            g.fact(iris.resource(kind, str(claim.value)), getattr(HCC, prop), iri, claim)
    g.each(iri, HCC.involvesProcess, r.processes, lambda v: iris.resource("process", v))
    g.each(iri, HCC.arisesAfterRegimen, r.after_regimens, lambda v: iris.resource("regimen", v))
    g.each(iri, BROADER, r.broader, lambda v: iris.resource("mechanism", v))


def _regimen(g: _Graph, r: Regimen) -> None:
    iri = iris.resource("regimen", r.key)
    g.entity(r, iri, ["Regimen"])
    g.each(iri, HCC.hasComponent, r.components, lambda v: iris.resource("drug", v))
    g.each(iri, BROADER, r.broader, lambda v: iris.resource("regimen", v))


def drug_keys(value: Any) -> list[str]:
    """The agents of one ``drugs`` item: a key, or every key of ``{one_of: [...]}``."""
    if is_choice(value):
        return [str(v) for v in value[1]]
    return [str(value)]


def is_choice(value: Any) -> bool:
    return isinstance(value, tuple) and bool(value) and value[0] == "one_of"


def _study(g: _Graph, r: Study) -> None:
    iri = g.study_iri(r.key)
    g.entity(
        r, iri, ["Study", STUDY_CLASS.get(r.study_kind[0].value, "Study")] if r.study_kind else ["Study"]
    )
    g.each(iri, HCC.nctId, r.nct_id, ox.Literal)
    g.each(iri, HCC.acronym, r.acronym, ox.Literal)
    g.each(iri, HCC.hasSetting, r.setting, lambda v: iris.resource("setting", str(v)))
    # The flag older queries read, written from the same claim (and so the same sources).
    g.each(iri, HCC.isPostICISecondLine, r.setting, lambda v: _literal(v == "post-ici-second-line"))
    for name, (kind, prop) in VALUE_KINDS.items():
        g.each(iri, getattr(HCC, prop), getattr(r, name), lambda v, k=kind: iris.resource(k, str(v)))
    convert_trials.design(g, iri, r)
    convert_trials.enrollment(g, iri, r, HCC.enrollment)
    for claim in r.region:
        region = iris.resource("region", iris.slug(str(claim.value)))
        g.fact(iri, HCC.hasRegion, region, claim)
        g.fact(region, TYPE, HCC.Region, claim.sources)
        g.fact(region, LABEL, ox.Literal(str(claim.value)), claim.sources)
    g.each(iri, HCC.primaryEndpoint, r.primary_endpoints, lambda v: iris.resource("endpoint", str(v)))
    for name, prop in PERCENTS.items():
        g.each(iri, getattr(HCC, prop), getattr(r, name), lambda v: _literal(float(v)))
    g.each(iri, HCC.describedInSource, r.described_in, lambda v: iris.resource("source", v))
    convert_trials.population(g, iri, r)
    convert_trials.baseline(g, iri, r)
    for arm in r.arms:
        _arm(g, iri, arm)


def _arm(g: _Graph, study: ox.NamedNode, r: Arm) -> None:
    iri = iris.resource("arm", r.key)
    g.entity(r, iri, ["StudyArm"])
    g.fact(study, HCC.hasArm, iri, r.source)
    g.fact(iri, HCC.armOf, study, r.source)
    g.each(iri, HCC.armRole, r.role, lambda v: iris.resource("arm-role", str(v)))
    for claim in r.drugs:
        for key in drug_keys(claim.value):
            g.fact(iri, HCC.includesAgent, iris.resource("drug", key), claim)
        if is_choice(claim.value):
            # Patients got one agent or another: the arm's results belong to none of them alone.
            g.fact(iri, TYPE, HCC.PooledArm, claim.sources)
    # A choice ("lenvatinib or sorafenib") is one agent given, so it counts once.
    sources = tuple(dict.fromkeys(s for c in r.drugs for s in c.sources)) or r.source
    g.fact(iri, HCC.agentCount, _literal(len(r.drugs)), sources)
    for name, prop in PERCENTS.items():
        g.each(iri, getattr(HCC, prop), getattr(r, name, []), lambda v: _literal(float(v)))
    # Doses, the cohort's enrollment (hcc:enrollment belongs to studies; an arm's patients are
    # its hcc:count), allocation weight, own population and baseline.
    convert_trials.arm_fields(g, iri, r)


def _outcome(g: _Graph, r: Outcome) -> None:
    iri = iris.resource("outcome", r.key)
    label = r.label or [Claim(outcome_label(r), r.source, r.line)]
    g.entity(dataclasses.replace(r, label=label), iri, ["Outcome"])
    study_key = str(r.study[0].value) if r.study else ""
    g.each(iri, HCC.outcomeOfStudy, r.study, lambda v: g.study_iri(str(v)))
    g.each(iri, HCC.outcomeOfArm, r.arm, lambda v: iris.resource("arm", f"{study_key}-{v}"))
    g.each(iri, HCC.measuresEndpoint, r.endpoint, lambda v: iris.resource("endpoint", str(v)))
    g.each(iri, HCC.value, r.value, lambda v: _literal(float(v)))
    g.each(iri, HCC.hasUnit, r.unit, lambda v: iris.resource("unit", str(v)))
    g.each(iri, HCC.ciLower, r.ci_lower, lambda v: _literal(float(v)))
    for claim in r.ci_upper:
        if isinstance(claim.value, int | float) and not isinstance(claim.value, bool):
            g.fact(iri, HCC.ciUpper, _literal(float(claim.value)), claim)
    convert_trials.outcome_fields(g, iri, r)  # "not reached" as data, follow-up, grades, ...
    g.each(iri, HCC.ciLevel, r.ci_level, lambda v: _literal(float(v)))
    g.each(iri, HCC.lineOfTherapy, r.line_of_therapy, _literal)
    g.each(iri, HCC.subgroup, r.subgroup, ox.Literal)
    g.each(iri, HCC.responseCategory, r.category, ox.Literal)
    g.each(iri, HCC.count, r.count, _literal)
    g.each(iri, HCC.denominator, r.denominator, _literal)
    for key in r.source:
        g.fact(iri, HCC.reportedIn, iris.resource("source", key), (key,))


def outcome_label(r: Outcome) -> str:
    parts = [
        str(r.endpoint[0].value) if r.endpoint else "outcome",
        "of",
        str(r.study[0].value) if r.study else "?",
    ]
    if r.arm:
        parts.append(f"arm {r.arm[0].value}")
    if r.subgroup:
        parts.append(f"({r.subgroup[0].value})")
    if r.category:
        parts.append(str(r.category[0].value))
    if r.line_of_therapy:
        parts.append(f"line {r.line_of_therapy[0].value}")
    return " ".join(parts) + f" [{', '.join(r.source)}]"


CONVERTERS = {
    Source: _source,
    Target: _target,
    Agent: _agent,
    Process: _process,
    Mechanism: _mechanism,
    Regimen: _regimen,
    Study: _study,
    Outcome: _outcome,
}


def convert(records: list[Record]) -> tuple[list[ox.Triple], dict[str, tuple[str, int, str]]]:
    """Triples and, for each subject IRI, the (file, line, record key) it was curated at."""
    g = _Graph({r.key: r for r in records if isinstance(r, Study)})
    for r in records:
        if isinstance(r, Agent | Regimen) and r.label:
            g.labels[(r.kind, r.key)] = str(r.label[0].value)
    for record in records:
        CONVERTERS[type(record)](g, record)
    return g.triples, g.origins


__all__ = ["convert", "drug_keys", "is_choice", "outcome_label"]
