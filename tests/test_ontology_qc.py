"""The QC checks pass on the ontology, and each one fires on a copy broken on purpose."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from hcckg.graph.store import memory_store
from hcckg.ground.errors import QuerySyntaxError
from hcckg.ontology.tbox import ontology_triples
from hcckg.queries.checks import QC_DIR, load_check, run_checks

FIXTURES = Path(__file__).parent / "data" / "ontology"
CHECKS = sorted(QC_DIR.glob("ontology-*-violation.rq"))
GRAPH = ox.NamedNode("https://w3id.org/hcckg/graph/ontology")


def _store(triples):
    store = memory_store()
    store.replace_graph(GRAPH, triples)
    return store


def test_checks_have_headers():
    assert CHECKS
    for path in CHECKS:
        check = load_check(path)
        assert check.name and check.description and check.severity == "error"


def test_the_ontology_passes_every_check():
    findings = run_checks(_store(ontology_triples()), CHECKS)
    assert findings == []


@pytest.mark.parametrize("path", CHECKS, ids=lambda p: p.stem)
def test_each_check_fires_on_its_broken_fixture(path):
    check = load_check(path)
    fixture = FIXTURES / f"qc-{check.name}.ttl"
    store = _store(list(ox.parse(path=str(fixture))))
    fired = run_checks(store, [path])
    assert fired, f"{check.name} did not fire on {fixture.name}"
    assert {f.check for f in fired} == {check.name}
    # Every other check stays silent, so the fixture breaks exactly one thing.
    others = run_checks(store, [p for p in CHECKS if p != path])
    assert others == [], [str(f) for f in others]


def test_a_broken_check_names_its_file(tmp_path):
    bad = tmp_path / "bad-violation.rq"
    bad.write_text("#+ name: bad\nSELECT ?x WHERE { ?x ", encoding="utf-8")
    with pytest.raises(QuerySyntaxError, match="bad-violation.rq"):
        run_checks(memory_store(), [bad])
