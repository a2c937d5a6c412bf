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

import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask, current_app

from hcckg.ground.errors import StoreUnavailable
from hcckg.ground.settings import load_settings
from hcckg.server.evaluation import Evaluator, open_for_serving
from hcckg.server.intake import MAX_BODY_BYTES


class Site:
    """Per-application state: the store (opened on first use, so that a server started
    before the first build begins answering once the store exists) and its evaluator."""

    def __init__(self, app: Flask):
        self.config = app.config
        self._lock = threading.Lock()
        self._evaluator: Evaluator | None = None
        if app.config["STORE"] is not None:
            self._evaluator = self._make(app.config["STORE"])

    def _make(self, store: Any) -> Evaluator:
        return Evaluator(
            store,
            timeout=float(self.config["QUERY_TIMEOUT"]),
            max_rows=int(self.config["MAX_ROWS"]),
            memory_mib=int(self.config["QUERY_MEMORY"]),
            on_runaway=self.config["ON_RUNAWAY"],
        )

    @property
    def evaluator(self) -> Evaluator:
        if self._evaluator is None:
            with self._lock:
                if self._evaluator is None:
                    store = open_for_serving(
                        self.config["SETTINGS"],
                        in_memory=self.config["STORE_IN_MEMORY"],
                        writable=bool(self.config["UPDATE_TOKEN"]),
                    )
                    self._evaluator = self._make(store)
        return self._evaluator

    @property
    def store(self) -> Any:
        return self.evaluator.store

    def use(self, store: Any) -> None:
        """Answer from ``store`` (``hcckg serve`` hands over the copy it started early)."""
        with self._lock:
            self._evaluator = self._make(store)

    def warm(self) -> None:
        """Open the store now if it exists (server start-up); a missing store is not fatal."""
        try:
            self.evaluator  # noqa: B018 - opening is the point
        except StoreUnavailable as err:
            current_app.logger.warning("%s", err)


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

    from hcckg.server import api, datasets, editor, errors, explorer, forms, links, pages, search, sparql, web

    errors.register(app)
    links.register(app)
    app.register_blueprint(sparql.bp)
    for site_part in (web, search, pages, datasets, explorer, forms, editor):
        app.register_blueprint(site_part.bp)
    app.register_blueprint(api.bp)

    app.extensions["hcckg"] = Site(app)
    return app
