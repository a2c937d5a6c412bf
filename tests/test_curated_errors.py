"""Broken curated files give one SourceError naming file, line, record and field of every
problem. Each test copies the real curated files to a temporary folder and breaks them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hcckg.ground.errors import Problem, SourceError
from hcckg.loaders import shacl
from hcckg.loaders.curated import DEFAULT_DIR, convert, iter_records, load


@pytest.fixture()
def curated(tmp_path: Path) -> Path:
    target = tmp_path / "curated"
    shutil.copytree(DEFAULT_DIR, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def replace(path: Path, old: str, new: str) -> int:
    """Replace one exact text in a file; returns its 1-based line number."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    line = text[: text.index(old)].count("\n") + 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return line


def problems_of(path: Path) -> list[Problem]:
    with pytest.raises(SourceError) as caught:
        load(path)
    return caught.value.problems


def only(problems: list[Problem], field: str) -> Problem:
    matching = [p for p in problems if p.field == field]
    assert len(matching) == 1, problems
    return matching[0]


def test_real_curated_files_load():
    assert len(load()) > 10_000


def test_bad_nct_identifier(curated):
    line = replace(curated / "trials.yaml", "nct_id: NCT05199285", "nct_id: NCT5199285")
    problem = only(problems_of(curated), "nct_id")
    assert (Path(problem.path).name, problem.line, problem.record) == ("trials.yaml", line, "NCT05199285")
    assert "malformed nct identifier 'NCT5199285'" in problem.message
    assert "source_issue" in problem.message  # tells the curator what to do if the source prints it so


def test_malformed_identifier_with_acknowledgement_is_accepted(curated):
    replace(
        curated / "trials.yaml",
        "nct_id: NCT05199285",
        'nct_id: {value: NCT5199285, source_issue: "printed without the leading zero"}',
    )
    assert load(curated, shapes=False)


def test_unknown_drug_reference(curated):
    line = replace(
        curated / "trials.yaml", "drugs: [nivolumab, ipilimumab]\n", "drugs: [nivolumab, ipilimumabb]\n"
    )
    problem = only(problems_of(curated), "drugs")
    assert (Path(problem.path).name, problem.line, problem.record) == (
        "trials.yaml",
        line,
        "NCT05199285-nivolumab-ipilimumab",
    )
    assert "unknown drug 'ipilimumabb'" in problem.message
    assert "agents.yaml" in problem.message and "did you mean 'ipilimumab'" in problem.message


def test_non_numeric_enrollment(curated):
    line = replace(curated / "trials.yaml", "  enrollment: {count: 46,", "  enrollment: {count: forty-six,")
    problem = only(problems_of(curated), "enrollment")
    assert (Path(problem.path).name, problem.line, problem.record) == ("trials.yaml", line, "NCT04435977")
    assert "expected a whole number" in problem.message


def test_bad_yaml_syntax(curated):
    line = replace(
        curated / "agents.yaml",
        '  inhibits: [{value: tigit, note: "the anti-TIGIT antibody AK130"}]\n',
        '  inhibits: [{value: tigit, note: "the anti-TIGIT antibody AK130"}\n',
    )
    problems = problems_of(curated)
    assert len(problems) == 1
    problem = problems[0]
    assert Path(problem.path).name == "agents.yaml"
    assert problem.message.startswith("YAML syntax")
    assert line <= problem.line <= line + 2


def test_dangling_reference_names_both_places(curated):
    line = replace(curated / "mechanisms.yaml", "    - {value: csf1r, note:", "    - {value: csf-1r, note:")
    problem = only(problems_of(curated), "driven_by")
    assert (Path(problem.path).name, problem.line, problem.record) == ("mechanisms.yaml", line, "tam-csf1r")
    assert "unknown target 'csf-1r'" in problem.message and "targets.yaml" in problem.message


def test_dangling_study_and_arm_of_a_result(curated):
    replace(curated / "results.yaml", "- study: tovoli-2024-sorafenib\n", "- study: tovoli-2024\n")
    replace(
        curated / "results.yaml",
        "    - {arm: other-mtkis, endpoint: pfs,",
        "    - {arm: other, endpoint: pfs,",
    )
    problems = problems_of(curated)
    assert any(p.field == "study" and "unknown study 'tovoli-2024'" in p.message for p in problems)
    arm = [p for p in problems if p.field == "arm"]
    assert len(arm) == 1 and "unknown arm 'other'" in arm[0].message and "other-mtkis" in arm[0].message


def test_unknown_field_and_unknown_source(curated):
    line = replace(curated / "targets.yaml", "  label: PD-1\n", "  labell: PD-1\n")
    src = replace(
        curated / "agents.yaml",
        "{value: Atezo, source: ascari-2026-ref-12}",
        "{value: Atezo, source: ascari-2026-ref-120}",
    )
    problems = problems_of(curated)
    unknown = only(problems, "labell")
    assert unknown.line == line and "did you mean 'label'" in unknown.message
    missing = [p for p in problems if "unknown source 'ascari-2026-ref-120'" in p.message]
    assert len(missing) == 1 and missing[0].line == src


