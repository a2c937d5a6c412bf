"""Trials as data, on the real curated graph: doses with units and schedules, cohorts with their
own populations, a prior-line range, enrollment figures with their kinds and sources, and the
randomisation ratios, each value read back through its provenance statement (so the source
is checked with the value)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from hcckg.ground import iris
from hcckg.ground.terms import HCC

TEXT = "ascari-2026"


@pytest.fixture(scope="module")
def with_ontology(review_store):
    """The review graph beside the ontology, whose units and schedules the doses point at."""
    from hcckg.graph.store import memory_store
    from hcckg.ontology.tbox import ontology_triples

    store = memory_store()
    store.replace_graph(iris.graph("review"), review_store.quads(iris.graph("review")))
    store.replace_graph(iris.graph("ontology"), ontology_triples())
    return store


STATED = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT * WHERE { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; dcterms:source ?src }
"""


def stated(store, subject: ox.NamedNode, prop: ox.NamedNode) -> set[tuple[str, str]]:
    """(value, source key) of every statement of one property of one subject."""
    rows = store.select(STATED, substitutions={"s": subject, "p": prop})
    return {(_short(r["o"]), _short(r["src"])) for r in rows}


def values(store, subject: ox.NamedNode, prop: ox.NamedNode) -> set[str]:
    return {v for v, _ in stated(store, subject, prop)}


def one(store, subject: ox.NamedNode, prop: ox.NamedNode) -> ox.NamedNode:
    rows = store.select("SELECT * WHERE { ?s ?p ?o }", substitutions={"s": subject, "p": prop})
    [row] = list(rows)
    return row["o"]


def _short(term) -> str:
    text = term.value
    if isinstance(term, ox.NamedNode):
        return text.rsplit("/", 1)[-1]
    return text.removesuffix(".0") if term.datatype.value.endswith("decimal") else text


def _doses(store, arm: str) -> dict[str, dict[str, set[str]]]:
    """Agent key -> property -> values, for every dose of one arm."""
    out: dict[str, dict[str, set[str]]] = {}
    arm_iri = iris.resource("arm", arm)
    for dose, _ in stated(store, arm_iri, HCC.hasDose):
        node = iris.resource("dose", dose)
        props = {}
        for name in (
            "doseAmount",
            "doseAmountMin",
            "doseAmountMax",
            "dailyAmount",
            "hasUnit",
            "route",
            "frequency",
        ):
            props[name] = values(store, node, getattr(HCC, name))
        [agent] = values(store, node, HCC.doseOfAgent)
        out[agent] = props
    return out


@pytest.mark.parametrize(
    ("arm", "amount"), [("NCT05822752-cohort-2", "400"), ("NCT05822752-cohort-3", "1200")]
)
def test_livmoniplimab_doses_are_numbers_with_units_and_schedule(review_store, with_ontology, arm, amount):
    doses = _doses(review_store, arm)
    assert set(doses) == {"livmoniplimab", "budigalimab"}
    for agent, expected in (("livmoniplimab", amount), ("budigalimab", "375")):
        assert doses[agent]["doseAmount"] == {expected}
        assert doses[agent]["hasUnit"] == {"milligram"}
        assert doses[agent]["route"] == {"intravenous"}
        assert doses[agent]["frequency"] == {"every-3-weeks"}
    # Each fact of a dose comes from the review's text.
    dose = iris.resource("dose", f"{arm.lower()}-livmoniplimab")
    assert stated(review_store, dose, HCC.doseAmount) == {(amount, TEXT)}
    # The unit is UCUM's and the schedule is data too: once every 3 weeks.
    assert ("mg" in {r["c"].value for r in with_ontology.select(
        "PREFIX hcc: <https://w3id.org/hcckg/ontology/> SELECT * WHERE { ?d hcc:hasUnit/hcc:ucumCode ?c }",
        substitutions={"d": dose})})  # fmt: skip
    schedule = with_ontology.select(
        """PREFIX hcc: <https://w3id.org/hcckg/ontology/>
        SELECT * WHERE { ?d hcc:frequency ?f . ?f hcc:administrationsPerInterval ?n ;
          hcc:intervalLength ?len ; hcc:intervalUnit ?unit }""",
        substitutions={"d": dose},
    )
    assert [(r["n"].value, float(r["len"].value), _short(r["unit"])) for r in schedule] == [
        ("1", 3.0, "week")
    ]


