"""The benchmark's synthetic data: deterministic, valid N-Quads, in the ontology's shape."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox
import pytest

from hcckg.bench.generate import generate, parse_scale
from hcckg.ground import iris
from hcckg.ground.terms import DCTERMS, HCC, RDF

TARGET = 6_000  # above the vocabulary (ontology, drugs, targets, their explanations) so that trials follow


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    path = tmp_path_factory.mktemp("bench") / "sample.nq"
    return path, generate(path, TARGET)


@pytest.fixture(scope="module")
def store(sample) -> ox.Store:
    store = ox.Store()
    store.load(path=str(sample[0]), format=ox.RdfFormat.N_QUADS)
    return store


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_same_bytes_other_seed_other_bytes(sample, tmp_path: Path) -> None:
    path, _ = sample
    generate(tmp_path / "again.nq", TARGET)
    generate(tmp_path / "other.nq", TARGET, seed=1)
    assert _digest(tmp_path / "again.nq") == _digest(path)
    assert _digest(tmp_path / "other.nq") != _digest(path)


def test_counts_match_the_file_and_reach_the_target(sample, store: ox.Store) -> None:
    _, counts = sample
    assert counts.total == len(store) >= TARGET
    assert (
        counts.total < TARGET + 400
    )  # stops after the trial that reached the target (one trial: < 400 quads)
    for name, count in counts.graphs.items():
        assert sum(1 for _ in store.quads_for_pattern(None, None, None, ox.NamedNode(name))) == count


def test_every_trial_has_two_arms_with_agents_and_outcomes(sample, store: ox.Store) -> None:
    rows = list(
        store.query(
            f"""SELECT ?trial (COUNT(DISTINCT ?arm) AS ?arms) (COUNT(DISTINCT ?outcome) AS ?outcomes)
               WHERE {{ ?trial a <{HCC.iri("ClinicalTrial")}> ; <{HCC.iri("hasArm")}> ?arm .
                        ?arm <{HCC.iri("includesAgent")}> ?drug . ?outcome <{HCC.iri("outcomeOfArm")}> ?arm .
                        ?drug <{HCC.iri("inhibits")}> ?target . ?target <{HCC.iri("drivesMechanism")}> ?mech }}
               GROUP BY ?trial""",
            use_default_graph_as_union=True,
        )
    )
    assert len(rows) == sample[1].trials
    assert all(int(r["arms"].value) == 2 and int(r["outcomes"].value) == 4 for r in rows)
    assert str(rows[0]["trial"].value).startswith(iris.resource("trial", "x").value[:-1])


def test_statement_nodes_carry_their_triple_and_source(store: ox.Store) -> None:
    statements = list(store.quads_for_pattern(None, RDF.type, RDF.Statement))
    assert statements
    for quad in statements[:200]:
        st = quad.subject

        def one(prop: str, st=st):
            (q,) = list(store.quads_for_pattern(st, ox.NamedNode(prop), None))
            return q.object

        s, p, o = one(RDF + "subject"), one(RDF + "predicate"), one(RDF + "object")
        source = one(DCTERMS + "source")
        assert st == iris.statement(s, p, o, source)
        assert list(store.quads_for_pattern(s, p, o)), "the stated triple is asserted"


def test_scale_names() -> None:
    assert parse_scale("100k") == 100_000 and parse_scale("1M") == 1_000_000 and parse_scale("500") == 500
    with pytest.raises(ValueError, match="unknown scale"):
        parse_scale("huge")
