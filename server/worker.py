"""The gunicorn worker of ``hcckg serve``: gthread's, able to retire at once without
dropping a request (a query past the time limit retires its worker: see
``server/evaluation.py``), and answering what gunicorn's parser refuses in plain text."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import selectors
import signal
import socket
import threading
import time
from functools import partial
from typing import Any

from gunicorn import util as gunicorn_util
from gunicorn.workers.gthread import TConn, ThreadWorker

from hcckg.server import intake

# A connection is closed after this many requests (like nginx's keepalive_requests), so
# that busy keep-alive clients spread over the workers again, a respawned one included.
KEEPALIVE_REQUESTS = 100
# How long (s) a retiring worker keeps a keep-alive connection open while it is idle: a
# client that answered promptly is served (with "Connection: close"); one idle that long
# is closed, with the same race as any keep-alive timeout.
RETIRING_GRACE = 0.1


def _receive(client: Any) -> bytes | None:
    """What a readable socket has: bytes, b"" when the client left (or the socket failed),
    None when nothing came after all (a spurious wake-up)."""
    try:
        return client.recv(intake.RECV_BYTES)
    except (BlockingIOError, InterruptedError):
        return None
    except OSError:
        return b""


class RetiringWorker(ThreadWorker):
    """gunicorn's gthread worker, able to retire at once without dropping a request.

    A plain SIGTERM makes the worker leave its loop while it may just have accepted a
    connection that it then drops (the client sees a reset). Retiring instead stops
    accepting (the other workers take new connections), answers every request that still
    comes on its connections with "Connection: close", closes keep-alive connections idle
    for ``RETIRING_GRACE``, and leaves once it has no connection, or after gunicorn's
    ``graceful_timeout`` whatever its connections do (a client that connected and never
    sent anything would otherwise keep it, and its runaway query, alive). gthread's loop
    sleeps up to 1 s in its poller between events, so a retiring worker wakes it every
    ``RETIRING_GRACE / 2``: unwoken it took 2.1 s to exit (measured under wrk at 1M
    triples), serving nothing while its runaway query ran on. It relies on gthread's
    internals (``poller``, ``nr_conns``, ``_keep``, ``_lock``), which is why gunicorn is
    pinned below 24.
    """

    retiring = False
    _retired_at = 0.0
    _wake = -1

    def init_process(self) -> None:
        self._pending: dict[TConn, float] = {}  # connections whose request is still arriving
        self._draining: dict[TConn, float] = {}  # refused by the intake, being read to the end
        super().init_process()

    def run(self) -> None:
        wake, self._wake = os.pipe()
        for fd in (wake, self._wake):
            os.set_blocking(fd, False)
        self.poller.register(wake, selectors.EVENT_READ, lambda fd: os.read(fd, 512))
        super().run()

    def handle_exit(self, sig: int, frame: Any) -> None:
        """SIGTERM (the master replacing its workers after a new build, or stopping): retire,
        so that nothing already on a connection is dropped (gunicorn's own handler just
        leaves the loop). The master kills what is left after ``graceful_timeout``."""
        self.retire()

    def retire(self) -> None:
        """Start retiring (called from a request thread; the worker's loop does the rest)."""
        if not self.retiring:
            self._retired_at = time.monotonic()
            self.retiring = True
            threading.Thread(target=self._wake_while_retiring, name="hcckg-retire", daemon=True).start()

    def handle_request(self, req: Any, conn: Any) -> bool:
        conn.hcckg_served = getattr(conn, "hcckg_served", 0) + 1
        if self.retiring or conn.hcckg_served >= KEEPALIVE_REQUESTS or conn.hcckg_unread:
            req.must_close = True  # the answer says "Connection: close"
        return super().handle_request(req, conn)

    # -- intake: a request goes to a thread only once it has arrived (server/intake.py) --
    def accept(self, server: Any, listener: Any) -> None:
        if self.retiring:
            self._stop_listening()
            return
        try:
            sock, client = listener.accept()
        except OSError as err:
            if err.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        conn = TConn(self.cfg, sock, client, server)
        conn.hcckg_buffer, conn.hcckg_unread = b"", False
        self.nr_conns += 1
        with self._lock:
            self._pending[conn] = time.monotonic() + intake.READ_TIMEOUT
            self.poller.register(
                conn.sock, selectors.EVENT_READ, partial(self.on_client_socket_readable, conn)
            )

    def on_client_socket_readable(self, conn: Any, client: Any) -> None:
        data = _receive(client)
        if data is None:
            return
        with self._lock:
            if not self._detach(conn, keep_registered=bool(data)):
                return  # closed meanwhile (a keep-alive timeout)
            if not data:  # the client left
                self.nr_conns -= 1
                conn.close()
                return
            conn.hcckg_buffer += data
            got = intake.state(conn.hcckg_buffer)
            if got == intake.PARTIAL:
                self._pending.setdefault(conn, time.monotonic() + intake.READ_TIMEOUT)
                return
            with contextlib.suppress(KeyError, ValueError):
                self.poller.unregister(client)
            refusal = intake.refusal(got, conn.hcckg_buffer)
            if refusal is not None:
                self._pending.pop(conn, None)
                self._refuse(conn, refusal)
                return
        conn.hcckg_unread = got != intake.COMPLETE  # answered from what came, then closed
        self.enqueue_req(conn)

    def _refuse(self, conn: Any, answer: bytes) -> None:
        """Answer ``conn`` without a thread, then read and drop what it still sends for up to
        ``intake.DRAIN_SECONDS`` before closing: closing with unread bytes would reset the
        connection and could destroy the answer in flight. The caller holds the lock."""
        with contextlib.suppress(OSError):
            conn.sock.send(answer)
            conn.sock.shutdown(socket.SHUT_WR)
        self._draining[conn] = time.monotonic() + intake.DRAIN_SECONDS
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._drain, conn))

    def _drain(self, conn: Any, client: Any) -> None:
        data = _receive(client)
        if data == b"":
            with self._lock:
                self._drop_draining(conn)

    def _drop_draining(self, conn: Any) -> None:
        if self._draining.pop(conn, None) is not None:
            with contextlib.suppress(KeyError, ValueError, OSError):
                self.poller.unregister(conn.sock)
            self.nr_conns -= 1
            conn.close()

    def _detach(self, conn: Any, *, keep_registered: bool) -> bool:
        """Take ``conn`` out of the keep-alive list (its request is arriving); False if it
        is no longer known. The caller holds the lock."""
        if conn.initialized and conn not in self._pending:
            try:
                self._keep.remove(conn)
            except ValueError:
                return False
        if not keep_registered:
            self._pending.pop(conn, None)
            with contextlib.suppress(KeyError, ValueError, OSError):
                self.poller.unregister(conn.sock)
        return True

    def enqueue_req(self, conn: Any) -> None:
        conn.init()
        buffered, conn.hcckg_buffer = conn.hcckg_buffer, b""
        with self._lock:
            self._pending.pop(conn, None)
        if buffered:
            conn.parser.unreader.unread(buffered)
        # The request is here; a malformed one may still make the parser wait: not for long.
        conn.sock.settimeout(intake.READ_TIMEOUT)
        fs = self.tpool.submit(self.handle, conn)
        self._wrap_future(fs, conn)

    def murder_keepalived(self) -> None:
        super().murder_keepalived()
        now = time.monotonic()
        with self._lock:
            late = [conn for conn, deadline in self._pending.items() if deadline < now]
            for conn in late:
                del self._pending[conn]
                with contextlib.suppress(KeyError, ValueError, OSError):
                    self.poller.unregister(conn.sock)
            for conn in late:
                self._refuse(conn, intake.timeout_answer())
            for conn in [c for c, deadline in self._draining.items() if deadline < now]:
                self._drop_draining(conn)

    def notify(self) -> None:
        super().notify()
        if self.retiring:
            self._stop_listening()
            self._close_idle_connections()
            if self.nr_conns <= 0 or time.monotonic() - self._retired_at > self.cfg.graceful_timeout:
                self.alive = False

    def _wake_while_retiring(self) -> None:
        while True:  # until the process exits: the last turn, once alive is False, too
            with contextlib.suppress(OSError):  # a full pipe is already waking the loop
                os.write(self._wake, b"!")
            time.sleep(RETIRING_GRACE / 2)

    def _close_idle_connections(self) -> None:
        # gthread sets a kept connection's timeout to its last answer + keepalive.
        answered_before = time.time() - RETIRING_GRACE + self.cfg.keepalive
        with self._lock:
            idle = [conn for conn in self._keep if conn.timeout < answered_before]
            for conn in idle:
                self._keep.remove(conn)
                with contextlib.suppress(KeyError, ValueError, OSError):
                    self.poller.unregister(conn.sock)
        for conn in idle:
            self.nr_conns -= 1
            conn.close()

    def _stop_listening(self) -> None:
        with self._lock:
            for sock in self.sockets:
                with contextlib.suppress(KeyError, ValueError):
                    self.poller.unregister(sock)


