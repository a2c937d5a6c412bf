"""Turn the friendly values people type into checked RDF terms for a named query.

A resource may be given as a full IRI, its key (``lenvatinib``), a label or a synonym,
in any case and with or without accents or punctuation. The value is looked up among the
resources of the parameter's kinds *in the graph*; what comes back is a term to bind with
pyoxigraph's ``substitutions``, never text to paste into a query. Unknown values raise
:class:`UnknownParameter` with the closest names.
"""

from __future__ import annotations

import difflib

import pyoxigraph as ox

from hcckg.ground.errors import UnknownParameter
from hcckg.ground.iris import KINDS
from hcckg.ground.names import normalise
from hcckg.ground.settings import base_iri
from hcckg.ground.terms import DEFAULT_ONTOLOGY_NS, HCC, ontology_ns
from hcckg.queries.catalogue import NamedQuery, Parameter

MAX_TEXT = 200
MIN_PARTIAL = 3

_CANDIDATES = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX hcc: <https://w3id.org/hcckg/ontology/>
SELECT DISTINCT ?s ?name ?prefix WHERE {
  ?s rdfs:label|skos:altLabel|skos:prefLabel|hcc:developerCode|hcc:acronym ?name .
  FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?prefix))
}
"""
_EXISTS = "SELECT ?s WHERE { ?s ?p ?o } LIMIT 1"


def unknown(message: str, suggestions: list[str] | None = None) -> UnknownParameter:
    """The error for an unknown value; each surface shows ``suggestions`` its own way
    (server/errors.py for HTTP, queries/cli.py for the command line)."""
    return UnknownParameter(message, suggestions or [])


def candidates(store, kind: str) -> dict[str, set[str]]:
    """Resources of one kind: IRI -> the names it answers to (key, labels, synonyms)."""
    prefix = f"{base_iri()}resource/{kind}/"
    found: dict[str, set[str]] = {}
    sparql = _CANDIDATES.replace(DEFAULT_ONTOLOGY_NS, ontology_ns())
    for row in store.query(sparql, substitutions={"prefix": ox.Literal(prefix)}):
        iri = row["s"].value
        found.setdefault(iri, {iri[len(prefix) :]}).add(row["name"].value)
    return found


def _resolve_iri(store, param: Parameter, value: str) -> ox.NamedNode:
    text = value.strip()
    if text.startswith(("http://", "https://")):
        prefixes = tuple(f"{base_iri()}resource/{k}/" for k in param.kinds)
        try:
            node = ox.NamedNode(text)
        except ValueError as err:
            raise unknown(f"{param.name}: {text!r} is not a valid IRI") from err
        if text.startswith(prefixes) and list(store.query(_EXISTS, substitutions={"s": node})):
            return node
        raise unknown(
            f"{param.name}: <{text}> is not a {' or '.join(param.kinds)} in the graph",
            _suggest(store, param, text.rsplit("/", 1)[-1]),
        )
    wanted = normalise(text)
    partial: set[str] = set()
    # Kinds are tried in the order the query lists them: for ``[drug, regimen]`` the drug
    # "lenvatinib" wins over the one-drug regimen of the same name.
    for kind in param.kinds:
        if kind not in KINDS:
            raise unknown(f"{param.name}: the query names an unknown kind {kind!r}")
        matches: set[str] = set()
        for iri, names in candidates(store, kind).items():
            normalised = [normalise(n) for n in names]
            if wanted in normalised:
                matches.add(iri)
            elif len(wanted) >= MIN_PARTIAL and any(wanted in n for n in normalised):
                partial.add(iri)
        if len(matches) == 1:
            return ox.NamedNode(matches.pop())
        if len(matches) > 1:
            raise unknown(f"{param.name}: {text!r} is ambiguous", sorted(matches))
    # A fragment that names exactly one resource ("wnt") is as good as its full name.
    if len(partial) == 1:
        return ox.NamedNode(partial.pop())
    raise unknown(
        f"{param.name}: no {' or '.join(param.kinds)} is called {text!r}", _suggest(store, param, text)
    )


def _suggest(store, param: Parameter, text: str) -> list[str]:
    names: dict[str, str] = {}
    for kind in param.kinds:
        if kind in KINDS:
            for iri, labels in candidates(store, kind).items():
                key = iri.rsplit("/", 1)[-1]
                # Labels as curated first, so "Lenvatinib" is offered rather than its key.
                for label in sorted(labels - {key}) + [key]:
                    names.setdefault(label.lower(), label)
    close = difflib.get_close_matches(text.lower(), list(names), n=5, cutoff=0.5)
    # A fragment ("wnt") is too short for difflib against long labels: offer names containing it.
    wanted = normalise(text)
    containing = [n for n in names if wanted and wanted in normalise(n) and n not in close]
    return [names[c] for c in close + sorted(containing)[: max(0, 5 - len(close))]]


def _resolve_enum(param: Parameter, value: str) -> ox.NamedNode:
    wanted = normalise(value)
    for key, term in param.values.items():
        if normalise(key) == wanted or normalise(term.removeprefix("hcc:")) == wanted:
            return getattr(HCC, term.removeprefix("hcc:"))
    close = difflib.get_close_matches(value.lower(), [k.lower() for k in param.values], n=5, cutoff=0.4)
    raise unknown(
        f"{param.name}: {value!r} is not one of {', '.join(param.values)}",
        close or list(param.values),
    )


def resolve_value(store, param: Parameter, value: str) -> ox.NamedNode | ox.Literal:
    """One parameter value as a checked term."""
    if param.type == "iri-of-kind":
        return _resolve_iri(store, param, value)
    if param.type == "enum":
        return _resolve_enum(param, value)
    if param.type == "integer":
        try:
            return ox.Literal(int(value.strip()))
        except ValueError as err:
            raise unknown(f"{param.name}: {value!r} is not a whole number") from err
    if len(value) > MAX_TEXT:
        raise unknown(f"{param.name}: text longer than {MAX_TEXT} characters")
    text = normalise(value) if param.normalise else value
    if param.normalise and not text:
        raise unknown(f"{param.name}: {value!r} has no letters or digits to look for")
    return ox.Literal(text)


def resolve(store, query: NamedQuery, raw: dict[str, str]) -> dict[str, ox.NamedNode | ox.Literal]:
    """All parameter values of one call: unknown names and missing required ones are errors."""
    strangers = sorted(set(raw) - {p.name for p in query.parameters})
    if strangers:
        names = [p.name for p in query.parameters]
        suggestions = sorted({m for u in strangers for m in difflib.get_close_matches(u, names)})
        raise unknown(
            f"{query.name} has no parameter {', '.join(strangers)}; it takes: {', '.join(names) or 'none'}",
            suggestions,
        )
    bound: dict[str, ox.NamedNode | ox.Literal] = {}
    for param in query.parameters:
        value = raw.get(param.name)
        if value is None or value == "":
            if param.required:
                example = f" (e.g. {param.name}={param.example})" if param.example else ""
                raise unknown(f"{query.name} needs the parameter {param.name}{example}")
            continue
        bound[param.name] = resolve_value(store, param, value)
    return bound
