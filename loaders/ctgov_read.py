"""Reading ClinicalTrials.gov API v2 batches: a JSON file (one study, a list of studies, or an
API page ``{"studies": [...]}``), a directory of such files, or a zip of them. Every problem of a
batch (malformed JSON, not UTF-8, a document of the wrong shape, and what the record check
finds) is collected, and ``read_batch`` raises them together before anything is mapped."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hcckg.ground.errors import Problem, SourceError
from hcckg.loaders.ctgov_check import check_batch


def _type_name(value: Any) -> str:
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


@dataclass
class CtgovRecord:
    """One study as read from a batch: its JSON object and where it came from."""

    data: dict[str, Any]
    path: str
    index: int | None = None  # position in a list or API page; None for a one-study file

    @property
    def nct(self) -> str | None:
        value = _get(self.data, "protocolSection.identificationModule.nctId")
        return value if isinstance(value, str) else None

    @property
    def label(self) -> str:
        """How problems name the record: its NCT number if it has one, else its position."""
        if self.nct:
            return self.nct
        return f"#{self.index}" if self.index is not None else "(single study)"

    @property
    def last_update(self) -> str | None:
        value = _get(self.data, "protocolSection.statusModule.lastUpdatePostDateStruct.date")
        return value if isinstance(value, str) else None


def _get(data: Any, dotted: str) -> Any:
    for key in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _sources(path: Path, problems: list[Problem]) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) of every JSON document in a file, a directory or a zip."""
    if not path.exists():
        problems.append(Problem(str(path), "no such file or directory"))
    elif path.is_dir():
        for child in sorted(path.rglob("*")):
            if child.is_file() and child.suffix.lower() in (".json", ".zip"):
                yield from _sources(child, problems)
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.namelist()):
                if member.lower().endswith(".json"):
                    yield f"{path}:{member}", archive.read(member)
    else:
        yield str(path), path.read_bytes()


def _documents(path: Path, problems: list[Problem]) -> Iterator[CtgovRecord]:
    for name, raw in _sources(path, problems):
        try:
            document = json.loads(raw)
        except UnicodeDecodeError as err:
            problems.append(Problem(name, f"not UTF-8 text: {err}"))
            continue
        except json.JSONDecodeError as err:
            problems.append(
                Problem(
                    name,
                    f"malformed JSON: {err.msg} (line {err.lineno}, column {err.colno})",
                    line=err.lineno,
                )
            )
            continue
        if isinstance(document, dict) and "studies" in document:
            studies, where = document["studies"], "studies"
        elif isinstance(document, list):
            studies, where = document, ""
        elif isinstance(document, dict):
            yield CtgovRecord(document, name)
            continue
        else:
            problems.append(
                Problem(name, "expected a study, a list of studies or an API page {'studies': [...]}")
            )
            continue
        if not isinstance(studies, list):
            problems.append(Problem(name, "wrong type: expected a list of studies", field=where))
            continue
        for i, study in enumerate(studies):
            if isinstance(study, dict):
                yield CtgovRecord(study, name, i)
            else:
                field_name = f"{where}[{i}]" if where else f"[{i}]"
                problems.append(
                    Problem(
                        name,
                        f"wrong type: expected a study object, got {_type_name(study)}",
                        field=field_name,
                    )
                )


def iter_records(path: Path) -> Iterator[CtgovRecord]:
    """Every study in a file, directory or zip. Files that cannot be read as JSON are
    reported together in one SourceError once the good ones have been yielded."""
    problems: list[Problem] = []
    yield from _documents(Path(path), problems)
    if problems:
        raise SourceError(problems)


def read_batch(path: Path) -> list[CtgovRecord]:
    """Read and check a whole batch; parse and record problems are raised together."""
    problems: list[Problem] = []
    records = list(_documents(Path(path), problems))
    problems += check_batch(records)
    if problems:
        raise SourceError(problems)
    return records
