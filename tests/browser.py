"""Shared by the real-browser tests: Debian's chromium, headless, driven by Selenium, and a
live `hcckg serve` on a real build. A missing browser FAILS the test (make browser-deps
installs it), it never skips. Screenshots go to var/screenshots/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "var" / "screenshots"
AXE = ROOT / "server" / "static" / "vendor" / "axe-core" / "axe.min.js"
# The flags Chromium needs on a machine with no network but loopback (see the README).
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1366,900",
)


def chromium() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (browser and driver):
        pytest.fail("chromium and chromedriver are not installed: run `make browser-deps`")
    return browser, driver


def start_browser():
    """A fresh headless Chromium with an empty profile of its own (nothing shared with
    another browser started here); the caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver_path = chromium()
    profile = tempfile.mkdtemp(prefix="hcckg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    driver.profile_dir = profile
    return driver


def stop_browser(driver) -> None:
    driver.quit()
    shutil.rmtree(driver.profile_dir, ignore_errors=True)


def serve(store: str, log: Path) -> Iterator[str]:
    """`hcckg serve` on a free loopback port answering from ``store``; yields its URL and
    stops it (by its PID) afterwards."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = dict(os.environ, HCCKG_STORE=store, HCCKG_WORKERS="2", HCCKG_THREADS="4")
    env.pop("HCCKG_UPDATE_TOKEN", None)
    cmd = [sys.executable, "-m", "hcckg.cli", "serve", "--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as sink:
        proc = subprocess.Popen(cmd, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/health", timeout=2) as answer:
                if answer.status == 200:
                    break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"hcckg serve did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def screenshot(driver, name: str) -> Path:
    """The whole page as var/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    height = driver.execute_script(
        "const e = document.body || document.documentElement;"
        "return Math.max(e.scrollHeight || e.getBoundingClientRect().height, 600)"
    )
    driver.set_window_size(1366, min(int(height) + 40, 4000))
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    driver.set_window_size(1366, 900)
    return path


def axe(driver) -> list[dict]:
    """axe-core's violations on the page in the browser (all WCAG 2 A/AA rules)."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make assets`")
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then((r) => done(JSON.stringify(r.violations)))"
        ".catch((e) => done(JSON.stringify([{id: 'axe-error', impact: 'critical', description: String(e), nodes: []}])));"
    )
    return json.loads(result)


def serious(violations: list[dict]) -> list[str]:
    return [
        f"{v['id']} ({v['impact']}): {v['description']} — {[n.get('target') for n in v['nodes']][:5]}"
        for v in violations
        if v.get("impact") in ("serious", "critical")
    ]
