"""A curator's mistakes, all of them in one run, each reported once at the line where it is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hcckg.ground.errors import SourceError
from hcckg.loaders.curated import load

CURATED = Path(__file__).resolve().parents[1] / "loaders" / "curated"


def _line(path: Path, text: str) -> int:
    """The 1-based line of the first line of ``path`` that is exactly ``text``."""
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"the edit no longer applies to {path.name}: {old!r}"
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture()
def curated(tmp_path) -> Path:
    copy = tmp_path / "curated"
    shutil.copytree(CURATED, copy)
    return copy


def _problems(curated: Path) -> list:
    with pytest.raises(SourceError) as err:
        load(curated)
    return err.value.problems


def test_three_mistakes_in_three_files_give_three_reports_each_at_its_line(curated):
    agents, trials, results = curated / "agents.yaml", curated / "trials.yaml", curated / "results.yaml"
    # 1. agents.yaml: an indentation error (the file no longer parses).
    _edit(agents, "- key: lenvatinib\n  source: ascari-2026\n", "- key: lenvatinib\n   source: ascari-2026\n")
    # 2. trials.yaml: a misspelt field name.
    _edit(
        trials,
        "  study_kind: trial\n  nct_id: NCT04770896\n",
        "  study_kind: trial\n  nct_idd: NCT04770896\n",
    )
    # 3. results.yaml: a typo in a results group's source key, inherited by all its outcomes.
    first_group = "  source: ascari-2026-table-2"
    typo_line = _line(results, first_group)
    lines = results.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[typo_line - 1] = "  source: ascari-2026-tabel-2\n"
    results.write_text("".join(lines), encoding="utf-8")

    problems = _problems(curated)
    assert len(problems) == 3, "\n".join(map(str, problems))
    by_file = {Path(p.path).name: p for p in problems}
    assert set(by_file) == {"agents.yaml", "trials.yaml", "results.yaml"}
    assert "YAML syntax" in by_file["agents.yaml"].message
    assert (
        by_file["trials.yaml"].field == "nct_idd"
        and "did you mean 'nct_id'" in by_file["trials.yaml"].message
    )
    assert by_file["trials.yaml"].line == _line(trials, "  nct_idd: NCT04770896")
    typo = by_file["results.yaml"]
    assert (typo.line, typo.field) == (typo_line, "source")
    assert (
        "unknown source 'ascari-2026-tabel-2'" in typo.message
        and "did you mean 'ascari-2026-table-2'" in typo.message
    )


def test_a_file_that_does_not_parse_hides_nothing_else(curated):
    # Links to the broken file's records (the drugs) are not reported: their keys are unknown.
    _edit(
        curated / "agents.yaml",
        "- key: lenvatinib\n  source: ascari-2026\n",
        "- key: lenvatinib\n   source: ascari-2026\n",
    )
    _edit(
        curated / "targets.yaml",
        "- key: pd-1\n  source: ascari-2026\n",
        "- key: pd-1\n  sourcee: ascari-2026\n",
    )
    names = {(Path(p.path).name, p.field) for p in _problems(curated)}
    assert ("agents.yaml", None) in names and ("targets.yaml", "sourcee") in names
    assert not any(name == "trials.yaml" for name, _ in names)


def test_a_claims_own_wrong_source_is_reported_at_the_claim(curated):
    trials = curated / "trials.yaml"
    _edit(
        trials,
        "  acronym: {value: IMbrave251, source: ascari-2026}",
        "  acronym: {value: IMbrave251, source: ascari-2062}",
    )
    (problem,) = _problems(curated)
    assert (problem.line, problem.record, problem.field) == (
        _line(trials, "  acronym: {value: IMbrave251, source: ascari-2062}"),
        "NCT04770896",
        "acronym",
    )
    assert "did you mean 'ascari-2026'" in problem.message
