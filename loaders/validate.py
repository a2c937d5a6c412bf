"""Checks of the curated records: every problem of a run is collected, none stops the run.

Three layers, all reported together by ``loaders.curated.load``:
1. form (``check_fields``): unknown fields (with a suggestion), a key and source per record;
2. records (``check_records``): required fields, value types and identifier syntax
   (``NCT`` + 8 digits, PMID, DOI, ...), controlled values, references between records
   (a dangling reference names the referring place and the file where the key belongs),
   duplicate keys, and confidence intervals that do not contain their value;
3. shapes (``loaders/shacl.py``): the SHACL shapes of ``loaders/shapes/curated.ttl`` run with
   pyshacl on the produced graph, each result mapped back to the record's file and line.

A malformed identifier that the source really prints is accepted only when the claim
carries a curator's ``source_issue`` saying so: source problems are data, not crashes.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Iterable
from typing import Any

from hcckg.ground.errors import Problem
from hcckg.loaders import trialfields
from hcckg.loaders.records import STRUCTURED, Arm, Claim, Outcome, Record, Source, Study

# Controlled values: the keys of the value resources the ontology declares.
VOCAB: dict[str, tuple[str, ...]] = {
    "phase": ("early-phase-1", "phase-1", "phase-1b", "phase-1-2", "phase-1b-2", "phase-2", "phase-2-3", "phase-3", "phase-4", "phase-na"),
    "status": (
        "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING", "RECRUITING",
        "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE", "TEMPORARILY_NOT_AVAILABLE",
        "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
    ),
    "design": ("randomised-controlled", "single-arm", "retrospective-cohort", "prospective-cohort", "non-randomised"),
    "arm-role": (
        "experimental", "active-comparator", "placebo-comparator", "sham-comparator", "no-intervention", "other",
        "cohort",
    ),
    "childpugh": ("A", "B7", "B"),
    "ps": ("0", "1", "2"),
    "bclc": ("B", "C"),
    "endpoint": ("os", "pfs", "orr", "dcr", "bor", "tot", "dor", "ttp", "trae-grade-3-4", "treatment-duration",
                 "adverse-events", "serum-afp-change", "subsequent-therapy", "alive-at-cutoff"),
    "unit": ("month", "percent", "week", "patient", "year", "day", "ratio-to-one"),
    "modality": (
        "TherapeuticAgent", "MonoclonalAntibody", "BispecificAntibody", "SmallMolecule",
        "TyrosineKinaseInhibitor", "MultitargetKinaseInhibitor", "AdoptiveCellTherapy", "CARTCellTherapy", "TCRTCellTherapy",
        "LiverTargetedProdrug", "MicrobiotaTherapy", "FaecalMicrobiotaTransplant",
    ),
    "target-class": (
        "MolecularTarget", "Protein", "ProteinComplex", "TumourAssociatedAntigen", "ImmuneCheckpointProtein",
        "AngiogenicSignallingProtein",
    ),
    "source-kind": ("review", "table", "reference", "notes"),
    "study-kind": ("trial", "observational"),
    "setting": ("post-ici-second-line", "first-line", "post-sorafenib", "other"),
    "mechanism-kind": ("resistance", "carry-over", "limitation"),
    "approach": ("dual-checkpoint-blockade", "multitarget-kinase-inhibition", "microbiota-modulation",
                 "tcr-engineered-t-cells"),
    "response": ("complete response", "partial response", "stable disease", "progressive disease",
                 "not yet assessed"),
    **trialfields.VOCAB,
}  # fmt: skip
# Fields a curator may still write under their old name, with what replaced them.
RENAMED = {
    "post_ici_second_line": "setting (post-ici-second-line, first-line, post-sorafenib or other)",
    "prior_regimens": "prior_therapy: [{regimens: [...], match: any or all, after: [progression, ...]}]",
}
RENAMED_IN = {
    "Mechanism": {"targets": "driven_by (a target whose activity drives it) or resisted_checkpoints"},
}

# Identifier syntax, as the registries define it.
FORMATS: dict[str, re.Pattern[str]] = {
    "nct": re.compile(r"NCT\d{8}"),
    "pmid": re.compile(r"[1-9]\d{0,8}"),
    "doi": re.compile(r"10\.\d{4,9}/\S+"),
}
KEY_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
STUDY_KEY_RE = re.compile(r"(?:NCT\d+|[a-z0-9]+)(?:-[a-z0-9]+)*")
NOT_REACHED = tuple(trialfields.NOT_REACHED)

# Which file defines the keys a reference of each kind points at (for messages).
HOME = {
    "source": "sources.yaml",
    "target": "targets.yaml",
    "drug": "agents.yaml",
    "process": "processes.yaml",
    "mechanism": "mechanisms.yaml",
    "regimen": "regimens.yaml",
    "study": "trials.yaml or studies.yaml",
}
RECORD_FIELDS = {"key", "source", "source_issue"}


def _fields(cls: type[Record]) -> dict[str, dataclasses.Field]:
    return {f.name: f for f in dataclasses.fields(cls) if f.metadata.get("type", "arms") != "arms"}


def check_fields(cls: type[Record], raw: dict, path: str) -> list[Problem]:
    """Unknown fields, each with the closest known name."""
    known = {f.name for f in dataclasses.fields(cls) if "type" in f.metadata} | RECORD_FIELDS
    if cls is Outcome:
        known.add("outcomes")
    problems = []
    record = str(raw.get("key")) if raw.get("key") is not None else None
    renamed = RENAMED | RENAMED_IN.get(cls.__name__, {})
    for name in raw:
        if name not in known:
            close = difflib.get_close_matches(str(name), sorted(known), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else f"; known: {', '.join(sorted(known))}"
            if name in renamed:
                hint = f"; it is now {renamed[name]}"
            line = getattr(raw, "key_lines", {}).get(name, getattr(raw, "line", None))
            problems.append(Problem(path, f"unknown field{hint}", line=line, record=record, field=str(name)))
    return problems


def _value_problem(kind: str, value: Any, claim: Claim) -> str | None:
    """What is wrong with one value of a field of this kind, or None. Text, numbers, dates and
    controlled values are checked as the sub-fields of a dose are (``trialfields.scalar_problem``)."""
    if kind == "number-or-nr":
        ok = (isinstance(value, int | float) and not isinstance(value, bool)) or value in NOT_REACHED
        return None if ok else f"expected a number or one of {NOT_REACHED}, got {value!r}"
    if kind in FORMATS:
        text = str(value)
        if FORMATS[kind].fullmatch(text):
            return None
        if claim.issue:
            return None  # printed so by the source, acknowledged by the curator
        return (
            f"malformed {kind} identifier {text!r}; if the source prints it so, keep it and add "
            f"source_issue: to the claim"
        )
    return trialfields.scalar_problem(kind, value, VOCAB)


def _references(record: Record) -> Iterable[tuple[str, str, Claim]]:
    """(field, kind referred to, claim) for every reference the record makes."""
    for name, f in _fields(type(record)).items():
        kind = f.metadata["type"]
        for claim in getattr(record, name):
            if kind.startswith("ref:"):
                yield name, kind[4:], claim
            elif kind == "drugs":
                value = claim.value
                keys = value[1] if isinstance(value, tuple) and value[0] == "one_of" else (value,)
                for key in keys:
                    yield name, "drug", Claim(key, claim.sources, claim.line)
            elif kind in STRUCTURED:
                for ref_kind, ref in trialfields.references(kind, claim):
                    yield name, ref_kind, ref


def broken_kinds(unreadable: Iterable[str]) -> set[str]:
    """The kinds of record held by the curated files named in ``unreadable`` (which did not
    parse): links to them cannot be checked."""
    names = set(unreadable)
    return {kind for kind, home in HOME.items() if names & set(home.split(" or "))}


def check_records(records: list[Record], unreadable: Iterable[str] = ()) -> list[Problem]:
    """Required fields, values, references, duplicate keys and sources of every claim.
    ``unreadable`` names curated files that did not parse: links to the kinds of record they
    hold are not checked (their keys are unknown, not wrong), every other problem is."""
    problems: list[Problem] = []
    broken = broken_kinds(unreadable)
    keys: dict[str, dict[str, Record]] = {kind: {} for kind in HOME}
    kind_of = {"Source": "source", "Target": "target", "Agent": "drug", "Process": "process"}
    kind_of |= {"Mechanism": "mechanism", "Regimen": "regimen", "Study": "study"}
    all_records = [a for r in records for a in ([r] + (r.arms if isinstance(r, Study) else []))]
    arms_by_study = {
        r.key: {a.key.removeprefix(r.key + "-") for a in r.arms} for r in records if isinstance(r, Study)
    }
    seen: dict[tuple[str, str], Record] = {}

    for record in all_records:
        kind = kind_of.get(type(record).__name__)
        if kind:
            keys[kind][record.key] = record
        ident = (type(record).kind if not isinstance(record, Study) else "study", record.key)
        if ident in seen:
            first = seen[ident]
            problems.append(
                Problem(
                    record.path,
                    f"duplicate key; first defined at {first.where}",
                    line=record.line,
                    record=record.key,
                    field="key",
                )
            )
        seen.setdefault(ident, record)
        key_re = STUDY_KEY_RE if isinstance(record, Study | Arm) else KEY_RE
        if not key_re.fullmatch(record.key):
            problems.append(
                Problem(
                    record.path,
                    "a key is a slug: lower-case words joined by '-' (studies may use their NCT id)",
                    line=record.line,
                    record=record.key,
                    field="key",
                )
            )

    def unknown_sources(sources: Iterable[str]) -> list[tuple[str, str]]:
        if "source" in broken:
            return []
        out = []
        for src in sources:
            if src not in keys["source"]:
                close = difflib.get_close_matches(src, list(keys["source"]), n=1)
                out.append((src, f"; did you mean {close[0]!r}?" if close else ""))
        return out

    for record in all_records:
        # The record's own sources, once, at the `source:` that names them: every fact that
        # inherits them would otherwise repeat the same mistake at its own line.
        for src, hint in unknown_sources(record.source):
            problems.append(
                Problem(
                    record.path,
                    f"unknown source {src!r}: no record with this key in {HOME['source']}{hint}",
                    line=record.source_line or record.line,
                    field="source",
                )
            )
        for name, f in _fields(type(record)).items():
            claims: list[Claim] = getattr(record, name)
            kind = f.metadata["type"]
            if f.metadata["required"] and not claims:
                problems.append(
                    Problem(
                        record.path, "missing required field", line=record.line, record=record.key, field=name
                    )
                )
            for claim in claims:
                line = claim.line or record.line
                own = not (claim.inherited and claim.sources == record.source)
                for src, hint in unknown_sources(claim.sources) if own else ():
                    problems.append(
                        Problem(
                            record.path,
                            f"unknown source {src!r}: no record with this key in {HOME['source']}{hint}",
                            line=line,
                            record=record.key,
                            field=name,
                        )
                    )
                if kind.startswith("ref:") or kind in ("drugs", "arm", "arms", "ratio"):
                    continue
                if kind in STRUCTURED:
                    for message, at in trialfields.value_problems(kind, claim, VOCAB):
                        problems.append(Problem(record.path, message, line=at, record=record.key, field=name))
                    continue
                message = _value_problem(kind, claim.value, claim)
                if message:
                    problems.append(Problem(record.path, message, line=line, record=record.key, field=name))
        for name, kind, claim in _references(record):
            target_keys = keys[kind]
            if kind not in broken and str(claim.value) not in target_keys:
                close = difflib.get_close_matches(str(claim.value), list(target_keys), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                problems.append(
                    Problem(
                        record.path,
                        f"unknown {kind} {claim.value!r}: no record with this key in {HOME[kind]}{hint}",
                        line=claim.line or record.line,
                        record=record.key,
                        field=name,
                    )
                )
        if isinstance(record, Outcome):
            if "study" not in broken:
                problems += _check_outcome(record, arms_by_study)
            problems += trialfields.outcome_problems(record)
        if isinstance(record, Study):
            problems += trialfields.study_problems(record)
        if isinstance(record, Source):
            problems += _check_source(record)
    return unique(problems)


def _check_outcome(r: Outcome, arms_by_study: dict[str, set[str]]) -> list[Problem]:
    problems = []
    study = str(r.study[0].value) if r.study else None
    for claim in r.arm:
        if study in arms_by_study and str(claim.value) not in arms_by_study[study]:
            known = ", ".join(sorted(arms_by_study[study])) or "none"
            problems.append(
                Problem(
                    r.path,
                    f"unknown arm {claim.value!r} of study {study} (its arms in trials.yaml/studies.yaml: {known})",
                    line=claim.line,
                    record=r.key,
                    field="arm",
                )
            )
    if r.value and not r.unit:
        problems.append(Problem(r.path, "a value needs its unit", line=r.line, record=r.key, field="unit"))
    value = _number(r.value)
    low, high = _number(r.ci_lower), _number(r.ci_upper)
    if value is not None and ((low is not None and low > value) or (high is not None and high < value)):
        problems.append(
            Problem(
                r.path,
                f"confidence interval {low}-{high} does not contain the value {value}",
                line=r.line,
                record=r.key,
                field="ci_lower",
            )
        )
    return problems


def _check_source(r: Source) -> list[Problem]:
    kind = r.source_kind[0].value if r.source_kind else None
    if kind == "reference" and not r.reference_number:
        return [
            Problem(
                r.path,
                "a numbered reference needs its reference_number",
                line=r.line,
                record=r.key,
                field="reference_number",
            )
        ]
    return []


def _number(claims: list[Claim]) -> float | None:
    if claims and isinstance(claims[0].value, int | float) and not isinstance(claims[0].value, bool):
        return float(claims[0].value)
    return None


def unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if str(p) not in seen:
            seen.add(str(p))
            out.append(p)
    return out
