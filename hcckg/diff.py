"""``hcckg diff OLD NEW``: what changed between two builds, release files or source revisions.

A side is a store folder (a build in ``var/store.builds/``, or ``var/store`` itself), an RDF
file (a release's ``hcckg.ttl``, a dump's ``hcckg.nq``), a git revision of the sources
(``git:HEAD~1``, ``git:main``), or ``sources``: the sources as they are now, unbuilt (a
curator's edit before ``hcckg build``). Revisions and ``sources`` are assembled (validated and
reasoned) by the current code. The comparison is semantic:
it compares triples, not text, so reordering a file changes nothing.

What is compared: every graph but the build's own description (``graph/void``) and the
named-query catalogue (``graph/queries``). Provenance nodes (``rdf:Statement``) are not facts
of their own: each fact carries the sources its statements name, so a fact whose source
changed is reported as such. Blank nodes (the ontology's restrictions and lists) are compared
by their content. Changes are grouped by entity (the subject), with its label, into three
sections: ontology terms, results (``hcc:Outcome``) and the other facts.
"""

from __future__ import annotations

import dataclasses
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph as ox

from hcckg.ground import iris
from hcckg.ground.errors import HcckgError
from hcckg.ground.settings import PROJECT_ROOT, Settings
from hcckg.ground.terms import DCTERMS, HCC, OWL, RDF, RDFS, XSD, ontology_ns

FORMATS = ("text", "markdown", "html")
_TERM_TYPES = {
    OWL[k] for k in ("Class", "ObjectProperty", "DatatypeProperty", "AnnotationProperty", "Ontology")
}
_SKIPPED_GRAPHS = ("void", "queries")
_MAX_DEPTH = 50  # blank-node nesting (RDF lists of the ontology are at most a few dozen long)


class DiffError(HcckgError):
    """A side of the diff cannot be read."""


@dataclass(frozen=True)
class Fact:
    predicate: str
    value: str  # the object's display form (blank nodes by content)
    sources: frozenset[str] = frozenset()
    inferred: bool = False


@dataclass
class Side:
    """One side, reduced to facts per entity."""

    name: str
    facts: dict[str, dict[tuple[str, str], Fact]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    types: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class EntityChange:
    subject: str
    label: str
    status: str  # "added", "removed" or "changed"
    section: str  # "terms", "results" or "facts"
    added: list[Fact] = field(default_factory=list)
    removed: list[Fact] = field(default_factory=list)
    resourced: list[tuple[Fact, Fact]] = field(default_factory=list)  # same fact, other sources


@dataclass
class Diff:
    old: str
    new: str
    changes: list[EntityChange]

    def counts(self) -> dict[str, int]:
        out = {"added": 0, "removed": 0, "changed": 0}
        for change in self.changes:
            out[change.status] += 1
        return out


# -- reading a side -------------------------------------------------------------------------


def read_side(spec: str, settings: Settings) -> Side:
    """The facts of one side named on the command line (see the module docstring)."""
    if spec.startswith("git:"):
        return _side(spec, _from_revision(spec[4:], settings))
    if spec == "sources":
        from hcckg.pipeline import assemble

        graphs = assemble(settings).graphs
        return _side(
            spec, [ox.Quad(t.subject, t.predicate, t.object, g) for g, ts in graphs.items() for t in ts]
        )
    path = Path(spec)
    if path.is_dir():
        try:
            store = ox.Store.read_only(str(path.resolve()))
        except OSError as err:
            raise DiffError(f"{spec}: not a store that opens: {err}") from err
        return _side(spec, list(store))
    if path.is_file():
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".") if path.suffix != ".owl" else "rdf")
        if fmt is None:
            raise DiffError(f"{spec}: unknown RDF file extension {path.suffix!r}")
        try:
            return _side(spec, list(ox.parse(path=str(path), format=fmt)))
        except SyntaxError as err:
            raise DiffError(f"{spec}: does not parse: {err}") from err
    raise DiffError(
        f"{spec}: no such store folder or file (a git revision is written git:REV; the unbuilt sources: sources)"
    )


def _from_revision(revision: str, settings: Settings) -> list[ox.Quad]:
    """The graphs the sources at ``revision`` give, read and reasoned by the current code."""
    from hcckg.pipeline import assemble

    with tempfile.TemporaryDirectory(prefix="hcckg-diff-") as tmp:
        archive = subprocess.run(
            [
                "git",
                "-C",
                str(PROJECT_ROOT),
                "archive",
                "--format=tar",
                revision,
                "ontology/hcckg.ttl",
                "loaders/curated",
            ],
            capture_output=True,
        )
        if archive.returncode != 0:
            raise DiffError(f"git:{revision}: {archive.stderr.decode(errors='replace').strip()}")
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        sources = dataclasses.replace(settings, curated_dir=str(Path(tmp, "loaders", "curated")))
        assembled = assemble(sources, ontology_file=Path(tmp, "ontology", "hcckg.ttl"))
    return [
        ox.Quad(t.subject, t.predicate, t.object, g)
        for g, triples in assembled.graphs.items()
        for t in triples
    ]


