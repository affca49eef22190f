"""Fixtures shared by every test folder.

``store`` is the one to use: a fresh, empty :class:`~guanxi.graph.store.GraphStore`
with ``ensure_schema()`` done, once per implementation:

- ``embedded``: the DuckDB store in a file under the test's tmp dir;
- ``bolt``: :class:`~guanxi.graph.neo4j_store.Neo4jStore` on ArcadeDB serving Bolt,
  started once per session in a process of its own (``tests/bolt_server.py``);
- ``neo4j``: the same on a real Neo4j, only when ``GUANXI_TEST_NEO4J_URI`` is set (with
  ``GUANXI_TEST_NEO4J_USER``, ``GUANXI_TEST_NEO4J_PASSWORD``,
  ``GUANXI_TEST_NEO4J_DATABASE``). Everything guanxi writes in that database is deleted
  before each test: point it at a throw-away database.

``bolt_target`` gives the Bolt servers themselves (URI, credentials, database, and a
session-wide driver) for tests of the Neo4j store's own behaviour.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

try:  # the repository root on sys.path (python -m pytest), or tests/ made a package
    from tests.bolt_server import BoltServer
except ModuleNotFoundError:  # plain `pytest`: rootdir-relative, tests/ itself is on sys.path
    from bolt_server import BoltServer  # type: ignore[no-redef]

NEO4J_URI_ENV = "GUANXI_TEST_NEO4J_URI"
#: small batches, so that every test loads through several UNWIND transactions
TEST_BATCH_SIZE = 2


@dataclass(frozen=True)
class BoltTarget:
    """A Bolt server the tests may use, and a driver to it shared by the session."""

    name: str
    uri: str
    user: str
    password: str
    database: str
    driver: object  # neo4j.Driver; typed loosely so collecting tests needs no driver

    @property
    def auth(self) -> tuple[str, str]:
        return (self.user, self.password)

    def store(self, **kwargs):
        """A Neo4jStore on the shared driver (which the store must not close)."""
        from guanxi.graph.neo4j_store import Neo4jStore

        kwargs.setdefault("batch_size", TEST_BATCH_SIZE)
        return Neo4jStore(self.driver, database=self.database, **kwargs)


def _bolt_params() -> list:
    params = [pytest.param("bolt", marks=pytest.mark.bolt)]
    if os.environ.get(NEO4J_URI_ENV):
        params.append(pytest.param("neo4j", marks=pytest.mark.bolt))
    return params


def _store_params() -> list:
    return [pytest.param("embedded"), *_bolt_params()]


# -- servers and drivers (once per session) ------------------------------------------
@pytest.fixture(scope="session")
def bolt_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    """ArcadeDB serving Bolt on loopback, its data under a session tmp dir."""
    root: Path = tmp_path_factory.mktemp("arcadedb") / "root"
    server = BoltServer(root)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def bolt_server_factory(tmp_path: Path) -> Iterator:
    """Make private ArcadeDB servers (to kill and restart); all are stopped at teardown.

    ``bolt_server_factory()`` returns a started :class:`BoltServer` with its data under
    the test's tmp dir; the session-wide ``bolt_server`` is never the one killed.
    """
    servers: list[BoltServer] = []

    def make(**kwargs) -> BoltServer:
        server = BoltServer(tmp_path / f"arcadedb-{len(servers)}" / "root", **kwargs)
        servers.append(server)
        return server.start()

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


def _driver(uri: str, auth: tuple[str, str]):
    import neo4j

    # a short retry budget: a dead server should fail a test quickly, not after 30 s
    return neo4j.GraphDatabase.driver(uri, auth=auth, max_transaction_retry_time=5.0)


@pytest.fixture(scope="session")
def arcadedb_target(bolt_server: BoltServer) -> Iterator[BoltTarget]:
    driver = _driver(bolt_server.uri, bolt_server.auth)
    try:
        driver.verify_connectivity()
        yield BoltTarget(
            "bolt",
            bolt_server.uri,
            bolt_server.user,
            bolt_server.password,
            bolt_server.database,
            driver,
        )
    finally:
        driver.close()


@pytest.fixture(scope="session")
def neo4j_target() -> Iterator[BoltTarget]:
    uri = os.environ.get(NEO4J_URI_ENV)
    if not uri:
        pytest.skip(f"{NEO4J_URI_ENV} is not set")
    user = os.environ.get("GUANXI_TEST_NEO4J_USER", "neo4j")
    password = os.environ.get("GUANXI_TEST_NEO4J_PASSWORD", "")
    database = os.environ.get("GUANXI_TEST_NEO4J_DATABASE", "neo4j")
    driver = _driver(uri, (user, password))
    try:
        driver.verify_connectivity()
        yield BoltTarget("neo4j", uri, user, password, database, driver)
    finally:
        driver.close()


@pytest.fixture(params=_bolt_params())
def bolt_target(request: pytest.FixtureRequest) -> BoltTarget:
    """Each Bolt server in turn: ArcadeDB always, a real Neo4j when configured."""
    return request.getfixturevalue("arcadedb_target" if request.param == "bolt" else "neo4j_target")


# -- the store -----------------------------------------------------------------------
@pytest.fixture(params=_store_params())
def store(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh, empty store with ``ensure_schema()`` done, of each implementation."""
    if request.param == "embedded":
        from guanxi.graph.duckdb_store import DuckDBStore

        the_store = DuckDBStore(str(tmp_path / "guanxi.duckdb"))
    else:
        target: BoltTarget = request.getfixturevalue(
            "arcadedb_target" if request.param == "bolt" else "neo4j_target"
        )
        the_store = target.store()
        the_store.clear()
    the_store.ensure_schema()
    try:
        yield the_store
    finally:
        the_store.close()
