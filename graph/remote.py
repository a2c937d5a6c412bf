"""A store on an existing SPARQL server, spoken to over the standard protocols.

``HCCKG_STORE=sparql:URL`` names the server's SPARQL 1.1 Query URL. Writes go to its
SPARQL 1.1 Update URL and its SPARQL 1.1 Graph Store HTTP Protocol (GSP) URL, derived from
the query URL unless set (``HCCKG_SPARQL_UPDATE_URL``, ``HCCKG_SPARQL_GSP_URL``): a query
URL ending in ``/query`` (Oxigraph server) gives ``/update`` and ``/store`` beside it; any
other URL (a Fuseki dataset URL such as ``/ds``) is used for all three.

hcckg shares the server with other data, so it only ever looks at and writes its own
named graphs, the ones under ``{base}graph/``. Queries see the union of those as their
default graph (sent as the protocol's ``default-graph-uri``/``named-graph-uri``), never
the server's other graphs. A replacement uploads each new graph into a fresh staging graph
under ``{base}staging/`` with GSP PUT, then swaps them all in with one SPARQL Update request
(``MOVE`` per graph, ``DROP`` for removed ones): on engines that run one update request in
one transaction (Oxigraph, Fuseki/TDB2, GraphDB) readers see the old graphs or the new ones,
never a mix.

Results behave like pyoxigraph's (iterate solutions and read ``row["var"]``,
``.variables``, ``bool()`` for ASK, triples for CONSTRUCT, ``.serialize(output, format)``);
``serialize`` writes the server's own bytes when the format is the one it sent. Variables
are bound with a ``VALUES`` block at the start of the query's WHERE group, built from terms
that pyoxigraph serialised: no caller text is ever pasted into a query.
"""

from __future__ import annotations

import base64
import contextlib
import http.client
import io
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pyoxigraph as ox

from hcckg.ground.errors import (
    QueryRejected,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    StoreError,
    StoreUnavailable,
)
from hcckg.ground.tokens import code_only

QUERY_ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
# An answer larger than this is refused before it is parsed (the row limit comes after).
MAX_RESPONSE_BYTES = 256 * 1024 * 1024
# How long the list of hcckg's graphs is trusted before it is asked for again: a build
# by another process shows up in queries within this many seconds. A write through any
# RemoteStore of this process forgets the list at once.
GRAPHS_TTL = 10.0
_known_graphs: dict[tuple[str, str], tuple[float, list[ox.NamedNode]]] = {}
_CHUNK = 64 * 1024
_RETRY_STATUSES = (502, 503, 504)
_VARNAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_\u00b7\u00c0-\uffff]*")


@dataclass(frozen=True)
class Endpoints:
    query: str
    update: str
    gsp: str


