"""The Turtle source and hcckg/ground/terms.py agree, and the ontology keeps its conventions."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from hcckg.ground import terms as namespace
from hcckg.ground.terms import DEFAULT_ONTOLOGY_NS, OWL, RDF, RDFS
from hcckg.ontology.tbox import ONTOLOGY_FILE, ontology_triples

TYPE = RDF + "type"
KINDS = {
    "CLASSES": OWL + "Class",
    "OBJECT_PROPERTIES": OWL + "ObjectProperty",
    "DATA_PROPERTIES": OWL + "DatatypeProperty",
    "ANNOTATION_PROPERTIES": OWL + "AnnotationProperty",
}
# The value individuals every loader shares (ontology/README.md lists them for curators).
VALUE_KEYS = {
    "phase": ["phase-1", "phase-1b", "phase-1-2", "phase-1b-2", "phase-2", "phase-2-3", "phase-3", "phase-na"],
    "status": ["RECRUITING", "ACTIVE_NOT_RECRUITING", "COMPLETED", "NOT_YET_RECRUITING", "UNKNOWN",
               "ENROLLING_BY_INVITATION", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE",
               "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD"],
    "design": ["randomised-controlled", "single-arm", "retrospective-cohort", "prospective-cohort",
               "non-randomised"],
    "arm-role": ["experimental", "active-comparator", "placebo-comparator", "cohort"],
    "childpugh": ["A", "B7", "B"],
    "ps": ["0", "1", "2"],
    "bclc": ["B", "C"],
    "endpoint": ["os", "pfs", "orr", "dcr", "bor", "tot", "dor", "trae-grade-3-4", "treatment-duration"],
    "unit": ["month", "percent", "week", "patient"],
    "setting": ["post-ici-second-line", "first-line", "post-sorafenib", "other"],
    "approach": ["dual-checkpoint-blockade", "multitarget-kinase-inhibition", "microbiota-modulation",
                 "tcr-engineered-t-cells"],
    # trials as data: the keys loaders/trialfields.py accepts
    "route": ["intravenous", "oral"],
    "frequency": ["once-daily", "twice-daily", "every-3-weeks"],
    "enrollment-kind": ["planned", "estimated", "actual", "approximate", "evaluable", "reported"],
    "match-rule": ["any-of", "all-of"],
    "prior-outcome": ["progression", "intolerance", "stable-disease", "no-lasting-response", "declined"],
    "allocation": ["RANDOMIZED", "NON_RANDOMIZED", "NA"],
    "masking": ["NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"],
    "criteria": ["recist-1-1", "recist", "mrecist", "irecist"],
    "time-origin": ["start-of-prior-regimen"],
    "estimate-status": ["not-reached", "not-assessable"],
    "adverse-event": ["neutropenia", "thrombocytopenia", "bloating", "constipation", "diarrhoea"],
    "characteristic": ["child-pugh-a", "child-pugh-b", "bclc-c", "ecog-ps-2", "viral-aetiology",
                       "extrahepatic-spread", "male-sex", "male-to-female-ratio", "age", "prior-locoregional-therapy",
                       "prior-regimen", "prior-agent", "prior-therapy-outcome"],
}  # fmt: skip


@pytest.fixture(scope="module")
def source() -> list[ox.Quad]:
    return list(ox.parse(path=str(ONTOLOGY_FILE)))


def _declared(source, kind: str) -> set[str]:
    return {
        q.subject.value[len(DEFAULT_ONTOLOGY_NS) :]
        for q in source
        if q.predicate.value == TYPE
        and q.object.value == kind
        and q.subject.value.startswith(DEFAULT_ONTOLOGY_NS)
    }


@pytest.mark.parametrize("listing,kind", KINDS.items())
def test_namespace_terms_are_declared_and_nothing_else(source, listing, kind):
    assert _declared(source, kind) == set(getattr(namespace, listing))


def test_every_hcc_term_used_is_declared(source):
    declared = set().union(*(_declared(source, kind) for kind in KINDS.values()))
    used = {
        term.value[len(DEFAULT_ONTOLOGY_NS) :]
        for q in source
        for term in (q.subject, q.predicate, q.object)
        if isinstance(term, ox.NamedNode) and term.value.startswith(DEFAULT_ONTOLOGY_NS)
    }
    # The owl:versionIRI lives under the namespace, as w3id releases do (dated: fp-004).
    used = {u for u in used if not re.fullmatch(r"releases/\d{4}-\d{2}-\d{2}/hcckg\.owl", u)}
    assert used <= declared, used - declared


@pytest.mark.parametrize("kind,keys", VALUE_KEYS.items())
def test_value_individuals_exist_with_labels(source, kind, keys):
    subjects = {q.subject.value for q in source if q.predicate.value == RDFS + "label"}
    missing = [k for k in keys if f"https://w3id.org/hcckg/resource/{kind}/{k}" not in subjects]
    assert not missing


def test_top_level_kinds_are_exactly_the_disjoint_top_level_classes(source):
    top = {
        q.subject
        for q in source
        if q.predicate.value == RDFS + "subClassOf" and q.object.value == OWL + "Thing"
    }
    first = {q.subject: q.object for q in source if q.predicate.value == RDF + "first"}
    rest = {q.subject: q.object for q in source if q.predicate.value == RDF + "rest"}
    groups = []
    for q in source:
        if q.predicate.value == OWL + "members":
            members, cell = set(), q.object
            while cell in first:
                members.add(first[cell])
                cell = rest[cell]
            groups.append(members)
    assert top in groups


def test_ontology_header(source):
    ontology = ox.NamedNode("https://w3id.org/hcckg/ontology")
    predicates = {q.predicate.value: q.object for q in source if q.subject == ontology}
    version = re.fullmatch(
        r"https://w3id.org/hcckg/ontology/releases/(\d{4}-\d{2}-\d{2})/hcckg\.owl",
        predicates[OWL + "versionIRI"].value,
    )
    assert version and predicates[OWL + "versionInfo"].value == version.group(1)
    assert (
        predicates["http://purl.org/dc/terms/license"].value == "https://creativecommons.org/licenses/by/4.0/"
    )
    for key in (
        "http://purl.org/dc/terms/title",
        "http://purl.org/dc/terms/description",
        OWL + "versionInfo",
    ):
        assert key in predicates


def test_rebasing_moves_every_local_iri(monkeypatch):
    monkeypatch.setenv("HCCKG_BASE_IRI", "http://localhost:8000/")
    triples = ontology_triples()
    terms = {t for triple in triples for t in (triple.subject, triple.predicate, triple.object)}
    iris = {t.value for t in terms if isinstance(t, ox.NamedNode)}
    assert not [iri for iri in iris if iri.startswith("https://w3id.org/hcckg/")]
    assert "http://localhost:8000/ontology/TherapeuticAgent" in iris
    assert "http://localhost:8000/resource/phase/phase-2" in iris


def test_every_controlled_value_of_the_curated_fields_is_an_individual(source):
    """The loader's vocabularies (loaders/validate.py, loaders/trialfields.py) name individuals
    the ontology declares, so no curated value points at nothing."""
    from hcckg.loaders.trialfields import DOSE_UNITS, VOCAB

    subjects = {q.subject.value for q in source if q.predicate.value == RDFS + "label"}
    kinds = {"match-rule": {"any": "any-of", "all": "all-of"}}
    missing = [
        f"{kind}/{kinds.get(kind, {}).get(key, key)}"
        for kind, keys in VOCAB.items()
        for key in keys
        if f"https://w3id.org/hcckg/resource/{kind}/{kinds.get(kind, {}).get(key, key)}" not in subjects
    ]
    missing += [
        f"unit/{u}"
        for u in DOSE_UNITS.values()
        if f"https://w3id.org/hcckg/resource/unit/{u}" not in subjects
    ]
    assert not missing
