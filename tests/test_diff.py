"""hcckg diff: what changed between two builds, release files or source revisions."""

from __future__ import annotations

import dataclasses
import html.parser
import shutil
from pathlib import Path

import pytest

from hcckg.cli import main
from hcckg.diff import DiffError, diff, read_side
from hcckg.diff_report import render
from hcckg.ground.settings import Settings, load_settings
from hcckg.pipeline import build

CURATED = Path(__file__).resolve().parents[1] / "loaders" / "curated"
CHANGED_OUTCOME = "https://w3id.org/hcckg/resource/outcome/kcsg-hb23-04-lenvatinib-orr-table-2"
NEW_DRUG = "https://w3id.org/hcckg/resource/drug/testamab"


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory) -> tuple[Settings, Path, Path, object]:
    """The real sources built, then built again with one result value changed and one drug added."""
    work = tmp_path_factory.mktemp("diff")
    curated = work / "curated"
    shutil.copytree(CURATED, curated)
    settings = dataclasses.replace(load_settings(), store=str(work / "store"), curated_dir=str(curated))
    build(settings)
    first = (work / "store").resolve()
    results = curated / "results.yaml"
    text = results.read_text(encoding="utf-8")
    old = "  arm: lenvatinib\n  outcomes:\n    - {endpoint: pfs, value: 5.4, unit: month}\n    - {endpoint: os, value: 8.6, unit: month}\n    - {endpoint: orr, value: 12, unit: percent}"
    assert text.count(old) == 1, "the fixture's edit no longer applies to results.yaml"
    results.write_text(text.replace(old, old.replace("value: 12,", "value: 13,")), encoding="utf-8")
    with (curated / "agents.yaml").open("a", encoding="utf-8") as agents:
        agents.write(
            "\n- key: testamab\n  source: ascari-2026\n  label: testamab\n  modality: MonoclonalAntibody\n"
        )
    report = build(settings, diff=True)
    return settings, first, (work / "store").resolve(), report


def test_two_builds_differ_by_exactly_the_changed_result_and_the_new_drug(two_builds):
    settings, first, second, _ = two_builds
    changes = diff(str(first), str(second), settings).changes
    assert {(c.subject, c.status, c.section) for c in changes} == {
        (CHANGED_OUTCOME, "changed", "results"),
        (NEW_DRUG, "added", "facts"),
    }
    (outcome,) = [c for c in changes if c.subject == CHANGED_OUTCOME]
    assert [(f.predicate.rsplit("/", 1)[-1], f.value) for f in outcome.removed] == [("value", "12")]
    assert [(f.predicate.rsplit("/", 1)[-1], f.value, f.sources) for f in outcome.added] == [
        ("value", "13", frozenset({"ascari-2026-table-2"}))
    ]


def test_build_prints_the_diff_against_the_previous_build(two_builds):
    *_, report = two_builds
    text = report.summary()
    assert "2 entities (1 added, 0 removed, 1 changed)" in text
    assert "hcc:value: 12 → 13" in text and "+ testamab (res:drug/testamab)" in text


def test_the_same_sources_give_no_change(two_builds):
    settings, first, _, _ = two_builds
    assert diff(str(first), str(first), settings).changes == []


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_every_format_names_the_changes(two_builds, fmt):
    settings, first, second, _ = two_builds
    out = render(diff(str(first), str(second), settings), fmt)
    assert "testamab" in out and "kcsg-hb23-04-lenvatinib-orr-table-2" in out
    if fmt == "html":
        parser = html.parser.HTMLParser()
        parser.feed(out)  # well-formed enough to parse; the label text is escaped
        assert "<li" in out and "&lt;" not in out.split("<body>")[0]


def test_a_release_file_and_a_store_compare_by_triples(two_builds, tmp_path):
    settings, first, _, _ = two_builds
    dump = tmp_path / "first.nq"
    assert main(["export", "--store", str(first), "--format", "nquads", "-o", str(dump)]) == 0
    assert diff(str(dump), str(first), settings).changes == []


def test_the_unbuilt_sources_compare_with_their_build(two_builds):
    settings, _, second, _ = two_builds
    assert diff(str(second), "sources", settings).changes == []


def test_git_revisions_are_assembled_from_their_sources():
    settings = load_settings()
    assert diff("git:HEAD", "git:HEAD", settings).changes == []
    with pytest.raises(DiffError, match="git:no-such-revision"):
        read_side("git:no-such-revision", settings)


def test_a_side_that_is_neither_store_nor_file_is_an_error(tmp_path):
    with pytest.raises(DiffError, match="no such store folder or file"):
        read_side(str(tmp_path / "missing"), load_settings())
    assert main(["diff", str(tmp_path / "missing"), str(tmp_path / "missing")]) == 1
