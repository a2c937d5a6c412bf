"""One name normaliser and one provenance emitter for every stage (hcckg/ground/names.py,
hcckg/ground/provenance.py): the places that used to keep their own copies call them, and
they agree about Greek letters."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox

from hcckg.ground import iris, names
from hcckg.ground.provenance import statement_triples
from hcckg.ground.terms import DCTERMS, HCC, RDF, RDFS, SKOS
from hcckg.loaders import ctgov
from hcckg.loaders.convert import _Graph
from hcckg.loaders.records import Claim
from hcckg.queries import params

CTGOV = Path(__file__).parent / "data" / "ctgov" / "review" / "NCT04770896.json"


def test_every_stage_uses_the_one_normaliser():
    assert ctgov.normalise is names.normalise
    assert params.normalise is names.normalise
    assert iris.slug is names.slug


def test_greek_letters_read_the_same_everywhere():
    for spelling in ("TGF-β1", "TGF-beta1", "tgf beta 1", "TGF-ß1"):
        assert names.normalise(spelling) == "tgfbeta1"
    assert names.slug("TGF-β1 release from GARP") == "tgf-beta1-release-from-garp"
    assert names.normalise("IgG4/κ") == "igg4kappa" and names.normalise("Évaluation") == "evaluation"
    # Keys minted from ASCII text keep their form (existing IRIs do not move).
    assert names.slug("Atezolizumab + Bevacizumab (AB)") == "atezolizumab-bevacizumab-ab"
    assert names.slug("ACTIVE_COMPARATOR") == "active-comparator"


def test_registry_names_with_greek_letters_match_curated_agents():
    """The registry matcher used to drop β ("tgf1") while the query parameters spelled it out
    ("tgfbeta1"): a curated name with a Greek letter now matches however the registry writes it."""
    agent = iris.resource("drug", "anti-tgf-b")
    index = ctgov.agent_index(
        [
            ox.Triple(agent, RDF.type, HCC.MonoclonalAntibody),
            ox.Triple(agent, RDFS.label, ox.Literal("anti-TGF-β1 antibody")),
        ]
    )
    assert index[names.normalise("Anti-TGF-beta1 Antibody")] == agent


def _statements(triples: list[ox.Triple]) -> dict[ox.NamedNode, set[ox.Triple]]:
    nodes = {t.subject for t in triples if t.predicate == RDF.type and t.object == RDF.Statement}
    return {n: {t for t in triples if t.subject == n} for n in nodes}


def test_registry_loader_writes_provenance_with_the_one_emitter():
    (record,) = list(ctgov.iter_records(CTGOV))
    triples = ctgov.to_triples(record, {})
    statements = _statements(triples)
    assert statements
    for node, props in statements.items():
        value = {t.predicate: t.object for t in props}
        expected = statement_triples(
            value[RDF.subject], value[RDF.predicate], value[RDF.object], value[DCTERMS.source]
        )
        assert props == set(expected) and node == expected[0].subject


def test_curated_loader_writes_provenance_with_the_one_emitter():
    g = _Graph({})
    s, o = iris.resource("drug", "x"), ox.Literal("x")
    g.fact(s, RDFS.label, o, Claim("x", ("ascari-2026",), 1, "as printed", "misspelt"))
    src = iris.resource("source", "ascari-2026")
    assert set(g.triples) == {
        ox.Triple(s, RDFS.label, o),
        *statement_triples(s, RDFS.label, o, src, note="as printed", issue="misspelt"),
    }
    issue = [t for t in g.triples if t.predicate == SKOS.editorialNote]
    assert [t.object.value for t in issue] == ["misspelt"]
    assert json.dumps([str(t) for t in g.triples])  # plain terms, serialisable
