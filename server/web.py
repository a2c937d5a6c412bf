"""What every page of the site shares: the one IRI-resolving function, the one link rule,
content negotiation for pages, and the names shown for terms.

- :func:`iri_at` turns a page path into the IRI it stands for; every page route goes
  through it. A path that makes no IRI is refused before the route runs
  (``links.check_page_iri``, a 400), so it never reaches the store as a 5xx.
- :func:`href` is the site's single link rule, registered as the Jinja2 filter ``href``
  (``static/site.js`` has its one JavaScript twin, ``hcckg.href``): hcckg IRIs link to this
  server, ``http:``/``https:`` IRIs to themselves, anything else is not a link (``None``;
  templates then print the text).
- :func:`curie` names a term briefly (``hcc:hasTarget``, ``res:drug/lenvatinib``) where
  it has no label.
"""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, current_app, request

from hcckg.ground import iris
from hcckg.ground.errors import NotFound
from hcckg.server import links, negotiation

bp = Blueprint("web", __name__)


def base() -> str:
    return current_app.config["BASE_IRI"]


def iri_at(path: str) -> ox.NamedNode:
    """The IRI of the page at ``path`` (``resource/drug/lenvatinib``); a path that makes no
    valid IRI is a resource hcckg does not have."""
    try:
        return ox.NamedNode(base() + path)
    except ValueError as err:
        raise NotFound(f"{base()}{path} is not an IRI hcckg has") from err


def href(value: object) -> str | None:
    """Where a link to ``value`` (a term or an IRI string) goes, or ``None`` when it must be
    shown as text: the one link rule of the site, ``links.link_target``."""
    if not isinstance(value, ox.NamedNode | str):
        return None
    return links.link_target(value, base())


def curie(iri: str) -> str:
    """A short name for an IRI: the site's prefixes, else the IRI itself."""
    return iris.curie(iri, base(), bare=True)


def tail(iri: str) -> str:
    """The last segment of an IRI, a readable name when nothing better is known."""
    return iri.rstrip("/#").rsplit("#", 1)[-1].rsplit("/", 1)[-1] or iri


def wants_html(table: tuple[negotiation.Format, ...] = negotiation.PAGE) -> negotiation.Format:
    """The format a page answers with: HTML for browsers, RDF by ``Accept`` or ``?format=``."""
    return negotiation.choose(table, request.headers.get("Accept"), request.args.get("format"))


def prefers_html() -> bool:
    """Whether the client would rather read HTML than plain text (for error pages)."""
    accept = request.accept_mimetypes
    return accept.quality("text/html") > accept.quality("text/plain") and accept.quality("text/html") > 0


@bp.app_context_processor
def build_context() -> dict:
    """Every page shows the build it was made from (the id ``hcckg build`` printed)."""
    from hcckg.server import site

    built = site().build
    return {"build_id": built.id if built else None}


@bp.app_template_filter("href")
def href_filter(value: object) -> str | None:
    return href(value)


@bp.app_template_filter("curie")
def curie_filter(value: object) -> str:
    return curie(value.value if isinstance(value, ox.NamedNode) else str(value))


@bp.app_template_filter("ctgov")
def ctgov_filter(nct: str) -> str:
    """The registry page of an NCT number (ClinicalTrials.gov's study URL)."""
    return f"https://clinicaltrials.gov/study/{nct}"


@bp.app_template_filter("number")
def number_filter(value: object) -> str:
    """Numbers as people write them: 14.30 -> 14.3, 7.0 -> 7."""
    if isinstance(value, float):
        return f"{value:g}"
    return "" if value is None else str(value)
