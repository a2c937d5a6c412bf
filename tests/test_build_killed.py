"""A build killed at any moment (kill -9) leaves no `java` behind, and its half-written
folder is removed by the next build; the store always has a rollback target that opens,
and pruning never keeps a fragment in its place."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from hcckg.graph.builds import PARTIAL, builds_dir, complete_builds
from hcckg.graph.store import build


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except FileNotFoundError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def _poll(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:g} s for {what}")
        time.sleep(0.02)


@pytest.mark.slow
def test_a_build_killed_while_hermit_runs_leaves_no_java(tmp_path):
    # An empty reasoner cache of its own, so that the build runs HermiT (hcckg/reasoned.py).
    env = dict(os.environ, HCCKG_STORE=str(tmp_path / "store"), HCCKG_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "hcckg.cli", "build"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    java: list[int] = []

    def java_started() -> bool:
        java[:] = [pid for pid in _children(proc.pid) if _comm(pid) == "java"]
        return bool(java) or proc.poll() is not None

    try:
        _poll(java_started, 120, "HermiT's java to start")
        assert java, "the build ended before HermiT started"
        assert os.getpgid(java[0]) != os.getpgid(proc.pid)  # a process group of its own
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _poll(lambda: not _alive(java[0]), 30, f"java {java[0]} to die with its build")
    finally:
        for pid in java:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


WRITER = """
    import sys, time
    from pathlib import Path
    import pyoxigraph as ox
    from hcckg.graph.store import build

    def writer(store):
        g = ox.NamedNode("http://e/g")
        store.inner.bulk_extend(ox.Quad(ox.NamedNode(f"http://e/{i}"), g, ox.Literal(i), g) for i in range(50_000))
        store.flush()
        print("written", flush=True)
        time.sleep(600)  # killed here, its folder half done

    build(Path(sys.argv[1]), writer)
"""


def _killed_build(path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WRITER), str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "written"
    finally:
        proc.kill()
        proc.wait()


def _good_build(path: Path, n: int) -> Path:
    def writer(store) -> None:
        g = ox.NamedNode("http://e/g")
        store.inner.extend([ox.Quad(ox.NamedNode(f"http://e/good/{n}"), g, ox.Literal(n), g)])

    return build(path, writer)


def test_killed_builds_are_cleaned_and_the_rollback_target_always_opens(tmp_path):
    path = tmp_path / "store"
    latest = _good_build(path, 1)
    for round_ in range(3):  # killed builds between good ones, as in the issue
        _killed_build(path)
        _killed_build(path)
        assert any(p.name.endswith(PARTIAL) for p in builds_dir(path).iterdir())
        assert path.resolve() == latest  # the killed builds changed nothing
        latest = _good_build(path, round_ + 2)
        assert not any(p.name.endswith(PARTIAL) for p in builds_dir(path).iterdir())
        assert path.resolve() == latest
    kept = complete_builds(builds_dir(path))
    assert len(kept) == 2 and kept[-1] == latest
    for folder in kept:  # the rollback target (and the current build) open and hold their quads
        assert len(ox.Store.read_only(str(folder))) == 1


def test_pruning_goes_by_build_id_not_by_modification_time(tmp_path):
    path = tmp_path / "store"
    builds = [_good_build(path, n) for n in range(2)]
    os.utime(builds[0], (time.time() + 3600, time.time() + 3600))  # an old build touched later
    newest = _good_build(path, 2)
    assert complete_builds(builds_dir(path)) == [builds[1], newest]
