"""Named queries, parameters, CLI, HTTP and pictures on a small fixture of the review
(tests/data/queries/fixture.ttl), so they run without a full build."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest

from hcckg.graph.store import EmbeddedStore
from hcckg.ground.errors import QuerySyntaxError, UnknownParameter
from hcckg.queries.catalogue import load_catalogue, parse_query_file
from hcckg.queries.execute import order_rows, run_named
from hcckg.queries.params import normalise
from hcckg.queries.pictures import forest_svg, mechanism_svg

FIXTURE = Path(__file__).parent / "data" / "queries" / "fixture.ttl"
R = "https://w3id.org/hcckg/resource/"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="session")
def store() -> EmbeddedStore:
    inner = ox.Store()
    inner.load(
        path=str(FIXTURE),
        format=ox.RdfFormat.TURTLE,
        to_graph=ox.NamedNode("https://w3id.org/hcckg/graph/review"),
    )
    return EmbeddedStore(inner)


@pytest.fixture(scope="session")
def catalogue():
    return load_catalogue()


def run(store, catalogue, name, order=None, **params):
    return run_named(store, catalogue[name], params, order=order)


# -- catalogue ----------------------------------------------------------------------------
def test_catalogue_has_every_question(catalogue):
    expected = {
        "mechanism_paths",
        "trials",
        "trials_for_patient",
        "dose_comparison",
        "drugs_for_mechanism",
        "results_table",
        "outcomes",
        "gaps_untested",
        "gaps_trials_without_results",
        "gaps_conflicting_values",
        "search",
    }
    assert expected <= set(catalogue)
    for query in catalogue.values():
        assert query.title and query.description and query.columns
        for param in query.parameters:
            assert param.example, f"{query.name}.{param.name} needs an example"


def test_header_problems_are_reported(tmp_path):
    bad = tmp_path / "bad.rq"
    bad.write_text("#+ title: t\n#+ description: d\n#+ columns: [a, missing]\nSELECT ?a WHERE { ?a ?b ?c }\n")
    with pytest.raises(QuerySyntaxError, match="missing"):
        parse_query_file(bad)
    bad.write_text("#+ title: t\n#+ description: d\n#+ columns: [a]\nSELECT ?a WHERE { ?a ?b \n")
    with pytest.raises(QuerySyntaxError, match="does not parse"):
        parse_query_file(bad)


# -- parameters ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value", ["lenvatinib", "Lenvatinib", "LENVA", f"{R}drug/lenvatinib", " lenvatinib "]
)
def test_friendly_values_resolve(store, catalogue, value):
    table = run(store, catalogue, "trials", drug=value)
    assert table.parameters["drug"] == f"{R}drug/lenvatinib"
    assert [r["nctId"] for r in table.rows] == ["NCT06138769"]


def test_unknown_value_suggests_close_matches(store, catalogue):
    with pytest.raises(UnknownParameter) as err:
        run(store, catalogue, "trials", drug="lenvatinb")
    assert "Lenvatinib" in err.value.suggestions


def test_unknown_parameter_name_and_ordering(store, catalogue):
    with pytest.raises(UnknownParameter) as err:
        run(store, catalogue, "trials", dru="lenvatinib")
    assert err.value.suggestions == ["drug"]
    with pytest.raises(UnknownParameter, match="ordering"):
        run(store, catalogue, "trials", order="strength")


def test_iri_of_wrong_kind_is_rejected(store, catalogue):
    with pytest.raises(UnknownParameter):
        run(store, catalogue, "trials", drug=f"{R}target/fgfr4")


@pytest.mark.parametrize(
    "attack",
    [
        '"} } UNION { ?s ?p ?o } #',
        "lenvatinib> } DROP ALL #",
        "https://w3id.org/hcckg/resource/drug/x> . ?s ?p ?o . <y",
        "'; DELETE WHERE { ?s ?p ?o } --",
    ],
)
def test_injection_through_a_resource_parameter_is_rejected(store, catalogue, attack):
    # The value is looked up as a name (and not found); it never becomes query text.
    with pytest.raises(UnknownParameter) as err:
        run(store, catalogue, "trials", drug=attack)
    assert repr(attack.strip()) in str(err.value) or "is not a valid IRI" in str(err.value)


def test_injection_through_search_text_is_harmless(store, catalogue):
    # Pasted into the FILTER, this text would make it true for every resource.
    table = run(store, catalogue, "search", text='") || true || CONTAINS("x')
    assert table.rows == []  # searched for literally: found nothing
    assert run(store, catalogue, "search", text="lenvatinib").rows  # the same query finds real names


def test_normalise_ignores_case_accents_greek_and_punctuation():
    assert normalise("TGF-β1") == normalise("tgf beta1") == "tgfbeta1"
    assert normalise("TGF-ß1") == "tgfbeta1"  # the review's sharp-s spelling of β
    assert normalise("Évaluation") == "evaluation"


# -- answers ------------------------------------------------------------------------------
def test_mechanism_paths_lead_to_trials_with_evidence(store, catalogue):
    rows = run(store, catalogue, "mechanism_paths", mechanism="wnt-beta-catenin").rows
    trial = next(r for r in rows if r["nctId"] == "NCT06138769")
    assert (trial["targetLabel"], trial["viaKind"], trial["drugLabel"]) == (
        "Wnt/β-catenin pathway",
        "process",
        "Lenvatinib",
    )
    assert (trial["relationLabel"], trial["support"], trial["settingLabel"]) == (
        "addresses",
        "inferred",
        "post-ICI second line",
    )
    assert "[ascari-2026-ref-34]" in trial["explanation"]
    assert set(trial["linkSources"].split()) == {"ascari-2026-ref-8", "ascari-2026-ref-34"}
    assert trial["targetSources"] == "ascari-2026-ref-8"
    assert trial["drugSources"] == "ascari-2026-ref-34"
    assert trial["armSources"] == trial["trialSources"] == "ascari-2026-table-3"
    assert (trial["phaseRank"], trial["randomised"], trial["enrollment"]) == (2, False, 50)
    garp = run(store, catalogue, "mechanism_paths", mechanism="TGF-β1 release from GARP").rows
    assert {(r["drugLabel"], r["nctId"]) for r in garp} == {("Livmoniplimab", "NCT05822752")}


def test_status_filter_and_evidence_ordering(store, catalogue):
    rows = run(store, catalogue, "mechanism_paths", status="RECRUITING").rows
    assert rows == []  # no path in the fixture reaches a recruiting trial
    rows = run(store, catalogue, "mechanism_paths", order="evidence", status="active not recruiting").rows
    assert [r["nctId"] for r in rows] == ["NCT05822752", "NCT06138769"]  # randomised first


def test_trials_by_family_and_target(store, catalogue):
    assert {r["nctId"] for r in run(store, catalogue, "trials", family="tki").rows} == {
        "NCT06138769",
        "NCT06446154",
    }
    assert [r["nctId"] for r in run(store, catalogue, "trials", target="GARP:TGF-β1 complex").rows] == [
        "NCT05822752"
    ]
    with pytest.raises(UnknownParameter):
        run(store, catalogue, "trials", family="vaccine")


def test_patient_eligibility_follows_broader_regimens(store, catalogue):
    after_ab = {
        r["nctId"] for r in run(store, catalogue, "trials_for_patient", priorRegimen="atezo-bev").rows
    }
    assert after_ab == {"NCT06138769", "NCT05822752", "NCT06446154", "NCT05168163", None}
    after_any = {r["nctId"] for r in run(store, catalogue, "trials_for_patient", priorRegimen="ICIs").rows}
    assert after_any == {"NCT05822752", "NCT06446154", None}
    b7 = run(store, catalogue, "trials_for_patient", priorRegimen="atezo-bev", childPugh="B7", ps="1").rows
    assert [(r["nctId"], r["open"]) for r in b7] == [("NCT06446154", True)]


def test_a_requirement_of_all_its_regimens_needs_a_regimen_under_each(store, catalogue):
    """NCT05168163's reference 12: 'previously treated with ICIs and anti-VEGF agents'.
    Atezo-bev falls under both; anti-PD-1 monotherapy only under the ICIs, which would do for
    'ICIs or anti-VEGF agents' but not for 'and'."""

    def matched(regimen: str) -> dict:
        rows = run(store, catalogue, "trials_for_patient", priorRegimen=regimen).rows
        return {r["nctId"]: r["matchedBy"] for r in rows}

    assert matched("atezo-bev")["NCT05168163"] == (
        "progressed on atezo-bev; received any ICI regimen and regimen with a VEGF inhibitor"
    )
    assert "NCT05168163" not in matched("anti-PD-1 monotherapy")
    assert "NCT05822752" in matched("anti-PD-1 monotherapy")  # any ICI regimen: one is enough


def test_prior_lines_must_lie_in_the_populations_range(store, catalogue):
    def labels(lines: str) -> set:
        return {r["trialLabel"] for r in run(store, catalogue, "trials_for_patient", priorLines=lines).rows}

    cabozantinib = "Cabozantinib after ICIs (phase II)"
    assert cabozantinib in labels("1") and cabozantinib in labels("2")
    assert cabozantinib not in labels("3") and cabozantinib not in labels("0")
    assert "LIVIGNO-1" in labels("3")  # the review gives no line range for it: no bound excludes
    [row] = [
        r
        for r in run(store, catalogue, "trials_for_patient", priorLines="2").rows
        if r["trialLabel"] == cabozantinib
    ]
    assert (row["minPriorLines"], row["maxPriorLines"]) == (1, 2)
    with pytest.raises(UnknownParameter):
        run(store, catalogue, "trials_for_patient", priorLines="two")


def test_drugs_for_mechanism(store, catalogue):
    rows = run(store, catalogue, "drugs_for_mechanism", mechanism="garp-tgf-beta1").rows
    assert [(r["drugLabel"], r["viaTargets"], r["highestPhase"], r["anyRandomised"]) for r in rows] == [
        ("Livmoniplimab", "GARP:TGF-β1 complex", 2, True)
    ]
    assert (rows[0]["support"], rows[0]["direct"], rows[0]["sources"]) == (
        "inferred",
        False,
        "ascari-2026-ref-25",
    )
    assert rows[0]["postICIStudies"] == 1 and "prevents activation" in rows[0]["explanation"]


def test_results_side_by_side(store, catalogue):
    rows = run(store, catalogue, "results_table", agent="lenvatinib").rows
    yoo = next(r for r in rows if r["studyLabel"] == "Yoo et al [45]")
    assert (yoo["mPFS"], yoo["mOS"], yoo["ORR"], yoo["region"], yoo["patients"]) == (
        "5.4 (5.3–5.6)",
        "8.6 (8.1–NR)",
        "12",
        "Korea",
        50,
    )
    chon = {r["armLabel"]: r["mPFS"] for r in rows if r["studyLabel"] == "Chon et al [40]"}
    assert chon == {"Lenvatinib": "3.5"}  # the sorafenib arm is another drug's result
    assert [r["value"] for r in run(store, catalogue, "outcomes", order="value", endpoint="mPFS").rows] == [
        5.4,
        3.5,
        1.8,
    ]


def test_gaps(store, catalogue):
    untested = {(r["kind"], r["label"]) for r in run(store, catalogue, "gaps_untested").rows}
    assert untested == {("mechanism", "Dense fibrotic stroma"), ("target", "GPC3")}
    conflicts = run(store, catalogue, "gaps_conflicting_values").rows
    assert [(r["subjectLabel"], r["property"], r["value1"], r["value2"]) for r in conflicts] == [
        ("LIVIGNO-1", "enrollment", "120", "130")
    ]
    pending = {r["nctId"] for r in run(store, catalogue, "gaps_trials_without_results").rows}
    # (the fixture's NCT05168163 and the cabozantinib phase 2, which has no NCT number, carry no results)
    assert pending == {"NCT05822752", "NCT06138769", "NCT06446154", "NCT05168163", None}


@pytest.mark.parametrize(
    ("text", "entity"),
    [
        ("atezo-bev", "regimen/atezo-bev"),
        ("TGF-beta", "target/garp-tgfb1"),
        ("gpc3", "target/gpc3"),
        ("MIV-818", "drug/fostroxacitabine-bralpamide"),
        ("ÀBBV 151", "drug/livmoniplimab"),
    ],
)
def test_search_by_name_or_synonym(store, catalogue, text, entity):
    assert R + entity in {r["entity"] for r in run(store, catalogue, "search", text=text).rows}


def test_order_rows_puts_missing_last():
    rows = [{"a": None}, {"a": 1}, {"a": 3}]
    assert [r["a"] for r in order_rows(rows, ("-a",))] == [3, 1, None]


# -- pictures -----------------------------------------------------------------------------
def test_mechanism_picture_links_every_node(store):
    svg = mechanism_svg(store, "wnt")
    root = ET.fromstring(svg)
    links = {a.get("href") for a in root.iter(f"{SVG}a")}
    assert {
        "/resource/mechanism/wnt-beta-catenin",
        "/resource/process/wnt-pathway",
        "/resource/drug/lenvatinib",
        "/resource/trial/NCT06138769",
    } <= links
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Wnt/β-catenin pathway" in texts and any("NCT06138769" in (t or "") for t in texts)


def test_forest_picture_shows_values_and_intervals(store):
    root = ET.fromstring(forest_svg(store, "lenvatinib", "pfs"))
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "5.4 (5.3–5.6)" in texts and "3.5" in texts and "1.8" not in texts
    assert len(list(root.iter(f"{SVG}line"))) >= 2  # Yoo's CI and the axis
    by_endpoint = ET.fromstring(forest_svg(store, "mOS"))
    assert "8.6 (8.1–NR)" in [t.text for t in by_endpoint.iter(f"{SVG}text")]


# -- CLI and HTTP -------------------------------------------------------------------------
@pytest.fixture(scope="session")
def store_path(tmp_path_factory) -> Path:
    from hcckg.graph.store import build

    path = tmp_path_factory.mktemp("queries") / "store"
    build(
        path,
        lambda s: s.inner.load(
            path=str(FIXTURE),
            format=ox.RdfFormat.TURTLE,
            to_graph=ox.NamedNode("https://w3id.org/hcckg/graph/review"),
        ),
    )
    return path


def test_cli_named_query_csv_and_errors(store_path, capsys, monkeypatch):
    from hcckg.cli import main

    monkeypatch.setenv("HCCKG_STORE", str(store_path))
    assert main(["query", "--name", "trials", "--param", "drug=lenvatinib", "--format", "csv"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("trial,nctId") and "NCT06138769" in out[1] and len(out) == 2
    assert main(["query", "--name", "trials", "--param", "drug=lenvatinb"]) == 1
    assert "did you mean: Lenvatinib" in capsys.readouterr().err
    assert main(["query", "--list"]) == 0
    assert "mechanism_paths" in capsys.readouterr().out


def test_cli_pictures_writes_svg(store_path, tmp_path, monkeypatch):
    from hcckg.cli import main

    monkeypatch.setenv("HCCKG_STORE", str(store_path))
    out = tmp_path / "m.svg"
    assert main(["pictures", "mechanism", "garp-tgf-beta1", "-o", str(out)]) == 0
    assert "/resource/drug/livmoniplimab" in out.read_text()


@pytest.fixture()
def client(store):
    from hcckg.server import create_app

    return create_app({"STORE": store}).test_client()


def test_api_catalogue_and_query(client):
    names = {q["name"] for q in client.get("/api/queries").get_json()["queries"]}
    assert "mechanism_paths" in names
    answer = client.get("/api/queries/trials?drug=lenvatinib&order=evidence")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    assert [r["nctId"] for r in json.loads(answer.data)["rows"]] == ["NCT06138769"]
    csv = client.get("/api/queries/trials?drug=lenvatinib", headers={"Accept": "text/csv"})
    assert csv.mimetype == "text/csv" and csv.data.decode().count("\n") == 2
    assert client.get("/api/queries/trials?format=csv").mimetype == "text/csv"


def test_api_errors(client):
    bad = client.get("/api/queries/trials?drug=lenvatinb")
    assert bad.status_code == 400 and "Lenvatinib" in bad.data.decode()
    assert client.get("/api/queries/nope").status_code == 404
    assert client.get("/api/queries/trials", headers={"Accept": "image/png"}).status_code == 406


def test_api_pictures(client):
    svg = client.get("/api/pictures/mechanism/wnt-beta-catenin.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert b"/resource/trial/NCT06138769" in svg.data
    forest = client.get("/api/pictures/forest/lenvatinib.svg?endpoint=pfs")
    assert b"5.4 (5.3\xe2\x80\x935.6)" in forest.data


def test_shacl_catalogue(catalogue):
    from hcckg.queries.shacl import catalogue_triples

    triples = catalogue_triples()
    selects = [t for t in triples if t.predicate.value.endswith("#select")]
    assert len(selects) == len(catalogue)
    store = ox.Store()
    store.extend([ox.Quad(t.subject, t.predicate, t.object) for t in triples])
    kinds = {r["t"].value for r in store.query(f"SELECT ?t WHERE {{ <{R}query/trials> a ?t }}")}
    assert kinds == {
        "http://www.w3.org/ns/shacl#SPARQLExecutable",
        "http://www.w3.org/ns/shacl#SPARQLSelectExecutable",
    }
