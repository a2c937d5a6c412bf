"""Resources as the pages show them: a :class:`View` is one resource's facts grouped by
property, each value with its label, its link and the numbers of the sources that state it
(a :class:`~hcckg.server.facts.Citations` list printed once per page). Values that no
source states and that come from the reasoner's graph are marked *inferred*.

Views are generic: a property the page does not place (a dose, a cohort, a line of
therapy added to the graph later) still appears among the view's ``rest``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from hcckg.ground.terms import RDF, RDFS, SKOS, ontology_ns
from hcckg.server import web
from hcckg.server.facts import LIMIT, Citations, labels, sources, values

INFERRED_GRAPH = "graph/inferred"
# Properties that should have one value: several values from different sources are a
# disagreement the page shows (the same list as queries/gaps_conflicting_values.rq).
SINGLE_VALUED = (
    "enrollment", "value", "ciLower", "ciUpper", "hasPhase", "hasStatus", "hasDesign", "nctId",
    "agentCount", "lineOfTherapy",
)  # fmt: skip
HIDDEN = {RDF + "type", RDFS + "label", SKOS + "altLabel", SKOS + "definition", RDFS + "comment"}


@dataclass
class Value:
    term: ox.Term
    text: str
    iri: str | None = None
    cites: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    inferred: bool = False

    @property
    def href(self) -> str | None:
        return web.href(self.iri) if self.iri else None

    @property
    def number(self) -> float | None:
        if isinstance(self.term, ox.Literal):
            try:
                return float(self.term.value)
            except ValueError:
                return None
        return None


@dataclass
class View:
    iri: str
    label: str
    by: dict[str, list[Value]]
    names: dict[str, str]  # property IRI -> its label

    def all(self, local: str) -> list[Value]:
        return self.by.get(ontology_ns() + local) or self.by.get(local, [])

    def one(self, local: str) -> Value | None:
        found = self.all(local)
        return found[0] if found else None

    def text(self, local: str) -> str:
        return ", ".join(v.text for v in self.all(local))

    @property
    def key(self) -> str:
        return web.tail(self.iri)

    @property
    def kind(self) -> str:
        rest = self.iri.split("/resource/", 1)[-1]
        return rest.split("/", 1)[0] if "/" in rest else ""

    @property
    def href(self) -> str | None:
        return web.href(self.iri)

    @property
    def synonyms(self) -> list[str]:
        return sorted({v.text for v in self.by.get(SKOS + "altLabel", [])}, key=str.lower)

    @property
    def definitions(self) -> list[str]:
        return [v.text for p in (SKOS + "definition", RDFS + "comment") for v in self.by.get(p, [])]

    @property
    def types(self) -> list[Value]:
        return self.by.get(RDF + "type", [])

    def rest(self, shown: Iterable[str] = ()) -> list[tuple[str, list[Value]]]:
        """The properties not placed elsewhere on the page, by their labels."""
        placed = HIDDEN | {ontology_ns() + s if "/" not in s else s for s in shown}
        return sorted(
            ((self.names.get(p) or web.curie(p), vs) for p, vs in self.by.items() if p not in placed),
            key=lambda item: item[0].lower(),
        )

    def disagreements(self) -> list[tuple[str, list[Value]]]:
        """Single-valued properties with several values from different sources."""
        found = []
        for local in SINGLE_VALUED:
            stated = [v for v in self.all(local) if v.sources]
            if len({str(v.term) for v in stated}) > 1:
                disjoint = all(
                    not set(a.sources) & set(b.sources) for a in stated for b in stated if a is not b
                )
                if disjoint:
                    found.append((self.names.get(ontology_ns() + local) or local, stated))
        return found


def _graph_facts(store, subjects: list[str]) -> list[tuple[str, ox.NamedNode, ox.Term, str | None]]:
    sparql = f"""SELECT ?s ?p ?o ?g WHERE {{ VALUES ?s {{ {values(subjects)} }}
      GRAPH ?g {{ ?s ?p ?o }} }} ORDER BY ?s ?p ?o LIMIT {LIMIT}"""
    return [(r["s"].value, r["p"], r["o"], r["g"].value) for r in store.query(sparql)]


def views(store, subjects: Iterable[ox.NamedNode | str], citations: Citations) -> dict[str, View]:
    """The views of several resources with four queries, whatever their number."""
    iris = sorted({s.value if isinstance(s, ox.NamedNode) else s for s in subjects})
    if not iris:
        return {}
    rows = _graph_facts(store, iris)
    stated = sources(store, iris)
    named = labels(
        store,
        {s for s, _, _, _ in rows}
        | {p.value for _, p, _, _ in rows}
        | {o.value for _, _, o, _ in rows if isinstance(o, ox.NamedNode)},
    )
    inferred_graph = web.base() + INFERRED_GRAPH
    by: dict[str, dict[str, dict[str, Value]]] = defaultdict(lambda: defaultdict(dict))
    for s, p, o, g in rows:
        values_of = by[s][p.value]
        key = str(o)
        if key in values_of:  # the same fact in several graphs
            values_of[key].inferred &= g == inferred_graph
            continue
        srcs = stated.get((s, p.value, key), [])
        if isinstance(o, ox.NamedNode):
            value = Value(o, named.get(o.value) or web.tail(o.value), o.value)
        elif isinstance(o, ox.Literal):
            value = Value(o, o.value)
        else:
            value = Value(o, "(anonymous node)")
        value.sources, value.cites = srcs, citations.cite(srcs)
        value.inferred = not srcs and g == inferred_graph
        values_of[key] = value
    out = {}
    for iri in iris:
        grouped = {p: list(vs.values()) for p, vs in by.get(iri, {}).items()}
        out[iri] = View(iri, named.get(iri) or web.tail(iri), grouped, named)
    return out


def view(store, iri: ox.NamedNode, citations: Citations) -> View:
    return views(store, [iri], citations)[iri.value]


def linked_to(store, iri: ox.NamedNode, predicate: str) -> list[str]:
    """Subjects that link to ``iri`` by ``predicate`` (an hcckg property's local name)."""
    sparql = f"SELECT ?this ?s WHERE {{ ?s <{ontology_ns()}{predicate}> ?this }} LIMIT {LIMIT}"
    return [r["s"].value for r in store.query(sparql, substitutions={"this": iri})]


def objects(many: Iterable[View], local: str) -> list[str]:
    return sorted({v.iri for view in many for v in view.all(local) if v.iri})


def sort_by_label(many: Iterable[View]) -> list[View]:
    return sorted(many, key=lambda v: v.label.lower())
