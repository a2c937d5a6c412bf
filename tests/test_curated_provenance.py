"""The provenance fixes of the audit (issue 15), each on the real curated data: names the review
never prints come from the identifier notes, a pathway is not a protein's synonym, a subgroup's
values stay on the subgroup, qualifiers are kept, a pooled cohort is a pooled cohort, a wrong
citation flags every value it covers, and a text that disagrees with its reference keeps both."""

from __future__ import annotations

from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode

from hcckg.ground import iris
from hcckg.ground.settings import PROJECT_ROOT
from hcckg.ground.terms import HCC, RDF, RDFS, SKOS

NOTES = "hcckg-identifier-notes"
STATEMENTS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?s ?p ?o ?src ?issue WHERE {
  ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; dcterms:source ?src .
  OPTIONAL { ?st skos:editorialNote ?issue }
}
"""


def statements(store, subject: NamedNode, prop: NamedNode, obj=None) -> list[dict]:
    bound = {"s": subject, "p": prop} | ({"o": obj} if obj is not None else {})
    return [
        {
            "o": r["o"].value,
            "src": r["src"].value.rsplit("/", 1)[-1],
            "issue": r["issue"].value if r.get("issue") else None,
        }
        for r in store.select(STATEMENTS, substitutions=bound)
    ]


def values(store, subject: NamedNode, prop: NamedNode) -> set[str]:
    rows = store.select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", substitutions={"s": subject, "p": prop})
    return {r["o"].value for r in rows}


@pytest.mark.parametrize(
    ("kind", "key", "prop", "name"),
    [
        ("target", "pd-1", SKOS.altLabel, "PDCD1"),
        ("target", "pd-l1", SKOS.altLabel, "CD274"),
        ("target", "ctla-4", SKOS.altLabel, "CTLA4"),
        ("target", "vegf-a", SKOS.altLabel, "VEGFA"),
        ("target", "alk-1", SKOS.altLabel, "ACVRL1"),
        ("target", "csf1r", SKOS.altLabel, "CSF1R"),
        ("target", "csf1r", RDFS.label, "CSF-1R"),
        ("target", "tgf-beta-1", SKOS.altLabel, "TGFB1"),
        ("target", "garp", SKOS.altLabel, "LRRC32"),
        ("target", "gpc3", SKOS.altLabel, "GPC3"),
        ("target", "cd133", SKOS.altLabel, "PROM1"),
        ("target", "cd147", SKOS.altLabel, "BSG"),
        ("target", "met", SKOS.altLabel, "MET"),
        ("target", "met", RDFS.label, "c-MET"),
        ("target", "epcam", RDFS.label, "EpCAM"),
        ("drug", "fostroxacitabine-bralpamide", RDFS.label, "fostroxacitabine bralpamide"),
    ],
)
def test_names_the_review_never_prints_come_from_the_identifier_notes(review_store, kind, key, prop, name):
    found = statements(review_store, iris.resource(kind, key), prop, Literal(name))
    assert {s["src"] for s in found} == {NOTES}


def test_no_text_of_the_review_names_fostroxacitabine(review_store):
    rows = review_store.select(STATEMENTS)
    review_sourced = {
        r["o"].value
        for r in rows
        if isinstance(r["o"], Literal)
        and "fostroxacitabine" in r["o"].value.lower()
        and r["src"].value.rsplit("/", 1)[-1].startswith("ascari-2026")
    }
    assert review_sourced == set()


def test_wnt_beta_catenin_is_a_pathway_not_a_synonym_of_the_protein(review_store):
    assert "Wnt/β-catenin" not in values(review_store, iris.resource("target", "beta-catenin"), SKOS.altLabel)
    pathway = iris.resource("process", "wnt-beta-catenin-pathway")
    assert values(review_store, pathway, RDF.type) == {HCC.BiologicalProcess.value}
    assert "Wnt/β-catenin" in values(review_store, pathway, SKOS.altLabel)


def test_fruquintinib_is_a_tki_not_a_multitarget_one(review_store, built_store):
    drug = iris.resource("drug", "fruquintinib")
    for store in (review_store, built_store):
        types = values(store, drug, RDF.type)
        assert (
            HCC.TyrosineKinaseInhibitor.value in types and HCC.MultitargetKinaseInhibitor.value not in types
        )


def test_subgroup_values_stay_on_their_subgroup(review_store):
    roessler = iris.resource("study", "roessler-2023-nivolumab-ipilimumab")
    cohort = iris.resource("arm", "roessler-2023-nivolumab-ipilimumab-nivolumab-ipilimumab")
    for prop in (HCC.percentChildPughA, HCC.percentBCLCC):
        assert values(review_store, roessler, prop) == set()  # not the 109-patient study's
        (claim,) = statements(review_store, cohort, prop)
        assert (float(claim["o"]), claim["src"]) == (80.0, "ascari-2026-ref-21") and "[21]" in claim["issue"]
    fostrox = iris.resource("trial", "NCT03781934")
    phase_1b = iris.resource("arm", "NCT03781934-phase-1b")
    assert values(review_store, fostrox, HCC.percentExtrahepaticSpread) == set()
    (claim,) = statements(review_store, phase_1b, HCC.percentExtrahepaticSpread)
    assert (float(claim["o"]), claim["src"]) == (67.0, "ascari-2026-ref-54") and claim["issue"]


def _outcomes(store, study: str, arm: str | None = None) -> list[NamedNode]:
    rows = store.select(
        "PREFIX hcc: <https://w3id.org/hcckg/ontology/> SELECT ?o ?study WHERE { ?o hcc:outcomeOfStudy ?study }",
        substitutions={"study": iris.resource("trial", study)},
    )
    found = [r["o"] for r in rows]
    if arm is not None:
        found = [
            o
            for o in found
            if values(store, o, HCC.outcomeOfArm) == {iris.resource("arm", f"{study}-{arm}").value}
        ]
    return found


@pytest.mark.parametrize(
    ("study", "subgroup"),
    [("NCT03132792", "first 13 patients treated"), ("NCT05750030", "interim analysis, first six patients")],
)
def test_qualifiers_are_kept_beside_the_response_category(review_store, study, subgroup):
    bor = iris.resource("endpoint", "bor").value
    outcomes = [
        o for o in _outcomes(review_store, study) if bor in values(review_store, o, HCC.measuresEndpoint)
    ]
    assert outcomes
    for outcome in outcomes:
        assert values(review_store, outcome, HCC.subgroup) == {subgroup}
        assert len(values(review_store, outcome, HCC.responseCategory)) == 1


def test_foxtrox_phase_1b_results_belong_to_the_pooled_cohort(review_store):
    pooled = _outcomes(review_store, "NCT03781934", "phase-1b")
    endpoints = {v.rsplit("/", 1)[-1] for o in pooled for v in values(review_store, o, HCC.measuresEndpoint)}
    assert endpoints == {"orr", "ttp"}
    # The lenvatinib arm has its adverse events, and none of the pooled cohort's efficacy results.
    arm_only = _outcomes(review_store, "NCT03781934", "phase-1b-lenvatinib")
    endpoints = {
        v.rsplit("/", 1)[-1] for o in arm_only for v in values(review_store, o, HCC.measuresEndpoint)
    }
    assert endpoints == {"adverse-events"}
    arm = iris.resource("arm", "NCT03781934-phase-1b")
    assert HCC.PooledArm.value in values(review_store, arm, RDF.type)
    assert values(review_store, arm, HCC.includesAgent) == {
        iris.resource("drug", k).value for k in ("fostroxacitabine-bralpamide", "lenvatinib", "pembrolizumab")
    }


@pytest.mark.parametrize(
    ("study", "cited"),
    [
        ("roessler-2023-nivolumab-ipilimumab", "[21]"),
        ("NCT02541370", "[53]"),
        ("NCT03781934", "[54]"),
    ],
)
def test_a_wrong_citation_flags_every_value_it_covers(review_store, study, cited):
    kind = "study" if study.startswith("roessler") else "trial"
    rows = review_store.select(
        "PREFIX hcc: <https://w3id.org/hcckg/ontology/> SELECT ?o ?study WHERE { ?o hcc:outcomeOfStudy ?study }",
        substitutions={"study": iris.resource(kind, study)},
    )
    checked = 0
    for row in rows:
        for prop in (HCC.value, HCC.count, HCC.denominator):
            for claim in statements(review_store, row["o"], prop):
                assert claim["issue"] and cited in claim["issue"], (row["o"], prop)
                checked += 1
    assert checked >= 2


def test_checkmate_040_keeps_the_texts_and_the_references_claims(review_store):
    def arm(key: str) -> NamedNode:
        return iris.resource("arm", f"checkmate-040-{key}")

    text_only = statements(review_store, arm("cohorts-4-6-nivolumab"), HCC.includesAgent)
    assert {(c["o"].rsplit("/", 1)[-1], c["src"]) for c in text_only} == {("nivolumab", "ascari-2026")}
    cohort_6 = statements(review_store, arm("cohort-6-nivolumab-cabozantinib-ipilimumab"), HCC.includesAgent)
    assert {c["src"] for c in cohort_6} == {"ascari-2026-ref-18"}
    both = statements(review_store, arm("nivolumab-ipilimumab"), HCC.includesAgent)
    assert {c["src"] for c in both} == {"ascari-2026", "ascari-2026-ref-19"}
    for claim in text_only + cohort_6 + both:
        assert "reference 18" in claim["issue"] and "monotherapy or with ipilimumab" in claim["issue"]


def test_the_identifier_notes_the_data_cites_are_in_the_repository(review_store):
    label = next(iter(values(review_store, iris.resource("source", NOTES), RDFS.label)))
    path = label.rsplit("copied in ", 1)[-1]
    copy = PROJECT_ROOT / path
    assert copy.is_file() and Path(path).parts[0] == "loaders"
    text = copy.read_text(encoding="utf-8")
    # What the data cites from the notes is in the copy: the gene symbols, the mechanisms.
    for needed in ("PDCD1", "LRRC32", "PROM1", "Fostroxacitabine bralpamide", "M12", "CONFIRMED"):
        assert needed in text
    for doc in ("loaders/curated/README.md", "ontology/README.md"):
        assert "shared/reference" not in (PROJECT_ROOT / doc).read_text(encoding="utf-8"), doc
