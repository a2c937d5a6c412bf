"""Run QC checks written as SPARQL files: ``<check>-violation.rq``, 0 rows = pass.

Each file starts with a header of ``#+ key: value`` lines (``name``, ``description``,
``severity``); the name defaults to the file stem without ``-violation``. Every row a check
returns is one :class:`Finding`. The same runner serves ``ontology/qc/`` and ``queries/qc/``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from graph.errors import QuerySyntaxError, SourceError
from graph.store import EmbeddedStore

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
    header: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("#+"):
            key, _, value = line[2:].partition(":")
            header[key.strip()] = value.strip()
        elif line.strip() and not line.startswith("#"):
            break
    name = header.get("name") or Path(path).stem.removesuffix("-violation")
    severity = header.get("severity", "error")
    if severity not in SEVERITIES:
        raise SourceError([f"{path}: severity {severity!r} is not one of {', '.join(SEVERITIES)}"])
    return Check(name, header.get("description", ""), severity, text, Path(path))


def run_checks(store_like: EmbeddedStore, paths: Iterable[Path]) -> list[Finding]:
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


__all__ = ["Check", "Finding", "load_check", "run_checks"]
