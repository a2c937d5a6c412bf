"""A dose without a unit, an enrollment figure without a kind and a cohort larger than its study
are refused by the loader, by the SHACL shapes and by `hcckg qc`, each naming file, line and
field; the QC checks that catch them in any graph fire on a hand-made one and are empty on the
real data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from hcckg import cli
from hcckg.graph.store import memory_store
from hcckg.ground import iris
from hcckg.ground.errors import Problem, SourceError
from hcckg.ground.settings import PROJECT_ROOT
from hcckg.ground.terms import HCC, RDF
from hcckg.loaders import curated as curated_loader
from hcckg.loaders import shacl
from hcckg.loaders.convert import convert

QC = PROJECT_ROOT / "queries" / "qc"

# (what is broken, the text replaced in trials.yaml, by what, record, field, words of the loader's
#  message, words of the shape's message)
BROKEN = [
    ("dose without a unit", "livmoniplimab, amount: 400, unit: mg, route", "livmoniplimab, amount: 400, route",
     "NCT05822752-cohort-2", "doses", "dose amount needs its unit", "needs its unit"),
    ("enrollment without a kind", "{count: 130, kind: reported}", "{count: 130}",
     "NCT05822752", "enrollment", "needs its kind", "needs its kind"),
    ("cohort larger than its study", "enrollment: {count: 68, kind: actual", "enrollment: {count: 168, kind: actual",
     "NCT04696055-cohort-1", "enrollment", "more than its study has (95", "cohort larger than its study"),
]  # fmt: skip
IDS = [b[0] for b in BROKEN]


@pytest.fixture()
def curated(tmp_path: Path) -> Path:
    target = tmp_path / "curated"
    shutil.copytree(curated_loader.DEFAULT_DIR, target, ignore=shutil.ignore_patterns("*.md"))
    return target


def replace(path: Path, old: str, new: str) -> int:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} must occur once in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return text[: text.index(old)].count("\n") + 1


def loader_problems(path: Path) -> list[Problem]:
    with pytest.raises(SourceError) as caught:
        curated_loader.load(path)
    return caught.value.problems


@pytest.mark.parametrize(("what", "old", "new", "record", "field", "words", "_shape"), BROKEN, ids=IDS)
def test_the_loader_names_file_line_and_field(curated, what, old, new, record, field, words, _shape):
    line = replace(curated / "trials.yaml", old, new)
    problems = loader_problems(curated)
    [problem] = [p for p in problems if words in p.message]
    assert (Path(problem.path).name, problem.line, problem.record, problem.field) == (
        "trials.yaml",
        line,
        record,
        field,
    )
    assert len(problems) == 1, problems  # one report per mistake


@pytest.mark.parametrize(("what", "old", "new", "record", "_field", "_words", "words"), BROKEN, ids=IDS)
def test_the_shapes_name_file_line_and_field(curated, what, old, new, record, _field, _words, words):
    """The shapes run on the produced graph alone (without the loader's own checks) and still
    refuse each, at the record's line."""
    line = replace(curated / "trials.yaml", old, new)
    records, form = curated_loader._parse(curated)
    assert not form
    triples, origins = convert(records)
    problems = [p for p in shacl.check_shapes(triples, origins) if words in p.message]
    assert problems, f"no shape refused the {what}"
    for problem in problems:
        assert Path(problem.path).name == "trials.yaml" and problem.record == record
        assert problem.line == line and problem.field


def test_hcckg_qc_refuses_all_three_with_their_places(curated, monkeypatch, capsys, tmp_path):
    lines = [replace(curated / "trials.yaml", old, new) for _, old, new, *_ in BROKEN]
    monkeypatch.setenv("HCCKG_CURATED_DIR", str(curated))
    monkeypatch.setenv("HCCKG_STORE", str(tmp_path / "no-store"))
    assert cli.main(["qc", "-q"]) == cli.EXIT_ERROR
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for line, (_, _, _, record, field, words, _) in zip(lines, BROKEN, strict=True):
        assert f"trials.yaml:{line}, record {record}, field '{field}'" in err, err
        assert words in err


# -- the QC checks: any graph ----------------------------------------------------------------------
CHECKS = (
    "dose-without-unit-violation",
    "enrollment-without-kind-violation",
    "cohort-larger-than-study-violation",
)


def run(store, name: str) -> list:
    return list(store.select((QC / f"{name}.rq").read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def broken_graph():
    """What a careless loader could write: a dose amount with no unit, a figure with no kind,
    and a cohort of 60 in a study of 50."""
    r = iris.resource
    study, arm, dose = r("trial", "NCT99999999"), r("arm", "NCT99999999-a"), r("dose", "nct99999999-a-x")
    fig_study, fig_arm = r("enrollment", "nct99999999-x-50"), r("enrollment", "nct99999999-a-x-60")
    dec = ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
    triples = [
        ox.Triple(study, HCC.hasArm, arm),
        ox.Triple(arm, HCC.armOf, study),
        ox.Triple(arm, HCC.hasDose, dose),
        ox.Triple(dose, RDF.type, HCC.Dose),
        ox.Triple(dose, HCC.doseAmount, ox.Literal("400", datatype=dec)),
        ox.Triple(study, HCC.hasEnrollment, fig_study),
        ox.Triple(fig_study, HCC.enrollmentCount, ox.Literal(50)),
        ox.Triple(arm, HCC.hasEnrollment, fig_arm),
        ox.Triple(fig_arm, HCC.enrollmentCount, ox.Literal(60)),
        ox.Triple(fig_arm, HCC.enrollmentKind, r("enrollment-kind", "actual")),
    ]
    store = memory_store()
    store.replace_graph(iris.graph("ctgov/NCT99999999"), triples)
    return store


@pytest.mark.parametrize("name", CHECKS)
def test_each_check_fires_on_its_fixture_and_is_empty_on_the_review(name, broken_graph, review_store):
    rows = run(broken_graph, name)
    assert len(rows) == 1, rows
    assert run(review_store, name) == []
