"""The QC checks of the mechanism model (queries/qc): each fires on a fixture made to trigger it
-- curated facts that contradict each other, reasoned by the real reasoner, and an inferred link
nobody explains -- and each is empty on the real build."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from hcckg.graph.store import memory_store
from hcckg.ground import iris
from hcckg.ground.settings import PROJECT_ROOT
from hcckg.ground.terms import HCC, PROV, RDF
from hcckg.loaders.curated import load
from hcckg.ontology.reasoning import reason
from hcckg.ontology.tbox import ontology_triples
from hcckg.queries.checks import load_check

QC = PROJECT_ROOT / "queries" / "qc"
FIXTURE = Path(__file__).parent / "data" / "curated" / "mechanism-qc"
CHECKS = ("arises-after-and-addresses-violation", "addresses-and-limited-by-violation",
          "inferred-link-without-support-violation")  # fmt: skip
R = "https://w3id.org/hcckg/resource/"


def run(store, name: str) -> list[dict]:
    return store.select((QC / f"{name}.rq").read_text(encoding="utf-8"))


def _short(term) -> str:
    return term.value.removeprefix(R)


@pytest.fixture(scope="module")
def fixture_store():
    """The fixture's curated facts and what the real reasoner infers from them, plus an
    inferred link written without any explanation and one whose explanation leads nowhere."""
    review = load(FIXTURE)
    inferred = reason(ontology_triples(), review).inferred
    unexplained = ox.Triple(
        ox.NamedNode(R + "drug/drug-b"), HCC.exploitsMechanism, ox.NamedNode(R + "mechanism/limit-of-b")
    )
    hollow = iris.resource("inference", "hollow")
    orphan = ox.Triple(
        ox.NamedNode(R + "drug/drug-a"), HCC.limitedByMechanism, ox.NamedNode(R + "mechanism/limit-of-b")
    )
    inferred += [
        unexplained,
        orphan,
        ox.Triple(hollow, RDF.type, HCC.Inference),
        ox.Triple(hollow, RDF.subject, orphan.subject),
        ox.Triple(hollow, RDF.predicate, orphan.predicate),
        ox.Triple(hollow, RDF.object, orphan.object),
        ox.Triple(hollow, PROV.wasDerivedFrom, iris.resource("statement", "missing")),
    ]
    store = memory_store()
    store.replace_graph(iris.graph("review"), review)
    store.replace_graph(iris.graph("inferred"), inferred)
    return store


@pytest.mark.parametrize("name", CHECKS)
def test_each_check_is_an_error_check_with_a_header(name):
    check = load_check(QC / f"{name}.rq")
    assert check.severity == "error" and check.description and check.name == name


def test_a_regimen_addressing_what_arises_after_it_is_found(fixture_store):
    rows = run(fixture_store, "arises-after-and-addresses-violation")
    assert [(_short(r["regimen"]), _short(r["mechanism"]), _short(r["arisesAfter"])) for r in rows] == [
        ("regimen/regimen-a", "mechanism/escape-after-a", "regimen/any-regimen")
    ]


def test_a_therapy_that_addresses_what_limits_it_is_found(fixture_store):
    rows = run(fixture_store, "addresses-and-limited-by-violation")
    assert [(_short(r["therapy"]), _short(r["mechanism"])) for r in rows] == [
        ("drug/drug-b", "mechanism/limit-of-b")
    ]


def test_an_inferred_link_without_stated_support_is_found(fixture_store):
    rows = run(fixture_store, "inferred-link-without-support-violation")
    found = {
        (_short(r["subject"]), r["predicate"].value.rsplit("/", 1)[-1], _short(r["object"])) for r in rows
    }
    # The reasoner's own links are explained; the two written by hand are not.
    assert found == {
        ("drug/drug-b", "exploitsMechanism", "mechanism/limit-of-b"),
        ("drug/drug-a", "limitedByMechanism", "mechanism/limit-of-b"),
    }


@pytest.mark.parametrize("name", CHECKS)
def test_the_checks_are_empty_on_the_real_build(built_store, name):
    assert run(built_store, name) == []
