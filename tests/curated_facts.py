"""Reading the curated facts back from a store: values of one subject's property as one
source states them (through the provenance statements), and the drugs of each arm."""

from __future__ import annotations

from pyoxigraph import NamedNode

from hcckg.ground import iris
from hcckg.ground.terms import HCC

T1, T2, T3, TEXT = "ascari-2026-table-1", "ascari-2026-table-2", "ascari-2026-table-3", "ascari-2026"

FACTS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT * WHERE { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; dcterms:source ?src . }
"""


def short(term) -> str:
    text = term.value
    return text.rsplit("/", 1)[-1] if isinstance(term, NamedNode) else text


def facts(store, subject: NamedNode, prop: NamedNode, source: str) -> set[str]:
    """Values of one property of one subject as one source states them."""
    rows = store.select(
        FACTS, substitutions={"s": subject, "p": prop, "src": iris.resource("source", source)}
    )
    return {short(r["o"]) for r in rows}


def arm_drugs(store, study: NamedNode, source: str) -> set[frozenset[str]]:
    """The set of drugs of each arm of a study, as a source states them."""
    rows = store.select(
        """PREFIX hcc: <https://w3id.org/hcckg/ontology/>
        SELECT * WHERE { ?study hcc:hasArm ?arm . ?arm hcc:includesAgent ?drug . }""",
        substitutions={"study": study},
    )
    arms: dict[str, set[str]] = {}
    for row in rows:
        if facts(store, row["arm"], HCC.includesAgent, source) >= {short(row["drug"])}:
            arms.setdefault(row["arm"].value, set()).add(short(row["drug"]))
    return {frozenset(d) for d in arms.values()}
