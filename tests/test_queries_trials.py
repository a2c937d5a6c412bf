"""The named queries on trials as data (patients by prior lines and cohorts, doses, the
results table) answered on the real build, through the session fixture ``built_store``."""

from __future__ import annotations

from hcckg.queries.catalogue import load_catalogue
from hcckg.queries.execute import run_named

R = "https://w3id.org/hcckg/resource/"


def run(store, name, order=None, **params):
    return run_named(store, load_catalogue()[name], params, order=order).rows


def _by_trial(rows) -> dict:
    return {r["nctId"] or r["trial"].rsplit("/", 1)[-1]: r for r in rows}


def test_trials_for_patient_by_number_of_prior_lines(built_store):
    two, three = (_by_trial(run(built_store, "trials_for_patient", priorLines=n)) for n in ("2", "3"))
    # "up to two prior systemic therapies" [41], "one or two" (NCT06530251), "at least one" (CD133 CAR-T)
    assert {"cabozantinib-after-ici-phase-2", "NCT06530251", "NCT02541370"} <= set(two)
    assert "cabozantinib-after-ici-phase-2" not in three and "NCT06530251" not in three
    assert "NCT02541370" in three
    caboz = two["cabozantinib-after-ici-phase-2"]
    assert (caboz["minPriorLines"], caboz["maxPriorLines"]) == (1, 2)


def test_trials_for_patient_names_the_cohorts_a_regimen_meets(built_store):
    after_ab = _by_trial(run(built_store, "trials_for_patient", priorRegimen="atezo-bev"))["NCT04696055"]
    assert after_ab["cohorts"] == "cohort 1: pembrolizumab + regorafenib after atezolizumab-bevacizumab"
    # Cohort 2 is "a different prior immunotherapy": nivolumab-ipilimumab, never atezo-bev.
    other = _by_trial(run(built_store, "trials_for_patient", priorRegimen="nivolumab-ipilimumab"))[
        "NCT04696055"
    ]
    assert other["cohorts"] == "cohort 2: pembrolizumab + regorafenib after another ICI regimen"
    # NCT05168163: Table 1's atezo-bev, and reference 12's "ICIs and anti-VEGF agents" (all of them).
    both = _by_trial(run(built_store, "trials_for_patient", priorRegimen="atezo-bev"))["NCT05168163"]
    assert "and regimen with a VEGF inhibitor" in both["matchedBy"]
    assert "NCT05168163" not in _by_trial(
        run(built_store, "trials_for_patient", priorRegimen="anti-pd-1-monotherapy")
    )


def test_dose_comparison_shows_livmoniplimab_dose_a_and_b(built_store):
    rows = run(built_store, "dose_comparison", agent="livmoniplimab")
    dosed = sorted(
        (r["amount"], r["unit"], r["route"], r["frequency"], r["patients"]) for r in rows if r["amount"]
    )
    assert dosed == [
        (400.0, "mg", "intravenous", "every three weeks", 40),
        (1200.0, "mg", "intravenous", "every three weeks", 40),
    ]
    assert {r["otherDoses"] for r in rows if r["amount"]} == {"budigalimab 375 mg IV every three weeks"}
    phase_1 = next(r for r in rows if r["study"].endswith("livmoniplimab-phase-1"))
    assert phase_1["amount"] is None and "ORR 42 % per iRECIST" in phase_1["results"]


def test_results_table_has_cohorts_lines_follow_up_and_prior_treatment(built_store):
    rows = [
        r
        for r in run(built_store, "results_table", agent="regorafenib")
        if r["study"].endswith("NCT04696055")
    ]
    cohorts = {r["armLabel"].split(":")[0]: r for r in rows}
    assert (cohorts["cohort 1"]["cohortPatients"], cohorts["cohort 2"]["cohortPatients"]) == (68, 27)
    assert cohorts["cohort 1"]["priorTreatment"] == "progressed on atezolizumab-bevacizumab"
    assert "other than atezolizumab-bevacizumab" in cohorts["cohort 2"]["priorTreatment"]
    for row in cohorts.values():
        assert (row["mOS"], row["followUp"]) == ("NR", "7.1 mo (median)")
    caboz = [
        r
        for r in run(built_store, "results_table", agent="cabozantinib")
        if r["study"].endswith("cabozantinib-after-ici-phase-2")
    ]
    by_line = {r["line"]: r for r in caboz if r["line"]}
    assert set(by_line) == {2, 3} and all(r["maxPriorLines"] == 2 for r in caboz)
    assert "14.3 (8.9–NR)" in by_line[2]["mOS"]
    regonext = [
        r for r in run(built_store, "results_table", agent="regorafenib") if r["study"].endswith("/regonext")
    ]
    assert {r["measuredFrom"] for r in regonext} == {None, "start of the prior regimen"}
