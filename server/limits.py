"""The pieces the evaluator's limits are made of: the row-counting writer, the evaluation
threads and the process's resident size (``server/evaluation.py`` puts them together).

Evaluation threads (:class:`Runner`) are long-lived daemon threads with a stack of
``EVALUATION_STACK`` (``server/screen.py``): Oxigraph's parser and evaluator recurse per
nesting level, and the screen's limits are set so that the deepest query they let through
uses a small part of it.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable
from typing import Any

import pyoxigraph as ox

from hcckg.server.screen import EVALUATION_STACK


class Overflow(Exception):
    """Raised inside pyoxigraph's serialiser to stop it once the row count passes the limit."""


# (marker, rows = count + offset, count is exact)
_ROW_MARKERS: dict[ox.QueryResultsFormat, tuple[bytes, int, bool]] = {
    ox.QueryResultsFormat.XML: (b"<result>", 0, True),
    ox.QueryResultsFormat.TSV: (b"\n", -1, True),
    ox.QueryResultsFormat.JSON: (b"},{", 1, False),
    ox.QueryResultsFormat.CSV: (b"\r\n", -1, False),
}


class CountingWriter:
    """A binary file for pyoxigraph's serialiser: keeps the chunks, counts row markers."""

    def __init__(self, fmt: ox.QueryResultsFormat, limit: float):
        self.marker, self.offset, self.exact = _ROW_MARKERS[fmt]
        self.limit = limit
        self.count = 0
        self.tail = b""
        self.chunks: list[bytes] = []

    def write(self, data: Any) -> int:
        data = bytes(data)
        seen = self.tail + data
        self.count += seen.count(self.marker)
        keep = len(self.marker) - 1
        self.tail = seen[-keep:] if keep else b""
        self.chunks.append(data)
        if self.count + self.offset > self.limit:
            raise Overflow
        return len(data)

    def flush(self) -> None:
        """pyoxigraph flushes at the end; the chunks are already kept."""


_PAGE = os.sysconf("SC_PAGE_SIZE")


def resident() -> int:
    """This process's resident size in bytes (0 where /proc is missing: no memory limit)."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


# A query running longer than this (seconds) is moved to a lower CPU priority (nice), so
# that a runaway shares the cores with the quick requests instead of taking one whole:
# at 1M triples a cross product running into the limits left the others 0.35 of their
# throughput (bench/README.md).
SLOW_QUERY = 0.5
SLOW_NICE = 10
_stack_lock = threading.Lock()


class Runner:
    """A daemon thread that runs the jobs put on its queue, one at a time, until it gets
    ``None``. Only one job is ever queued: the runner is out of the idle list meanwhile."""

    def __init__(self) -> None:
        self.jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self.tid: int | None = None
        self.demoted = False
        thread = threading.Thread(target=self._loop, name="hcckg-query", daemon=True)
        # threading.stack_size is process-wide: set it only while this thread starts.
        with _stack_lock:
            before = threading.stack_size(EVALUATION_STACK)
            try:
                thread.start()
            finally:
                threading.stack_size(before)

    def demote(self) -> None:
        """Lower this thread's CPU priority (Linux nice is per thread). A process may not
        raise it again, so a demoted runner is not reused."""
        self.demoted = True
        if self.tid is not None:
            with contextlib.suppress(OSError, AttributeError):
                nice = os.getpriority(os.PRIO_PROCESS, self.tid)
                os.setpriority(os.PRIO_PROCESS, self.tid, min(19, nice + SLOW_NICE))

    def _loop(self) -> None:
        self.tid = threading.get_native_id()
        while (job := self.jobs.get()) is not None:
            job()
            del job  # drop the job's closure (and pyoxigraph objects in it) in this thread