def test_the_control_arm_doses_keep_range_and_daily_total(review_store):
    doses = _doses(review_store, "NCT05822752-cohort-1")
    assert doses["lenvatinib"]["doseAmountMin"] == {"8"} and doses["lenvatinib"]["doseAmountMax"] == {"12"}
    assert doses["lenvatinib"]["frequency"] == {"once-daily"}
    assert doses["sorafenib"]["doseAmount"] == {"400"} and doses["sorafenib"]["dailyAmount"] == {"800"}
    assert doses["sorafenib"]["frequency"] == {"twice-daily"}


def test_nct04696055_cohorts_have_sizes_prior_regimens_and_results(review_store):
    rows = review_store.select(
        """PREFIX hcc: <https://w3id.org/hcckg/ontology/>
        SELECT * WHERE {
          ?study hcc:hasArm ?arm . ?arm hcc:hasEnrollment/hcc:enrollmentCount ?n ;
            hcc:hasPopulation/hcc:hasPriorTherapyRequirement ?req .
          ?req hcc:requiresPriorRegimen ?regimen .
          OPTIONAL { ?req hcc:excludesPriorRegimen ?excluded }
          OPTIONAL { ?outcome hcc:outcomeOfArm ?arm }
        }""",
        substitutions={"study": iris.resource("trial", "NCT04696055")},
    )
    cohorts: dict[str, dict] = {}
    for r in rows:
        c = cohorts.setdefault(
            _short(r["arm"]), {"n": set(), "prior": set(), "not": set(), "outcomes": set()}
        )
        c["n"].add(int(r["n"].value))
        c["prior"].add(_short(r["regimen"]))
        if r.get("excluded"):
            c["not"].add(_short(r["excluded"]))
        if r.get("outcome"):
            c["outcomes"].add(_short(r["outcome"]))
    one_, two = cohorts["NCT04696055-cohort-1"], cohorts["NCT04696055-cohort-2"]
    assert (one_["n"], one_["prior"], one_["not"]) == ({68}, {"atezolizumab-bevacizumab"}, set())
    assert (two["n"], two["prior"], two["not"]) == ({27}, {"any-ici-regimen"}, {"atezolizumab-bevacizumab"})
    results = {}
    for cohort in ("cohort-1", "cohort-2"):
        for endpoint in ("pfs", "orr"):
            outcome = iris.resource("outcome", f"nct04696055-{cohort}-{endpoint}-ref-15")
            results[(cohort, endpoint)] = values(review_store, outcome, HCC.value)
    assert results == {("cohort-1", "pfs"): {"2.8"}, ("cohort-1", "orr"): {"5.9"},
                       ("cohort-2", "pfs"): {"4.2"}, ("cohort-2", "orr"): {"11.1"}}  # fmt: skip
    # Median OS not reached in both cohorts, at a median follow-up of 7.1 months: data, not a note.
    for cohort in ("cohort-1", "cohort-2"):
        os_ = iris.resource("outcome", f"nct04696055-{cohort}-os-ref-15")
        assert values(review_store, os_, HCC.valueStatus) == {"not-reached"}
        assert values(review_store, os_, HCC.followUpDuration) == {"7.1"}
        assert values(review_store, os_, HCC.followUpIsMedian) == {"true"}
        assert values(review_store, os_, HCC.value) == set()
    # Cohort 2's prior ICIs are baseline data of the cohort.
    shares = {
        agent: values(
            review_store, iris.resource("baseline", f"nct04696055-cohort-2-prior-agent-{agent}"), HCC.value
        )
        for agent in ("durvalumab", "nivolumab", "ipilimumab", "pembrolizumab")
    }
    assert shares == {
        "durvalumab": {"30"},
        "nivolumab": {"30"},
        "ipilimumab": {"22"},
        "pembrolizumab": {"19"},
    }


