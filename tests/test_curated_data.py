"""The curated facts, checked by SPARQL against a store loaded with the review graph: every
trial of Tables 1 and 3 as printed, every value of Table 2, the text-only trials and the
drug -> target -> mechanism links the review states. Values are asserted per source, through
the provenance statements, so a table value and a text value are checked separately."""

from __future__ import annotations

import pytest
from pyoxigraph import Literal, NamedNode

from hcckg.ground import iris
from hcckg.ground.terms import HCC
from hcckg.loaders.curated import load

T1, T2, T3, TEXT = "ascari-2026-table-1", "ascari-2026-table-2", "ascari-2026-table-3", "ascari-2026"

FACTS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT * WHERE { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; dcterms:source ?src . }
"""


def _short(term) -> str:
    text = term.value
    return text.rsplit("/", 1)[-1] if isinstance(term, NamedNode) else text


def facts(store, subject: NamedNode, prop: NamedNode, source: str) -> set[str]:
    """Values of one property of one subject as one source states them."""
    rows = store.select(
        FACTS, substitutions={"s": subject, "p": prop, "src": iris.resource("source", source)}
    )
    return {_short(r["o"]) for r in rows}


def arm_drugs(store, study: NamedNode, source: str) -> set[frozenset[str]]:
    """The set of drugs of each arm of a study, as a source states them."""
    rows = store.select(
        """PREFIX hcc: <https://w3id.org/hcckg/ontology/>
        SELECT * WHERE { ?study hcc:hasArm ?arm . ?arm hcc:includesAgent ?drug . }""",
        substitutions={"study": study},
    )
    arms: dict[str, set[str]] = {}
    for row in rows:
        if facts(store, row["arm"], HCC.includesAgent, source) >= {_short(row["drug"])}:
            arms.setdefault(row["arm"].value, set()).add(_short(row["drug"]))
    return {frozenset(d) for d in arms.values()}


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
    assert {_short(r["d"]) for r in rows} == drugs


OUTCOMES = """
PREFIX hcc: <https://w3id.org/hcckg/ontology/>
SELECT * WHERE {
  ?o hcc:outcomeOfStudy ?study ; hcc:reportedIn ?src ; hcc:measuresEndpoint ?endpoint .
  OPTIONAL { ?o hcc:value ?value } OPTIONAL { ?o hcc:hasUnit ?unit }
  OPTIONAL { ?o hcc:outcomeOfArm ?arm } OPTIONAL { ?o hcc:lineOfTherapy ?line }
  FILTER NOT EXISTS { ?o hcc:subgroup ?subgroup }
}
"""


def outcomes(store, study: NamedNode, source: str) -> set[tuple]:
    rows = store.select(OUTCOMES, substitutions={"study": study, "src": iris.resource("source", source)})
    prefix = _short(study) + "-"
    return {
        (
            _short(r["arm"]).removeprefix(prefix) if "arm" in r else None,
            _short(r["endpoint"]),
            float(r["value"].value),
            _short(r["unit"]),
            int(r["line"].value) if "line" in r else None,
        )
        for r in rows
    }


# Every value of Table 2: (study key, arm, endpoint, value, unit, line of therapy).
TABLE_2 = {
    "yoo-2021-mki-after-atezo-bev": {
        ("lenvatinib", "pfs", 6.1, "month", None), ("sorafenib", "pfs", 2.5, "month", None),
        ("lenvatinib", "os", 16.6, "month", None), ("sorafenib", "os", 11.2, "month", None),
        ("lenvatinib", "orr", 15.8, "percent", None), ("sorafenib", "orr", 0.0, "percent", None),
        ("lenvatinib", "dcr", 62.1, "percent", None), ("sorafenib", "dcr", 63.2, "percent", None),
        ("all-patients", "trae-grade-3-4", 16.3, "percent", None),  # one value for the pooled row
    },
    "storandt-2022-cabozantinib": {
        ("cabozantinib", "pfs", 2.1, "month", None), ("cabozantinib", "os", 7.7, "month", None),
        ("cabozantinib", "orr", 4.0, "percent", None), ("cabozantinib", "dcr", 27.0, "percent", None),
        ("cabozantinib", "trae-grade-3-4", 27.0, "percent", None),
    },
    "falette-puisieux-2023-tki": {
        ("regorafenib", "pfs", 2.6, "month", None), ("other-mtkis", "pfs", 2.8, "month", None),
        ("regorafenib", "os", 15.8, "month", None), ("other-mtkis", "os", 7.0, "month", None),
        ("regorafenib", "trae-grade-3-4", 17.2, "percent", None),
        ("other-mtkis", "trae-grade-3-4", 28.3, "percent", None),
    },
    "tovoli-2024-sorafenib": {
        ("sorafenib", "pfs", 3.3, "month", None), ("sorafenib", "os", 6.9, "month", None),
        ("sorafenib", "orr", 0.0, "percent", None), ("sorafenib", "dcr", 10.0, "percent", None),
    },
    "chon-2024-sorafenib-vs-lenvatinib": {
        ("lenvatinib", "pfs", 3.5, "month", None), ("sorafenib", "pfs", 1.8, "month", None),
        ("lenvatinib", "os", 10.3, "month", None), ("sorafenib", "os", 7.5, "month", None),
        ("lenvatinib", "orr", 7.5, "percent", None), ("sorafenib", "orr", 5.8, "percent", None),
        ("lenvatinib", "dcr", 67.5, "percent", None), ("sorafenib", "dcr", 24.4, "percent", None),
        ("lenvatinib", "trae-grade-3-4", 35.0, "percent", None),
        ("sorafenib", "trae-grade-3-4", 38.4, "percent", None),
    },
    "regonext": {
        ("regorafenib", "pfs", 3.5, "month", None), ("regorafenib", "os", 9.7, "month", None),
        ("regorafenib", "orr", 10.0, "percent", None), ("regorafenib", "dcr", 82.5, "percent", None),
    },
    "cabozantinib-after-ici-phase-2": {
        ("cabozantinib", "pfs", 4.3, "month", 2), ("cabozantinib", "pfs", 4.0, "month", 3),
        ("cabozantinib", "os", 14.3, "month", 2), ("cabozantinib", "os", 6.6, "month", 3),
        ("cabozantinib", "orr", 6.4, "percent", None), ("cabozantinib", "dcr", 83.1, "percent", None),
    },
    "kcsg-hb23-04": {
        ("lenvatinib", "pfs", 5.4, "month", None), ("lenvatinib", "os", 8.6, "month", None),
        ("lenvatinib", "orr", 12.0, "percent", None), ("lenvatinib", "dcr", 84.0, "percent", None),
    },
}  # fmt: skip

# Table 2's descriptive columns: patients, region, design, prior treatment, baseline percentages.
TABLE_2_STUDIES = [
    ("study", "yoo-2021-mki-after-atezo-bev", "49", "asia", "retrospective-cohort", "atezolizumab-bevacizumab",
     {"percentChildPughA": "100", "percentBCLCC": "100", "percentMVI": "38.8"}),
    ("study", "storandt-2022-cabozantinib", "26", "united-states", "retrospective-cohort", "any-ici-regimen",
     {"percentChildPughA": "72"}),
    ("study", "falette-puisieux-2023-tki", "82", "france", "retrospective-cohort", "atezolizumab-bevacizumab",
     {"percentChildPughA": "82.9", "percentBCLCC": "92.7", "percentMVI": "37.8", "percentExtrahepaticSpread": "80.5"}),
    ("study", "tovoli-2024-sorafenib", "40", "italy", "retrospective-cohort", "atezolizumab-bevacizumab",
     {"percentChildPughA": "87.5", "percentMVI": "42.5", "percentExtrahepaticSpread": "60"}),
    ("study", "chon-2024-sorafenib-vs-lenvatinib", "126", "korea", "retrospective-cohort", "atezolizumab-bevacizumab",
     {"percentChildPughA": "72.2", "percentBCLCC": "86.6", "percentMVI": "46", "percentExtrahepaticSpread": "69"}),
    ("trial", "regonext", "40", "asia", "prospective-cohort", "atezolizumab-bevacizumab",
     {"percentChildPughA": "100", "percentBCLCC": "97.5"}),
    ("trial", "cabozantinib-after-ici-phase-2", "47", "asia", "prospective-cohort", "any-ici-regimen",
     {"percentChildPughA": "100", "percentBCLCC": "93.6", "percentMVI": "30"}),
    ("trial", "kcsg-hb23-04", "50", "korea", "prospective-cohort", "atezolizumab-bevacizumab",
     {"percentChildPughA": "100", "percentBCLCC": "76", "percentMVI": "24"}),
]  # fmt: skip


@pytest.mark.parametrize("row", TABLE_2_STUDIES, ids=[r[1] for r in TABLE_2_STUDIES])
def test_table_2_study(review_store, row):
    kind, key, patients, region, design, prior, percents = row
    study = iris.resource(kind, key)
    assert facts(review_store, study, HCC.enrollment, T2) == {patients}
    assert facts(review_store, study, HCC.hasRegion, T2) == {region}
    assert facts(review_store, study, HCC.hasDesign, T2) == {design}
    assert facts(review_store, iris.resource("population", key), HCC.requiresPriorRegimen, T2) == {prior}
    for name, value in percents.items():
        assert {float(v) for v in facts(review_store, study, getattr(HCC, name), T2)} == {float(value)}
    expected = {"percentChildPughA", "percentBCLCC", "percentMVI", "percentExtrahepaticSpread"} - set(
        percents
    )
    for name in expected:  # an empty cell of the table stays empty
        assert facts(review_store, study, getattr(HCC, name), T2) == set()


@pytest.mark.parametrize("key", sorted(TABLE_2))
def test_table_2_results(review_store, key):
    kind = "trial" if key in {"regonext", "cabozantinib-after-ici-phase-2", "kcsg-hb23-04"} else "study"
    assert outcomes(review_store, iris.resource(kind, key), T2) == TABLE_2[key]


def _number(text: str | None) -> float | str | None:
    """Compare numbers by value: the store writes xsd:decimal 42.0 as "42"."""
    try:
        return float(text)
    except (TypeError, ValueError):
        return text


def _outcome(store, key: str) -> dict[str, str]:
    rows = store.select("SELECT * WHERE { ?o ?p ?v }", substitutions={"o": iris.resource("outcome", key)})
    return {r["p"].value.rsplit("/", 1)[-1]: _short(r["v"]) for r in rows}


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("cabozantinib-after-ici-phase-2-cabozantinib-entire-cohort-pfs-ref-41",
         {"value": "4.1", "ciLower": "3.3", "ciUpper": "5.3", "ciLevel": "95.0", "hasUnit": "month"}),
        ("cabozantinib-after-ici-phase-2-cabozantinib-line-2-os-ref-41",
         {"value": "14.3", "ciLower": "8.9", "lineOfTherapy": "2", "count": "27"}),
        ("regonext-regorafenib-from-the-start-of-prior-atezolizumab-bevacizumab-os-ref-43",
         {"value": "16.6", "ciLower": "11.9", "ciUpper": "21.3"}),
        ("nct05257590-nivolumab-cvm-1118-dcr-ref-24", {"value": "54.8", "ciLower": "37.3", "ciUpper": "72.3"}),
        ("nct05257590-nivolumab-cvm-1118-pfs-ref-24", {"value": "3.53", "ciLower": "1.9", "ciUpper": "5.4"}),
        ("nct05257590-nivolumab-cvm-1118-dor-ref-24", {"value": "10.4", "measuresEndpoint": "dor"}),
        ("nct05257590-nivolumab-cvm-1118-complete-response-bor-ref-24",
         {"count": "2", "denominator": "31", "value": "6.0"}),
        ("nct04696055-cohort-1-pfs-ref-15", {"value": "2.8", "hasUnit": "month"}),
        ("nct04696055-cohort-2-orr-ref-15", {"value": "11.1", "hasUnit": "percent"}),
        ("nct04696055-cohort-1-regorafenib-treatment-duration-ref-15", {"value": "11.0", "hasUnit": "week"}),
        ("keynote-224-pembrolizumab-orr-ref-13", {"value": "18.3"}),
        ("livmoniplimab-phase-1-livmoniplimab-budigalimab-pd-l1-naive-metastatic-hcc-orr-ref-26",
         {"value": "42.0", "count": "5", "denominator": "12"}),
        ("roessler-2023-nivolumab-ipilimumab-nivolumab-ipilimumab-os-ref-21", {"value": "7.4"}),
        ("nct03781934-phase-1b-ttp-ref-54", {"value": "10.9", "measuresEndpoint": "ttp"}),
        ("nct02541370-cd133-car-t-pfs-ref-53", {"value": "6.8"}),
        ("nct03132792-adp-a2afp-first-13-patients-treated-complete-response-bor-ref-53",
         {"count": "1", "denominator": "13", "subgroup": "first 13 patients treated", "responseCategory": "complete response"}),
        ("nct05750030-fmt-atezolizumab-bevacizumab-interim-analysis-first-six-patients-partial-response-bor-ref-59",
         {"count": "2", "denominator": "6", "subgroup": "interim analysis, first six patients", "responseCategory": "partial response"}),
    ],
)  # fmt: skip
def test_text_results(review_store, key, expected):
    got = _outcome(review_store, key)
    assert {k: _number(got.get(k)) for k in expected} == {k: _number(v) for k, v in expected.items()}


def test_open_confidence_limit_is_data_not_a_number(review_store):
    got = _outcome(review_store, "kcsg-hb23-04-lenvatinib-os-ref-45")
    assert "ciUpper" not in got and "sourceNote" not in got
    assert got["ciUpperStatus"] == "not-assessable"


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
    links = {(_short(r["m"]), _short(r["r"])) for r in rows}
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
    trials = {_short(r["trial"]) for r in rows}
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
