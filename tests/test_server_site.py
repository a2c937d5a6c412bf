"""The scientist's site on the real build (Flask test client): search, the pages people
read, browse lists, 404s, the explorer, the forms of the named queries, the pictures, VoID
and the service description for browsers, the ontology page and terminal tables."""

from __future__ import annotations

import dataclasses
import re

import pytest

from hcckg.queries.execute import Table, catalogue, run_named

BASE = "https://w3id.org/hcckg/"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def client(built_settings):
    from hcckg.server import create_app

    settings = dataclasses.replace(built_settings, query_timeout=10.0)
    return create_app({"SETTINGS": settings, "TESTING": True}).test_client()


def html(client, path: str, status: int = 200) -> str:
    response = client.get(path, headers=BROWSER)
    assert response.status_code == status, (path, response.data[:500])
    assert response.mimetype == "text/html"
    return response.data.decode()


@pytest.mark.parametrize(
    "text, kind, key",
    [
        ("atezo-bev", "regimen", "regimen/atezolizumab-bevacizumab"),
        ("TGF-beta", "target", "target/tgf-beta-1"),
        ("GPC3", "target", "target/gpc3"),
        ("MIV-818", "drug", "drug/fostroxacitabine-bralpamide"),
        ("IMbrave251", "trial", "trial/NCT04770896"),
        ("nct04770896", "trial", "trial/NCT04770896"),
        ("LENVATINIB", "drug", "drug/lenvatinib"),
        ("beta-catenin", "mechanism", "mechanism/wnt-beta-catenin-t-cell-exclusion"),
        ("β-catenin", "mechanism", "mechanism/wnt-beta-catenin-t-cell-exclusion"),
    ],
)
def test_search_finds_labels_synonyms_acronyms_codes_and_nct_numbers(client, text, kind, key):
    body = client.get("/api/search", query_string={"q": text}).get_json()
    groups = {g["kind"]: g["items"] for g in body["groups"]}
    assert kind in groups, body
    assert groups[kind][0]["iri"] == BASE + "resource/" + key, groups[kind][:3]
    assert groups[kind][0]["href"] == "/resource/" + key


def test_search_results_are_grouped_by_kind_and_work_without_javascript(client):
    page = html(client, "/search?q=lenvatinib")
    kinds = re.findall(r'<h2 id="group-(\w+)">', page)
    assert kinds[:2] == ["drug", "regimen"] and "trial" in kinds
    assert 'href="/resource/drug/lenvatinib"' in page
    assert "Nothing matches" in html(client, "/search?q=zzzzqqq")


def test_landing_page_is_a_search_box_with_the_editor_one_click_away(client):
    page = html(client, "/")
    assert re.search(r'<input id="q" name="q" type="search"[^>]*data-autocomplete', page)
    assert 'href="/query"' in page and 'href="/explore"' in page and 'href="/queries/"' in page


def test_trial_page_says_what_a_scientist_reads(client):
    page = html(client, "/resource/trial/NCT04770896")
    assert "<h1>IMbrave251</h1>" in page
    assert 'href="https://clinicaltrials.gov/study/NCT04770896"' in page
    for shown in (
        "active, not recruiting",
        "phase 3",
        "randomised controlled",
        "554",
        "post-ICI second line",
    ):
        assert shown in page, shown
    arms = re.findall(r'<article class="arm">(.*?)</article>', page, re.S)
    assert len(arms) == 2 and all('href="/resource/drug/lenvatinib"' in a for a in arms)
    # Each source once, in the numbered list; facts cite it by number.
    listed = re.findall(r'<li id="source-(\d+)"><a href="([^"]+)"', page)
    assert len(listed) == len({href for _, href in listed}) >= 2
    review = "Post-immunotherapy second-line strategies for hepatocellular carcinoma"
    assert page.count(review) == 1


def test_trial_page_shows_results_and_disagreements_between_sources(client):
    page = html(client, "/resource/trial/cabozantinib-after-ici-phase-2")
    results = page.split('id="results"', 1)[1].split("</table>", 1)[0]
    assert (
        "overall survival" in results
        and "8.9–NR" in results
        and "line" not in results.split("<tbody>")[0][-5:]
    )
    from hcckg.queries.execute import catalogue as queries

    conflicts = run_named(_store(client), queries()["gaps_conflicting_values"], {})
    trials = {r["subject"] for r in conflicts.rows if "/trial/" in r["subject"]}
    for iri in trials:
        assert "Where the sources disagree" in html(client, "/" + iri[len(BASE) :]), iri


def _store(client):
    from hcckg.server import site

    with client.application.app_context():
        return site().store


