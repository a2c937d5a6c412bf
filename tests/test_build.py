"""The build pipeline end to end: the real sources give the review's families; building is
idempotent; a broken source fails with a clear error and leaves the previous store serving."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pyoxigraph as ox
import pytest

# How the review groups its trials (Tables 1 and 3 and its sections): one list serves the
# ontology tests on their test ABox and this test on the real build.
from test_ontology_reasoning import FAMILIES

from hcckg import cli
from hcckg.graph.store import open_store
from hcckg.ground.settings import PROJECT_ROOT
from hcckg.ground.terms import HCC
from hcckg.pipeline import build

RES = "https://w3id.org/hcckg/resource/trial/"


def _families(store, nct: str) -> set[str]:
    rows = store.select("SELECT ?t ?c WHERE { ?t a ?c }", substitutions={"t": ox.NamedNode(RES + nct)})
    names = {r["c"].value.rsplit("/", 1)[-1] for r in rows}
    return names & set(FAMILIES)


@pytest.mark.parametrize(
    ("family", "nct"), [(family, nct) for family, ncts in FAMILIES.items() for nct in ncts]
)
def test_real_build_classifies_each_trial_as_the_review_does(built_store, family, nct):
    assert _families(built_store, nct) == {family}


def test_every_named_graph_has_provenance(built_store):
    rows = built_store.select(
        "PREFIX prov: <http://www.w3.org/ns/prov#> SELECT ?g ?a WHERE { ?g prov:wasGeneratedBy ?a }"
    )
    graphs = {r["g"].value.rsplit("/", 1)[-1] for r in rows}
    assert {"ontology", "review", "inferred", "queries", "void"} <= graphs


def test_inferred_drug_to_mechanism_link_is_in_the_store(built_store):
    ask = f"ASK {{ <https://w3id.org/hcckg/resource/drug/lenvatinib> <{HCC.addressesMechanism.value}> ?m }}"
    assert bool(built_store.query(ask))


def _all_quads(settings) -> set[str]:
    """The store's quads with blank nodes canonically named, so equal graphs compare equal."""
    dataset = ox.Dataset(open_store(settings).quads())
    dataset.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return {str(q) for q in dataset}


def test_build_twice_gives_the_same_triples(built_settings, tmp_settings):
    build(tmp_settings)
    assert _all_quads(tmp_settings) == _all_quads(built_settings)


def test_broken_source_fails_clearly_and_keeps_the_previous_store(
    built_settings, tmp_path, capsys, monkeypatch
):
    curated = tmp_path / "curated"
    shutil.copytree(PROJECT_ROOT / "loaders" / "curated", curated)
    store = tmp_path / "store"
    settings = dataclasses.replace(built_settings, store=str(store), curated_dir=str(curated))
    build(settings)
    before = _all_quads(settings)

    trials = curated / "trials.yaml"
    trials.write_text(trials.read_text().replace("nct_id: NCT04770896", "nct_id: NCT4770896", 1))
    monkeypatch.setenv("HCCKG_STORE", str(store))
    monkeypatch.setenv("HCCKG_CURATED_DIR", str(curated))
    assert cli.main(["build", "-q"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "trials.yaml:" in err and "NCT4770896" in err and "Traceback" not in err
    assert _all_quads(settings) == before  # the previous store still serves, untouched


def test_qc_lists_the_reviews_own_inconsistencies(built_settings, capsys, monkeypatch):
    monkeypatch.setenv("HCCKG_STORE", built_settings.store)
    assert cli.main(["qc", "--format", "json", "-q"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] is True  # no error-severity check fires on the real sources
    rows = [(f["check"], f["row"]) for f in report["findings"]]
    enrollment = {
        tuple(sorted((r["value1"], r["value2"])))
        for check, r in rows
        if check == "conflicting-values" and r.get("property", "").endswith("enrollment")
    }
    assert {("120", "130"), ("105", "5")} <= enrollment  # LIVIGNO-1 and NCT05178043: Table 1 vs text
    assert any(check == "malformed-nct-id" and r["nctId"] == "NCT0653573" for check, r in rows)


def test_build_if_changed_skips_an_unchanged_build_and_prints_one_build_id(
    built_settings, capsys, monkeypatch
):
    from hcckg.graph import builds
    from hcckg.pipeline import fingerprint, up_to_date

    current = builds.current(built_settings.store_path)
    assert current is not None and current.sources == fingerprint(built_settings)
    assert up_to_date(built_settings) == current
    # Another base IRI changes every triple: not up to date.
    assert up_to_date(dataclasses.replace(built_settings, base_iri="http://example.org/kg/")) is None
    monkeypatch.setenv("HCCKG_STORE", built_settings.store)
    assert cli.main(["build", "--if-changed", "-q"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == f"build {current.id} is up to date (same sources, code and settings): not rebuilt"
    assert builds.current(built_settings.store_path) == current  # nothing was built


def test_build_prints_the_build_id_the_store_link_names(tmp_settings, capsys, monkeypatch):
    from hcckg.graph import builds

    monkeypatch.setenv("HCCKG_STORE", tmp_settings.store)
    assert cli.main(["build", "-q", "--wait", "0"]) == 0
    out = capsys.readouterr().out
    built = builds.current(tmp_settings.store_path)
    assert out.startswith(f"built build {built.id} from sources ")
    assert "no running server serves this store" in out
