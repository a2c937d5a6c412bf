"""HermiT on the ontology: consistent, and it classifies the review's trials as the review does
and links drugs and arms to mechanisms only along the roles the review gives (an antagonised
driver, an inhibited process, an approach), never through a checkpoint whose blockade is
resisted. The ABox is a small test copy of the review's facts
(tests/data/ontology/review-abox.ttl); the curated data lives elsewhere."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from hcckg.ground import iris
from hcckg.ground.provenance import statement_triples
from hcckg.ground.terms import DCTERMS, HCC, OWL, PROV, RDF, RDFS
from hcckg.ontology.reasoning import OntologyInconsistent, Reasoned, reason
from hcckg.ontology.tbox import ontology_triples

DATA = Path(__file__).parent / "data" / "ontology"
RES = "https://w3id.org/hcckg/resource/"
TYPE = RDF.type

FAMILIES = {
    "ICIBasedCombinationTrial": [
        "NCT04770896", "NCT05168163", "NCT05822752", "NCT04696055",
        "NCT05101629", "NCT05199285", "NCT05257590", "NCT05178043",
    ],
    "MultitargetTKITrial": [
        "NCT06138769", "NCT04767906", "NCT04511455", "NCT0653573",
        "NCT06446154", "NCT05134532", "NCT04435977",
    ],
    "BispecificAntibodyTrial": ["NCT05760599", "NCT06530251"],
    "AdoptiveTCellTherapyTrial": ["NCT02541370", "NCT05003895", "NCT03132792"],
    "OtherStrategyTrial": ["NCT03781934", "NCT05750030"],
}  # fmt: skip

# (drug, relation, mechanism) the roles support, each by another axiom of the ontology.
SUPPORTED = [
    ("bevacizumab", "addressesMechanism", "vegf-driven-immunosuppression"),  # inhibits a driver
    ("ivonescimab", "addressesMechanism", "vegf-driven-immunosuppression"),
    ("lenvatinib", "addressesMechanism", "wnt-beta-catenin-t-cell-exclusion"),  # inhibits a driving process
    ("regorafenib", "addressesMechanism", "tumour-associated-macrophages"),
    ("livmoniplimab", "addressesMechanism", "garp-tgf-beta-1-activation"),  # prevents activation of a driver
    ("gt90001", "addressesMechanism", "alk-1-angiogenesis"),
    ("cvm-1118", "addressesMechanism", "vasculogenic-mimicry"),
    ("cadonilimab", "addressesMechanism", "multiple-checkpoint-escape"),  # dual-checkpoint bispecific
    ("lenvatinib", "addressesMechanism", "angiogenic-escape"),  # an mTKI follows its approach
    ("fmt", "addressesMechanism", "dysbiosis"),  # a microbiota therapy follows microbiota modulation
    ("sorafenib", "exploitsMechanism", "residual-ici-activity"),
    ("adp-a2afp", "limitedByMechanism", "hla-restriction"),  # a TCR-T therapy follows TCR-T
]
# What the roles do not support: one checkpoint antibody, a resisted checkpoint, a target that
# drives nothing, a TKI the review never calls multitarget, a CAR directed against an antigen.
UNSUPPORTED = [
    *[(d, "addressesMechanism", "multiple-checkpoint-escape")
      for d in ("nivolumab", "pembrolizumab", "atezolizumab", "ipilimumab", "budigalimab", "ak130", "ivonescimab")],
    ("atezolizumab", "addressesMechanism", "cross-resistance"),
    ("fruquintinib", "addressesMechanism", "angiogenic-escape"),
    ("bevacizumab", "addressesMechanism", "angiogenic-escape"),
    ("cd133-car-t", "limitedByMechanism", "hla-restriction"),
]  # fmt: skip


def _abox(name: str) -> list[ox.Triple]:
    return [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(DATA / name))]


@pytest.fixture(scope="session")
def tbox() -> list[ox.Triple]:
    return ontology_triples()


@pytest.fixture(scope="session")
def tbox_only(tbox) -> Reasoned:
    return reason(tbox, [])


@pytest.fixture(scope="session")
def review(tbox) -> Reasoned:
    return reason(tbox, _abox("review-abox.ttl"))


def _types(reasoned: Reasoned, abox: list[ox.Triple], subject: str) -> set[str]:
    node = ox.NamedNode(subject)
    found = {t.object.value for t in reasoned.inferred + abox if t.subject == node and t.predicate == TYPE}
    return {iri.rsplit("/", 1)[-1] for iri in found}


def test_ontology_alone_is_consistent_with_no_unsatisfiable_classes(tbox_only):
    assert tbox_only.unsatisfiable == []
    # Nothing inferred may be about owl:Thing or owl:Nothing.
    assert not [t for t in tbox_only.inferred if t.object.value in (OWL + "Thing", OWL + "Nothing")]


@pytest.mark.parametrize("family,trials", FAMILIES.items())
def test_each_review_trial_is_inferred_into_exactly_its_family(review, family, trials):
    abox = _abox("review-abox.ttl")
    for nct in trials:
        families = _types(review, abox, f"{RES}trial/{nct}") & set(FAMILIES)
        assert families == {family}, nct


def test_arm_classes(review):
    abox = _abox("review-abox.ttl")

    def arm(key: str) -> set[str]:
        return _types(review, abox, f"{RES}arm/{key}")

    assert "ICIPlusTKIArm" in arm("NCT04770896-a")
    assert "TKIMonotherapyArm" in arm("NCT04770896-b")  # lenvatinib or sorafenib: one agent each
    assert "TKIMonotherapyArm" in arm("NCT06138769-a")
    assert "DualCheckpointBlockadeArm" in arm("NCT05199285-a")  # nivolumab + ipilimumab
    assert "DualCheckpointBlockadeArm" in arm("NCT05760599-a")  # cadonilimab: PD-1 x CTLA-4
    assert "DualCheckpointBlockadeArm" not in arm("NCT05822752-2")  # only budigalimab hits a checkpoint
    assert "ICIPlusTKIArm" not in arm("NCT05199285-a")
    assert "TKIMonotherapyArm" not in arm("NCT03781934-30mg")  # fostrox + lenvatinib
    assert "DualCheckpointBispecificAntibody" in _types(review, abox, f"{RES}drug/cadonilimab")
    assert "DualCheckpointBispecificAntibody" not in _types(
        review, abox, f"{RES}drug/ivonescimab"
    )  # PD-1 x VEGF-A


def _link(subject: str, relation: str, mechanism: str) -> ox.Triple:
    return ox.Triple(
        ox.NamedNode(RES + subject), getattr(HCC, relation), ox.NamedNode(f"{RES}mechanism/{mechanism}")
    )


@pytest.mark.parametrize("drug,relation,mechanism", SUPPORTED)
def test_drug_to_mechanism_links_are_inferred_along_roles(review, drug, relation, mechanism):
    assert _link(f"drug/{drug}", relation, mechanism) in review.inferred


@pytest.mark.parametrize("drug,relation,mechanism", UNSUPPORTED)
def test_no_link_without_a_supporting_role(review, drug, relation, mechanism):
    assert _link(f"drug/{drug}", relation, mechanism) not in review.inferred


def test_arms_inherit_their_agents_links_and_dual_blockade_is_the_arms(review):
    links = set(review.inferred)
    assert _link("arm/NCT04696055-a", "addressesMechanism", "tumour-associated-macrophages") in links
    assert _link("arm/NCT05257590-a", "addressesMechanism", "vasculogenic-mimicry") in links
    assert _link("arm/NCT03132792-a", "limitedByMechanism", "hla-restriction") in links
    assert _link("arm/NCT04770896-a", "limitedByMechanism", "cross-resistance") in links
    # Two checkpoint inhibitors in one arm, or a dual-checkpoint bispecific, block two checkpoints.
    for arm in ("NCT05199285-a", "NCT06530251-combo", "NCT05760599-a"):
        assert _link(f"arm/{arm}", "addressesMechanism", "multiple-checkpoint-escape") in links, arm
    for arm in ("NCT06530251-mono", "NCT05822752-2", "NCT04696055-a"):  # one checkpoint inhibitor each
        assert _link(f"arm/{arm}", "addressesMechanism", "multiple-checkpoint-escape") not in links, arm
    # A mechanism's drivers only reach an arm through its agents.
    assert _link("arm/NCT04767906-a", "addressesMechanism", "tumour-associated-macrophages") not in links


def test_inferred_links_are_explained_by_the_statements_they_rest_on(tbox):
    """Each inferred link gets an hcc:Inference node derived from the rdf:Statement nodes of
    the stated facts it used, naming the target (or approach, or agent) it went through."""
    src = iris.resource("source", "ascari-2026")
    lenvatinib, arm, wnt = (ox.NamedNode(RES + k) for k in ("drug/lenvatinib", "arm/a", "process/wnt"))
    mech = ox.NamedNode(RES + "mechanism/m")
    nivo, ipi, dual = (ox.NamedNode(RES + k) for k in ("drug/nivo", "drug/ipi", "arm/dual"))
    pd1, ctla4 = ox.NamedNode(RES + "target/pd-1"), ox.NamedNode(RES + "target/ctla-4")
    escape = ox.NamedNode(RES + "mechanism/escape")
    approach = ox.NamedNode(RES + "approach/dual-checkpoint-blockade")
    facts = [
        ox.Triple(lenvatinib, TYPE, HCC.MultitargetKinaseInhibitor),
        ox.Triple(wnt, TYPE, HCC.BiologicalProcess),
        ox.Triple(lenvatinib, HCC.inhibitsProcess, wnt),
        ox.Triple(wnt, HCC.drivesMechanism, mech),
        ox.Triple(arm, HCC.includesAgent, lenvatinib),
        ox.Triple(dual, HCC.includesAgent, nivo),
        ox.Triple(dual, HCC.includesAgent, ipi),
        ox.Triple(nivo, TYPE, HCC.MonoclonalAntibody),
        ox.Triple(ipi, TYPE, HCC.MonoclonalAntibody),
        ox.Triple(nivo, HCC.inhibits, pd1),
        ox.Triple(ipi, HCC.inhibits, ctla4),
        ox.Triple(pd1, TYPE, HCC.ImmuneCheckpointProtein),
        ox.Triple(ctla4, TYPE, HCC.ImmuneCheckpointProtein),
        ox.Triple(approach, HCC.addressesMechanism, escape),
    ]
    abox = facts + [p for f in facts for p in statement_triples(f.subject, f.predicate, f.object, src)]
    inferred = reason(tbox, abox).inferred

    def nodes(s, o):
        return {t.subject for t in inferred if t.predicate == RDF.subject and t.object == s} & {
            t.subject for t in inferred if t.predicate == RDF.object and t.object == o
        }

    def values(node, prop):
        return {t.object for t in inferred if t.subject == node and t.predicate == prop}

    (drug_node,) = nodes(lenvatinib, mech)
    assert values(drug_node, RDF.predicate) == {HCC.addressesMechanism}
    stated = {iris.statement(f.subject, f.predicate, f.object, src) for f in facts[2:4]}
    assert values(drug_node, PROV.wasDerivedFrom) == stated
    assert values(drug_node, HCC.viaTarget) == {wnt}
    (arm_node,) = nodes(arm, mech)
    assert drug_node in values(arm_node, PROV.wasDerivedFrom) and values(arm_node, HCC.viaAgent) == {
        lenvatinib
    }
    (dual_node,) = nodes(dual, escape)
    assert values(dual_node, HCC.viaApproach) == {approach}
    assert values(dual_node, HCC.viaAgent) == {nivo, ipi}
    comment = next(iter(values(drug_node, RDFS.comment))).value
    assert "inhibits process" in comment and "[ascari-2026]" in comment
    # Every explanation reaches stated statements with their source.
    leaves = {t.object for t in inferred if t.predicate == PROV.wasDerivedFrom}
    assert leaves & {t.subject for t in abox if t.predicate == DCTERMS.source}


def test_roles_and_inverses_are_inferred(review):
    nivolumab = ox.NamedNode(f"{RES}drug/nivolumab")
    assert ox.Triple(ox.NamedNode(f"{RES}target/pd-1"), HCC.isTargetOf, nivolumab) in review.inferred
    assert ox.Triple(
        ox.NamedNode(f"{RES}arm/NCT05199285-a"), HCC.armOf, ox.NamedNode(f"{RES}trial/NCT05199285")
    ) in (review.inferred)
    ici_role = ox.NamedNode(f"{RES}role/immune-checkpoint-inhibitor")
    assert ox.Triple(nivolumab, HCC.hasRole, ici_role) in review.inferred
    assert ox.Triple(ox.NamedNode(f"{RES}drug/lenvatinib"), HCC.hasRole, ici_role) not in review.inferred


def test_inferred_holds_only_new_triples(review):
    asserted = set(_abox("review-abox.ttl")) | set(ontology_triples())
    assert review.inferred and not asserted & set(review.inferred)
    assert not [t for t in review.inferred if t.predicate == RDFS.subClassOf and not t.object]


def test_inconsistent_facts_are_named(tbox):
    # A drug used as a prior regimen: TherapeuticAgent and Regimen are disjoint.
    drug = ox.NamedNode(f"{RES}drug/sorafenib")
    abox = [
        ox.Triple(drug, TYPE, HCC.MultitargetKinaseInhibitor),
        ox.Triple(ox.NamedNode(f"{RES}population/p"), HCC.requiresPriorRegimen, drug),
    ]
    with pytest.raises(OntologyInconsistent) as caught:
        reason(tbox, abox)
    message = str(caught.value)
    assert drug.value in message and "Regimen" in message and "requiresPriorRegimen" in message


def test_unsatisfiable_classes_are_named(tbox):
    broken = ox.NamedNode("https://w3id.org/hcckg/ontology/AntibodyDrugOfTwoKinds")
    extra = [
        ox.Triple(broken, TYPE, OWL.Class),
        ox.Triple(broken, RDFS.subClassOf, HCC.MonoclonalAntibody),
        ox.Triple(broken, RDFS.subClassOf, HCC.SmallMolecule),
    ]
    with pytest.raises(OntologyInconsistent) as caught:
        reason(tbox + extra, [])
    assert caught.value.unsatisfiable == [broken.value]
    assert "AntibodyDrugOfTwoKinds" in str(caught.value)
