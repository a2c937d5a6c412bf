"""The ``editor`` blueprint: ``/query``, the SPARQL editor (CodeMirror when ``make assets``
has fetched it). ``/query?query=...`` opens with that query and runs it; running a query
writes it into the URL, so the address bar is always a link to the answer on screen."""

from __future__ import annotations

import json
import os

from flask import Blueprint, render_template

from hcckg.ground import iris
from hcckg.ground.terms import CLASSES, DATA_PROPERTIES, OBJECT_PROPERTIES
from hcckg.queries.execute import catalogue as named_queries
from hcckg.server import web

bp = Blueprint("editor", __name__)


def _examples() -> list[dict]:
    """The named queries, as ready examples."""
    return [
        {"name": q.name, "title": q.title, "description": q.description, "sparql": q.sparql}
        for q in named_queries().values()
    ]


def _terms() -> list[dict]:
    ns = web.base() + "ontology/"
    kinds = [("class", CLASSES), ("object property", OBJECT_PROPERTIES), ("data property", DATA_PROPERTIES)]
    return [{"name": f"hcc:{n}", "iri": ns + n, "kind": kind} for kind, names in kinds for n in names]


@bp.route("/query")
def editor() -> str:
    page = {
        "base": web.base(),
        "prefixes": {
            "hcc": web.base() + "ontology/",
            "res": web.base() + "resource/",
            **iris.STANDARD_PREFIXES,
        },
        "examples": _examples(),
        "terms": _terms(),
    }
    vendor = os.path.join(bp.root_path, "static", "vendor", "codemirror", "lib", "codemirror.js")
    return render_template("editor.html", page_json=json.dumps(page), has_editor=os.path.exists(vendor))
