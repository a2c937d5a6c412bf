"""Shared fixtures. The expensive one, ``built_store``, runs the real build once per session
into a temporary store and yields the opened store (read-only)."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from hcckg.config import Settings, load_settings

# Tests never use the developer's own store or base IRI.
os.environ.pop("HCCKG_BASE_IRI", None)


@pytest.fixture(scope="session")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("build")


@pytest.fixture(scope="session")
def built_settings(build_dir: Path) -> Settings:
    """Settings whose store is a real build of the real sources (built once per session)."""
    from loaders.pipeline import build

    settings = dataclasses.replace(load_settings(), store=str(build_dir / "store"))
    build(settings)
    return settings


@pytest.fixture(scope="session")
def built_store(built_settings: Settings) -> Iterator:
    from graph.store import open_store

    store = open_store(built_settings)
    yield store


@pytest.fixture()
def tmp_settings(tmp_path: Path) -> Settings:
    """Settings pointing at an empty store location of this test's own."""
    return dataclasses.replace(load_settings(), store=str(tmp_path / "store"))
