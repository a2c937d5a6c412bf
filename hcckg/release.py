"""``hcckg ontology build``: reason over the ontology, run its QC checks, write the release.

Release artifacts (in ``output_dir``): ``hcckg.ttl`` (Turtle), ``hcckg.owl`` (RDF/XML, for
Protégé and owlready2), ``hcckg.jsonld`` (JSON-LD), ``inferred.ttl`` (what HermiT adds to the
TBox alone) and ``hcckg.html`` (the term pages the server shows at the ontology IRI).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from hcckg.graph.store import memory_store
from hcckg.ground import iris
from hcckg.ground.errors import HcckgError
from hcckg.ground.terms import OWL, RDF, ontology_ns
from hcckg.ontology.tbox import ARTIFACTS, ONTOLOGY_FILE, artifact, ontology_triples, prefixes


class OntologyQCFailed(HcckgError):
    """A QC check found errors in the ontology; the message lists them."""


@dataclass
class Report:
    output_dir: Path
    triples: int
    inferred: int
    reasoning_seconds: float
    checks: int
    artifacts: list[Path] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        terms = ", ".join(f"{n} {kind}" for kind, n in self.counts.items())
        lines = [
            f"ontology: {self.triples} triples ({terms})",
            f"reasoner: HermiT finds it consistent, no unsatisfiable classes; "
            f"{self.inferred} inferred triples in {self.reasoning_seconds:.1f} s",
            f"qc: {self.checks} checks passed",
            f"wrote {len(self.artifacts)} files to {self.output_dir}:",
        ]
        lines += [f"  {p.name}" for p in self.artifacts]
        return "\n".join(lines)


def build_release(output_dir: str | Path, previous: str | Path | None = None) -> Report:
    """Reason over the ontology, run its QC checks, and write the release artifacts; with
    ``previous`` (an earlier release's file or folder), also ``release-notes.md``: the diff of
    the ontology since then. Raises OntologyInconsistent or OntologyQCFailed (nothing is
    written then)."""
    from hcckg.ontology.docs import render_html
    from hcckg.ontology.reasoning import reason
    from hcckg.queries.checks import check_paths, run_checks

    triples = ontology_triples()
    started = time.monotonic()
    reasoned = reason(triples, [])
    seconds = time.monotonic() - started

    store = memory_store()
    store.replace_graph(iris.graph("ontology"), triples)
    checks = check_paths()  # on the ontology alone, the checks on data find nothing
    findings = [f for f in run_checks(store, checks) if f.severity == "error"]
    if findings:
        listing = "\n  ".join(str(f) for f in findings[:50])
        raise OntologyQCFailed(f"{len(findings)} QC error(s) in {ONTOLOGY_FILE}:\n  {listing}")

    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ARTIFACTS:
        (out / name).write_bytes(artifact(name, triples))
        written.append(out / name)
    written.append(_write(out / "inferred.ttl", reasoned.inferred, ox.RdfFormat.TURTLE))
    if previous is not None:
        written.append(_release_notes(out, Path(previous)))
    html = out / "hcckg.html"
    html.write_text(render_html(triples), encoding="utf-8")
    written.append(html)
    return Report(out, len(triples), len(reasoned.inferred), seconds, len(checks), written, _counts(triples))


def _release_notes(out: Path, previous: Path) -> Path:
    """What changed in the ontology since ``previous`` (a release folder or one of its files)."""
    from hcckg.diff import compare, read_side
    from hcckg.diff_report import to_markdown
    from hcckg.ground.settings import load_settings

    old = previous / "hcckg.ttl" if previous.is_dir() else previous
    settings = load_settings()
    notes = to_markdown(compare(read_side(str(old), settings), read_side(str(out / "hcckg.ttl"), settings)))
    path = out / "release-notes.md"
    path.write_text(notes, encoding="utf-8")
    return path


def _write(path: Path, triples: list[ox.Triple], fmt: ox.RdfFormat) -> Path:
    kwargs = {} if fmt == ox.RdfFormat.N_TRIPLES else {"prefixes": prefixes()}
    data = ox.serialize(triples, format=fmt, **kwargs)
    path.write_bytes(data)
    return path


def _counts(triples: list[ox.Triple]) -> dict[str, int]:
    kinds = {"classes": "Class", "object properties": "ObjectProperty", "data properties": "DatatypeProperty"}
    ns = ontology_ns()
    counts = {}
    for label, kind in kinds.items():
        kind_node = OWL[kind]
        counts[label] = sum(
            1
            for t in triples
            if t.predicate.value == RDF + "type" and t.object == kind_node and t.subject.value.startswith(ns)
        )
    counts["individuals"] = sum(
        1 for t in triples if t.predicate.value == RDF + "type" and t.object.value == OWL + "NamedIndividual"
    )
    return counts
