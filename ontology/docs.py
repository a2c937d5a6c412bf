"""``render_html(triples)``: one readable HTML page of every class, property and value
individual, with an anchor per term (``#TherapeuticAgent``) so that term IRIs can redirect to
their place on the page. Class expressions are shown in Manchester-like syntax."""

from __future__ import annotations

import html
from collections import defaultdict

import pyoxigraph as ox

from hcckg.ground.terms import DCTERMS, OWL, RDF, RDFS, SKOS

_T = RDF + "type"


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


def render_html(triples: list[ox.Triple]) -> str:
    """The ontology as one HTML page."""
    g = _Graph(list(triples))
    ontologies = g.subjects_of_type(OWL + "Ontology")
    ont = ontologies[0] if ontologies else None
    ns = ont.value + "/" if ont else ""

    def name(term: ox.Term) -> str:
        if isinstance(term, ox.NamedNode):
            if ns and term.value.startswith(ns):
                local = term.value[len(ns) :]
                return f'<a href="#{_e(local)}">{_e(local)}</a>'
            for prefix, iri in (
                ("owl:", OWL),
                ("xsd:", "http://www.w3.org/2001/XMLSchema#"),
                ("rdfs:", RDFS),
            ):
                if term.value.startswith(iri):
                    return _e(prefix + term.value[len(iri) :])
            return f'<a href="{_e(term.value)}">{_e(_tail(term.value))}</a>'
        if isinstance(term, ox.Literal):
            return _e(term.value)
        return expression(term)

    def expression(node: ox.Term) -> str:
        """A class expression (blank node) in Manchester-like syntax."""
        if not isinstance(node, ox.BlankNode):
            return name(node)
        for key, word in ((OWL + "intersectionOf", " and "), (OWL + "unionOf", " or ")):
            members = g.items(g.one(node, key))
            if members:
                return "(" + word.join(expression(m) for m in members) + ")"
        one_of = g.items(g.one(node, OWL + "oneOf"))
        if one_of:
            return "{" + ", ".join(name(m) for m in one_of) + "}"
        on_datatype = g.one(node, OWL + "onDatatype")
        if on_datatype is not None:
            facets = []
            for facet in g.items(g.one(node, OWL + "withRestrictions")):
                for predicate, values in g.out.get(facet, {}).items():
                    facets += [f"{_e(_tail(predicate))} {name(v)}" for v in values]
            return f"{name(on_datatype)}[{', '.join(facets)}]"
        prop = g.one(node, OWL + "onProperty")
        if prop is not None:
            p = name(prop)
            for key, word in (
                (OWL + "someValuesFrom", "some"),
                (OWL + "allValuesFrom", "only"),
                (OWL + "hasValue", "value"),
            ):
                filler = g.one(node, key)
                if filler is not None:
                    return f"({p} {word} {expression(filler)})"
            for key, word in (
                (OWL + "minQualifiedCardinality", "min"),
                (OWL + "maxQualifiedCardinality", "max"),
                (OWL + "qualifiedCardinality", "exactly"),
            ):
                n = g.one(node, key)
                if n is not None:
                    return f"({p} {word} {_e(n.value)} {expression(g.one(node, OWL + 'onClass'))})"
        return "[anonymous]"

    def term_section(term: ox.NamedNode, kind: str) -> str:
        local = term.value[len(ns) :] if term.value.startswith(ns) else term.value
        label = g.one(term, RDFS + "label")
        rows = [("IRI", f"<code>{_e(term.value)}</code>")]
        definition = g.one(term, SKOS + "definition")
        if definition is not None:
            rows.append(("Definition", _e(definition.value)))
        alt = sorted(a.value for a in g.objects(term, SKOS + "altLabel"))
        if alt:
            rows.append(("Synonyms", ", ".join(_e(a) for a in alt)))
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
                rows.append((title, "<br>".join(expression(v) for v in values)))
        for chain in g.objects(term, OWL + "propertyChainAxiom"):
            rows.append(
                ("Property chain", " o ".join(name(p) for p in g.items(chain)) + f" &rarr; {name(term)}")
            )
        inverse_of_me = [s for s, props in g.out.items() if term in props.get(OWL + "inverseOf", [])]
        if inverse_of_me and not g.objects(term, OWL + "inverseOf"):
            rows.append(("Inverse of", ", ".join(name(s) for s in inverse_of_me)))
        for predicate, title in ((SKOS + "exactMatch", "Exact match"), (SKOS + "closeMatch", "Close match")):
            for v in g.objects(term, predicate):
                rows.append((title, name(v)))
        source = g.one(term, DCTERMS + "source")
        if source is not None:
            rows.append(("Source", name(source)))
        body = "".join(f"<tr><th>{t}</th><td>{v}</td></tr>" for t, v in rows)
        title = _e(label.value) if label is not None else _e(local)
        return (
            f'<section class="term" id="{_e(local)}"><h3>{title} <small>{_e(local)}</small></h3>'
            f"<table>{body}</table></section>"
        )

    groups = [
        ("Classes", "class", [c for c in g.subjects_of_type(OWL + "Class") if c.value.startswith(ns)]),
        ("Object properties", "property", g.subjects_of_type(OWL + "ObjectProperty")),
        ("Data properties", "property", g.subjects_of_type(OWL + "DatatypeProperty")),
        ("Value individuals", "individual", g.subjects_of_type(OWL + "NamedIndividual")),
    ]
    header = ""
    if ont is not None:
        title = g.one(ont, DCTERMS + "title")
        description = g.one(ont, DCTERMS + "description")
        version = g.one(ont, OWL + "versionIRI")
        license_ = g.one(ont, DCTERMS + "license")
        header = f"<h1>{_e(title.value if title else ont.value)}</h1><p><code>{_e(ont.value)}</code>"
        if version is not None:
            header += f" &middot; version <code>{_e(version.value)}</code>"
        if license_ is not None:
            header += f' &middot; licence <a href="{_e(license_.value)}">{_e(license_.value)}</a>'
        header += "</p>"
        if description is not None:
            header += f"<p>{_e(description.value)}</p>"
    toc = []
    sections = []
    for title, kind, terms in groups:
        anchor = title.lower().replace(" ", "-")
        toc.append(f'<li><a href="#{anchor}">{title}</a> ({len(terms)})</li>')
        sections.append(f'<h2 id="{anchor}">{title}</h2>' + "".join(term_section(t, kind) for t in terms))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{_e(_tail(ont.value) if ont else 'ontology')}</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
        "table{border-collapse:collapse;width:100%}th{text-align:left;width:9em;vertical-align:top}"
        "td,th{padding:.2em .4em;border-bottom:1px solid #ddd}section.term{margin:1.2em 0}"
        "small{color:#666;font-weight:normal}</style></head><body>"
        f"{header}<ul>{''.join(toc)}</ul>{''.join(sections)}</body></html>\n"
    )


def _tail(iri: str) -> str:
    return iri.rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


def _e(text: str) -> str:
    return html.escape(text, quote=True)


__all__ = ["render_html"]
