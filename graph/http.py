"""HTTP for the remote store: one kept-alive session per thread, retries, authentication.

Built on ``requests`` (connection pools, HTTP digest authentication) and urllib3's
:class:`~urllib3.util.Retry`: connection failures are retried for every method (nothing
reached the server), and HTTP 502/503/504 only for the idempotent methods (GET, PUT,
DELETE). So a SPARQL query or update sent by POST is never run twice: an engine that
stopped a query at its time limit answers 503 (Fuseki), and retrying would start the
runaway again. Backoff is ``backoff × 2ⁿ`` from the second retry on (urllib3's rule).

Authentication: a bearer token, or a user and password sent as HTTP basic or HTTP digest
(``HCCKG_SPARQL_AUTH``). Virtuoso's ``-auth`` endpoints and Fuseki's ``--auth digest`` ask
for digest; the password then never crosses the wire.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ProtocolError
from urllib3.util import Retry

from hcckg.ground.errors import QuerySyntaxError, QueryTimeout, ResultTooLarge, StoreError, StoreUnavailable

RETRY_STATUSES = (502, 503, 504)
AUTH_SCHEMES = ("basic", "digest")
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class Reply:
    """A server's answer: status, headers (case-insensitive) and the body read in full."""

    status: int
    headers: Any
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "")


def _dropped(error: Exception | None) -> bool:
    """Whether the server closed the connection before it answered (a kept-alive connection
    it timed out as the request went), as opposed to a read timeout."""
    cause = error.args[1] if isinstance(error, ProtocolError) and len(error.args) > 1 else None
    return isinstance(cause, ConnectionResetError | BrokenPipeError)


class _Retry(Retry):
    """urllib3's Retry, plus one fresh connection when the server closed the one it was
    sent on without answering: engines close idle kept-alive connections (Jetty after 30 s),
    and one may do so just as a request goes out. Read timeouts are still never retried."""

    def __init__(self, *args: Any, dropped: int = 1, **kwargs: Any):
        self.dropped = dropped
        super().__init__(*args, **kwargs)

    def new(self, **kwargs: Any) -> _Retry:
        kwargs.setdefault("dropped", self.dropped)
        return super().new(**kwargs)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):  # noqa: ANN001, ANN201
        if response is None and self.dropped > 0 and _dropped(error):
            return self.new(dropped=self.dropped - 1)
        return super().increment(method, url, response, error, _pool, _stacktrace)


class _Sessions(threading.local):
    """One session per thread; a forked child makes its own (sockets are not shared)."""

    def __init__(self) -> None:
        self.pid = os.getpid()
        self.session: requests.Session | None = None


class Client:
    """Sends the remote store's requests; raises the project's errors for failures."""

    def __init__(
        self,
        *,
        user: str | None = None,
        password: str | None = None,
        token: str | None = None,
        auth_scheme: str = "basic",
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.25,
    ):
        if auth_scheme not in AUTH_SCHEMES:
            raise StoreError(f"HCCKG_SPARQL_AUTH={auth_scheme!r}: expected one of {', '.join(AUTH_SCHEMES)}")
        self.timeout = timeout
        self.retries = retries
        self.auth_scheme = auth_scheme
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.auth: Any = None
        if user and not token:
            cls = requests.auth.HTTPDigestAuth if auth_scheme == "digest" else requests.auth.HTTPBasicAuth
            self.auth = cls(user, password or "")
        self.retry = _Retry(
            total=None,
            connect=retries,
            read=False,  # a read timeout or a dropped answer is never retried: the query ran
            status=retries,
            other=0,
            status_forcelist=RETRY_STATUSES,
            backoff_factor=backoff,
            raise_on_status=False,
            raise_on_redirect=False,
        )
        self._local = _Sessions()

    def _session(self) -> requests.Session:
        if self._local.pid != os.getpid():
            self._local = _Sessions()
        if self._local.session is None:
            session = requests.Session()
            session.trust_env = False  # no proxy or .netrc from the environment: hcckg's own settings
            adapter = HTTPAdapter(max_retries=self.retry, pool_maxsize=4)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.headers.update(self.headers)
            session.auth = self.auth
            self._local.session = session
        return self._local.session

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        timeout: float | None = None,
        max_bytes: int,
        also_ok: tuple[int, ...] = (),
        interpret: Callable[[Reply], Exception | None] | None = None,
    ) -> Reply:
        """One request (with the retries above). Returns the reply for 2xx and ``also_ok``;
        otherwise raises ``interpret(reply)`` (an engine's own reading of its error answers,
        e.g. "Query timed out"), or the generic error for the status."""
        timeout = timeout or self.timeout
        try:
            response = self._session().request(
                method, url, data=body, headers=headers, timeout=timeout, stream=True, allow_redirects=False
            )
            with response:
                data = bytearray()
                for chunk in response.iter_content(_CHUNK):
                    data += chunk
                    if len(data) > max_bytes:
                        raise ResultTooLarge(
                            f"the answer of the SPARQL server at {url} is over {max_bytes} bytes"
                        )
        except (requests.exceptions.ReadTimeout, requests.exceptions.ConnectTimeout) as err:
            raise QueryTimeout(
                f"the SPARQL server at {url} did not answer within {timeout:g} s "
                "(HCCKG_QUERY_TIMEOUT for queries, HCCKG_SPARQL_TIMEOUT for other requests)"
            ) from err
        except requests.exceptions.ChunkedEncodingError as err:
            raise StoreError(
                f"the answer of the SPARQL server at {url} broke off ({err}); an engine that stops a "
                "query at its time limit after it began to answer does this"
            ) from err
        except requests.exceptions.RequestException as err:
            reason = getattr(getattr(err, "args", [None])[0], "reason", None) or err
            raise StoreUnavailable(
                f"the SPARQL server at {url} does not answer ({reason}) after {self.retries + 1} attempt(s); "
                "check that it runs and that HCCKG_STORE names it"
            ) from err
        reply = Reply(response.status_code, response.headers, bytes(data))
        if 200 <= reply.status < 300 or reply.status in also_ok:
            return reply
        raise (interpret and interpret(reply)) or self._error(method, url, reply)

    def _error(self, method: str, url: str, reply: Reply) -> Exception:
        detail = reply.body[:500].decode("utf-8", "replace").strip()
        where = f"the SPARQL server at {url} answered {method} with HTTP {reply.status}"
        if reply.status == 400:
            return QuerySyntaxError(f"{where}: {detail}")
        if reply.status in (401, 403):
            challenge = reply.headers.get("WWW-Authenticate", "")
            hint = (
                "set HCCKG_SPARQL_USER and HCCKG_SPARQL_PASSWORD, or HCCKG_SPARQL_TOKEN; a server that "
                "takes HTTP digest authentication (Virtuoso, Fuseki) needs HCCKG_SPARQL_AUTH=digest too"
            )
            if challenge.lower().startswith("digest") and self.auth_scheme != "digest":
                hint = "the server asks for HTTP digest authentication: set HCCKG_SPARQL_AUTH=digest"
            return StoreError(f"{where}: access refused; {hint}")
        if reply.status == 404:
            return StoreError(
                f"{where} (not found): check HCCKG_STORE, HCCKG_SPARQL_UPDATE_URL and HCCKG_SPARQL_GSP_URL"
            )
        if reply.status in RETRY_STATUSES:
            return StoreUnavailable(f"{where}: {detail}")
        return StoreError(f"{where}: {detail}")

    def close(self) -> None:
        if self._local.session is not None and self._local.pid == os.getpid():
            self._local.session.close()
        self._local.session = None