def _write_plain_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's answer to a request its parser refuses (bad header, chunk size, version),
    in plain text like every other hcckg error, instead of gunicorn's small HTML page."""
    body = f"{reason}: {mesg}\n".encode("latin-1", "replace")
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n"
    )
    gunicorn_util.write_nonblock(
        sock, head.encode("latin-1", "replace") + b"Content-Length: %d\r\n\r\n" % len(body) + body
    )


# Worker.handle_error calls util.write_error by name: this is the one place it is replaced.
gunicorn_util.write_error = _write_plain_error

_worker: RetiringWorker | None = None


def remember_worker(worker: Any) -> None:
    """gunicorn's ``post_worker_init``: remember the worker (to retire it) and open the
    store it answers from before the first request comes."""
    global _worker
    _worker = worker if isinstance(worker, RetiringWorker) else None
    state = getattr(worker.wsgi, "extensions", {}).get("hcckg")
    if state is not None:
        state.warm()


def leave(server: Any, worker: Any) -> None:
    """gunicorn's ``worker_exit``: the worker has answered everything; leave now, without
    the interpreter's teardown. Tearing down freed the whole store copy page by page (the
    pages are the master's, shared), and a second SIGTERM from the master arriving then,
    once Python's handlers were gone, killed the worker and gunicorn logged an error."""
    logging.shutdown()  # flush the logs first: _exit does not
    os._exit(0)


def retire_worker() -> None:
    """Ask this gunicorn worker to finish its requests and exit (gunicorn replaces it)."""
    if _worker is not None:
        _worker.retire()
    else:
        os.kill(os.getpid(), signal.SIGTERM)
