"""The curated fields that make a trial's numbers data: doses, enrollment figures, prior-therapy
requirements, baseline characteristics, follow-up and thresholds (their values are mappings of
sub-fields), the design fields' controlled values, and the checks across a study's records
(a dose of an agent its arm does not give, a cohort larger than its study, an allocation ratio
its arms do not add up to). ``loaders/validate.py`` calls these; every problem names the file,
the line of the sub-field (or of the mapping) and the field.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any

from hcckg.ground.errors import Problem
from hcckg.loaders.records import Arm, Claim, Outcome, Study

# Controlled values of the new fields: the keys of the ontology's value individuals.
VOCAB: dict[str, tuple[str, ...]] = {
    "allocation": ("RANDOMIZED", "NON_RANDOMIZED", "NA"),
    "masking": ("NONE", "SINGLE", "DOUBLE", "TRIPLE", "QUADRUPLE"),
    "criteria": ("recist-1-1", "recist", "mrecist", "irecist"),
    "time-origin": ("start-of-prior-regimen",),
    "estimate-status": ("not-reached", "not-assessable"),
    "adverse-event": ("neutropenia", "thrombocytopenia", "bloating", "constipation", "diarrhoea"),
    "route": ("intravenous", "oral"),
    "frequency": ("once-daily", "twice-daily", "every-3-weeks"),
    "enrollment-kind": ("planned", "estimated", "actual", "approximate", "evaluable", "reported"),
    "prior-outcome": ("progression", "intolerance", "stable-disease", "no-lasting-response", "declined"),
    "match-rule": ("any", "all"),
    "characteristic": (
        "child-pugh-a", "child-pugh-b", "bclc-c", "ecog-ps-2", "viral-aetiology", "extrahepatic-spread",
        "male-sex", "male-to-female-ratio", "age", "prior-locoregional-therapy", "prior-regimen", "prior-agent",
        "prior-therapy-outcome",
    ),
}  # fmt: skip
# A number the source prints in words (a confidence limit "not reached") -> its estimate-status.
NOT_REACHED = {"not reached": "not-reached", "not assessable": "not-assessable"}
# Dose units are written as their UCUM codes (the code is the unit's own text).
DOSE_UNITS = {"mg": "milligram", "10*6/kg": "million-cells-per-kilogram", "10*9": "billion-cells"}
RATIO_RE = re.compile(r"[1-9]\d*(?::[1-9]\d*)+")
DATE_RE = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")

# Sub-fields of each structured kind: name -> (kind, required, many).
SUBFIELDS: dict[str, dict[str, tuple[str, bool, bool]]] = {
    "dose": {
        "agent": ("ref:drug", True, False), "amount": ("number", False, False),
        "amount_min": ("number", False, False), "amount_max": ("number", False, False),
        "amount_above": ("number", False, False), "daily_amount": ("number", False, False),
        "unit": ("dose-unit", False, False), "route": ("route", False, False),
        "frequency": ("frequency", False, False), "text": ("text", False, False),
    },
    "enrollment": {
        "count": ("int", True, False), "kind": ("enrollment-kind", True, True), "as_of": ("date", False, False),
    },
    "prior-therapy": {
        "regimens": ("ref:regimen", True, True), "match": ("match-rule", False, False),
        "after": ("prior-outcome", False, True), "excluding": ("ref:regimen", False, True),
        "count": ("int", False, False), "text": ("text", False, False),
    },
    "baseline": {
        "characteristic": ("characteristic", True, False), "share": ("number", False, False),
        "median": ("number", False, False), "ratio": ("number", False, False), "count": ("int", False, False),
        "denominator": ("int", False, False), "unit": ("unit", False, False),
        "regimen": ("ref:regimen", False, False), "agent": ("ref:drug", False, False),
        "outcome": ("prior-outcome", False, False),
    },
    "threshold": {"at_least": ("number", True, False), "unit": ("unit", True, False)},
    "follow-up": {"duration": ("number", True, False), "unit": ("unit", True, False), "median": ("bool", False, False)},
}  # fmt: skip
AMOUNTS = ("amount", "amount_min", "amount_max", "amount_above", "daily_amount")
EXAMPLE = {
    "dose": "{agent: livmoniplimab, amount: 400, unit: mg, route: intravenous, frequency: every-3-weeks}",
    "enrollment": "{count: 120, kind: [planned, approximate]}",
    "prior-therapy": "{regimens: [atezolizumab-bevacizumab], match: any, after: [progression]}",
    "baseline": "{characteristic: ecog-ps-2, share: 57.1}",
    "threshold": "{at_least: 4.6, unit: month}",
    "follow-up": "{duration: 7.1, unit: month, median: true}",
}


def items(value: Any, many: bool) -> list[Any]:
    """A sub-field's values: a list for a ``many`` sub-field (a single value is a list of one)."""
    if many:
        return list(value) if isinstance(value, list) else [value]
    return [value]


