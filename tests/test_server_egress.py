"""The egress rule: a server worker cannot reach any other host, enforced by the kernel.

The rule is tested by itself (the real confinement code in a child process, then pyoxigraph
asked for SERVICE directly, past the screen), in remote-store mode (only the engine is
reachable, through the relay), and on a live `hcckg serve` (the issue's `\\#` SSRF and its
LOAD variant send 0 bytes). Every check against a listener also shows that the listener
does see a connection made without the rule, so that "0 connections" can fail.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import start_serve

from hcckg.ground.errors import ConfigError
from hcckg.ground.settings import load_settings
from hcckg.server import egress


class Listener:
    """A loopback listener that counts connections and bytes received (a would-be victim)."""

    def __init__(self, answer: bytes = b"") -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.received = 0
        self.answer = answer
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.settimeout(1)
            try:
                data = conn.recv(65536)
                self.received += len(data)
                if self.answer:
                    conn.sendall(self.answer)
            except OSError:
                pass
            conn.close()

    def settled(self, expected: int, wait: float = 0.5) -> int:
        """The connection count once it reached ``expected`` or ``wait`` seconds passed."""
        deadline = time.monotonic() + wait
        while self.connections < expected and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.connections

    def close(self) -> None:
        self.sock.close()


@pytest.fixture()
def victim():
    listener = Listener()
    yield listener
    listener.close()


def run_child(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=timeout
    )


SERVICE_DIRECTLY = """
    import pyoxigraph as ox
    from hcckg.ground.settings import load_settings
    from hcckg.server import egress
    if {confine}:
        print("confined:", egress.confine(load_settings()))
    try:
        ox.Store().query("ASK {{ SERVICE <http://127.0.0.1:{port}/> {{ ?s ?p ?o }} }}")
        print("answered")
    except Exception as err:
        print("failed:", err)
