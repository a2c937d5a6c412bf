"""Depth and size limits before parsing: a deep query gets a 400 naming its limit, the
deepest query the limits let through runs, and no query kills a worker.

Before these limits, `{`×2300, `(`×4700, `1+1+…`×6900, long UNION chains and 5,000 BINDs
each killed the process evaluating them with SIGSEGV (stack overflow in Oxigraph's parser
and evaluator); those cases run here in child processes, so that a crash fails the test
instead of ending the test run.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from hcckg.ground.errors import QueryRejected
from hcckg.server.screen import MAX_CHAIN, MAX_ELEMENTS, MAX_NESTING, MAX_QUERY_CHARS, check_limits


def braces(n: int) -> str:
    return "SELECT * WHERE " + "{" * n + " ?s ?p ?o " + "}" * n


def parens(n: int) -> str:
    return "SELECT * WHERE { ?s ?p ?o FILTER(" + "(" * n + "?o" + ")" * n + ") }"


def calls(n: int) -> str:  # the costliest nesting per level (measured): function calls
    return "SELECT * WHERE { ?s ?p ?o FILTER(" + "CONCAT(" * n + "'a'" + ",'b')" * n + ") }"


def sums(n: int) -> str:
    return "SELECT * WHERE { ?s ?p ?o FILTER(" + "+".join(["1"] * n) + " > 0) }"


def unions(n: int) -> str:
    return "SELECT * WHERE { " + " UNION ".join(["{ ?s ?p ?o }"] * n) + " }"


def binds(n: int) -> str:
    return "SELECT * WHERE { " + " ".join(f"BIND({i} AS ?b{i})" for i in range(n)) + " }"


# The cases of the issue and the ones found beside them: each killed a worker.
KILLERS = {
    "MAX_NESTING": [braces(2300), parens(4700), calls(1000)],
    "MAX_CHAIN": [sums(6900), unions(7000)],
    "MAX_ELEMENTS": [binds(5000)],
}
# The deepest query each limit lets through (chain links count operators and UNIONs).
AT_LIMITS = [
    braces(MAX_NESTING - 1),
    calls(MAX_NESTING - 3),
    sums(MAX_CHAIN - 2),
    binds(MAX_ELEMENTS - 1),
]  # "*" and ">" count too


@pytest.mark.parametrize(
    ("limit", "query"), [(limit, q) for limit, queries in KILLERS.items() for q in queries]
)
def test_a_query_beyond_a_limit_is_refused_naming_it(limit, query):
    with pytest.raises(QueryRejected, match=limit):
        check_limits(query)


def test_a_huge_query_is_refused_before_it_is_read():
    with pytest.raises(QueryRejected, match="MAX_QUERY_CHARS"):
        check_limits("SELECT * WHERE { ?s ?p ?o } #" + "x" * MAX_QUERY_CHARS)


def test_brackets_in_strings_iris_and_comments_do_not_count():
    check_limits('SELECT * WHERE { ?s ?p "' + "{" * 5000 + '" } # ' + "(" * 5000)
    check_limits("SELECT * WHERE { ?s ?p <http://e/" + "+" * 5000 + "> }")


def test_every_named_query_is_within_the_limits():
    for path in Path(__file__).parents[1].joinpath("queries").rglob("*.rq"):
        check_limits(path.read_text())


def _evaluate(queries: list[str], *, screened: bool) -> subprocess.CompletedProcess:
    """Evaluate ``queries`` with the server's Evaluator in a child process (a crash there is
    a failed test, not a dead test run); ``screened=False`` skips the screen and limits."""
    code = f"""
        import json, sys
        from hcckg.graph.store import memory_store
        from hcckg.server.evaluation import Evaluator
        from hcckg.server.negotiation import RESULTS, choose
        evaluator = Evaluator(memory_store(), timeout=60, max_rows=10)
        for query in json.load(sys.stdin):
            if {screened}:
                evaluator.run(query, lambda kind: choose(RESULTS, None, None))
            else:
                evaluator.bounded(lambda: list(evaluator.store.query(query)))
        print("all ran")
    """
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        input=json.dumps(queries),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_deepest_queries_the_limits_allow_run():
    result = _evaluate(AT_LIMITS, screened=True)
    assert result.returncode == 0 and "all ran" in result.stdout, result.stderr[-2000:]


def test_evaluation_threads_have_a_stack_deeper_than_the_limits_need():
    """Past the screen: 3,000 nested groups and 1,500 nested calls overflowed the default
    8 MiB thread stack (SIGSEGV); the evaluation threads' stack holds them."""
    result = _evaluate([braces(3000), calls(1500)], screened=False)
    assert result.returncode == 0 and "all ran" in result.stdout, (result.returncode, result.stderr[-2000:])


# -- the live server -----------------------------------------------------------------------


def _post(base: str, query: str) -> tuple[int, str]:
    request = urllib.request.Request(
        base + "/sparql", data=query.encode(), headers={"Content-Type": "application/sparql-query"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def _workers(master: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{master}/task/{master}/children").read_text().split()}


def test_the_killers_get_a_400_and_every_worker_lives(live_server):
    with urllib.request.urlopen(live_server + "/health", timeout=10) as answer:
        worker = json.loads(answer.read())["process"]
    master = int(Path(f"/proc/{worker}/stat").read_text().rsplit(")", 1)[1].split()[1])
    deadline = time.monotonic() + 20
    while len(before := _workers(master)) < 2:  # a worker retired by another test is replaced
        assert time.monotonic() < deadline
        time.sleep(0.05)
    for limit, queries in KILLERS.items():
        for query in queries:
            status, body = _post(live_server, query)
            assert status == 400 and limit in body, (status, body[:300])
    assert _workers(master) == before
    assert urllib.request.urlopen(live_server + "/health", timeout=10).status == 200
