"""The curated results, checked by SPARQL against a store loaded with the review graph: every
value of Table 2 and the results the text states, each per source (through the provenance
statements), so a table value and a text value are checked separately."""

from __future__ import annotations

import pytest
from curated_facts import T2, facts, short
from pyoxigraph import NamedNode

from hcckg.ground import iris
from hcckg.ground.terms import HCC

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
    prefix = short(study) + "-"
    return {
        (
            short(r["arm"]).removeprefix(prefix) if "arm" in r else None,
            short(r["endpoint"]),
            float(r["value"].value),
            short(r["unit"]),
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
    return {r["p"].value.rsplit("/", 1)[-1]: short(r["v"]) for r in rows}


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
