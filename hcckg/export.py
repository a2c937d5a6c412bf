"""``hcckg export``: dump the store, or one named graph, in an RDF format."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox

from hcckg.graph.store import open_store
from hcckg.ground import iris
from hcckg.ground.errors import NotFound
from hcckg.ground.settings import Settings

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
        target = ox.NamedNode(graph) if ":" in graph else iris.graph(graph)
        if target not in store.graphs():
            raise NotFound(f"no graph <{target.value}> in the store; see `hcckg query` for the list")
    rdf_format = EXPORT_FORMATS[fmt]
    sink = sys.stdout.buffer if output == "-" else open(output, "wb")  # noqa: SIM115
    try:
        if target is None and fmt in _TRIPLE_ONLY:
            ox.serialize((q.triple for q in store.quads()), sink, rdf_format)
        else:
            store.dump(sink, rdf_format, target)
    except BaseException:
        if sink is not sys.stdout.buffer:  # no partial dump is left behind (a cut-short remote read)
            sink.close()
            Path(output).unlink(missing_ok=True)
        raise
    finally:
        if sink is not sys.stdout.buffer:
            sink.close()
