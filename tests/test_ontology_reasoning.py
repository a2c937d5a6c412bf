"""HermiT on the ontology: consistent, and it classifies the review's trials as the review does
and links drugs and arms to the mechanisms the review explains. The ABox is a small test copy of
the review's facts (tests/data/ontology/review-abox.ttl); the curated data lives elsewhere."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from hcckg.ground.terms import HCC, OWL, RDF, RDFS
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

MECHANISMS = {
    "bevacizumab": "vegf-driven-immunosuppression",
    "ivonescimab": "vegf-driven-immunosuppression",
    "lenvatinib": "wnt-beta-catenin-t-cell-exclusion",
    "regorafenib": "tumour-associated-macrophages",
    "livmoniplimab": "garp-tgf-beta-1-activation",
    "gt90001": "alk-1-angiogenesis",
    "cvm-1118": "vasculogenic-mimicry",
    "ipilimumab": "ctla-4-dual-blockade",
    "cadonilimab": "ctla-4-dual-blockade",
}


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


@pytest.mark.parametrize("drug,mechanism", MECHANISMS.items())
def test_drug_to_mechanism_links_are_inferred(review, drug, mechanism):
    expected = ox.Triple(
        ox.NamedNode(f"{RES}drug/{drug}"), HCC.addressesMechanism, ox.NamedNode(f"{RES}mechanism/{mechanism}")
    )
    assert expected in review.inferred


def test_arms_inherit_the_mechanisms_of_their_agents(review):
    links = {
        (t.subject.value, t.object.value) for t in review.inferred if t.predicate == HCC.addressesMechanism
    }
    assert (f"{RES}arm/NCT04696055-a", f"{RES}mechanism/tumour-associated-macrophages") in links
    assert (f"{RES}arm/NCT05257590-a", f"{RES}mechanism/vasculogenic-mimicry") in links
    assert (f"{RES}arm/NCT05199285-a", f"{RES}mechanism/ctla-4-dual-blockade") in links
    # A mechanism's targets only reach an arm through its agents.
    assert (f"{RES}arm/NCT04767906-a", f"{RES}mechanism/tumour-associated-macrophages") not in links


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
