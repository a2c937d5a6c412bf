"""The ``search`` blueprint: the landing page is a search box.

- ``/``: the search box (with autocomplete, ``static/site.js``); machines asking the base
  IRI (the dataset) get its VoID description;
- ``/search?q=``: every match, grouped by kind (works without JavaScript);
- ``/api/search?q=&limit=``: the matches as JSON, for the autocomplete.

Names are labels, synonyms, acronyms, developer codes and NCT numbers, compared in the
form of :func:`hcckg.queries.params.normalise` (case, accents, Greek letters and
punctuation ignored: "atezo-bev", "TGF-beta", "MIV-818" find their entity). The names are
read once per store with one query and searched in memory: a keystroke costs no query.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pyoxigraph as ox
from flask import Blueprint, Response, jsonify, render_template, request

from hcckg.ground.terms import HCC, RDFS, SKOS
from hcckg.queries.params import MAX_TEXT, normalise
from hcckg.server import datasets, negotiation, site, web

bp = Blueprint("search", __name__)

# The kinds people search for, in the order results are grouped.
KINDS = ("drug", "regimen", "trial", "study", "target", "mechanism", "process", "endpoint", "source", "arm")
KIND_NAMES = {
    "drug": "Drugs", "regimen": "Regimens", "trial": "Clinical trials", "study": "Observational studies",
    "target": "Targets", "mechanism": "Resistance mechanisms", "process": "Biological processes",
    "endpoint": "Endpoints", "source": "Sources", "arm": "Study arms",
}  # fmt: skip
_NAMES = f"""SELECT ?s ?name ?p WHERE {{
  VALUES ?p {{ <{RDFS.label.value}> <{SKOS.altLabel.value}> <{HCC.iri("acronym")}>
              <{HCC.iri("developerCode")}> <{HCC.iri("nctId")}> }}
  ?s ?p ?name FILTER(isIRI(?s) && isLiteral(?name)) }}"""
_PREFERRED = f"""SELECT ?s ?p ?v WHERE {{ VALUES ?p {{ <{RDFS.label.value}> <{HCC.iri("acronym")}> <{HCC.iri("nctId")}> }}
  ?s ?p ?v FILTER(isIRI(?s)) }}"""


@dataclass(frozen=True)
class Entry:
    iri: str
    kind: str
    label: str  # what the entity is called (acronym first for trials)
    detail: str  # its full label or NCT number, when the label is an acronym
    names: tuple[tuple[str, str], ...]  # (name as written, normalised)


_lock = threading.Lock()
_indexes: dict[int, tuple[object, list[Entry]]] = {}


def index(store) -> list[Entry]:
    """The searchable names of one store (built on first use; a writable store, whose
    names may change, is read afresh each time)."""
    if site().config.get("UPDATE_TOKEN"):
        return _build(store)
    with _lock:
        cached = _indexes.get(id(store))
        if cached is None or cached[0] is not store:
            cached = _indexes[id(store)] = (store, _build(store))
        return cached[1]


def _build(store) -> list[Entry]:
    prefix = web.base() + "resource/"
    names: dict[str, list[str]] = {}
    for row in store.query(_NAMES):
        iri = row["s"].value
        if iri.startswith(prefix) and iri[len(prefix) :].split("/", 1)[0] in KINDS:
            names.setdefault(iri, []).append(row["name"].value)
    preferred: dict[str, dict[str, str]] = {}
    for row in store.query(_PREFERRED):
        preferred.setdefault(row["s"].value, {}).setdefault(row["p"].value, row["v"].value)
    entries = []
    for iri, found in names.items():
        kind = iri[len(prefix) :].split("/", 1)[0]
        own = preferred.get(iri, {})
        label = own.get(RDFS.label.value) or web.tail(iri)
        acronym, nct = own.get(HCC.iri("acronym")), own.get(HCC.iri("nctId"))
        title, detail = label, ""
        if kind in ("trial", "study") and (acronym or nct):
            title = acronym or nct
            detail = " · ".join(x for x in ((nct if acronym else None), label) if x)
        unique = {n: normalise(n) for n in [*found, web.tail(iri)]}
        entries.append(Entry(iri, kind, title, detail, tuple(unique.items())))
    return entries


def find(store, text: str, limit: int = 8) -> dict[str, list[dict]]:
    """Matches by kind (``KINDS`` order), best first: a name equal to the text, then one
    starting with it, then one containing it; at most ``limit`` per kind."""
    wanted = normalise(text[:MAX_TEXT])
    if not wanted:
        return {}
    scored: list[tuple[int, str, Entry, str]] = []
    for entry in index(store):
        best, matched = 0, ""
        for name, norm in entry.names:
            score = 3 if norm == wanted else 2 if norm.startswith(wanted) else 1 if wanted in norm else 0
            if score > best:
                best, matched = score, name
        if best:
            scored.append((best, entry.label.lower(), entry, matched))
    scored.sort(key=lambda s: (-s[0], len(s[1]), s[1]))
    groups: dict[str, list[dict]] = {k: [] for k in KINDS}
    for score, _, entry, matched in scored:
        group = groups[entry.kind]
        if len(group) < limit:
            # The name that matched, unless the result already shows it.
            shown = "" if normalise(matched) == normalise(entry.label) or matched in entry.detail else matched
            group.append(
                {
                    "iri": entry.iri,
                    "href": web.href(entry.iri),
                    "label": entry.label,
                    "detail": entry.detail,
                    "matched": shown,
                    "exact": score == 3,
                }  # fmt: skip
            )
    return {k: v for k, v in groups.items() if v}


@bp.route("/")
def landing() -> Response | str:
    fmt = web.wants_html()
    if fmt is not negotiation.HTML:
        return datasets.void()  # the dataset IRI is the base IRI: machines get its VoID description
    counts: dict[str, int] = {}
    for entry in index(site().store):
        counts[entry.kind] = counts.get(entry.kind, 0) + 1
    examples = ["lenvatinib", "atezo-bev", "IMbrave251", "TGF-beta", "GPC3", "MIV-818", "Wnt/β-catenin"]
    return render_template(
        "landing.html",
        counts=[(k, KIND_NAMES[k], counts[k]) for k in KINDS if counts.get(k)],
        examples=examples,
    )


@bp.route("/search")
def results() -> str:
    text = request.args.get("q", "")
    groups = find(site().store, text, limit=50) if text.strip() else {}
    return render_template("search.html", q=text, groups=groups, names=KIND_NAMES)


@bp.route("/api/search")
def api_search() -> Response:
    text = request.args.get("q", "")
    try:
        limit = min(50, max(1, int(request.args.get("limit", "8"))))
    except ValueError:
        limit = 8
    groups = find(site().store, text, limit=limit)
    return jsonify(
        {"q": text, "groups": [{"kind": k, "name": KIND_NAMES[k], "items": v} for k, v in groups.items()]}
    )


def exact(store, text: str) -> ox.NamedNode | None:
    """The one entity whose name is exactly ``text`` (normalised), if there is one."""
    wanted = normalise(text)
    hits = {e.iri for e in index(store) if any(n == wanted for _, n in e.names)}
    return ox.NamedNode(hits.pop()) if len(hits) == 1 else None
