"""Running visitors' SPARQL safely: screening, the time limit and the size limit.

This is the one module that touches the store on behalf of a visitor; the endpoint, the
named-query API and the benchmark all go through :class:`Evaluator`.

Screening and limits (before evaluation): ``server/screen.py`` refuses SERVICE and LOAD
and queries too large or too deeply nested to parse safely; ``server/egress.py`` makes the
operating system refuse any outbound connection all the same. A query that does not parse
and starts (after its prologue) with an update keyword is reported as an update.

Time limit. pyoxigraph has no timeout and does not check Python signals while it
evaluates, but it releases the GIL while it evaluates and serialises. So each query runs
in a daemon thread; the request thread waits at most ``timeout`` seconds for it. The
threads are long-lived and reused (:class:`Runner`): starting a thread per query cost as
much as the rest of Flask on a fast request (bench/README.md). On timeout the visitor gets
``QueryTimeout`` (503) at once, the runner is abandoned (it exits if its query ever ends)
and ``on_runaway`` is called (on a remote store the engine stops the query at the limit
itself and its timeout is a plain 503: the worker retires only if the engine has not
answered ``REMOTE_GRACE`` seconds later):
under ``hcckg serve`` it asks the gunicorn worker to shut down gracefully (it finishes its
other requests, then exits, and the Rust evaluation dies with the process; gunicorn forks
a fresh worker from the preloaded master). The other workers answer meanwhile.

Priority. A query still running after ``SLOW_QUERY`` seconds has its thread reniced
(``SLOW_NICE``): quick requests keep the cores, a runaway gets what is left.

Memory limit. A query that builds a huge join (a cross product) grows the process by
hundreds of MiB a second (1.9 GiB in 10 s at 1M triples, measured), so while it runs the
request thread also watches the process's resident size: past its size when it served
its first query plus ``memory_mib`` (HCCKG_QUERY_MEMORY), the query is stopped like a
runaway (503) and the worker retires. Queries under 50 ms are never checked.

Size limit, on the fast path. SELECT results are written by pyoxigraph's own serialiser
(which releases the GIL) into a writer that keeps the chunks and counts row markers in
them with ``bytes.count``: ``<result>`` in XML and line ends in TSV are exact, ``},{`` in
JSON and ``\\r\\n`` in CSV can also occur inside a literal, so they are an upper bound.
When the count passes ``max_rows`` the writer stops the serialiser. An exact count means
``ResultTooLarge`` (413); an upper bound sends the query down the slow path: evaluate
again, count rows in Python, and either refuse it or serialise it again without a
limit. CONSTRUCT/DESCRIBE triples are taken in Python up to ``max_rows + 1`` (graph
answers are small and JSON-LD needs them whole) and serialised natively. Answers are
kept as the serialiser's chunks and sent chunked; the limits bound their size.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from typing import Any

import pyoxigraph as ox

from hcckg.graph.store import result_form
from hcckg.ground import iris
from hcckg.ground.errors import (
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
)
from hcckg.server.limits import SLOW_QUERY, CountingWriter, Overflow, Runner, resident
from hcckg.server.negotiation import Format
from hcckg.server.screen import check_limits, has_relative_iri, is_update, screen

log = logging.getLogger(__name__)


def _release_frames(err: BaseException | None) -> None:
    """pyoxigraph's result objects must be dropped by the thread that made them: clear the
    locals of the traceback's frames (and of chained errors) before the error changes thread."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        traceback.clear_frames(err.__traceback__)
        err = err.__cause__ or err.__context__


# A remote engine is given the time limit itself and stops the query (graph/remote.py): its
# 503 is a plain one. The evaluator waits this much longer before it gives up on the engine
# and retires the worker as for an embedded runaway (an engine that ignored its limit).
REMOTE_GRACE = 5.0
# How often a running query's time and the process's memory are checked (seconds).
WATCH_STEP = 0.05
# Idle evaluation threads kept for reuse; more than the server's request threads would
# only come from a burst of concurrent requests, and those extra threads then leave.
MAX_IDLE_RUNNERS = 64


