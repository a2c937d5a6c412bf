"""The QC checks of queries/qc: each one fires on a fixture made to trigger it, the `report`
checks list the review's own inconsistencies, and the `error` checks are empty on the real
curated data (a check that never fired proves nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest

from hcckg.graph.store import memory_store
from hcckg.ground import iris
from hcckg.ground.settings import PROJECT_ROOT
from hcckg.loaders.curated import load

QC = PROJECT_ROOT / "queries" / "qc"
FIXTURE = Path(__file__).parent / "data" / "curated" / "qc"
# The checks of the curated data (queries/qc also holds other sources' checks, tested elsewhere).
CURATED_CHECKS = (
    "conflicting-values", "conflicting-results", "malformed-nct-id", "source-issues", "unused-entities",
    "dangling-reference-violation", "unacknowledged-malformed-id-violation", "fact-without-provenance-violation",
)  # fmt: skip
CHECKS = [QC / f"{name}.rq" for name in CURATED_CHECKS]


def header(path: Path) -> dict[str, str]:
    meta = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#+ "):
            key, _, value = line[3:].partition(":")
            meta[key.strip()] = value.strip()
    return meta


def run(store, name: str) -> list[dict]:
    return store.select((QC / f"{name}.rq").read_text(encoding="utf-8"))


def short(term) -> str:
    return term.value.rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def fixture_store():
    """The small fixture set, plus hand-made facts that no loader would write."""
    store = memory_store()
    store.replace_graph(iris.graph("review"), load(FIXTURE))
    trial = iris.resource("trial", "NCT0000001")
    unknown = iris.resource("drug", "not-curated")
    src = iris.resource("source", "ascari-2026")
    st = iris.resource("statement", "broken")
    review = iris.graph("review")
    store.update(
        f"""PREFIX hcc: <https://w3id.org/hcckg/ontology/>
        PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        PREFIX dcterms: <http://purl.org/dc/terms/>
        INSERT DATA {{ GRAPH {review} {{
          {iris.resource("arm", "NCT0000001-drug-a")} hcc:includesAgent {unknown} .
          {trial} hcc:nctId "NCT12" .
          {st} rdf:subject {trial} ; rdf:predicate hcc:nctId ; rdf:object "NCT12" ; dcterms:source {src} .
        }} }}"""
    )
    return store


def test_every_check_has_a_complete_header():
    assert CHECKS
    for path in CHECKS:
        meta = header(path)
        assert meta.get("name") == path.stem, path.name
        assert meta.get("description"), path.name
        assert meta.get("severity") in {"report", "error"}, path.name


@pytest.mark.parametrize("path", CHECKS, ids=[p.stem for p in CHECKS])
def test_every_check_fires_on_its_fixture(fixture_store, path):
    assert run(fixture_store, path.stem), f"{path.stem} did not fire on the fixture"


@pytest.mark.parametrize(
    "path", [p for p in CHECKS if header(p)["severity"] == "error"], ids=lambda p: p.stem
)
def test_error_checks_are_empty_on_the_real_data(review_store, path):
    assert run(review_store, path.stem) == []


def test_conflicting_values_lists_the_reviews_own_inconsistencies(review_store):
    rows = run(review_store, "conflicting-values")
    found = {(short(r["subject"]), short(r["property"]), short(r["value1"]), short(r["source1"]),
              short(r["value2"]), short(r["source2"])) for r in rows}  # fmt: skip
    assert ("NCT05822752", "enrollment", "120", "ascari-2026", "130", "ascari-2026-table-1") in found
    assert ("NCT05178043", "enrollment", "105", "ascari-2026", "5", "ascari-2026-table-1") in found
    assert ("NCT02541370", "hasPhase", "phase-1-2", "ascari-2026", "phase-2", "ascari-2026-ref-52") in found
    assert ("regonext", "hasRegion", "asia", "ascari-2026-table-2", "korea", "ascari-2026") in found


def test_conflicting_values_on_the_fixture_name_both_sources(fixture_store):
    rows = run(fixture_store, "conflicting-values")
    by_property = {short(r["property"]): (short(r["source1"]), short(r["source2"])) for r in rows}
    assert set(by_property) >= {"enrollment", "hasStatus", "hasPhase"}
    assert set(by_property["hasPhase"]) == {"ascari-2026-table-1", "ascari-2026-ref-1"}


def test_conflicting_results_name_values_and_sources(fixture_store, review_store):
    rows = run(fixture_store, "conflicting-results")
    assert [
        (r["value1"].value, short(r["source1"]), r["value2"].value, short(r["source2"])) for r in rows
    ] == [("3.5", "ascari-2026-table-1", "3.8", "ascari-2026-ref-1")]
    # Table 2 and the text agree on every result they share.
    assert run(review_store, "conflicting-results") == []


def test_malformed_nct_id_of_table_3_is_listed_with_its_source(review_store):
    rows = run(review_store, "malformed-nct-id")
    assert [(r["nctId"].value, short(r["source"])) for r in rows] == [("NCT0653573", "ascari-2026-table-3")]
    assert "7 digits" in rows[0]["note"].value


def test_source_issues_list_misprints_and_citations(review_store):
    issues = {(short(r["subject"]), r["value"].value) for r in run(review_store, "source-issues")}
    assert ("NCT0653573", "NCT0653573") in issues
    assert ("livmoniplimab", "livmoneplimab") in issues
    assert ("fostroxacitabine-bralpamide", "Foxtrocitabine bralpamide") in issues


def test_unused_entities_are_the_preclinical_targets_and_bystanders(review_store):
    unused = {short(r["entity"]) for r in run(review_store, "unused-entities")}
    assert {"cd147", "epcam", "muc1"} <= unused
    assert "lenvatinib" not in unused and "fgfr4" not in unused


def test_error_checks_name_the_broken_fact(fixture_store):
    dangling = run(fixture_store, "dangling-reference-violation")
    assert [short(r["object"]) for r in dangling] == ["not-curated"]
    malformed = run(fixture_store, "unacknowledged-malformed-id-violation")
    assert [r["value"].value for r in malformed] == ["NCT12"]
    unsourced = {short(r["predicate"]) for r in run(fixture_store, "fact-without-provenance-violation")}
    assert unsourced == {"includesAgent"}
