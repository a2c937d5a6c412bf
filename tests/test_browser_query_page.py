"""The SPARQL editor in a real browser: Debian's chromium, headless, driven by selenium
against a live `hcckg serve` on the sample store. It loads `/query`, runs a query, sees the
results table, sorts it and follows a link to a resource page. A missing browser fails."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
EDITOR = (
    Path(__file__).resolve().parent.parent
    / "server"
    / "static"
    / "vendor"
    / "codemirror"
    / "lib"
    / "codemirror.js"
)


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.fail("chromium and chromedriver are not installed: run `make browser-deps`")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="hcckg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-quic",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def test_query_page_runs_a_query_and_shows_a_sortable_table(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(live_server + "/query")
    wait = WebDriverWait(browser, 15)
    if EDITOR.exists():  # `make assets` fetched CodeMirror: the editor replaces the textarea
        wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, ".CodeMirror")))
    query = (
        "PREFIX hcc: <https://w3id.org/hcckg/ontology/> "
        "SELECT ?drug ?target WHERE { ?drug hcc:hasTarget ?target } ORDER BY ?drug"
    )
    browser.execute_script(
        "const cm = document.querySelector('.CodeMirror');"
        "if (cm) cm.CodeMirror.setValue(arguments[0]); else document.getElementById('query').value = arguments[0];",
        query,
    )
    browser.find_element(By.ID, "run").click()
    table = wait.until(ec.presence_of_element_located((By.ID, "results-table")))
    headers = [th.text for th in table.find_elements(By.CSS_SELECTOR, "thead th")]
    assert headers == ["drug", "target"]
    first_column = lambda: [td.text for td in table.find_elements(By.CSS_SELECTOR, "tbody tr td:first-child")]  # noqa: E731
    assert first_column() == ["res:drug/atezolizumab", "res:drug/pembrolizumab"]
    assert "2 result(s)" in browser.find_element(By.ID, "status").text

    # Sorting: a click on the header orders ascending, a second click descending.
    header = table.find_element(By.CSS_SELECTOR, "thead th")
    header.click()
    header.click()
    assert first_column() == ["res:drug/pembrolizumab", "res:drug/atezolizumab"]

    # IRIs are links to this server's pages, shown as CURIEs with the IRI on hover.
    link = table.find_element(By.LINK_TEXT, "res:drug/atezolizumab")
    assert link.get_attribute("href") == live_server + "/resource/drug/atezolizumab"
    assert link.get_attribute("title") == "https://w3id.org/hcckg/resource/drug/atezolizumab"
    link.click()
    wait.until(ec.title_contains("atezolizumab"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "atezolizumab"


def test_query_page_shows_errors(browser, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(live_server + "/query")
    browser.execute_script(
        "const cm = document.querySelector('.CodeMirror');"
        "if (cm) cm.CodeMirror.setValue(arguments[0]); else document.getElementById('query').value = arguments[0];",
        "SELECT * WHERE { ?s ?p }",
    )
    browser.find_element(By.ID, "run").click()
    status = browser.find_element(By.ID, "status")
    WebDriverWait(browser, 30).until(lambda _: "error" in (status.get_attribute("class") or ""), status.text)
    assert status.text.startswith("400") and "syntax error" in status.text
