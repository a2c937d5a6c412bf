"""The ``forms`` blueprint: a form for every named query, generated from its ``#+`` header.

``/queries/`` lists the named queries; ``/queries/NAME`` shows the form (one field per
parameter: a choice list for ``enum``, a text box offering the graph's names of the
parameter's kinds for ``iri-of-kind``, with the example) and, once submitted, the answer
in the declared ordering: labels linked to their pages (IRIs on hover), the columns that
matter first (:func:`hcckg.queries.execute.layout`), pages of :data:`PAGE_ROWS` rows,
CSV and JSON downloads (``/api/queries/NAME``). The form is a GET, so the page's URL
reproduces the answer for whoever opens it.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template, request

from hcckg.ground.errors import NotFound, UnknownParameter
from hcckg.queries.catalogue import NamedQuery, Parameter
from hcckg.queries.execute import catalogue as named_queries
from hcckg.queries.execute import run_named
from hcckg.queries.params import candidates
from hcckg.server import site

bp = Blueprint("forms", __name__)

PAGE_ROWS = 50
CONTROL = ("order", "page", "run")


def _choices(store, param: Parameter) -> list[str]:
    """The names a value of ``param`` may take, for the browser to offer."""
    if param.type == "enum":
        return list(param.values)
    if param.type != "iri-of-kind":
        return []
    names: set[str] = set()
    for kind in param.kinds:
        for iri, labels in candidates(store, kind).items():
            key = iri.rsplit("/", 1)[-1]
            names |= {sorted(labels - {key}, key=len)[0] if labels - {key} else key}
    return sorted(names, key=str.lower)


@bp.route("/queries/")
def catalogue() -> str:
    return render_template("queries.html", queries=list(named_queries().values()))


@bp.route("/queries/<name>")
def form(name: str) -> tuple[str, int] | str:
    queries = named_queries()
    if name not in queries:
        raise NotFound(f"no named query {name!r}; /queries/ lists them")
    query: NamedQuery = queries[name]
    store = site().store
    given = {p.name: request.args.get(p.name, "") for p in query.parameters}
    order = request.args.get("order") or None
    ran = "run" in request.args or any(given.values()) or order is not None
    required = [p.name for p in query.parameters if p.required and not given[p.name]]
    context = {
        "query": query,
        "given": given,
        "order": order or "default",
        "choices": {p.name: _choices(store, p) for p in query.parameters},
        "table": None,
        "error": None,
        "suggestions": [],
    }
    status = 200
    if ran and not required:
        try:
            table = run_named(
                store,
                query,
                {k: v for k, v in given.items() if v},
                order=order,
                max_rows=site().config["MAX_ROWS"],
            )
        except UnknownParameter as err:
            context["error"], context["suggestions"], status = str(err), err.suggestions, 400
        else:
            try:
                page = max(1, int(request.args.get("page", "1")))
            except ValueError:
                page = 1
            pages = max(1, (len(table.rows) + PAGE_ROWS - 1) // PAGE_ROWS)
            page = min(page, pages)
            kept = {k: v for k, v in request.args.items() if k not in ("page",)}
            download = {k: v for k, v in given.items() if v} | ({"order": order} if order else {})
            context |= {
                "table": table,
                "layout": table.layout(),
                "rows": table.rows[(page - 1) * PAGE_ROWS : page * PAGE_ROWS],
                "page": page,
                "pages": pages,
                "page_url": lambda n: f"?{urlencode(kept | {'page': n})}",
                "csv": f"/api/queries/{name}?{urlencode(download | {'format': 'csv'})}",
                "json": f"/api/queries/{name}?{urlencode(download | {'format': 'json'})}",
            }
    elif ran:
        context["error"], status = f"{name} needs {', '.join(required)}", 400
    return render_template("form.html", **context), status
