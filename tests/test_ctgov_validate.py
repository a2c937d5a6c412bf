"""Reading and validating ClinicalTrials.gov batches: every problem of a batch, with its place."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from hcckg.ground.errors import SourceError
from hcckg.loaders import ctgov

DATA = Path(__file__).parent / "data" / "ctgov"


def _problems(path: Path) -> list:
    with pytest.raises(SourceError) as err:
        ctgov.read_batch(path)
    return err.value.problems


def test_review_fixtures_are_valid_and_comment_is_ignored():
    records = ctgov.read_batch(DATA / "review")
    assert sorted(r.nct for r in records) == ["NCT04696055", "NCT04770896", "NCT05822752"]
    assert all("_comment" in r.data for r in records)


def test_every_bad_input_is_reported_in_one_error():
    problems = _problems(DATA / "bad")
    by_message = {(p.record, p.field): p for p in problems}
    assert len(problems) == 5
    malformed = next(p for p in problems if p.path.endswith("malformed.json"))
    assert malformed.line == 3 and "column" in malformed.message
    nct_field = "protocolSection.identificationModule.nctId"
    assert "missing" in by_message[("#0", nct_field)].message
    assert "8 digits" in by_message[("NCT0653573", nct_field)].message
    status = by_message[("NCT04770896", "protocolSection.statusModule.overallStatus")]
    assert "'ONGOING'" in status.message and "ACTIVE_NOT_RECRUITING" in status.message
    count = by_message[("NCT04696055", "protocolSection.designModule.enrollmentInfo.count")]
    assert "expected an integer, got a string" in count.message


def test_list_items_are_named_by_index(tmp_path: Path):
    study = json.loads((DATA / "review" / "NCT04770896.json").read_text())
    study["protocolSection"]["armsInterventionsModule"]["armGroups"][1]["type"] = "CONTROL"
    study["protocolSection"]["designModule"]["phases"] = "PHASE3"
    (tmp_path / "one.json").write_text(json.dumps(study))
    fields = {p.field for p in _problems(tmp_path / "one.json")}
    assert fields == {
        "protocolSection.armsInterventionsModule.armGroups[1].type",
        "protocolSection.designModule.phases",
    }


def test_same_nct_twice_in_a_batch_is_a_problem(tmp_path: Path):
    study = json.loads((DATA / "review" / "NCT04770896.json").read_text())
    (tmp_path / "twice.json").write_text(json.dumps([study, study]))
    [problem] = _problems(tmp_path / "twice.json")
    assert "appears twice" in problem.message


def test_file_page_directory_and_zip_give_the_same_records(tmp_path: Path):
    files = sorted((DATA / "review").glob("*.json"))
    studies = [json.loads(f.read_text()) for f in files]
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"studies": studies, "nextPageToken": "abc"}))
    listing = tmp_path / "list.json"
    listing.write_text(json.dumps(studies))
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in files:
            zf.write(f, f"records/{f.name}")
    expected = [r.data for r in ctgov.read_batch(DATA / "review")]
    for source in (page, listing, archive):
        assert [r.data for r in ctgov.read_batch(source)] == expected


def test_iter_records_yields_good_files_then_raises(tmp_path: Path):
    (tmp_path / "a.json").write_text((DATA / "review" / "NCT04770896.json").read_text())
    (tmp_path / "b.json").write_text("{not json")
    seen = []
    with pytest.raises(SourceError):
        for record in ctgov.iter_records(tmp_path):
            seen.append(record.nct)
    assert seen == ["NCT04770896"]


def test_missing_path_is_a_problem(tmp_path: Path):
    [problem] = _problems(tmp_path / "nowhere.json")
    assert "no such file" in problem.message


@pytest.mark.parametrize(
    ("phases", "key"),
    [
        (["PHASE1", "PHASE2"], "phase-1-2"),
        (["PHASE2"], "phase-2"),
        (["PHASE3"], "phase-3"),
        (["NA"], "phase-na"),
        (["EARLY_PHASE1"], "early-phase-1"),
        ([], None),
    ],
)
def test_phase_keys(phases, key):
    assert ctgov.phase_key(phases) == key


def test_intervention_names_lose_their_type_prefix():
    assert ctgov.strip_type("Drug: Erlotinib 150/100 mg") == "Erlotinib 150/100 mg"
    assert ctgov.strip_type("Biological: Livmoniplimab") == "Livmoniplimab"
    assert ctgov.normalise("GT-90001") == ctgov.normalise("gt 90001") == "gt90001"


def test_the_record_check_is_a_json_schema_whose_words_are_the_ontologys():
    """The schema is valid JSON Schema, and every enum word the loader maps onto an individual
    (status, allocation, masking) names one the ontology declares."""
    import jsonschema
    import pyoxigraph as ox

    from hcckg.loaders import ctgov_check
    from hcckg.ontology.tbox import ontology_triples

    schema = ctgov_check.schema()
    jsonschema.validators.validator_for(schema).check_schema(schema)
    subjects = {t.subject.value for t in ontology_triples() if isinstance(t.subject, ox.NamedNode)}
    for kind, words in (
        ("status", ctgov.STATUS),
        ("allocation", ctgov.ALLOCATION),
        ("masking", ctgov.MASKING),
    ):
        missing = [w for w in words if f"https://w3id.org/hcckg/resource/{kind}/{w}" not in subjects]
        assert not missing, (kind, missing)
    assert not hasattr(ctgov, "validate")  # the old hand-written checker's dead entry point is gone
