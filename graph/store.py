"""The embedded store: an on-disk pyoxigraph store, built atomically, read by queries.

Layout on disk: ``HCCKG_STORE`` (default ``var/store``) is a symbolic link to one finished
build in ``<store>.builds/<id>``. ``build()`` writes a complete new build next to the old
one, checks it opens, and only then swaps the link (``os.replace`` is atomic), so a failed
or killed build leaves the previous store serving, untouched (``graph/builds.py``).

Queries see the union of all named graphs as their default graph unless the caller names
graphs explicitly (SPARQL protocol ``default-graph-uri`` / ``named-graph-uri``).

:class:`Store` is the interface loaders, queries and the server use. ``open_store`` and
``publish`` pick the implementation from ``HCCKG_STORE``: a path or ``oxigraph:PATH`` is
this embedded store, ``sparql:URL`` a SPARQL server (``graph/remote.py``).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from hcckg.ground.errors import QuerySyntaxError, StoreError, StoreUnavailable

_POSITION_RE = re.compile(r"(?:line|at) (\d+)[:, ]+(?:column )?(\d+)")


def _syntax_error(err: SyntaxError) -> QuerySyntaxError:
    message = str(err)
    match = _POSITION_RE.search(message)
    position = (int(match.group(1)), int(match.group(2))) if match else None
    return QuerySyntaxError(message, position)


class EmbeddedStore:
    """A pyoxigraph store with the project's error conventions."""

    kind = "oxigraph"

    def __init__(
        self, inner: ox.Store, path: Path | None = None, *, read_only: bool = False, in_memory: bool = False
    ):
        self.inner = inner
        self.path = path  # the build folder (for a memory copy: the build it was copied from)
        self.read_only = read_only
        self.in_memory = in_memory or path is None

    def _writable(self) -> None:
        # pyoxigraph answers a write to a read-only store with a bare RuntimeError.
        if self.read_only:
            raise StoreError(f"the store at {self.path} was opened read-only: it cannot be written")

    # -- reading -------------------------------------------------------------------
    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[str, Any] | None = None,
        default_graph: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
        base_iri: str | None = None,
    ) -> Any:
        """Run a SPARQL query. ``substitutions`` binds variables (names without ``?``) to
        terms, never by pasting text; relative IRIs resolve against ``base_iri``. Returns
        pyoxigraph's result object."""
        kwargs: dict[str, Any] = {"base_iri": base_iri} if base_iri else {}
        if default_graph:
            kwargs["default_graph"] = default_graph
        else:
            kwargs["use_default_graph_as_union"] = True
        if named_graphs:
            kwargs["named_graphs"] = named_graphs
        if substitutions:
            kwargs["substitutions"] = {ox.Variable(k): v for k, v in substitutions.items()}
        try:
            return self.inner.query(sparql, **kwargs)
        except SyntaxError as err:
            raise _syntax_error(err) from err
        except OSError as err:
            raise StoreError(f"store read failed: {err}") from err

    def select(self, sparql: str, **kwargs: Any) -> list[dict[str, Any]]:
        """A SELECT query as a list of {variable: term} dicts (for small results)."""
        results = self.query(sparql, **kwargs)
        names = [v.value for v in results.variables]
        return [{n: row[n] for n in names if row[n] is not None} for row in results]

    def graphs(self) -> list[ox.NamedNode]:
        return sorted((g for g in self.inner.named_graphs() if isinstance(g, ox.NamedNode)), key=str)

    def count(self, graph: ox.NamedNode | None = None) -> int:
        if graph is None:
            return len(self.inner)
        return sum(1 for _ in self.inner.quads_for_pattern(None, None, None, graph))

    def quads(self, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]:
        return self.inner.quads_for_pattern(None, None, None, graph)

    def dump(self, output: Any, fmt: ox.RdfFormat, graph: ox.NamedNode | None = None) -> None:
        if graph is None:
            self.inner.dump(output, format=fmt)
        else:
            self.inner.dump(output, format=fmt, from_graph=graph)

    # -- writing (build time only) -----------------------------------------------------
    def replace_graph(self, graph: ox.NamedNode, quads: Iterable[ox.Quad]) -> int:
        """Replace one named graph's content; returns the number of quads written."""
        self._writable()
        with contextlib.suppress(OSError):
            self.inner.clear_graph(graph)
        batch = [ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads]
        try:
            self.inner.extend(batch)
        except OSError as err:
            raise StoreError(f"store write failed: {err}") from err
        return len(batch)

    def bulk_write_graphs(
        self,
        graphs: dict[ox.NamedNode, Iterable[ox.Triple | ox.Quad]],
        *,
        also: Iterable[ox.Quad] = (),
    ) -> dict[str, int]:
        """Add many named graphs (and the quads ``also``, kept in their own graphs) to a store
        nobody reads yet, in ONE bulk load; returns the number of quads per graph of
        ``graphs``. pyoxigraph's bulk loader streams them: at 1M quads it is 3x faster than
        a transaction and does not hold them all in memory (bench/README.md). Each bulk load
        has a fixed cost (it writes and ingests files of its own), so one load per graph made
        publishing 10,000 trials ~100x slower than mapping them (issue 6)."""
        counts: dict[str, int] = {}

        def placed() -> Iterator[ox.Quad]:
            yield from also
            for graph, quads in graphs.items():
                n = 0
                for q in quads:
                    n += 1
                    yield ox.Quad(q.subject, q.predicate, q.object, graph)
                counts[graph.value] = n

        try:
            self.inner.bulk_extend(placed())
        except OSError as err:
            raise StoreError(f"store write failed: {err}") from err
        return counts

    def update(self, sparql_update: str) -> None:
        self._writable()
        try:
            self.inner.update(sparql_update)
        except SyntaxError as err:
            raise _syntax_error(err) from err
        except OSError as err:
            raise StoreError(f"store write failed: {err}") from err

    def flush(self) -> None:
        with contextlib.suppress(AttributeError):
            self.inner.flush()

    def close(self) -> None:
        """pyoxigraph closes the store when the object is dropped."""
        self.inner = None  # type: ignore[assignment]


