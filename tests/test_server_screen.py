"""The screen reads SPARQL as the grammar does: SERVICE and LOAD are found wherever they
sit in code, among escapes, strings of every form, IRIs and comments (property tests with
generated queries), and are not found where they are only text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hcckg.ground.errors import QueryRejected
from hcckg.server.screen import screen

# Pieces of text that are not code, each as the grammar ends it; they hold the characters
# that fooled regex screens: '#', quotes, '<', backslashes, and the keyword's own letters.
_TEXT = st.text(alphabet="abcSERVICEload #<>{}'\"\\ \t", max_size=12)


def _escaped(body: str, quote: str) -> str:
    return body.replace("\\", "\\\\").replace(quote, "\\" + quote)


@st.composite
def strings(draw) -> str:
    body = draw(_TEXT)
    form = draw(st.sampled_from(["'", '"', "'''", '"""']))
    body = _escaped(body, form[0])  # the alphabet has no line end: fine for short forms too
    escape = draw(st.sampled_from(["", "\\u0041", "\\U0001F600", "\\t", "\\n"]))
    return f"{form}{body}{escape}{form}"


iris = st.builds(lambda s: f"<http://e/{s}>", st.text(alphabet="abcSERVICE#-_.~0123456789", max_size=10))
comments = st.builds(lambda s: f"#{s}\n", st.text(alphabet="abcSERVICE {}'\"<>\\#", max_size=12))
# Code around the keyword: prefixed names with PN_LOCAL_ESC escapes (ex:a\#, ex:b\'),
# variables, punctuation.
codes = st.sampled_from(
    [
        "ex:a\\#",
        "ex:b\\'",
        'ex:c\\"',
        "ex:d\\<",
        "?s",
        "$o",
        "{",
        "}",
        "(",
        ")",
        ".",
        ";",
        "ex:e\\.",
        "a",
        "FILTER",
    ]
)
pieces = st.lists(st.one_of(strings(), iris, comments, codes), max_size=12)
keyword_case = st.sampled_from(["SERVICE", "service", "Service", "sErViCe"])


@settings(max_examples=400, deadline=None)
@given(before=pieces, after=pieces, keyword=keyword_case, glue=st.sampled_from([" ", "\n", "\t", ""]))
def test_service_in_code_is_always_found(before, after, keyword, glue):
    # The keyword follows a piece that ends in code or in a closed token, then a separator.
    query = "PREFIX ex: <http://e/>\nASK { " + " ".join(before) + " " + keyword + glue
    query += "<http://127.0.0.1:1/> { ?x ?y ?z } " + " ".join(after) + " }"
    with pytest.raises(QueryRejected, match="SERVICE"):
        screen(query)


@settings(max_examples=300, deadline=None)
@given(before=pieces, after=pieces, keyword=st.sampled_from(["LOAD", "load", "LoAd"]))
def test_load_in_an_update_is_always_found(before, after, keyword):
    update = "PREFIX ex: <http://e/>\nINSERT DATA { " + " ".join(before) + " } ; "
    update += keyword + " <http://127.0.0.1:1/> # " + " ".join(after).replace("\n", " ")
    with pytest.raises(QueryRejected, match="LOAD"):
        screen(update, update=True)


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.one_of(strings(), iris, comments), max_size=8))
def test_the_letters_inside_strings_iris_and_comments_are_not_code(text):
    query = "SELECT * WHERE { ?s ?p ?o } " + " ".join(text)
    if "#" in query:
        query += "\n"
    screen(query)


@settings(max_examples=200, deadline=None)
@given(escaped=st.sampled_from(["\\u0053ERVICE", "SERV\\u0049CE", "\\U00000053\\U00000045RVICE"]))
def test_service_spelled_with_codepoint_escapes_is_found(escaped):
    """SPARQL 1.1 (19.2) decodes \\u escapes before parsing; an engine that does sees SERVICE."""
    with pytest.raises(QueryRejected):
        screen("ASK { " + escaped + " <http://127.0.0.1:1/> { ?x ?y ?z } }")
