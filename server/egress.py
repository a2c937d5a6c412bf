"""Egress: the processes that evaluate visitors' queries cannot open outbound connections.

The screen (``server/screen.py``) refuses SERVICE and LOAD, but a text check in front of a
different parser can have gaps; this module makes the operating system the guarantee.

Each ``hcckg serve`` worker, right after gunicorn forks it (its listening socket already
exists, inherited from the master), moves into a new **network namespace** of its own
(``unshare(CLONE_NEWNET)``; as a non-root user inside a new user namespace as well). That
namespace has no interface but a loopback that is down: the kernel has no route to any
address, 127.0.0.1 included, so pyoxigraph's SERVICE client (or anything else) gets
"network unreachable" before a packet exists. The listening socket belongs to the
namespace it was made in, so the worker still accepts visitors' connections.
:func:`confine` then checks the rule holds (a UDP ``connect`` to loopback and to a TEST-NET
address must fail) and raises otherwise.

With a remote store (``HCCKG_STORE=sparql:URL``) the workers are confined the same way, and
the master starts a **relay** (:class:`Relay`, a process of its own in the host's namespace)
with one Unix socket per engine address (host and port of the query, update and Graph Store
URLs). In a worker, ``socket.create_connection`` to one of those addresses connects to its
relay socket, which connects to that address and nowhere else; any other address goes to
the kernel, which has no route. The relay, not the worker, decides where bytes go.

``hcckg serve`` checks at start-up (:func:`check`, in a forked probe) that this can be
enforced and stops with a clear message when it cannot (no root and no unprivileged user
namespaces, or a seccomp profile that forbids ``unshare``), unless the operator sets
``HCCKG_EGRESS=off``. Needs: Linux with network namespaces; root or CAP_SYS_ADMIN, or
unprivileged user namespaces (Debian's default, ``kernel.unprivileged_userns_clone=1``).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import socket
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from hcckg.ground.errors import ConfigError
from hcckg.ground.settings import Settings

CLONE_NEWNET = 0x40000000
CLONE_NEWUSER = 0x10000000
PR_SET_PDEATHSIG = 1
MODES = ("confine", "off")
# Addresses a confined process must not reach: loopback (v4, v6) and TEST-NET-1 (RFC 5737).
# UDP connect() only looks the route up: no packet is sent, whatever the outcome.
_PROBES = (
    (socket.AF_INET, ("127.0.0.1", 9)),
    (socket.AF_INET6, ("::1", 9)),
    (socket.AF_INET, ("192.0.2.1", 9)),
)
_UNREACHABLE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL, errno.EPERM, errno.EACCES}
_RELAY_CHUNK = 64 * 1024


class EgressError(ConfigError):
    """The egress rule cannot be enforced (or does not hold)."""


def _libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def _unshare(flags: int) -> None:
    if _libc().unshare(flags) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def isolate() -> str:
    """Move this process into a network namespace with no interfaces; how it was done.
    Must run while the process has one thread (a user namespace requires it)."""
    try:
        _unshare(CLONE_NEWNET)
        return "network namespace"
    except PermissionError:
        pass
    uid, gid = os.geteuid(), os.getegid()
    try:
        _unshare(CLONE_NEWUSER | CLONE_NEWNET)
        # Map this user to itself, so files keep their owner as seen from inside.
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError as err:
        raise EgressError(
            f"cannot confine the server's workers to a network namespace ({err}): run as root, "
            "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1), "
            "or set HCCKG_EGRESS=off to serve without this guarantee"
        ) from err
    return "user and network namespace"


def verify() -> None:
    """Raise EgressError unless every probe address is unreachable from this process."""
    for family, address in _PROBES:
        try:
            probe = socket.socket(family, socket.SOCK_DGRAM)
        except OSError:
            continue  # no such family at all: unreachable
        with probe:
            try:
                probe.connect(address)
            except OSError as err:
                if err.errno in _UNREACHABLE:
                    continue
                raise EgressError(f"egress probe to {address[0]} failed oddly: {err}") from err
            raise EgressError(f"egress rule does not hold: {address[0]} is reachable from a confined worker")


def confine(settings: Settings, relay: Relay | None = None) -> str | None:
    """Confine this (worker) process as ``settings`` say; what enforces it, or None when off."""
    if settings.egress == "off":
        return None
    how = isolate()
    verify()
    if relay is not None:
        route(relay.routes)
        how += ", the SPARQL engine through the master's relay"
    return how


def mode(settings: Settings) -> str:
    if settings.egress not in MODES:
        raise ConfigError(f"HCCKG_EGRESS={settings.egress!r}: expected one of {', '.join(MODES)}")
    return settings.egress


def check(settings: Settings) -> str | None:
    """At start-up, in the master: confine a forked probe and report how, or fail loudly."""
    if mode(settings) == "off":
        return None
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the probe: confine, report, leave without exit handlers
        os.close(read_end)
        try:
            message, status = f"ok {isolate()}", 0
            verify()
        except BaseException as err:
            message, status = str(err), 1
        os.write(write_end, message.encode())
        os._exit(status)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as answer:
        message = answer.read().decode(errors="replace")
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise EgressError(message or f"the egress probe died (status {status})")
    return message.removeprefix("ok ")


# -- remote store: the relay -----------------------------------------------------------------


def engine_addresses(urls: Iterable[str | None]) -> list[tuple[str, int]]:
    """The (host, port) pairs of the engine's URLs, each once."""
    out: list[tuple[str, int]] = []
    for url in urls:
        if not url:
            continue
        parts = urlsplit(url)
        if parts.hostname:
            address = (parts.hostname.lower(), parts.port or (443 if parts.scheme == "https" else 80))
            if address not in out:
                out.append(address)
    return out


