"""The third layer of the curated checks: the SHACL shapes of ``loaders/shapes/curated.ttl``,
run with pyshacl on the produced graph, each result mapped back to the record's file and line."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from hcckg.ground.errors import Problem
from hcckg.loaders.validate import unique

SHAPES = Path(__file__).resolve().parent / "shapes" / "curated.ttl"


def check_shapes(
    triples: list[ox.Triple], origins: dict[str, tuple[str, int, str]], shapes: Path = SHAPES
) -> list[Problem]:
    """Run the SHACL shapes on the produced graph (without provenance nodes, which the
    shapes do not constrain) and map each result to the curated record it comes from."""
    import pyshacl
    import rdflib

    from hcckg.ground import iris

    statement_prefix = iris.resource("statement", "x").value[:-1]
    data = [t for t in triples if not t.subject.value.startswith(statement_prefix)]
    graph = rdflib.Graph()
    graph.parse(data=ox.serialize(data, format=ox.RdfFormat.N_TRIPLES).decode(), format="nt")
    shapes_text = shapes.read_text(encoding="utf-8")
    if iris.base_iri() != iris.DEFAULT_BASE_IRI:
        shapes_text = shapes_text.replace(iris.DEFAULT_BASE_IRI, iris.base_iri())
    shapes_graph = rdflib.Graph().parse(data=shapes_text, format="turtle")
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes_graph, advanced=True)
    if conforms:
        return []
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    problems = []
    for result in report.subjects(rdflib.RDF.type, sh.ValidationResult):
        focus = str(report.value(result, sh.focusNode))
        path = report.value(result, sh.resultPath)
        message = str(report.value(result, sh.resultMessage) or "violates a shape")
        file, line, record = origins.get(focus, ("<produced graph>", None, focus))
        field = str(path).rsplit("/", 1)[-1].rsplit("#", 1)[-1] if path is not None else None
        problems.append(Problem(file, f"shape: {message}", line=line, record=record, field=field))
    return sorted(unique(problems), key=lambda p: (p.path, p.line or 0))
