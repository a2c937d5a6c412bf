"""Loading ClinicalTrials.gov records into a real store next to the curated review graph."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import date
from pathlib import Path

import pyoxigraph as ox
import pytest

from hcckg import cli, pipeline
from hcckg.graph.store import open_store, publish
from hcckg.ground import iris
from hcckg.ground.errors import SourceError
from hcckg.ground.settings import PROJECT_ROOT, Settings, load_settings
from hcckg.ground.terms import DCTERMS, HCC, RDF, RDFS
from hcckg.loaders import ctgov

DATA = Path(__file__).parent / "data" / "ctgov"
QC = PROJECT_ROOT / "queries" / "qc"
IMPORTED = date(2026, 1, 2)


@pytest.fixture(scope="module")
def review_triples() -> list[ox.Triple]:
    from hcckg.loaders.curated import load

    return load()


@pytest.fixture()
def settings(tmp_path: Path, review_triples) -> Settings:
    """A store holding only the curated review graph, as a build leaves it for the loader."""
    settings = dataclasses.replace(load_settings(), store=str(tmp_path / "store"))
    publish(settings, {iris.graph("review"): review_triples}, keep_others=False)
    return settings


def _quads(settings: Settings) -> set[ox.Quad]:
    return set(open_store(settings).quads())


def _graph(settings: Settings, nct: str) -> set[ox.Triple]:
    return {q.triple for q in open_store(settings).quads(iris.graph(f"ctgov/{nct}"))}


def _qc(settings: Settings, name: str) -> list[dict]:
    rows = open_store(settings).select((QC / f"{name}.rq").read_text())
    return [{k: v.value for k, v in row.items()} for row in rows]


def _write(path: Path, study: dict) -> Path:
    path.write_text(json.dumps(study))
    return path


def _study(nct: str) -> dict:
    return json.loads((DATA / "review" / f"{nct}.json").read_text())


def test_fixtures_merge_with_curated_trials_on_the_same_iris(settings):
    report = pipeline.load_ctgov(settings, DATA / "review", imported=IMPORTED)
    assert sorted(report.loaded) == ["NCT04696055", "NCT04770896", "NCT05822752"]
    trial = iris.resource("trial", "NCT04770896")
    review = {q.triple for q in open_store(settings).quads(iris.graph("review"))}
    registry = _graph(settings, "NCT04770896")
    # the curated acronym and the registry's status sit on the same node
    assert ox.Triple(trial, HCC.acronym, ox.Literal("IMbrave251")) in review
    assert ox.Triple(trial, HCC.hasStatus, iris.resource("status", "ACTIVE_NOT_RECRUITING")) in registry
    arms = {t.object for t in registry if t.subject == trial and t.predicate == HCC.hasArm}
    agents = {t.object for t in registry if t.subject in arms and t.predicate == HCC.includesAgent}
    assert agents == {iris.resource("drug", k) for k in ("atezolizumab", "lenvatinib", "sorafenib")}
    assert _qc(settings, "ctgov-unmatched-intervention") == []


def test_registry_facts_have_provenance_and_record_metadata(settings):
    pipeline.load_ctgov(settings, DATA / "review", imported=IMPORTED)
    triples = _graph(settings, "NCT04770896")
    source = iris.resource("source", "ctgov-NCT04770896")
    assert (
        ox.Triple(
            source,
            HCC.importDate,
            ox.Literal("2026-01-02", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")),
        )
        in triples
    )
    parts: dict[ox.NamedNode, dict[str, ox.Term]] = {}
    for t in triples:
        if t.predicate.value in (RDF + "subject", RDF + "predicate", RDF + "object", DCTERMS + "source"):
            parts.setdefault(t.subject, {})[t.predicate.value.rsplit("#", 1)[-1].rsplit("/", 1)[-1]] = (
                t.object
            )
    stated = {(p["subject"], p["predicate"], p["object"]) for p in parts.values() if p["source"] == source}
    facts = [
        t
        for t in triples
        if t.subject not in parts and t.subject not in (source, iris.graph("ctgov/NCT04770896"))
    ]
    assert len(facts) > 20
    assert all((t.subject, t.predicate, t.object) in stated for t in facts)
    enrollment = {t.object for t in triples if t.predicate == HCC.enrollment}
    assert enrollment == {ox.Literal(554)}


def test_conflicts_with_the_review_show_in_qc(settings):
    pipeline.load_ctgov(settings, DATA / "review", imported=IMPORTED)
    pipeline.load_ctgov(settings, DATA / "conflict", imported=IMPORTED)
    rows = _qc(settings, "ctgov-review-disagreement")
    conflict = {
        (r["field"], r["registryValue"].rsplit("/", 1)[-1], r["reviewValue"].rsplit("/", 1)[-1])
        for r in rows
        if r["trial"].endswith("NCT05199285")
    }
    assert ("status", "ACTIVE_NOT_RECRUITING", "RECRUITING") in conflict
    assert ("enrollment", "44", "40") in conflict
    assert ("phase", "phase-1-2", "phase-2") in conflict
    assert all(r["registrySource"].endswith("ctgov-NCT05199285") for r in rows if r["trial"].endswith("5285"))
    # the review fixture agrees with the review on IMbrave251
    assert not [r for r in rows if r["trial"].endswith("NCT04770896")]


def test_reimport_is_idempotent(settings):
    pipeline.load_ctgov(settings, DATA / "review", imported=IMPORTED)
    first = _quads(settings)
    pipeline.load_ctgov(settings, DATA / "review", imported=IMPORTED)
    assert _quads(settings) == first


def test_a_bad_batch_loads_nothing_and_keeps_the_store(settings, tmp_path: Path):
    pipeline.load_ctgov(settings, DATA / "review", imported=IMPORTED)
    before = _quads(settings)
    batch = tmp_path / "batch"
    batch.mkdir()
    _write(batch / "good.json", _study("NCT04696055") | {"hasResults": True})
    (batch / "bad.json").write_text((DATA / "bad" / "problems.json").read_text())
    with pytest.raises(SourceError):
        pipeline.load_ctgov(settings, batch, imported=IMPORTED)
    assert _quads(settings) == before


def _dated(nct: str, day: str, status: str) -> dict:
    study = copy.deepcopy(_study(nct))
    study["protocolSection"]["statusModule"]["overallStatus"] = status
    study["protocolSection"]["statusModule"]["lastUpdatePostDateStruct"] = {"date": day, "type": "ACTUAL"}
    return study


def test_a_newer_record_replaces_only_its_own_graph_and_an_older_one_is_skipped(settings, tmp_path: Path):
    pipeline.load_ctgov(settings, DATA / "review", imported=IMPORTED)
    pipeline.load_ctgov(
        settings, _write(tmp_path / "v1.json", _dated("NCT04696055", "2025-01-01", "RECRUITING"))
    )
    others = {q for q in _quads(settings) if q.graph_name != iris.graph("ctgov/NCT04696055")}

    report = pipeline.load_ctgov(
        settings,
        _write(tmp_path / "v2.json", _dated("NCT04696055", "2025-06-01", "COMPLETED")),
        imported=IMPORTED,
    )
    assert report.loaded == ["NCT04696055"]
    statuses = {t.object for t in _graph(settings, "NCT04696055") if t.predicate == HCC.hasStatus}
    assert statuses == {iris.resource("status", "COMPLETED")}
    assert {q for q in _quads(settings) if q.graph_name != iris.graph("ctgov/NCT04696055")} == others

    report = pipeline.load_ctgov(
        settings, _write(tmp_path / "v0.json", _dated("NCT04696055", "2024-01-01", "WITHDRAWN"))
    )
    assert report.loaded == [] and report.skipped == [("NCT04696055", "2025-06-01", "2024-01-01")]
    assert "skipped NCT04696055" in report.summary()
    statuses = {t.object for t in _graph(settings, "NCT04696055") if t.predicate == HCC.hasStatus}
    assert statuses == {iris.resource("status", "COMPLETED")}


def test_unmatched_interventions_become_flagged_agents(settings, tmp_path: Path):
    from hcckg.bench.ctgov import generate_records

    [study] = generate_records(1)
    pipeline.load_ctgov(settings, _write(tmp_path / "gen.json", study))
    rows = _qc(settings, "ctgov-unmatched-intervention")
    unmatched = study["protocolSection"]["armsInterventionsModule"]["interventions"][2]["name"]
    assert unmatched.startswith("Testinib-")
    assert [r["name"] for r in rows] == [unmatched]
    assert rows[0]["trials"] == "NCT90000000"


def test_cli_load(settings, capsys):
    store = ["--store", settings.store]
    assert cli.main(["load", "ctgov", str(DATA / "conflict"), *store]) == 0
    assert "loaded 1 ClinicalTrials.gov record" in capsys.readouterr().out
    assert cli.main(["load", "ctgov", str(DATA / "bad"), *store]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "NCT0653573" in err and "overallStatus" in err


def test_agent_index_matches_labels_synonyms_and_developer_codes(settings, review_triples):
    index = ctgov.agent_index(review_triples)
    assert index == ctgov.agent_index(open_store(settings))
    gt90001 = iris.resource("drug", "gt90001")
    assert index[ctgov.normalise("PF-03446962")] == gt90001  # a developer code
    assert index[ctgov.normalise("Atezo")] == iris.resource("drug", "atezolizumab")  # a synonym
    study = copy.deepcopy(_study("NCT04696055"))
    study["protocolSection"]["armsInterventionsModule"]["interventions"] = [
        {
            "type": "DRUG",
            "name": "Anti-ALK-1 antibody",
            "otherNames": ["PF-03446962"],
            "armGroupLabels": ["A"],
        },
        {"type": "DRUG", "name": "Nivolumab (anti-PD-1)", "armGroupLabels": ["A"]},
    ]
    study["protocolSection"]["armsInterventionsModule"]["armGroups"] = [
        {"label": "A", "type": "EXPERIMENTAL"}
    ]
    triples = ctgov.to_triples(ctgov.CtgovRecord(study, "test"), index)
    agents = {t.object for t in triples if t.predicate == HCC.includesAgent}
    assert agents == {gt90001, iris.resource("drug", "nivolumab")}
    assert ox.Triple(iris.resource("arm", "NCT04696055-ctgov-a"), HCC.agentCount, ox.Literal(2)) in triples


def test_qc_runner_reports_the_conflicts(settings):
    from hcckg.queries.checks import run_checks

    pipeline.load_ctgov(settings, DATA / "conflict", imported=IMPORTED)
    findings = run_checks(open_store(settings), sorted(QC.glob("ctgov-*.rq")))
    conflicts = [f for f in findings if f.check == "ctgov-review-disagreement"]
    assert {f.severity for f in conflicts} == {"report"}
    assert {f.row["field"] for f in conflicts if "NCT05199285" in f.row["trial"]} == {
        "status",
        "enrollment",
        "phase",
    }


# -- trials as data: the registry's design, enrollment kinds, doses and prior-therapy text ---------------


def _objects(triples, subject, prop) -> set:
    return {t.object for t in triples if t.subject == subject and t.predicate == prop}


def test_registry_design_and_enrollment_land_on_the_reviews_terms(settings):
    pipeline.load_ctgov(settings, DATA / "review", imported=IMPORTED)
    registry, trial = _graph(settings, "NCT05822752"), iris.resource("trial", "NCT05822752")
    review = {q.triple for q in open_store(settings).quads(iris.graph("review"))}
    # Allocation: the same individual from the review's Table 1 ("RCT") and from the registry.
    randomised = iris.resource("allocation", "RANDOMIZED")
    assert (
        _objects(registry, trial, HCC.allocation) == {randomised} == _objects(review, trial, HCC.allocation)
    )
    # Enrollment: the registry's ESTIMATED 120 beside the review's 130 (reported) and 120 (planned).
    [figure] = _objects(registry, trial, HCC.hasEnrollment)
    assert _objects(registry, figure, HCC.enrollmentKind) == {iris.resource("enrollment-kind", "estimated")}
    assert _objects(registry, figure, HCC.enrollmentCount) == {ox.Literal(120)}
    kinds = {
        k for f in _objects(review, trial, HCC.hasEnrollment) for k in _objects(review, f, HCC.enrollmentKind)
    }
    assert {k.value.rsplit("/", 1)[-1] for k in kinds} == {"reported", "planned", "approximate"}
    assert not [t for t in registry if t.predicate == HCC.enrollmentType]  # deprecated: the kind says it


def test_registry_arm_interventions_are_the_arms_doses(settings):
    pipeline.load_ctgov(settings, DATA / "review", imported=IMPORTED)
    registry = _graph(settings, "NCT05822752")
    arm = iris.resource("arm", "NCT05822752-ctgov-cohort-2-livmoniplimab-dose-a-budigalimab")
    doses = _objects(registry, arm, HCC.hasDose)
    agents = {a for d in doses for a in _objects(registry, d, HCC.doseOfAgent)}
    assert agents == {iris.resource("drug", "livmoniplimab"), iris.resource("drug", "budigalimab")}
    labels = {lab.value for d in doses for lab in _objects(registry, d, RDFS.label)}
    assert labels == {"Biological: Livmoniplimab", "Biological: Budigalimab"}
    # The registry's wording is not parsed into amounts: the review's doses hold the numbers.
    assert not [t for t in registry if t.predicate == HCC.doseAmount]


def test_registry_prior_therapy_lines_are_kept_as_text(settings):
    pipeline.load_ctgov(settings, DATA / "review", imported=IMPORTED)
    registry = _graph(settings, "NCT04696055")
    population = iris.resource("population", "NCT04696055-ctgov")
    [requirement] = _objects(registry, population, HCC.hasPriorTherapyRequirement)
    assert {t.value for t in _objects(registry, requirement, HCC.criterionText)} == {
        "Inclusion: Progressed on one prior immune checkpoint inhibitor regimen"
    }
    assert not _objects(registry, requirement, HCC.requiresPriorRegimen)  # text, never parsed
    assert ctgov.prior_therapy_lines(
        "Exclusion Criteria:\n- Prior treatment with sorafenib\n- Pregnancy"
    ) == ["Exclusion: Prior treatment with sorafenib"]


def test_a_masking_that_disagrees_with_the_review_reaches_qc(settings, tmp_path: Path):
    study = copy.deepcopy(_study("NCT04770896"))
    study["protocolSection"]["designModule"]["designInfo"]["maskingInfo"]["masking"] = "DOUBLE"
    pipeline.load_ctgov(settings, _write(tmp_path / "double.json", study), imported=IMPORTED)
    rows = [r for r in _qc(settings, "ctgov-review-disagreement") if r["trial"].endswith("NCT04770896")]
    assert {
        (r["field"], r["registryValue"].rsplit("/", 1)[-1], r["reviewValue"].rsplit("/", 1)[-1]) for r in rows
    } == {("masking", "DOUBLE", "NONE")}