def test_drug_page_lists_every_trial_and_arm_with_nct_and_acronym_and_results(client):
    page = html(client, "/resource/drug/lenvatinib")
    studies = page.split('id="studies"', 1)[1].split("</table>", 1)[0]
    assert '<a href="/resource/trial/NCT04770896" title="A study of atezolizumab' in studies
    assert ">IMbrave251</a>" in studies and 'href="https://clinicaltrials.gov/study/NCT04770896"' in studies
    assert 'href="/resource/arm/NCT04770896-group-a"' in studies
    assert 'id="results"' in page and "/api/pictures/forest/lenvatinib.svg" in page
    assert "<dt>Targets</dt>" in page and 'href="/resource/target/fgfr4"' in page


def test_target_mechanism_and_source_pages(client):
    # CSF-1R drives the macrophage mechanism, and regorafenib hits it (issue 15's role model).
    target = html(client, "/resource/target/csf1r")
    assert 'href="/resource/drug/regorafenib"' in target and "Implicated in" in target
    assert 'href="/resource/mechanism/tam-csf1r"' in target
    # Wnt/β-catenin is driven by the pathway lenvatinib blocks, not by FGFR4 (the old model).
    mechanism = html(client, "/resource/mechanism/wnt-beta-catenin-t-cell-exclusion")
    assert 'href="/explore?mechanism=wnt-beta-catenin-t-cell-exclusion"' in mechanism
    assert 'href="/resource/process/wnt-beta-catenin-pathway"' in mechanism and "inferred" in mechanism
    assert 'href="/resource/target/fgfr4"' not in mechanism
    source = html(client, "/resource/source/ascari-2026-ref-41")
    assert 'href="https://pubmed.ncbi.nlm.nih.gov/38570034/"' in source
    assert 'href="https://doi.org/10.1016/j.jhep.2024.03.033"' in source
    assert "cite this source" in source


@pytest.mark.parametrize(
    "kind", ["trial", "drug", "target", "mechanism", "source", "regimen", "arm", "study"]
)
def test_browse_lists_every_resource_of_a_kind(client, kind):
    from hcckg.server import site

    page = html(client, f"/resource/{kind}/")
    with client.application.app_context():
        prefix = f"{BASE}resource/{kind}/"
        sparql = "SELECT DISTINCT ?s ?p WHERE { ?s a ?t FILTER(STRSTARTS(STR(?s), ?p)) }"
        import pyoxigraph as ox

        expected = {r["s"].value for r in site().store.query(sparql, substitutions={"p": ox.Literal(prefix)})}
    listed = set(re.findall(rf'href="/resource/{kind}/([^"/]+)"', page))
    assert {e[len(prefix) :] for e in expected} <= listed


def test_missing_pages_are_html_404_with_search_for_browsers_and_text_for_machines(client):
    for path in ("/resource/drug/no-such-drug", "/no/such/page", "/resource/no-such-kind/"):
        page = html(client, path, status=404)
        assert 'role="search"' in page and "<header>" in page
        plain = client.get(path, headers={"Accept": "text/plain"})
        assert plain.status_code == 404 and plain.mimetype == "text/plain"


def test_machines_still_get_rdf_from_the_same_iris(client):
    for path in ("/resource/trial/NCT04770896", "/resource/drug/lenvatinib"):
        response = client.get(path, headers={"Accept": "text/turtle"})
        assert response.status_code == 200 and response.mimetype == "text/turtle"
        assert b"hasArm" in response.data or b"hasTarget" in response.data


def test_void_and_service_description_are_pages_for_browsers_and_rdf_for_clients(client):
    void = html(client, "/.well-known/void")
    assert "void:triples" in void and "void:classPartition" in void and "<header>" in void
    assert client.get("/.well-known/void", headers={"Accept": "*/*"}).mimetype == "text/turtle"
    service = html(client, "/sparql")
    assert "sd:namedGraph" in service and "sd:resultFormat" in service
    assert client.get("/sparql", headers={"Accept": "*/*"}).mimetype == "text/turtle"


def test_ontology_page_has_the_site_header_a_class_tree_and_domains_and_ranges(client):
    page = html(client, "/ontology")
    assert "<header>" in page and "data-term-filter" in page
    tree = page.split('id="class-tree"', 1)[1].split("</section>", 1)[0]
    assert re.search(
        r'href="#TherapeuticAgent">TherapeuticAgent</a>.*?<ul>.*?href="#MonoclonalAntibody"', tree, re.S
    )
    row = re.search(r'<tr data-term="hasTarget">.*?</tr>', page, re.S).group(0)
    assert 'href="#TherapeuticAgent"' in row and 'href="#MolecularTarget"' in row


def _example(query) -> dict[str, str]:
    return {p.name: p.example for p in query.parameters if p.example and p.required}


