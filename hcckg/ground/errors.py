"""The project's exception tree (part of the ground layer). Lower layers' errors are
converted to these at the ``graph/`` boundary; ``server/errors.py`` maps them to HTTP statuses in one place and the
CLI maps them to exit codes."""

from __future__ import annotations


class HcckgError(Exception):
    """Base of every error hcckg raises on purpose."""


class ConfigError(HcckgError):
    """A setting (an ``HCCKG_*`` variable) has a value hcckg cannot use."""


class SourceError(HcckgError):
    """A source file is broken. Carries every problem found, each with its place."""

    def __init__(self, problems: list[Problem] | list[str]):
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the sources:\n{lines}")


class Problem:
    """One problem in a source: file, line or record, field, and what is wrong."""

    __slots__ = ("path", "line", "record", "field", "message")

    def __init__(
        self,
        path: str,
        message: str,
        *,
        line: int | None = None,
        record: str | None = None,
        field: str | None = None,
    ):
        self.path, self.line, self.record, self.field, self.message = path, line, record, field, message

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        parts = [where]
        if self.record:
            parts.append(f"record {self.record}")
        if self.field:
            parts.append(f"field {self.field!r}")
        return ", ".join(parts) + f": {self.message}"

    def __repr__(self) -> str:
        return f"Problem({self})"


class QuerySyntaxError(HcckgError):
    """A SPARQL query does not parse. ``position`` is (line, column) when known."""

    def __init__(self, message: str, position: tuple[int, int] | None = None):
        self.position = position
        super().__init__(message)


class QueryRejected(HcckgError):
    """A query is well-formed but not allowed here (e.g. SERVICE, or an update)."""


class QueryTimeout(HcckgError):
    """A query ran past the time limit and was stopped."""


class ResultTooLarge(HcckgError):
    """A query's result went past the size limit."""


class UnknownParameter(HcckgError):
    """A named query's parameter value is unknown; ``suggestions`` lists close matches."""

    def __init__(self, message: str, suggestions: list[str] | None = None):
        self.suggestions = suggestions or []
        super().__init__(message)


class NotFound(HcckgError):
    """A resource, named query or graph does not exist."""


class StoreError(HcckgError):
    """The store cannot be opened, read or written (local I/O or a remote server)."""


class FetchError(HcckgError):
    """A remote source (the ClinicalTrials.gov API) refused a request or did not answer."""


class StoreUnavailable(StoreError):
    """The store is not there (not built yet) or a remote store does not answer."""