def _line(value: Any, sub: str, default: int | None) -> int | None:
    return getattr(value, "key_lines", {}).get(sub, default)


def scalar_problem(kind: str, value: Any, vocab: dict[str, tuple[str, ...]]) -> str | None:
    """What is wrong with one scalar value of this kind, or None: the one check of text, whole
    numbers, numbers, booleans, dates, dose units and controlled values (``vocab``), for the
    curated fields (``validate._value_problem``) and their sub-fields alike."""
    if kind == "text":
        return None if isinstance(value, str) and value.strip() else "expected text"
    if kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
        return None if ok else f"expected a whole number, got {value!r}"
    if kind == "number":
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else f"expected a number, got {value!r}"
    if kind == "bool":
        return None if isinstance(value, bool) else f"expected true or false, got {value!r}"
    if kind == "date":
        return (
            None if DATE_RE.fullmatch(str(value)) else f"expected a date YYYY-MM or YYYY-MM-DD, got {value!r}"
        )
    if kind == "dose-unit":
        known = tuple(DOSE_UNITS)
    elif kind in vocab:
        known = vocab[kind]
    else:
        return None
    if str(value) in known:
        return None
    close = difflib.get_close_matches(str(value), known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    what = "dose unit (a UCUM code)" if kind == "dose-unit" else kind
    return f"unknown {what} {value!r}; {hint}known: {', '.join(known)}"


def value_problems(
    kind: str, claim: Claim, vocab: dict[str, tuple[str, ...]]
) -> list[tuple[str, int | None]]:
    """(message, line) for every problem of one structured value."""
    value, line = claim.value, claim.line
    if not isinstance(value, dict):
        return [(f"expected a mapping such as {EXAMPLE[kind]}, got {value!r}", line)]
    spec = SUBFIELDS[kind]
    out: list[tuple[str, int | None]] = []
    for sub in value:
        if sub not in spec:
            close = difflib.get_close_matches(str(sub), list(spec), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            out.append(
                (f"unknown key {sub!r} in a {kind}; {hint}known: {', '.join(spec)}", _line(value, sub, line))
            )
    for sub, (sub_kind, required, many) in spec.items():
        if sub not in value:
            if required:
                out.append((_missing(kind, sub), line))
            continue
        if sub_kind.startswith("ref:"):
            continue  # checked with every other reference (validate.check_records)
        for item in items(value[sub], many):
            message = scalar_problem(sub_kind, item, vocab)
            if message:
                out.append((f"{sub}: {message}", _line(value, sub, line)))
    if kind == "dose" and any(a in value for a in AMOUNTS) and "unit" not in value:
        out.append((f"a dose amount needs its unit (a UCUM code: {', '.join(DOSE_UNITS)})", line))
    low, high = value.get("amount_min"), value.get("amount_max")
    if kind == "dose" and _num(low) is not None and _num(high) is not None and low > high:
        out.append((f"amount_min {low} is above amount_max {high}", _line(value, "amount_min", line)))
    if kind == "baseline" and not any(k in value for k in ("share", "median", "ratio", "count")):
        out.append(("a baseline characteristic needs a share, a median, a ratio or a count", line))
    if kind == "baseline" and "median" in value and "unit" not in value:
        out.append(("a median needs its unit", line))
    return out


def _missing(kind: str, sub: str) -> str:
    if kind == "enrollment" and sub == "kind":
        known = ", ".join(VOCAB["enrollment-kind"])
        return f"an enrollment figure needs its kind ({known}; 'reported' when the source does not say)"
    return f"a {kind} needs its {sub!r}, as in {EXAMPLE[kind]}"


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def references(kind: str, claim: Claim) -> Iterable[tuple[str, Claim]]:
    """(kind referred to, claim of the key) for every reference inside a structured value."""
    value = claim.value
    if not isinstance(value, dict):
        return
    for sub, (sub_kind, _required, many) in SUBFIELDS[kind].items():
        if sub_kind.startswith("ref:") and sub in value:
            for key in items(value[sub], many):
                yield sub_kind[4:], Claim(key, claim.sources, _line(value, sub, claim.line))


# -- checks across the records of one study --------------------------------------------------------
def _count(claim: Claim) -> int | None:
    value = claim.value
    count = value.get("count") if isinstance(value, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else None


def study_problems(study: Study) -> list[Problem]:
    """A dose of an agent the arm does not give, a cohort larger than its study, arms whose
    allocation weights are not the study's allocation ratio, a prior-line range upside down."""
    from hcckg.loaders.convert import drug_keys  # the one reading of an arm's `drugs`

    problems: list[Problem] = []
    figures = [n for n in map(_count, study.enrollment) if n is not None]
    largest = max(figures) if figures else None
    for record in [study, *study.arms]:
        problems += _line_range(record)
    for arm in study.arms:
        given = {k for claim in arm.drugs for k in drug_keys(claim.value)}
        for claim in arm.doses:
            agent = claim.value.get("agent") if isinstance(claim.value, dict) else None
            if agent is not None and str(agent) not in given:
                problems.append(
                    Problem(
                        arm.path,
                        f"a dose of {agent!r}, which the arm does not give (its drugs: {', '.join(sorted(given))})",
                        line=_line(claim.value, "agent", claim.line),
                        record=arm.key,
                        field="doses",
                    )
                )
        for claim in arm.enrollment:
            size = _count(claim)
            if size is not None and largest is not None and size > largest:
                problems.append(
                    Problem(
                        arm.path,
                        f"the cohort's {size} patients are more than its study has ({largest}, the largest "
                        f"enrollment figure of {study.key})",
                        line=_line(claim.value, "count", claim.line),
                        record=arm.key,
                        field="enrollment",
                    )
                )
    problems += _ratio(study)
    return problems


def _line_range(record: Study | Arm) -> list[Problem]:
    low = _num(record.min_prior_lines[0].value) if record.min_prior_lines else None
    high = _num(record.max_prior_lines[0].value) if record.max_prior_lines else None
    if low is not None and high is not None and low > high:
        line = record.min_prior_lines[0].line or record.line
        message = f"min_prior_lines {low:g} is above max_prior_lines {high:g}"
        return [Problem(record.path, message, line=line, record=record.key, field="min_prior_lines")]
    return []


def _ratio(study: Study) -> list[Problem]:
    problems = []
    for claim in study.allocation_ratio:
        if not RATIO_RE.fullmatch(str(claim.value)):
            problems.append(
                Problem(
                    study.path,
                    f"an allocation ratio is written as printed, parts joined by ':' (2:1), got {claim.value!r}",
                    line=claim.line,
                    record=study.key,
                    field="allocation_ratio",
                )
            )
            continue
        parts = [int(p) for p in str(claim.value).split(":")]
        weights = [a.allocation_weight[0].value for a in study.arms if a.allocation_weight]
        if weights and weights != parts:
            problems.append(
                Problem(
                    study.path,
                    f"the arms' allocation_weight ({':'.join(map(str, weights))}, in arm order) is not the "
                    f"allocation ratio {claim.value}",
                    line=claim.line,
                    record=study.key,
                    field="allocation_ratio",
                )
            )
    return problems


def outcome_problems(r: Outcome) -> list[Problem]:
    """One study or a summary of several; a result that says something; grades in order."""
    problems = []

    def problem(message: str, field: str) -> None:
        problems.append(Problem(r.path, message, line=r.line, record=r.key, field=field))

    if bool(r.study) == bool(r.summary_of):
        problem(
            "an outcome belongs to one study (study) or summarises several (summary_of), not both", "study"
        )
    if not (r.value or r.count or r.value_status or r.finding or r.range_lower):
        problem("an outcome needs a value, a count, a value_status (not-reached) or a finding", "value")
    if r.value_status and r.value:
        problem("a value_status (not reached) is instead of a value, not beside one", "value_status")
    if r.grade_min and r.grade_max and _num(r.grade_min[0].value) > _num(r.grade_max[0].value):
        problem("grade_min is above grade_max", "grade_min")
    if r.adverse_events and not r.count:
        problem("an adverse-event result needs the count of patients with the event", "count")
    return problems
