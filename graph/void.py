"""The VoID description of the dataset, computed from a store.

The build pipeline calls :func:`void_triples` on the graphs it is about to publish and
stores the answer in ``graph/void``; the server serves that graph at
``/.well-known/void``. The dataset is the base IRI itself (``hcckg.ground.iris.dataset()``); each
named graph is a ``void:subset`` of it, with its own triple count. Class and property
partitions (with counts) let query editors offer completion; vocabularies are the
namespaces of the classes and properties actually used. Counts cover the graphs present
in ``store`` when it is called (the pipeline calls it before ``graph/void`` exists).
"""

from __future__ import annotations

import pyoxigraph as ox

from hcckg import __version__
from hcckg.ground import iris
from hcckg.ground.terms import DCTERMS, OWL, PROV, RDF, RDFS, SD, SKOS, VOID, XSD, ontology_iri, ontology_ns

LICENSE = "https://creativecommons.org/licenses/by-nc/4.0/"  # the review's licence, which the data follows
REVIEW_DOI = "https://doi.org/10.3748/wjg.v32.i3.111528"
# Namespaces recognised as vocabularies (longest first, so that hcc's ontology/ wins over base).
KNOWN_VOCABULARIES = (RDF, RDFS, OWL, XSD, SKOS, DCTERMS, PROV, VOID, SD, "http://www.w3.org/ns/shacl#")
# Classes whose first instance is offered as an example resource.
EXAMPLE_CLASSES = ("ClinicalTrial", "TherapeuticAgent", "ResistanceMechanism", "MolecularTarget", "Outcome")

_CLASSES = (
    """SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?class } GROUP BY ?class ORDER BY ?class"""
)
_PROPERTIES = """SELECT ?p (COUNT(*) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p"""
_COUNTS = """SELECT (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?subjects) (COUNT(DISTINCT ?o) AS ?objects)
WHERE { ?s ?p ?o }"""
_EXAMPLE = (
    f"""SELECT ?class ?s WHERE {{ ?s a/<{RDFS}subClassOf>* ?class FILTER(isIRI(?s)) }} ORDER BY ?s LIMIT 1"""
)


def _n(local: str, ns: str = VOID) -> ox.NamedNode:
    return ox.NamedNode(ns + local)


def void_triples(store, settings) -> list[ox.Triple]:
    """VoID (and a pointer to the SPARQL service) for everything in ``store`` (anything
    with ``graph.store.EmbeddedStore``'s query/graphs/count). Deterministic: no clock, blank nodes only for partitions."""
    dataset = iris.dataset()
    public = (settings.public_url or settings.base_iri).rstrip("/") + "/"
    a = RDF.type
    out = [
        ox.Triple(dataset, a, _n("Dataset")),
        ox.Triple(dataset, DCTERMS["title"], ox.Literal("hcckg", language="en")),
        ox.Triple(
            dataset,
            DCTERMS.description,
            ox.Literal(
                "A knowledge graph of second-line treatment for hepatocellular carcinoma after immune "
                "checkpoint inhibitors, built from a review article and registry records.",
                language="en",
            ),
        ),
        ox.Triple(dataset, DCTERMS.license, ox.NamedNode(LICENSE)),
        ox.Triple(dataset, DCTERMS.source, ox.NamedNode(REVIEW_DOI)),
        ox.Triple(dataset, OWL.versionInfo, ox.Literal(__version__)),
        ox.Triple(dataset, _n("uriSpace"), ox.Literal(settings.base_iri)),
        ox.Triple(dataset, _n("sparqlEndpoint"), ox.NamedNode(public + "sparql")),
        ox.Triple(dataset, _n("dataDump"), ox.NamedNode(public + "dumps/hcckg.nq")),
        ox.Triple(dataset, _n("rootResource"), ox.NamedNode(ontology_iri())),
    ]
    # Whole-dataset counts (the union of the named graphs, as queries see it); COUNT gives xsd:integer.
    counts = next(iter(store.query(_COUNTS)))
    out += [
        ox.Triple(dataset, _n("triples"), counts["triples"]),
        ox.Triple(dataset, _n("distinctSubjects"), counts["subjects"]),
        ox.Triple(dataset, _n("distinctObjects"), counts["objects"]),
    ]
    for graph in store.graphs():
        out += [
            ox.Triple(dataset, _n("subset"), graph),
            ox.Triple(graph, a, _n("Dataset")),
            ox.Triple(graph, SD.name, graph),
            ox.Triple(
                graph,
                _n("triples"),
                ox.Literal(str(store.count(graph)), datatype=XSD.integer),
            ),
        ]
    used: set[str] = set()
    for row in store.query(_CLASSES):
        node = ox.BlankNode()
        out += [
            ox.Triple(dataset, _n("classPartition"), node),
            ox.Triple(node, _n("class"), row["class"]),
            ox.Triple(node, _n("entities"), row["n"]),
        ]
        used.add(row["class"].value)
    for row in store.query(_PROPERTIES):
        node = ox.BlankNode()
        out += [
            ox.Triple(dataset, _n("propertyPartition"), node),
            ox.Triple(node, _n("property"), row["p"]),
            ox.Triple(node, _n("triples"), row["n"]),
        ]
        used.add(row["p"].value)
    vocabularies = {ns for ns in (ontology_ns(), *KNOWN_VOCABULARIES) for iri in used if iri.startswith(ns)}
    out += [ox.Triple(dataset, _n("vocabulary"), ox.NamedNode(ns)) for ns in sorted(vocabularies)]
    examples: list[ox.NamedNode] = []
    for local in EXAMPLE_CLASSES:
        for row in store.query(_EXAMPLE, substitutions={"class": ox.NamedNode(ontology_ns() + local)}):
            if row["s"] not in examples:
                examples.append(row["s"])
    out += [ox.Triple(dataset, _n("exampleResource"), example) for example in examples]
    return out
