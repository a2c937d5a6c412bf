"""``hcckg serve``: the application under gunicorn (a production WSGI server).

The master process builds the app and loads the store into memory once (``preload_app``);
the ``gthread`` workers are forked from it and share that copy, so start-up costs one
load and a worker respawned after a runaway query is ready at once. When a query passes
the time limit, the evaluator calls :func:`retire_worker`: the worker (:class:`RetiringWorker`) stops
accepting, finishes its other requests and exits, taking the runaway Rust
evaluation with it; gunicorn forks a replacement. With ``HCCKG_UPDATE_TOKEN`` set the
server answers from the on-disk store opened read-write in a single worker (updates must
land in one place), without preloading (RocksDB does not survive a fork).
"""

from __future__ import annotations

import contextlib
import os
import signal
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.workers.gthread import ThreadWorker

from hcckg.config import Settings


class RetiringWorker(ThreadWorker):
    """gunicorn's gthread worker, able to retire without dropping a connection.

    A plain SIGTERM makes the worker leave its loop while it may just have accepted a
    connection that it then drops (the client sees a reset). Retiring instead stops
    accepting first (the other workers take new connections), lets every connection that
    is being read or answered finish, then leaves; only idle keep-alive connections are
    closed. It relies on gthread's internals (``poller``, ``nr_conns``, ``_keep``), which
    is why gunicorn is pinned below 24.
    """

    retiring = False

    def accept(self, server: Any, listener: Any) -> None:
        if self.retiring:
            self._stop_listening()
            return
        super().accept(server, listener)

    def notify(self) -> None:
        super().notify()
        if self.retiring:
            self._stop_listening()
            if self.nr_conns - len(self._keep) <= 0:
                self.alive = False

    def _stop_listening(self) -> None:
        with self._lock:
            for sock in self.sockets:
                with contextlib.suppress(KeyError, ValueError):
                    self.poller.unregister(sock)


_worker: RetiringWorker | None = None


def _remember_worker(worker: Any) -> None:
    global _worker
    _worker = worker if isinstance(worker, RetiringWorker) else None


def retire_worker() -> None:
    """Ask this gunicorn worker to finish its requests and exit (gunicorn replaces it)."""
    if _worker is not None:
        _worker.retiring = True
    else:
        os.kill(os.getpid(), signal.SIGTERM)


class _Application(BaseApplication):
    def __init__(self, app: Any, options: dict[str, Any]):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def options(settings: Settings) -> dict[str, Any]:
    """gunicorn's settings for ``settings`` (also used by the benchmark)."""
    writable = bool(settings.update_token)
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": 1 if writable else max(1, settings.workers),
        "threads": max(1, settings.threads),
        "worker_class": RetiringWorker,
        "post_worker_init": _remember_worker,
        "preload_app": not writable,
        # A retiring worker may still be finishing queries that run up to the time limit.
        "graceful_timeout": int(settings.query_timeout) + 5,
        "timeout": max(30, int(settings.query_timeout * 3)),
        "keepalive": 5,
        "errorlog": "-",
        "loglevel": "info",
    }


def run(settings: Settings) -> int:
    from server import create_app, site

    app = create_app({"SETTINGS": settings, "ON_RUNAWAY": retire_worker})
    if not settings.update_token:
        with app.app_context():
            site().warm()
    _Application(app, options(settings)).run()
    return 0
