"""What the benchmark asks: every named query, a DESCRIBE of a trial, and a runaway query.

A named query's parameters are bound to a synthetic resource of the right kind (see
bench/generate.py). The Oxigraph server has no way to bind variables, so the binding is
written into the text as a ``VALUES`` block opening the WHERE clause, with the term
serialised by pyoxigraph; the same text is then run in process, through ``hcckg serve``
and through ``oxigraph serve-read-only``, so the three evaluate exactly the same query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph as ox

from hcckg.ground import iris

SELECT_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"

# A synthetic resource of each kind a parameter may ask for (keys from bench/generate.py).
SYNTHETIC = {
    "mechanism": "syn-mech-0000",
    "target": "syn-target-0000",
    "drug": "syn-drug-00000",
    "childpugh": "A",
    "phase": "phase-2",
    "status": "RECRUITING",
    "trial": "syn-000001",
}

# Every triple pattern joined with every other: runs until the time limit stops it.
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


@dataclass(frozen=True)
class Request:
    name: str
    sparql: str
    accept: str
    binding: str = ""  # "parameter=key" when a parameter is bound
    # Cold: under wrk every request is another text (DESCRIBE of trial n mod ``rotate``,
    # with the request's number in a comment), so no answer cache can answer it.
    rotate: int = 0


def bind(sparql: str, name: str, term: ox.NamedNode) -> str:
    """``sparql`` with ``?name`` bound to ``term`` by a VALUES block opening its WHERE clause."""
    match = _WHERE.search(sparql)
    if match is None:
        raise ValueError(f"no WHERE clause to bind ?{name} in")
    return f"{sparql[: match.end()]}\n  VALUES ?{name} {{ {term} }}{sparql[match.end() :]}"


def named_queries() -> list[Request]:
    """Each named query of the catalogue, its first bindable parameter bound."""
    from hcckg.queries.catalogue import load_catalogue

    requests = []
    for name, query in load_catalogue().items():
        param = next(
            (p for p in query.parameters if p.type == "iri-of-kind" and p.kinds and p.kinds[0] in SYNTHETIC),
            None,
        )
        if param is None:
            requests.append(Request(name, query.sparql, SELECT_JSON))
            continue
        key = SYNTHETIC[param.kinds[0]]
        term = iris.resource(param.kinds[0], key)
        requests.append(
            Request(name, bind(query.sparql, param.name, term), SELECT_JSON, f"{param.name}={key}")
        )
    return requests


def describe_trial() -> Request:
    trial = iris.resource("trial", SYNTHETIC["trial"])
    return Request("describe-trial", f"DESCRIBE {trial}", N_TRIPLES, f"trial={SYNTHETIC['trial']}")


def describe_cold(trials: int) -> Request:
    """DESCRIBE of another trial on every request (``rotate``): answers made afresh."""
    first = describe_trial()
    return Request(
        "describe-cold", first.sparql, N_TRIPLES, f"trial=syn-1..{trials}, a new text each", trials
    )


def workload(trials: int = 0) -> list[Request]:
    """Every named query and the DESCRIBE of one trial, asked again and again (warm: after
    the first, answered from the cache), and DESCRIBE of rotating trials (cold)."""
    cold = [describe_cold(trials)] if trials else []
    return [*named_queries(), describe_trial(), *cold]
