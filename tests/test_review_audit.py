"""The audit of the review's own problems (issue 15): every misprint, self-contradiction and
mis-citation found by reading it end to end, text, tables and reference list, is recorded
with its source and listed by `hcckg qc`. One row per finding: the QC check that lists it, the
resource it rides on, the source the flagged claim comes from, and words of the curator's note."""

from __future__ import annotations

import dataclasses

import pytest

from hcckg.ground.settings import load_settings
from hcckg.qc import run_qc

R = "https://w3id.org/hcckg/resource/"

AUDIT = [
    # -- identifiers and the reference list ---------------------------------------------------------
    ("malformed-nct-id", "trial/NCT0653573", "ascari-2026-table-3", "7 digits"),
    ("source-issues", "source/ascari-2026-ref-27", "ascari-2026", "15 digits after 'HEP.'"),
    ("source-issues", "source/ascari-2026-ref-10", "ascari-2026", "'Stefanini B' twice"),
    ("source-issues", "source/ascari-2026-ref-47", "ascari-2026", "'Research C for DE'"),
    ("source-issues", "source/ascari-2026-ref-53", "ascari-2026", "'OncoLive'"),
    ("source-issues", "source/ascari-2026-ref-36", "ascari-2026", "[29,36-40]"),
    ("source-issues", "source/ascari-2026-ref-30", "ascari-2026", "pharmacokinetics and cellular signalling"),
    # -- mis-citations in the text --------------------------------------------------------------------
    ("source-issues", "outcome/roessler-2023-nivolumab-ipilimumab-nivolumab-ipilimumab-orr-ref-21",
     "ascari-2026-ref-21", "cites [21]"),
    ("source-issues", "arm/roessler-2023-nivolumab-ipilimumab-nivolumab-ipilimumab", "ascari-2026-ref-21", "cites [21]"),
    ("source-issues", "outcome/nct02541370-cd133-car-t-pfs-ref-53", "ascari-2026-ref-53", "[53], a news item"),
    ("source-issues", "outcome/nct03781934-phase-1b-orr-ref-54", "ascari-2026-ref-54", "monotherapy"),
    ("source-issues", "process/wnt-beta-catenin-pathway", "ascari-2026-ref-34", "anti-PD-1 therapy"),
    ("source-issues", "trial/NCT05750030", "ascari-2026-ref-59", "stable disease"),
    # -- the text against its references ----------------------------------------------------------------
    ("source-issues", "arm/checkmate-040-cohorts-4-6-nivolumab", "ascari-2026", "reference 18"),
    ("source-issues", "arm/checkmate-040-cohort-6-nivolumab-cabozantinib", "ascari-2026-ref-18", "reference 18"),
    ("source-issues", "trial/NCT02541370", "ascari-2026-ref-52", "phase II trial"),
    ("conflicting-values", "trial/NCT02541370", "ascari-2026-ref-52", None),
    ("source-issues", "trial/NCT03781934", "ascari-2026", "'phase 2b'"),
    # -- self-contradictions of text and tables -----------------------------------------------------------
    ("conflicting-values", "trial/NCT05822752", "ascari-2026-table-1", None),
    ("source-issues", "trial/NCT05822752", "ascari-2026", "approximately 120"),
    ("conflicting-values", "trial/NCT05178043", "ascari-2026-table-1", None),
    ("source-issues", "trial/NCT05178043", "ascari-2026", "will enroll"),
    ("conflicting-values", "trial/regonext", "ascari-2026-table-2", None),
    ("source-issues", "trial/regonext", "ascari-2026", "conducted in Korea"),
    ("source-issues", "trial/NCT05257590", "ascari-2026-table-1", "reports its results"),
    ("source-issues", "trial/NCT04696055", "ascari-2026-table-1", "'Ongoing clinical trials'"),
    ("source-issues", "trial/NCT04767906", "ascari-2026-table-3", "'Ongoing clinical trials'"),
    ("source-issues", "trial/NCT04511455", "ascari-2026-table-3", "'Ongoing clinical trials'"),
    ("source-issues", "source/ascari-2026", "ascari-2026", "Methodology lists the statuses"),
    ("source-issues", "trial/kcsg-hb23-04", "ascari-2026-ref-45", "'concluded'"),
    ("source-issues", "outcome/cabozantinib-after-ici-phase-2-cabozantinib-line-3-pfs-table-2",
     "ascari-2026-table-2", "third-line"),
    # -- spellings and notations ------------------------------------------------------------------------
    ("source-issues", "drug/livmoniplimab", "ascari-2026-ref-26", "'livmoneplimab'"),
    ("source-issues", "drug/fostroxacitabine-bralpamide", "ascari-2026", "'Foxtroxacitabine' once"),
    ("source-issues", "drug/fostroxacitabine-bralpamide", "ascari-2026", "'Foxtrocitabine bralpamide'"),
    ("source-issues", "drug/fostroxacitabine-bralpamide", "ascari-2026", "'foxtrox'"),
    ("source-issues", "drug/fostroxacitabine-bralpamide", "ascari-2026-ref-54", "'Fostroxacinibine'"),
    ("source-issues", "trial/NCT04770896", "ascari-2026", "'IMbrave-251'"),
    ("source-issues", "trial/NCT04770896", "ascari-2026-table-1", "'imbrave 251'"),
    ("source-issues", "population/NCT03132792", "ascari-2026", "'HLA-A 02:01'"),
    ("source-issues", "source/ascari-2026", "ascari-2026", "'resistances mechanisms'"),
]  # fmt: skip


@pytest.fixture(scope="module")
def findings(tmp_path_factory):
    settings = dataclasses.replace(load_settings(), store=str(tmp_path_factory.mktemp("qc") / "store"))
    return run_qc(settings).findings


def _text(value) -> str:
    return str(value).removeprefix(R)


@pytest.mark.parametrize(
    ("check", "subject", "source", "words"), AUDIT, ids=[f"{a[1]}:{a[3]}" for a in AUDIT]
)
def test_hcckg_qc_lists_each_finding_of_the_audit(findings, check, subject, source, words):
    def matches(row: dict) -> bool:
        fields = {k: _text(v) for k, v in row.items()}
        about = fields.get("subject", fields.get("study"))
        sources = {_text(v) for k, v in fields.items() if k.startswith("source")}
        said = " ".join(str(v) for k, v in fields.items() if k in ("issue", "note"))
        return about == subject and f"source/{source}" in sources and (words is None or words in said)

    listed = [f.row for f in findings if f.check == check]
    assert any(matches(row) for row in listed), f"{check} does not list {subject} ({source}): {words}"


def test_every_problem_is_reported_not_an_error(findings):
    """The review's problems are data (severity report); the error checks stay empty."""
    assert not [f for f in findings if f.severity == "error"]
