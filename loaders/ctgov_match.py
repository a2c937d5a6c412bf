"""Matching ClinicalTrials.gov interventions to curated agents: an index of every curated
agent's normalised label, synonym and developer code, and the names to try for one intervention
(``"Drug: Livmoniplimab dose A"`` → livmoniplimab)."""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox

from hcckg.ground import iris
from hcckg.ground.names import normalise
from hcckg.ground.terms import CLASSES, HCC, RDF, RDFS, SKOS

# "Drug: Atezolizumab" in armGroups[].interventionNames; the prefix is the intervention type.
TYPE_PREFIX_RE = re.compile(r"^\s*[A-Za-z ]+:\s+")
# The agent classes of the ontology: curated drugs are typed with the most specific one, and
# the reasoner's TherapeuticAgent types are not there when the index is built from raw triples.
AGENT_CLASSES = tuple(CLASSES[: CLASSES.index("FaecalMicrobiotaTransplant") + 1])

_AGENT_QUERY = """
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?agent ?name WHERE {
  VALUES ?class { %s }
  ?agent a ?class .
  { ?agent rdfs:label ?name } UNION { ?agent skos:altLabel ?name } UNION { ?agent <%s> ?name }
}
"""


def agent_index(store_or_triples: Any) -> dict[str, ox.NamedNode]:
    """Normalised label, synonym and developer code → curated agent IRI.

    Takes an opened store (anything with ``select``) or an iterable of triples/quads. Agents
    that an earlier registry load created (``resource/drug/ctgov-…``) are left out, so that
    only curated agents are matched."""
    classes = [HCC.iri(c) for c in AGENT_CLASSES]
    names = (RDFS + "label", SKOS + "altLabel", HCC.iri("developerCode"))
    pairs: list[tuple[ox.NamedNode, str]] = []
    if hasattr(store_or_triples, "select"):
        query = _AGENT_QUERY % (" ".join(f"<{c}>" for c in classes), names[2])
        for row in store_or_triples.select(query):
            if isinstance(row.get("name"), ox.Literal):
                pairs.append((row["agent"], row["name"].value))
    else:
        triples = list(store_or_triples)
        wanted = set(classes)
        agents = {
            t.subject for t in triples if t.predicate.value == RDF + "type" and t.object.value in wanted
        }
        pairs = [
            (t.subject, t.object.value)
            for t in triples
            if t.subject in agents and t.predicate.value in names and isinstance(t.object, ox.Literal)
        ]
    prefix = iris.resource("drug", "ctgov-x").value[:-1]
    index: dict[str, ox.NamedNode] = {}
    for agent, name in sorted(pairs, key=lambda p: (p[0].value, p[1])):
        key = normalise(name)
        if key and isinstance(agent, ox.NamedNode) and not agent.value.startswith(prefix):
            index.setdefault(key, agent)
    return index


def candidates(name: str) -> list[str]:
    """Names to try for one intervention name, most specific first: the name, the name
    without a parenthesis and the parenthesis, then its first word ("Livmoniplimab dose A")."""
    out = [name]
    paren = re.match(r"^(.*?)\s*\((.*)\)\s*$", name)
    if paren:
        out += [paren.group(1), paren.group(2)]
    first = name.split()[0] if name.split() else ""
    if len(first) >= 5 and first != name:
        out.append(first)
    return out


def strip_type(name: str) -> str:
    """``"Drug: Atezolizumab"`` → ``"Atezolizumab"``."""
    return TYPE_PREFIX_RE.sub("", name, count=1).strip()


def match(part: str, other_names: list[str], index: dict[str, ox.NamedNode]) -> ox.NamedNode | None:
    """The curated agent one intervention (or one part of an "A + B" name) names, if any."""
    tries = candidates(part) + other_names
    return next((index[k] for k in map(normalise, tries) if k in index), None)
