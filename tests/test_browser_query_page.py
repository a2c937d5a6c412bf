"""The SPARQL editor in a real browser: Debian's chromium, headless, driven by selenium
against a live `hcckg serve` on the sample store. It loads `/query`, runs a query, sees the
results table, sorts it and follows a link to a resource page. A missing browser fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import start_browser, stop_browser

pytestmark = pytest.mark.browser

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
    driver = start_browser()  # a missing chromium fails the test (tests/browser.py)
    yield driver
    stop_browser(driver)


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
