"""QC checks written as SPARQL files in ``queries/qc/`` (the one place for checks), and their runner.

A check returns one row per problem (0 rows = pass). Each file starts with the same ``#+``
YAML header as a named query (``name``, ``description``, ``severity``); the name defaults to
the file stem without ``-violation``. Checks on the ontology's own terms are named
``ontology-*``; ``hcckg ontology build`` runs every check of severity ``error`` on the
ontology alone, ``hcckg qc`` every check on the ontology, the curated sources and the
registry records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from hcckg.ground.errors import QuerySyntaxError, SourceError
from hcckg.queries.catalogue import read_header

QC_DIR = Path(__file__).resolve().with_name("qc")

# "report": source conflicts the real data is expected to show (queries/qc), listed, never failing.
SEVERITIES = ("error", "warning", "info", "report")


@dataclass(frozen=True)
class Check:
    name: str
    description: str
    severity: str
    query: str
    path: Path


@dataclass(frozen=True)
class Finding:
    check: str
    severity: str
    description: str
    row: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "severity": self.severity,
            "description": self.description,
            "row": self.row,
        }

    def __str__(self) -> str:
        details = "; ".join(f"{k}={v}" for k, v in self.row.items())
        return f"[{self.severity}] {self.check}: {details}"


def load_check(path: Path) -> Check:
    """Read one check file and its ``#+`` header."""
    text = Path(path).read_text(encoding="utf-8")
    header = read_header(Path(path), text)
    name = str(header.get("name") or Path(path).stem.removesuffix("-violation"))
    severity = str(header.get("severity", "error"))
    if severity not in SEVERITIES:
        raise SourceError([f"{path}: severity {severity!r} is not one of {', '.join(SEVERITIES)}"])
    description = " ".join(str(header.get("description", "")).split())
    return Check(name, description, severity, text, Path(path))


def check_paths(directory: Path = QC_DIR) -> list[Path]:
    """Every check file, in name order."""
    return sorted(directory.glob("*.rq"))


def run_checks(store_like: Any, paths: Iterable[Path]) -> list[Finding]:
    """Run every check in ``paths`` over the store's union graph; return all findings."""
    findings: list[Finding] = []
    for path in paths:
        check = load_check(path)
        try:
            rows = store_like.select(check.query)
        except QuerySyntaxError as err:
            raise QuerySyntaxError(f"QC check {path}: {err}", err.position) from err
        for row in rows:
            findings.append(
                Finding(check.name, check.severity, check.description, {k: _text(v) for k, v in row.items()})
            )
    return findings


def _text(term: Any) -> str:
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


__all__ = ["QC_DIR", "Check", "Finding", "check_paths", "load_check", "run_checks"]
