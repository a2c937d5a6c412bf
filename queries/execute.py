"""Run a named query or a SPARQL text and render the answer as a table, CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
import shutil
import textwrap
from dataclasses import dataclass, field
from itertools import islice

import pyoxigraph as ox

from hcckg.graph.store import result_form
from hcckg.ground import iris
from hcckg.ground.errors import ResultTooLarge
from hcckg.queries.catalogue import QUERIES_DIR, NamedQuery, load_catalogue
from hcckg.queries.params import resolve, unknown

XSD = "http://www.w3.org/2001/XMLSchema#"
READABLE = 10  # narrowest a wrapped column gets before the table turns into records
_INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger")}
_DECIMALS = {XSD + t for t in ("decimal", "double", "float")}


_catalogue: tuple[tuple, dict[str, NamedQuery]] | None = None


def catalogue() -> dict[str, NamedQuery]:
    """The named queries, read again only when a ``.rq`` file changes (reading them checks
    every query, which costs more than a page may take)."""
    global _catalogue
    stamp = tuple((p.name, p.stat().st_mtime_ns) for p in sorted(QUERIES_DIR.glob("*.rq")))
    if _catalogue is None or _catalogue[0] != stamp:
        _catalogue = (stamp, load_catalogue())
    return _catalogue[1]


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

    def layout(self) -> list[Column]:
        """The columns as people read them (see :func:`layout`)."""
        return layout(self.columns)

    def to_text(self, width: int | None = None, *, base: str | None = None) -> str:
        """A table that fits ``width`` characters (default: the terminal's ``COLUMNS``):
        an IRI column is shown by its label column when the query has one, other IRIs as
        CURIEs, and a cell too wide for its column wraps onto more lines."""
        width = width or shutil.get_terminal_size((120, 24)).columns
        shown = self.layout()
        names = [c.title for c in shown]
        cells = [[c.text(row, base, words=False) for c in shown] for row in self.rows]
        natural = [max([len(n)] + [len(r[i]) for r in cells]) for i, n in enumerate(names)]
        if sum(min(n, READABLE) for n in natural) + 2 * (len(natural) - 1) > width:
            return (
                _records(names, cells, width)
                + f"\n({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})"
            )
        widths = fit(natural, width, gap=2, minimum=READABLE)
        lines = _text_rows(names, widths)
        lines.append("  ".join("-" * w for w in widths))
        for r in cells:
            lines += _text_rows(r, widths)
        lines.append(f"({len(self.rows)} row{'s' if len(self.rows) != 1 else ''})")
        return "\n".join(line.rstrip() for line in lines)

    def render(self, fmt: str) -> str:
        return {"json": self.to_json, "csv": self.to_csv}.get(fmt, self.to_text)()


@dataclass(frozen=True)
class Column:
    """One column as shown: ``name`` holds the value shown, ``link`` the IRI it links to
    (an ``xLabel`` column is shown linked to ``x``), ``sources`` a space-separated list of
    source keys."""

    name: str
    link: str | None = None
    sources: bool = False

    @property
    def title(self) -> str:
        return self.link or self.name.removesuffix("Label") or self.name

    def text(self, row: dict[str, object], base: str | None = None, words: bool = True) -> str:
        """The cell as text: an IRI as a CURIE; a boolean as yes/no (``words``) or as Python
        prints it (the terminal's tables, which scripts read)."""
        value = row.get(self.name)
        if value is None and self.link:
            value = row.get(self.link)
        if value is None:
            return ""
        if isinstance(value, bool):
            return ("yes" if value else "no") if words else str(value)
        if isinstance(value, float):
            return f"{value:g}"
        text = str(value)
        return curie(text, base) if text.startswith(("http://", "https://")) else text


def curie(iri: str, base: str | None = None) -> str:
    """``https://w3id.org/hcckg/resource/drug/lenvatinib`` -> ``res:drug/lenvatinib``."""
    return iris.curie(iri, base, bare=True)


# Path steps, read left to right; a query's NCT column follows its trial or study.
_FIRST = (
    "mechanism",
    "target",
    "drug",
    "agent",
    "regimen",
    "arm",
    "trial",
    "study",
    "outcome",
    "subject",
    "entity",
)
_LAST = ("Rank", "Sources", "sources", "score")


def layout(columns: list[str] | tuple[str, ...]) -> list[Column]:
    """The columns that matter first: each IRI column ``x`` that has a label column
    ``xLabel`` becomes one column showing the label linked to ``x``; the path's steps come
    first (mechanism → target → drug → arm → trial with its NCT number), then the rest in
    the query's order, then helper columns (ranks, scores) and sources last."""
    present = set(columns)
    shown: list[Column] = []
    for c in columns:
        if c.endswith("Label") and c[: -len("Label")] in present:
            continue
        label = c + "Label"
        if label in present:
            shown.append(Column(label, link=c))
        elif c in ("label",) and "entity" in present:
            continue
        elif c == "entity" and "label" in present:
            shown.append(Column("label", link="entity"))
        else:
            shown.append(Column(c, sources=c.endswith(("Sources", "sources")) or c.startswith("source")))

    def rank(item: tuple[int, Column]) -> tuple:
        position, column = item
        step = column.link or column.name
        if step in _FIRST:
            return (0, _FIRST.index(step), position)
        if column.name == "nctId":
            anchor = next((_FIRST.index(s) for s in ("trial", "study") if s in present), len(_FIRST))
            return (0, anchor + 0.5, position)
        if column.name.endswith(_LAST):
            return (2, 0, position)
        return (1, 0, position)

    return [c for _, c in sorted(enumerate(shown), key=rank)]


def fit(natural: list[int], width: int, gap: int = 2, minimum: int = 6) -> list[int]:
    """Column widths that fit ``width`` (with ``gap`` between columns): the widest columns
    give up room first, none below ``minimum`` (or its natural width)."""
    widths = list(natural)
    room = width - gap * (len(widths) - 1)
    while sum(widths) > room:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        floor = min(natural[widest], minimum)
        if widths[widest] <= floor:
            break
        widths[widest] -= 1
    return widths


def _records(names: list[str], cells: list[list[str]], width: int) -> str:
    """Rows too wide for the terminal, one record per row (like psql's expanded mode)."""
    pad = max(len(n) for n in names)
    out = []
    for number, row in enumerate(cells, 1):
        out.append(f"-[ row {number} ]" + "-" * max(0, min(width, 60) - 12 - len(str(number))))
        for name, cell in zip(names, row, strict=True):
            lines = textwrap.wrap(cell, max(10, width - pad - 3), break_on_hyphens=False) or [""]
            out.append(f"{name.ljust(pad)} | {lines[0]}")
            out += [f"{'':{pad}} | {more}" for more in lines[1:]]
    return "\n".join(out)


def _text_rows(cells: list[str], widths: list[int]) -> list[str]:
    wrapped = [
        textwrap.wrap(c, w, break_on_hyphens=False) or [""] for c, w in zip(cells, widths, strict=True)
    ]
    height = max(len(w) for w in wrapped)
    return [
        "  ".join((w[i] if i < len(w) else "").ljust(width) for w, width in zip(wrapped, widths, strict=True))
        for i in range(height)
    ]


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
