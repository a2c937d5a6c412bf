"""The one place that holds configuration.

Every setting is an environment variable with a documented default; the CLI's flags
override them by building a :class:`Settings` with ``dataclasses.replace``. Nothing else
in the code base reads ``os.environ`` for hcckg settings.

| variable                 | default                    | meaning                                          |
|--------------------------|----------------------------|--------------------------------------------------|
| HCCKG_BASE_IRI           | https://w3id.org/hcckg/    | base of every IRI hcckg mints (ends with "/")     |
| HCCKG_STORE              | var/store                  | store: a path, ``oxigraph:PATH`` or ``sparql:URL`` |
| HCCKG_CURATED_DIR        | loaders/curated            | folder of the curated YAML sources                |
| HCCKG_HOST               | 127.0.0.1                  | address ``hcckg serve`` binds                     |
| HCCKG_PORT               | 8000                       | port ``hcckg serve`` binds                        |
| HCCKG_WORKERS            | 2                          | server worker processes                           |
| HCCKG_THREADS            | 4                          | threads per worker process                        |
| HCCKG_QUERY_TIMEOUT      | 10                         | seconds a query may run before it is stopped      |
| HCCKG_MAX_ROWS           | 10000                      | result rows (or triples) a query may return       |
| HCCKG_UPDATE_TOKEN       | (unset)                    | bearer token that enables ``/sparql/update``      |
| HCCKG_PUBLIC_URL         | (unset)                    | external URL of the server, for links in pages    |
| HCCKG_SPARQL_USER        | (unset)                    | remote store: basic-auth user                     |
| HCCKG_SPARQL_PASSWORD    | (unset)                    | remote store: basic-auth password                 |
| HCCKG_SPARQL_TOKEN       | (unset)                    | remote store: bearer token                        |
| HCCKG_SPARQL_UPDATE_URL  | (query URL + /update rule) | remote store: SPARQL Update URL                   |
| HCCKG_SPARQL_GSP_URL     | (derived)                  | remote store: Graph Store Protocol URL            |
| HCCKG_SPARQL_TIMEOUT     | 30                         | remote store: seconds per HTTP request            |
| HCCKG_SPARQL_RETRIES     | 3                          | remote store: retries on connection errors        |
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_BASE_IRI = "https://w3id.org/hcckg/"
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


@dataclass(frozen=True)
class Settings:
    base_iri: str = DEFAULT_BASE_IRI
    store: str = "var/store"
    curated_dir: str = "loaders/curated"
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 4
    query_timeout: float = 10.0
    max_rows: int = 10_000
    query_memory: int = 512  # MiB a server process's queries may add to its resident size
    update_token: str | None = None
    public_url: str | None = None
    sparql_user: str | None = None
    sparql_password: str | None = None
    sparql_token: str | None = None
    sparql_update_url: str | None = None
    sparql_gsp_url: str | None = None
    sparql_timeout: float = 30.0
    sparql_retries: int = 3
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def curated_path(self) -> Path:
        path = Path(self.curated_dir)
        return path if path.is_absolute() else PROJECT_ROOT / path

    @property
    def store_path(self) -> Path:
        """The on-disk path of an embedded store (``oxigraph:`` prefix removed)."""
        spec = self.store.removeprefix("oxigraph:")
        path = Path(spec)
        return path if path.is_absolute() else PROJECT_ROOT / path


def load_settings() -> Settings:
    """Settings from the environment, with the documented defaults."""
    base = _env("HCCKG_BASE_IRI", DEFAULT_BASE_IRI)
    if not base.endswith("/"):
        base += "/"
    return Settings(
        base_iri=base,
        store=_env("HCCKG_STORE", "var/store"),
        curated_dir=_env("HCCKG_CURATED_DIR", "loaders/curated"),
        host=_env("HCCKG_HOST", "127.0.0.1"),
        port=int(_env("HCCKG_PORT", "8000")),
        workers=int(_env("HCCKG_WORKERS", "2")),
        threads=int(_env("HCCKG_THREADS", "4")),
        query_timeout=float(_env("HCCKG_QUERY_TIMEOUT", "10")),
        max_rows=int(_env("HCCKG_MAX_ROWS", "10000")),
        query_memory=int(_env("HCCKG_QUERY_MEMORY", "512")),
        update_token=_env("HCCKG_UPDATE_TOKEN"),
        public_url=_env("HCCKG_PUBLIC_URL"),
        sparql_user=_env("HCCKG_SPARQL_USER"),
        sparql_password=_env("HCCKG_SPARQL_PASSWORD"),
        sparql_token=_env("HCCKG_SPARQL_TOKEN"),
        sparql_update_url=_env("HCCKG_SPARQL_UPDATE_URL"),
        sparql_gsp_url=_env("HCCKG_SPARQL_GSP_URL"),
        sparql_timeout=float(_env("HCCKG_SPARQL_TIMEOUT", "30")),
        sparql_retries=int(_env("HCCKG_SPARQL_RETRIES", "3")),
    )


def base_iri() -> str:
    """The configured base IRI (read once per call; cheap)."""
    # Only the one variable: every IRI minted calls this, and reading all settings made
    # IRI minting the main cost of loading 10,000 registry records.
    base = _env("HCCKG_BASE_IRI", DEFAULT_BASE_IRI)
    return base if base.endswith("/") else base + "/"
