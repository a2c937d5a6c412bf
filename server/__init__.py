"""The hcckg web server: SPARQL endpoint, linked-data pages and the query page.

``create_app(test_config)`` builds the Flask application. Configuration is layered:
``hcckg.ground.settings.Settings`` defaults -> the environment (``load_settings()``) -> ``test_config``.
Keys: ``SETTINGS`` (a Settings), ``BASE_IRI``, ``QUERY_TIMEOUT``, ``MAX_ROWS``, ``QUERY_MEMORY``,
``UPDATE_TOKEN``, ``PUBLIC_URL``, ``STORE`` (a store object to answer from instead of the
one in the settings, e.g. a test's), ``STORE_IN_MEMORY`` (copy an on-disk store into
memory, default true) and ``ON_RUNAWAY`` (called when a query passes the time limit;
``server/serve.py`` sets it to retire the gunicorn worker).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from hcckg.ground.settings import load_settings
from hcckg.server.intake import MAX_BODY_BYTES
from hcckg.server.serving import Site


def site() -> Site:
    return current_app.extensions["hcckg"]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    test_config = dict(test_config or {})
    settings = test_config.pop("SETTINGS", None) or load_settings()
    app.config.from_mapping(
        SETTINGS=settings,
        BASE_IRI=settings.base_iri,
        QUERY_TIMEOUT=settings.query_timeout,
        MAX_ROWS=settings.max_rows,
        QUERY_MEMORY=settings.query_memory,
        UPDATE_TOKEN=settings.update_token,
        PUBLIC_URL=settings.public_url,
        STORE=None,
        STORE_IN_MEMORY=True,
        ON_RUNAWAY=None,
        JSON_SORT_KEYS=False,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,  # a larger body: 413 (server/intake.py)
    )
    app.config.update(test_config)

    from hcckg.server import (
        api,
        caching,
        datasets,
        editor,
        errors,
        explorer,
        forms,
        links,
        pages,
        search,
        sparql,
        web,
    )

    caching.register(app)  # first registered, so it runs after every other after_request hook
    errors.register(app)
    links.register(app)
    app.register_blueprint(sparql.bp)
    for site_part in (web, search, pages, datasets, explorer, forms, editor):
        app.register_blueprint(site_part.bp)
    app.register_blueprint(api.bp)

    app.extensions["hcckg"] = Site(app)
    from hcckg.server.fastpath import CachedAnswers

    app.wsgi_app = CachedAnswers(app.wsgi_app, app.extensions["hcckg"], app.config["PUBLIC_URL"])
    return app
