"""The named-query tests, run again on a live Oxigraph server through the remote store.

The tests are imported from their own modules unchanged; this module only overrides the
store fixtures they ask for (pytest prefers a module's own fixture to conftest's or the
imported module's), so a new named-query test runs on both stores without more code:

- ``test_queries_real``'s ``built_store`` becomes the real build made into the server by
  ``hcckg build --store sparql:URL`` (conftest's ``remote_built_settings``);
- ``test_queries_fixture``'s ``store`` becomes the small review fixture published into a
  server of its own (same graph names, so it cannot share the first one).
"""

from __future__ import annotations

import dataclasses
import inspect

import pyoxigraph as ox
import pytest
import test_queries_fixture
from test_queries_real import *  # noqa: F403  (the tests themselves)

from hcckg.graph.store import open_store, publish
from hcckg.ground.settings import load_settings

# The fixture module's tests that read the store through the store interface; the others
# (catalogue parsing, CLI and HTTP on an embedded path) do not depend on the store's kind,
# and those reaching into pyoxigraph (``store.inner``) cannot run on a remote store.
for _name in dir(test_queries_fixture):
    _test = getattr(test_queries_fixture, _name)
    if not _name.startswith("test_") or "store" not in inspect.signature(_test).parameters:
        continue
    if ".inner" not in inspect.getsource(_test):
        globals()[_name] = _test


@pytest.fixture(scope="session")
def built_store(remote_built_settings):
    return open_store(remote_built_settings)


@pytest.fixture(scope="session")
def catalogue():
    from hcckg.queries.catalogue import load_catalogue

    return load_catalogue()


@pytest.fixture(scope="session")
def store(oxigraph_servers):
    settings = dataclasses.replace(load_settings(), store="sparql:" + oxigraph_servers())
    review = ox.NamedNode("https://w3id.org/hcckg/graph/review")
    triples = ox.parse(path=str(test_queries_fixture.FIXTURE), format=ox.RdfFormat.TURTLE)
    publish(settings, {review: (q.triple for q in triples)})
    return open_store(settings)


def test_the_stores_here_are_remote(built_store, store):
    assert built_store.kind == store.kind == "sparql"
