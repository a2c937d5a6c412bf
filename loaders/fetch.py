"""``hcckg fetch ctgov``: download study records from the ClinicalTrials.gov API v2.

By NCT number (``GET {api}/studies/{nct}``) or by search (``GET {api}/studies?query.cond=…
&query.term=…&pageSize=…&pageToken=…``, following ``nextPageToken``). Each study is written
as ``<NCT>.json`` in the output directory, ready for ``hcckg load ctgov DIR``.

Rate limits (429), server errors (5xx) and dropped connections are retried with exponential
backoff (``Retry-After`` is honoured); any other 4xx stops with a message that names the
request. Malformed NCT numbers are refused before any request: the API resolves some of
them (a dropped leading zero) to a different study.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from hcckg.ground.errors import FetchError
from hcckg.loaders.ctgov import NCT_RE

ATTEMPTS = 5  # tries per request
BACKOFF = 1.0  # seconds before the first retry; doubles each time
MAX_WAIT = 60.0  # the longest single wait, whatever Retry-After says
TIMEOUT = 30.0  # seconds per request
PAGE_SIZE = 100  # studies per page (the API allows up to 1000)
USER_AGENT = "hcckg-fetch/0.1 (+https://w3id.org/hcckg/)"


def _retry_wait(attempt: int, retry_after: str | None) -> float:
    if retry_after and retry_after.strip().isdigit():
        return min(float(retry_after), MAX_WAIT)
    return min(BACKOFF * 2**attempt, MAX_WAIT)


def get_json(url: str, *, attempts: int | None = None) -> Any:
    """GET a JSON document, retrying on 429, 5xx and connection errors."""
    attempts = attempts or ATTEMPTS
    last = ""
    for attempt in range(attempts):
        request = urllib.request.Request(
            url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
        )
        retry_after = None
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                body = response.read()
            try:
                return json.loads(body)
            except (json.JSONDecodeError, UnicodeDecodeError) as err:
                raise FetchError(f"{url}: the API answered with something that is not JSON ({err})") from err
        except urllib.error.HTTPError as err:
            if err.code != 429 and err.code < 500:
                detail = err.read().decode("utf-8", "replace").strip()[:300]
                hint = " (no such study?)" if err.code == 404 else ""
                raise FetchError(f"{url}: HTTP {err.code} {err.reason}{hint}: {detail}") from err
            last, retry_after = f"HTTP {err.code} {err.reason}", err.headers.get("Retry-After")
        except (urllib.error.URLError, ConnectionError, TimeoutError) as err:
            last = f"connection failed: {getattr(err, 'reason', err)}"
        if attempt + 1 < attempts:
            time.sleep(_retry_wait(attempt, retry_after))
    raise FetchError(f"{url}: gave up after {attempts} attempts ({last}); try again later")


def _write(out: Path, study: dict[str, Any]) -> str:
    nct = study.get("protocolSection", {}).get("identificationModule", {}).get("nctId")
    if not isinstance(nct, str) or not NCT_RE.match(nct):
        raise FetchError(f"the API returned a study without a valid nctId ({nct!r})")
    (out / f"{nct}.json").write_text(json.dumps(study, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return nct


def fetch_ncts(api: str, ncts: list[str], out: Path) -> list[str]:
    bad = [n for n in ncts if not NCT_RE.match(n)]
    if bad:
        raise FetchError(
            f"malformed NCT number(s) {', '.join(bad)}: expected 'NCT' and 8 digits; nothing fetched"
        )
    return [_write(out, get_json(f"{api}/studies/{urllib.parse.quote(nct)}")) for nct in ncts]


def search(api: str, out: Path, *, condition: str | None, term: str | None, limit: int) -> list[str]:
    """Follow ``nextPageToken`` until the pages end or ``limit`` studies are written."""
    params = {"format": "json", "pageSize": str(min(PAGE_SIZE, limit))}
    if condition:
        params["query.cond"] = condition
    if term:
        params["query.term"] = term
    written: list[str] = []
    token = None
    while len(written) < limit:
        query = params | ({"pageToken": token} if token else {})
        page = get_json(f"{api}/studies?{urllib.parse.urlencode(query)}")
        studies = page.get("studies") if isinstance(page, dict) else None
        if not isinstance(studies, list):
            raise FetchError(
                f"{api}/studies: expected a page {{'studies': [...]}}, got {type(page).__name__}"
            )
        for study in studies[: limit - len(written)]:
            written.append(_write(out, study))
        token = page.get("nextPageToken")
        if not token or not studies:
            break
    return written


def fetch_ctgov(args: argparse.Namespace) -> int:
    """The ``hcckg fetch ctgov`` command; returns the exit status."""
    if not (args.nct or args.condition or args.term):
        raise FetchError("say what to fetch: --nct NCT… (repeatable), or --condition and/or --term")
    api = args.api.rstrip("/")
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    written = fetch_ncts(api, args.nct, out) if args.nct else []
    if args.condition or args.term:
        written += search(api, out, condition=args.condition, term=args.term, limit=args.max)
    if not getattr(args, "quiet", False):
        print(
            f"fetched {len(written)} record(s) into {out}; load them with `hcckg load ctgov {out}`",
            file=sys.stderr,
        )
    return 0
