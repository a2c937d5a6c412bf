"""Query text for a SPARQL server: the query's form, and variables bound by a VALUES block.

Both read the text with the ground tokenizer (``hcckg.ground.tokens``), so keywords and
braces inside strings, IRIs and comments do not count. No caller text is ever pasted into a
query: bound values are terms that pyoxigraph serialised.
"""

from __future__ import annotations

import re
from typing import Any

import pyoxigraph as ox

from hcckg.ground.errors import QueryRejected
from hcckg.ground.tokens import code_only

_FORM = re.compile(r"(?<![\w?$:])(SELECT|CONSTRUCT|DESCRIBE|ASK)(?![\w:])", re.IGNORECASE)
_VARNAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\u00b7\u00c0-\uffff]*")


def query_form(sparql: str) -> str | None:
    """The form of answer a query asks for, named as ``graph.store.result_form`` names
    results: ``"solutions"`` (SELECT), ``"boolean"`` (ASK), ``"triples"`` (CONSTRUCT,
    DESCRIBE); None when the text names no query form (the server will say why)."""
    found = _FORM.search(code_only(sparql))
    if found is None:
        return None
    keyword = found.group(1).upper()
    return {"SELECT": "solutions", "ASK": "boolean"}.get(keyword, "triples")


def _where_brace(sparql: str) -> int:
    """The offset of the ``{`` that opens the query's WHERE group, or -1. Comments,
    strings and IRIs are blanked first (same length), so braces in them do not count."""
    text = code_only(sparql)
    form = _FORM.search(text)
    if form is None:
        return -1
    depth_paren = 0
    skip_template = form.group(1).upper() == "CONSTRUCT"
    i = form.end()
    while i < len(text):
        char = text[i]
        if char == "(":
            depth_paren += 1
        elif char == ")":
            depth_paren -= 1
        elif char == "{" and depth_paren == 0:
            if not skip_template:
                return i
            # The CONSTRUCT template: skip it to its closing brace.
            depth = 0
            while i < len(text):
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                if depth == 0:
                    break
                i += 1
            skip_template = False
        i += 1
    return -1


def _sparql_term(name: str, term: Any) -> str:
    if not _VARNAME.fullmatch(name):
        raise QueryRejected(f"{name!r} is not a SPARQL variable name")
    if isinstance(term, ox.NamedNode | ox.Literal):
        return str(term)  # pyoxigraph's N-Triples form, escaped: valid SPARQL
    raise QueryRejected(f"?{name} can only be bound to an IRI or a literal on a remote store, not {term!r}")


def bind(sparql: str, substitutions: dict[str, Any], *, style: str = "values") -> str:
    """``sparql`` with each variable bound to its term by a VALUES block opening the WHERE
    group (the same effect as pyoxigraph's ``substitutions`` for hcckg's queries, except
    inside sub-SELECTs, which do not see outer bindings). ``style="bind"`` opens it with
    ``BIND(term AS ?var)`` instead, the same solutions: Virtuoso 7.2 never finished
    ``search.rq`` with the VALUES block (graph/engines.py)."""
    if not substitutions:
        return sparql
    names = list(substitutions)
    terms = [_sparql_term(n, substitutions[n]) for n in names]
    if style == "bind":
        block = " " + " ".join(f"BIND({t} AS ?{n})" for n, t in zip(names, terms, strict=True)) + " "
    else:
        block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({' '.join(terms)}) }} "
    at = _where_brace(sparql)
    if at < 0:
        raise QueryRejected("cannot bind variables: the query has no WHERE group")
    return sparql[: at + 1] + block + sparql[at + 1 :]
