"""``hcckg query``: run a SPARQL text or file, or a named query with its parameters."""

from __future__ import annotations

import sys
from pathlib import Path

from hcckg.graph.store import open_store
from hcckg.ground.errors import UnknownParameter
from hcckg.ground.settings import Settings
from hcckg.queries.catalogue import get_query, load_catalogue, parse_query_file
from hcckg.queries.execute import run_named, run_sparql


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``["drug=lenvatinib", "status=RECRUITING"]`` -> a dict; a pair without ``=`` is an error."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise UnknownParameter(f"--param {pair!r}: write NAME=VALUE, e.g. --param drug=lenvatinib")
        params[name.strip()] = value.strip()
    return params


def _catalogue_text() -> str:
    lines = []
    for query in load_catalogue().values():
        params = " ".join(f"{p.name}={p.example or '…'}" for p in query.parameters)
        orders = f"  [orderings: {', '.join(query.orderings)}]" if query.orderings else ""
        lines.append(f"{query.name:32} {query.title}{orders}")
        if params:
            lines.append(f"{'':32}   params: {params}")
    return "\n".join(lines)


def with_suggestions(err: UnknownParameter) -> UnknownParameter:
    """The error with its close matches in the message, for hcckg/cli.py to print."""
    if not err.suggestions:
        return err
    return UnknownParameter(f"{err} (did you mean: {', '.join(err.suggestions)}?)", err.suggestions)


def run_query(
    settings: Settings,
    sparql: str | None = None,
    *,
    name: str | None = None,
    params: list[str] = (),
    order: str | None = None,
    fmt: str = "table",
    list_queries: bool = False,
) -> int:
    """Print the answer of a SPARQL text or ``.rq`` file (``sparql``), or of the named query
    ``name`` with ``params`` (``K=V``) and ``order``, as ``fmt``; or the catalogue."""
    try:
        return _run_query(settings, sparql, name, list(params), order, fmt, list_queries)
    except UnknownParameter as err:
        raise with_suggestions(err) from err


def _run_query(settings, sparql, name, pairs, order, fmt, list_queries) -> int:
    if list_queries:
        print(_catalogue_text())
        return 0
    params = parse_params(pairs)
    if name:
        query = get_query(name)
    elif sparql:
        path = Path(sparql)
        is_file = sparql.endswith(".rq") or (len(sparql) < 4096 and path.is_file())
        # A .rq file with a #+ header is a named query: it takes --param and --order.
        if is_file and path.read_text(encoding="utf-8").lstrip().startswith("#+"):
            query = parse_query_file(path)
        else:
            if params or order:
                raise UnknownParameter(
                    "--param and --order apply to named queries (--name or a .rq with a header)"
                )
            text = path.read_text(encoding="utf-8") if is_file else sparql
            table = run_sparql(open_store(settings), text, max_rows=settings.max_rows)
            sys.stdout.write(table.render(fmt).rstrip("\n") + "\n")
            return 0
    else:
        raise UnknownParameter("give a SPARQL query, a .rq file, --name NAME or --list")
    table = run_named(open_store(settings), query, params, order=order, max_rows=settings.max_rows)
    sys.stdout.write(table.render(fmt).rstrip("\n") + "\n")
    return 0
