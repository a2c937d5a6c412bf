"""A SPARQL server's answers, behaving like pyoxigraph's results.

Iterate solutions and read ``row["var"]`` and ``.variables``; ``bool()`` an ASK answer;
iterate CONSTRUCT/DESCRIBE triples; ``.serialize(output, format)`` any of them, which
writes the server's own bytes when the format is the one it sent. An answer in the wrong
form for its query (a result table for a CONSTRUCT), in a format hcckg did not ask for, or
that does not parse is a :class:`StoreError` naming the server, never a crash later on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pyoxigraph as ox

from hcckg.ground.errors import StoreError

# The Accept header per query form: a result table for SELECT and ASK, triples for
# CONSTRUCT and DESCRIBE (one list for both made Virtuoso answer CONSTRUCTs with a table).
_TABLE = "application/sparql-results+json, application/sparql-results+xml;q=0.8"
ACCEPT = {"solutions": _TABLE, "boolean": _TABLE, "triples": "application/n-triples, text/turtle;q=0.8"}
# Virtuoso 7.2 answers ASK with a one-column table (1 row: true, none: false).
_VIRTUOSO_ASK = "__ASK_RETVAL"
_CHUNK = 64 * 1024


class _Answer:
    """The bytes a server sent for a query, and their format."""

    def __init__(self, body: bytes, fmt: Any):
        self.body = body
        self.format = fmt

    def _write(self, output: Any, fmt: Any, reserialize: Callable[[Any, Any], Any]) -> bytes | None:
        if fmt is None or fmt == self.format:
            if output is None:
                return self.body
            if isinstance(output, str | os.PathLike):
                with open(output, "wb") as sink:
                    sink.write(self.body)
                return None
            # In chunks, so that a writer counting rows can stop early.
            for start in range(0, len(self.body), _CHUNK):
                output.write(self.body[start : start + _CHUNK])
            return None
        return reserialize(output, fmt)


class RemoteSolutions(_Answer):
    """SELECT solutions: iterate them (``row["var"]``), ``.variables``, ``.serialize()``."""

    def __init__(self, body: bytes, fmt: ox.QueryResultsFormat, parsed: Any):
        super().__init__(body, fmt)
        self._rows = list(parsed)  # parsed now, so that a broken answer fails here, not later
        self.variables = parsed.variables

    def __iter__(self) -> Iterator[ox.QuerySolution]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def serialize(self, output: Any = None, format: ox.QueryResultsFormat | None = None) -> bytes | None:  # noqa: A002
        def again(out: Any, fmt: ox.QueryResultsFormat) -> bytes | None:
            return ox.parse_query_results(self.body, format=self.format).serialize(out, fmt)

        return self._write(output, format, again)


class RemoteBoolean(_Answer):
    """An ASK answer: ``bool()`` and ``.serialize()``."""

    def __init__(self, body: bytes, fmt: ox.QueryResultsFormat, value: bool):
        super().__init__(body, fmt)
        self.value = value

    def __bool__(self) -> bool:
        return self.value

    def __eq__(self, other: object) -> bool:
        return bool(self) == bool(other)

    def __hash__(self) -> int:
        return hash(self.value)

    def __repr__(self) -> str:
        return f"<RemoteBoolean {self.value}>"

    def serialize(self, output: Any = None, format: ox.QueryResultsFormat | None = None) -> bytes | None:  # noqa: A002
        def again(out: Any, fmt: ox.QueryResultsFormat) -> bytes | None:
            return ox.parse_query_results(self.body, format=self.format).serialize(out, fmt)

        return self._write(output, format, again)


class RemoteTriples(_Answer):
    """CONSTRUCT/DESCRIBE triples: iterate them, ``.serialize()``."""

    def __init__(self, body: bytes, fmt: ox.RdfFormat):
        super().__init__(body, fmt)
        self._triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)]

    def __iter__(self) -> Iterator[ox.Triple]:
        return iter(self._triples)

    def __len__(self) -> int:
        return len(self._triples)

    def serialize(self, output: Any = None, format: ox.RdfFormat | None = None) -> bytes | None:  # noqa: A002
        return self._write(output, format, lambda out, fmt: ox.serialize(self._triples, out, fmt))


Answer = RemoteSolutions | RemoteBoolean | RemoteTriples


def parse_answer(body: bytes, content_type: str, url: str, form: str | None) -> Answer:
    """The answer to a query of ``form`` (``binding.query_form``: ``"solutions"``,
    ``"boolean"``, ``"triples"``, or None if unknown)."""
    media = content_type.split(";")[0].strip().lower()
    results_format = ox.QueryResultsFormat.from_media_type(media) if media else None
    rdf_format = None if results_format else (ox.RdfFormat.from_media_type(media) if media else None)
    if results_format is None and rdf_format is None:
        raise StoreError(f"the SPARQL server at {url} answered in an unexpected format {content_type!r}")
    if form is not None and (form == "triples") != (rdf_format is not None):
        wanted = "triples" if form == "triples" else "a result table"
        raise StoreError(
            f"the SPARQL server at {url} answered with {content_type!r} where the query asks for "
            f"{wanted}: the server ignored the Accept header ({ACCEPT[form]})"
        )
    try:
        if rdf_format is not None:
            return RemoteTriples(body, rdf_format)
        parsed = ox.parse_query_results(body, format=results_format)
        if isinstance(parsed, ox.QueryBoolean):
            return RemoteBoolean(body, results_format, bool(parsed))
        if form == "boolean":
            return _table_as_boolean(parsed, url)
        return RemoteSolutions(body, results_format, parsed)
    except SyntaxError as err:
        raise StoreError(f"the SPARQL server at {url} sent an answer that does not parse: {err}") from err


def _table_as_boolean(parsed: Any, url: str) -> RemoteBoolean:
    if [v.value for v in parsed.variables] != [_VIRTUOSO_ASK]:
        raise StoreError(f"the SPARQL server at {url} answered an ASK query with a result table")
    rows = list(parsed)
    value = (
        bool(rows)
        and rows[0][_VIRTUOSO_ASK] is not None
        and rows[0][_VIRTUOSO_ASK].value not in ("0", "false")
    )
    text = b'{"head":{},"boolean":' + (b"true" if value else b"false") + b"}"
    return RemoteBoolean(text, ox.QueryResultsFormat.JSON, value)