def test_duplicate_key(curated):
    path = curated / "regimens.yaml"
    path.write_text(
        path.read_text() + "\n- key: sorafenib\n  source: ascari-2026\n  label: sorafenib again\n"
    )
    problem = only(problems_of(curated), "key")
    assert "duplicate key; first defined at" in problem.message and "regimens.yaml" in problem.message


def test_every_problem_of_a_run_is_reported_together(curated):
    replace(curated / "trials.yaml", "nct_id: NCT05199285", "nct_id: NCT5199285")
    replace(curated / "trials.yaml", "  enrollment: {count: 46,", "  enrollment: {count: forty-six,")
    replace(curated / "mechanisms.yaml", "    - {value: csf1r, note:", "    - {value: csf-1r, note:")
    replace(
        curated / "results.yaml",
        "{endpoint: pfs, value: 3.3, unit: month}",
        "{endpoint: mpfs, value: 3.3, unit: month}",
    )
    problems = problems_of(curated)
    assert {p.field for p in problems} == {"nct_id", "enrollment", "driven_by", "endpoint"}
    message = str(SourceError(problems))
    assert message.startswith("4 problem(s)") and "trials.yaml" in message and "results.yaml" in message


def test_a_renamed_field_names_what_replaced_it(curated):
    line = replace(
        curated / "trials.yaml",
        '  setting: {value: post-sorafenib, note: "regorafenib',
        '  post_ici_second_line: {value: post-sorafenib, note: "regorafenib',
    )
    problems = problems_of(curated)
    renamed = only(problems, "post_ici_second_line")
    assert (renamed.line, renamed.record) == (line, "resorce") and "it is now setting" in renamed.message
    assert only(problems, "setting").message == "missing required field"


def test_a_mechanism_link_must_say_its_role(curated):
    line = replace(
        curated / "mechanisms.yaml", "  driven_by:\n    - {value: csf1r", "  targets:\n    - {value: csf1r"
    )
    problem = only(problems_of(curated), "targets")
    assert (problem.line, problem.record) == (line, "tam-csf1r")
    assert "driven_by" in problem.message and "resisted_checkpoints" in problem.message


@pytest.mark.parametrize(
    ("file", "old", "new", "field", "word"),
    [
        ("trials.yaml", "  setting: {value: first-line, note: \"previously tested", "  setting: {value: first line, note: \"previously tested", "setting", "unknown setting 'first line'"),
        ("mechanisms.yaml", "    - value: dual-checkpoint-blockade\n", "    - value: dual-blockade\n", "addressed_by_approaches", "unknown approach 'dual-blockade'"),
        ("mechanisms.yaml", "  mechanism_kind: limitation\n", "  mechanism_kind: limit\n", "mechanism_kind", "unknown mechanism-kind 'limit'"),
    ],
)  # fmt: skip
def test_controlled_values_of_the_mechanism_model(curated, file, old, new, field, word):
    line = replace(curated / file, old, new)
    problem = only(problems_of(curated), field)
    assert problem.line == line and word in problem.message


def test_an_outcome_may_not_replace_its_groups_qualifier(curated):
    line = replace(
        curated / "results.yaml",
        "    - {endpoint: bor, category: complete response, count: 1, denominator: 13}",
        "    - {endpoint: bor, subgroup: complete response, count: 1, denominator: 13}",
    )
    problem = only(problems_of(curated), "subgroup")
    assert (
        problem.line == line
        and "first 13 patients treated" in problem.message
        and "category" in problem.message
    )


def test_confidence_interval_must_contain_its_value(curated):
    replace(
        curated / "results.yaml",
        "value: 9.7, unit: month, ci_lower: 8.3",
        "value: 9.7, unit: month, ci_lower: 9.8",
    )
    problem = only(problems_of(curated), "ci_lower")
    assert "does not contain the value 9.7" in problem.message


def test_shape_violations_map_back_to_the_record():
    """A result of the SHACL shapes names the curated record's file and line."""
    records = iter_records(DEFAULT_DIR)
    triples, origins = convert(records)
    arm = "https://w3id.org/hcckg/resource/arm/NCT05199285-nivolumab-ipilimumab"
    broken = [t for t in triples if not (t.subject.value == arm and t.predicate.value.endswith("/armRole"))]
    problems = shacl.check_shapes(broken, origins)
    assert len(problems) == 1, problems
    problem = problems[0]
    assert Path(problem.path).name == "trials.yaml" and problem.record == "NCT05199285-nivolumab-ipilimumab"
    assert problem.field == "armRole" and problem.line is not None
    assert shacl.check_shapes(triples, origins) == []
