"""Run a named query or a SPARQL text and render the answer as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from itertools import islice

import pyoxigraph as ox

from hcckg.graph.store import result_form
from hcckg.ground.errors import ResultTooLarge
from hcckg.queries.catalogue import NamedQuery
from hcckg.queries.params import resolve, unknown

XSD = "http://www.w3.org/2001/XMLSchema#"
_INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")}
_DECIMALS = {XSD + t for t in ("decimal", "double", "float")}


@dataclass
class Table:
    """A query answer: column names and rows of plain values (IRIs and text as str)."""

    columns: list[str]
    rows: list[dict[str, object]]
    query: str | None = None
    parameters: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> str:
        body = {
            "query": self.query,
            "parameters": self.parameters,
            "columns": self.columns,
            "rows": self.rows,
        }
        return json.dumps(body, ensure_ascii=False, indent=1)

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.columns)
        for row in self.rows:
            writer.writerow([_csv_cell(row.get(c)) for c in self.columns])
        return out.getvalue()

    def to_text(self, width: int = 40) -> str:
        def cell(value: object) -> str:
            text = "" if value is None else str(value)
            return text if len(text) <= width else text[: width - 1] + "…"

        cells = [[cell(row.get(c)) for c in self.columns] for row in self.rows]
        widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(self.columns)]
        lines = ["  ".join(c.ljust(w) for c, w in zip(self.columns, widths, strict=True))]
        lines.append("  ".join("-" * w for w in widths))
        lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
        lines.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})")
        return "\n".join(lines)

    def render(self, fmt: str) -> str:
        return {"json": self.to_json, "csv": self.to_csv}.get(fmt, self.to_text)()


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    return str(value).lower() if isinstance(value, bool) else value


def plain(term: object) -> object:
    """A term as a plain value: numbers and booleans typed, everything else its text."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INTEGERS:
                return int(term.value)
            if datatype in _DECIMALS:
                return float(term.value)
        except ValueError:
            return term.value
        if datatype == XSD + "boolean":
            return term.value in ("true", "1")
        return term.value
    return getattr(term, "value", str(term))


def typed(value: object, kind: str | dict[str, str] | None) -> object:
    """A plain value read as its column's declared type (``NamedQuery.types``), so that every
    engine's answer reads alike: Virtuoso's 1/0 for booleans, a GROUP_CONCAT in any order."""
    if value is None or kind is None:
        return value
    if isinstance(kind, dict):
        sep = kind["list"]
        # Sorted, and an empty list is no value (engines give "" or nothing).
        return sep.join(sorted(str(value).split(sep))) if value != "" else None
    try:
        if kind == "boolean":
            return value in (True, "true") or (not isinstance(value, str) and float(value) != 0)
        if kind == "integer":
            return int(float(value))  # type: ignore[arg-type]
        if kind == "decimal":
            return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return value
    return value


def order_rows(rows: list[dict[str, object]], ordering: tuple[str, ...]) -> list[dict[str, object]]:
    """Sort by each column of ``ordering`` (``-`` = descending), missing values last.
    Stable sorts from the last key to the first give the combined order."""
    for spec in reversed(ordering):
        name, descending = spec.lstrip("-"), spec.startswith("-")
        present = [r for r in rows if r.get(name) is not None]
        missing = [r for r in rows if r.get(name) is None]
        present.sort(key=lambda r, n=name: _comparable(r[n]), reverse=descending)
        rows = present + missing
    return rows


def _comparable(value: object) -> tuple:
    # Numbers before text so that a column mixing both still sorts.
    return (0, value, "") if isinstance(value, bool | int | float) else (1, 0, str(value).lower())


def run_named(
    store,
    query: NamedQuery,
    raw_params: dict[str, str] | None = None,
    *,
    order: str | None = None,
    max_rows: int | None = None,
) -> Table:
    """Resolve the parameters against the graph, run, keep the declared columns, order."""
    raw_params = raw_params or {}
    if order is not None and order not in query.orderings:
        offered = ", ".join(query.orderings) or "none"
        raise unknown(f"{query.name} offers no ordering {order!r}; offered: {offered}")
    bound = resolve(store, query, raw_params)
    solutions = store.query(query.text, substitutions=bound or None)
    if max_rows is not None:  # never hold more than the limit (plus one, to know it passed)
        solutions = islice(solutions, max_rows + 1)
    rows = [{c: typed(plain(r[c]), query.types.get(c)) for c in query.columns} for r in solutions]
    if max_rows is not None and len(rows) > max_rows:
        raise ResultTooLarge(f"{query.name} returned more than {max_rows} rows; narrow it with parameters")
    ordering = query.orderings.get(order or "default")
    if ordering:
        rows = order_rows(rows, ordering)
    return Table(list(query.columns), rows, query.name, {k: plain(v) for k, v in bound.items()})


def run_sparql(store, sparql: str, *, max_rows: int | None = None) -> Table:
    """A SELECT or ASK query given as text by its author (not a parameter)."""
    results = store.query(sparql)
    if result_form(results) == "boolean":  # pyoxigraph's QueryBoolean is not a bool
        return Table(["boolean"], [{"boolean": bool(results)}])
    if not hasattr(results, "variables"):  # CONSTRUCT / DESCRIBE
        rows = [
            {"subject": plain(t.subject), "predicate": plain(t.predicate), "object": plain(t.object)}
            for t in results
        ]
        return Table(["subject", "predicate", "object"], _cap(rows, max_rows))
    columns = [v.value for v in results.variables]
    rows = [{c: plain(r[c]) for c in columns} for r in results]
    return Table(columns, _cap(rows, max_rows))


def _cap(rows: list, max_rows: int | None) -> list:
    if max_rows is not None and len(rows) > max_rows:
        raise ResultTooLarge(f"the query returned more than {max_rows} rows; add a LIMIT")
    return rows
