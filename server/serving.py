"""What a server process answers from: the store, the build it is, its evaluator and its
answer cache (:class:`Site`, one per Flask app, ``hcckg.server.site()``).

A store is opened on first use, so that a server started before the first build begins
answering once the store exists. Under ``hcckg serve`` the gunicorn master decides what its
workers answer from (``server/reload.py``): first the on-disk build, which each worker opens
read-only itself (start-up does not wait for the memory copy), then the in-memory copy of
that build, then of each newer build, handed over with :meth:`Site.use` before fresh workers
are forked.

The answer cache: a build's data never changes while it is served, so a query's answer is
kept (per process, least recently used first out, ``CACHE_BYTES`` in all, answers up to
``CACHE_ANSWER_BYTES``) under the query text, the dataset and the format; one cache per
build, so a new build starts empty. It is off where data can change under the server
(a remote store, ``HCCKG_UPDATE_TOKEN``) and for answers that were stopped or refused.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

from hcckg.graph import builds
from hcckg.ground.errors import StoreUnavailable
from hcckg.server.evaluation import Evaluator, open_for_serving

log = logging.getLogger("hcckg.server")

CACHE_BYTES = 64 * 2**20  # per process
CACHE_ANSWER_BYTES = 1 * 2**20  # larger answers are not kept


class AnswerCache:
    """Answers by key, least recently used out first, bounded in bytes. Thread-safe:
    ``OrderedDict`` moves and pops run under one lock."""

    def __init__(self, limit: int = CACHE_BYTES, largest: int = CACHE_ANSWER_BYTES):
        self.limit, self.largest = limit, largest
        self.size = 0
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key: Hashable) -> Any | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key: Hashable, value: Any, size: int) -> None:
        if size > self.largest:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.size -= old[1]
            self._items[key] = (value, size)
            self.size += size
            while self.size > self.limit:
                _, (_, gone) = self._items.popitem(last=False)
                self.size -= gone


class Site:
    """Per-application state (see the module docstring)."""

    def __init__(self, app: Any):
        self.config = app.config
        self._lock = threading.Lock()
        self._evaluator: Evaluator | None = None
        self.build: builds.BuildInfo | None = None
        self.answers: AnswerCache | None = None
        self._disk: Path | None = None  # a build to open read-only, in the process that uses it
        self._opened_in = 0
        if app.config["STORE"] is not None:
            self._set(app.config["STORE"])

    def _set(self, store: Any) -> None:
        self._evaluator = Evaluator(
            store,
            timeout=float(self.config["QUERY_TIMEOUT"]),
            max_rows=int(self.config["MAX_ROWS"]),
            memory_mib=int(self.config["QUERY_MEMORY"]),
            on_runaway=self.config["ON_RUNAWAY"],
        )
        path = getattr(store, "path", None)
        self.build = builds.info(path) if path is not None and Path(path).is_dir() else None
        embedded = getattr(store, "kind", "") == "oxigraph"
        cache = embedded and self.build is not None and not self.config["UPDATE_TOKEN"]
        self.answers = AnswerCache() if cache else None

    @property
    def evaluator(self) -> Evaluator:
        if self._evaluator is None:
            with self._lock:
                if self._evaluator is None:
                    self._set(self._open())
        return self._evaluator

    def _open(self) -> Any:
        if self._disk is not None:
            from hcckg.graph.store import open_embedded

            return open_embedded(self._disk, read_only=True)
        return open_for_serving(
            self.config["SETTINGS"],
            in_memory=self.config["STORE_IN_MEMORY"],
            writable=bool(self.config["UPDATE_TOKEN"]),
        )

    @property
    def store(self) -> Any:
        return self.evaluator.store

    def use(self, store: Any) -> None:
        """Answer from ``store`` from now on (the master hands over each memory copy)."""
        with self._lock:
            self._disk = None
            self._set(store)

    def use_disk(self, folder: Path) -> None:
        """Answer from the on-disk build ``folder``, opened read-only on first use by each
        process that answers (RocksDB must not be opened before a fork)."""
        with self._lock:
            self._disk, self._evaluator = folder, None
            self.build = builds.info(folder)
            self.answers = None if self.config["UPDATE_TOKEN"] else AnswerCache()

    def warm(self) -> None:
        """Open the store now if it exists (server start-up); a missing store is not fatal."""
        try:
            self.evaluator  # noqa: B018 - opening is the point
        except StoreUnavailable as err:
            log.warning("%s", err)

    def cached(self, key: Hashable, make: Callable[[], tuple[Any, int]]) -> Any:
        """``make()``'s value (with its size) for ``key``, kept when the cache is on."""
        self.evaluator  # noqa: B018 - opened first: opening makes the build's cache
        answers = self.answers
        if answers is None:
            return make()[0]
        hit = answers.get(key)
        if hit is not None:
            return hit
        value, size = make()
        answers.put(key, value, size)
        return value