def memory_store() -> EmbeddedStore:
    return EmbeddedStore(ox.Store())


def open_embedded(path: Path, *, read_only: bool = True) -> EmbeddedStore:
    """Open the finished store at ``path`` (the link). Read-only by default."""
    if not path.exists():
        raise StoreUnavailable(f"no store at {path}: run `hcckg build` (or `make serve`) first")
    real = path.resolve()
    try:
        inner = ox.Store.read_only(str(real)) if read_only else ox.Store(str(real))
    except OSError as err:
        raise StoreError(f"cannot open the store at {real}: {err}") from err
    return EmbeddedStore(inner, real, read_only=read_only)


def build(
    path: Path, writer: Callable[[EmbeddedStore], None], *, keep: int = 2, sources: str | None = None
) -> Path:
    """Write a complete new store with ``writer`` and swap it in atomically (crash-safe:
    ``graph/builds.py``); the new build's folder. ``sources``: the fingerprint kept with it."""
    from hcckg.graph.builds import build as crash_safe_build

    return crash_safe_build(path, writer, keep=keep, sources=sources)


class Store(Protocol):
    """What callers may rely on, whichever store ``open_store`` gave them. ``query``
    returns pyoxigraph's results or objects that behave like them: iterate solutions and
    read ``row["var"]`` and ``.variables``; ``bool()`` an ASK answer; iterate CONSTRUCT
    triples; ``.serialize(output, format)`` any of them. Use :func:`result_form` rather
    than ``isinstance`` to tell them apart."""

    kind: str  # "oxigraph" or "sparql", for messages and logs only

    def query(
        self,
        sparql: str,
        *,
        substitutions: dict[str, Any] | None = None,
        default_graph: list[ox.NamedNode] | None = None,
        named_graphs: list[ox.NamedNode] | None = None,
    ) -> Any: ...

    def select(self, sparql: str, **kwargs: Any) -> list[dict[str, Any]]: ...

    def graphs(self) -> list[ox.NamedNode]: ...

    def count(self, graph: ox.NamedNode | None = None) -> int: ...

    def quads(self, graph: ox.NamedNode | None = None) -> Iterator[ox.Quad]: ...

    def dump(self, output: Any, fmt: ox.RdfFormat, graph: ox.NamedNode | None = None) -> None: ...

    def replace_graph(self, graph: ox.NamedNode, quads: Iterable[ox.Quad | ox.Triple]) -> int: ...

    def update(self, sparql_update: str) -> None: ...

    def close(self) -> None: ...


