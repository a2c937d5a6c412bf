"""Named queries' expected answers on the real build (the curated review data), through
the shared session fixture ``built_store``."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from hcckg.queries.catalogue import load_catalogue
from hcckg.queries.execute import run_named
from hcckg.queries.pictures import forest_svg, mechanism_svg

R = "https://w3id.org/hcckg/resource/"
SVG = "{http://www.w3.org/2000/svg}"


def run(store, name, order=None, **params):
    return run_named(store, load_catalogue()[name], params, order=order).rows


# The post-ICI second-line trials that give lenvatinib (Tables 1 and 3, the text, Table 2's
# KCSG HB23-04): the README's worked example answers with exactly these.
POST_ICI_LENVATINIB = {"NCT03781934", "NCT04770896", "NCT05101629", "NCT05168163", "NCT05822752", "NCT06138769",
                       "KCSG HB23-04"}  # fmt: skip


def test_wnt_leads_through_the_pathway_lenvatinib_blocks_to_post_ici_trials_only(built_store):
    rows = run(built_store, "mechanism_paths", mechanism="wnt")
    assert {(r["targetLabel"], r["viaKind"], r["drugLabel"]) for r in rows} == {
        ("Wnt/β-catenin pathway", "process", "lenvatinib")
    }
    assert {r["trialName"] for r in rows} == POST_ICI_LENVATINIB
    assert {(r["settingLabel"], r["relationLabel"], r["support"]) for r in rows} == {
        ("post-ICI second line", "addresses", "inferred")
    }
    assert all("[ascari-2026-ref-34]" in r["explanation"] for r in rows)
    imbrave = next(r for r in rows if r["nctId"] == "NCT04770896")
    assert (imbrave["phaseRank"], imbrave["randomised"], imbrave["enrollment"]) == (3, True, 554)
    assert imbrave["armSources"] == "ascari-2026-table-1"
    assert set(imbrave["linkSources"].split()) == {"ascari-2026-ref-8", "ascari-2026-ref-34"}
    # Ordered by strength of evidence, the phase 3 RCT comes first.
    assert run(built_store, "mechanism_paths", order="evidence", mechanism="wnt")[0]["nctId"] == "NCT04770896"


def test_other_settings_and_observational_studies_on_request(built_store):
    every = run(built_store, "mechanism_paths", mechanism="wnt", setting="all", studies="all")
    names = {r["trialName"] for r in every}
    assert names > POST_ICI_LENVATINIB and {"CheckMate 9DW", "LEAP-002"} <= names
    assert {r["settingLabel"] for r in every} == {"post-ICI second line", "first line"}
    first = run(built_store, "mechanism_paths", mechanism="wnt", setting="first-line")
    assert {r["trialName"] for r in first} == {"CheckMate 9DW", "LEAP-002"}
    observed = run(built_store, "mechanism_paths", mechanism="wnt", studies="observational")
    assert observed and all(r["nctId"] is None for r in observed)


def test_garp_leads_to_livmoniplimab_and_the_livigno_trials(built_store):
    rows = run(built_store, "mechanism_paths", mechanism="TGF-β1 release from GARP")
    assert {r["drugLabel"] for r in rows} == {"livmoniplimab"}
    assert {r["nctId"] for r in rows} == {"NCT05822752"}  # LIVIGNO-2 is frontline
    assert "NCT06109272" in {
        r["nctId"] for r in run(built_store, "mechanism_paths", mechanism="garp", setting="all")
    }
    assert all("ascari-2026-ref-25" in r["targetSources"] for r in rows)
    recruiting = run(built_store, "mechanism_paths", mechanism="garp", status="recruiting")
    assert recruiting == []  # LIVIGNO-1 is active, not recruiting


def test_dual_blockade_arms_address_escape_through_several_checkpoints(built_store):
    rows = run(built_store, "mechanism_paths", mechanism="more than one checkpoint")
    arms = {(r["trialName"], r["drugLabel"]) for r in rows}
    # Nivolumab counts only with ipilimumab in the same arm; the single PD-(L)1 trials are absent.
    assert {
        ("NCT05199285", "nivolumab"),
        ("NCT05199285", "ipilimumab"),
        ("NCT05760599", "cadonilimab"),
    } <= arms
    assert not {r["trialName"] for r in rows} & {"NCT04696055", "NCT05101629", "NCT05257590", "NCT05178043"}
    assert {r["targetLabel"] for r in rows} == {"dual checkpoint blockade"}


def test_a_limit_is_not_an_answer_to_it(built_store):
    rows = run(built_store, "mechanism_paths", mechanism="cross-resistance")
    assert {(r["drugLabel"], r["relationLabel"], r["support"]) for r in rows} == {
        ("atezolizumab", "limited by", "stated")
    }
    assert run(built_store, "mechanism_paths", mechanism="cross-resistance", relation="addresses") == []


def test_trials_by_drug_family_and_status(built_store):
    assert "NCT04696055" in {r["nctId"] for r in run(built_store, "trials", drug="regorafenib")}
    tki = {r["nctId"] for r in run(built_store, "trials", family="tki")}
    assert {"NCT06138769", "NCT04767906", "NCT05134532", "NCT06446154"} <= tki
    recruiting = run(built_store, "trials", status="RECRUITING")
    assert recruiting and all(r["statusLabel"].lower() == "recruiting" for r in recruiting)


def test_trials_open_after_atezo_bev_with_child_pugh_b7(built_store):
    rows = run(built_store, "trials_for_patient", priorRegimen="atezo-bev", childPugh="B7", ps="1")
    # Table 3: Child-Pugh A-B7 trials for patients after atezo-bev or after any ICI.
    assert {"NCT06446154"} <= {r["nctId"] for r in rows}
    assert "NCT06138769" not in {r["nctId"] for r in rows}  # Child-Pugh A only


def test_drugs_for_tam_mechanism(built_store):
    rows = run(built_store, "drugs_for_mechanism", mechanism="tam-csf1r")
    assert [(r["drugLabel"], r["viaTargets"], r["support"], r["sources"]) for r in rows] == [
        ("regorafenib", "CSF-1R", "inferred", "ascari-2026-ref-35")
    ]


def test_drugs_for_mechanism_says_stated_or_inferred(built_store):
    rows = {
        (r["drugLabel"], r["support"])
        for r in run(built_store, "drugs_for_mechanism", mechanism="angiogenic escape")
    }
    assert rows == {
        ("regorafenib", "stated"),
        ("sorafenib", "inferred"),
        ("lenvatinib", "inferred"),
        ("cabozantinib", "inferred"),
    }


def test_a_pooled_cohort_is_never_a_result_of_one_of_its_drugs(built_store):
    for drug in ("lenvatinib", "sorafenib", "cabozantinib", "pembrolizumab"):
        for name in ("outcomes", "results_table"):
            arms = {r["armLabel"] or "" for r in run(built_store, name, agent=drug)}
            assert not {
                a for a in arms if a.startswith(("other mTKIs", "all patients", "phase 1b cohort"))
            }, (name, drug)
    everything = {r["armLabel"] for r in run(built_store, "outcomes")}
    assert {
        "other mTKIs (sorafenib, lenvatinib, cabozantinib)",
        "phase 1b cohort: fostrox + lenvatinib or pembrolizumab (pooled)",
    } <= everything


def test_table_2_side_by_side(built_store):
    rows = run(built_store, "results_table", agent="lenvatinib")
    chon = next(r for r in rows if r["patients"] == 126 and r["mPFS"] == "3.5")
    assert (chon["mOS"], chon["ORR"], chon["DCR"], chon["trae34"], chon["region"]) == (
        "10.3",
        "7.5",
        "67.5",
        "35",
        "Korea",
    )


def test_gaps_on_the_review(built_store):
    conflicts = {
        (r["property"], r["value1"], r["value2"]) for r in run(built_store, "gaps_conflicting_values")
    }
    assert ("enrollment", "120", "130") in conflicts  # LIVIGNO-1: text vs Table 1
    assert ("enrollment", "105", "5") in conflicts  # NCT05178043: text vs Table 1
    kinds = {r["kind"] for r in run(built_store, "gaps_untested")}
    assert "mechanism" in kinds


@pytest.mark.parametrize(
    ("text", "kind"),
    [("atezo-bev", "regimen"), ("TGF-beta", "target"), ("GPC3", "target"), ("MIV-818", "drug")],
)
def test_search_examples_of_the_issue(built_store, text, kind):
    assert kind in {r["kind"] for r in run(built_store, "search", text=text)}


def test_pictures_on_real_data(built_store):
    root = ET.fromstring(mechanism_svg(built_store, "wnt"))
    links = {a.get("href") for a in root.iter(f"{SVG}a")}
    assert {
        "/resource/process/wnt-beta-catenin-pathway",
        "/resource/drug/lenvatinib",
        "/resource/trial/NCT06138769",
    } <= links
    forest = ET.fromstring(forest_svg(built_store, "lenvatinib", "pfs"))
    assert "5.4 (5.3–5.6)" in [t.text for t in forest.iter(f"{SVG}text")]


# -- trials: every parameter, on the curated data ---------------------------------------------
def _keys(rows):
    return {r["trial"].removeprefix(f"{R}trial/") for r in rows}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # lenvatinib is the only drug that hits FGFR4 (agents.yaml, ref 33).
        ({"target": "FGFR4"}, {"NCT03781934", "NCT04770896", "NCT05101629", "NCT05168163", "NCT05822752",
                               "NCT06138769", "checkmate-9dw", "kcsg-hb23-04", "leap-002"}),
        ({"drug": "lenvatinib"}, {"NCT03781934", "NCT04770896", "NCT05101629", "NCT05168163", "NCT05822752",
                                  "NCT06138769", "checkmate-9dw", "kcsg-hb23-04", "leap-002"}),
        ({"target": "GPC3"}, {"NCT05003895"}),
        ({"family": "tki"}, {"NCT04435977", "NCT04511455", "NCT04767906", "NCT05134532", "NCT06138769",
                             "NCT06446154", "NCT0653573", "cabozantinib-after-ici-phase-2", "celestial",
                             "kcsg-hb23-04", "regonext", "resorce"}),
        ({"family": "bispecific"}, {"NCT05760599", "NCT06530251", "ivonescimab-cadonilimab-study"}),
        ({"family": "adoptive-cell-therapy"}, {"NCT02541370", "NCT03132792", "NCT05003895"}),
        ({"family": "other"}, {"NCT03781934", "NCT05750030"}),
        ({"phase": "phase-3"}, {"NCT04770896", "cares-310", "checkmate-9dw", "keynote-240", "leap-002", "resorce"}),
        ({"status": "RECRUITING"}, {"NCT03781934", "NCT05168163", "NCT05199285", "NCT05257590", "NCT06446154"}),
        # Parameters combine with "and".
        ({"target": "FGFR4", "phase": "phase-3"}, {"NCT04770896", "checkmate-9dw", "leap-002"}),
        ({"drug": "lenvatinib", "family": "ici-combination"},
         {"NCT04770896", "NCT05101629", "NCT05168163", "NCT05822752", "checkmate-9dw", "leap-002"}),
        ({"target": "FGFR4", "status": "RECRUITING", "family": "other"}, {"NCT03781934"}),
    ],
)  # fmt: skip
def test_trials_by_each_parameter(built_store, params, expected):
    assert _keys(run(built_store, "trials", **params)) == expected


def test_trials_row_of_a_lenvatinib_trial(built_store):
    rows = run(built_store, "trials", order="evidence", drug="lenvatinib")
    imbrave = next(r for r in rows if r["nctId"] == "NCT04770896")
    assert set(imbrave["drugs"].split(", ")) == {"atezolizumab", "lenvatinib", "sorafenib"}
    assert imbrave["families"] == "ICIBasedCombinationTrial"
    assert (imbrave["statusLabel"], imbrave["phaseLabel"], imbrave["phaseRank"]) == (
        "active, not recruiting",
        "phase 3",
        3,
    )
    assert (imbrave["randomised"], imbrave["enrollment"], imbrave["hasResults"]) == (True, 554, False)
    # Phase 3 RCTs first; among them LEAP-002, with a reported result (its 5-year follow-up), then
    # IMbrave251 (enrollment 554) before those without results or enrollment.
    assert [r["phaseRank"] for r in rows[:3]] == [3, 3, 3]
    assert [r["trial"].rsplit("/", 1)[-1] for r in rows[:2]] == ["leap-002", "NCT04770896"]


HCC = "https://w3id.org/hcckg/ontology/"
# What each parameter asks of a trial, as one plain graph pattern.
_HOLDS = {
    "target": "?trial hcc:hasArm/hcc:includesAgent/hcc:hasTarget ?value",
    "drug": "?trial hcc:hasArm/hcc:includesAgent ?value",
    "family": "?trial a ?value",
    "phase": "?trial hcc:hasPhase ?value",
    "status": "?trial hcc:hasStatus ?value",
}


def _select(store, where, **substitutions):
    sparql = f"PREFIX hcc: <{HCC}> SELECT DISTINCT ?trial ?value WHERE {{ {where} }}"
    return list(store.query(sparql, substitutions=substitutions or None))


@pytest.mark.parametrize("param", list(_HOLDS))
def test_trials_with_a_parameter_are_the_unfiltered_rows_that_qualify(built_store, param):
    """For every value of the parameter: the rows are exactly the rows of the unfiltered
    query for the trials that the plain pattern says qualify (all columns; ``drugs`` as a
    set, GROUP_CONCAT's order being the engine's)."""
    import pyoxigraph as ox

    query = load_catalogue()["trials"]
    everything = {r["trial"]: r for r in run(built_store, "trials")}
    assert set(everything) == {
        r["trial"].value for r in _select(built_store, f"?trial a <{HCC}ClinicalTrial>")
    }
    if param == "family":  # value as the user gives it -> the class
        values = {
            key: HCC + term.removeprefix("hcc:") for key, term in query.parameter("family").values.items()
        }
    else:
        values = {r["value"].value: r["value"].value for r in _select(built_store, _HOLDS[param])}
        assert values and all(f"/resource/{query.parameter(param).kinds[0]}/" in v for v in values)

    def comparable(row):
        return {**row, "drugs": set((row["drugs"] or "").split(", "))}

    for value, iri in values.items():
        where = f"?trial a <{HCC}ClinicalTrial> . {_HOLDS[param]}"  # studies have arms too
        qualifying = {r["trial"].value for r in _select(built_store, where, value=ox.NamedNode(iri))}
        got = {r["trial"]: comparable(r) for r in run(built_store, "trials", **{param: value})}
        assert got == {t: comparable(everything[t]) for t in qualifying}, (param, value)


def _arms_giving(store, agent_iri: str) -> dict[str, set[str]]:
    """study -> its arms that give the drug, or every component of the regimen (a plain
    pattern, independent of the named queries' text)."""
    hcc = "https://w3id.org/hcckg/ontology/"
    components = {
        str(r["c"].value) for r in store.query(f"SELECT ?c WHERE {{ <{agent_iri}> <{hcc}hasComponent> ?c }}")
    } or {agent_iri}
    pooled = {
        str(r["a"].value) for r in store.query(f"SELECT ?a WHERE {{ ?a a <{hcc}PooledArm> }}")
    }  # an investigator's choice or a pooled cohort: a result of none of its agents alone
    study_of: dict[str, str] = {}
    agents_of: dict[str, set[str]] = {}
    for r in store.query(
        f"SELECT ?study ?arm ?agent WHERE {{ ?study <{hcc}hasArm> ?arm . ?arm <{hcc}includesAgent> ?agent }}"
    ):
        arm = str(r["arm"].value)
        study_of[arm] = str(r["study"].value)
        agents_of.setdefault(arm, set()).add(str(r["agent"].value))
    out: dict[str, set[str]] = {}
    for arm, agents in agents_of.items():
        if components <= agents and arm not in pooled:
            out.setdefault(study_of[arm], set()).add(arm)
    return out


@pytest.mark.parametrize(
    "agent",
    [
        "drug/lenvatinib",
        "drug/regorafenib",
        "regimen/atezolizumab-bevacizumab",
        "regimen/nivolumab-ipilimumab",
        "regimen/lenvatinib",
        "regimen/camrelizumab-rivoceranib",
    ],
)
def test_results_for_a_drug_or_regimen_are_exactly_the_arms_that_give_it(built_store, agent):
    """outcomes and results_table keep a result when its arm (or, for a study-level result,
    any arm of its study) gives the drug or every component of the regimen, and is not a
    pooled arm; no more."""
    giving = _arms_giving(built_store, R + agent)
    everything = run(built_store, "outcomes")
    expected = {
        r["outcome"]
        for r in everything
        if r["study"] in giving and (r["arm"] is None or r["arm"] in giving[r["study"]])
    }
    rows = run(built_store, "outcomes", agent=R + agent)
    assert {r["outcome"] for r in rows} == expected
    assert len(expected) < len({r["outcome"] for r in everything})  # the filter filters
    table = run(built_store, "results_table", agent=R + agent)
    assert {(r["study"], r["arm"]) for r in table} == {
        (r["study"], r["arm"])
        for r in run(built_store, "results_table")
        if r["study"] in giving and (r["arm"] is None or r["arm"] in giving[r["study"]])
    }


# -- trials as data: lines, cohorts, doses, follow-up ---------------------------------------------
