"""Throw-away instances of the SPARQL engines hcckg is tested on, started and stopped by PID.

Each instance has its own database directory and free loopback ports. The engines are
installed by ``make engines`` (Virtuoso from Debian, Fuseki from Maven Central into
``var/engines/fuseki``; the Oxigraph server is the ``oxigraph`` package's binary); a missing
engine is a test failure, never a skip. The configurations are the ones the README
documents: ``tests/engines/virtuoso.ini``, ``virtuoso-setup.sql`` and ``fuseki.ttl``.
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hcckg.ground.settings import PROJECT_ROOT, Settings

HERE = Path(__file__).parent / "engines"
FUSEKI_LIB = PROJECT_ROOT / "var" / "engines" / "fuseki" / "lib"
START_DEADLINE = 120.0  # seconds an engine may take to start on a loaded 2-core machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class EngineServer:
    """One running engine: its URLs, the credentials hcckg writes with, its process."""

    name: str
    query: str
    update: str
    gsp: str
    proc: subprocess.Popen
    log: Path
    user: str | None = None
    password: str | None = None
    auth: str = "basic"
    version: str = ""
    extra: dict = field(default_factory=dict)

    def settings(self, base: Settings, **changes) -> Settings:
        """``base`` pointed at this engine (``HCCKG_STORE=sparql:…`` and its credentials)."""
        return dataclasses.replace(
            base,
            store="sparql:" + self.query,
            sparql_update_url=self.update,
            sparql_gsp_url=self.gsp,
            sparql_user=self.user,
            sparql_password=self.password,
            sparql_auth=self.auth,
            **changes,
        )

    def env(self) -> dict[str, str]:
        """The same as environment variables, for a child process (`hcckg serve`)."""
        env = {
            "HCCKG_STORE": "sparql:" + self.query,
            "HCCKG_SPARQL_UPDATE_URL": self.update,
            "HCCKG_SPARQL_GSP_URL": self.gsp,
            "HCCKG_SPARQL_AUTH": self.auth,
        }
        if self.user:
            env |= {"HCCKG_SPARQL_USER": self.user, "HCCKG_SPARQL_PASSWORD": self.password or ""}
        return env

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _wait_http(url: str, proc: subprocess.Popen, log: Path, what: str) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except urllib.error.HTTPError as err:
            if err.code in (401, 403):  # up, and asking for credentials
                return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"{what} did not start: {log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def _start(cmd: list[str], work: Path, log_name: str) -> tuple[subprocess.Popen, Path]:
    log = work / log_name
    # A file, not a pipe: a full pipe would block the engine's logging.
    with log.open("wb") as sink:
        proc = subprocess.Popen(
            cmd, cwd=work, stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    return proc, log


def start_oxigraph(work: Path) -> EngineServer:
    binary = shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")
    if binary is None:
        pytest.fail("the oxigraph server binary is missing: pip install oxigraph (in the dev extras)")
    port = free_port()
    proc, log = _start(
        [binary, "serve", "--location", str(work / "db"), "--bind", f"127.0.0.1:{port}"], work, "oxigraph.log"
    )
    url = f"http://127.0.0.1:{port}"
    _wait_http(url + "/query?query=ASK%7B%7D", proc, log, "oxigraph serve")
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    return EngineServer(
        "oxigraph", url + "/query", url + "/update", url + "/store", proc, log, version=version
    )


def start_virtuoso(work: Path) -> EngineServer:
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binary is None or isql is None:
        pytest.fail("Virtuoso is missing (virtuoso-t, isql-vt): run `make engines` (Debian's Virtuoso 7.2)")
    sql_port, http_port = free_port(), free_port()
    (work / "www").mkdir(parents=True, exist_ok=True)
    ini = (HERE / "virtuoso.ini").read_text().format(dir=work, sql_port=sql_port, http_port=http_port)
    (work / "virtuoso.ini").write_text(ini)
    # -f: in the foreground, so that the process started is the server and its PID is ours.
    proc, log = _start([binary, "-f", "-c", str(work / "virtuoso.ini")], work, "virtuoso.out")
    url = f"http://127.0.0.1:{http_port}"
    _wait_http(url + "/sparql?query=ASK%7B%7D", proc, log, "virtuoso-t")
    password = secrets.token_hex(8)
    setup = work / "setup.sql"
    setup.write_text((HERE / "virtuoso-setup.sql").read_text().format(password=password))
    done = subprocess.run(
        [isql, f"127.0.0.1:{sql_port}", "dba", "dba", str(setup)], capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0 or "Error" in done.stdout + done.stderr:
        proc.kill()
        raise RuntimeError(f"Virtuoso's setup failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
    about = subprocess.run([binary, "-?"], capture_output=True, text=True)
    found = re.search(r"Version (\d+(?:\.\d+)+)", about.stdout + about.stderr)
    return EngineServer(
        "virtuoso",
        url + "/sparql",
        url + "/sparql-auth",
        url + "/sparql-graph-crud-auth",
        proc,
        log,
        user="hcckg",
        password=password,
        auth="digest",
        version=f"Virtuoso {found.group(1) if found else '?'}",
        extra={"sql_port": sql_port},
    )


def start_fuseki(work: Path) -> EngineServer:
    java = shutil.which("java")
    jars = sorted(FUSEKI_LIB.glob("jena-fuseki-main-*.jar")) if FUSEKI_LIB.is_dir() else []
    if java is None or not jars:
        pytest.fail(f"Apache Jena Fuseki is missing ({FUSEKI_LIB}, java): run `make engines`")
    port = free_port()
    password = secrets.token_hex(8)
    (work / "passwd").write_text(f"hcckg: {password}\n")
    (work / "fuseki.ttl").write_text((HERE / "fuseki.ttl").read_text().replace("{dir}", str(work)))
    cmd = [
        java,
        "-Xmx1g",
        "-cp",
        f"{FUSEKI_LIB}/*",
        "org.apache.jena.fuseki.main.cmds.FusekiMainCmd",
        "--localhost",
        f"--port={port}",
        f"--passwd={work / 'passwd'}",
        "--auth=digest",
        f"--config={work / 'fuseki.ttl'}",
    ]
    proc, log = _start(cmd, work, "fuseki.log")
    url = f"http://127.0.0.1:{port}/hcckg"
    _wait_http(url + "/query?query=ASK%7B%7D", proc, log, "Fuseki")
    version = jars[-1].name.removeprefix("jena-fuseki-main-").removesuffix(".jar")
    return EngineServer(
        "fuseki",
        url + "/query",
        url + "/update",
        url + "/data",
        proc,
        log,
        user="hcckg",
        password=password,
        auth="digest",
        version=f"Apache Jena Fuseki {version} (TDB2)",
    )


STARTERS = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso, "fuseki": start_fuseki}
