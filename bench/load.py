"""hcckg's side of the build benchmark, run as its own process so that its time and peak
memory are measured like ``oxigraph load``'s: parse N-Quads, publish every named graph into
a new store with ``graph.store.publish`` (the path ``hcckg build`` and ``hcckg load`` take).

    python -m hcckg.bench.load DATA.nq STORE [GRAPH-IRI...]   (graphs in file order; found when omitted)
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

from hcckg.graph.store import publish
from hcckg.ground.errors import Problem, SourceError
from hcckg.ground.settings import load_settings


def graphs_of(path: Path) -> list[ox.NamedNode]:
    """The named graphs of an N-Quads file, in order of appearance."""
    seen: dict[str, None] = {}
    with path.open("rb") as lines:
        for line in lines:
            seen.setdefault(line.rsplit(b" ", 2)[-2].decode(), None)
    return [ox.NamedNode(g[1:-1]) for g in seen]


class Sections:
    """One streamed parse of a file whose graphs come one after the other (as
    bench/generate.py writes them), handed out graph by graph."""

    def __init__(self, path: Path):
        self.stream = ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS)
        self.pending = next(self.stream, None)

    def section(self, graph: ox.NamedNode) -> Iterator[ox.Quad]:
        while self.pending is not None and self.pending.graph_name == graph:
            yield self.pending
            self.pending = next(self.stream, None)

    def check_done(self, path: Path) -> None:
        if self.pending is not None:
            raise SourceError(
                [Problem(str(path), f"graph {self.pending.graph_name} appears twice, not in one run")]
            )


def main(argv: list[str] | None = None) -> int:
    nquads, store, *graphs = argv if argv is not None else sys.argv[1:]
    nquads, store = Path(nquads), Path(store)
    # absolute(), not resolve(): an existing store is a link, and a new build replaces it.
    settings = dataclasses.replace(load_settings(), store=str(store.absolute()))
    names = [ox.NamedNode(g) for g in graphs] or graphs_of(nquads)
    sections = Sections(nquads)
    counts = publish(settings, {g: sections.section(g) for g in names}, keep_others=False)
    sections.check_done(nquads)
    print(f"{sum(counts.values())} quads published to {store}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
