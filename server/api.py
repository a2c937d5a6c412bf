"""The ``api`` blueprint (mounted at ``/api``): named queries and pictures over HTTP.

- ``GET /api/queries``: the catalogue as JSON.
- ``GET /api/queries/NAME?k=v&order=evidence``: a named query's answer, JSON by default,
  CSV by ``Accept: text/csv`` or ``format=csv``.
- ``GET /api/pictures/mechanism/<key>.svg`` and ``/api/pictures/forest/<key>.svg?endpoint=``.

Errors are the project's exceptions; ``server/errors.py`` turns them into statuses.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from graph.errors import NotFound
from graph.store import EmbeddedStore, open_store
from hcckg.config import load_settings
from queries.catalogue import load_catalogue
from queries.execute import run_named
from queries.pictures import forest_svg, mechanism_svg
from server.negotiation import Format, choose

bp = Blueprint("api", __name__)

TABLES = (
    Format("json", ("application/json",), None, "json"),
    Format("csv", ("text/csv",), None, "csv"),
)
# Query-string keys that steer the answer rather than fill a parameter.
CONTROL = ("format", "order")


def get_store() -> EmbeddedStore:
    """The app's store: ``app.extensions["hcckg.store"]`` when the factory set one, else
    the store the settings name, opened once per app."""
    store = current_app.extensions.get("hcckg.store")
    if store is None:
        settings = current_app.config.get("HCCKG_SETTINGS") or load_settings()
        store = current_app.extensions["hcckg.store"] = open_store(settings)
    return store


def _max_rows() -> int | None:
    settings = current_app.config.get("HCCKG_SETTINGS")
    return settings.max_rows if settings is not None else load_settings().max_rows


@bp.get("/queries")
def catalogue() -> Response:
    queries = [
        q.describe() | {"url": f"{request.script_root}/api/queries/{q.name}"}
        for q in load_catalogue().values()
    ]
    return jsonify({"queries": queries})


@bp.get("/queries/<name>")
def named_query(name: str) -> Response:
    queries = load_catalogue()
    if name not in queries:
        raise NotFound(f"no named query {name!r}; GET /api/queries lists them")
    fmt = choose(TABLES, request.headers.get("Accept"), request.args.get("format"))
    params = {k: v for k, v in request.args.items() if k not in CONTROL}
    table = run_named(
        get_store(), queries[name], params, order=request.args.get("order"), max_rows=_max_rows()
    )
    body = table.to_csv() if fmt.name == "csv" else table.to_json()
    return Response(body, content_type=fmt.content_type)


def _svg(body: str) -> Response:
    return Response(body, content_type="image/svg+xml; charset=utf-8")


@bp.get("/pictures/mechanism/<key>.svg")
def mechanism_picture(key: str) -> Response:
    return _svg(mechanism_svg(get_store(), key))


@bp.get("/pictures/forest/<key>.svg")
def forest_picture(key: str) -> Response:
    return _svg(forest_svg(get_store(), key, request.args.get("endpoint") or None))
