"""The curated sources (``loaders/curated/*.yaml``): parse and validate them into records and
the triples of the ``review`` graph.

``load()`` is the one call the build uses. It reads every curated file
(``loaders/yamlread.py`` keeps the lines), makes records (``loaders/records.py``), checks them
(``loaders/validate.py``: syntax, references, SHACL shapes) and converts them
(``loaders/convert.py``), or raises one :class:`~hcckg.ground.errors.SourceError` that lists every
problem of the run with file, line, record and field. The curation guide is
``loaders/curated/README.md``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from hcckg.ground import iris
from hcckg.ground.errors import Problem, SourceError
from hcckg.loaders import mappings, shacl, validate
from hcckg.loaders.convert import convert
from hcckg.loaders.records import (
    FILES,
    FLAGGED_BY_RECORD_ISSUE,
    REVIEW,
    STRUCTURED,
    Arm,
    Claim,
    Outcome,
    Record,
    Source,
    Study,
    short_source,
)
from hcckg.loaders.yamlread import UNREADABLE, LineDict, LineList, read_yaml

DEFAULT_DIR = Path(__file__).resolve().parent / "curated"


# -- raw YAML -> records ------------------------------------------------------------------
def _claims(
    raw: Any,
    line: int,
    default: tuple[str, ...],
    many: bool,
    issue: str | None = None,
    structured: bool = False,
) -> list[Claim]:
    """A field's YAML value as claims: a scalar, ``{value:, source:, note:, source_issue:}``,
    or a list of either (several values, or several sources' versions of one value). ``issue``
    is the record's own ``source_issue``, which every claim without one of its own carries.
    A ``structured`` field's value is itself a mapping (a dose): its own ``source``, ``note``
    and ``source_issue`` are the claim's, the other keys the value."""
    if isinstance(raw, LineList):
        return [
            c
            for item, ln in zip(raw, raw.item_lines, strict=True)
            for c in _claims(item, ln, default, many, issue, structured)
        ]
    if structured and isinstance(raw, LineDict) and "value" not in raw:
        value = LineDict({k: v for k, v in raw.items() if k not in ("source", "note", "source_issue")})
        value.line, value.key_lines = raw.line, raw.key_lines
        sources = raw.get("source", default)
        sources = tuple(sources) if isinstance(sources, list | tuple) else (sources,)
        return [Claim(value, sources, raw.line, raw.get("note"), raw.get("source_issue", issue))]
    if isinstance(raw, LineDict) and ("value" in raw or "one_of" in raw):
        value = raw.get("value", None)
        if "one_of" in raw:
            value = ("one_of", tuple(raw["one_of"]) if isinstance(raw["one_of"], list) else raw["one_of"])
        sources = raw.get("source", default)
        sources = tuple(sources) if isinstance(sources, list | tuple) else (sources,)
        return [
            Claim(
                value, sources, raw.line, raw.get("note"), raw.get("source_issue", issue), "source" not in raw
            )
        ]
    return [Claim(raw, default, line, None, issue, True)]


def _record(
    cls: type[Record], raw: Any, path: str, line: int, problems: list[Problem], **extra: Any
) -> Record | None:
    if not isinstance(raw, LineDict):
        problems.append(
            Problem(path, f"a record is a mapping of fields, not {type(raw).__name__}", line=line)
        )
        return None
    problems.extend(validate.check_fields(cls, raw, path))
    key = raw.get("key", extra.pop("key", None))
    source = raw.get("source", extra.pop("source", REVIEW if cls is Source else None))
    inherited_line = extra.pop("source_line", None)
    source_line = raw.key_lines.get("source") if "source" in raw else inherited_line
    record_id = str(key) if key is not None else None
    if key is None:
        problems.append(Problem(path, "missing field", line=raw.line, field="key"))
        return None
    if source is None:
        problems.append(
            Problem(
                path,
                "missing field: every record names its source",
                line=raw.line,
                record=record_id,
                field="source",
            )
        )
        source = ()
    sources = tuple(str(s) for s in source) if isinstance(source, list) else (str(source),)
    issue = raw.get("source_issue", extra.pop("issue", None))
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if "type" not in f.metadata or f.name not in raw or f.name == "arms":
            continue
        default = sources
        flag = issue if f.name in FLAGGED_BY_RECORD_ISSUE else None
        structured = f.metadata["type"] in STRUCTURED
        claims = _claims(raw[f.name], raw.key_lines[f.name], default, f.metadata["many"], flag, structured)
        values[f.name] = claims
    record = cls(
        key=str(key),
        path=path,
        line=raw.line,
        source=sources,
        issue=issue,
        source_line=source_line,
        **values,
        **extra,
    )
    if isinstance(record, Study) and "arms" in raw:
        arms = raw["arms"] if isinstance(raw["arms"], LineList) else LineList()
        for item, ln in zip(arms, getattr(arms, "item_lines", []), strict=False):
            arm = _record(
                Arm,
                item,
                path,
                ln,
                problems,
                study=record.key,
                source=list(sources),
                issue=issue,
                source_line=source_line,
            )
            if arm is not None:
                arm.key = f"{record.key}-{arm.key}"
                record.arms.append(arm)
    return record


def _outcomes(raw: Any, path: str, line: int, problems: list[Problem]) -> list[Record]:
    """One results group: shared ``study``/``arm``/``source``/... and its ``outcomes``."""
    if not isinstance(raw, LineDict):
        problems.append(
            Problem(path, "a results group is a mapping with study, source and outcomes", line=line)
        )
        return []
    shared = {k: v for k, v in raw.items() if k != "outcomes"}
    items = raw.get("outcomes")
    if not isinstance(items, LineList):
        problems.append(Problem(path, "missing list of outcomes", line=raw.line, field="outcomes"))
        return []
    out: list[Record] = []
    for item, ln in zip(items, items.item_lines, strict=True):
        if not isinstance(item, LineDict):
            problems.append(Problem(path, "an outcome is a mapping of fields", line=ln))
            continue
        # A value of the group qualifies every outcome of it ("first 13 patients"); an outcome
        # that set the same field would silently replace it (a response category is `category`).
        for name in sorted(set(shared) & set(item) - {"key"}):
            problems.append(
                Problem(
                    path,
                    f"the outcome sets {name!r}, which its group already sets to {shared[name]!r}; "
                    "keep the group's value (a response category goes in 'category')",
                    line=item.key_lines.get(name, ln),
                    field=str(name),
                )
            )
        merged = LineDict({**shared, **item})
        merged.line = item.line
        merged.key_lines = {**{k: raw.key_lines[k] for k in shared}, **item.key_lines}
        if "key" not in merged:
            merged["key"] = outcome_key(merged)
            merged.key_lines["key"] = item.line
        record = _record(Outcome, merged, path, ln, problems)
        if record is not None:
            out.append(record)
    return out


def outcome_key(raw: dict) -> str:
    """A readable, stable key: study, arm, subgroup, response category, line, endpoint, and
    the source."""
    source = raw.get("source", "")
    source = source[0] if isinstance(source, list) and source else source
    short = short_source(str(source))
    line = raw.get("line_of_therapy")
    parts = [raw.get("study"), raw.get("arm"), raw.get("subgroup"), raw.get("category")]
    # Adverse-event results of one group differ by the events and grades they count.
    events = raw.get("adverse_events")
    parts.append("-".join(map(str, events)) if isinstance(events, list) else events)
    grades = [raw.get("grade_min"), raw.get("grade_max")]
    parts.append("grade-" + "-".join(str(g) for g in grades if g is not None) if any(grades) else None)
    parts.append(f"line-{line}" if line is not None else None)
    parts += [raw.get("endpoint"), short]
    return iris.slug("-".join(str(p) for p in parts if p not in (None, "")))


def _parse(path: Path) -> tuple[list[Record], list[Problem]]:
    problems: list[Problem] = []
    records: list[Record] = []
    files = [path] if path.is_file() else sorted(p for p in path.glob("*.yaml"))
    if not files:
        problems.append(Problem(str(path), "no curated *.yaml files here"))
    for file in files:
        cls = FILES.get(file.name)
        if cls is None:
            problems.append(Problem(str(file), f"unknown curated file; known: {', '.join(FILES)}"))
            continue
        items = read_yaml(file, problems)
        lines = getattr(items, "item_lines", [None] * len(items))
        for item, line in zip(items, lines, strict=True):
            if cls is Outcome:
                records.extend(_outcomes(item, str(file), line, problems))
            else:
                record = _record(cls, item, str(file), line, problems)
                if record is not None:
                    records.append(record)
    return records, problems


def iter_records(path: Path = DEFAULT_DIR) -> list[Record]:
    """Every record of a curated directory (or one file). Raises SourceError on problems
    of form (syntax, unknown or missing fields); references are checked by ``load``."""
    records, problems = _parse(Path(path))
    if problems:
        raise SourceError(problems)
    return records


def _keys(records: list[Record]) -> dict[str, set[str]]:
    """The curated keys of each kind of record an SSSOM row may name as its subject."""
    out: dict[str, set[str]] = {}
    for r in records:
        out.setdefault(type(r).kind, set()).add(r.key)
    return out


def load(path: Path = DEFAULT_DIR, *, shapes: bool = True) -> list[ox.Triple]:
    """Parse, validate and convert the curated sources: the triples of the review graph.
    Raises SourceError listing every problem found (form, references, shapes)."""
    records, problems = _parse(Path(path))
    # A file that does not parse is reported, and every other file is still checked; only
    # links to the kinds of record the broken file holds are not (their keys are unknown).
    unreadable = {Path(p.path).name for p in problems if p.message.startswith(UNREADABLE)}
    problems += validate.check_records(records, unreadable)
    # The external identifiers: the SSSOM table beside the YAML files (loaders/mappings.py).
    table = Path(path) / mappings.FILE_NAME if Path(path).is_dir() else None
    known = _keys(records)
    known |= {kind: None for kind in validate.broken_kinds(unreadable)}  # not checked: unknown
    found = mappings.read(table, known, problems) if table is not None and table.exists() else []
    if problems:
        raise SourceError(problems)
    triples, origins = convert(records)
    triples += mappings.triples(found)
    if shapes:
        problems += shacl.check_shapes(triples, origins)
    if problems:
        raise SourceError(problems)
    return triples
