"""Fixtures shared by every test folder.

``store`` is the one to use: a fresh, empty :class:`~guanxi.graph.store.GraphStore`
with ``ensure_schema()`` done, once per implementation:

- ``embedded``: the DuckDB store in a file under the test's tmp dir;
- ``neo4j``: :class:`~guanxi.graph.neo4j_store.Neo4jStore` on a real Neo4j 5.26 with
  Graph Data Science, resolved from Maven Central and started once per session in a JVM
  of its own (``tests/neo4j_server.py``, ``tests/neo4j/pom.xml``). When it cannot be
  started (no Java, no Maven, Maven Central out of reach), every test that needs it
  **fails** with the reason; none is skipped;
- ``external``: the same on another Neo4j, only when ``GUANXI_TEST_NEO4J_URI`` is set
  (with ``GUANXI_TEST_NEO4J_USER``, ``GUANXI_TEST_NEO4J_PASSWORD``,
  ``GUANXI_TEST_NEO4J_DATABASE``). Everything guanxi writes in that database is deleted
  before each test: point it at a throw-away database.

``bolt_target`` gives the Neo4j servers themselves (URI, credentials, database, and a
session-wide driver) for tests of the Neo4j store's own behaviour; ``killable_neo4j``
a second test Neo4j of the session, running and empty, that a test may kill (SIGKILL)
and restart.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

try:  # the repository root on sys.path (python -m pytest), or tests/ made a package
    from tests.neo4j_server import Neo4jServer, Neo4jServerError
except ModuleNotFoundError:  # plain `pytest`: rootdir-relative, tests/ itself is on sys.path
    from neo4j_server import Neo4jServer, Neo4jServerError  # type: ignore[no-redef]

NEO4J_URI_ENV = "GUANXI_TEST_NEO4J_URI"
#: small batches, so that every test loads through several UNWIND transactions
TEST_BATCH_SIZE = 2
#: the most memory one transaction may use on the killable test Neo4j
KILLABLE_TRANSACTION_MEMORY = "8m"


@dataclass(frozen=True)
class BoltTarget:
    """A Neo4j server the tests may use, and a driver to it shared by the session."""

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
    params = [pytest.param("neo4j", marks=pytest.mark.bolt)]
    if os.environ.get(NEO4J_URI_ENV):
        params.append(pytest.param("external", marks=pytest.mark.bolt))
    return params


def _store_params() -> list:
    return [pytest.param("embedded"), *_bolt_params()]


_TARGET_FIXTURES = {"neo4j": "neo4j_target", "external": "external_neo4j_target"}


# -- servers and drivers (once per session) ------------------------------------------
def start_test_neo4j(server: Neo4jServer) -> Neo4jServer:
    """Start ``server``, or fail the test (never skip it) saying what is missing."""
    try:
        return server.start()
    except Neo4jServerError as exc:
        reason = str(exc)
    pytest.fail(
        f"the test Neo4j (tests/neo4j_server.py) could not be started, so this test "
        f"cannot run against Neo4j: {reason}",
        pytrace=False,
    )


@pytest.fixture(scope="session")
def neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Neo4jServer]:
    """Neo4j 5.26 with GDS on loopback, its home under a session tmp dir."""
    server = Neo4jServer(tmp_path_factory.mktemp("neo4j") / "home")
    start_test_neo4j(server)
    try:
        yield server
    finally:
        server.kill()  # a throw-away home: a clean shutdown would only cost time


@pytest.fixture(scope="session")
def killable_neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Neo4jServer]:
    """A second Neo4j of the session, for tests that kill and restart it (the
    session's ``neo4j_server`` is never the one killed); started on first use.

    It caps a transaction's memory at :data:`KILLABLE_TRANSACTION_MEMORY`
    (``db.memory.transaction.max``), so that a load of a few thousand rows is too large
    for one transaction here: the fault of a server whose heap is too small."""
    server = Neo4jServer(
        tmp_path_factory.mktemp("neo4j-killable") / "home",
        settings={"db.memory.transaction.max": KILLABLE_TRANSACTION_MEMORY},
    )
    try:
        yield server
    finally:
        server.kill()


@pytest.fixture
def killable_neo4j(killable_neo4j_server: Neo4jServer) -> Neo4jServer:
    """The session's killable Neo4j, running and empty of everything guanxi writes.

    Tests may kill (SIGKILL) and restart it as they please: the next test starts it
    again if needed (one JVM for every such test, not one each)."""
    from guanxi.graph.neo4j_store import Neo4jStore

    server = killable_neo4j_server
    if not server.is_running():
        start_test_neo4j(server)
    with Neo4jStore(server.uri, auth=server.auth, database=server.database) as store:
        store.clear()
    return server


def _driver(uri: str, auth: tuple[str, str]):
    import neo4j

    return neo4j.GraphDatabase.driver(
        uri,
        auth=auth,
        # a short retry budget: a dead server should fail a test quickly, not after 30 s
        max_transaction_retry_time=5.0,
        # deprecations only (see no_deprecated_cypher)
        notifications_disabled_classifications=[
            c
            for c in neo4j.NotificationDisabledClassification
            if c is not neo4j.NotificationDisabledClassification.DEPRECATION
        ],
    )


@pytest.fixture(scope="session")
def neo4j_target(neo4j_server: Neo4jServer) -> Iterator[BoltTarget]:
    """The session's test Neo4j, with a driver shared by the session."""
    driver = _driver(neo4j_server.uri, neo4j_server.auth)
    try:
        driver.verify_connectivity()
        yield BoltTarget(
            "neo4j",
            neo4j_server.uri,
            neo4j_server.user,
            neo4j_server.password,
            neo4j_server.database,
            driver,
        )
    finally:
        driver.close()


@pytest.fixture(scope="session")
def external_neo4j_target() -> Iterator[BoltTarget]:
    """The Neo4j named by ``GUANXI_TEST_NEO4J_URI``."""
    uri = os.environ.get(NEO4J_URI_ENV)
    if not uri:
        pytest.skip(f"{NEO4J_URI_ENV} is not set")
    user = os.environ.get("GUANXI_TEST_NEO4J_USER", "neo4j")
    password = os.environ.get("GUANXI_TEST_NEO4J_PASSWORD", "")
    database = os.environ.get("GUANXI_TEST_NEO4J_DATABASE", "neo4j")
    driver = _driver(uri, (user, password))
    try:
        driver.verify_connectivity()
        yield BoltTarget("external", uri, user, password, database, driver)
    finally:
        driver.close()


@pytest.fixture(params=_bolt_params())
def bolt_target(request: pytest.FixtureRequest) -> BoltTarget:
    """Each Neo4j in turn: the test Neo4j always, an external one when configured."""
    return request.getfixturevalue(_TARGET_FIXTURES[request.param])


# -- no deprecated Cypher -------------------------------------------------------------
class DeprecatedCypher(logging.Handler):
    """Collects the deprecation notifications Neo4j sends, as the driver logs them."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "DEPRECATION" in message:
            self.seen.append(message)


@pytest.fixture(autouse=True)
def no_deprecated_cypher() -> Iterator[DeprecatedCypher]:
    """Fail any test in which Neo4j flags a query as deprecated: the store's, those of
    docs/cypher.md, the tests' own. The store and the session's drivers ask for
    deprecation notifications only; the driver logs each one (``neo4j.notifications``).
    (Its ``warn_notification_severity`` would turn them into Python warnings, but it
    inspects the whole stack on every query: 0.1 s each under pytest.)"""
    handler = DeprecatedCypher()
    logger = logging.getLogger("neo4j.notifications")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
    if handler.seen:
        pytest.fail("Neo4j flagged deprecated Cypher: " + "\n".join(handler.seen), pytrace=False)


# -- the store -----------------------------------------------------------------------
@pytest.fixture(params=_store_params())
def store(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh, empty store with ``ensure_schema()`` done, of each implementation."""
    if request.param == "embedded":
        from guanxi.graph.duckdb_store import DuckDBStore

        the_store = DuckDBStore(str(tmp_path / "guanxi.duckdb"))
    else:
        target: BoltTarget = request.getfixturevalue(_TARGET_FIXTURES[request.param])
        the_store = target.store()
        the_store.clear()
    the_store.ensure_schema()
    try:
        yield the_store
    finally:
        the_store.close()
