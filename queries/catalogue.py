"""The catalogue of named queries: one ``queries/<name>.rq`` file per query.

Each file starts with a grlc-style header, ``#+ `` lines holding YAML::

    #+ title: Trials by target, drug, family, phase or status
    #+ description: ...
    #+ parameters:
    #+   - {name: drug, type: iri-of-kind, kinds: [drug], example: lenvatinib}
    #+ columns: [trial, nctId, trialLabel]
    #+ orderings:
    #+   default: [nctId]
    #+   evidence: [-phaseRank, nctId]
    #+ types: {randomised: boolean, phaseRank: integer, drugs: {list: ", "}}

Parameter types: ``iri-of-kind`` (a resource of the listed ``kinds``, checked against the
graph), ``enum`` (one of ``values``: friendly value -> ontology term ``hcc:Term``),
``string`` and ``integer``. A parameter is bound by pyoxigraph's ``substitutions``, which
requires its variable in the SELECT projection; the loader checks that, and that every
column is projected, by preparing each query against an empty store. An ordering lists
columns, ``-`` meaning descending. ``types`` (optional) declares what a column holds where
SPARQL engines write it differently (queries/README.md, "Portable SPARQL"): ``boolean``
(Virtuoso answers 1/0), ``integer``, ``decimal``, or ``{list: SEPARATOR}`` for a
GROUP_CONCAT, whose order no engine promises (the items are sorted). Adding a query means
adding a file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import yaml

from hcckg.ground.errors import NotFound, QuerySyntaxError
from hcckg.ground.settings import DEFAULT_BASE_IRI, base_iri

QUERIES_DIR = Path(__file__).resolve().parent
PARAMETER_TYPES = ("iri-of-kind", "enum", "string", "integer")
COLUMN_TYPES = ("boolean", "integer", "decimal")


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str
    description: str = ""
    example: str | None = None
    required: bool = False
    kinds: tuple[str, ...] = ()
    values: dict[str, str] = field(default_factory=dict)
    normalise: bool = False

    def describe(self) -> dict:
        out: dict = {"name": self.name, "type": self.type, "required": self.required}
        if self.description:
            out["description"] = self.description
        if self.example is not None:
            out["example"] = self.example
        if self.kinds:
            out["kinds"] = list(self.kinds)
        if self.values:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    columns: tuple[str, ...]
    orderings: dict[str, tuple[str, ...]]
    sparql: str
    path: Path
    types: dict[str, str | dict[str, str]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The SPARQL under the configured base IRI (files are written with the default)."""
        base = base_iri()
        return self.sparql if base == DEFAULT_BASE_IRI else self.sparql.replace(DEFAULT_BASE_IRI, base)

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    def describe(self) -> dict:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "parameters": [p.describe() for p in self.parameters],
            "columns": list(self.columns),
            "orderings": list(self.orderings),
        }


def read_header(path: Path, text: str) -> dict:
    """The ``#+`` YAML header of a ``.rq`` file (named queries and QC checks alike)."""
    lines = []
    for line in text.splitlines():
        if line.startswith("#+"):
            lines.append(line[3:] if line.startswith("#+ ") else line[2:])
        elif line.strip() and not line.startswith("#"):
            break
    try:
        meta = yaml.safe_load("\n".join(lines)) or {}
    except yaml.YAMLError as err:
        raise _fail(path, f"header is not YAML: {err}") from err
    if not isinstance(meta, dict):
        raise _fail(path, "the #+ header must be YAML keys and values")
    return meta


def _fail(path: Path, message: str) -> QuerySyntaxError:
    return QuerySyntaxError(f"{path.name}: {message}")


def _parameter(path: Path, raw: dict) -> Parameter:
    if not isinstance(raw, dict) or "name" not in raw or raw.get("type") not in PARAMETER_TYPES:
        raise _fail(path, f"a parameter needs a name and a type in {PARAMETER_TYPES}: {raw!r}")
    unknown = set(raw) - {
        "name",
        "type",
        "description",
        "example",
        "required",
        "kinds",
        "values",
        "normalise",
    }
    if unknown:
        raise _fail(path, f"parameter {raw['name']!r} has unknown fields {sorted(unknown)}")
    if raw["type"] == "iri-of-kind" and not raw.get("kinds"):
        raise _fail(path, f"parameter {raw['name']!r} (iri-of-kind) needs kinds")
    if raw["type"] == "enum" and not raw.get("values"):
        raise _fail(path, f"parameter {raw['name']!r} (enum) needs values")
    return Parameter(
        name=raw["name"],
        type=raw["type"],
        description=str(raw.get("description", "")).strip(),
        example=None if raw.get("example") is None else str(raw["example"]),
        required=bool(raw.get("required", False)),
        kinds=tuple(raw.get("kinds", ())),
        values={str(k): str(v) for k, v in (raw.get("values") or {}).items()},
        normalise=bool(raw.get("normalise", False)),
    )


def _types(path: Path, raw: object, columns: tuple[str, ...]) -> dict[str, str | dict[str, str]]:
    if not isinstance(raw, dict):
        raise _fail(path, "types must map columns to a type")
    for column, kind in raw.items():
        if column not in columns:
            raise _fail(path, f"types names {column!r}, which is not a column")
        is_list = isinstance(kind, dict) and set(kind) == {"list"} and isinstance(kind["list"], str)
        if kind not in COLUMN_TYPES and not is_list:
            raise _fail(
                path, f"column {column!r}: type {kind!r} is not one of {COLUMN_TYPES} or {{list: SEP}}"
            )
    return dict(raw)


def parse_query_file(path: Path) -> NamedQuery:
    """One named query from its file; the header and the SPARQL are checked."""
    text = path.read_text(encoding="utf-8")
    meta = read_header(path, text)
    for key in ("title", "description", "columns"):
        if key not in meta:
            raise _fail(path, f"header needs {key!r}")
    query = NamedQuery(
        name=path.stem,
        title=str(meta["title"]).strip(),
        description=" ".join(str(meta["description"]).split()),
        parameters=tuple(_parameter(path, p) for p in meta.get("parameters") or []),
        columns=tuple(meta["columns"]),
        orderings={k: tuple(v) for k, v in (meta.get("orderings") or {}).items()},
        sparql=text,
        path=path,
        types=_types(path, meta.get("types") or {}, tuple(meta["columns"])),
    )
    _check_projection(query)
    return query


def _check_projection(query: NamedQuery) -> None:
    try:
        results = ox.Store().query(query.sparql)
    except SyntaxError as err:
        raise _fail(query.path, f"SPARQL does not parse: {err}") from err
    projected = {v.value for v in getattr(results, "variables", [])}
    needed = set(query.columns) | {p.name for p in query.parameters}
    for ordering in query.orderings.values():
        needed |= {c.lstrip("-") for c in ordering}
    missing = sorted(needed - projected)
    if missing:
        raise _fail(query.path, f"not in the SELECT projection: {', '.join(missing)}")


def load_catalogue(directory: Path = QUERIES_DIR) -> dict[str, NamedQuery]:
    """Every named query in ``directory`` (not ``qc/``), by name."""
    return {p.stem: parse_query_file(p) for p in sorted(directory.glob("*.rq"))}


def get_query(name: str, directory: Path = QUERIES_DIR) -> NamedQuery:
    catalogue = load_catalogue(directory)
    if name not in catalogue:
        raise NotFound(f"no named query {name!r}; known: {', '.join(catalogue)} (see `hcckg query --list`)")
    return catalogue[name]
