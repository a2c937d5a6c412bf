"""The build pipeline: sources → validated triples → named graphs → the store.

``build`` assembles every graph from its source (ontology, reasoner output, the review's
curated facts, the named-query catalogue, VoID) and publishes them in one atomic step.
Registry graphs (``graph/ctgov/NCT…``, loaded by ``hcckg load ctgov``) are carried over.
Nothing in a graph depends on the time of the build, so building twice gives the same
triples; the build id is a hash of the inputs.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from graph import iris
from graph.errors import NotFound, StoreUnavailable
from graph.store import memory_store, open_store, publish
from hcckg import __version__
from hcckg.config import PROJECT_ROOT, Settings
from ontology.namespace import DCTERMS, OWL, PROV, RDF, RDFS, XSD

Progress = Callable[[str], None]
QC_DIRS = (PROJECT_ROOT / "ontology" / "qc", PROJECT_ROOT / "queries" / "qc")


def _nn(iri: str) -> ox.NamedNode:
    return ox.NamedNode(iri)


@dataclass
class BuildReport:
    counts: dict[str, int]
    build_id: str
    seconds: dict[str, float] = field(default_factory=dict)

    def summary(self) -> str:
        lines = [f"built store {self.build_id} ({sum(self.counts.values())} quads):"]
        lines += [f"  {count:>8}  <{name}>" for name, count in sorted(self.counts.items())]
        lines.append("  timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items()))
        return "\n".join(lines)


@dataclass
class Assembled:
    """The graphs built from the sources, before they are published."""

    graphs: dict[ox.NamedNode, list[ox.Triple]]
    build_id: str
    seconds: dict[str, float]


def _timed(seconds: dict[str, float], name: str, progress: Progress):
    class _Timer:
        def __enter__(self):
            progress(f"{name} …")
            self.start = time.perf_counter()
            return self

        def __exit__(self, *exc):
            seconds[name] = time.perf_counter() - self.start
            if exc[0] is None:
                progress(f"{name}: done in {seconds[name]:.2f}s")

    return _Timer()


def _source_hash(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def assemble(settings: Settings, progress: Progress = lambda _m: None) -> Assembled:
    """Parse, validate and convert every source; run the reasoner. Raises SourceError
    (all problems at once) or OntologyInconsistent before anything is written."""
    from loaders.curated import load
    from ontology.build import ONTOLOGY_FILE, ontology_triples
    from ontology.reasoning import reason
    from queries.shacl import catalogue_triples

    seconds: dict[str, float] = {}
    with _timed(seconds, "ontology", progress):
        tbox = ontology_triples()
    with _timed(seconds, "curated sources", progress):
        abox = load(settings.curated_path)
    with _timed(seconds, "reasoning", progress):
        inferred = reason(tbox, abox).inferred
    with _timed(seconds, "named queries", progress):
        catalogue = catalogue_triples()

    inputs = [ONTOLOGY_FILE, *sorted(settings.curated_path.glob("*.yaml"))]
    inputs += sorted((PROJECT_ROOT / "queries").glob("*.rq"))
    build_id = _source_hash(inputs)
    graphs = {
        iris.graph("ontology"): tbox,
        iris.graph("review"): abox,
        iris.graph("inferred"): inferred,
        iris.graph("queries"): catalogue,
    }
    void = iris.graph("void")
    graphs[void] = _provenance([*graphs, void], build_id) + _void(graphs, settings)
    return Assembled(graphs, build_id, seconds)


def _provenance(graphs: list[ox.NamedNode], build_id: str) -> list[ox.Triple]:
    """PROV-O on each named graph: what it was derived from, and by which build."""
    review = iris.resource("source", "ascari-2026")
    derived = {
        "ontology": [_nn(iris.rebase("https://w3id.org/hcckg/ontology"))],
        "review": [review],
        "inferred": [iris.graph("ontology"), iris.graph("review")],
        "queries": [],
        "void": [],
    }
    activity = _nn(f"{iris.base_iri()}build/{build_id}")
    out = [
        ox.Triple(activity, _nn(RDF + "type"), _nn(PROV + "Activity")),
        ox.Triple(activity, _nn(RDFS + "label"), ox.Literal(f"hcckg build {build_id}")),
        ox.Triple(activity, _nn(OWL + "versionInfo"), ox.Literal(__version__)),
    ]
    for name in graphs:
        short = name.value.rsplit("/", 1)[-1]
        out.append(ox.Triple(name, _nn(RDF + "type"), _nn(PROV + "Entity")))
        out.append(ox.Triple(name, _nn(PROV + "wasGeneratedBy"), activity))
        for source in derived.get(short, []):
            out.append(ox.Triple(name, _nn(PROV + "wasDerivedFrom"), source))
    return out


def _void(graphs: dict[ox.NamedNode, list[ox.Triple]], settings: Settings) -> list[ox.Triple]:
    try:
        from graph.void import void_triples
    except ImportError:
        return []
    store = memory_store()
    for name, triples in graphs.items():
        store.replace_graph(name, triples)
    return void_triples(store, settings)


def build(settings: Settings, progress: Progress = lambda _m: None) -> BuildReport:
    """Rebuild the store from the sources, atomically (a failure leaves the old store)."""
    assembled = assemble(settings, progress)
    with _timed(assembled.seconds, "store", progress):
        counts = publish(settings, assembled.graphs, keep_others=True, progress=progress)
    return BuildReport(counts, assembled.build_id, assembled.seconds)


def load_ctgov(settings: Settings, path: str, progress: Progress = lambda _m: None):
    """Load ClinicalTrials.gov records into their per-record graphs.

    The loader (``loaders.ctgov.load_into_store(settings, path, progress)``) validates the
    whole batch first and publishes it in one atomic step; it returns a report with
    ``.summary()``."""
    from loaders.ctgov import load_into_store

    return load_into_store(settings, Path(path), progress=progress)


# -- QC -------------------------------------------------------------------------------------


@dataclass
class QCReport:
    findings: list  # ontology.qc.Finding
    checks: int

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def render(self, fmt: str = "text") -> str:
        rows = [f.as_dict() for f in self.findings]
        if fmt == "json":
            return json.dumps({"checks": self.checks, "ok": self.ok, "findings": rows}, indent=2)
        if fmt == "tsv":
            buf = io.StringIO()
            writer = csv.writer(buf, delimiter="\t", lineterminator="\n")
            writer.writerow(["check", "severity", "details"])
            for row in rows:
                writer.writerow([row["check"], row["severity"], json.dumps(row["row"], ensure_ascii=False)])
            return buf.getvalue()
        if not rows:
            return f"qc: {self.checks} checks, no findings"
        lines = []
        current = None
        for finding in self.findings:
            if finding.check != current:
                current = finding.check
                lines.append(f"\n[{finding.severity}] {finding.check}: {finding.description}")
            lines.append("  - " + "; ".join(f"{k}={v}" for k, v in finding.row.items()))
        errors = sum(f.severity == "error" for f in self.findings)
        head = f"qc: {self.checks} checks, {len(self.findings)} findings ({errors} errors)"
        return head + "\n".join(lines)


def run_qc(settings: Settings, fmt: str = "text", progress: Progress = lambda _m: None) -> QCReport:
    """Check the current sources (not the last build) plus the registry graphs in the store,
    so a curator sees the effect of an edit without building."""
    from ontology.qc import run_checks

    assembled = assemble(settings, progress)
    store = memory_store()
    for name, triples in assembled.graphs.items():
        store.replace_graph(name, triples)
    try:
        built = open_store(settings)
        ctgov_prefix = iris.graph("ctgov").value + "/"
        for name in built.graphs():
            if name.value.startswith(ctgov_prefix):
                store.replace_graph(name, built.quads(name))
    except StoreUnavailable:
        pass
    paths = sorted(p for d in QC_DIRS for p in d.glob("*.rq"))
    return QCReport(run_checks(store, paths), len(paths))


# -- export ---------------------------------------------------------------------------------

EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "trig": ox.RdfFormat.TRIG,
    "jsonld": ox.RdfFormat.JSON_LD,
}
_TRIPLE_ONLY = {"turtle", "ntriples"}


def export(settings: Settings, fmt: str, output: str, graph: str | None = None) -> None:
    """Dump the store (or one graph). Triple formats without --graph merge all graphs."""
    store = open_store(settings)
    target = None
    if graph:
        target = _nn(graph) if ":" in graph else iris.graph(graph)
        if target not in store.graphs():
            raise NotFound(f"no graph <{target.value}> in the store; see `hcckg query` for the list")
    rdf_format = EXPORT_FORMATS[fmt]
    sink = sys.stdout.buffer if output == "-" else open(output, "wb")  # noqa: SIM115
    try:
        if target is None and fmt in _TRIPLE_ONLY:
            ox.serialize((q.triple for q in store.quads()), sink, rdf_format)
        else:
            store.dump(sink, rdf_format, target)
    finally:
        if sink is not sys.stdout.buffer:
            sink.close()


__all__ = ["build", "assemble", "run_qc", "export", "load_ctgov", "XSD", "DCTERMS"]