@dataclass
class Answer:
    """A serialised query answer: its format and the serialiser's chunks (joined once, on
    first use, into ``body``; ``gzipped``: its gzip, made by the endpoint when needed)."""

    format: Format
    chunks: list[bytes]
    gzipped: bytes | None = None
    _body: bytes | None = None

    @property
    def body(self) -> bytes:
        if self._body is None:
            self._body = self.chunks[0] if len(self.chunks) == 1 else b"".join(self.chunks)
            self.chunks = [self._body]
        return self._body


class Evaluator:
    """Runs queries on ``store`` (anything with graph.store.EmbeddedStore's ``query``) under
    the time, memory and size limits."""

    def __init__(
        self,
        store: Any,
        *,
        timeout: float,
        max_rows: int,
        on_runaway: Callable[[], None] | None = None,
        memory_mib: int = 0,
    ):
        self.store = store
        self.timeout = timeout
        self.max_rows = max_rows
        self.on_runaway = on_runaway or (lambda: None)
        self.memory = memory_mib * 2**20  # 0: no memory limit
        self._pid = 0  # the process the runners and the baseline belong to (set on first use)
        self._idle: list[Runner] = []  # runners waiting for a query
        self._memory_ceiling: int | None = None

    # -- public ----------------------------------------------------------------------
    def run(
        self,
        sparql: str,
        choose: Callable[[str], Format],
        *,
        default_graph: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
        base_iri: str | None = None,
    ) -> Answer:
        """Screen, evaluate and serialise one query. ``choose("results")`` or
        ``choose("graph")`` picks the format once the query form is known; relative IRIs
        resolve against ``base_iri``."""
        screen(sparql)
        check_limits(sparql)
        kwargs: dict[str, Any] = {"default_graph": default_graph, "named_graphs": named_graphs}
        if base_iri is not None and has_relative_iri(sparql):
            if self.store.kind == "oxigraph":
                kwargs["base_iri"] = base_iri
            else:  # a SPARQL server resolves against its own URL: state the base first
                sparql = f"BASE <{ox.NamedNode(base_iri).value}>\n{sparql}"
        try:
            return self.bounded(lambda: self._answer(sparql, choose, kwargs))
        except QuerySyntaxError:
            if is_update(sparql):
                raise QueryRejected(
                    "SPARQL updates are not accepted at /sparql: the endpoint is read-only."
                ) from None
            raise

    def update(self, sparql: str) -> None:
        """A SPARQL update (only for ``/sparql/update``), still screened and time-limited."""
        screen(sparql, update=True)
        check_limits(sparql)
        self.bounded(lambda: self.store.update(sparql))

    def bounded(self, work: Callable[[], Any]) -> Any:
        """``work()`` in a daemon thread, given at most ``timeout`` seconds."""
        box: dict[str, Any] = {}
        done = threading.Event()

        def job() -> None:
            try:
                box["value"] = work()
            except BaseException as err:  # handed to the request thread, which raises it
                _release_frames(err)
                box["error"] = err
            finally:
                done.set()

        runner = self._runner()
        runner.jobs.put(job)
        stopped = self._watch(done, runner)
        if stopped:
            runner.jobs.put(None)  # abandoned: it leaves if its query ever ends
            log.warning("query stopped (%s); retiring this worker", stopped)
            self.on_runaway()
            raise QueryTimeout(
                f"the query was stopped {stopped}. Narrow it (more specific patterns, a LIMIT) and try again."
            )
        self._release(runner)
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _watch(self, done: threading.Event, runner: Runner) -> str | None:
        """Wait for ``done``; why the query must be stopped, or None once it is done."""
        started = time.monotonic()
        limit = self.timeout + (
            REMOTE_GRACE if getattr(self.store, "kind", "oxigraph") != "oxigraph" else 0.0
        )
        while not done.wait(min(WATCH_STEP, max(0.0, started + limit - time.monotonic()))):
            elapsed = time.monotonic() - started
            if elapsed >= SLOW_QUERY and not runner.demoted:
                runner.demote()
            ceiling = self._memory_ceiling
            if ceiling is not None and resident() > ceiling:
                return (
                    f"when the server process passed its memory limit ({self.memory // 2**20} MiB "
                    "for queries, HCCKG_QUERY_MEMORY)"
                )
            if elapsed >= limit:
                return f"after {limit:g} s (the time limit, HCCKG_QUERY_TIMEOUT)"
        return None

    def _runner(self) -> Runner:
        if self._pid != os.getpid():  # threads do not survive a fork: start afresh
            self._pid, self._idle = os.getpid(), []
            # The baseline is the process as it starts serving (the store copy included).
            baseline = resident()
            self._memory_ceiling = baseline + self.memory if self.memory and baseline else None
        try:
            return self._idle.pop()  # atomic under the GIL, like append
        except IndexError:
            return Runner()

    def _release(self, runner: Runner) -> None:
        if not runner.demoted and len(self._idle) < MAX_IDLE_RUNNERS:
            self._idle.append(runner)
        else:
            runner.jobs.put(None)

    # -- inside the evaluation thread --------------------------------------------------
    def _answer(self, sparql: str, choose: Callable[[str], Format], kwargs: dict) -> Answer:
        result = self.store.query(sparql, **kwargs)
        form = result_form(result)  # a remote store's results are not pyoxigraph's classes
        if form == "boolean":
            fmt = choose("results")
            return Answer(fmt, [result.serialize(format=fmt.oxigraph)])
        if form == "solutions":
            fmt = choose("results")
            return Answer(fmt, self._solutions(sparql, result, fmt.oxigraph, kwargs))
        fmt = choose("graph")
        triples = list(islice(result, self.max_rows + 1))
        if len(triples) > self.max_rows:
            raise self._too_large("triples")
        return Answer(fmt, [ox.serialize(triples, format=fmt.oxigraph, prefixes=iris.STANDARD_PREFIXES)])

    def _solutions(self, sparql: str, result: Any, fmt: ox.QueryResultsFormat, kwargs: dict) -> list[bytes]:
        writer = CountingWriter(fmt, self.max_rows)
        try:
            result.serialize(writer, fmt)
            return writer.chunks
        except Overflow:
            if writer.exact:
                raise self._too_large("rows") from None
        # The marker may have been inside literals: count exactly, then write without a limit.
        rows = sum(1 for _ in islice(self.store.query(sparql, **kwargs), self.max_rows + 1))
        if rows > self.max_rows:
            raise self._too_large("rows")
        writer = CountingWriter(fmt, float("inf"))
        self.store.query(sparql, **kwargs).serialize(writer, fmt)
        return writer.chunks

    def _too_large(self, what: str) -> ResultTooLarge:
        return ResultTooLarge(
            f"the result has more than {self.max_rows} {what} (the size limit, HCCKG_MAX_ROWS). "
            "Add a LIMIT (and OFFSET to page), or download a dump from /dumps/."
        )


# -- the store a server process answers from -------------------------------------------


def open_for_serving(settings: Any, *, in_memory: bool = True, writable: bool = False) -> Any:
    """The store named by ``settings``. An embedded on-disk store is copied into memory
    (``in_memory``): measured 1.15-1.46x the Oxigraph server's throughput against
    0.65-0.83x from disk. Under ``hcckg serve`` this runs once in the gunicorn master and
    the workers share the copy through fork. ``writable`` (for ``/sparql/update``) opens
    the on-disk store read-write instead, so updates persist."""
    from hcckg.graph.memory import copy_into_memory
    from hcckg.graph.store import is_remote, open_store

    if writable or not in_memory or is_remote(settings.store):
        return open_store(settings, read_only=not writable)
    return copy_into_memory(settings.store_path)
