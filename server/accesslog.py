"""The access log: Apache's combined format, written without gunicorn's general formatter.

gunicorn formats every access line from a dictionary of ~60 "atoms" (every request and
response header and environment variable, each wrapped for case-insensitive look-up):
21% of a worker's Python time on a cached DESCRIBE (py-spy, bench/README.md). The combined
format needs nine of them; :class:`CombinedLogger` writes those, quoted as gunicorn quotes
them (``"`` → ``\\"``), with the time formatted once per second.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

from gunicorn.glogging import Logger

# Apache's "combined" format (what log analysers read by default), in gunicorn's atoms;
# CombinedLogger writes the same line (a test compares them).
COMBINED = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'


def _quoted(value: str) -> str:
    return value.replace('"', '\\"') if '"' in value else value


class CombinedLogger(Logger):
    _second = -1
    _stamp = ""

    def _now(self) -> str:
        second = int(time.time())
        if second != self._second:
            self._second, self._stamp = (
                second,
                time.strftime("[%d/%b/%Y:%H:%M:%S %z]", time.localtime(second)),
            )
        return self._stamp

    def access(self, resp: Any, req: Any, environ: dict, request_time: Any) -> None:
        if not self.cfg.accesslog:
            return
        try:
            status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
            sent = getattr(resp, "sent", None)
            line = (
                f"{environ.get('REMOTE_ADDR', '-')} - {self._get_user(environ) or '-'} {self._now()} "
                f'"{_quoted(environ["REQUEST_METHOD"])} {_quoted(environ["RAW_URI"])} {environ["SERVER_PROTOCOL"]}" '
                f"{status} {sent if sent is not None else '-'} "
                f'"{_quoted(environ.get("HTTP_REFERER", "-"))}" "{_quoted(environ.get("HTTP_USER_AGENT", "-"))}"'
            )
            self.access_log.info(line)
        except Exception:
            self.error(traceback.format_exc())
