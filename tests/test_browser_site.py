"""The scientist's journeys in a real browser (headless Debian chromium, Selenium) against a
live `hcckg serve` on the real build: search → drug → trial → its ClinicalTrials.gov link;
the explorer from Wnt/β-catenin to the post-ICI lenvatinib trials; the `trials` form shared
by its URL and opened in a fresh browser; a forest plot whose rows are distinct and
labelled. Every page visited is written to var/screenshots/, and axe-core finds no serious
or critical violation on the landing, explorer, trial, drug and query pages."""

from __future__ import annotations

import pytest
from browser import axe, screenshot, serious, serve, start_browser, stop_browser

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(built_settings, tmp_path_factory):
    yield from serve(built_settings.store, tmp_path_factory.mktemp("site") / "serve.log")


@pytest.fixture(scope="module")
def browser():
    driver = start_browser()
    yield driver
    stop_browser(driver)


def _wait(driver, condition, timeout: float = 20):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def test_search_lenvatinib_to_drug_to_trial_to_its_registry_link(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(site + "/")
    screenshot(browser, "landing")
    box = browser.find_element(By.ID, "q")
    box.send_keys("lenvatinib")
    option = _wait(
        browser, lambda d: d.find_element(By.CSS_SELECTOR, '.suggestions [role=option][data-kind="drug"]')
    )
    assert option.text.startswith("lenvatinib")
    screenshot(browser, "landing-autocomplete")
    box.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    _wait(browser, lambda d: d.current_url.endswith("/resource/drug/lenvatinib"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "lenvatinib"
    screenshot(browser, "drug-lenvatinib")
    trial = browser.find_element(By.CSS_SELECTOR, '#studies a[href="/resource/trial/NCT04770896"]')
    assert trial.text == "IMbrave251"
    trial.click()
    _wait(browser, lambda d: d.find_element(By.TAG_NAME, "h1").text == "IMbrave251")
    screenshot(browser, "trial-imbrave251")
    registry = browser.find_element(By.CSS_SELECTOR, "a.ctgov")
    assert registry.get_attribute("href") == "https://clinicaltrials.gov/study/NCT04770896"
    assert "NCT04770896" in registry.text


def test_explorer_from_wnt_to_the_post_ici_lenvatinib_trials(browser, site):
    from selenium.webdriver.common.by import By

    browser.get(site + "/explore")
    browser.find_element(By.PARTIAL_LINK_TEXT, "Wnt/β-catenin").click()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "table.paths-table"))
    assert browser.find_element(By.ID, "f-setting").get_attribute("value") == "post-ICI second line"
    rows = browser.find_elements(By.CSS_SELECTOR, "table.paths-table tbody tr")
    settings = {r.find_elements(By.TAG_NAME, "td")[3].text for r in rows}
    assert settings == {"post-ICI second line"}
    drugs = {h.text for h in browser.find_elements(By.CSS_SELECTOR, ".drug h4")}
    assert any("lenvatinib" in d for d in drugs)
    trials = {r.find_element(By.CSS_SELECTOR, "td a").text for r in rows}
    assert "IMbrave251" in trials
    assert not any(
        t.startswith(("CheckMate 9DW", "LEAP-002")) for t in trials
    )  # first-line trials are not the default
    screenshot(browser, "explorer-wnt")
    # Every setting on request: the first-line trials appear.
    browser.find_element(By.LINK_TEXT, "Show every setting").click()
    _wait(browser, lambda d: "CheckMate 9DW" in d.find_element(By.ID, "main").text)


def test_trials_form_shared_by_url_gives_the_same_rows_in_a_fresh_browser(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(site + "/queries/trials")
    browser.find_element(By.ID, "p-drug").send_keys("lenvatinib")
    Select(browser.find_element(By.ID, "order")).select_by_value("evidence")
    browser.find_element(By.ID, "run-form").click()
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#answer tbody tr"))
    screenshot(browser, "form-trials")

    def rows(driver) -> list[list[str]]:
        return [
            [td.text for td in tr.find_elements(By.TAG_NAME, "td")]
            for tr in driver.find_elements(By.CSS_SELECTOR, "#answer tbody tr")
        ]

    first, shared = rows(browser), browser.current_url
    assert "drug=lenvatinib" in shared and "order=evidence" in shared
    assert len(first) >= 3 and any("NCT04770896" in " ".join(r) for r in first)
    # The first column links to the trial's page, the IRI on hover.
    link = browser.find_element(By.CSS_SELECTOR, "#answer tbody tr td a")
    assert link.get_attribute("title").startswith("https://w3id.org/hcckg/resource/trial/")
    fresh = start_browser()
    try:
        fresh.get(shared)
        _wait(fresh, lambda d: d.find_elements(By.CSS_SELECTOR, "#answer tbody tr"))
        assert rows(fresh) == first
    finally:
        stop_browser(fresh)


def test_forest_plot_rows_are_distinct_and_labelled(browser, site):
    from selenium.webdriver.common.by import By

    browser.get(site + "/api/pictures/forest/cabozantinib.svg")
    labels = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "svg a text")]
    screenshot(browser, "forest-cabozantinib")
    assert len(labels) >= 10
    assert all(label.strip() and " · " in label for label in labels)
    panels: dict[str, list[str]] = {}
    for label in labels:
        panels.setdefault(label, []).append(label)
    # Within the whole picture a label may recur once per endpoint panel, never within one.
    heads = browser.execute_script(
        "return Array.from(document.querySelectorAll('svg > text[font-size=\"13\"]')).map(t => t.textContent)"
    )
    assert len(heads) >= 3  # one panel per endpoint
    assert max(len(v) for v in panels.values()) <= len(heads)
    browser.get(site + "/api/pictures/forest/os.svg?endpoint=mOS")
    assert browser.find_elements(By.CSS_SELECTOR, "svg a text")


def test_sparql_editor_reads_and_writes_the_url_and_clears_results_on_error(browser, site):
    from urllib.parse import quote

    from selenium.webdriver.common.by import By

    query = "SELECT ?drug WHERE { ?drug a <https://w3id.org/hcckg/ontology/TherapeuticAgent> } LIMIT 3"
    browser.get(site + "/query?query=" + quote(query))
    table = _wait(browser, lambda d: d.find_element(By.ID, "results-table"))
    assert len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) == 3
    screenshot(browser, "sparql-editor")
    browser.execute_script(
        "document.querySelector('.CodeMirror').CodeMirror.setValue(arguments[0])", "SELECT * WHERE { ?s ?p }"
    )
    browser.find_element(By.ID, "run").click()
    status = browser.find_element(By.ID, "status")
    _wait(browser, lambda _: "error" in (status.get_attribute("class") or ""))
    assert not browser.find_elements(By.ID, "results-table")
    assert "query=SELECT" in browser.current_url and "%3Fp" in browser.current_url.replace("?p", "%3Fp")


@pytest.mark.parametrize(
    "name, path",
    [
        ("landing", "/"),
        ("explorer", "/explore?mechanism=wnt"),
        ("trial", "/resource/trial/NCT04770896"),
        ("drug", "/resource/drug/lenvatinib"),
        ("query-form", "/queries/trials?drug=lenvatinib&order=evidence"),
        ("sparql-editor", "/query"),
    ],
)
def test_no_serious_or_critical_accessibility_violation(browser, site, name, path):
    browser.get(site + path)
    screenshot(browser, f"axe-{name}")
    problems = serious(axe(browser))
    assert not problems, "\n".join(problems)
