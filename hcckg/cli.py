"""The ``hcckg`` command. It only parses arguments and wires the stages together; each
command's work lives in the stage it belongs to. Errors the project raises on purpose
become a message on stderr and a non-zero exit status, never a traceback."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Callable
from pathlib import Path

from hcckg import __version__
from hcckg.ground.errors import HcckgError, SourceError, StoreUnavailable
from hcckg.ground.settings import Settings, load_settings

EXIT_ERROR = 1  # a problem in the sources or the request
EXIT_UNAVAILABLE = 3  # the store is missing or a remote store does not answer


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    overrides = {
        name: getattr(args, name)
        for name in ("store", "host", "port", "workers", "threads")
        if getattr(args, name, None) is not None
    }
    return dataclasses.replace(settings, **overrides)


def cmd_build(args: argparse.Namespace) -> int:
    from hcckg.pipeline import build, pickup, up_to_date

    settings = _settings(args)
    if args.if_changed and (current := up_to_date(settings)) is not None:
        print(f"build {current.id} is up to date (same sources, code and settings): not rebuilt")
        return 0
    report = build(settings, progress=_progress(args), diff=args.diff)
    print(report.summary())
    for line in pickup(settings, report.build_id, wait=args.wait):
        print(line)
    return 0


def cmd_diff(args: argparse.Namespace) -> int:
    from hcckg.diff import diff
    from hcckg.diff_report import render

    text = render(diff(args.old, args.new, _settings(args)), args.format)
    _write(args.output, text)
    return 0


def _write(output: str, text: str) -> None:
    if output == "-":
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        with open(output, "w", encoding="utf-8") as sink:
            sink.write(text)


def cmd_qc(args: argparse.Namespace) -> int:
    from hcckg.qc import run_qc

    report = run_qc(_settings(args), fmt=args.format, progress=_progress(args))
    print(report.render(args.format))
    return 0 if report.ok or not args.strict else EXIT_ERROR


def cmd_query(args: argparse.Namespace) -> int:
    from hcckg.queries.cli import run_query

    return run_query(
        _settings(args),
        args.sparql,
        name=args.name,
        params=args.param,
        order=args.order,
        fmt=args.format,
        list_queries=args.list,
    )


def cmd_export(args: argparse.Namespace) -> int:
    from hcckg.export import export

    export(_settings(args), args.format, args.output, graph=args.graph)
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    copy = None
    if not settings.update_token:  # a read-only server answers from an in-memory copy
        from hcckg.graph.memory import start_memory_copy

        # Started before the web stack is imported, which then happens meanwhile.
        copy = start_memory_copy(settings)
    from hcckg.server.serve import run

    return run(settings, copy)


def cmd_ontology(args: argparse.Namespace) -> int:
    from hcckg.release import build_release

    report = build_release(args.output, previous=args.previous)
    print(report.summary())
    return 0


def cmd_load(args: argparse.Namespace) -> int:
    from hcckg.pipeline import load_ctgov, pickup

    settings = _settings(args)
    report = load_ctgov(settings, args.path, progress=_progress(args))
    print(report.summary())
    if report.build_id:
        for line in pickup(settings, report.build_id):
            print(line)
    return 0


def cmd_fetch(args: argparse.Namespace) -> int:
    from hcckg.loaders.fetch import fetch_ctgov

    out = Path(args.output)
    written = fetch_ctgov(
        args.api, out, ncts=args.nct, condition=args.condition, term=args.term, limit=args.max
    )
    if not args.quiet:
        print(
            f"fetched {len(written)} record(s) into {out}; load them with `hcckg load ctgov {out}`",
            file=sys.stderr,
        )
    return 0


def cmd_pictures(args: argparse.Namespace) -> int:
    from hcckg.queries.pictures import cli_pictures

    return cli_pictures(_settings(args), args.kind, args.key, args.endpoint, args.output)


def cmd_bench(args: argparse.Namespace) -> int:
    from hcckg.bench.run import main as bench_main

    return bench_main(args)


def _progress(args: argparse.Namespace) -> Callable[[str], None]:
    quiet = getattr(args, "quiet", False)

    def report(message: str) -> None:
        if not quiet:
            print(message, file=sys.stderr, flush=True)

    return report


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="hcckg",
        description="Knowledge graph of second-line HCC treatment after immunotherapy.",
    )
    top.add_argument("--version", action="version", version=f"hcckg {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, func, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--store", help="store: PATH, oxigraph:PATH or sparql:URL (env HCCKG_STORE)")
        p.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
        p.set_defaults(func=func)
        return p

    p = command("build", cmd_build, "Rebuild the store from the ontology and curated sources (atomic).")
    p.add_argument("--diff", action="store_true", help="print what changed since the previous build")
    p.add_argument(
        "--if-changed",
        action="store_true",
        help="do nothing when the current build was made from the same sources, code and settings",
    )
    p.add_argument(
        "--wait",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds to wait for running servers to switch to the new build (default 30)",
    )

    p = command("diff", cmd_diff, "What changed between two builds, release files or git revisions.")
    p.add_argument(
        "old", help="a store folder (a build), an RDF file, or git:REV (the sources at a revision)"
    )
    p.add_argument("new", help="the same kinds as OLD (e.g. var/store, or git:HEAD)")
    p.add_argument("--format", choices=["text", "markdown", "html"], default="text")
    p.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")

    p = command("qc", cmd_qc, "Run the quality checks and list source conflicts and problems.")
    p.add_argument("--format", choices=["text", "json", "tsv"], default="text")
    p.add_argument("--strict", action="store_true", help="exit 1 when any check fires")

    p = command("query", cmd_query, "Run SPARQL (file or string) or a named query.")
    p.add_argument("sparql", nargs="?", help="a SPARQL query string or a path to a .rq file")
    p.add_argument("--name", help="a named query from queries/ (see --list)")
    p.add_argument("--param", action="append", default=[], metavar="K=V", help="named-query parameter")
    p.add_argument("--list", action="store_true", help="list the named queries")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--order", help="ordering offered by the named query (e.g. evidence)")

    p = command("export", cmd_export, "Dump the store as Turtle, N-Quads, TriG or JSON-LD.")
    p.add_argument("--format", choices=["turtle", "nquads", "trig", "jsonld", "ntriples"], default="nquads")
    p.add_argument("--graph", help="only this named graph (IRI or short name such as review)")
    p.add_argument("-o", "--output", default="-", help="file to write (default: stdout)")

    p = command("serve", cmd_serve, "Serve the SPARQL endpoint and linked-data site (gunicorn).")
    p.add_argument("--host", help="bind address (env HCCKG_HOST, default 127.0.0.1)")
    p.add_argument("--port", type=int, help="port (env HCCKG_PORT, default 8000)")
    p.add_argument("--workers", type=int, help="worker processes (env HCCKG_WORKERS)")
    p.add_argument("--threads", type=int, help="threads per worker (env HCCKG_THREADS)")

    p = command("ontology", cmd_ontology, "Check the ontology with the reasoner and write release files.")
    p.add_argument("action", choices=["build"], help="build: reason, check, write artifacts")
    p.add_argument("-o", "--output", default="var/ontology", help="release directory")
    p.add_argument(
        "--previous", help="an earlier release (folder or hcckg.ttl): write release-notes.md from the diff"
    )

    p = command("load", cmd_load, "Load registry records into the store (atomic, replaces per record).")
    p.add_argument("source", choices=["ctgov"], help="ctgov: ClinicalTrials.gov API v2 JSON")
    p.add_argument("path", help="a JSON file, a directory of them, or a zip")

    p = command("fetch", cmd_fetch, "Fetch ClinicalTrials.gov records (needs network).")
    p.add_argument("source", choices=["ctgov"])
    p.add_argument("--nct", action="append", default=[], help="an NCT number (repeatable)")
    p.add_argument("--condition", help="query.cond, e.g. 'hepatocellular carcinoma'")
    p.add_argument("--term", help="query.term")
    p.add_argument("--max", type=int, default=1000, help="stop after this many records")
    p.add_argument("-o", "--output", default="var/ctgov", help="directory for the JSON records")
    p.add_argument("--api", default="https://clinicaltrials.gov/api/v2", help="API base URL")

    p = command("pictures", cmd_pictures, "Draw a mechanism's paths or a forest plot as SVG.")
    p.add_argument("kind", choices=["mechanism", "forest"])
    p.add_argument("key", help="mechanism slug/label, or drug/endpoint for forest")
    p.add_argument("--endpoint", help="forest: endpoint (mPFS, mOS, ORR, DCR)")
    p.add_argument(
        "-o", "--output", default="-", help="SVG or PNG file, by its extension (default: SVG on stdout)"
    )

    p = command("bench", cmd_bench, "Benchmark hcckg against the Oxigraph server.")
    p.add_argument("--scale", default="100k", help="100k, 1M or 10M (comma-separated for several)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--duration", type=float, default=2.0, help="seconds per wrk run (whole seconds)")
    p.add_argument("--output", default="bench/results/latest.json")
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except SourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except StoreUnavailable as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except HcckgError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader left (hcckg qc | head): stop quietly, like other tools
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
