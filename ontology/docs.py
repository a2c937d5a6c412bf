"""The ontology's documentation: :func:`ontology_model` reads the triples into what the page
shows (a class tree, properties with domain and range, every term with an anchor such as
``#TherapeuticAgent`` so that term IRIs can point to their place on the page; class
expressions in Manchester-like syntax); the Jinja2 templates in ``ontology/templates/``
render it: ``ontology_body.html`` inside the site's page (server/templates/ontology.html),
``ontology_standalone.html`` for the release file (:func:`render_html`).

A rendered expression is a list of tokens: ``{"text": ...}`` plain text, plus ``"anchor"``
(a term of the ontology, linked on the page) or ``"iri"`` (an outside term).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import jinja2
import pyoxigraph as ox

from hcckg.ground.terms import DCTERMS, OWL, RDF, RDFS, SKOS

TEMPLATES = Path(__file__).resolve().parent / "templates"
_T = RDF + "type"
_KNOWN = (("owl:", OWL), ("xsd:", "http://www.w3.org/2001/XMLSchema#"), ("rdfs:", RDFS), ("skos:", SKOS))


class _Graph:
    def __init__(self, triples: list[ox.Triple]):
        self.out: dict[ox.Term, dict[str, list[ox.Term]]] = defaultdict(lambda: defaultdict(list))
        for t in triples:
            self.out[t.subject][t.predicate.value].append(t.object)

    def objects(self, subject: ox.Term, predicate: str) -> list[ox.Term]:
        return self.out.get(subject, {}).get(predicate, [])

    def one(self, subject: ox.Term, predicate: str) -> ox.Term | None:
        values = self.objects(subject, predicate)
        return values[0] if values else None

    def subjects_of_type(self, kind: str) -> list[ox.NamedNode]:
        node = ox.NamedNode(kind)
        found = [
            s for s, props in self.out.items() if isinstance(s, ox.NamedNode) and node in props.get(_T, [])
        ]
        return sorted(found, key=lambda s: s.value)

    def items(self, head: ox.Term | None) -> list[ox.Term]:
        values = []
        while head is not None and head != RDF.nil:
            first = self.one(head, RDF + "first")
            if first is not None:
                values.append(first)
            head = self.one(head, RDF + "rest")
        return values


class _Reader:
    def __init__(self, triples: list[ox.Triple]):
        self.g = _Graph(list(triples))
        ontologies = self.g.subjects_of_type(OWL + "Ontology")
        self.ont = ontologies[0] if ontologies else None
        self.ns = self.ont.value + "/" if self.ont else ""

    def local(self, term: ox.NamedNode) -> str | None:
        return term.value[len(self.ns) :] if self.ns and term.value.startswith(self.ns) else None

    def name(self, term: ox.Term) -> list[dict]:
        if isinstance(term, ox.NamedNode):
            local = self.local(term)
            if local is not None:
                return [{"text": local, "anchor": local}]
            for prefix, iri in _KNOWN:
                if term.value.startswith(iri):
                    return [{"text": prefix + term.value[len(iri) :]}]
            return [{"text": _tail(term.value), "iri": term.value}]
        if isinstance(term, ox.Literal):
            return [{"text": term.value}]
        return self.expression(term)

    def expression(self, node: ox.Term) -> list[dict]:
        """A class expression (blank node) in Manchester-like syntax."""
        g, text = self.g, lambda s: [{"text": s}]
        if not isinstance(node, ox.BlankNode):
            return self.name(node)
        for key, word in ((OWL + "intersectionOf", " and "), (OWL + "unionOf", " or ")):
            members = g.items(g.one(node, key))
            if members:
                return text("(") + _join([self.expression(m) for m in members], word) + text(")")
        one_of = g.items(g.one(node, OWL + "oneOf"))
        if one_of:
            return text("{") + _join([self.name(m) for m in one_of], ", ") + text("}")
        on_datatype = g.one(node, OWL + "onDatatype")
        if on_datatype is not None:
            facets = []
            for facet in g.items(g.one(node, OWL + "withRestrictions")):
                for predicate, values in g.out.get(facet, {}).items():
                    facets += [text(f"{_tail(predicate)} ") + self.name(v) for v in values]
            return self.name(on_datatype) + text("[") + _join(facets, ", ") + text("]")
        prop = g.one(node, OWL + "onProperty")
        if prop is not None:
            p = self.name(prop)
            for key, word in (
                (OWL + "someValuesFrom", "some"),
                (OWL + "allValuesFrom", "only"),
                (OWL + "hasValue", "value"),
            ):
                filler = g.one(node, key)
                if filler is not None:
                    return text("(") + p + text(f" {word} ") + self.expression(filler) + text(")")
            for key, word in (
                (OWL + "minQualifiedCardinality", "min"),
                (OWL + "maxQualifiedCardinality", "max"),
                (OWL + "qualifiedCardinality", "exactly"),
            ):
                n = g.one(node, key)
                if n is not None:
                    on_class = self.expression(g.one(node, OWL + "onClass"))
                    return text("(") + p + text(f" {word} {n.value} ") + on_class + text(")")
        return text("[anonymous]")

    def term(self, term: ox.NamedNode, kind: str) -> dict:
        g = self.g
        local = self.local(term) or term.value
        label = g.one(term, RDFS + "label")
        rows: list[tuple[str, list[list[dict]]]] = []
        definition = g.one(term, SKOS + "definition")
        if definition is not None:
            rows.append(("Definition", [[{"text": definition.value}]]))
        alt = sorted(a.value for a in g.objects(term, SKOS + "altLabel"))
        if alt:
            rows.append(("Synonyms", [[{"text": ", ".join(alt)}]]))
        for predicate, title in (
            (RDFS + "subClassOf", "Parents"),
            (OWL + "equivalentClass", "Defined as"),
            (OWL + "disjointWith", "Disjoint with"),
            (RDFS + "subPropertyOf", "Parent properties"),
            (RDFS + "domain", "Domain"),
            (RDFS + "range", "Range"),
            (OWL + "inverseOf", "Inverse of"),
            (_T, "Types"),
        ):
            values = [v for v in g.objects(term, predicate) if v != OWL.NamedIndividual]
            if predicate == _T:
                values = [v for v in values if not v.value.startswith(OWL)] if kind == "individual" else []
            if values:
                rows.append((title, [self.expression(v) for v in values]))
        for chain in g.objects(term, OWL + "propertyChainAxiom"):
            tokens = (
                _join([self.name(p) for p in g.items(chain)], " o ") + [{"text": " → "}] + self.name(term)
            )
            rows.append(("Property chain", [tokens]))
        inverse_of_me = [s for s, props in g.out.items() if term in props.get(OWL + "inverseOf", [])]
        if inverse_of_me and not g.objects(term, OWL + "inverseOf"):
            rows.append(("Inverse of", [self.name(s) for s in inverse_of_me]))
        for predicate, title in ((SKOS + "exactMatch", "Exact match"), (SKOS + "closeMatch", "Close match")):
            for v in g.objects(term, predicate):
                rows.append((title, [self.name(v)]))
        source = g.one(term, DCTERMS + "source")
        if source is not None:
            rows.append(("Source", [self.name(source)]))
        return {
            "local": local,
            "iri": term.value,
            "label": label.value if label is not None else local,
            "rows": rows,
        }

    def tree(self, classes: list[ox.NamedNode]) -> list[dict]:
        """Classes under their named parents (a class with several parents is under each)."""
        known = {c.value for c in classes}
        children: dict[str, list[str]] = defaultdict(list)
        roots = []
        for c in classes:
            parents = [
                p.value
                for p in self.g.objects(c, RDFS + "subClassOf")
                if isinstance(p, ox.NamedNode) and p.value in known
            ]
            for p in parents:
                children[p].append(c.value)
            if not parents:
                roots.append(c.value)

        def node(iri: str, seen: frozenset[str]) -> dict:
            label = self.g.one(ox.NamedNode(iri), RDFS + "label")
            kids = [node(k, seen | {iri}) for k in sorted(children[iri]) if k not in seen]
            return {
                "local": iri[len(self.ns) :],
                "label": label.value if label is not None else "",
                "children": kids,
            }

        return [node(r, frozenset()) for r in sorted(roots)]

    def property_row(self, term: ox.NamedNode, kind: str) -> dict:
        g = self.g
        characteristics = [
            _tail(t.value).removesuffix("Property")
            for t in g.objects(term, _T)
            if t.value.startswith(OWL) and t.value not in (OWL + "ObjectProperty", OWL + "DatatypeProperty")
        ]
        return {
            "local": self.local(term) or term.value,
            "kind": kind,
            "domain": [self.expression(v) for v in g.objects(term, RDFS + "domain")],
            "range": [self.expression(v) for v in g.objects(term, RDFS + "range")],
            "characteristics": characteristics,
        }


def ontology_model(triples: list[ox.Triple]) -> dict:
    """Everything the ontology page shows."""
    r = _Reader(triples)
    g, ont = r.g, r.ont
    classes = [c for c in g.subjects_of_type(OWL + "Class") if c.value.startswith(r.ns)]
    object_props = g.subjects_of_type(OWL + "ObjectProperty")
    data_props = g.subjects_of_type(OWL + "DatatypeProperty")
    groups = [
        ("Classes", "classes", [r.term(c, "class") for c in classes]),
        ("Object properties", "object-properties", [r.term(p, "property") for p in object_props]),
        ("Data properties", "data-properties", [r.term(p, "property") for p in data_props]),
        (
            "Value individuals",
            "value-individuals",
            [r.term(i, "individual") for i in g.subjects_of_type(OWL + "NamedIndividual")],
        ),
    ]
    header = {}
    if ont is not None:
        for key, predicate in (("title", DCTERMS["title"]), ("description", DCTERMS.description),
                               ("license", DCTERMS.license), ("version", OWL.versionIRI)):  # fmt: skip
            value = g.one(ont, predicate.value)
            header[key] = value.value if value is not None else None
        header["iri"] = ont.value
    return {
        "header": header,
        "tree": r.tree(classes),
        "properties": [r.property_row(p, "object") for p in object_props]
        + [r.property_row(p, "data") for p in data_props],
        "groups": groups,
    }


def environment() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True)


def render_html(triples: list[ox.Triple]) -> str:
    """The ontology as one standalone HTML page (the release's ``hcckg.html``)."""
    return environment().get_template("ontology_standalone.html").render(o=ontology_model(triples)) + "\n"


def _join(parts: list[list[dict]], word: str) -> list[dict]:
    out: list[dict] = []
    for i, part in enumerate(parts):
        if i:
            out.append({"text": word})
        out += part
    return out


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


__all__ = ["ontology_model", "render_html", "TEMPLATES"]
