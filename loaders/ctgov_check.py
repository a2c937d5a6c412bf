"""The ClinicalTrials.gov record check: the JSON Schema ``loaders/ctgov_schema.json`` of the
fields hcckg reads, applied by the ``jsonschema`` package, with each problem named by its file,
record (NCT number or position) and dotted field path, in the words a curator reads.

Only the mapped fields are constrained; the registry adds fields over time and unknown ones are
ignored rather than rejected. The enum words are the schema's, read from it once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema

from hcckg.ground.errors import Problem

if TYPE_CHECKING:
    from hcckg.loaders.ctgov_read import CtgovRecord

SCHEMA_FILE = Path(__file__).resolve().with_name("ctgov_schema.json")
NCT_FIELD = "protocolSection.identificationModule.nctId"
TYPE_NAMES = {
    "object": "an object",
    "array": "a list",
    "string": "a string",
    "integer": "an integer",
    "boolean": "true or false",
}


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@cache
def _validator() -> jsonschema.protocols.Validator:
    cls = jsonschema.validators.validator_for(schema())
    cls.check_schema(schema())
    return cls(schema())


def pattern(name: str) -> re.Pattern[str]:
    """The pattern of one ``$defs`` entry (``pattern("nct")``)."""
    return re.compile(schema()["$defs"][name]["pattern"])


def enum(name: str) -> tuple[str, ...]:
    """The enum words of one ``$defs`` entry (``enum("status")``)."""
    return tuple(schema()["$defs"][name]["enum"])


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _dotted(path: Iterable[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _problem(error: jsonschema.ValidationError) -> tuple[str, str]:
    """(dotted field, message) of one schema error."""
    where = _dotted(error.absolute_path)
    value = error.instance
    if error.validator == "required":
        missing = [k for k in error.validator_value if not isinstance(value, dict) or k not in value]
        field = ".".join(p for p in (where, missing[0]) if p)
        if NCT_FIELD.startswith(field):
            # A record without its identification (or without protocolSection) has no NCT number.
            return NCT_FIELD, "missing: every record needs its NCT number"
        return field, "missing"
    if error.validator == "enum":
        if not isinstance(value, str):
            return where, f"wrong type: expected an enum word (a string), got {_type_name(value)}"
        return where, f"unknown value {value!r}; allowed: {', '.join(error.validator_value)}"
    if error.validator == "type":
        wanted = TYPE_NAMES.get(error.validator_value, error.validator_value)
        if error.schema.get("enum"):
            wanted = "an enum word (a string)"
        return where, f"wrong type: expected {wanted}, got {_type_name(value)}"
    if error.validator == "pattern":
        return where, f"malformed value {value!r}: expected {error.schema.get('description', 'the pattern')}"
    return where, error.message


def record_problems(record: CtgovRecord) -> list[Problem]:
    """Every problem of one record, each naming the file, record and dotted field path."""
    errors = sorted(_validator().iter_errors(record.data), key=lambda e: list(map(str, e.absolute_path)))
    found: dict[str, str] = {}
    for error in errors:
        # One problem per field: a non-string enum value fails both "type" and "enum" (the
        # schema lists "type" first, and the sort keeps that order).
        where, message = _problem(error)
        found.setdefault(where, message)
    return [
        Problem(record.path, message, record=record.label, field=where) for where, message in found.items()
    ]


def check_batch(records: Iterable[CtgovRecord]) -> list[Problem]:
    """The problems of a whole batch, including an NCT number that appears twice."""
    problems: list[Problem] = []
    seen: dict[str, CtgovRecord] = {}
    for record in records:
        problems += record_problems(record)
        nct = record.nct
        if nct and nct in seen:
            problems.append(
                Problem(
                    record.path,
                    f"{nct} appears twice in the batch (also in {seen[nct].path}); load one version at a time",
                    record=nct,
                    field=NCT_FIELD,
                )
            )
        elif nct:
            seen[nct] = record
    return problems
