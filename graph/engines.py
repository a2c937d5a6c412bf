"""What differs between SPARQL engines, in one place: how hcckg's graphs are listed, how the
query time limit is passed, and how each engine says that an answer is cut short.

The engine is recognised from its answers' headers (``Server: Virtuoso/…``,
``Fuseki-Request-Id``, ``Server: Oxigraph/…``) or named by ``HCCKG_SPARQL_ENGINE`` (for a
proxy that rewrites them). An unknown engine gets the standard protocol only.

- **Graph listing.** ``SELECT DISTINCT ?g WHERE { GRAPH ?g { } }`` is the standard, cheap
  form; Virtuoso answers it with one row whose ``?g`` is unbound, so there hcckg asks
  ``GRAPH ?g { ?s ?p ?o }`` restricted to its own prefix (0.07 s; unrestricted 11–14 s).
  Any engine's listing with an unbound or non-IRI ``?g`` is refused, never read as "no graphs".
- **Time limit.** The engine is given ``ENGINE_SHARE`` of hcckg's limit, so that its own
  "stopped" answer arrives before hcckg gives up waiting (then the engine, not a closed
  socket, is known to have stopped the query). Virtuoso takes a ``timeout`` parameter in
  milliseconds and answers at the limit with what it has (an "anytime" answer, header
  ``X-SQL-State: S1TAT``), which hcckg reports as a timeout; it may spend the limit once per
  evaluation phase (selection, grouping, ordering: measured, a COUNT stopped at 2×), so it
  gets a third of that share. Fuseki takes ``timeout`` in whole seconds and answers 503
  "Query timed out". Oxigraph has only its server-wide ``--timeout-s``.
- **Binding.** Variables are bound by a VALUES block opening the WHERE group; on Virtuoso by
  ``BIND(term AS ?var)``, because Virtuoso 7.2 never finished ``search.rq`` with the VALUES
  block (neither its ``timeout`` nor ``MaxQueryExecutionTime`` stopped it).
- **The swap.** ``MOVE GRAPH`` per graph, in one update request; on Fuseki ``DROP`` then
  ``INSERT … WHERE``, because Fuseki 5.6.0 (TDB2) loses triples in MOVE, COPY and ADD.
  Every engine's result is counted afterwards (``RemoteStore.replace_graphs``).
- **Truncation.** Virtuoso cuts answers at ``ResultSetMaxRows`` with HTTP 200 and says so in
  ``X-SPARQL-MaxRows``: that is an error (``ResultTooLarge``), never a short answer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hcckg.graph.http import Reply
from hcckg.ground.errors import QueryTimeout, ResultTooLarge, StoreError

ENGINES = ("oxigraph", "virtuoso", "fuseki", "generic")
ENGINE_SHARE = 0.75


@dataclass(frozen=True)
class Engine:
    name: str

    def graphs_query(self, prefix: str) -> str:
        """The query that lists the named graphs whose IRI starts with ``prefix``."""
        if self.name == "virtuoso":
            literal = '"' + prefix.replace("\\", "\\\\").replace('"', '\\"') + '"'
            return f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), {literal})) }}"
        return "SELECT DISTINCT ?g WHERE { GRAPH ?g { } }"

    @property
    def binding(self) -> str:
        """How variables are bound into query text (``graph/binding.py``)."""
        return "bind" if self.name == "virtuoso" else "values"

    def move(self, staged: str, target: str) -> str:
        """The update step that puts the staged graph in the target's place."""
        if self.name == "fuseki":
            # Fuseki 5.6.0 (TDB2) loses triples in MOVE, COPY and ADD into a graph that held
            # the same subjects (measured: 2,950 of 3,000); INSERT … WHERE keeps them all.
            return (
                f"DROP SILENT GRAPH <{target}> ; INSERT {{ GRAPH <{target}> {{ ?s ?p ?o }} }} "
                f"WHERE {{ GRAPH <{staged}> {{ ?s ?p ?o }} }} ; DROP GRAPH <{staged}>"
            )
        # MOVE (not SILENT) fails loudly if the staged graph went missing.
        return f"MOVE GRAPH <{staged}> TO GRAPH <{target}>"

    def timeout_fields(self, seconds: float) -> list[tuple[str, str]]:
        """Protocol parameters that give the engine ``seconds`` to evaluate a query."""
        budget = seconds * ENGINE_SHARE
        if self.name == "virtuoso":
            return [("timeout", str(max(1, int(budget * 1000 / 3))))]
        if self.name == "fuseki":
            return [("timeout", str(max(1, math.floor(budget))))]
        return []

    def check(self, reply: Reply, url: str) -> None:
        """Refuse a 2xx answer the engine marked as incomplete."""
        if reply.headers.get("X-SQL-State", "").strip() == "S1TAT":
            raise QueryTimeout(
                f"the SPARQL server at {url} stopped the query at its time limit and sent a partial "
                "answer (Virtuoso's anytime result); narrow the query"
            )
        cap = reply.headers.get("X-SPARQL-MaxRows")
        if cap is not None:
            raise ResultTooLarge(
                f"the SPARQL server at {url} cut its answer at {cap.strip()} rows (Virtuoso's "
                "ResultSetMaxRows); narrow the query, or raise the server's ResultSetMaxRows"
            )

    def interpret(self, reply: Reply, url: str) -> Exception | None:
        """The engine's own meaning of an error answer, or None for the generic one."""
        text = reply.body[:500].decode("utf-8", "replace")
        if reply.status == 503 and "timed out" in text.lower():  # Fuseki
            return QueryTimeout(
                f"the SPARQL server at {url} stopped the query at its time limit: {text.strip()}"
            )
        # Virtuoso: MaxQueryExecutionTime, a transaction timeout, or the anytime timeout where
        # it cannot send the partial answer (an aggregate under load: HTTP 500 "S1TAT Error
        # RC...: Returning partial results after anytime timeout").
        if any(state in text for state in ("SR171", "S1T00", "S1TAT")):
            return QueryTimeout(
                f"the SPARQL server at {url} stopped the query at its time limit: {text.strip()}"
            )
        return None


def detect(headers) -> str:
    """The engine that sent an answer with these headers."""
    server = headers.get("Server", "").lower()
    if server.startswith("virtuoso"):
        return "virtuoso"
    if "Fuseki-Request-Id" in headers or "fuseki" in server:
        return "fuseki"
    if server.startswith("oxigraph"):
        return "oxigraph"
    return "generic"


def engine(name: str) -> Engine:
    if name not in ENGINES:
        raise StoreError(f"HCCKG_SPARQL_ENGINE={name!r}: expected auto or one of {', '.join(ENGINES)}")
    return Engine(name)
