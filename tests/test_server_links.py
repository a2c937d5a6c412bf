"""IRIs in and out of pages: a page path that makes no IRI is a 400 (it was a 500), and
only http:, https: and hcckg's own IRIs are clickable, on resource pages and in the query
page's results (a real browser)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from hcckg.graph.store import memory_store
from hcckg.ground.settings import DEFAULT_BASE_IRI
from hcckg.server import create_app

BAD_PATHS = ["a%20b", "%ff", "%22", "%7B", "%3C", "%5C", "x%00", "a%7Cb", "%60", "a%5E"]


@pytest.mark.parametrize("prefix", ["resource", "ontology", "graph"])
@pytest.mark.parametrize("rest", BAD_PATHS)
def test_a_page_path_that_makes_no_iri_is_a_400(sample_app, prefix, rest):
    answer = sample_app.test_client().get(f"/{prefix}/{rest}")
    assert answer.status_code == 400, answer.data[:300]
    assert answer.mimetype == "text/plain" and "does not name an IRI" in answer.get_data(as_text=True)


def test_a_good_page_path_is_still_served(sample_app):
    assert sample_app.test_client().get("/resource/target/pd-l1").status_code == 200


DRUG = ox.NamedNode(DEFAULT_BASE_IRI + "resource/drug/x")
SEE_ALSO = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#seeAlso")
LABEL = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
HOSTILE = ["javascript:alert(1)", "JavaScript:alert(2)", "data:text/html,hello", "vbscript:msgbox(3)"]


@pytest.fixture()
def hostile_app():
    store = memory_store()
    graph = ox.NamedNode(DEFAULT_BASE_IRI + "graph/review")
    facts = [ox.Triple(DRUG, LABEL, ox.Literal("x", language="en"))]
    facts += [ox.Triple(DRUG, SEE_ALSO, ox.NamedNode(iri)) for iri in HOSTILE]
    facts.append(ox.Triple(DRUG, SEE_ALSO, ox.NamedNode("https://example.org/fine")))
    store.replace_graph(graph, facts)
    return create_app({"STORE": store, "TESTING": True})


def test_only_web_and_own_iris_are_links_on_a_resource_page(hostile_app):
    html = (
        hostile_app.test_client()
        .get("/resource/drug/x", headers={"Accept": "text/html"})
        .get_data(as_text=True)
    )
    for iri in HOSTILE:
        assert f'href="{iri}' not in html.replace("&#34;", '"')
        assert iri.split(":")[0] + ":" in html  # still shown, as text
    assert 'href="https://example.org/fine"' in html
    assert 'href="javascript' not in html.lower() and 'href="data:' not in html


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless chromium (make browser-deps); missing, the test fails, never skips."""
    from browser import start_browser, stop_browser

    driver = start_browser()
    yield driver
    stop_browser(driver)


@pytest.mark.browser
def test_query_results_link_only_safe_iris(chromium, live_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    chromium.get(live_server + "/query")  # the SPARQL editor (the landing page is the search)
    query = (
        "SELECT ?x WHERE { VALUES ?x { <javascript:alert(1)> <data:text/html,hi> "
        "<https://example.org/fine> <https://w3id.org/hcckg/resource/drug/atezolizumab> } }"
    )
    chromium.execute_script(
        "const cm = document.querySelector('.CodeMirror');"
        "if (cm) cm.CodeMirror.setValue(arguments[0]); else document.getElementById('query').value = arguments[0];",
        query,
    )
    chromium.find_element(By.ID, "run").click()
    table = WebDriverWait(chromium, 15).until(ec.presence_of_element_located((By.ID, "results-table")))
    cells = table.find_elements(By.CSS_SELECTOR, "tbody td")
    texts = [cell.text for cell in cells]
    assert "javascript:alert(1)" in texts and "data:text/html,hi" in texts
    hrefs = [a.get_attribute("href") for a in table.find_elements(By.CSS_SELECTOR, "tbody a")]
    assert sorted(hrefs) == sorted(["https://example.org/fine", live_server + "/resource/drug/atezolizumab"])