def test_cabozantinib_study_of_up_to_two_prior_lines_is_a_line_range(review_store):
    population = iris.resource("population", "cabozantinib-after-ici-phase-2")
    assert stated(review_store, population, HCC.minPriorLines) == {("1", "ascari-2026-ref-41")}
    assert stated(review_store, population, HCC.maxPriorLines) == {("2", "ascari-2026-ref-41")}
    by_line = {}
    for line in (2, 3):
        for endpoint in ("pfs", "os"):
            outcome = iris.resource(
                "outcome", f"cabozantinib-after-ici-phase-2-cabozantinib-line-{line}-{endpoint}-ref-41"
            )
            by_line[(line, endpoint)] = (
                values(review_store, outcome, HCC.value),
                values(review_store, outcome, HCC.count),
            )
    assert by_line == {
        (2, "pfs"): ({"4.3"}, {"27"}), (2, "os"): ({"14.3"}, {"27"}),
        (3, "pfs"): ({"4"}, {"20"}), (3, "os"): ({"6.6"}, {"20"}),
    }  # fmt: skip
    open_limit = iris.resource("outcome", "cabozantinib-after-ici-phase-2-cabozantinib-line-2-os-ref-41")
    assert values(review_store, open_limit, HCC.ciUpperStatus) == {"not-reached"}


def test_livigno_1_enrollments_have_their_kinds_and_sources(review_store):
    trial = iris.resource("trial", "NCT05822752")
    figures = {}
    for node, source in stated(review_store, trial, HCC.hasEnrollment):
        iri = iris.resource("enrollment", node)
        [count] = values(review_store, iri, HCC.enrollmentCount)
        figures[(int(count), source)] = values(review_store, iri, HCC.enrollmentKind)
    assert figures == {
        (130, "ascari-2026-table-1"): {"reported"},
        (120, TEXT): {"planned", "approximate"},
    }
    # The cohorts' planned 40 each, as the text gives them.
    for cohort in (1, 2, 3):
        arm = iris.resource("arm", f"NCT05822752-cohort-{cohort}")
        [(node, source)] = stated(review_store, arm, HCC.hasEnrollment)
        assert source == TEXT
        assert values(review_store, iris.resource("enrollment", node), HCC.enrollmentKind) == {"planned"}


@pytest.mark.parametrize(
    ("trial", "ratio", "source", "weights"),
    [
        ("NCT04770896", "1:1", TEXT, {"group-a": 1, "group-b": 1}),
        ("NCT05168163", "2:1", "ascari-2026-ref-12", {"atezolizumab-mtki": 2, "mtki": 1}),
        (
            "NCT03781934",
            "1:1:1",
            TEXT,
            {"phase-2-fostrox-30": 1, "phase-2-fostrox-10": 1, "phase-2-control": 1},
        ),
    ],
)
def test_randomisation_ratios_are_data(review_store, trial, ratio, source, weights):
    study = iris.resource("trial", trial)
    assert stated(review_store, study, HCC.allocationRatio) == {(ratio, source)}
    got = {}
    for arm, _ in stated(review_store, study, HCC.hasArm):
        weight = values(review_store, iris.resource("arm", arm), HCC.allocationWeight)
        if weight:
            got[arm.removeprefix(trial + "-")] = int(weight.pop())
    assert got == weights


def test_design_words_are_shared_values(review_store):
    imbrave = iris.resource("trial", "NCT04770896")
    assert values(review_store, imbrave, HCC.masking) == {"NONE"}
    assert values(review_store, imbrave, HCC.allocation) == {"RANDOMIZED"}
    assert len(values(review_store, imbrave, HCC.stratificationFactor)) == 4
    assert values(review_store, iris.resource("trial", "NCT05168163"), HCC.numberOfSites) == {"12"}
    assert values(review_store, iris.resource("trial", "NCT05101629"), HCC.responseCriteria) == {"recist-1-1"}
    assert values(review_store, iris.resource("trial", "resorce"), HCC.masking) == {"DOUBLE"}
