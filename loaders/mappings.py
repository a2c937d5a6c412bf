"""The external identifiers of hcckg's entities, kept as an SSSOM mapping set.

``loaders/curated/mappings.sssom.tsv`` is a Simple Standard for Sharing Ontological Mappings
(SSSOM) table, as MONDO and the OBO Foundry keep theirs: a YAML metadata block in ``#`` lines
(``mapping_set_id``, ``license``, ``curie_map``), then one row per mapping with
``subject_id`` (an hcckg drug, target or process, as ``hcckg.drug:lenvatinib``),
``predicate_id`` (``skos:exactMatch``, …), ``object_id`` (``CHEMBL.COMPOUND:CHEMBL1289601``),
``mapping_justification`` and a ``comment`` saying where the identifier was confirmed. Only
identifiers the identifier notes (``loaders/curated/identifier-notes.md``) mark CONFIRMED are
there. The table is curated as it is; the ``sssom`` package validates it in the tests.

:func:`read` checks every row (subject curated, predicate a SKOS mapping property, object in
a known scheme with the scheme's syntax) and names each problem by file, line and column, all
at once; :func:`triples` gives each mapping as a triple plus its provenance, sourced to the
table itself (the source record ``hcckg-mappings``). The server publishes the file at
``/mappings/hcckg.sssom.tsv`` (the ``mapping_set_id``).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import yaml

from hcckg.ground import iris
from hcckg.ground.errors import Problem
from hcckg.ground.provenance import statement_triples

FILE_NAME = "mappings.sssom.tsv"
SOURCE = "hcckg-mappings"  # the source record of the table (sources.yaml)
# Subjects: hcckg's own resources, one prefix per kind of record that has mappings.
SUBJECTS = {"hcckg.drug": "drug", "hcckg.target": "target", "hcckg.process": "process"}
PREDICATES = {
    f"skos:{name}": f"http://www.w3.org/2004/02/skos/core#{name}"
    for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
}
# Object schemes: their IRI prefix (as the graph has always written them) and the local id's syntax.
SCHEMES: dict[str, tuple[str, re.Pattern[str]]] = {
    "CHEMBL.COMPOUND": ("https://identifiers.org/chembl.compound:", re.compile(r"CHEMBL\d+")),
    "DRUGBANK": ("https://identifiers.org/drugbank:", re.compile(r"DB\d{5}")),
    "WIKIDATA": ("http://www.wikidata.org/entity/", re.compile(r"Q[1-9]\d*")),
    "NCIT": ("http://purl.obolibrary.org/obo/NCIT_", re.compile(r"C\d+")),
    "HGNC": ("https://identifiers.org/hgnc:", re.compile(r"[1-9]\d*")),
    "UniProtKB": (
        "http://purl.uniprot.org/uniprot/",
        re.compile(r"[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2}"),
    ),
    "NCBIGene": ("https://identifiers.org/ncbigene:", re.compile(r"[1-9]\d*")),
    "GO": ("http://purl.obolibrary.org/obo/GO_", re.compile(r"\d{7}")),
}
REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
REQUIRED_METADATA = ("mapping_set_id", "license", "curie_map")


@dataclass(frozen=True)
class Mapping:
    subject: ox.NamedNode
    predicate: ox.NamedNode
    object: ox.NamedNode
    line: int
    comment: str = ""


def read(path: Path, known: dict[str, set[str] | None], problems: list[Problem]) -> list[Mapping]:
    """The mappings of the table at ``path``; ``known`` gives the curated keys of each kind
    (``{"drug": {...}}``; ``None`` for a kind whose file did not parse: not checked). Every
    problem goes into ``problems``, with its line and column."""
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        problems.append(Problem(where, f"cannot read: {err}"))
        return []
    lines = text.splitlines()
    header = [ln[1:] for ln in lines if ln.startswith("#")]
    body_start = next((i for i, ln in enumerate(lines) if not ln.startswith("#")), len(lines))
    try:
        metadata = yaml.safe_load("\n".join(h[1:] if h.startswith(" ") else h for h in header)) or {}
    except yaml.YAMLError as err:
        problems.append(Problem(where, f"the # metadata block is not YAML: {err}", line=1))
        return []
    for key in REQUIRED_METADATA:
        if key not in metadata:
            problems.append(
                Problem(where, "missing metadata (an SSSOM mapping set needs it)", line=1, field=key)
            )
    rows = list(csv.reader(io.StringIO("\n".join(lines[body_start:])), delimiter="\t"))
    if not rows:
        problems.append(Problem(where, "no header row and no mappings", line=body_start + 1))
        return []
    columns = rows[0]
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.append(Problem(where, "missing column", line=body_start + 1, field=name))
    if any(name not in columns for name in REQUIRED_COLUMNS):
        return []
    out: list[Mapping] = []
    seen: dict[tuple[str, str, str], int] = {}
    for n, values in enumerate(rows[1:], start=body_start + 2):
        if not any(v.strip() for v in values):
            continue
        row = dict(zip(columns, values, strict=False))
        mapping = _row(where, n, row, known, problems)
        if mapping is None:
            continue
        key = (mapping.subject.value, mapping.predicate.value, mapping.object.value)
        if key in seen:
            problems.append(
                Problem(where, f"the same mapping as line {seen[key]}", line=n, field="object_id")
            )
            continue
        seen[key] = n
        out.append(mapping)
    return out


def _row(where: str, n: int, row: dict[str, str], known: dict[str, set[str] | None], problems: list[Problem]):
    ok = True
    subject_prefix, _, subject_key = row.get("subject_id", "").partition(":")
    kind = SUBJECTS.get(subject_prefix)
    if kind is None:
        problems.append(
            Problem(
                where,
                f"unknown subject prefix {subject_prefix!r}; use one of {', '.join(SUBJECTS)}",
                line=n,
                field="subject_id",
            )
        )
        ok = False
    elif known.get(kind, set()) is not None and subject_key not in known.get(kind, set()):
        problems.append(Problem(where, f"no curated {kind} {subject_key!r}", line=n, field="subject_id"))
        ok = False
    predicate = PREDICATES.get(row.get("predicate_id", ""))
    if predicate is None:
        problems.append(
            Problem(where, f"predicate must be one of {', '.join(PREDICATES)}", line=n, field="predicate_id")
        )
        ok = False
    scheme, _, local = row.get("object_id", "").partition(":")
    if scheme not in SCHEMES:
        problems.append(
            Problem(
                where, f"unknown scheme {scheme!r}; known: {', '.join(SCHEMES)}", line=n, field="object_id"
            )
        )
        ok = False
    elif not SCHEMES[scheme][1].fullmatch(local):
        problems.append(Problem(where, f"malformed {scheme} identifier {local!r}", line=n, field="object_id"))
        ok = False
    if not row.get("mapping_justification", "").startswith("semapv:"):
        problems.append(
            Problem(
                where,
                "mapping_justification must be a semapv: term (e.g. semapv:ManualMappingCuration)",
                line=n,
                field="mapping_justification",
            )
        )
        ok = False
    if not ok:
        return None
    return Mapping(
        iris.resource(kind, subject_key),
        ox.NamedNode(predicate),
        ox.NamedNode(SCHEMES[scheme][0] + local),
        n,
        row.get("comment", ""),
    )


def triples(mappings: list[Mapping]) -> list[ox.Triple]:
    """Each mapping as a triple, with its provenance: the table is the source."""
    source = iris.resource("source", SOURCE)
    out: list[ox.Triple] = []
    for m in mappings:
        out.append(ox.Triple(m.subject, m.predicate, m.object))
        out += statement_triples(m.subject, m.predicate, m.object, source, note=m.comment or None)
    return out


__all__ = ["FILE_NAME", "SOURCE", "Mapping", "read", "triples"]
