"""`hcckg fetch ctgov` against a stand-in API on 127.0.0.1 (never the real registry)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from hcckg import cli
from hcckg.loaders import ctgov, fetch

DATA = Path(__file__).parent / "data" / "ctgov"
STUDIES = {p.stem: json.loads(p.read_text()) for p in sorted((DATA / "review").glob("NCT*.json"))}


class StandIn:
    """Routes: /studies/<nct> and paged /studies (one study per page). ``failures`` makes the
    next requests of a path answer with the given statuses first."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.failures: dict[str, list[int]] = {}


@pytest.fixture()
def api() -> Iterator[tuple[str, StandIn]]:
    state = StandIn()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_args) -> None:  # keep test output quiet
            pass

        def _send(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlparse(self.path)
            state.requests.append(self.path)
            pending = state.failures.get(url.path)
            if pending:
                status = pending.pop(0)
                return self._send(status, {"message": "try later"}, {"Retry-After": "0"})
            if url.path.startswith("/api/v2/studies/"):
                nct = url.path.rsplit("/", 1)[-1]
                if nct in STUDIES:
                    return self._send(200, STUDIES[nct])
                return self._send(404, {"message": f"Study {nct} not found"})
            if url.path == "/api/v2/studies":
                query = parse_qs(url.query)
                assert query["query.cond"] == ["hepatocellular carcinoma"]
                ncts = sorted(STUDIES)
                at = ncts.index(query["pageToken"][0]) if "pageToken" in query else 0
                page: dict = {"studies": [STUDIES[ncts[at]]]}
                if at + 1 < len(ncts):
                    page["nextPageToken"] = ncts[at + 1]
                return self._send(200, page)
            return self._send(400, {"message": "bad request"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/v2", state
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch, "BACKOFF", 0.01)
    monkeypatch.setattr(fetch, "ATTEMPTS", 3)


def _run(api_url: str, out: Path, *args: str) -> int:
    return cli.main(["fetch", "ctgov", "--api", api_url, "-o", str(out), "-q", *args])


def test_fetch_by_nct_writes_loadable_records(api, tmp_path: Path):
    url, state = api
    assert _run(url, tmp_path, "--nct", "NCT04770896", "--nct", "NCT05822752") == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["NCT04770896.json", "NCT05822752.json"]
    assert [r.nct for r in ctgov.read_batch(tmp_path)] == ["NCT04770896", "NCT05822752"]


def test_search_follows_next_page_token(api, tmp_path: Path):
    url, state = api
    assert _run(url, tmp_path, "--condition", "hepatocellular carcinoma") == 0
    assert sorted(p.stem for p in tmp_path.iterdir()) == sorted(STUDIES)
    assert len(state.requests) == len(STUDIES)
    assert "pageToken" in state.requests[-1]


def test_search_stops_at_max(api, tmp_path: Path):
    url, state = api
    assert _run(url, tmp_path, "--condition", "hepatocellular carcinoma", "--max", "2") == 0
    assert len(list(tmp_path.iterdir())) == 2 and len(state.requests) == 2


def test_rate_limits_and_server_errors_are_retried(api, tmp_path: Path):
    url, state = api
    state.failures["/api/v2/studies/NCT04696055"] = [429, 503]
    assert _run(url, tmp_path, "--nct", "NCT04696055") == 0
    assert state.requests.count("/api/v2/studies/NCT04696055") == 3


def test_persistent_errors_give_up_with_a_message(api, tmp_path: Path, capsys):
    url, state = api
    state.failures["/api/v2/studies/NCT04696055"] = [500, 500, 500]
    assert _run(url, tmp_path, "--nct", "NCT04696055") == cli.EXIT_ERROR
    assert "gave up after 3 attempts (HTTP 500" in capsys.readouterr().err


def test_client_errors_are_not_retried(api, tmp_path: Path, capsys):
    url, state = api
    assert _run(url, tmp_path, "--nct", "NCT09999999") == cli.EXIT_ERROR
    assert "HTTP 404" in capsys.readouterr().err
    assert len(state.requests) == 1


def test_malformed_nct_is_refused_before_any_request(api, tmp_path: Path, capsys):
    url, state = api
    assert _run(url, tmp_path, "--nct", "NCT0653573") == cli.EXIT_ERROR
    assert "NCT0653573" in capsys.readouterr().err and state.requests == []


def test_connection_refused_is_retried_then_reported(tmp_path: Path, capsys):
    import socket

    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert _run(f"http://127.0.0.1:{port}/api/v2", tmp_path, "--nct", "NCT04770896") == cli.EXIT_ERROR
    assert "connection failed" in capsys.readouterr().err
