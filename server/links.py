"""IRIs in and out of the site's pages: the IRI a page is asked for must be one, and a page
only makes safe IRIs clickable.

In: every page under ``/resource/``, ``/ontology/`` and ``/graph/`` names the IRI
``{base}{path}``. A path with characters an IRI cannot hold (a space, ``"``, ``{``, ``<``,
``\\``, a NUL, bytes that are not UTF-8) used to reach pyoxigraph and come back as a 500;
:func:`check_page_iri` (run before every request) answers 400 instead, at one place.

Out: data may hold any IRI, ``javascript:…`` included, and a page that made it an ``<a
href>`` would run it on a click. :func:`link_target` is the one rule: hcckg's own IRIs link
to this server, ``http:`` and ``https:`` IRIs to themselves, and anything else gets no link
(templates show it as text). Templates call it through the ``href`` filter
(``server/web.py``); the pages' JavaScript has its one twin, ``hcckg.href`` in
``server/static/site.js``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pyoxigraph as ox
from flask import Flask, current_app, request
from werkzeug.exceptions import BadRequest

SAFE_SCHEMES = frozenset(["http", "https"])
# Endpoints whose ``rest`` names the IRI {base}{prefix}{rest}.
_PAGE_PREFIXES = {"pages.resource": "resource/", "pages.graph": "graph/", "pages.ontology_term": "ontology/"}


def link_target(term: ox.NamedNode | str, base: str) -> str | None:
    """Where a link to ``term`` may point, or None when it must not be a link."""
    iri = term.value if isinstance(term, ox.NamedNode) else str(term)
    if iri.startswith(base):
        return "/" + iri[len(base) :]
    try:
        scheme = urlsplit(iri).scheme.lower()
    except ValueError:
        return None
    return iri if scheme in SAFE_SCHEMES else None


def check_page_iri() -> None:
    """Before a page request: its path must make an IRI (400 otherwise, not a 500 later)."""
    prefix = _PAGE_PREFIXES.get(request.endpoint or "")
    if prefix is None:
        return
    rest = (request.view_args or {}).get("rest", "")
    try:
        ox.NamedNode(current_app.config["BASE_IRI"] + prefix + rest)
    except ValueError:
        raise BadRequest(
            f"/{prefix}{rest!r:.200} does not name an IRI: IRIs cannot hold spaces, quotes, "
            "<>{}|\\^`, control characters or bytes that are not UTF-8"
        ) from None


def register(app: Flask) -> None:
    app.before_request(check_page_iri)