def result_form(result: Any) -> str:
    """``"boolean"``, ``"solutions"`` or ``"triples"``: the form of a query result from
    either store (``isinstance`` on pyoxigraph's classes misses the remote store's)."""
    if hasattr(result, "variables"):
        return "solutions"
    if hasattr(result, "__iter__"):
        return "triples"
    return "boolean"


def is_remote(spec: str) -> bool:
    """Whether a store spec (``HCCKG_STORE``) names a SPARQL server."""
    return spec.startswith(("sparql:", "http://", "https://"))


def open_store(settings, *, read_only: bool = True) -> Store:
    """The store named by the settings (``HCCKG_STORE``): embedded, or a SPARQL server
    (checked to answer; ``StoreUnavailable`` when it does not)."""
    if is_remote(settings.store):
        from hcckg.graph.remote import open_remote

        return open_remote(settings, settings.store, read_only=read_only)
    return open_embedded(settings.store_path, read_only=read_only)


def publish(
    settings,
    graphs: dict[ox.NamedNode, Iterable[ox.Triple | ox.Quad]],
    *,
    keep_others: bool = True,
    drop: Iterable[ox.NamedNode] = (),
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, int]:
    """Replace the given named graphs in the store, atomically (see :func:`publish_build`);
    the number of quads written per graph."""
    return publish_build(settings, graphs, keep_others=keep_others, drop=drop, progress=progress)[0]


def publish_build(
    settings,
    graphs: dict[ox.NamedNode, Iterable[ox.Triple | ox.Quad]],
    *,
    keep_others: bool = True,
    drop: Iterable[ox.NamedNode] = (),
    progress: Callable[[str], None] = lambda _m: None,
    sources: str | None = None,
) -> tuple[dict[str, int], Path | None]:
    """Replace the given named graphs in the store, atomically; the quads written per
    graph and the new build's folder (None on a SPARQL server).

    With ``keep_others`` the graphs not named in ``graphs`` (or ``drop``) are carried over
    from the current store; otherwise the new store holds exactly ``graphs``.

    On a SPARQL server "the store" is hcckg's graphs there (under ``{base}graph/``); the
    server's other graphs are never touched. The new graphs are uploaded to staging graphs
    and swapped in with one update request (see ``graph/remote.py``).
    """
    if is_remote(settings.store):
        remote = open_store(settings, read_only=False)
        removed = set(drop)
        if not keep_others:
            removed |= set(remote.graphs()) - set(graphs)
        return remote.replace_graphs(graphs, drop=removed, progress=progress), None
    path = settings.store_path
    counts: dict[str, int] = {}
    replaced = set(graphs) | set(drop)

    def writer(new: EmbeddedStore) -> None:
        # The new build is empty: the carried-over graphs and all the new ones go in one
        # bulk stream (nothing to clear, and one load instead of one per graph).
        old = open_embedded(path, read_only=True) if keep_others and path.exists() else None
        kept = 0

        def carried(source: EmbeddedStore | None) -> Iterator[ox.Quad]:
            nonlocal kept
            for q in source.inner if source is not None else ():
                if q.graph_name not in replaced:
                    kept += 1
                    yield q

        written = new.bulk_write_graphs(graphs, also=carried(old))
        del old
        if kept:
            progress(f"kept {kept} quads of other graphs")
        for name in graphs:
            counts[name.value] = written[name.value]
            progress(f"wrote {counts[name.value]:>7} quads to <{name.value}>")

    folder = build(path, writer, sources=sources)
    return counts, folder
