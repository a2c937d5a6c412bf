"""The evaluator's time limit: reused evaluation threads, abandoned runaways, and the
named-query API held to the same limit as /sparql."""

from __future__ import annotations

import dataclasses
import os
import threading
import time

import pytest

from hcckg.graph.store import memory_store
from hcckg.ground.errors import QueryTimeout
from hcckg.server import create_app
from hcckg.server.evaluation import Evaluator
from hcckg.server.limits import SLOW_NICE, SLOW_QUERY


def test_evaluation_threads_are_reused_between_queries():
    evaluator = Evaluator(memory_store(), timeout=5, max_rows=10)
    threads = {evaluator.bounded(threading.get_ident) for _ in range(20)}
    assert len(threads) == 1
    assert threading.get_ident() not in threads  # still off the request thread


def test_concurrent_queries_each_get_a_thread_and_their_own_answer():
    evaluator = Evaluator(memory_store(), timeout=5, max_rows=10)
    barrier = threading.Barrier(4)
    answers: dict[int, tuple[int, int]] = {}

    def request(i: int) -> None:
        def work() -> tuple[int, int]:
            barrier.wait(timeout=5)  # all four are evaluating at once
            return i, threading.get_ident()

        answers[i] = evaluator.bounded(work)

    requests = [threading.Thread(target=request, args=(i,)) for i in range(4)]
    for r in requests:
        r.start()
    for r in requests:
        r.join(10)
    assert {i: a[0] for i, a in answers.items()} == {0: 0, 1: 1, 2: 2, 3: 3}
    assert len({a[1] for a in answers.values()}) == 4


def test_an_error_reaches_the_request_and_the_thread_serves_on():
    evaluator = Evaluator(memory_store(), timeout=5, max_rows=10)
    with pytest.raises(ZeroDivisionError):
        evaluator.bounded(lambda: 1 / 0)
    assert evaluator.bounded(lambda: 42) == 42


def test_a_runaway_is_abandoned_and_the_next_query_gets_a_fresh_thread():
    runaways: list[bool] = []
    evaluator = Evaluator(memory_store(), timeout=0.2, max_rows=10, on_runaway=lambda: runaways.append(True))
    first = evaluator.bounded(threading.get_ident)
    release = threading.Event()

    def stuck() -> int:
        release.wait(120)  # an evaluator that waited for it would return its value instead
        return threading.get_ident()

    with pytest.raises(QueryTimeout, match="HCCKG_QUERY_TIMEOUT"):
        evaluator.bounded(stuck)
    assert runaways == [True] and not release.is_set()
    # The stuck thread was the idle one; the next query must not queue behind it.
    assert evaluator.bounded(lambda: "answered") == "answered"
    assert evaluator.bounded(threading.get_ident) != first
    release.set()


def test_the_named_query_api_is_held_to_the_time_limit(sample_store_settings):
    runaways: list[bool] = []
    settings = dataclasses.replace(sample_store_settings, query_timeout=1e-9)
    app = create_app({"SETTINGS": settings, "ON_RUNAWAY": lambda: runaways.append(True), "TESTING": True})
    answer = app.test_client().get("/api/queries/gaps_untested")
    assert answer.status_code == 503, answer.data
    assert "HCCKG_QUERY_TIMEOUT" in answer.get_data(as_text=True)
    assert runaways == [True]


def test_a_query_that_eats_memory_is_stopped_before_the_time_limit():
    runaways: list[bool] = []
    evaluator = Evaluator(
        memory_store(), timeout=300, max_rows=10, memory_mib=64, on_runaway=lambda: runaways.append(True)
    )
    assert evaluator.bounded(lambda: "baseline taken") == "baseline taken"
    release = threading.Event()

    def greedy() -> int:
        hoard = [b"\x01" * (16 * 2**20) for _ in range(16)]  # 256 MiB, written
        release.wait(120)
        return len(hoard)

    # Stopped for its memory (the message says which limit), long before its time limit.
    with pytest.raises(QueryTimeout, match="memory limit.*HCCKG_QUERY_MEMORY"):
        evaluator.bounded(greedy)
    assert runaways == [True]
    release.set()


def test_without_a_memory_limit_the_same_query_runs_to_its_end():
    evaluator = Evaluator(memory_store(), timeout=30, max_rows=10, memory_mib=0)
    assert evaluator.bounded(lambda: len([bytearray(16 * 2**20) for _ in range(16)])) == 16


def test_a_slow_query_is_moved_to_a_lower_cpu_priority_and_its_thread_not_reused():
    evaluator = Evaluator(memory_store(), timeout=10, max_rows=10)
    quick = evaluator.bounded(lambda: (threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0)))

    def slow() -> tuple[int, int]:
        time.sleep(SLOW_QUERY + 0.4)
        return threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    slow_tid, slow_nice = evaluator.bounded(slow)
    assert slow_nice == min(19, SLOW_NICE + quick[1])
    assert evaluator.bounded(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())) == quick[1]
    assert evaluator.bounded(threading.get_native_id) != slow_tid


class _EngineThatStopsQueries:
    """A remote store whose engine stops every query at the time limit (as Virtuoso, Fuseki
    and the Oxigraph server do when hcckg gives them the limit: graph/remote.py)."""

    kind = "sparql"

    def __init__(self, limit: float):
        self.limit = limit

    def query(self, sparql: str, **kwargs):
        time.sleep(self.limit + 0.05)  # the engine's own clock runs a little behind ours
        raise QueryTimeout("the SPARQL server stopped the query at its time limit")


def test_a_remote_timeout_is_a_plain_503_without_retiring_the_worker():
    runaways: list[bool] = []
    evaluator = Evaluator(
        _EngineThatStopsQueries(0.2), timeout=0.2, max_rows=10, on_runaway=lambda: runaways.append(True)
    )
    with pytest.raises(QueryTimeout, match="SPARQL server stopped"):
        evaluator.run("SELECT * WHERE { ?s ?p ?o }", lambda kind: None)
    assert runaways == []  # the engine stopped it: nothing runs on in this worker
