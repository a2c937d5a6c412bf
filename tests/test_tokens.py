"""hcckg.ground.tokens reads SPARQL text as the grammar's terminals do."""

from __future__ import annotations

import pytest

from hcckg.ground.tokens import code_only, decode_escapes, readings, segments


def kinds(text: str) -> list[tuple[str, str]]:
    return [(s.kind, text[s.start : s.end]) for s in segments(text)]


def test_segments_cover_the_text_in_order():
    text = 'PREFIX ex: <http://e/#x> SELECT * { ?s ex:p "a#b" } # the end'
    spans = segments(text)
    assert spans[0].start == 0 and spans[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(spans, spans[1:], strict=False))
    assert [k for k, _ in kinds(text)] == ["code", "iri", "code", "string", "code", "comment"]


def test_an_escaped_hash_in_a_prefixed_name_is_not_a_comment():
    text = "ASK { OPTIONAL { ?s ?p ex:a\\# } SERVICE <http://x/> { ?x ?y ?z } }"
    assert "SERVICE" in code_only(text)
    assert all(kind != "comment" for kind, _ in kinds(text))


@pytest.mark.parametrize(
    "literal",
    ['"a\\"b"', "'it\\'s'", '"""one "two" ""three"""', "'''a''b'''", '"\\u0022"', '"tab\\t"'],
)
def test_string_forms_and_their_escapes(literal):
    text = f"SELECT ({literal} AS ?x) {{}}"
    assert ("string", literal) in kinds(text)


def test_less_than_is_an_operator_where_no_iri_fits():
    text = "FILTER(?a < 3 && ?b > 2) SERVICE"
    assert [k for k, _ in kinds(text)] == ["code"]
    assert ("iri", "<?b&&?c>") in kinds("FILTER(?a<?b&&?c>?d)")


def test_an_unterminated_string_reads_as_code():
    assert code_only('"abc SERVICE') == '"abc SERVICE'


def test_blanking_keeps_offsets_and_line_ends():
    text = 'SELECT * {\n ?s ?p "x\\ny" # c\n}'
    blanked = code_only(text)
    assert len(blanked) == len(text) and blanked.count("\n") == text.count("\n")
    assert blanked.index("}") == text.index("}")


def test_escapes_decode_where_they_name_a_character():
    assert decode_escapes("SERVIC\\u0045") == "SERVICE"
    assert decode_escapes("\\U0001F600") == "\U0001f600"
    assert decode_escapes("\\UFFFFFFFF") == "\\UFFFFFFFF"  # no such character: left as written
    assert decode_escapes("\\uD800") == "\\uD800"  # a lone surrogate is no character either


def test_readings_show_what_an_escape_hides():
    text = "SELECT * { SERVIC\\u0045 <http://x/> { } }"
    assert len(readings(text)) == 2
    assert any("SERVICE" in code for code in readings(text))
    assert readings("SELECT * {}") == [code_only("SELECT * {}")]
