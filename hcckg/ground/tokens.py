"""SPARQL text read as the SPARQL 1.1 grammar reads it: the one place hcckg splits query text.

Every place that looks at SPARQL text without parsing it uses this module: the server's
screen (``SERVICE``/``LOAD`` refused before evaluation, the depth limits, telling an update
from a query) and the remote store's variable binding. :func:`segments` splits a text into
*code*, *string*, *IRI* and *comment* spans, following the grammar's terminals (SPARQL 1.1
§19.8) as Oxigraph implements them (``spargebra``'s parser):

- ``STRING_LITERAL1/2`` and ``STRING_LITERAL_LONG1/2`` with their ``ECHAR`` (``\\t``,
  ``\\"``, …) and ``UCHAR`` (``\\u0041``, ``\\U0001F600``) escapes; the long forms are tried
  first, as the grammar orders them;
- ``IRIREF``: ``<``, then characters other than ``<>"{}|^`\\`` and ``#x00-#x20`` (or a
  ``UCHAR``), then ``>``. Where that does not match, ``<`` is the less-than operator;
- ``COMMENT``: ``#`` to the end of the line, outside strings and IRIs;
- ``PN_LOCAL_ESC`` (``ex:a\\#``): outside strings a backslash and the character after it are
  code, so ``\\#`` never starts a comment and ``\\'`` never starts a string.

Wherever the text does not fit a terminal (an unterminated string, a stray ``\\``), the rest
is read as code: a reader that errs towards code can only refuse more, never hide a keyword
from the screen (the query would not parse then anyway).

Oxigraph (0.5) decodes ``\\u`` escapes only inside strings and IRIs; the SPARQL 1.1 text
(§19.2) and other engines decode them everywhere first. :func:`readings` gives the code of
both readings, so that a check holds for either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UCHAR = r"\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
_ECHAR = r"\\[tbnrf\"'\\]"
# Long forms first, as the grammar orders them.
_STRING = re.compile(
    rf"""'''(?:(?:''|')?(?:[^'\\]|{_ECHAR}|{_UCHAR}))*'''
    | \"\"\"(?:(?:\"\"|\")?(?:[^"\\]|{_ECHAR}|{_UCHAR}))*\"\"\"
    | '(?:[^'\\\n\r]|{_ECHAR}|{_UCHAR})*'
    | "(?:[^"\\\n\r]|{_ECHAR}|{_UCHAR})*\"""",
    re.VERBOSE,
)
_IRIREF = re.compile(rf"<(?:[^<>\"{{}}|^`\\\x00-\x20]|{_UCHAR})*>")
_COMMENT = re.compile(r"#[^\r\n]*")
_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
# Characters that may start a span other than code.
_SPECIAL = re.compile(r"[\"'<#\\]")


@dataclass(frozen=True, slots=True)
class Segment:
    kind: str  # "code", "string", "iri" or "comment"
    start: int
    end: int


def segments(text: str) -> list[Segment]:
    """``text`` as consecutive code / string / IRI / comment spans (they cover all of it)."""
    out: list[Segment] = []
    code_start = i = 0
    n = len(text)
    while i < n:
        found = _SPECIAL.search(text, i)
        if found is None:
            break
        i = found.start()
        char = text[i]
        if char == "\\":  # PN_LOCAL_ESC (or a stray backslash): two characters of code
            i += 2
            continue
        matcher = {"#": _COMMENT, "<": _IRIREF}.get(char, _STRING)
        kind = {"#": "comment", "<": "iri"}.get(char, "string")
        match = matcher.match(text, i)
        if match is None:  # "<" is an operator here; an unterminated quote reads as code
            i += 1
            continue
        if i > code_start:
            out.append(Segment("code", code_start, i))
        out.append(Segment(kind, i, match.end()))
        i = code_start = match.end()
    if code_start < n:
        out.append(Segment("code", code_start, n))
    return out


def code_only(text: str) -> str:
    """``text`` with every string, IRI and comment blanked (same length, line ends kept), so
    that keywords and brackets can be searched and their offsets still point into ``text``."""
    parts = []
    for seg in segments(text):
        piece = text[seg.start : seg.end]
        parts.append(piece if seg.kind == "code" else re.sub(r"[^\r\n]", " ", piece))
    return "".join(parts)


def decode_escapes(text: str) -> str:
    """SPARQL's codepoint escapes (``\\uXXXX``, ``\\UXXXXXXXX``) decoded everywhere, as the
    SPARQL 1.1 text asks (§19.2). An escape that names no character stays as written."""

    def decode(match: re.Match) -> str:
        code = int(match.group(1) or match.group(2), 16)
        if code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return match.group(0)
        return chr(code)

    return _ESCAPE.sub(decode, text)


def readings(text: str) -> list[str]:
    """The code of ``text`` as Oxigraph reads it, and with its escapes decoded first (the
    SPARQL 1.1 reading); one entry when there is no escape."""
    decoded = decode_escapes(text)
    return [code_only(text)] if decoded == text else [code_only(text), code_only(decoded)]