class _RelayedSocket(socket.socket):
    """A Unix socket standing in for a TCP one: TCP options (http.client sets TCP_NODELAY)
    do not apply to it and are ignored."""

    def setsockopt(self, level: int, option: int, value: Any, *rest: Any) -> None:  # type: ignore[override]
        if level == socket.IPPROTO_TCP:
            return
        super().setsockopt(level, option, value, *rest)


def route(routes: dict[tuple[str, int], str]) -> None:
    """In a confined worker: connections to the engine's addresses go to their relay sockets.
    Both places a connection is opened from are routed: ``socket.create_connection``
    (http.client) and ``urllib3.util.connection.create_connection`` (urllib3, under the remote
    store's ``requests``); any other address still goes to the kernel, which has no route."""
    import urllib3.util.connection as urllib3_connection

    for module in (socket, urllib3_connection):
        module.create_connection = _routed(routes, module.create_connection)


def _routed(routes: dict[tuple[str, int], str], direct: Any) -> Any:
    def create_connection(
        address: tuple, timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT, *args: Any, **kw: Any
    ):
        path = routes.get((str(address[0]).lower(), int(address[1])))
        if path is None:
            return direct(address, timeout, *args, **kw)  # the kernel refuses it: no route
        relayed = _RelayedSocket(socket.AF_UNIX, socket.SOCK_STREAM)
        if isinstance(timeout, int | float):  # not a library's "default timeout" sentinel
            relayed.settimeout(timeout)
        try:
            relayed.connect(path)
        except OSError:
            relayed.close()
            raise
        return relayed

    return create_connection


class Relay:
    """A process in the host's network namespace that forwards each connection on its Unix
    sockets to one fixed engine address. It dies with the process that started it."""

    def __init__(self, addresses: list[tuple[str, int]], timeout: float):
        self.folder = tempfile.mkdtemp(prefix="hcckg-relay-")  # mode 0700: this user only
        self.routes = {address: os.path.join(self.folder, f"{i}.sock") for i, address in enumerate(addresses)}
        listeners = []
        for address, path in self.routes.items():
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            listener.bind(path)
            listener.listen(128)
            listeners.append((listener, address))
        self.pid = os.fork()
        if self.pid == 0:
            _die_with_parent()
            try:
                self._serve(listeners, timeout)
            finally:
                os._exit(0)
        for listener, _ in listeners:
            listener.close()

    @staticmethod
    def _serve(listeners: list[tuple[socket.socket, tuple[str, int]]], timeout: float) -> None:
        for listener, address in listeners:
            threading.Thread(target=_accept, args=(listener, address, timeout), daemon=True).start()
        threading.Event().wait()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        for path in self.routes.values():
            with contextlib.suppress(OSError):
                os.unlink(path)
        with contextlib.suppress(OSError):
            os.rmdir(self.folder)


def _die_with_parent() -> None:
    """Ask the kernel to kill this process when its parent dies (PR_SET_PDEATHSIG)."""
    parent = os.getppid()
    _libc().prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(0)


def _accept(listener: socket.socket, address: tuple[str, int], timeout: float) -> None:
    while True:
        client, _ = listener.accept()
        threading.Thread(target=_forward, args=(client, address, timeout), daemon=True).start()


def _forward(client: socket.socket, address: tuple[str, int], timeout: float) -> None:
    try:
        upstream = socket.create_connection(address, timeout=timeout)
    except OSError:
        client.close()
        return
    upstream.settimeout(None)
    threading.Thread(target=_pump, args=(upstream, client), daemon=True).start()
    _pump(client, upstream)


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(_RELAY_CHUNK):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (source, sink):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        source.close()
