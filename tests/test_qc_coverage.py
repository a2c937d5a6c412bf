"""Every QC check in queries/qc/ fires on a fixture made to trigger it: a check that never
fired proves nothing (the ODK and MONDO rule). Adding a check means adding its fixture:
``tests/data/qc/<name>.trig`` (any graphs), or ``tests/data/ontology/qc-<name>.ttl`` for a
check of the ontology's own terms (loaded as the ontology graph)."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from hcckg.graph.store import memory_store
from hcckg.ground import iris
from hcckg.queries.checks import check_paths, load_check, run_checks

DATA = Path(__file__).parent / "data"


def _fixture(name: str) -> Path:
    for candidate in (DATA / "qc" / f"{name}.trig", DATA / "ontology" / f"qc-{name}.ttl"):
        if candidate.exists():
            return candidate
    pytest.fail(f"QC check {name!r} has no fixture: add tests/data/qc/{name}.trig that makes it fire")


def _store(fixture: Path):
    store = memory_store()
    if fixture.suffix == ".trig":
        store.inner.load(path=str(fixture), format=ox.RdfFormat.TRIG)
    else:
        store.replace_graph(iris.graph("ontology"), ox.parse(path=str(fixture), format=ox.RdfFormat.TURTLE))
    return store


@pytest.mark.parametrize("path", check_paths(), ids=lambda p: p.stem)
def test_every_check_fires_on_its_fixture(path):
    check = load_check(path)
    fired = run_checks(_store(_fixture(check.name)), [path])
    assert fired, f"{check.name} did not fire on its fixture"


def test_every_fixture_belongs_to_a_check():
    names = {load_check(p).name for p in check_paths()}
    orphans = sorted(p.stem for p in (DATA / "qc").glob("*.trig") if p.stem not in names)
    assert orphans == []
