"""Zero-downtime reload: the gunicorn master follows the store link and switches its
workers to each finished build without dropping a request.

``hcckg build`` (or ``hcckg load``) finishes by swapping the ``var/store`` link
(``graph/builds.py``). The master (:class:`Follower`, a thread) looks at the link every
``INTERVAL`` seconds; when it names another build, the master copies that build into
memory (``graph.memory.MemoryCopy``: a forked child dumps it, a thread parses it; the
workers go on answering meanwhile), then wakes its own loop with a SIGHUP. On that SIGHUP
(:class:`ReloadingArbiter`) the master hands the copy to the app, forks fresh workers,
which share it, and sends the old workers SIGTERM, which makes a ``RetiringWorker`` retire:
it stops accepting (the new workers take the new connections), answers what is already on
its connections, with "Connection: close", and exits. So in-flight requests finish on the
old store and every request after the switch gets the new one.

``kill -HUP <master pid>`` asks for the same at once (no need to wait ``INTERVAL``); when
the link names the build already served, SIGHUP is gunicorn's usual (fresh workers on the
same store). Start-up uses the same path: the workers first answer from the on-disk build,
each opening it read-only, while the master copies it into memory; then they are replaced.

Memory: while old workers finish their requests (at most ``graceful_timeout``, the time
limit + 5 s), two copies exist: the old one, now held only by the retiring workers, and
the new one, shared by the master and the new workers; during the copy the master holds
both plus the parser's working memory (measured in the README's Performance section).

Each switch is announced in ``<store>.builds/.serving/<pid>.json`` (``graph.builds.announce``),
which is how ``hcckg build`` knows whether a running server picked its build up.
"""

from __future__ import annotations

import logging
import signal
import threading
from pathlib import Path
from typing import Any

from gunicorn.arbiter import Arbiter

from hcckg.graph import builds
from hcckg.graph.memory import MemoryCopy

log = logging.getLogger("hcckg.reload")

INTERVAL = 0.5  # seconds between two looks at the store link


class Follower:
    """Follows ``link`` (the store's symbolic link) on behalf of the master; hands each new
    build's memory copy over through :meth:`take` once it is complete."""

    def __init__(self, link: Path, site: Any, url: str):
        self.link, self.site, self.url = link, site, url
        self.serving: Path | None = None  # the build the workers answer from
        self._copying: Path | None = None
        self._failed: Path | None = None  # a copy that failed: not tried again until the link moves
        self._ready: tuple[Path, Any] | None = None
        self._lock = threading.Lock()
        self._poke = threading.Event()
        self.wake: Any = lambda: None  # set by the arbiter: wakes its loop with a SIGHUP
        self.stopping = False

    # -- in the master's main thread ---------------------------------------------------
    def begin(self, copy: MemoryCopy | None) -> None:
        """Serve the current build from disk at once and copy it into memory meanwhile
        (``copy``: a copy of it already started)."""
        folder = self._target()
        if folder is None:
            return  # no build yet: the thread starts the copy once there is one
        self.site.use_disk(folder)
        self.serving = folder
        self._start_copy(folder, copy if copy is not None and copy.path == folder else None)

    def take(self) -> tuple[Path, Any] | None:
        with self._lock:
            ready, self._ready = self._ready, None
        return ready

    def has_ready(self) -> bool:
        with self._lock:
            return self._ready is not None

    def switch(self, folder: Path, store: Any) -> None:
        self.site.use(store)
        self.serving = folder
        log.info("now serving build %s from memory", folder.name)

    def announce(self) -> None:
        build = self.serving.name if self.serving is not None else None
        try:
            builds.announce(self.link, build, self.url)
        except OSError as err:  # a read-only store folder: the build cannot be told, serving goes on
            log.warning("cannot record the build served (%s)", err)

    def pending(self) -> bool:
        """Look at the link now; whether a new build is being copied (a SIGHUP then waits for it)."""
        with self._lock:
            self._failed = None  # asked again: try again
        self._check()
        with self._lock:
            return self._copying is not None

    # -- the follower thread -----------------------------------------------------------
    def start(self) -> None:
        threading.Thread(target=self._loop, name="hcckg-follow", daemon=True).start()

    def _loop(self) -> None:
        while not self.stopping:
            self._poke.wait(INTERVAL)
            self._poke.clear()
            try:
                self._check()
            except Exception:  # a bug here must not stop the following; it is logged
                log.exception("following the store link failed")

    def _target(self) -> Path | None:
        try:
            return self.link.resolve(strict=True) if self.link.exists() else None
        except OSError:
            return None

    def _check(self) -> None:
        target = self._target()
        with self._lock:
            ready = self._ready[0] if self._ready else None
            if target is None or target in (self.serving, self._copying, ready, self._failed):
                return
        self._start_copy(target, None)

    def _start_copy(self, folder: Path, copy: MemoryCopy | None) -> None:
        with self._lock:
            if self._copying is not None:
                return  # one copy at a time; the next look starts the newer one
            self._copying = folder
        threading.Thread(target=self._copy, args=(folder, copy), name="hcckg-copy-wait", daemon=True).start()

    def _copy(self, folder: Path, copy: MemoryCopy | None) -> None:
        try:
            log.info("copying build %s into memory", folder.name)
            store = (copy or MemoryCopy(folder)).result()
        except Exception as err:  # a build pruned meanwhile, a broken store: keep serving the old one
            log.error(
                "cannot copy build %s into memory (%s); still serving %s", folder.name, err, self.serving
            )
            with self._lock:
                self._copying, self._failed = None, folder
            return
        with self._lock:
            self._copying, self._ready = None, (folder, store)
        self.wake()


class ReloadingArbiter(Arbiter):
    """gunicorn's master, switching its workers to each new build (module docstring)."""

    follower: Follower | None = None

    def start(self) -> None:
        super().start()
        if self.follower is not None:
            self.follower.wake = self._wake_for_build
            self.follower.announce()
            self.follower.start()
            if self.follower.has_ready():  # the start-up copy was done before the loop ran
                self._wake_for_build()

    def _wake_for_build(self) -> None:
        # What gunicorn's own signal handler does, from the follower thread.
        if len(self.SIG_QUEUE) < 5:
            self.SIG_QUEUE.append(signal.SIGHUP)
        self.wakeup()

    def handle_hup(self) -> None:
        follower = self.follower
        ready = follower.take() if follower is not None else None
        if ready is not None:
            folder, store = ready
            follower.switch(folder, store)
            self.log.info("build %s: forking fresh workers; the old ones finish their requests", folder.name)
            self.reload()
            follower.announce()
            return
        if follower is not None and follower.pending():
            self.log.info("SIGHUP: a new build is being copied into memory; the workers switch once it is")
            return
        super().handle_hup()

    def halt(self, reason: str | None = None, exit_status: int = 0) -> None:
        if self.follower is not None:
            self.follower.stopping = True
            builds.withdraw(self.follower.link)
        super().halt(reason, exit_status)
