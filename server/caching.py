"""HTTP caching, in one place: validators from the build, conditional GET, ``Vary`` and
compression.

A build's data never changes while it is served, so every answer made from it (the
SPARQL endpoint's GET answers, the pages, resource RDF, VoID, the dumps, the API) is
the same for the same URL, ``Accept`` and build:

- ``ETag``: strong, ``"<build id>-<code>-<format>"`` (``-gz`` added when gzipped: another
  representation; ``<code>``: a hash of the server's own files, so that a new deployment
  of the site on the same build does not leave stale pages validated), ``Last-Modified``:
  the build's time. A conditional GET or HEAD
  (``If-None-Match``, ``If-Modified-Since``) that matches gets 304 without a body
  (werkzeug's ``make_conditional``). Not on a remote store, whose data can change under
  the server, nor with ``HCCKG_UPDATE_TOKEN``.
- ``Vary: Accept`` on every answer of a negotiated path (all but static files and
  ``/health``), ``Accept-Encoding`` added where the answer may be gzipped.
- gzip for answers of at least ``GZIP_MIN`` bytes when the client accepts it (the SPARQL
  endpoint compresses its cached answers once, ``server/sparql.py``; dumps are files
  written gzipped once, ``server/dumps.py``). Answers carry ``Content-Length``.
"""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.http import http_date as _http_date

from hcckg.server import negotiation

GZIP_MIN = 8 * 1024
# The mapping table is read where curators edit it, not from the build: the build's
# validators would hide an edit made before the next build.
_UNCACHED = ("static", "datasets.health", "datasets.mappings_table")
_COMPRESSIBLE = ("text/", "application/")
# Content types answered by the site, by their short name (the ETag's second part).
_NAMES = {
    media: fmt.name
    for table in (negotiation.PAGE, negotiation.RESULTS, negotiation.GRAPH)
    for fmt in table
    for media in fmt.media_types[:1]
}


def _code_tag() -> str:
    from hcckg import __version__

    digest = hashlib.sha256(__version__.encode())
    root = Path(__file__).parent
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".html", ".js", ".css") and path.is_file():
            stat = path.stat()
            digest.update(f"{path.relative_to(root)}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:6]


CODE = _code_tag()


def etag(build_id: str, mimetype: str, zipped: bool) -> str:
    return f"{build_id}-{CODE}-{format_tag(mimetype)}{'-gz' if zipped else ''}"


def http_date(seconds: float) -> str:
    return _http_date(int(seconds))


def accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def gzipped(body: bytes) -> bytes:
    return gzip.compress(body, compresslevel=6, mtime=0)


def format_tag(mimetype: str) -> str:
    return _NAMES.get(mimetype) or mimetype.replace("/", "-").replace("+", "-")


def _vary(response: Response, *names: str) -> None:
    for name in names:
        response.vary.add(name)


def finish(response: Response) -> Response:
    """The ``after_request`` hook (see the module docstring)."""
    if request.endpoint in _UNCACHED:
        return response
    _vary(response, "Accept")
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if not response.is_streamed and "Content-Encoding" not in response.headers:
        _vary(response, "Accept-Encoding")
        body = response.get_data()
        if len(body) >= GZIP_MIN and response.mimetype.startswith(_COMPRESSIBLE) and accepts_gzip():
            response.set_data(gzipped(body))
            response.headers["Content-Encoding"] = "gzip"
    from hcckg.server import site

    state = site()
    build = state.build if state.answers is not None else None  # None: data that may change
    if build is None:
        return response
    if "ETag" not in response.headers:
        response.set_etag(
            etag(build.id, response.mimetype, response.headers.get("Content-Encoding") == "gzip")
        )
    response.last_modified = int(build.created)
    return response.make_conditional(request)


def register(app: Flask) -> None:
    app.after_request(finish)
