"""``hcckg serve``: the application under gunicorn (a production WSGI server).

The master process builds the app and loads the store into memory once (``preload_app``);
the ``gthread`` workers are forked from it and share that copy, so a worker respawned after
a runaway query is ready at once. Until the copy is made the workers answer from the
on-disk build, and each new build is followed without a restart (``server/reload.py``). When a query passes
the time limit, the evaluator calls ``worker.retire_worker``: the worker (``worker.RetiringWorker``) stops
accepting, finishes its other requests and exits, taking the runaway Rust
evaluation with it; gunicorn forks a replacement. With ``HCCKG_UPDATE_TOKEN`` set the
server answers from the on-disk store opened read-write in a single worker (updates must
land in one place), without preloading (RocksDB does not survive a fork).
"""

from __future__ import annotations

import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from hcckg.graph.memory import MemoryCopy
from hcckg.graph.store import is_remote
from hcckg.ground.settings import Settings
from hcckg.server import egress
from hcckg.server.accesslog import COMBINED, CombinedLogger
from hcckg.server.reload import Follower, ReloadingArbiter
from hcckg.server.worker import RetiringWorker, leave, remember_worker, retire_worker


class _Application(BaseApplication):
    def __init__(self, app: Any, options: dict[str, Any], follower: Follower | None = None):
        self.application = app
        self.options = options
        self.follower = follower
        super().__init__()

    def run(self) -> None:
        arbiter = ReloadingArbiter(self)
        arbiter.follower = self.follower
        try:
            arbiter.run()
        except RuntimeError as err:
            print(f"\nError: {err}\n", file=sys.stderr)
            sys.exit(1)

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def _confining(settings: Settings, relay: egress.Relay | None) -> Any:
    """gunicorn's ``post_fork`` hook: the new worker leaves the network before it serves."""

    def post_fork(server: Any, worker: Any) -> None:
        how = egress.confine(settings, relay)
        if how:
            server.log.info("worker %s: outbound connections refused by the kernel (%s)", worker.pid, how)

    return post_fork


def options(settings: Settings, relay: egress.Relay | None = None) -> dict[str, Any]:
    """gunicorn's settings for ``settings`` (also used by the benchmark)."""
    writable = bool(settings.update_token)
    return {
        "bind": f"{settings.host}:{settings.port}",
        "workers": 1 if writable else max(1, settings.workers),
        "threads": max(1, settings.threads),
        "worker_class": RetiringWorker,
        "post_worker_init": remember_worker,
        "worker_exit": leave,
        "post_fork": _confining(settings, relay),
        "preload_app": not writable,
        # A retiring worker may still be finishing queries that run up to the time limit.
        "graceful_timeout": int(settings.query_timeout) + 5,
        "timeout": max(30, int(settings.query_timeout * 3)),
        "keepalive": 5,
        "errorlog": "-",
        "loglevel": "info",
        **_access_log(settings),
    }


def _access_log(settings: Settings) -> dict[str, Any]:
    where = settings.access_log.strip()
    if where.lower() in ("", "off", "none", "no", "false", "0"):
        return {"accesslog": None}
    return {"accesslog": where, "access_log_format": COMBINED, "logger_class": CombinedLogger}


def run(settings: Settings, copy: MemoryCopy | None = None) -> int:
    """Serve ``settings``' store; ``copy`` is its in-memory copy when one was started."""
    from hcckg.server import create_app, site

    how = egress.check(settings)  # fails loudly, before anything listens, if it cannot hold
    relay = None
    if how and is_remote(settings.store):
        relay = egress.Relay(_engine_addresses(settings), timeout=settings.sparql_timeout)
    # The app is built while the copy is still being made (Flask's first app costs ~40 ms).
    # A worker never copies the store itself: the master does (server/reload.py).
    app = create_app({"SETTINGS": settings, "ON_RUNAWAY": retire_worker, "STORE_IN_MEMORY": False})
    follower = None
    with app.app_context():
        if not settings.update_token and not is_remote(settings.store):
            # Workers answer from the on-disk build at once, then from its memory copy and
            # from each newer build's (server/reload.py).
            url = f"http://{settings.host}:{settings.port}"
            follower = Follower(settings.store_path, site(), url)
            follower.begin(copy)
        elif not settings.update_token:
            site().warm()
    try:
        gunicorn(app, settings, relay, follower)
    finally:
        if relay is not None:
            relay.stop()
    return 0


def _engine_addresses(settings: Settings) -> list[tuple[str, int]]:
    from hcckg.graph.remote import endpoints

    urls = endpoints(
        settings.store.removeprefix("sparql:"), settings.sparql_update_url, settings.sparql_gsp_url
    )
    return egress.engine_addresses([urls.query, urls.update, urls.gsp])


def gunicorn(
    app: Any, settings: Settings, relay: egress.Relay | None = None, follower: Follower | None = None
) -> None:
    """Serve the WSGI ``app`` under gunicorn with hcckg's settings (the benchmark's Python
    floor runs a bare Flask app through this too)."""
    _Application(app, options(settings, relay), follower).run()
