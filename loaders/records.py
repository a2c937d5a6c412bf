"""The curated records as plain dataclasses, one class per kind of curated file.

Every fact is a :class:`Claim`: the value as printed, the source(s) it comes from, the YAML
line it was read from, and optional curator notes. A field holds a list of claims because a
fact may be stated by several sources (and the sources may disagree: both claims are kept).

Field metadata is the schema of the curated files: ``type`` says how a value is checked
(see ``loaders/validate.py``), ``required`` whether the field must be present, ``many``
whether it takes a list. The curation guide (``loaders/curated/README.md``) documents each
field for curators.

How an agent acts on a target, and how a target or process takes part in a mechanism, are
fields of their own (``inhibits``, ``directed_against``, ``driven_by``, ``resisted_checkpoints``
...): the ontology's property chains infer what an agent addresses only along such roles.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Claim:
    """One value as a source states it."""

    value: Any
    sources: tuple[str, ...]
    line: int | None = None
    # What the source says around the value ("approximately"), kept as hcc:sourceNote.
    note: str | None = None
    # The curator's acknowledgement of a problem in the source (a malformed id, a typo);
    # a malformed value is accepted only with one. Kept as skos:editorialNote.
    issue: str | None = None
    # The sources are the record's (its `source:`, or its study's or results group's), not
    # written on the claim: a wrong one is reported once, where the record names it.
    inherited: bool = False


def spec(kind: str, *, required: bool = False, many: bool = False, doc: str = "") -> Any:
    """A record field: a list of claims, with its schema in the metadata."""
    return field(
        default_factory=list, metadata={"type": kind, "required": required, "many": many, "doc": doc}
    )


@dataclass
class Record:
    """What every record has: its key, where it was read, and its default source(s)."""

    key: str
    path: str
    line: int
    source: tuple[str, ...]
    # A problem of the source that applies to every fact of the record (``source_issue:`` at
    # the record or results-group level): each fact carries the flag, not just one.
    issue: str | None = field(default=None, kw_only=True)
    # The line of the `source:` that gives the record its sources (its own, or its study's or
    # results group's, which it inherits): where a wrong source key is reported.
    source_line: int | None = field(default=None, kw_only=True)

    kind = "record"  # the IRI kind, overridden per class

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class Source(Record):
    kind = "source"
    label: list[Claim] = spec("text", required=True)
    source_kind: list[Claim] = spec("source-kind", required=True, doc="review, table, reference, notes")
    part_of: list[Claim] = spec("ref:source")
    reference_number: list[Claim] = spec("int")
    pmid: list[Claim] = spec("pmid")
    doi: list[Claim] = spec("doi")
    url: list[Claim] = spec("text")
    search_date: list[Claim] = spec("date", doc="when the review last searched (YYYY-MM)")
    note: list[Claim] = spec("text")


@dataclass
class Target(Record):
    kind = "target"
    label: list[Claim] = spec("text", required=True)
    classes: list[Claim] = spec("target-class", required=True, many=True)
    synonyms: list[Claim] = spec("text", many=True)
    definition: list[Claim] = spec("text")
    components: list[Claim] = spec("ref:target", many=True)
    note: list[Claim] = spec("text")


@dataclass
class Agent(Record):
    kind = "drug"
    label: list[Claim] = spec("text", required=True)
    modality: list[Claim] = spec("modality", required=True)
    # Targets by the role the source gives: antagonism (inhibits, prevents_activation_of) may
    # address what the target drives; a cell therapy is directed against its antigen; plain
    # `targets` when the source does not say how the agent acts.
    inhibits: list[Claim] = spec("ref:target", many=True)
    prevents_activation_of: list[Claim] = spec("ref:target", many=True)
    directed_against: list[Claim] = spec("ref:target", many=True)
    targets: list[Claim] = spec("ref:target", many=True)
    inhibits_processes: list[Claim] = spec("ref:process", many=True)
    synonyms: list[Claim] = spec("text", many=True)
    developer_codes: list[Claim] = spec("text", many=True)
    definition: list[Claim] = spec("text")
    note: list[Claim] = spec("text")


@dataclass
class Process(Record):
    kind = "process"
    label: list[Claim] = spec("text", required=True)
    synonyms: list[Claim] = spec("text", many=True)
    definition: list[Claim] = spec("text")


@dataclass
class Mechanism(Record):
    kind = "mechanism"
    label: list[Claim] = spec("text", required=True)
    mechanism_kind: list[Claim] = spec(
        "mechanism-kind", required=True, doc="resistance, carry-over, limitation"
    )
    definition: list[Claim] = spec("text", required=True)
    synonyms: list[Claim] = spec("text", many=True)
    broader: list[Claim] = spec("ref:mechanism", many=True)
    # How targets and processes take part (the roles the reasoner follows).
    driven_by: list[Claim] = spec("ref:target", many=True)
    driven_by_processes: list[Claim] = spec("ref:process", many=True)
    resisted_checkpoints: list[Claim] = spec("ref:target", many=True)
    processes: list[Claim] = spec("ref:process", many=True)
    after_regimens: list[Claim] = spec("ref:regimen", many=True)
    # What the source says of therapies and approaches directly.
    addressed_by: list[Claim] = spec("ref:drug", many=True)
    addressed_by_approaches: list[Claim] = spec("approach", many=True)
    limits: list[Claim] = spec("ref:drug", many=True)
    limits_approaches: list[Claim] = spec("approach", many=True)
    exploited_by: list[Claim] = spec("ref:drug", many=True)
    exploited_by_approaches: list[Claim] = spec("approach", many=True)
    note: list[Claim] = spec("text", many=True)


@dataclass
class Regimen(Record):
    kind = "regimen"
    label: list[Claim] = spec("text", required=True)
    synonyms: list[Claim] = spec("text", many=True)
    components: list[Claim] = spec("ref:drug", many=True)
    broader: list[Claim] = spec("ref:regimen", many=True)
    definition: list[Claim] = spec("text")


@dataclass
class Arm(Record):
    kind = "arm"
    study: str = ""
    label: list[Claim] = spec("text", required=True)
    role: list[Claim] = spec("arm-role", required=True)
    # Each item is a drug key, or ``{one_of: [key, key]}`` for the investigator's choice.
    drugs: list[Claim] = spec("drugs", required=True, many=True)
    # Trials as data (loaders/trialfields.py): one {agent, amount, unit, route, frequency} per dose.
    doses: list[Claim] = spec("dose", many=True)
    enrollment: list[Claim] = spec("enrollment", many=True)
    allocation_weight: list[Claim] = spec("int", doc="the arm's part of the study's allocation_ratio")
    # The cohort's own population, where the source describes its patients apart.
    population: list[Claim] = spec("text")
    prior_therapy: list[Claim] = spec("prior-therapy", many=True)
    min_prior_lines: list[Claim] = spec("int")
    max_prior_lines: list[Claim] = spec("int")
    # Baseline shares the source gives for this arm or cohort, not for the whole study.
    percent_child_pugh_a: list[Claim] = spec("number")
    percent_bclc_c: list[Claim] = spec("number")
    percent_extrahepatic_spread: list[Claim] = spec("number")
    baseline: list[Claim] = spec("baseline", many=True)
    note: list[Claim] = spec("text", many=True)


@dataclass
class Study(Record):
    kind = "trial"
    study_kind: list[Claim] = spec("study-kind", required=True, doc="trial or observational")
    label: list[Claim] = spec("text", required=True)
    nct_id: list[Claim] = spec("nct")
    acronym: list[Claim] = spec("text")
    synonyms: list[Claim] = spec("text", many=True)
    setting: list[Claim] = spec(
        "setting", required=True, doc="post-ici-second-line, first-line, post-sorafenib, other"
    )
    status: list[Claim] = spec("status")
    phase: list[Claim] = spec("phase")
    design: list[Claim] = spec("design")
    allocation: list[Claim] = spec("allocation", doc="RANDOMIZED, NON_RANDOMIZED, NA")
    allocation_ratio: list[Claim] = spec("ratio", doc="as printed: 1:1, 2:1, 1:1:1")
    masking: list[Claim] = spec("masking", doc="NONE (open label), SINGLE, DOUBLE, TRIPLE, QUADRUPLE")
    centres: list[Claim] = spec("int")
    stratification_factors: list[Claim] = spec("text", many=True)
    response_criteria: list[Claim] = spec("criteria", many=True)
    enrollment: list[Claim] = spec("enrollment", many=True)
    region: list[Claim] = spec("text", many=True)
    prior_therapy: list[Claim] = spec("prior-therapy", many=True)
    min_prior_lines: list[Claim] = spec("int")
    max_prior_lines: list[Claim] = spec("int")
    child_pugh: list[Claim] = spec("childpugh", many=True)
    ps: list[Claim] = spec("ps", many=True)
    bclc: list[Claim] = spec("bclc", many=True)
    biomarkers: list[Claim] = spec("ref:target", many=True)
    hla_alleles: list[Claim] = spec("text", many=True)
    population: list[Claim] = spec("text")
    primary_endpoints: list[Claim] = spec("endpoint", many=True)
    percent_child_pugh_a: list[Claim] = spec("number")
    percent_bclc_c: list[Claim] = spec("number")
    percent_mvi: list[Claim] = spec("number")
    percent_extrahepatic_spread: list[Claim] = spec("number")
    baseline: list[Claim] = spec("baseline", many=True)
    described_in: list[Claim] = spec("ref:source", many=True)
    note: list[Claim] = spec("text", many=True)
    arms: list[Arm] = field(default_factory=list, metadata={"type": "arms", "required": False, "many": True})

    @property
    def iri_kind(self) -> str:
        trial = self.study_kind and self.study_kind[0].value == "trial"
        return "trial" if trial else "study"


@dataclass
class Outcome(Record):
    kind = "outcome"
    # One study, or (summary_of) several studies a result is given for together.
    study: list[Claim] = spec("ref:study")
    summary_of: list[Claim] = spec("ref:study", many=True)
    arm: list[Claim] = spec("arm")
    endpoint: list[Claim] = spec("endpoint", required=True)
    label: list[Claim] = spec("text")
    value: list[Claim] = spec("number")
    unit: list[Claim] = spec("unit")
    ci_lower: list[Claim] = spec("number")
    ci_upper: list[Claim] = spec("number-or-nr", doc="a number, or 'not reached'/'not assessable' as printed")
    ci_level: list[Claim] = spec("number")
    # A median with no number: censored ("not reached"), not missing.
    value_status: list[Claim] = spec("estimate-status", doc="not reached, not assessable")
    range_lower: list[Claim] = spec("number")
    range_upper: list[Claim] = spec("number")
    threshold: list[Claim] = spec("threshold", doc="{at_least: 4.6, unit: month}")
    follow_up: list[Claim] = spec("follow-up", doc="{duration: 7.1, unit: month, median: true}")
    time_origin: list[Claim] = spec("time-origin")
    criteria: list[Claim] = spec("criteria")
    adverse_events: list[Claim] = spec("adverse-event", many=True)
    grade_min: list[Claim] = spec("int")
    grade_max: list[Claim] = spec("int")
    dose: list[Claim] = spec("dose", doc="the dose the result was measured at")
    finding: list[Claim] = spec("text", doc="a result the source states only in words")
    line_of_therapy: list[Claim] = spec("int")
    subgroup: list[Claim] = spec("text")
    # The response category of a best-overall-response count, apart from the subgroup.
    category: list[Claim] = spec("response")
    count: list[Claim] = spec("int")
    denominator: list[Claim] = spec("int")
    note: list[Claim] = spec("text")


# The review's source key: the source of a source record that names none of its own, and
# (short_source) the part of a node's key that says which part of the review a fact is from.
REVIEW = "ascari-2026"


def short_source(source: str) -> str:
    """``ascari-2026`` -> ``text``, ``ascari-2026-table-1`` -> ``table-1``; other keys unchanged."""
    return "text" if source == REVIEW else source.removeprefix(REVIEW + "-")


# The fields a record- or group-level ``source_issue`` flags: its values, not its structure
# (which study, arm, endpoint or unit a value belongs to is not what the source got wrong).
FLAGGED_BY_RECORD_ISSUE = frozenset({
    "value", "count", "denominator", "ci_lower", "ci_upper", "ci_level", "enrollment", "drugs", "doses",
    "note", "percent_child_pugh_a", "percent_bclc_c", "percent_mvi", "percent_extrahepatic_spread",
    "baseline", "allocation_ratio", "allocation_weight", "centres", "min_prior_lines", "max_prior_lines",
    "value_status", "range_lower", "range_upper", "threshold", "follow_up", "grade_min", "grade_max", "dose",
    "finding",
})  # fmt: skip
# Fields whose values are mappings of sub-fields (loaders/trialfields.py): in YAML a mapping's own
# `source`, `note` and `source_issue` are its claim's, the rest is the value.
STRUCTURED = frozenset({"dose", "enrollment", "prior-therapy", "baseline", "threshold", "follow-up"})

# File name -> record class. A curated directory holds these files.
FILES: dict[str, type[Record]] = {
    "sources.yaml": Source,
    "targets.yaml": Target,
    "agents.yaml": Agent,
    "processes.yaml": Process,
    "mechanisms.yaml": Mechanism,
    "regimens.yaml": Regimen,
    "trials.yaml": Study,
    "studies.yaml": Study,
    "results.yaml": Outcome,
}
