"""Supervision: the shipped systemd unit is valid and says what the README promises, a
worker that dies is replaced by the master, and a master that dies leaves no worker behind
(systemd then starts a fresh master: Restart=always)."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import start_serve

ROOT = Path(__file__).resolve().parents[1]
UNIT = ROOT / "server" / "deploy" / "hcckg.service"


def _unit() -> dict[str, list[str]]:
    """The unit's keys, each with all its values (systemd keys repeat)."""
    values: dict[str, list[str]] = {}
    for raw in UNIT.read_text().splitlines():
        line = raw.strip()
        if line and not line.startswith(("#", "[")) and "=" in line:
            key, _, value = line.partition("=")
            values.setdefault(key, []).append(value)
    return values


def test_systemd_accepts_the_unit(tmp_path):
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.fail("systemd-analyze is needed: run `make deploy-deps` (Debian's systemd)")
    unit = tmp_path / "hcckg.service"
    unit.write_text(UNIT.read_text().replace("/opt/hcckg", str(ROOT)))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr


def test_the_unit_restarts_the_master_and_keeps_the_egress_rule_possible():
    unit = _unit()
    assert unit["Restart"] == ["always"] and unit["KillMode"] == ["mixed"]
    assert unit["ExecStart"][0].endswith("/hcckg serve")
    # The workers' confinement needs unshare (@process) and a user + net namespace.
    assert set(unit["RestrictNamespaces"][0].split()) >= {"user", "net"}
    denied = " ".join(v for v in unit["SystemCallFilter"] if v.startswith("~"))
    assert "@process" not in denied and "@resources" not in denied
    assert unit["IPAddressDeny"] == ["any"] and "localhost" in unit["IPAddressAllow"]
    configparser.ConfigParser(strict=False, interpolation=None).read_string(UNIT.read_text())


def _children(pid: int) -> set[int]:
    try:
        return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
    except FileNotFoundError:
        return set()


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _poll(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds:g} s for {what}")
        time.sleep(0.05)


def test_a_dead_worker_is_replaced_and_a_dead_master_leaves_no_worker(sample_store_settings, tmp_path):
    served = start_serve(sample_store_settings.store, tmp_path)
    try:
        master = served.proc.pid
        _poll(lambda: len(_children(master)) == 2, 30, "two workers")
        victim = sorted(_children(master))[0]
        os.kill(victim, signal.SIGKILL)
        _poll(lambda: victim not in _children(master) and len(_children(master)) == 2, 30, "a replacement")
        with urllib.request.urlopen(served.url + "/health", timeout=10) as answer:
            assert json.loads(answer.read())["status"] == "ok"
        workers = _children(master)
        os.kill(master, signal.SIGKILL)
        served.proc.wait()
        # gunicorn's workers notice their parent is gone and leave (systemd would also stop
        # the whole cgroup, KillMode=mixed, before starting a fresh master).
        _poll(lambda: not any(_alive(pid) for pid in workers), 30, "the orphaned workers to leave")
    finally:
        served.stop()
