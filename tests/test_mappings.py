"""The external identifiers as an SSSOM mapping set: valid by the sssom package's own checks,
loaded as skos mappings sourced to the table, published at its mapping_set_id."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from sssom.constants import SchemaValidationType
from sssom.parsers import parse_sssom_table
from sssom.validators import validate

from hcckg.ground import iris
from hcckg.ground.errors import SourceError
from hcckg.ground.terms import DCTERMS, RDF, SKOS
from hcckg.loaders.curated import load

CURATED = Path(__file__).resolve().parents[1] / "loaders" / "curated"
TABLE = CURATED / "mappings.sssom.tsv"
CHECKS = [
    SchemaValidationType.JsonSchema,
    SchemaValidationType.PrefixMapCompleteness,
    SchemaValidationType.StrictCurieFormat,
]


def _errors(path: Path) -> list:
    reports = validate(parse_sssom_table(str(path)), CHECKS, fail_on_error=False)
    return [r for report in reports.values() for r in report.results]


def test_the_table_is_a_valid_sssom_mapping_set():
    msdf = parse_sssom_table(str(TABLE))
    assert msdf.metadata["mapping_set_id"] == "https://w3id.org/hcckg/mappings/hcckg.sssom.tsv"
    assert len(msdf.df) >= 100
    assert _errors(TABLE) == []


def test_the_validator_catches_a_broken_table(tmp_path):
    # The check above can fail: a prefix the curie_map does not declare is an error.
    broken = tmp_path / "broken.sssom.tsv"
    broken.write_text(
        TABLE.read_text(encoding="utf-8").replace("NCIT:C106250", "NOSUCHSCHEME:C106250"), encoding="utf-8"
    )
    assert _errors(broken)


def test_mappings_are_loaded_as_skos_with_the_table_as_source(review_store):
    atezo = iris.resource("drug", "atezolizumab")
    chembl = ox.NamedNode("https://identifiers.org/chembl.compound:CHEMBL3707227")
    assert ox.Quad(atezo, SKOS.exactMatch, chembl, iris.graph("review")) in review_store.inner
    sources = {
        q.object
        for st in review_store.inner.quads_for_pattern(None, RDF.subject, atezo)
        if ox.Quad(st.subject, RDF.object, chembl, st.graph_name) in review_store.inner
        for q in review_store.inner.quads_for_pattern(st.subject, DCTERMS.source, None)
    }
    assert sources == {iris.resource("source", "hcckg-mappings")}
    rows = len(parse_sssom_table(str(TABLE)).df)
    assert sum(1 for _ in review_store.inner.quads_for_pattern(None, SKOS.exactMatch, None)) >= rows


def test_a_bad_row_is_named_by_file_line_and_column(tmp_path):
    curated = tmp_path / "curated"
    shutil.copytree(CURATED, curated)
    table = curated / "mappings.sssom.tsv"
    lines = table.read_text(encoding="utf-8").splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("subject_id"))
    lines[header + 1] = lines[header + 1].replace("hcckg.drug:atezolizumab", "hcckg.drug:atezolizumabb", 1)
    lines[header + 2] = lines[header + 2].replace("DRUGBANK:DB11595", "DRUGBANK:DB1159")
    lines[header + 3] = lines[header + 3].replace("skos:exactMatch", "owl:sameAs")
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as err:
        load(curated)
    found = {(p.line, p.field) for p in err.value.problems if p.path.endswith("mappings.sssom.tsv")}
    assert found == {(header + 2, "subject_id"), (header + 3, "object_id"), (header + 4, "predicate_id")}


def test_the_table_is_served_at_its_mapping_set_id(sample_app):
    response = sample_app.test_client().get("/mappings/hcckg.sssom.tsv")
    assert response.status_code == 200 and response.mimetype == "text/tab-separated-values"
    assert response.data == TABLE.read_bytes()
