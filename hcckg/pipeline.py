"""The build pipeline, above the stages: sources → validated triples → named graphs → the store.

``build`` assembles every graph from its source (ontology, reasoner output, the review's
curated facts, the named-query catalogue, VoID) and publishes them in one atomic step.
Registry graphs (``graph/ctgov/NCT…``, loaded by :func:`load_ctgov`) are carried over.
Nothing in a graph depends on the time of the build, so building twice gives the same
triples; the build id is a hash of the inputs.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from hcckg import __version__
from hcckg.graph.store import is_remote, memory_store, open_store, publish
from hcckg.graph.void import void_triples
from hcckg.ground import iris
from hcckg.ground.errors import StoreUnavailable
from hcckg.ground.settings import Settings
from hcckg.ground.terms import HCC, OWL, PROV, RDF, RDFS
from hcckg.loaders import ctgov
from hcckg.loaders.curated import load
from hcckg.ontology.tbox import ONTOLOGY_FILE, ontology_triples
from hcckg.queries.catalogue import QUERIES_DIR
from hcckg.queries.shacl import catalogue_triples
from hcckg.reasoned import inferred_triples

Progress = Callable[[str], None]


@dataclass
class BuildReport:
    counts: dict[str, int]
    build_id: str
    seconds: dict[str, float] = field(default_factory=dict)
    changes: str | None = None  # what changed since the previous build (build --diff)

    def summary(self) -> str:
        lines = [f"built store {self.build_id} ({sum(self.counts.values())} quads):"]
        lines += [f"  {count:>8}  <{name}>" for name, count in sorted(self.counts.items())]
        lines.append("  timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.seconds.items()))
        if self.changes is not None:
            lines += ["", self.changes]
        return "\n".join(lines)


@dataclass
class Assembled:
    """The graphs built from the sources, before they are published."""

    graphs: dict[ox.NamedNode, list[ox.Triple]]
    build_id: str
    seconds: dict[str, float]


# A step still running after this many seconds says so, and again every as many seconds.
HEARTBEAT = 2.0


def _timed(seconds: dict[str, float], name: str, progress: Progress):
    class _Timer:
        def __enter__(self):
            progress(f"{name} …")
            self.start = time.perf_counter()
            self.done = threading.Event()
            threading.Thread(target=self._beat, name="hcckg-progress", daemon=True).start()
            return self

        def _beat(self) -> None:
            while not self.done.wait(HEARTBEAT):
                progress(f"{name}: still running ({time.perf_counter() - self.start:.0f}s)")

        def __exit__(self, *exc):
            self.done.set()
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


def assemble(
    settings: Settings, progress: Progress = lambda _m: None, *, ontology_file: Path = ONTOLOGY_FILE
) -> Assembled:
    """Parse, validate and convert every source; run the reasoner. Raises SourceError
    (all problems at once) or OntologyInconsistent before anything is written."""
    seconds: dict[str, float] = {}
    with _timed(seconds, "ontology", progress):
        tbox = ontology_triples(ontology_file)
    with _timed(seconds, "curated sources", progress):
        abox = load(settings.curated_path)
    sources = [ontology_file, *sorted(settings.curated_path.glob("*.yaml"))]
    with _timed(seconds, "reasoning", progress):
        inferred = inferred_triples(tbox, abox, sources, settings, progress)
    with _timed(seconds, "named queries", progress):
        catalogue = catalogue_triples()

    inputs = [*sources, *sorted(QUERIES_DIR.glob("*.rq"))]
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
        "ontology": [ox.NamedNode(iris.rebase("https://w3id.org/hcckg/ontology"))],
        "review": [review],
        "inferred": [iris.graph("ontology"), iris.graph("review")],
        "queries": [],
        "void": [],
    }
    activity = iris.build_activity(build_id)
    out = [
        ox.Triple(activity, RDF.type, PROV.Activity),
        ox.Triple(activity, RDFS.label, ox.Literal(f"hcckg build {build_id}")),
        ox.Triple(activity, OWL.versionInfo, ox.Literal(__version__)),
    ]
    for name in graphs:
        short = name.value.rsplit("/", 1)[-1]
        out.append(ox.Triple(name, RDF.type, PROV.Entity))
        out.append(ox.Triple(name, PROV.wasGeneratedBy, activity))
        for source in derived.get(short, []):
            out.append(ox.Triple(name, PROV.wasDerivedFrom, source))
    return out


def _void(graphs: dict[ox.NamedNode, list[ox.Triple]], settings: Settings) -> list[ox.Triple]:
    store = memory_store()
    for name, triples in graphs.items():
        store.replace_graph(name, triples)
    return void_triples(store, settings)


def build(settings: Settings, progress: Progress = lambda _m: None, *, diff: bool = False) -> BuildReport:
    """Rebuild the store from the sources, atomically (a failure leaves the old store).
    With ``diff``, the report also says what changed since the previous build."""
    assembled = assemble(settings, progress)
    previous = _current_build(settings) if diff else None
    with _timed(assembled.seconds, "store", progress):
        counts = publish(settings, assembled.graphs, keep_others=True, progress=progress)
    report = BuildReport(counts, assembled.build_id, assembled.seconds)
    if diff:
        report.changes = _changes(settings, previous)
    return report


def _current_build(settings: Settings) -> Path | None:
    """The build folder the store link names now (the previous build, once a build swaps it)."""
    path = settings.store_path
    return path.resolve() if not is_remote(settings.store) and path.exists() else None


def _changes(settings: Settings, previous: Path | None) -> str:
    from hcckg.diff import diff
    from hcckg.diff_report import to_text

    if is_remote(settings.store):
        return "changes: not shown for a remote store (run hcckg diff on two exports)"
    if previous is None:
        return "changes: this is the first build"
    return to_text(diff(str(previous), str(settings.store_path.resolve()), settings))


@dataclass
class LoadReport:
    loaded: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str, str]] = field(default_factory=list)  # (nct, stored, incoming)
    triples: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"loaded {len(self.loaded)} ClinicalTrials.gov record(s), {self.triples} triples "
            f"in {self.seconds:.2f}s (one named graph per record)"
        ]
        for nct, stored, incoming in self.skipped:
            lines.append(
                f"  skipped {nct}: the store holds a newer version (last update {stored} > {incoming})"
            )
        return "\n".join(lines)


_STORED_UPDATES = """
# pyoxigraph binds only projected variables, hence the two constant columns.
SELECT ?g ?date ?registryRecord ?lastUpdate WHERE { GRAPH ?g { ?record a ?registryRecord ; ?lastUpdate ?date } }
"""


def stored_updates(store: Any) -> dict[str, str]:
    """NCT → the lastUpdatePostDate of the record held in the store."""
    prefix = iris.graph("ctgov/").value
    rows = store.select(
        _STORED_UPDATES,
        substitutions={"registryRecord": HCC.RegistryRecord, "lastUpdate": HCC.lastUpdateDate},
    )
    return {
        row["g"].value[len(prefix) :]: row["date"].value for row in rows if row["g"].value.startswith(prefix)
    }


def _lazy_triples(
    record: ctgov.CtgovRecord, index: dict[str, ox.NamedNode], imported: date | None
) -> Iterator[ox.Triple]:
    """Map a record only when the store writes its graph, so that a batch of 10,000 records
    never holds all its triples in memory at once."""
    yield from ctgov.to_triples(record, index, imported=imported)


def load_ctgov(
    settings: Settings,
    path: str | Path,
    *,
    progress: Progress = lambda _m: None,
    imported: date | None = None,
) -> LoadReport:
    """Load ClinicalTrials.gov records (a file, folder or zip) into their per-record graphs:
    validate the whole batch, map it and publish it in one atomic step. A record older than
    the version already stored is skipped."""
    start = time.perf_counter()
    records = ctgov.read_batch(Path(path))
    progress(f"read and validated {len(records)} record(s)")
    report = LoadReport()
    try:
        current = open_store(settings)
        index = ctgov.agent_index(current)
        stored = stored_updates(current)
        del current
    except StoreUnavailable:
        index, stored = {}, {}
    progress(f"matching interventions against {len(set(index.values()))} curated agent(s)")
    graphs: dict[ox.NamedNode, Iterator[ox.Triple]] = {}
    for record in records:
        nct = record.nct
        assert nct is not None  # read_batch rejected records without one
        if nct in stored and ctgov.date_key(stored[nct]) > ctgov.date_key(record.last_update):
            report.skipped.append((nct, stored[nct], record.last_update or "unknown"))
            continue
        graphs[iris.graph(f"ctgov/{nct}")] = _lazy_triples(record, index, imported)
        report.loaded.append(nct)
    if graphs:
        counts = publish(settings, graphs, keep_others=True, progress=lambda _m: None)
        report.triples = sum(counts.values())
    report.seconds = time.perf_counter() - start
    return report
