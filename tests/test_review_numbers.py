"""The review's numbers are data: every number of tests/data/review_numbers.yaml (Tables 1-3 and
the text, each with its passage) is a typed value in the review graph, stated by the source the
review cites; the count of those that are data is all of them less those the review states only
in words; and no note of a trial, cohort, result or dose holds a number the data does not."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest
import yaml

from hcckg.ground import iris
from hcckg.ground.terms import HCC

FIXTURE = Path(__file__).parent / "data" / "review_numbers.yaml"
AUDIT_TOTAL = 115  # the issue's audit of the text's numbers; this list also has the tables'

STATEMENTS = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT * WHERE { ?st rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; dcterms:source ?src }
"""


def numbers() -> list[dict]:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


def term(text: str) -> ox.NamedNode:
    kind, key = text.split("/", 1)
    return iris.resource(kind, key)


def matches(obj: ox.Term, expected) -> bool:
    if isinstance(expected, bool) or not isinstance(expected, int | float):
        if isinstance(expected, str) and expected.split("/", 1)[0] in iris.KINDS and "/" in expected:
            return obj == term(expected)
        return isinstance(obj, ox.Literal) and obj.value == str(expected)
    try:
        return isinstance(obj, ox.Literal) and float(obj.value) == float(expected)
    except ValueError:
        return False


def missing_rows(store, entry: dict) -> list[str]:
    """The rows of one entry that the graph does not state, with the entry's source."""
    source = iris.resource("source", entry["source"])
    out = []
    for subject, prop, expected in entry.get("data", []):
        rows = store.select(
            STATEMENTS, substitutions={"s": term(subject), "p": getattr(HCC, prop), "src": source}
        )
        if not any(matches(r["o"], expected) for r in rows):
            out.append(f"{subject} {prop} {expected!r} [{entry['source']}]")
    if "count" in entry:
        subject, prop, n = entry["count"]
        rows = store.select(
            "SELECT * WHERE { ?s ?p ?o }", substitutions={"s": term(subject), "p": getattr(HCC, prop)}
        )
        if len({r["o"] for r in rows}) != n:
            out.append(f"{subject} has not {n} {prop}")
    return out


def test_every_entry_names_its_passage_and_is_data_or_words_only():
    for entry in numbers():
        assert entry["passage"] and entry["where"] and entry["number"], entry
        assert ("words_only" in entry) != ("data" in entry or "count" in entry), entry
        assert entry["form"] in ("digits", "words"), entry


def test_the_reviews_numbers_are_data(review_store):
    entries = numbers()
    failures = {
        e["where"] + ": " + e["number"]: m
        for e in entries
        if "words_only" not in e
        if (m := missing_rows(review_store, e))
    }
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())
    data = [e for e in entries if "words_only" not in e]
    words_only = [e for e in entries if "words_only" in e]
    tables = [e for e in entries if e["where"].startswith("Table")]
    assert len(data) == len(entries) - len(words_only)
    assert len(entries) - len(tables) >= AUDIT_TOTAL  # the text alone has at least the audit's numbers
    print(
        f"\nreview numbers: {len(entries)} ({len(tables)} in Tables 1-3, {len(entries) - len(tables)} in the text); "
        f"{len(data)} are data ({sum(e['form'] == 'words' for e in data)} of them written in words), "
        f"{len(words_only)} stated only in words"
    )


# -- no note holds a number the data does not --------------------------------------------------------
NOTES = """
PREFIX hcc: <https://w3id.org/hcckg/ontology/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT DISTINCT ?s ?note WHERE {
  { ?s hcc:sourceNote ?note FILTER(!CONTAINS(STR(?s), "/resource/statement/")) }
  UNION { ?st rdf:subject ?s ; hcc:sourceNote ?note }
}
"""
# The nodes of a study: itself, its arms, results, populations, figures, doses, requirements, baseline.
OWNED = """
PREFIX hcc: <https://w3id.org/hcckg/ontology/>
SELECT DISTINCT ?study ?node WHERE {
  ?study a hcc:Study .
  { ?study a hcc:Study BIND(?study AS ?node) } UNION { ?study hcc:hasArm ?node }
  UNION { ?node hcc:outcomeOfStudy|hcc:summarisesStudy ?study }
  UNION { ?study (hcc:hasArm?)/(hcc:hasPopulation|hcc:hasEnrollment|hcc:hasBaselineCharacteristic|hcc:hasDose) ?node }
  UNION { ?study (hcc:hasArm?)/hcc:hasPopulation/hcc:hasPriorTherapyRequirement ?node }
  UNION { ?o hcc:outcomeOfStudy ?study ; hcc:atDose ?node }
}
"""
# Names and identifiers, not quantities: citations, references, tables, cohorts, phases, years.
NOT_QUANTITIES = re.compile(
    r"\[\d+(?:[-,]\d+)*\]|\b(?:references?|ref|table|cohorts?|phase|group|dose)\s+\d+(?:\s*(?:and|,|/)\s*\d+)*"
    r"|\b(?:19|20)\d{2}\b|RECIST 1\.1",
    re.IGNORECASE,
)
NUMBER = re.compile(r"(?<![A-Za-z0-9.])(?<![A-Za-z]-)\d+(?:\.\d+)?(?![A-Za-z0-9])")


def note_numbers(text: str) -> list[float]:
    return [float(n) for n in NUMBER.findall(NOT_QUANTITIES.sub(" ", text))]


def test_note_numbers_skip_names_and_keep_quantities():
    assert note_numbers("the text cites [21] for reference 24's title; PD-1 and CTLA-4; EASL 2024") == []
    assert note_numbers("median 7.1 months; 3:1; n = 5; 18-23 months") == [7.1, 3, 1, 5, 18, 23]


def test_no_note_holds_a_number_that_is_not_data(review_store):
    owner: dict[ox.NamedNode, ox.NamedNode] = {}
    for row in review_store.select(OWNED):
        owner.setdefault(row["node"], row["study"])
    values: dict[ox.NamedNode, set[float]] = {}
    for node, study in owner.items():
        for t in review_store.select("SELECT * WHERE { ?s ?p ?o }", substitutions={"s": node}):
            obj = t["o"]
            if isinstance(obj, ox.Literal) and (obj.datatype.value.endswith(("integer", "decimal"))):
                values.setdefault(study, set()).add(float(obj.value))
            elif t["p"] == HCC.allocationRatio:
                values.setdefault(study, set()).update(float(p) for p in obj.value.split(":"))
    offending = []
    for row in review_store.select(NOTES):
        study = owner.get(row["s"])
        if study is None:
            continue  # notes of drugs, targets, mechanisms and sources are not about trials
        for n in note_numbers(row["note"].value):
            if n not in values.get(study, set()):
                offending.append(f"{row['s'].value.rsplit('/', 1)[-1]}: {n:g} in {row['note'].value!r}")
    assert not offending, "numbers held only in notes:\n" + "\n".join(sorted(set(offending)))


@pytest.mark.parametrize("prop", [HCC.dose, HCC.enrollmentType])
def test_the_deprecated_text_fields_are_gone(review_store, prop):
    assert list(review_store.select("SELECT * WHERE { ?s ?p ?o }", substitutions={"p": prop})) == []
