"""A live `hcckg serve` follows the builds of its store: new data is answered without a
restart, no request fails meanwhile, and `hcckg build` is told the server picked it up."""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import signal
import threading
import time
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
from conftest import SAMPLE_TRIG, start_serve

from hcckg.graph import builds
from hcckg.graph.store import build
from hcckg.ground.settings import load_settings
from hcckg.pipeline import pickup

NEW = ox.NamedNode("http://example.org/fresh")
SAYS = ox.NamedNode("http://example.org/says")
ASK_NEW = f"ASK {{ {NEW} {SAYS} ?o }}"
DESCRIBE = "DESCRIBE <https://w3id.org/hcckg/resource/drug/atezolizumab>"


def _build(path: Path, *extra: ox.Quad) -> Path:
    def writer(store) -> None:
        store.inner.bulk_load(path=str(SAMPLE_TRIG), format=ox.RdfFormat.TRIG)
        store.inner.extend(list(extra))

    return build(path, writer)


def _fresh(label: str) -> ox.Quad:
    return ox.Quad(NEW, SAYS, ox.Literal(label), ox.NamedNode("http://example.org/graph/new"))


class Clients:
    """``n`` threads asking the server without a pause, half on keep-alive connections,
    half on a new connection per request; every answer but a 200 is a failure."""

    def __init__(self, url: str, n: int = 4):
        parts = urllib.parse.urlsplit(url)
        self.host, self.port = parts.hostname, parts.port
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.count, self.failures = 0, []
        self.threads = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(n)]

    def _loop(self, i: int) -> None:
        paths = [
            "/sparql?" + urllib.parse.urlencode({"query": ASK_NEW}),
            "/sparql?" + urllib.parse.urlencode({"query": DESCRIBE}),
            "/health",
            "/resource/drug/atezolizumab",
        ]
        conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
        n = 0
        while not self.stop.is_set():
            path = paths[n % len(paths)]
            n += 1
            try:
                conn.request("GET", path, headers={"Accept": "text/turtle"} if "resource" in path else {})
                answer = conn.getresponse()
                answer.read()
                ok = answer.status == 200
                if not ok:
                    self._fail(f"{path}: {answer.status}")
                if i % 2 or answer.will_close:
                    conn.close()
            except OSError as err:
                self._fail(f"{path}: {err!r}")
                conn.close()
            with self.lock:
                self.count += 1

    def _fail(self, what: str) -> None:
        with self.lock:
            self.failures.append(what)

    def __enter__(self) -> Clients:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def _get_json(url: str) -> dict:
    import urllib.request

    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.loads(answer.read())


def _ask(url: str) -> bool:
    import urllib.request

    request = urllib.request.Request(
        url + "/sparql?" + urllib.parse.urlencode({"query": ASK_NEW}),
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())["boolean"]


def _wait_for(check, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return False


def test_a_new_build_is_served_without_a_restart_and_without_a_failed_request(tmp_path):
    path = tmp_path / "store"
    first = _build(path)
    served = start_serve(str(path), tmp_path)
    try:
        assert _get_json(served.url + "/health")["build"] == first.name
        # Served from disk at once, then from the memory copy of the same build.
        assert _wait_for(lambda: _get_json(served.url + "/health")["store"] == "memory", 10)
        master = served.proc.pid
        with Clients(served.url) as clients:
            assert _wait_for(lambda: clients.count > 50, 30)
            assert not _ask(served.url)
            second = _build(path, _fresh("new data"))
            assert _wait_for(lambda: _ask(served.url), 10), "the new build was not answered within 10 s"
            settings = dataclasses.replace(load_settings(), store=str(path))
            assert pickup(settings, second.name, wait=10) == [
                f"server {served.url} (pid {master}) now serves this build"
            ]
            answered_before = clients.count
            assert _wait_for(lambda: clients.count > answered_before + 50, 30)
        print(f"reload under load: {clients.count} requests, {len(clients.failures)} failed")
        assert clients.failures == []
        assert served.proc.poll() is None  # the same server: no restart
        health = _get_json(served.url + "/health")
        assert health["build"] == second.name and health["store"] == "memory"
        assert "cannot copy" not in served.log.read_text()
    finally:
        served.stop()
    assert builds.servers(path) == []  # the server withdrew its record when it stopped


def test_sighup_switches_at_once_and_a_broken_link_keeps_the_old_build(tmp_path):
    path = tmp_path / "store"
    first = _build(path)
    served = start_serve(str(path), tmp_path)
    try:
        # A link to something that is no store: logged, the old build goes on serving.
        broken = builds.builds_dir(path) / "20000101T000000-000000000-1"
        broken.mkdir()
        (broken / "CURRENT").write_text("not a store")
        tmp_link = path.with_name("store.tmp")
        tmp_link.symlink_to(broken)
        os.replace(tmp_link, path)
        os.kill(served.proc.pid, signal.SIGHUP)
        assert _wait_for(lambda: "cannot copy build" in served.log.read_text(), 10)
        assert _get_json(served.url + "/health")["build"] == first.name
        second = _build(path, _fresh("after SIGHUP"))
        os.kill(served.proc.pid, signal.SIGHUP)
        assert _wait_for(lambda: _get_json(served.url + "/health")["build"] == second.name, 10)
        assert _ask(served.url)
    finally:
        served.stop()


def test_a_server_started_before_the_first_build_answers_once_it_exists(tmp_path):
    import urllib.error
    import urllib.request

    path = tmp_path / "store"
    served = start_serve(str(path), tmp_path, ready=False)
    try:
        try:
            urllib.request.urlopen(served.url + "/health", timeout=10)
            raise AssertionError("a server without a store answered /health with 200")
        except urllib.error.HTTPError as err:
            assert err.code == 503
        first = _build(path, _fresh("first build"))
        assert _wait_for(lambda: _ask_quietly(served.url), 10)
        assert _get_json(served.url + "/health")["build"] == first.name
    finally:
        served.stop()


def _ask_quietly(url: str) -> bool:
    import urllib.error

    try:
        return _ask(url)
    except urllib.error.HTTPError:
        return False