def _side(name: str, quads: Iterable[ox.Quad | ox.Triple]) -> Side:
    skipped = {iris.graph(g) for g in _SKIPPED_GRAPHS}
    inferred_graph = iris.graph("inferred")
    triples: dict[ox.Triple, bool] = {}  # triple -> only in the inferred graph
    for q in quads:
        graph = getattr(q, "graph_name", None)
        if graph in skipped:
            continue
        triple = ox.Triple(q.subject, q.predicate, q.object)
        triples[triple] = triples.get(triple, True) and graph == inferred_graph
    statements = {t.subject for t in triples if t.predicate == RDF.type and t.object == RDF.Statement}
    parts: dict[ox.Term, dict[ox.NamedNode, ox.Term]] = defaultdict(dict)
    sources: dict[ox.Term, set[str]] = defaultdict(set)
    bnodes: dict[ox.BlankNode, list[tuple[ox.NamedNode, ox.Term]]] = defaultdict(list)
    objects = set()
    for t in triples:
        if t.subject in statements:
            if t.predicate == DCTERMS.source:
                sources[t.subject].add(_short(t.object))
            elif t.predicate in (RDF.subject, RDF.predicate, RDF.object):
                parts[t.subject][t.predicate] = t.object
        elif isinstance(t.subject, ox.BlankNode):
            bnodes[t.subject].append((t.predicate, t.object))
        if isinstance(t.object, ox.BlankNode):
            objects.add(t.object)
    cited: dict[tuple, set[str]] = defaultdict(set)
    for st, spo in parts.items():
        if len(spo) == 3:
            cited[(spo[RDF.subject], spo[RDF.predicate], spo[RDF.object])] |= sources[st]
    side = Side(name)
    canon: dict[ox.BlankNode, str] = {}
    for t, only_inferred in triples.items():
        if t.subject in statements or (isinstance(t.subject, ox.BlankNode) and t.subject in objects):
            continue
        subject = (
            _canonical(t.subject, bnodes, canon) if isinstance(t.subject, ox.BlankNode) else t.subject.value
        )
        value = _value(t.object, bnodes, canon)
        fact = Fact(
            t.predicate.value,
            value,
            frozenset(cited.get((t.subject, t.predicate, t.object), ())),
            only_inferred,
        )
        side.facts.setdefault(subject, {})[(fact.predicate, fact.value)] = fact
        if t.predicate == RDFS.label and isinstance(t.object, ox.Literal):
            side.labels.setdefault(subject, t.object.value)
        if t.predicate == RDF.type and isinstance(t.object, ox.NamedNode):
            side.types.setdefault(subject, set()).add(t.object.value)
    return side


def _value(term: ox.Term, bnodes: dict, canon: dict) -> str:
    if isinstance(term, ox.BlankNode):
        return _canonical(term, bnodes, canon)
    if isinstance(term, ox.NamedNode):
        return _short(term)
    if isinstance(term, ox.Literal):
        if term.language:
            return f'"{term.value}"@{term.language}'
        if term.datatype in (XSD.string, None):
            return f'"{term.value}"'
        if term.datatype in _NUMBERS:
            return _number(term.value)
        return (
            term.value if term.datatype.value.startswith(XSD) else f'"{term.value}"^^{_short(term.datatype)}'
        )
    return str(term)


_NUMBERS = {XSD[t] for t in ("decimal", "integer", "double", "float", "int", "long", "nonNegativeInteger")}


def _number(text: str) -> str:
    """One spelling per number: a store keeps 95.0 as 95 (its canonical form), a file as printed."""
    try:
        return format(Decimal(text).normalize(), "f")
    except InvalidOperation:
        return text


def _canonical(node: ox.BlankNode, bnodes: dict, canon: dict, depth: int = 0) -> str:
    """A blank node written as its content, ``[ p o ; … ]``, so that both sides agree."""
    if node in canon:
        return canon[node]
    if depth > _MAX_DEPTH:
        return "[ … ]"
    inner = sorted(
        f"{_short(p)} {_canonical(o, bnodes, canon, depth + 1) if isinstance(o, ox.BlankNode) else _value(o, bnodes, canon)}"
        for p, o in bnodes.get(node, ())
    )
    canon[node] = "[ " + " ; ".join(inner) + " ]"
    return canon[node]


def _short(term: ox.NamedNode | str) -> str:
    """A CURIE where hcckg knows the namespace; a source resource by its key alone."""
    iri = term.value if isinstance(term, ox.NamedNode) else term
    sources = iris.base_iri() + "resource/source/"
    return iri[len(sources) :] if iri.startswith(sources) else iris.curie(iri)


# -- comparing ------------------------------------------------------------------------------


def compare(old: Side, new: Side) -> Diff:
    changes = []
    for subject in sorted(set(old.facts) | set(new.facts)):
        before, after = old.facts.get(subject, {}), new.facts.get(subject, {})
        removed = [before[k] for k in sorted(set(before) - set(after))]
        added = [after[k] for k in sorted(set(after) - set(before))]
        resourced = [
            (before[k], after[k])
            for k in sorted(set(before) & set(after))
            if (before[k].sources, before[k].inferred) != (after[k].sources, after[k].inferred)
        ]
        if not (removed or added or resourced):
            continue
        status = "added" if not before else "removed" if not after else "changed"
        types = old.types.get(subject, set()) | new.types.get(subject, set())
        label = new.labels.get(subject) or old.labels.get(subject) or ""
        changes.append(
            EntityChange(subject, label, status, _section(subject, types), added, removed, resourced)
        )
    return Diff(old.name, new.name, changes)


def _section(subject: str, types: set[str]) -> str:
    if HCC.Outcome.value in types:
        return "results"
    if subject.startswith("[") or subject.startswith(ontology_ns()) or types & {t.value for t in _TERM_TYPES}:
        return "terms"
    return "facts"


def diff(old: str, new: str, settings: Settings) -> Diff:
    return compare(read_side(old, settings), read_side(new, settings))


__all__ = ["FORMATS", "Diff", "DiffError", "EntityChange", "Fact", "compare", "diff", "read_side"]
