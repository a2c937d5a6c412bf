"""The curated facts, checked by SPARQL against a store loaded with the review graph: every
trial of Tables 1 and 3 as printed, every value of Table 2, the text-only trials and the
drug -> target -> mechanism links the review states. Values are asserted per source, through
the provenance statements, so a table value and a text value are checked separately."""

from __future__ import annotations

import pytest
from curated_facts import T1, T3, TEXT, arm_drugs, facts, short
from pyoxigraph import Literal, NamedNode

from hcckg.ground import iris
from hcckg.ground.terms import HCC
from hcckg.loaders.curated import load

# key, status, phase, enrollment, arms' drugs, primary endpoints — as printed in Table 1.
TABLE_1 = [
    ("NCT04770896", "ACTIVE_NOT_RECRUITING", "phase-3", "554",
     {frozenset({"atezolizumab", "lenvatinib", "sorafenib"}), frozenset({"lenvatinib", "sorafenib"})}, {"os"}),
    ("NCT05168163", "RECRUITING", "phase-2", "122",
     {frozenset({"atezolizumab", "cabozantinib", "lenvatinib"}), frozenset({"cabozantinib", "lenvatinib"})},
     {"os", "pfs"}),
    ("NCT05822752", "ACTIVE_NOT_RECRUITING", "phase-2", "130",
     {frozenset({"lenvatinib", "sorafenib"}), frozenset({"livmoniplimab", "budigalimab"})}, {"bor"}),
    ("NCT04696055", "COMPLETED", "phase-2", "95", {frozenset({"pembrolizumab", "regorafenib"})}, {"orr"}),
    ("NCT05101629", "ACTIVE_NOT_RECRUITING", "phase-2", "32", {frozenset({"pembrolizumab", "lenvatinib"})}, {"orr"}),
    ("NCT05199285", "RECRUITING", "phase-2", "40", {frozenset({"nivolumab", "ipilimumab"})}, {"orr"}),
    ("NCT05257590", "RECRUITING", "phase-2", "31", {frozenset({"nivolumab", "cvm-1118"})}, {"orr"}),
    ("NCT05178043", "ACTIVE_NOT_RECRUITING", "phase-2", "5", {frozenset({"nivolumab", "gt90001"})}, {"orr"}),
]  # fmt: skip
TABLE_3 = [
    ("NCT06138769", "ACTIVE_NOT_RECRUITING", "phase-2", "50", {frozenset({"lenvatinib"})}, {"pfs"}),
    ("NCT04767906", "COMPLETED", "phase-2", "40", {frozenset({"cabozantinib"})}, {"tot"}),
    ("NCT04511455", "COMPLETED", "phase-2", "22", {frozenset({"cabozantinib"})}, {"tot"}),
    ("NCT0653573", "NOT_YET_RECRUITING", "phase-2", "40", {frozenset({"cabozantinib"})}, {"dcr"}),
    ("NCT06446154", "RECRUITING", "phase-2", "36", {frozenset({"fruquintinib"})}, {"orr"}),
    ("NCT05134532", "UNKNOWN", "phase-2", "40", {frozenset({"regorafenib"})}, {"pfs"}),
    ("NCT04435977", "UNKNOWN", "phase-2", "46", {frozenset({"cabozantinib"})}, {"pfs"}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("key", "status", "phase", "enrollment", "arms", "endpoints", "table"),
    [(*row, T1) for row in TABLE_1] + [(*row, T3) for row in TABLE_3],
    ids=[row[0] for row in TABLE_1 + TABLE_3],
)
def test_table_trial_as_printed(review_store, key, status, phase, enrollment, arms, endpoints, table):
    trial = iris.resource("trial", key)
    assert facts(review_store, trial, HCC.hasStatus, table) == {status}
    assert facts(review_store, trial, HCC.hasPhase, table) == {phase}
    assert facts(review_store, trial, HCC.enrollment, table) == {enrollment}
    assert facts(review_store, trial, HCC.primaryEndpoint, table) == endpoints
    assert facts(review_store, trial, HCC.nctId, table) == {key}
    assert facts(review_store, trial, HCC.isPostICISecondLine, table) == {"true"}
    assert facts(review_store, trial, HCC.hasSetting, table) == {"post-ici-second-line"}
    assert arm_drugs(review_store, trial, table) == arms


@pytest.mark.parametrize(
    ("key", "prior", "child_pugh", "ps"),
    [
        ("NCT04770896", {"atezolizumab-bevacizumab"}, {"A"}, {"0", "1"}),
        ("NCT05822752", {"any-ici-regimen"}, {"A"}, {"0", "1"}),
        ("NCT05257590", {"atezolizumab-bevacizumab", "tki-regimen"}, {"A"}, {"0", "1"}),
        ("NCT05178043", {"any-ici-regimen", "ici-plus-tki"}, {"A"}, {"0", "1"}),
        ("NCT04767906", {"pd-1-or-pd-l1-inhibitor"}, {"A"}, {"0", "1"}),
        ("NCT04511455", {"lenvatinib", "lenvatinib-plus-ici"}, {"A", "B7"}, {"0", "1"}),
        ("NCT06446154", {"any-ici-regimen"}, {"A", "B7"}, {"0", "1"}),
    ],
)
def test_table_population(review_store, key, prior, child_pugh, ps):
    population = iris.resource("population", key)
    table = T1 if key in {row[0] for row in TABLE_1} else T3
    assert facts(review_store, population, HCC.requiresPriorRegimen, table) == prior
    assert facts(review_store, population, HCC.allowsChildPugh, table) == child_pugh
    assert facts(review_store, population, HCC.allowsPerformanceStatus, table) == ps


def test_capture_trial_allows_bclc_b_and_c(review_store):
    population = iris.resource("population", "NCT04767906")
    assert facts(review_store, population, HCC.allowsBCLCStage, T3) == {"B", "C"}
    assert facts(review_store, iris.resource("trial", "NCT04767906"), HCC.acronym, T3) == {"capture"}


def test_table_and_text_disagreements_are_both_kept(review_store):
    livigno = iris.resource("trial", "NCT05822752")
    assert facts(review_store, livigno, HCC.enrollment, T1) == {"130"}
    assert facts(review_store, livigno, HCC.enrollment, TEXT) == {"120"}
    gt90001 = iris.resource("trial", "NCT05178043")
    assert facts(review_store, gt90001, HCC.enrollment, T1) == {"5"}
    assert facts(review_store, gt90001, HCC.enrollment, TEXT) == {"105"}


# The doses of LIVIGNO-1's arms are data: tests/test_trials_data.py.


def test_agent_count_counts_an_investigator_choice_once(review_store):
    rows = review_store.select(
        "PREFIX hcc: <https://w3id.org/hcckg/ontology/> SELECT ?arm ?n WHERE { ?arm a hcc:StudyArm . "
        "OPTIONAL { ?arm hcc:agentCount ?n } }"
    )
    assert rows and all("n" in row for row in rows)
    counts = {row["arm"].value.rsplit("/", 1)[-1]: int(row["n"].value) for row in rows}
    assert counts["NCT04770896-group-a"] == 2
    assert counts["NCT04770896-group-b"] == 1
    assert counts["NCT05750030-fmt-atezolizumab-bevacizumab"] == 3


TEXT_TRIALS = [
    # key, post-ICI second line, phase (with its source)
    ("NCT05760599", True, "phase-2", TEXT),
    ("NCT06530251", False, "phase-1b", TEXT),  # "after one or two prior systemic therapies"
    ("NCT02541370", False, "phase-1-2", TEXT),
    ("NCT05003895", False, "phase-1-2", TEXT),
    ("NCT03132792", False, "phase-1", TEXT),
    ("NCT03781934", True, "phase-1b-2", TEXT),
    ("NCT05750030", True, "phase-2", "ascari-2026-ref-58"),
    ("NCT06109272", False, "phase-2", TEXT),
    ("keynote-224", False, "phase-2", TEXT),
    ("keynote-240", False, "phase-3", TEXT),
    ("resorce", False, "phase-3", TEXT),
    ("leap-002", False, "phase-3", "ascari-2026-ref-16"),
    ("cares-310", False, "phase-3", "ascari-2026-ref-4"),
    ("checkmate-9dw", False, "phase-3", "ascari-2026-ref-5"),
]


@pytest.mark.parametrize(("key", "post_ici", "phase", "source"), TEXT_TRIALS, ids=[t[0] for t in TEXT_TRIALS])
def test_text_trials(review_store, key, post_ici, phase, source):
    trial = iris.resource("trial", key)
    assert facts(review_store, trial, HCC.hasPhase, source) == {phase}
    values = {row["v"].value for row in review_store.select(
        "PREFIX hcc: <https://w3id.org/hcckg/ontology/> SELECT * WHERE { ?t hcc:isPostICISecondLine ?v }",
        substitutions={"t": trial})}  # fmt: skip
    assert values == {"true" if post_ici else "false"}


@pytest.mark.parametrize(
    ("key", "drugs"),
    [
        ("checkmate-040", {"nivolumab", "ipilimumab", "cabozantinib"}),
        ("imbrave150", {"atezolizumab", "bevacizumab", "sorafenib"}),
        ("himalaya", {"tremelimumab", "durvalumab"}),
        ("celestial", {"cabozantinib"}),
        ("ivonescimab-cadonilimab-study", {"ivonescimab", "cadonilimab"}),
        ("NCT06530251", {"ivonescimab", "ak130"}),
        ("NCT05750030", {"faecal-microbiota-transplant", "atezolizumab", "bevacizumab"}),
        ("NCT03781934", {"fostroxacitabine-bralpamide", "lenvatinib", "pembrolizumab"}),
    ],
)
def test_text_trial_drugs(review_store, key, drugs):
    rows = review_store.select(
        "PREFIX hcc: <https://w3id.org/hcckg/ontology/> SELECT DISTINCT ?t ?d WHERE { ?t hcc:hasArm/hcc:includesAgent ?d }",
        substitutions={"t": iris.resource("trial", key)},
    )
    assert {short(r["d"]) for r in rows} == drugs


LINK = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"


@pytest.mark.parametrize(
    ("subject", "role", "other", "source"),
    [
        # How agents act, as the review words it.
        ("drug/lenvatinib", "inhibits", "target/fgfr4", "ascari-2026-ref-33"),
        ("drug/lenvatinib", "inhibitsProcess", "process/wnt-beta-catenin-pathway", "ascari-2026-ref-34"),
        ("drug/regorafenib", "inhibits", "target/csf1r", "ascari-2026-ref-35"),
        ("drug/gt90001", "inhibits", "target/alk-1", TEXT),
        ("drug/livmoniplimab", "preventsActivationOf", "target/garp-tgf-beta-1-complex", "ascari-2026-ref-25"),
        ("drug/cvm-1118", "inhibitsProcess", "process/vasculogenic-mimicry", "ascari-2026-ref-23"),
        ("drug/cvm-1118", "hasTarget", "target/trap1", "ascari-2026-ref-23"),  # "via targeting TRAP1"
        ("drug/bevacizumab", "inhibits", "target/vegf-a", "ascari-2026-ref-32"),
        ("drug/cadonilimab", "inhibits", "target/ctla-4", TEXT),
        ("drug/cd133-car-t", "directedAgainst", "target/cd133", TEXT),
        # How targets and processes take part in mechanisms.
        ("target/vegf-a", "drivesMechanism", "mechanism/vegf-driven-immunosuppression", TEXT),
        ("process/wnt-beta-catenin-pathway", "drivesMechanism", "mechanism/wnt-beta-catenin-t-cell-exclusion", "ascari-2026-ref-8"),
        ("target/csf1r", "drivesMechanism", "mechanism/tam-csf1r", "ascari-2026-ref-35"),
        ("target/pd-l1", "blockadeResistedIn", "mechanism/cross-resistance-to-pd-l1-blockade", TEXT),
        ("target/pd-1", "blockadeResistedIn", "mechanism/multiple-checkpoint-immune-escape", TEXT),
        # What the review says of therapies and approaches.
        ("drug/atezolizumab", "limitedByMechanism", "mechanism/cross-resistance-to-pd-l1-blockade", TEXT),
        ("approach/dual-checkpoint-blockade", "addressesMechanism", "mechanism/multiple-checkpoint-immune-escape", TEXT),
        ("approach/tcr-engineered-t-cells", "limitedByMechanism", "mechanism/hla-restriction", "ascari-2026-ref-51"),
        ("approach/multitarget-kinase-inhibition", "exploitsMechanism", "mechanism/residual-ici-activity", "ascari-2026-ref-32"),
    ],
)  # fmt: skip
def test_role_typed_links_with_their_sources(review_store, subject, role, other, source):
    s, o = iris.resource(*subject.split("/")), iris.resource(*other.split("/"))
    assert o.value.rsplit("/", 1)[-1] in facts(review_store, s, getattr(HCC, role), source)


def test_no_mechanism_is_tied_to_a_target_without_a_role(review_store):
    rows = review_store.select(
        "PREFIX hcc: <https://w3id.org/hcckg/ontology/> SELECT ?t ?m WHERE { ?t hcc:implicatedIn ?m }"
    )
    assert rows == []  # only drivesMechanism / blockadeResistedIn are curated
    assert (
        facts(review_store, iris.resource("target", "fgfr4"), HCC.drivesMechanism, "ascari-2026-ref-33")
        == set()
    )


def test_mechanisms_follow_their_first_line_regimen(review_store):
    rows = review_store.select(
        "PREFIX hcc: <https://w3id.org/hcckg/ontology/> SELECT ?m ?r WHERE { ?m hcc:arisesAfterRegimen ?r }"
    )
    links = {(short(r["m"]), short(r["r"])) for r in rows}
    assert ("angiogenic-escape", "atezolizumab-bevacizumab") in links
    assert ("t-cell-exclusion", "ctla-4-pd-l1-combination") in links
    assert not {m for m, _ in links} & {"multiple-checkpoint-immune-escape"}


def test_broader_regimens_find_trials_open_to_any_ici_regimen(review_store):
    rows = review_store.select(
        """PREFIX hcc: <https://w3id.org/hcckg/ontology/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT DISTINCT ?trial ?prior WHERE {
          ?trial hcc:hasPopulation/hcc:requiresPriorRegimen ?required .
          ?prior skos:broader* ?required .
        }""",
        substitutions={"prior": iris.resource("regimen", "atezolizumab-bevacizumab")},
    )
    trials = {short(r["trial"]) for r in rows}
    assert {"NCT04770896", "NCT05822752", "NCT04767906", "NCT06446154"} <= trials
    assert "NCT04511455" not in trials  # open only after lenvatinib


def test_developer_codes_and_synonyms(review_store):
    def values(drug: str, prop: NamedNode) -> set[str]:
        rows = review_store.select(
            "SELECT * WHERE { ?d ?p ?v }", substitutions={"d": iris.resource("drug", drug), "p": prop}
        )
        return {r["v"].value for r in rows}

    assert values("gt90001", HCC.developerCode) == {"GT90001", "PF-03446962"}
    assert values("cadonilimab", HCC.developerCode) == {"AK104"}
    assert "AK112" in values("ivonescimab", HCC.developerCode)
    assert "MIV-818" in values("fostroxacitabine-bralpamide", HCC.developerCode)
    alt = NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
    assert {"Foxtroxacitabine", "Foxtrocitabine bralpamide", "foxtrox", "fostrox"} <= values(
        "fostroxacitabine-bralpamide", alt
    )


def test_every_reference_is_kept_with_its_printed_ids(review_store):
    ref = iris.resource("source", "ascari-2026-ref-41")
    assert facts(review_store, ref, HCC.pmid, TEXT) == {"38570034"}
    assert facts(review_store, ref, HCC.doi, TEXT) == {"10.1016/j.jhep.2024.03.033"}
    rows = review_store.select(
        "PREFIX hcc: <https://w3id.org/hcckg/ontology/> SELECT ?n WHERE { ?s hcc:referenceNumber ?n }"
    )
    assert sorted(int(r["n"].value) for r in rows) == list(range(1, 60))
    review = review_store.select(
        "SELECT * WHERE { ?s <https://w3id.org/hcckg/ontology/doi> ?d }",
        substitutions={"s": iris.resource("source", "ascari-2026")},
    )
    assert [r["d"] for r in review] == [Literal("10.3748/wjg.v32.i3.111528")]


def test_loading_is_deterministic():
    # Its speed is measured by `make bench` (validation + reasoning), not asserted here.
    assert set(load(shapes=False)) == set(load())