@pytest.mark.parametrize("name", sorted(catalogue()))
def test_every_named_query_has_a_form_that_runs_it_in_its_declared_order(client, name):
    query = catalogue()[name]
    page = html(client, f"/queries/{name}")
    for p in query.parameters:
        assert f'name="{p.name}"' in page
    params = _example(query) | {"run": "1"}
    page = html(client, f"/queries/{name}?" + "&".join(f"{k}={v}" for k, v in params.items()))
    expected = run_named(_store(client), query, _example(query))
    shown = re.findall(r"<tbody>(.*?)</tbody>", page, re.S)
    rows = re.findall(r"<tr>", shown[0]) if shown else []
    assert len(rows) == min(len(expected.rows), 50)
    assert f"/api/queries/{name}?" in page and "format=csv" in page and "format=json" in page


def test_form_applies_the_ordering_links_labels_and_puts_the_path_first(client):
    page = html(client, "/queries/mechanism_paths?mechanism=wnt&order=evidence")
    heads = re.findall(r'<th scope="col">([^<]+)</th>', page.split('id="answer"', 1)[1])
    assert heads[:6] == ["mechanism", "target", "drug", "arm", "trial", "nctId"]
    expected = run_named(
        _store(client), catalogue()["mechanism_paths"], {"mechanism": "wnt"}, order="evidence"
    )
    first = expected.rows[0]
    body = page.split("<tbody>", 1)[1]
    assert body.index(f'title="{first["trial"]}"') < body.index("</tr>")
    assert (
        f'<a href="/resource/drug/lenvatinib" title="{BASE}resource/drug/lenvatinib">lenvatinib</a>' in body
    )
    error = client.get("/queries/trials?drug=lenvatinibx&run=1", headers=BROWSER)
    assert error.status_code == 400 and b"Did you mean" in error.data and b'role="alert"' in error.data


def test_explorer_defaults_to_post_ici_and_filters(client):
    page = html(client, "/explore?mechanism=wnt")
    assert "selected>post-ICI second line" in page
    # The Setting column (the fourth) of every path row.
    rows = re.findall(r"<tr>(.*?)</tr>", page.split('class="listing paths-table"', 1)[1], re.S)
    cells = [re.findall(r"<td[^>]*>(.*?)</td>", row, re.S) for row in rows]
    settings = {re.sub(r"<[^>]+>", "", c[3]).strip() for c in cells if len(c) > 3}
    assert settings == {"post-ICI second line"}
    assert "CheckMate 9DW" not in page.split("Sources")[0]
    every = html(client, "/explore?mechanism=wnt&setting=")
    assert "CheckMate 9DW" in every
    phase3 = html(client, "/explore?mechanism=wnt&setting=&phase=phase+3")
    assert "IMbrave251" in phase3 and "KCSG HB23-04" not in phase3.split("Sources")[0]
    assert "/api/pictures/mechanism/wnt-beta-catenin-t-cell-exclusion.svg" in page


def test_pictures_use_the_documented_endpoint_names_and_come_as_png(client):
    svg = client.get("/api/pictures/forest/os.svg?endpoint=mOS")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    png = client.get("/api/pictures/forest/lenvatinib.png?endpoint=mPFS")
    assert png.status_code == 200 and png.mimetype == "image/png" and png.data[:8] == b"\x89PNG\r\n\x1a\n"
    mechanism = client.get("/api/pictures/mechanism/wnt.svg").data.decode()
    assert "active, not recruiting" in mechanism and "IMbrave251" in mechanism and "Legend" in mechanism
    assert "…" not in mechanism


def test_forest_rows_are_distinct_within_each_panel(client):
    svg = client.get("/api/pictures/forest/cabozantinib.svg").data.decode()
    panels = re.split(r'font-size="13" font-weight="bold">', svg)[1:]
    assert len(panels) >= 3
    for panel in panels:
        labels = re.findall(r"<a href=[^>]+><text[^>]*>([^<]+)</text></a>", panel)
        assert labels and len(labels) == len(set(labels)), labels


def test_terminal_tables_fit_the_width_and_show_labels_or_curies(built_store):
    table = run_named(built_store, catalogue()["mechanism_paths"], {"mechanism": "wnt"})
    for width in (80, 120, 200):
        text = table.to_text(width=width)
        assert max(len(line) for line in text.splitlines()) <= width, width
        assert "https://w3id.org" not in text and "…" not in text
    assert "lenvatinib" in table.to_text(width=120) and "NCT04770896" in table.to_text(width=120)
    small = Table(
        ["drug", "drugLabel", "x"],
        [{"drug": BASE + "resource/drug/a", "drugLabel": "A", "x": BASE + "ontology/hasTarget"}],
    )
    lines = small.to_text(width=80).splitlines()
    assert lines[0].split() == ["drug", "x"] and lines[2].split() == ["A", "hcc:hasTarget"]
