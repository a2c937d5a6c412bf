"""The curated sources (``loaders/curated/*.yaml``): parse, validate, convert to triples.

``load()`` is the one call the build uses. It reads every curated file, checks it (syntax,
references, SHACL shapes) and returns the triples of the ``review`` graph, or raises one
:class:`~hcckg.ground.errors.SourceError` that lists every problem of the run with file, line,
record and field. The curation guide is ``loaders/curated/README.md``.

Every fact becomes a triple plus its provenance: an ``rdf:Statement`` node naming the
triple and its ``dcterms:source`` (ARCHITECTURE.md, "Fact provenance").
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import yaml

from hcckg.ground import iris
from hcckg.ground.errors import Problem, SourceError
from hcckg.ground.terms import DCTERMS, HCC, RDF, RDFS, SKOS, XSD
from hcckg.loaders import validate
from hcckg.loaders.records import (
    FILES,
    Agent,
    Arm,
    Claim,
    Mechanism,
    Outcome,
    Process,
    Record,
    Regimen,
    Source,
    Study,
    Target,
)

DEFAULT_DIR = Path(__file__).resolve().parent / "curated"
REVIEW = "ascari-2026"
IDENTIFIER_NOTES = "hcckg-identifier-notes"
UNREADABLE = ("YAML syntax", "cannot read")


# -- reading YAML with line numbers -----------------------------------------------------
class LineDict(dict):
    """A YAML mapping that remembers its own line and the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class LineList(list):
    line: int = 0
    item_lines: list[int]


class _Loader(yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):  # type: ignore[misc]
    pass


