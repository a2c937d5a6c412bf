"""Exceptions -> HTTP statuses, in one place.

The project's errors (``hcckg.ground.errors``) and werkzeug's HTTP errors (406, 415, 405, ...)
become a ``text/plain`` answer that says what went wrong and what to do next. Anything
else is a bug: it is logged with its traceback and answered 500, never hidden.

| exception          | status | why                                                      |
|--------------------|--------|----------------------------------------------------------|
| QuerySyntaxError   | 400    | the query does not parse (the message has line:column)   |
| QueryRejected      | 400    | SERVICE, an update at /sparql, LOAD: refused, not run    |
| UnknownParameter   | 400    | a named query's parameter value is unknown               |
| NotFound           | 404    | no such resource, graph, query or file                   |
| ResultTooLarge     | 413    | more rows/triples than HCCKG_MAX_ROWS                    |
| QueryTimeout       | 503    | stopped: HCCKG_QUERY_TIMEOUT or _MEMORY (Retry-After)    |
| StoreUnavailable   | 503    | no store built yet, or a remote store does not answer    |
| StoreError         | 500    | the store failed to read (logged)                        |
"""

from __future__ import annotations

import re

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from hcckg.ground.errors import (
    HcckgError,
    NotFound,
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    StoreError,
    StoreUnavailable,
    UnknownParameter,
)

# Most specific first: StoreUnavailable is a StoreError.
STATUS: tuple[tuple[type[HcckgError], int], ...] = (
    (QuerySyntaxError, 400),
    (QueryRejected, 400),
    (UnknownParameter, 400),
    (NotFound, 404),
    (ResultTooLarge, 413),
    (QueryTimeout, 503),
    (StoreUnavailable, 503),
    (StoreError, 500),
)


_REPEATED_POSITION = re.compile(r"^error at \d+:\d+: ")
_MAX_DETAIL = 240


def status_of(err: HcckgError) -> int:
    for cls, status in STATUS:
        if isinstance(err, cls):
            return status
    return 500


def message_of(err: HcckgError) -> str:
    if isinstance(err, QuerySyntaxError):
        where = f" at line {err.position[0]}, column {err.position[1]}" if err.position else ""
        # pyoxigraph repeats the position and may list dozens of expected tokens.
        detail = _REPEATED_POSITION.sub("", str(err), count=1)
        if len(detail) > _MAX_DETAIL:
            detail = detail[:_MAX_DETAIL].rsplit(",", 1)[0] + ", ..."
        return f"SPARQL syntax error{where}: {detail}"
    if isinstance(err, UnknownParameter) and err.suggestions:
        return f"{err} (did you mean: {', '.join(err.suggestions)}?)"
    return str(err)


def plain(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    response = Response(message.rstrip("\n") + "\n", status=status, mimetype="text/plain")
    response.headers.update(headers or {})
    return response


def handle_hcckg(err: HcckgError) -> Response:
    from flask import current_app

    status = status_of(err)
    if status >= 500 and not isinstance(err, QueryTimeout | StoreUnavailable):
        current_app.logger.error("store error: %s", err, exc_info=err)
    headers = {"Retry-After": "5"} if status == 503 else None
    return plain(status, message_of(err), headers)


def handle_http(err: HTTPException) -> Response:
    response = plain(err.code or 500, f"{err.name}: {err.description}")
    # 405 must say which methods are allowed, 401 how to authenticate; werkzeug computed them.
    for key, value in err.get_headers():
        if key.lower() in ("allow", "www-authenticate"):
            response.headers[key] = value
    return response


def register(app: Flask) -> None:
    app.register_error_handler(HcckgError, handle_hcckg)
    app.register_error_handler(HTTPException, handle_http)
