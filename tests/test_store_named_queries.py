"""The named-query tests, run again through the remote store on each live engine: the
Oxigraph server, Virtuoso 7 and Apache Jena Fuseki 5 (TDB2).

The tests are imported from their own modules unchanged; this module only overrides the
store fixtures they ask for with fixtures parametrised by engine (pytest prefers a module's
own fixture to conftest's or the imported module's), so a new named-query test runs on
every engine without more code:

- ``test_queries_real``'s ``built_store`` becomes the real build published into the
  engine's shared instance (conftest's ``engine_build``);
- ``test_queries_fixture``'s ``store`` becomes the small review fixture published into an
  instance of its own (same graph names as the real build, so it cannot share one).

From ``test_queries_fixture`` only the tests that take the ``store`` fixture are run here;
of those, the two injection tests read ``store.inner`` (pyoxigraph's own store) and stay
embedded-only. The answers themselves are compared engine by engine with the embedded
store's in ``test_store_engines.py``.
"""

from __future__ import annotations

import inspect

import pyoxigraph as ox
import pytest
import test_queries_fixture
import test_queries_real
from conftest import REMOTE_ENGINES

from hcckg.graph.store import open_store, publish
from hcckg.ground.settings import load_settings

EMBEDDED_ONLY = {
    "test_injection_through_a_resource_parameter_is_rejected",
    "test_injection_through_search_text_is_harmless",
}


def _takes(test, fixture: str) -> bool:
    return fixture in inspect.signature(test).parameters


for _module, _fixture in ((test_queries_real, "built_store"), (test_queries_fixture, "store")):
    for _name, _test in vars(_module).items():
        if (
            _name.startswith("test_")
            and callable(_test)
            and _takes(_test, _fixture)
            and _name not in EMBEDDED_ONLY
        ):
            globals()[_name] = _test


@pytest.fixture(scope="session", params=REMOTE_ENGINES)
def built_store(request, engine_build):
    return open_store(engine_build(request.param))


@pytest.fixture(scope="session")
def catalogue():
    from hcckg.queries.catalogue import load_catalogue

    return load_catalogue()


@pytest.fixture(scope="session", params=REMOTE_ENGINES)
def store(request, engine_servers):
    settings = engine_servers(request.param).settings(load_settings())
    review = ox.NamedNode("https://w3id.org/hcckg/graph/review")
    triples = ox.parse(path=str(test_queries_fixture.FIXTURE), format=ox.RdfFormat.TURTLE)
    publish(settings, {review: [q.triple for q in triples]})
    return open_store(settings)


def test_the_stores_here_are_remote(built_store, store):
    assert built_store.kind == store.kind == "sparql"