"""


def test_a_confined_process_cannot_make_pyoxigraph_call_another_host(victim):
    confined = run_child(SERVICE_DIRECTLY.format(confine=True, port=victim.port))
    assert "confined: network namespace" in confined.stdout, confined.stderr
    assert "Network is unreachable" in confined.stdout, confined.stdout
    assert victim.settled(1) == 0 and victim.received == 0
    # Without the rule the very same call reaches the listener: the count above could fail.
    free = run_child(SERVICE_DIRECTLY.format(confine=False, port=victim.port))
    assert "confined" not in free.stdout
    assert victim.settled(1, wait=10) == 1


def test_a_confined_process_cannot_load_a_url_either(victim):
    """The LOAD variant of the issue, run as an update straight on a store (no screen)."""
    code = f"""
        import pyoxigraph as ox
        from hcckg.ground.settings import load_settings
        from hcckg.server import egress
        egress.confine(load_settings())
        try:
            ox.Store().update("INSERT DATA {{ <http://e/a> <http://e/b> <http://e/c> }} ; LOAD <http://127.0.0.1:{victim.port}/>")
            print("loaded")
        except Exception as err:
            print("failed:", err)
    """
    result = run_child(code)
    assert "failed:" in result.stdout and "unreachable" in result.stdout, (result.stdout, result.stderr)
    assert victim.settled(1) == 0 and victim.received == 0


def test_in_remote_mode_only_the_engine_is_reachable(victim):
    engine = Listener(answer=b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nengine")
    try:
        code = f"""
            import http.client, socket
            from hcckg.ground.settings import load_settings
            from hcckg.server import egress
            relay = egress.Relay([("127.0.0.1", {engine.port})], timeout=5)
            egress.confine(load_settings(), relay)
            conn = http.client.HTTPConnection("127.0.0.1", {engine.port}, timeout=5)
            conn.request("GET", "/sparql")
            print("engine:", conn.getresponse().read().decode())
            try:
                socket.create_connection(("127.0.0.1", {victim.port}), timeout=5)
                print("victim reached")
            except OSError as err:
                print("victim:", err)
            relay.stop()
        """
        result = run_child(code)
        assert "engine: engine" in result.stdout, (result.stdout, result.stderr)
        assert "victim: [Errno 101] Network is unreachable" in result.stdout, result.stdout
        assert engine.connections == 1
        assert victim.settled(1) == 0
    finally:
        engine.close()


def test_the_egress_setting_is_checked():
    settings = dataclasses.replace(load_settings(), egress="sometimes")
    with pytest.raises(ConfigError, match="HCCKG_EGRESS"):
        egress.check(settings)
    assert egress.check(dataclasses.replace(settings, egress="off")) is None
    assert egress.check(dataclasses.replace(settings, egress="confine")) == "network namespace"


# -- the live server -----------------------------------------------------------------------


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode()


def _net_namespace(pid: int) -> str:
    return os.readlink(f"/proc/{pid}/ns/net")


def _master_of(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def test_live_workers_run_outside_the_hosts_network(live_server):
    worker = json.loads(_get(live_server + "/health")[1])["process"]
    assert _net_namespace(worker) != _net_namespace(_master_of(worker))
    assert _net_namespace(_master_of(worker)) == _net_namespace(os.getpid())


def test_the_escaped_hash_ssrf_sends_nothing(live_server, victim):
    query = (
        "PREFIX ex: <http://e/>\n"
        f"ASK {{ OPTIONAL {{ ?s ?p ex:a\\# }} SERVICE <http://127.0.0.1:{victim.port}/> {{ ?x ?y ?z }} }}"
    )
    status, body = _get(live_server + "/sparql?" + urllib.parse.urlencode({"query": query}))
    assert status == 400 and "SERVICE" in body
    assert victim.settled(1) == 0 and victim.received == 0


@pytest.fixture(scope="module")
def update_server(sample_store_settings, tmp_path_factory):
    """A server of its own with the update token set, on a copy of the sample store."""
    import shutil

    folder = tmp_path_factory.mktemp("update-store")
    source = Path(sample_store_settings.store).resolve()
    shutil.copytree(source, folder / "store")
    served = start_serve(
        str(folder / "store"), tmp_path_factory.mktemp("update-serve"), HCCKG_UPDATE_TOKEN="t0k3n"
    )
    yield served.url
    served.stop()


def test_the_load_ssrf_with_the_update_token_sends_nothing(update_server, victim):
    update = (
        "PREFIX ex: <http://e/>\n"
        f"INSERT DATA {{ ex:a ex:b ex:c\\# }} ; LOAD <http://127.0.0.1:{victim.port}/>"
    )
    request = urllib.request.Request(
        update_server + "/sparql/update",
        data=update.encode(),
        headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer t0k3n"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status = answer.status
    except urllib.error.HTTPError as err:
        status = err.code
    assert status == 400
    assert victim.settled(1) == 0 and victim.received == 0
    worker = json.loads(_get(update_server + "/health")[1])["process"]
    assert _net_namespace(worker) != _net_namespace(os.getpid())


def test_a_live_server_on_a_remote_store_reaches_its_engine_only_through_the_relay(
    oxigraph_servers, tmp_path
):
    """hcckg serve on an Oxigraph server: confined workers answer queries (through the
    master's relay), from outside the host's network."""
    engine = oxigraph_servers()
    graph = "https://w3id.org/hcckg/graph/review"
    put = urllib.request.Request(
        engine.removesuffix("/query") + "/store?graph=" + urllib.parse.quote(graph, safe=""),
        data=b'<https://w3id.org/hcckg/resource/drug/x> <http://www.w3.org/2000/01/rdf-schema#label> "x" .\n',
        method="PUT",
        headers={"Content-Type": "application/n-triples"},
    )
    with urllib.request.urlopen(put, timeout=10):
        pass
    served = start_serve("sparql:" + engine, tmp_path)
    try:
        query = "SELECT ?l WHERE { <https://w3id.org/hcckg/resource/drug/x> ?p ?l }"
        for _ in range(6):  # new connections each time, spread over both workers
            status, body = _get(served.url + "/sparql?" + urllib.parse.urlencode({"query": query}))
            assert status == 200 and '"x"' in body, body
        worker = json.loads(_get(served.url + "/health")[1])["process"]
        assert _net_namespace(worker) != _net_namespace(os.getpid())
        assert "through the master's relay" in served.log.read_text()
    finally:
        served.stop()


def test_serve_refuses_to_start_when_the_rule_cannot_hold_unless_turned_off(sample_store_settings, tmp_path):
    """Root without capabilities can neither make a network namespace nor map uid 0 into a
    user namespace: `hcckg serve` must say so and stop, not serve unconfined."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.fail("setpriv (util-linux) is needed for this test")
    env = dict(os.environ, HCCKG_STORE=sample_store_settings.store)
    cmd = [setpriv, "--inh-caps=-all", "--bounding-set=-all", sys.executable, "-m", "hcckg.cli", "serve"]
    refused = subprocess.run([*cmd, "--port", "1"], env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode != 0
    assert "cannot confine" in refused.stderr and "HCCKG_EGRESS=off" in refused.stderr, refused.stderr[-500:]
    # Turned off explicitly, the same server starts (and says nothing about confinement).
    served = start_serve(sample_store_settings.store, tmp_path, HCCKG_EGRESS="off")
    try:
        worker = json.loads(_get(served.url + "/health")[1])["process"]
        assert _net_namespace(worker) == _net_namespace(os.getpid())
    finally:
        served.stop()
