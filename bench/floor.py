"""The Python floor: a Flask app that answers every query with the same bytes, served like
``hcckg serve`` (same gunicorn worker class, workers and threads).

It evaluates nothing, so its throughput bounds what any request through gunicorn + Flask
reaches on this machine; the bench measures it on the DESCRIBE of a trial, with hcckg's
answer to that DESCRIBE as the bytes, next to hcckg and the Oxigraph server.

    python -m hcckg.bench.floor --body FILE --mimetype TYPE --port N [--workers W --threads T]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

from flask import Flask, Response

from hcckg.ground.settings import load_settings


def create_app(body: bytes, mimetype: str) -> Flask:
    app = Flask("hcckg-floor")

    @app.post("/sparql")
    def answer() -> Response:
        return Response(body, mimetype=mimetype)

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hcckg.bench.floor", description=__doc__.split("\n\n")[0])
    parser.add_argument("--body", type=Path, required=True, help="the bytes every answer carries")
    parser.add_argument("--mimetype", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int)
    parser.add_argument("--threads", type=int)
    args = parser.parse_args(argv)
    settings = load_settings()
    settings = dataclasses.replace(
        settings,
        host=args.host,
        port=args.port,
        workers=args.workers or settings.workers,
        threads=args.threads or settings.threads,
        update_token=None,
    )
    from hcckg.server.serve import gunicorn

    gunicorn(create_app(args.body.read_bytes(), args.mimetype), settings)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