def endpoints(query_url: str, update_url: str | None = None, gsp_url: str | None = None) -> Endpoints:
    """The three URLs of a server, with the defaults described in the module docstring."""
    parts = urlsplit(query_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreError(f"bad SPARQL URL {query_url!r}: expected sparql:http://host:port/path")
    if query_url.endswith("/query"):
        root = query_url[: -len("/query")]
        return Endpoints(query_url, update_url or root + "/update", gsp_url or root + "/store")
    return Endpoints(query_url, update_url or query_url, gsp_url or query_url)


# -- results that behave like pyoxigraph's ---------------------------------------------------


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

    def __init__(self, body: bytes, fmt: ox.QueryResultsFormat):
        super().__init__(body, fmt)
        self._parsed = ox.parse_query_results(body, format=fmt)
        self.variables = self._parsed.variables

    def __iter__(self) -> Iterator[ox.QuerySolution]:
        return iter(self._parsed)

    def __next__(self) -> ox.QuerySolution:
        return next(self._parsed)

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
        self._quads = ox.parse(body, format=fmt)

    def __iter__(self) -> Iterator[ox.Triple]:
        return self

    def __next__(self) -> ox.Triple:
        quad = next(self._quads)
        return ox.Triple(quad.subject, quad.predicate, quad.object)

    def serialize(self, output: Any = None, format: ox.RdfFormat | None = None) -> bytes | None:  # noqa: A002
        def again(out: Any, fmt: ox.RdfFormat) -> bytes | None:
            triples = (
                ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(self.body, format=self.format)
            )
            return ox.serialize(triples, out, fmt)

        return self._write(output, format, again)


def _parse_answer(
    body: bytes, content_type: str, url: str
) -> RemoteSolutions | RemoteBoolean | RemoteTriples:
    media = content_type.split(";")[0].strip().lower()
    results_format = ox.QueryResultsFormat.from_media_type(media) if media else None
    rdf_format = None if results_format else (ox.RdfFormat.from_media_type(media) if media else None)
    try:
        if results_format is not None:
            parsed = ox.parse_query_results(body, format=results_format)
            if isinstance(parsed, ox.QueryBoolean):
                return RemoteBoolean(body, results_format, bool(parsed))
            return RemoteSolutions(body, results_format)
        if rdf_format is not None:
            return RemoteTriples(body, rdf_format)
    except SyntaxError as err:
        raise StoreError(f"the SPARQL server at {url} sent an answer that does not parse: {err}") from err
    raise StoreError(f"the SPARQL server at {url} answered in an unexpected format {content_type!r}")


# -- binding variables --------------------------------------------------------------------

_FORM = re.compile(r"(?<![\w?$:])(SELECT|CONSTRUCT|DESCRIBE|ASK)(?![\w:])", re.IGNORECASE)


def _where_brace(sparql: str) -> int:
    """The offset of the ``{`` that opens the query's WHERE group, or -1. Comments,
    strings and IRIs are blanked first (same length), so braces in them do not count."""
    text = code_only(sparql)
    form = _FORM.search(text)
    if form is None:
        return -1
    depth_paren = 0
    skip_template = form.group(1).upper() == "CONSTRUCT"
    i = form.end()
    while i < len(text):
        char = text[i]
        if char == "(":
            depth_paren += 1
        elif char == ")":
            depth_paren -= 1
        elif char == "{" and depth_paren == 0:
            if not skip_template:
                return i
            # The CONSTRUCT template: skip it to its closing brace.
            depth = 0
            while i < len(text):
                depth += {"{": 1, "}": -1}.get(text[i], 0)
                if depth == 0:
                    break
                i += 1
            skip_template = False
        i += 1
    return -1


def _sparql_term(name: str, term: Any) -> str:
    if not _VARNAME.fullmatch(name):
        raise QueryRejected(f"{name!r} is not a SPARQL variable name")
    if isinstance(term, ox.NamedNode | ox.Literal):
        return str(term)  # pyoxigraph's N-Triples form, escaped: valid SPARQL
    raise QueryRejected(f"?{name} can only be bound to an IRI or a literal on a remote store, not {term!r}")


def bind(sparql: str, substitutions: dict[str, Any]) -> str:
    """``sparql`` with each variable bound to its term by a VALUES block opening the WHERE
    group (the same effect as pyoxigraph's ``substitutions`` for hcckg's queries, except
    inside sub-SELECTs, which do not see outer bindings)."""
    if not substitutions:
        return sparql
    names = list(substitutions)
    values = " ".join(_sparql_term(n, substitutions[n]) for n in names)
    block = f" VALUES ({' '.join('?' + n for n in names)}) {{ ({values}) }} "
    at = _where_brace(sparql)
    if at < 0:
        raise QueryRejected("cannot bind variables: the query has no WHERE group")
    return sparql[: at + 1] + block + sparql[at + 1 :]


# -- HTTP ---------------------------------------------------------------------------------


class _Connections(threading.local):
    """One kept-alive connection per thread and host; a forked child makes its own."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.by_host: dict[tuple[str, str], http.client.HTTPConnection] = {}


class RemoteStore:
    """A store on a SPARQL server; the same interface as ``graph.store.EmbeddedStore``."""

    kind = "sparql"

    def __init__(
        self,
        urls: Endpoints,
        *,
        base_iri: str,
        read_only: bool = True,
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        timeout: float = 30.0,
        query_timeout: float | None = None,
        retries: int = 3,
        backoff: float = 0.25,
    ):
        self.urls = urls
        self.prefix = base_iri + "graph/"
        self.staging = base_iri + "staging/"
        self.read_only = read_only
        self.timeout = timeout
        self.query_timeout = query_timeout or timeout
        self.retries = retries
        self.backoff = backoff
        self.auth: str | None = None
        if token:
            self.auth = f"Bearer {token}"
        elif user:
            pair = f"{user}:{password or ''}".encode()
            self.auth = "Basic " + base64.b64encode(pair).decode("ascii")
        self._local = _Connections()

    def __repr__(self) -> str:
        return f"<RemoteStore {self.urls.query}>"

    # -- HTTP ------------------------------------------------------------------------------
    def _connection(self, url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
        if self._local.pid != os.getpid():
            self._local = _Connections()
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        conn = self._local.by_host.get(key)
        if conn is None:
            cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            conn = self._local.by_host[key] = cls(parts.hostname, parts.port, timeout=timeout)
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        path = parts.path or "/"
        return conn, path + (f"?{parts.query}" if parts.query else "")

    def _drop(self, url: str) -> None:
        parts = urlsplit(url)
        conn = self._local.by_host.pop((parts.scheme, parts.netloc), None)
        if conn is not None:
            conn.close()

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        max_bytes: int = MAX_RESPONSE_BYTES,
        also_ok: tuple[int, ...] = (),
    ) -> tuple[int, str, bytes]:
        """One HTTP request with retries (connection errors, 502/503/504) and backoff.
        Returns (status, content type, body) for 2xx and ``also_ok``; raises the project's
        errors otherwise."""
        timeout = timeout or self.timeout
        sent = dict(headers or {})
        if self.auth:
            sent["Authorization"] = self.auth
        attempt = 0
        while True:
            conn, path = self._connection(url, timeout)
            reused = conn.sock is not None
            try:
                conn.request(method, path, body=body, headers=sent)
                response = conn.getresponse()
                data = response.read(max_bytes + 1)
                status, content_type = response.status, response.getheader("Content-Type", "")
                if response.will_close:
                    self._drop(url)
            except TimeoutError as err:
                self._drop(url)
                raise QueryTimeout(
                    f"the SPARQL server at {url} did not answer within {timeout:g} s "
                    "(HCCKG_QUERY_TIMEOUT for queries, HCCKG_SPARQL_TIMEOUT for other requests)"
                ) from err
            except (OSError, http.client.HTTPException) as err:
                self._drop(url)
                if reused and isinstance(
                    err, http.client.RemoteDisconnected | ConnectionResetError | BrokenPipeError
                ):
                    continue  # the server closed an idle kept-alive connection: try a fresh one
                if attempt < self.retries:
                    time.sleep(self.backoff * 2**attempt)
                    attempt += 1
                    continue
                raise StoreUnavailable(
                    f"the SPARQL server at {url} does not answer ({err}) after {attempt + 1} attempt(s); "
                    "check that it runs and that HCCKG_STORE names it"
                ) from err
            if status in _RETRY_STATUSES and attempt < self.retries:
                time.sleep(self.backoff * 2**attempt)
                attempt += 1
                continue
            if len(data) > max_bytes:
                self._drop(url)
                raise ResultTooLarge(f"the answer of the SPARQL server at {url} is over {max_bytes} bytes")
            if 200 <= status < 300 or status in also_ok:
                return status, content_type, data
            raise _http_error(method, url, status, data)

    # -- reading ---------------------------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[str, Any] | None = None,
        default_graph: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
        timeout: float | None = None,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> RemoteSolutions | RemoteBoolean | RemoteTriples:
        """Run a SPARQL query on the server. Without ``default_graph`` the default graph is
        the union of hcckg's graphs; without ``named_graphs``, GRAPH sees hcckg's graphs.
        ``timeout`` (seconds) defaults to HCCKG_QUERY_TIMEOUT."""
        text = bind(sparql, substitutions or {})
        ours = None if (default_graph and named_graphs) else self.graphs()
        fields = [("query", text)]
        fields += [("default-graph-uri", g.value) for g in (default_graph or ours or [])]
        fields += [("named-graph-uri", g.value) for g in (named_graphs or ours or [])]
        if not (default_graph or ours):
            # No hcckg graph on the server: an empty dataset, not the server's own default graph.
            fields.append(("default-graph-uri", self.staging + "none"))
        _, content_type, body = self.request(
            "POST",
            self.urls.query,
            body=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": QUERY_ACCEPT},
            timeout=timeout or self.query_timeout,
            max_bytes=max_bytes,
        )
        return _parse_answer(body, content_type, self.urls.query)

    def select(self, sparql: str, **kwargs: Any) -> list[dict[str, Any]]:
        """A SELECT query as a list of {variable: term} dicts (for small results)."""
        results = self.query(sparql, **kwargs)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    def graphs(self) -> list[ox.NamedNode]:
        """hcckg's named graphs on the server (those under ``{base}graph/``), sorted."""
        key = (self.urls.query, self.prefix)
        now = time.monotonic()
        known = _known_graphs.get(key)
        if known is None or now - known[0] > GRAPHS_TTL:
            _, content_type, body = self.request(
                "POST",
                self.urls.query,
                body=urlencode({"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"}).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept": QUERY_ACCEPT},
            )
            answer = _parse_answer(body, content_type, self.urls.query)
            names = [row["g"] for row in answer if isinstance(row["g"], ox.NamedNode)]
            ours = sorted((g for g in names if g.value.startswith(self.prefix)), key=str)
            known = _known_graphs[key] = (now, ours)
        return list(known[1])

    def count(self, graph: ox.NamedNode | None = None) -> int:
        if graph is None:
            rows = self.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }")
        else:
            rows = self.select(
                "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
                named_graphs=[graph],
                default_graph=[graph],
            )
        return int(rows[0]["n"].value)

    def quads(self, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """The quads of one of hcckg's graphs, or of all of them (read with GSP GET)."""
        for name in [graph] if graph is not None else self.graphs():
            status, _, body = self.request(
                "GET",
                self._gsp(name),
                headers={"Accept": "application/n-triples"},
                max_bytes=2**62,
                also_ok=(404,),
            )
            if status == 404:  # no such graph: no quads, as in the embedded store
                continue
            for quad in ox.parse(body, format=ox.RdfFormat.N_TRIPLES):
                yield ox.Quad(quad.subject, quad.predicate, quad.object, name)

    def dump(self, output: Any, fmt: ox.RdfFormat, graph: ox.NamedNode | None = None) -> None:
        if graph is None:
            ox.serialize(self.quads(), output, fmt)
        else:
            ox.serialize((q.triple for q in self.quads(graph)), output, fmt)

    # -- writing -------------------------------------------------------------------------
    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(f"the store at {self.urls.query} was opened read-only: it cannot be written")

    def _gsp(self, graph: ox.NamedNode) -> str:
        joiner = "&" if "?" in self.urls.gsp else "?"
        return f"{self.urls.gsp}{joiner}graph={quote(graph.value, safe='')}"

    def update(self, sparql_update: str) -> None:
        self._writable()
        self.request(
            "POST",
            self.urls.update,
            body=urlencode({"update": sparql_update}).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        _known_graphs.pop((self.urls.query, self.prefix), None)

    def upload(self, graph: ox.NamedNode, quads: Iterable[ox.Triple | ox.Quad]) -> int:
        """Replace ``graph`` with ``quads`` by one GSP PUT (N-Triples); returns the count.
        Nothing is sent for an empty graph."""
        self._writable()
        count = 0

        def triples() -> Iterator[ox.Triple]:
            nonlocal count
            for q in quads:
                count += 1
                yield ox.Triple(q.subject, q.predicate, q.object)

        buffer = io.BytesIO()
        ox.serialize(triples(), buffer, ox.RdfFormat.N_TRIPLES)
        if count:
            self.request(
                "PUT",
                self._gsp(graph),
                body=buffer.getvalue(),
                headers={"Content-Type": "application/n-triples"},
            )
        return count

    def replace_graphs(
        self,
        graphs: dict[ox.NamedNode, Iterable[ox.Triple | ox.Quad]],
        *,
        drop: Iterable[ox.NamedNode] = (),
        progress: Callable[[str], None] = lambda _m: None,
    ) -> dict[str, int]:
        """Replace the given graphs and drop ``drop``, leaving every other graph alone:
        upload into staging graphs, then swap them in with one update request."""
        self._writable()
        run = f"{self.staging}{uuid.uuid4().hex}/"
        staged: dict[ox.NamedNode, ox.NamedNode] = {}
        counts: dict[str, int] = {}
        try:
            for i, (name, content) in enumerate(graphs.items()):
                staged[name] = ox.NamedNode(f"{run}{i}")
                counts[name.value] = self.upload(staged[name], content)
                progress(f"uploaded {counts[name.value]:>7} quads for <{name.value}> to a staging graph")
            steps = [f"DROP SILENT GRAPH {g}" for g in drop if g not in graphs]
            for name, tmp in staged.items():
                # MOVE (not SILENT) fails loudly if the staged graph went missing.
                steps.append(
                    f"MOVE GRAPH {tmp} TO GRAPH {name}" if counts[name.value] else f"DROP SILENT GRAPH {name}"
                )
            if steps:
                self.update(" ;\n".join(steps))
        except BaseException:
            self._clean(staged.values())
            raise
        progress(f"swapped {len(staged)} graph(s) in one update at {self.urls.update}")
        return counts

    def _clean(self, staged: Iterable[ox.NamedNode]) -> None:
        """Best effort: remove staging graphs left by a failed replacement."""
        steps = [f"DROP SILENT GRAPH {g}" for g in staged]
        if steps:
            # If the server is gone, the staging graphs stay, outside hcckg's graphs.
            with contextlib.suppress(StoreError):
                self.update(" ;\n".join(steps))

    def replace_graph(self, graph: ox.NamedNode, quads: Iterable[ox.Quad | ox.Triple]) -> int:
        """Replace one named graph's content; returns the number of quads written."""
        return self.replace_graphs({graph: quads})[graph.value]

    def flush(self) -> None:
        """Every write is sent when it is made."""

    def close(self) -> None:
        for conn in self._local.by_host.values():
            conn.close()
        self._local.by_host.clear()

    def ping(self) -> None:
        """Fail early, with a clear message, when the server does not answer."""
        self.graphs()


def _http_error(method: str, url: str, status: int, data: bytes) -> Exception:
    detail = data[:500].decode("utf-8", "replace").strip()
    where = f"the SPARQL server at {url} answered {method} with HTTP {status}"
    if status == 400:
        return QuerySyntaxError(f"{where}: {detail}")
    if status in (401, 403):
        return StoreError(
            f"{where}: access refused; set HCCKG_SPARQL_USER and HCCKG_SPARQL_PASSWORD, or HCCKG_SPARQL_TOKEN"
        )
    if status == 404:
        return StoreError(
            f"{where} (not found): check HCCKG_STORE, HCCKG_SPARQL_UPDATE_URL and HCCKG_SPARQL_GSP_URL"
        )
    if status in _RETRY_STATUSES:
        return StoreUnavailable(f"{where}: {detail}")
    return StoreError(f"{where}: {detail}")


def open_remote(settings: Any, spec: str, *, read_only: bool = True) -> RemoteStore:
    """The remote store named by ``spec`` (``sparql:URL``), checked to answer."""
    urls = endpoints(spec.removeprefix("sparql:"), settings.sparql_update_url, settings.sparql_gsp_url)
    store = RemoteStore(
        urls,
        base_iri=settings.base_iri,
        read_only=read_only,
        user=settings.sparql_user,
        password=settings.sparql_password,
        token=settings.sparql_token,
        timeout=settings.sparql_timeout,
        query_timeout=settings.query_timeout,
        retries=settings.sparql_retries,
    )
    store.ping()
    return store
