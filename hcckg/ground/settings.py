"""The one place that holds configuration.

Every setting is an environment variable with a documented default, declared once below as
a field of :class:`Settings` (its variable is ``HCCKG_`` + the field name in capitals). The
CLI's flags override them with ``dataclasses.replace``. Nothing else in the code base reads
``os.environ`` for hcckg settings.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from importlib.util import find_spec
from pathlib import Path

from hcckg.ground.errors import ConfigError

DEFAULT_BASE_IRI = "https://w3id.org/hcckg/"
# The folder that holds the hcckg package (the repository root in a checkout): relative
# store paths are taken from here, so that commands work from any directory.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _setting(default, doc: str):
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Settings:
    base_iri: str = _setting(DEFAULT_BASE_IRI, 'base of every IRI hcckg mints (ends with "/")')
    store: str = _setting("var/store", "store: a path, oxigraph:PATH or sparql:URL")
    curated_dir: str = _setting(
        "", "folder of the curated YAML sources (default: the installed loaders/curated)"
    )
    host: str = _setting("127.0.0.1", "address `hcckg serve` binds")
    port: int = _setting(8000, "port `hcckg serve` binds")
    workers: int = _setting(2, "server worker processes")
    threads: int = _setting(4, "threads per worker process")
    query_timeout: float = _setting(10.0, "seconds a query may run before it is stopped")
    max_rows: int = _setting(10_000, "result rows (or triples) a query may return")
    query_memory: int = _setting(512, "MiB a server process's queries may add to its resident size (0: off)")
    egress: str = _setting(
        "confine",
        "confine: server workers run in a network namespace with no route out (the remote "
        "engine through a relay); off: no such guarantee (README, Safety and limits)",
    )
    access_log: str = _setting(
        "-", "`hcckg serve`'s access log, in the combined format: - (standard output), a file, or off"
    )
    update_token: str | None = _setting(None, "bearer token that enables /sparql/update")
    public_url: str | None = _setting(None, "external URL of the server, for links in pages")
    sparql_user: str | None = _setting(None, "remote store: user")
    sparql_password: str | None = _setting(None, "remote store: password")
    sparql_token: str | None = _setting(None, "remote store: bearer token")
    sparql_auth: str = _setting("basic", "remote store: how user and password are sent, basic or digest")
    sparql_engine: str = _setting(
        "auto", "remote store: the engine (auto, oxigraph, virtuoso, fuseki or generic), for its dialect"
    )
    sparql_update_url: str | None = _setting(
        None, "remote store: SPARQL Update URL (derived from the query URL)"
    )
    sparql_gsp_url: str | None = _setting(None, "remote store: Graph Store Protocol URL (derived)")
    sparql_timeout: float = _setting(30.0, "remote store: seconds per HTTP request")
    sparql_retries: int = _setting(3, "remote store: retries on connection errors")
    cache_dir: str = _setting("var/cache", "folder for answers worth keeping between runs (the reasoner's)")

    @property
    def curated_path(self) -> Path:
        if not self.curated_dir:
            return _package_dir("hcckg.loaders") / "curated"
        path = Path(self.curated_dir)
        return path if path.is_absolute() else PROJECT_ROOT / path

    @property
    def cache_path(self) -> Path:
        path = Path(self.cache_dir)
        return path if path.is_absolute() else PROJECT_ROOT / path

    @property
    def store_path(self) -> Path:
        """The on-disk path of an embedded store (``oxigraph:`` prefix removed)."""
        path = Path(self.store.removeprefix("oxigraph:"))
        return path if path.is_absolute() else PROJECT_ROOT / path


def _package_dir(name: str) -> Path:
    """Where an hcckg package's files are, without importing it (the ground imports no stage)."""
    spec = find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(name)
    return Path(next(iter(spec.submodule_search_locations)))


def env_name(name: str) -> str:
    return "HCCKG_" + name.upper()


def _env(name: str) -> str | None:
    value = os.environ.get(env_name(name))
    return value if value not in (None, "") else None


def load_settings() -> Settings:
    """Settings from the environment, with the documented defaults."""
    values: dict[str, object] = {}
    for f in dataclasses.fields(Settings):
        raw = _env(f.name)
        if raw is None:
            continue
        kind = type(f.default) if f.default is not None else str
        try:
            values[f.name] = kind(raw)
        except ValueError:
            raise ConfigError(f"{env_name(f.name)}={raw!r} is not a valid {kind.__name__}") from None
    settings = Settings(**values)
    if not settings.base_iri.endswith("/"):
        settings = dataclasses.replace(settings, base_iri=settings.base_iri + "/")
    return settings


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, meaning) for every setting: the table the README shows."""
    rows = []
    for f in dataclasses.fields(Settings):
        default = "(unset)" if f.default in (None, "") else str(f.default)
        rows.append((env_name(f.name), default, f.metadata["doc"]))
    return rows


def base_iri() -> str:
    """The configured base IRI (read once per call; cheap)."""
    # Only the one variable: every IRI minted calls this, and reading all settings made
    # IRI minting the main cost of loading 10,000 registry records.
    base = os.environ.get("HCCKG_BASE_IRI") or DEFAULT_BASE_IRI
    return base if base.endswith("/") else base + "/"
