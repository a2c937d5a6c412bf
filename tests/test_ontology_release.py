"""`hcckg ontology build` writes release files that parse to the same triples."""

from __future__ import annotations

from pathlib import Path

import pytest
import rdflib
from rdflib.compare import isomorphic

from hcckg.cli import main
from hcckg.ground.terms import CLASSES, DATA_PROPERTIES, OBJECT_PROPERTIES
from hcckg.ontology.tbox import ARTIFACTS, ONTOLOGY_FILE, artifact
from hcckg.queries.checks import check_paths
from hcckg.release import build_release


@pytest.fixture(scope="session")
def release(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ontology-release")
    report = build_release(out)
    assert "consistent" in report.summary()
    return out


def test_artifacts_round_trip(release):
    turtle = rdflib.Graph().parse(release / "hcckg.ttl", format="turtle")
    rdfxml = rdflib.Graph().parse(release / "hcckg.owl", format="xml")
    jsonld = rdflib.Graph().parse(release / "hcckg.jsonld", format="json-ld")
    assert len(turtle) > 1000
    assert isomorphic(turtle, rdfxml)
    assert isomorphic(turtle, jsonld)


def test_rdfxml_release_loads_in_owlready2(release):
    import owlready2

    world = owlready2.World()
    onto = world.get_ontology((release / "hcckg.owl").as_uri()).load()
    assert {c.name for c in onto.classes()} == set(CLASSES)
    assert {p.name for p in onto.object_properties()} == set(OBJECT_PROPERTIES)


def test_html_has_an_anchor_per_term(release):
    page = (release / "hcckg.html").read_text(encoding="utf-8")
    for term in CLASSES + OBJECT_PROPERTIES + DATA_PROPERTIES:
        assert f'id="{term}"' in page, term
    assert "(antagonises o drivesMechanism)" not in page  # chains are shown as chains, not expressions
    assert "antagonises</a> o <a" in page and "ImmuneCheckpointProtein" in page


def test_cli_builds_the_release(tmp_path, capsys):
    assert main(["ontology", "build", "-o", str(tmp_path)]) == 0
    assert f"qc: {len(check_paths())} checks passed" in capsys.readouterr().out
    assert (tmp_path / "inferred.ttl").exists() and (tmp_path / "hcckg.jsonld").exists()


def test_release_notes_say_what_changed_since_the_previous_release(tmp_path):
    # The previous release, as it would have been with an older definition of one class.
    previous = tmp_path / "previous.ttl"
    text = ONTOLOGY_FILE.read_text(encoding="utf-8")
    old = '"A piece of clinical research on patients with hepatocellular carcinoma, interventional or observational."@en'
    assert text.count(old) == 1
    previous.write_text(text.replace(old, '"An older definition."@en'), encoding="utf-8")
    report = build_release(tmp_path / "out", previous=previous)
    notes = (tmp_path / "out" / "release-notes.md").read_text(encoding="utf-8")
    assert tmp_path / "out" / "release-notes.md" in report.artifacts
    assert "1 entities (0 added, 0 removed, 1 changed)" in notes
    assert "study (hcc:Study)" in notes and "An older definition." in notes


def test_every_release_file_is_the_artifact_the_server_serves(tmp_path):
    build_release(tmp_path)
    for name in ARTIFACTS:
        assert (tmp_path / name).read_bytes() == artifact(name), name
