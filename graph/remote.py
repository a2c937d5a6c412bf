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
(``MOVE`` per graph, or the engine's own step; ``DROP`` for removed ones), then counts what
the server holds. On engines that run one update request in one transaction with snapshot
reads (tested: Oxigraph, Fuseki/TDB2) readers see the old graphs or the new ones, never a
mix; Virtuoso's readers (read committed) can see the commit half done.

The store cannot lie: an answer in the wrong form, cut at the engine's row cap, partial at
its time limit, or a graph read that returned fewer triples than the graph holds, is an
error, never a short answer (``graph/engines.py`` has what differs per engine). The jobs
are split: ``http`` (requests, retries, authentication), ``answers`` (results that behave
like pyoxigraph's), ``binding`` (query form, VALUES binding), ``engines``.
"""

from __future__ import annotations

import contextlib
import io
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import pyoxigraph as ox

from hcckg.graph.answers import ACCEPT, RemoteBoolean, RemoteSolutions, RemoteTriples, parse_answer
from hcckg.graph.binding import bind, query_form
from hcckg.graph.engines import Engine, detect, engine
from hcckg.graph.http import Client, Reply
from hcckg.ground.errors import ResultTooLarge, StoreError

__all__ = ["Endpoints", "RemoteStore", "bind", "endpoints", "open_remote"]

# An answer larger than this is refused before it is parsed (the row limit comes after).
MAX_RESPONSE_BYTES = 256 * 1024 * 1024
# How long the list of hcckg's graphs is trusted before it is asked for again: a build
# by another process shows up in queries within this many seconds. A write through any
# RemoteStore of this process forgets the list at once.
GRAPHS_TTL = 10.0
_known_graphs: dict[tuple[str, str], tuple[float, list[ox.NamedNode]]] = {}
_known_engines: dict[str, str] = {}
_FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


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
        auth: str = "basic",
        engine_name: str = "auto",
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
        self.http = Client(
            user=user,
            password=password,
            token=token,
            auth_scheme=auth,
            timeout=timeout,
            retries=retries,
            backoff=backoff,
        )
        self._engine = None if engine_name == "auto" else engine(engine_name)

    def __repr__(self) -> str:
        return f"<RemoteStore {self.urls.query}>"

    # -- HTTP ------------------------------------------------------------------------------
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
    ) -> Reply:
        """One HTTP request (``graph/http.py``: retries, authentication, errors), read
        through the engine's rules for incomplete answers and its own error answers."""
        known = self._engine
        reply = self.http.request(
            method,
            url,
            body=body,
            headers=headers,
            timeout=timeout,
            max_bytes=max_bytes,
            also_ok=also_ok,
            interpret=(lambda r: known.interpret(r, url)) if known else None,
        )
        (known or self.engine).check(reply, url)
        return reply

    @property
    def engine(self) -> Engine:
        """The engine behind the query URL, recognised from an answer's headers (once per
        process and URL) unless ``HCCKG_SPARQL_ENGINE`` names it."""
        if self._engine is None:
            name = _known_engines.get(self.urls.query)
            if name is None:
                probe = self.http.request(
                    "GET",
                    self.urls.query
                    + ("&" if "?" in self.urls.query else "?")
                    + urlencode({"query": "ASK {}"}),
                    headers={"Accept": ACCEPT["boolean"]},
                    max_bytes=1 << 20,
                )
                name = _known_engines[self.urls.query] = detect(probe.headers)
            self._engine = engine(name)
        return self._engine

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
        ``timeout`` (seconds) defaults to HCCKG_QUERY_TIMEOUT; the engine is given its share
        of it in its own terms, so that it stops the query itself."""
        text = bind(sparql, substitutions or {}, style=self.engine.binding) if substitutions else sparql
        form = query_form(text)
        limit = timeout or self.query_timeout
        ours = None if (default_graph and named_graphs) else self.graphs()
        fields = [("query", text)]
        fields += [("default-graph-uri", g.value) for g in (default_graph or ours or [])]
        fields += [("named-graph-uri", g.value) for g in (named_graphs or ours or [])]
        if not (default_graph or ours):
            # No hcckg graph on the server: an empty dataset, not the server's own default graph.
            fields.append(("default-graph-uri", self.staging + "none"))
        fields += self.engine.timeout_fields(limit)
        reply = self.request(
            "POST",
            self.urls.query,
            body=urlencode(fields).encode(),
            headers={**_FORM_HEADERS, "Accept": ACCEPT[form or "solutions"]},
            timeout=limit,
            max_bytes=max_bytes,
        )
        return parse_answer(reply.body, reply.content_type, self.urls.query, form)

    def select(self, sparql: str, **kwargs: Any) -> list[dict[str, Any]]:
        """A SELECT query as a list of {variable: term} dicts (for small results)."""
        results = self.query(sparql, **kwargs)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    def graphs(self) -> list[ox.NamedNode]:
        """hcckg's named graphs on the server (those under ``{base}graph/``), sorted. Asked
        by GET, so that a 502/503/504 is retried (``graph/http.py``)."""
        key = (self.urls.query, self.prefix)
        now = time.monotonic()
        known = _known_graphs.get(key)
        if known is None or now - known[0] > GRAPHS_TTL:
            joiner = "&" if "?" in self.urls.query else "?"
            url = self.urls.query + joiner + urlencode({"query": self.engine.graphs_query(self.prefix)})
            reply = self.request("GET", url, headers={"Accept": ACCEPT["solutions"]})
            answer = parse_answer(reply.body, reply.content_type, self.urls.query, "solutions")
            names = [row["g"] for row in answer]
            if not all(isinstance(g, ox.NamedNode) for g in names):
                # Virtuoso's answer to GRAPH ?g { }: one row, ?g unbound. Never "no graphs".
                raise StoreError(
                    f"the SPARQL server at {self.urls.query} listed its graphs with an unbound or "
                    f"non-IRI graph name ({self.engine.name} engine); set HCCKG_SPARQL_ENGINE"
                )
            ours = sorted({g for g in names if g.value.startswith(self.prefix)}, key=str)
            known = _known_graphs[key] = (now, ours)
        return list(known[1])

    def count(self, graph: ox.NamedNode | None = None) -> int:
        graphs = [graph] if graph is not None else self.graphs()
        if not graphs:
            return 0
        rows = self.select(
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
            named_graphs=graphs,
            default_graph=graphs,
        )
        return int(rows[0]["n"].value)

    def quads(self, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        """The quads of one of hcckg's graphs, or of all of them (read with GSP GET, each
        graph's triples counted against the server's own COUNT)."""
        for name in [graph] if graph is not None else self.graphs():
            reply = self.request(
                "GET",
                self._gsp(name),
                headers={"Accept": "application/n-triples"},
                max_bytes=2**62,
                also_ok=(404,),
            )
            if reply.status == 404:  # no such graph: no quads, as in the embedded store
                continue
            triples = list(ox.parse(reply.body, format=ox.RdfFormat.N_TRIPLES))
            expected = self.count(name)
            if len(triples) != expected:
                raise ResultTooLarge(
                    f"the SPARQL server at {self.urls.gsp} sent {len(triples):,} of the {expected:,} "
                    f"triples of <{name.value}>: its answers are cut short (Virtuoso: raise "
                    "ResultSetMaxRows above the largest graph); nothing was written"
                )
            for quad in triples:
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
            headers=_FORM_HEADERS,
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
                steps.append(
                    self.engine.move(tmp.value, name.value)
                    if counts[name.value]
                    else f"DROP SILENT GRAPH {name}"
                )
            if steps:
                self.update(" ;\n".join(steps))
        except BaseException:
            self._clean(staged.values())
            raise
        progress(f"swapped {len(staged)} graph(s) in one update at {self.urls.update}")
        self._verify(counts)
        return counts

    def _verify(self, counts: dict[str, int]) -> None:
        """The server holds what was written: an engine that loses triples in the swap (as
        Fuseki 5.6.0 does in MOVE) is an error, never a quietly smaller graph."""
        for name, expected in counts.items():
            held = self.count(ox.NamedNode(name))
            if held != expected:
                raise StoreError(
                    f"after the swap the SPARQL server at {self.urls.query} holds {held:,} of the "
                    f"{expected:,} triples written to <{name}> ({self.engine.name} engine)"
                )

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
        self.http.close()

    def ping(self) -> None:
        """Fail early, with a clear message, when the server does not answer."""
        self.graphs()


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
        auth=settings.sparql_auth,
        engine_name=settings.sparql_engine,
        timeout=settings.sparql_timeout,
        query_timeout=settings.query_timeout,
        retries=settings.sparql_retries,
    )
    store.ping()
    return store
