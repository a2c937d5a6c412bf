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

import json
import urllib.parse
from pathlib import Path
from typing import Any

import urllib3
from urllib3.util import Retry

from hcckg.ground.errors import FetchError
from hcckg.loaders.ctgov import NCT_RE

ATTEMPTS = 5  # tries per request
BACKOFF = 1.0  # seconds before the first retry; doubles each time
MAX_WAIT = 60.0  # the longest single wait, whatever Retry-After says
TIMEOUT = 30.0  # seconds per request
PAGE_SIZE = 100  # studies per page (the API allows up to 1000)
USER_AGENT = "hcckg-fetch/0.1 (+https://w3id.org/hcckg/)"


class _Retry(Retry):
    """urllib3's Retry, with the server's ``Retry-After`` capped at ``MAX_WAIT``."""

    def get_retry_after(self, response: Any) -> float | None:
        wait = super().get_retry_after(response)
        return None if wait is None else min(wait, MAX_WAIT)


_pool = urllib3.PoolManager()


def get_json(url: str, *, attempts: int | None = None) -> Any:
    """GET a JSON document, retrying on 429, 5xx and connection errors (urllib3's Retry:
    ``BACKOFF × 2ⁿ`` from the second retry, at most ``MAX_WAIT``; ``Retry-After`` honoured)."""
    attempts = attempts or ATTEMPTS
    retry = _Retry(
        total=attempts - 1,
        status_forcelist=[429, *range(500, 600)],
        allowed_methods=["GET"],
        backoff_factor=BACKOFF,
        backoff_max=MAX_WAIT,
        raise_on_status=False,
    )
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    try:
        response = _pool.request("GET", url, headers=headers, timeout=TIMEOUT, retries=retry)
    except urllib3.exceptions.MaxRetryError as err:
        reason = err.reason or err
        raise FetchError(
            f"{url}: gave up after {attempts} attempts (connection failed: {reason}); try again later"
        ) from err
    except urllib3.exceptions.HTTPError as err:  # e.g. a read timeout on the last attempt
        raise FetchError(
            f"{url}: gave up after {attempts} attempts (connection failed: {err}); try again later"
        ) from err
    status, reason = response.status, response.reason
    if status == 429 or status >= 500:
        raise FetchError(
            f"{url}: gave up after {attempts} attempts (HTTP {status} {reason}); try again later"
        )
    if status >= 400:
        detail = response.data.decode("utf-8", "replace").strip()[:300]
        hint = " (no such study?)" if status == 404 else ""
        raise FetchError(f"{url}: HTTP {status} {reason}{hint}: {detail}")
    try:
        return json.loads(response.data)
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise FetchError(f"{url}: the API answered with something that is not JSON ({err})") from err


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


def fetch_ctgov(
    api: str,
    output: Path,
    *,
    ncts: list[str] | None = None,
    condition: str | None = None,
    term: str | None = None,
    limit: int = 100,
) -> list[str]:
    """Write the registry's JSON records of ``ncts`` and of a search by ``condition`` and/or
    ``term`` (at most ``limit``) into ``output``; returns the NCT ids written."""
    if not (ncts or condition or term):
        raise FetchError("say what to fetch: --nct NCT… (repeatable), or --condition and/or --term")
    api = api.rstrip("/")
    output.mkdir(parents=True, exist_ok=True)
    written = fetch_ncts(api, ncts, output) if ncts else []
    if condition or term:
        written += search(api, output, condition=condition, term=term, limit=limit)
    return written
