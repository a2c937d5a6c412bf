"""The ``api`` blueprint (mounted at ``/api``): named queries and pictures over HTTP.

- ``GET /api/queries``: the catalogue as JSON.
- ``GET /api/queries/NAME?k=v&order=evidence``: a named query's answer, JSON by default,
  CSV by ``Accept: text/csv`` or ``format=csv``.
- ``GET /api/pictures/mechanism/<key>.svg`` and ``/api/pictures/forest/<key>.svg?endpoint=``
  (an endpoint key or label, or a results_table column name: mPFS, mOS, ORR, DCR, trae34);
  ``.png`` instead of ``.svg`` for PNG.

Errors are the project's exceptions; ``server/errors.py`` turns them into statuses.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, Response, current_app, jsonify, request

from hcckg.graph.store import EmbeddedStore, open_store
from hcckg.ground.errors import NotFound
from hcckg.ground.settings import load_settings
from hcckg.queries.execute import catalogue as named_queries
from hcckg.queries.execute import run_named
from hcckg.queries.pictures import forest_svg, mechanism_svg, png
from hcckg.server.negotiation import Format, choose

bp = Blueprint("api", __name__, url_prefix="/api")

TABLES = (
    Format("json", ("application/json",), None, "json"),
    Format("csv", ("text/csv",), None, "csv"),
)
# Query-string keys that steer the answer rather than fill a parameter.
CONTROL = ("format", "order")
T = TypeVar("T")


def _site():
    """The app's state from server.create_app (store and time-limited evaluator), if any."""
    return current_app.extensions.get("hcckg")


def get_store() -> EmbeddedStore:
    """The store the app answers from: create_app's, or (for a bare app with this
    blueprint) ``app.extensions["hcckg.store"]``, or the one the settings name."""
    site = _site()
    if site is not None:
        return site.store
    store = current_app.extensions.get("hcckg.store")
    if store is None:
        store = current_app.extensions["hcckg.store"] = open_store(load_settings())
    return store


def _limited(work: Callable[[], T]) -> T:
    """``work()`` under the server's time limit (HCCKG_QUERY_TIMEOUT) when it has one."""
    site = _site()
    return site.evaluator.bounded(work) if site is not None else work()


def _max_rows() -> int:
    return int(current_app.config.get("MAX_ROWS") or load_settings().max_rows)


@bp.get("/queries")
def catalogue() -> Response:
    queries = [
        q.describe() | {"url": f"{request.script_root}/api/queries/{q.name}"}
        for q in named_queries().values()
    ]
    return jsonify({"queries": queries})


@bp.get("/queries/<name>")
def named_query(name: str) -> Response:
    queries = named_queries()
    if name not in queries:
        raise NotFound(f"no named query {name!r}; GET /api/queries lists them")
    fmt = choose(TABLES, request.headers.get("Accept"), request.args.get("format"))
    params = {k: v for k, v in request.args.items() if k not in CONTROL}
    store, query, order, max_rows = get_store(), queries[name], request.args.get("order"), _max_rows()
    table = _limited(lambda: run_named(store, query, params, order=order, max_rows=max_rows))
    body = table.to_csv() if fmt.name == "csv" else table.to_json()
    return Response(body, content_type=fmt.content_type)


def _picture(svg: str, extension: str) -> Response:
    if extension == "png":
        return Response(png(svg), content_type="image/png")
    if extension == "svg":
        return Response(svg, content_type="image/svg+xml; charset=utf-8")
    raise NotFound(f"pictures are .svg or .png, not .{extension}")


@bp.get("/pictures/mechanism/<key>.<extension>")
def mechanism_picture(key: str, extension: str) -> Response:
    store = get_store()
    return _picture(_limited(lambda: mechanism_svg(store, key)), extension)


@bp.get("/pictures/forest/<key>.<extension>")
def forest_picture(key: str, extension: str) -> Response:
    store, endpoint = get_store(), request.args.get("endpoint") or None
    return _picture(_limited(lambda: forest_svg(store, key, endpoint)), extension)