def _mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line, out.key_lines = node.start_mark.line + 1, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            # A repeated key would silently win in plain YAML: report it like any problem.
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _sequence(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line, out.item_lines = node.start_mark.line + 1, [c.start_mark.line + 1 for c in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def read_yaml(path: Path, problems: list[Problem]) -> list:
    """The list of items of one curated file; a syntax error becomes a Problem."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 (safe loader)
    except yaml.MarkedYAMLError as err:
        # The context mark is where the broken construct starts (an unclosed bracket), which
        # is where the curator must look; the problem mark is where the parser gave up.
        mark = err.context_mark or err.problem_mark
        line = mark.line + 1 if mark else None
        message = f"{UNREADABLE[0]}: {err.context + ', ' if err.context else ''}{err.problem or err}"
        if err.problem_mark and err.context_mark:
            message += f" (noticed at line {err.problem_mark.line + 1})"
        problems.append(Problem(str(path), message, line=line))
        return []
    except yaml.reader.ReaderError as err:  # a character YAML does not allow (a NUL, a control)
        line = text[: err.position].count("\n") + 1
        problems.append(
            Problem(
                str(path), f"{UNREADABLE[0]}: character {err.character!r} is not allowed in YAML", line=line
            )
        )
        return []
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        problems.append(
            Problem(str(path), f"{UNREADABLE[1]}: not UTF-8 (byte {raw[err.start]:#04x})", line=line)
        )
        return []
    except OSError as err:
        problems.append(Problem(str(path), f"{UNREADABLE[1]}: {err}"))
        return []
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(Problem(str(path), "a curated file is a YAML list of records", line=1))
        return []
    return data


# -- raw YAML -> records ------------------------------------------------------------------
def _claims(raw: Any, line: int, default: tuple[str, ...], many: bool) -> list[Claim]:
    """A field's YAML value as claims: a scalar, ``{value:, source:, note:, source_issue:}``,
    or a list of either (several values, or several sources' versions of one value)."""
    if isinstance(raw, LineList):
        return [
            c for item, ln in zip(raw, raw.item_lines, strict=True) for c in _claims(item, ln, default, many)
        ]
    if isinstance(raw, LineDict) and ("value" in raw or "one_of" in raw):
        value = raw.get("value", None)
        if "one_of" in raw:
            value = ("one_of", tuple(raw["one_of"]) if isinstance(raw["one_of"], list) else raw["one_of"])
        sources = raw.get("source", default)
        sources = tuple(sources) if isinstance(sources, list | tuple) else (sources,)
        return [Claim(value, sources, raw.line, raw.get("note"), raw.get("source_issue"))]
    return [Claim(raw, default, line)]


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
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if "type" not in f.metadata or f.name not in raw or f.name == "arms":
            continue
        # External identifiers come from the identifier notes, not from the review.
        default = (IDENTIFIER_NOTES,) if f.metadata["type"] in validate.EXTERNAL_IDS else sources
        claims = _claims(raw[f.name], raw.key_lines[f.name], default, f.metadata["many"])
        values[f.name] = claims
    record = cls(key=str(key), path=path, line=raw.line, source=sources, **values, **extra)
    if isinstance(record, Study) and "arms" in raw:
        arms = raw["arms"] if isinstance(raw["arms"], LineList) else LineList()
        for item, ln in zip(arms, getattr(arms, "item_lines", []), strict=False):
            arm = _record(Arm, item, path, ln, problems, study=record.key, source=list(sources))
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
    """A readable, stable key: study, arm, subgroup, line, endpoint, and the source."""
    source = raw.get("source", "")
    source = source[0] if isinstance(source, list) and source else source
    short = str(source).removeprefix(REVIEW + "-") if source != REVIEW else "text"
    parts = [raw.get("study"), raw.get("arm"), raw.get("subgroup"), raw.get("line_of_therapy")]
    line = raw.get("line_of_therapy")
    parts[3] = f"line-{line}" if line is not None else None
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


# -- records -> triples -------------------------------------------------------------------
def _nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


TYPE, LABEL, ALT, DEFINITION = (
    RDF.type,
    RDFS.label,
    SKOS.altLabel,
    SKOS.definition,
)
COMMENT, EXACT, BROADER = RDFS.comment, SKOS.exactMatch, SKOS.broader
EDITORIAL, IS_PART_OF, SEE_ALSO = (
    SKOS.editorialNote,
    DCTERMS.isPartOf,
    RDFS.seeAlso,
)
STATEMENT, SOURCE = RDF.Statement, DCTERMS.source
SUBJ, PRED, OBJ = RDF.subject, RDF.predicate, RDF.object

# External identifiers (only CONFIRMED ones are curated) as skos:exactMatch IRIs.
EXTERNAL = {
    "chembl": "https://identifiers.org/chembl.compound:{}",
    "drugbank": "https://identifiers.org/drugbank:{}",
    "wikidata": "http://www.wikidata.org/entity/{}",
    "ncit": "http://purl.obolibrary.org/obo/NCIT_{}",
    "hgnc": "https://identifiers.org/hgnc:{}",
    "uniprot": "http://purl.uniprot.org/uniprot/{}",
    "ncbigene": "https://identifiers.org/ncbigene:{}",
    "go": "http://purl.obolibrary.org/obo/GO_{}",
}
STUDY_CLASS = {"trial": "ClinicalTrial", "observational": "ObservationalStudy"}
PERCENTS = {
    "percent_child_pugh_a": "percentChildPughA",
    "percent_bclc_c": "percentBCLCC",
    "percent_mvi": "percentMVI",
    "percent_extrahepatic_spread": "percentExtrahepaticSpread",
}
VALUE_KINDS = {
    "phase": ("phase", "hasPhase"),
    "status": ("status", "hasStatus"),
    "design": ("design", "hasDesign"),
}


def _literal(value: Any) -> ox.Literal:
    if isinstance(value, bool):
        return ox.Literal("true" if value else "false", datatype=XSD.boolean)
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=XSD.integer)
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=XSD.decimal)
    return ox.Literal(str(value))


class _Graph:
    """Collects triples, their provenance, and where each subject was curated."""

    def __init__(self, studies: dict[str, Study]):
        self.triples: list[ox.Triple] = []
        self.seen: set[ox.Triple] = set()
        self.origins: dict[str, tuple[str, int, str]] = {}
        self.studies = studies

    def add(self, triple: ox.Triple) -> None:
        if triple not in self.seen:
            self.seen.add(triple)
            self.triples.append(triple)

    def fact(self, s: ox.NamedNode, p: ox.NamedNode, o: Any, claim: Claim | tuple[str, ...]) -> None:
        """The triple and one provenance node per source of the claim."""
        sources = claim.sources if isinstance(claim, Claim) else claim
        self.add(ox.Triple(s, p, o))
        for key in sources:
            src = iris.resource("source", key)
            st = iris.statement(s, p, o, src)
            for triple in (
                ox.Triple(st, TYPE, STATEMENT),
                ox.Triple(st, SUBJ, s),
                ox.Triple(st, PRED, p),
                ox.Triple(st, OBJ, o),
                ox.Triple(st, SOURCE, src),
            ):
                self.add(triple)
            if isinstance(claim, Claim) and claim.note:
                self.add(ox.Triple(st, HCC.sourceNote, ox.Literal(claim.note)))
            if isinstance(claim, Claim) and claim.issue:
                self.add(ox.Triple(st, EDITORIAL, ox.Literal(claim.issue)))

    def each(self, s: ox.NamedNode, p: ox.NamedNode, claims: list[Claim], to_object) -> None:
        for claim in claims:
            self.fact(s, p, to_object(claim.value), claim)

    def entity(self, record: Record, iri: ox.NamedNode, classes: list[str]) -> None:
        self.origins[iri.value] = (record.path, record.line, record.key)
        for name in classes:
            self.fact(iri, TYPE, getattr(HCC, name), record.source)
        self.each(iri, LABEL, getattr(record, "label", []), ox.Literal)
        self.each(iri, ALT, getattr(record, "synonyms", []), ox.Literal)
        self.each(iri, DEFINITION, getattr(record, "definition", []), ox.Literal)
        notes = getattr(record, "note", [])
        self.each(iri, HCC.sourceNote, notes, ox.Literal)

    def study_iri(self, key: str) -> ox.NamedNode:
        study = self.studies.get(key)
        return iris.resource(study.iri_kind if study else "trial", key)


def _local_id(value: Any) -> str:
    """``GO:0001525`` -> ``0001525``, ``HGNC:8760`` -> ``8760``; other ids unchanged."""
    text = str(value)
    return text.split(":", 1)[1] if text.startswith(("GO:", "HGNC:")) else text


def _external(g: _Graph, iri: ox.NamedNode, record: Record, names: list[str]) -> None:
    for name in names:
        g.each(iri, EXACT, getattr(record, name), lambda v, n=name: _nn(EXTERNAL[n].format(_local_id(v))))


def _source(g: _Graph, r: Source) -> None:
    iri = iris.resource("source", r.key)
    kind = r.source_kind[0].value if r.source_kind else "reference"
    g.entity(r, iri, ["Source"] + (["Publication"] if kind in ("review", "reference") else []))
    g.each(iri, IS_PART_OF, r.part_of, lambda v: iris.resource("source", v))
    g.each(iri, HCC.referenceNumber, r.reference_number, _literal)
    g.each(iri, HCC.pmid, r.pmid, lambda v: ox.Literal(str(v)))
    g.each(iri, HCC.doi, r.doi, lambda v: ox.Literal(str(v)))
    g.each(iri, SEE_ALSO, r.url, _nn)


def _target(g: _Graph, r: Target) -> None:
    iri = iris.resource("target", r.key)
    g.entity(r, iri, [c.value for c in r.classes])
    g.each(iri, HCC.hasComponent, r.components, lambda v: iris.resource("target", v))
    _external(g, iri, r, ["hgnc", "uniprot", "ncbigene"])


def _agent(g: _Graph, r: Agent) -> None:
    iri = iris.resource("drug", r.key)
    g.entity(r, iri, [c.value for c in r.modality])
    g.each(iri, HCC.hasTarget, r.targets, lambda v: iris.resource("target", v))
    g.each(iri, HCC.developerCode, r.developer_codes, ox.Literal)
    _external(g, iri, r, ["chembl", "drugbank", "wikidata", "ncit"])


def _process(g: _Graph, r: Process) -> None:
    iri = iris.resource("process", r.key)
    g.entity(r, iri, ["BiologicalProcess"])
    _external(g, iri, r, ["go"])


def _mechanism(g: _Graph, r: Mechanism) -> None:
    iri = iris.resource("mechanism", r.key)
    g.entity(r, iri, ["ResistanceMechanism"])
    for claim in r.targets:
        g.fact(iris.resource("target", claim.value), HCC.implicatedIn, iri, claim)
    for claim in r.addressed_by:
        g.fact(iris.resource("drug", claim.value), HCC.addressesMechanism, iri, claim)
    g.each(iri, HCC.involvesProcess, r.processes, lambda v: iris.resource("process", v))
    g.each(iri, HCC.arisesAfterRegimen, r.after_regimens, lambda v: iris.resource("regimen", v))


def _regimen(g: _Graph, r: Regimen) -> None:
    iri = iris.resource("regimen", r.key)
    g.entity(r, iri, ["Regimen"])
    g.each(iri, HCC.hasComponent, r.components, lambda v: iris.resource("drug", v))
    g.each(iri, BROADER, r.broader, lambda v: iris.resource("regimen", v))


def _drug_keys(value: Any) -> list[str]:
    if isinstance(value, tuple) and value and value[0] == "one_of":
        return [str(v) for v in value[1]]
    return [str(value)]


def _study(g: _Graph, r: Study) -> None:
    iri = g.study_iri(r.key)
    g.entity(
        r, iri, ["Study", STUDY_CLASS.get(r.study_kind[0].value, "Study")] if r.study_kind else ["Study"]
    )
    g.each(iri, HCC.nctId, r.nct_id, ox.Literal)
    g.each(iri, HCC.acronym, r.acronym, ox.Literal)
    g.each(iri, HCC.isPostICISecondLine, r.post_ici_second_line, _literal)
    for name, (kind, prop) in VALUE_KINDS.items():
        g.each(iri, getattr(HCC, prop), getattr(r, name), lambda v, k=kind: iris.resource(k, str(v)))
    g.each(iri, HCC.enrollment, r.enrollment, _literal)
    for claim in r.region:
        region = iris.resource("region", iris.slug(str(claim.value)))
        g.fact(iri, HCC.hasRegion, region, claim)
        g.fact(region, TYPE, HCC.Region, claim)
        g.fact(region, LABEL, ox.Literal(str(claim.value)), claim)
    g.each(iri, HCC.primaryEndpoint, r.primary_endpoints, lambda v: iris.resource("endpoint", str(v)))
    for name, prop in PERCENTS.items():
        g.each(iri, getattr(HCC, prop), getattr(r, name), lambda v: _literal(float(v)))
    g.each(iri, HCC.describedInSource, r.described_in, lambda v: iris.resource("source", v))
    if r.prior_regimens or r.child_pugh or r.ps or r.bclc or r.population:
        pop = iris.resource("population", r.key)
        g.origins[pop.value] = (r.path, r.line, r.key)
        g.fact(iri, HCC.hasPopulation, pop, r.source)
        g.fact(pop, TYPE, HCC.Population, r.source)
        g.fact(pop, LABEL, ox.Literal(f"Population of {r.key}"), r.source)
        g.each(pop, COMMENT, r.population, ox.Literal)
        g.each(pop, HCC.requiresPriorRegimen, r.prior_regimens, lambda v: iris.resource("regimen", v))
        g.each(pop, HCC.allowsChildPugh, r.child_pugh, lambda v: iris.resource("childpugh", str(v)))
        g.each(pop, HCC.allowsPerformanceStatus, r.ps, lambda v: iris.resource("ps", str(v)))
        g.each(pop, HCC.allowsBCLCStage, r.bclc, lambda v: iris.resource("bclc", str(v)))
    for arm in r.arms:
        _arm(g, iri, arm)


def _arm(g: _Graph, study: ox.NamedNode, r: Arm) -> None:
    iri = iris.resource("arm", r.key)
    g.entity(r, iri, ["StudyArm"])
    g.fact(study, HCC.hasArm, iri, r.source)
    g.fact(iri, HCC.armOf, study, r.source)
    g.each(iri, HCC.armRole, r.role, lambda v: iris.resource("arm-role", str(v)))
    for claim in r.drugs:
        for key in _drug_keys(claim.value):
            g.fact(iri, HCC.includesAgent, iris.resource("drug", key), claim)
    # A choice ("lenvatinib or sorafenib") is one agent given, so it counts once.
    sources = tuple(dict.fromkeys(s for c in r.drugs for s in c.sources)) or r.source
    g.fact(iri, HCC.agentCount, _literal(len(r.drugs)), sources)
    g.each(iri, HCC.dose, r.doses, ox.Literal)
    # hcc:enrollment belongs to studies; an arm's patients are its hcc:count.
    g.each(iri, HCC.count, r.enrollment, _literal)


def _outcome(g: _Graph, r: Outcome) -> None:
    iri = iris.resource("outcome", r.key)
    label = r.label or [Claim(outcome_label(r), r.source, r.line)]
    g.entity(dataclasses.replace(r, label=label), iri, ["Outcome"])
    study_key = str(r.study[0].value) if r.study else ""
    g.each(iri, HCC.outcomeOfStudy, r.study, lambda v: g.study_iri(str(v)))
    g.each(iri, HCC.outcomeOfArm, r.arm, lambda v: iris.resource("arm", f"{study_key}-{v}"))
    g.each(iri, HCC.measuresEndpoint, r.endpoint, lambda v: iris.resource("endpoint", str(v)))
    g.each(iri, HCC.value, r.value, lambda v: _literal(float(v)))
    g.each(iri, HCC.hasUnit, r.unit, lambda v: iris.resource("unit", str(v)))
    g.each(iri, HCC.ciLower, r.ci_lower, lambda v: _literal(float(v)))
    for claim in r.ci_upper:
        if isinstance(claim.value, int | float) and not isinstance(claim.value, bool):
            g.fact(iri, HCC.ciUpper, _literal(float(claim.value)), claim)
        else:
            g.fact(iri, HCC.sourceNote, ox.Literal(f"upper confidence limit {claim.value}"), claim)
    g.each(iri, HCC.ciLevel, r.ci_level, lambda v: _literal(float(v)))
    g.each(iri, HCC.lineOfTherapy, r.line_of_therapy, _literal)
    g.each(iri, HCC.subgroup, r.subgroup, ox.Literal)
    g.each(iri, HCC.count, r.count, _literal)
    g.each(iri, HCC.denominator, r.denominator, _literal)
    for key in r.source:
        g.fact(iri, HCC.reportedIn, iris.resource("source", key), (key,))


def outcome_label(r: Outcome) -> str:
    parts = [
        str(r.endpoint[0].value) if r.endpoint else "outcome",
        "of",
        str(r.study[0].value) if r.study else "?",
    ]
    if r.arm:
        parts.append(f"arm {r.arm[0].value}")
    if r.subgroup:
        parts.append(f"({r.subgroup[0].value})")
    if r.line_of_therapy:
        parts.append(f"line {r.line_of_therapy[0].value}")
    return " ".join(parts) + f" [{', '.join(r.source)}]"


CONVERTERS = {
    Source: _source,
    Target: _target,
    Agent: _agent,
    Process: _process,
    Mechanism: _mechanism,
    Regimen: _regimen,
    Study: _study,
    Outcome: _outcome,
}


def convert(records: list[Record]) -> tuple[list[ox.Triple], dict[str, tuple[str, int, str]]]:
    """Triples and, for each subject IRI, the (file, line, record key) it was curated at."""
    g = _Graph({r.key: r for r in records if isinstance(r, Study)})
    for record in records:
        CONVERTERS[type(record)](g, record)
    return g.triples, g.origins


def to_triples(records: list[Record]) -> list[ox.Triple]:
    return convert(records)[0]


def load(path: Path = DEFAULT_DIR, *, shapes: bool = True) -> list[ox.Triple]:
    """Parse, validate and convert the curated sources: the triples of the review graph.
    Raises SourceError listing every problem found (form, references, shapes)."""
    records, problems = _parse(Path(path))
    if any(p.message.startswith(UNREADABLE) for p in problems):
        # Records of an unreadable file are missing; checking references now would only
        # report every link to them as dangling.
        raise SourceError(problems)
    problems += validate.check_records(records)
    if problems:
        raise SourceError(problems)
    triples, origins = convert(records)
    if shapes:
        problems += validate.check_shapes(triples, origins)
    if problems:
        raise SourceError(problems)
    return triples
