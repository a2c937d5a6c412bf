"""The build pipeline, above the stages: sources → validated triples → named graphs → the store.

``build`` assembles every graph from its source (ontology, reasoner output, the review's
curated facts, the named-query catalogue, VoID) and publishes them in one atomic step.
Registry graphs (``graph/ctgov/NCT…``, loaded by :func:`load_ctgov`) are carried over.
Nothing in a graph depends on the time of the build, so building twice gives the same
triples (the provenance names the hash of the sources, not the time).

The build id is the new store folder's name (``graph/builds.py``), the one shown by
``hcckg build``, ``/health``, VoID and the pages. Each build also keeps the
:func:`fingerprint` of the sources, the code and the settings it was made from, so that
``hcckg build --if-changed`` (``make serve``) skips a build that would give the same store,
and :func:`pickup` tells whether the running servers switched to the new build.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from hcckg import __version__
from hcckg.graph import builds
from hcckg.graph.store import is_remote, memory_store, open_store, publish_build
from hcckg.graph.void import void_triples
from hcckg.ground import iris
from hcckg.ground.errors import StoreUnavailable
from hcckg.ground.settings import Settings
from hcckg.ground.terms import HCC, OWL, PROV, RDF, RDFS
from hcckg.loaders import ctgov
from hcckg.loaders.curated import load
from hcckg.loaders.records import REVIEW
from hcckg.ontology.tbox import ONTOLOGY_FILE, ontology_triples
from hcckg.queries.catalogue import QUERIES_DIR
from hcckg.queries.shacl import catalogue_triples
from hcckg.reasoned import inferred_triples

Progress = Callable[[str], None]


@dataclass
class BuildReport:
    counts: dict[str, int]
    build_id: str | None  # the store folder's name; None on a SPARQL server
    seconds: dict[str, float] = field(default_factory=dict)
    changes: str | None = None  # what changed since the previous build (build --diff)
    sources: str = ""  # the hash of the sources, named by the provenance of every graph

    def summary(self) -> str:
        name = f"build {self.build_id}" if self.build_id else "store (remote)"
        lines = [f"built {name} from sources {self.sources} ({sum(self.counts.values())} quads):"]
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
    review = iris.resource("source", REVIEW)
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


# Packages whose code decides what a build holds (the server's does not).
_BUILD_CODE = ("hcckg", "hcckg.ontology", "hcckg.loaders", "hcckg.graph", "hcckg.queries")
_CODE_SUFFIXES = (".py", ".ttl", ".rq", ".yaml", ".json", ".html")


def fingerprint(settings: Settings, *, ontology_file: Path = ONTOLOGY_FILE) -> str:
    """A hash of everything a build is made from: the source files, the code of the stages
    that build, and the settings that change triples. Equal fingerprints, equal stores."""
    from importlib.util import find_spec

    digest = hashlib.sha256(f"{__version__}\0{settings.base_iri}\0{settings.public_url}".encode())
    files = [ontology_file, *settings.curated_path.glob("*.yaml"), *QUERIES_DIR.glob("*.rq")]
    for name in _BUILD_CODE:
        spec = find_spec(name)
        for folder in spec.submodule_search_locations or [] if spec else []:
            for root, dirs, names in os.walk(folder):
                dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
                files += [Path(root, n) for n in names if n.endswith(_CODE_SUFFIXES)]
    for path in sorted(set(files)):
        digest.update(str(path).encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def up_to_date(settings: Settings) -> builds.BuildInfo | None:
    """The current build when it was made from exactly what a build would use now."""
    if is_remote(settings.store):
        return None
    now = builds.current(settings.store_path)
    return now if now is not None and now.sources == fingerprint(settings) else None


def build(settings: Settings, progress: Progress = lambda _m: None, *, diff: bool = False) -> BuildReport:
    """Rebuild the store from the sources, atomically (a failure leaves the old store).
    With ``diff``, the report also says what changed since the previous build."""
    made_from = None if is_remote(settings.store) else fingerprint(settings)
    assembled = assemble(settings, progress)
    previous = _current_build(settings) if diff else None
    with _timed(assembled.seconds, "store", progress):
        counts, folder = publish_build(
            settings, assembled.graphs, keep_others=True, progress=progress, sources=made_from
        )
    report = BuildReport(
        counts, folder.name if folder else None, assembled.seconds, sources=assembled.build_id
    )
    if diff:
        report.changes = _changes(settings, previous)
    return report


# How long `hcckg build` waits for running servers to switch to the new build (s): a
# server copies the new store into memory first (~8 s at 1M triples).
PICKUP_WAIT = 30.0


def pickup(settings: Settings, build_id: str | None, *, wait: float = PICKUP_WAIT) -> list[str]:
    """Wait up to ``wait`` seconds for the running servers of the store to serve
    ``build_id``; one line per server saying whether it does."""
    if build_id is None or is_remote(settings.store):
        return ["servers on a SPARQL store answer from it directly: nothing to pick up"]
    deadline = time.monotonic() + wait
    while True:
        running = builds.servers(settings.store_path)
        late = [s for s in running if s["build"] != build_id]
        if not late or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    if not running:
        return ["no running server serves this store (hcckg serve will start on this build)"]
    return [
        f"server {s['url']} (pid {s['pid']}) "
        + (
            "now serves this build"
            if s["build"] == build_id
            else f"still serves build {s['build']} after {wait:g} s"
        )
        for s in running
    ]


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
    build_id: str | None = None

    def summary(self) -> str:
        into = f" into build {self.build_id}" if self.build_id else ""
        lines = [
            f"loaded {len(self.loaded)} ClinicalTrials.gov record(s), {self.triples} triples{into} "
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
        # The curated graphs are carried over as they are: what a build would make is unchanged.
        before = None if is_remote(settings.store) else builds.current(settings.store_path)
        counts, folder = publish_build(
            settings, graphs, keep_others=True, progress=lambda _m: None, sources=before and before.sources
        )
        report.triples = sum(counts.values())
        report.build_id = folder.name if folder else None
    report.seconds = time.perf_counter() - start
    return report
