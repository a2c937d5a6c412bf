"""The cache-hit path of the SPARQL endpoint, in front of Flask.

A query whose answer is already in the build's answer cache (``server/serving.py``) needs
no routing, no request object and no hooks: :class:`CachedAnswers` (WSGI middleware around
the Flask app) recognises the plain protocol requests — ``POST /sparql`` with an
``application/sparql-query`` body, ``GET /sparql?query=…`` — finds the answer under the
same key the endpoint stores it (``server/sparql.py``) and sends it with the headers the
endpoint would send (a test compares them). Everything else, and every miss, goes to Flask
untouched (a POST body already read is handed on). Conditional requests and HEAD go to
Flask too, which answers them with its validators. Measured on a DESCRIBE at 100k under
wrk: Flask's request handling was ~40% of a worker's Python time (bench/README.md).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl

import pyoxigraph as ox

from hcckg.server import caching

_PROTOCOL_KEYS = {"query", "format"}
_bases: dict[tuple[str, str], str | None] = {}


def endpoint_url(environ: dict, public_url: str | None) -> str | None:
    """The endpoint's URL as this request names it (HCCKG_PUBLIC_URL's when set): the base
    IRI of its queries; None when the Host header makes no IRI."""
    if public_url:
        return public_url.rstrip("/") + "/sparql"
    scheme, host = (
        environ.get("wsgi.url_scheme", "http"),
        environ.get("HTTP_HOST") or environ.get("SERVER_NAME", ""),
    )
    key = (scheme, host + environ.get("SCRIPT_NAME", ""))
    if key not in _bases:
        if len(_bases) > 1000:  # Host is the client's: keep the table small
            _bases.clear()
        url = f"{scheme}://{key[1]}/sparql"
        try:
            _bases[key] = ox.NamedNode(url).value
        except ValueError:
            _bases[key] = None
    return _bases[key]


class CachedAnswers:
    """WSGI middleware answering cache hits of ``/sparql`` (see the module docstring)."""

    def __init__(self, app: Callable, state: Any, public_url: str | None):
        self.app, self.state, self.public_url = app, state, public_url

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        answers = self.state.answers
        if answers is None or environ.get("PATH_INFO") != "/sparql":
            return self.app(environ, start_response)
        method = environ.get("REQUEST_METHOD")
        if (
            method == "POST"
            and environ.get("CONTENT_TYPE", "").split(";")[0].strip() == "application/sparql-query"
        ):
            params = self._params(environ.get("QUERY_STRING", ""), body=True)
            if params is None:
                return self.app(environ, start_response)
            body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
            environ["wsgi.input"] = io.BytesIO(body)  # Flask reads it again on a miss
            text = body.decode("utf-8", "replace")
        elif method == "GET" and not any(k.startswith("HTTP_IF_") for k in environ):
            params = self._params(environ.get("QUERY_STRING", ""), body=False)
            if params is None or "query" not in params:
                return self.app(environ, start_response)
            text = params["query"]
        else:
            return self.app(environ, start_response)
        base = endpoint_url(environ, self.public_url)
        key = (text, None, None, environ.get("HTTP_ACCEPT"), params.get("format"), base)
        answer = answers.get(key)
        if answer is None or base is None:
            return self.app(environ, start_response)
        sent = self._send(answer, environ, method == "GET", start_response)
        return self.app(environ, start_response) if sent is None else sent

    @staticmethod
    def _params(query_string: str, *, body: bool) -> dict[str, str] | None:
        """The protocol parameters when they are only ``query`` (in the URL for a GET) and
        ``format``, each once; None for anything else (Flask then decides)."""
        if not query_string:
            return {}
        pairs = parse_qsl(query_string, keep_blank_values=True)
        names = [k for k, _ in pairs]
        if len(set(names)) != len(names) or not set(names) <= _PROTOCOL_KEYS or (body and "query" in names):
            return None
        return dict(pairs)

    def _send(
        self, answer: Any, environ: dict, validators: bool, start_response: Callable
    ) -> list[bytes] | None:
        body = answer.body
        headers = [("Content-Type", answer.format.content_type)]
        large = len(body) >= caching.GZIP_MIN
        zipped = False
        if large:
            accepted = environ.get("HTTP_ACCEPT_ENCODING", "")
            if ";" in accepted or (answer.gzipped is None and accepted):
                return None  # q-values to weigh, or a gzip to make: the endpoint does it
            zipped = any(e.strip() in ("gzip", "*") for e in accepted.split(","))
        if zipped:
            body = answer.gzipped
        headers.append(("Vary", "Accept, Accept-Encoding" if large or validators else "Accept"))
        headers.append(("Content-Length", str(len(body))))
        if zipped:
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Access-Control-Allow-Origin", "*"))
        build = self.state.build
        if validators and build is not None:
            tag = caching.etag(build.id, answer.format.media_types[0], zipped)
            headers += [("ETag", f'"{tag}"'), ("Last-Modified", caching.http_date(build.created))]
        start_response("200 OK", headers)
        return [body]
