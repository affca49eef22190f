"""The Neo4j store: :class:`~guanxi.graph.store.GraphStore` on the official ``neo4j`` driver.

Neo4j 5 Cypher over Bolt. The graph follows :mod:`guanxi.graph.schema`::

    (:Customer {customer_id, kind, name, ..., extras})-[:MANAGED_BY]->(:RelationshipManager {rm_id})
    (:Customer)-[:HOLDS {key, role: 'primary'}]->(:Account {account_id, customer_id, ...})
    (:Customer)-[:HOLDS {key, role}]->(:Account)                  account_holders
    (:Customer)-[:MEMBER_OF {key, role}]->(:Household {household_id})
    (:Customer)-[:REFERRED {key, ...}]->(:Customer)                referrals
    (:Customer)-[:GUARANTEES {key, ...}]->(:Customer)              guarantees
    (:Customer)-[:OWNS {key, share, role}]->(:Customer)            ownership

Every column of a row, contract or extra, is a property of its node or relationship
(the columns naming the two ends of a relationship are the end nodes' keys instead).
A relationship carries ``key``, its natural key (:func:`~guanxi.graph.schema.relationship_keys`);
the primary holder's ``HOLDS`` has the account id as key and ``role: 'primary'``, so a
joint holder whose role is missing (no ``role`` property) is still told apart from it.

How it writes
-------------
- Labels, relationship types and property names come from the schema enums and specs,
  or are plain identifiers checked by :func:`~guanxi.graph.store.check_property_names`;
  every value travels as a query parameter.
- :meth:`Neo4jStore.ensure_schema` creates one uniqueness constraint per node label on
  its key (and lookup indexes on the customers' contact details and on the result
  properties people filter and sort by: ``group_id``, ``circle_id``, ``community_id``,
  ``influence_rank``) before any load, so each MERGE is an index lookup.
  :meth:`Neo4jStore.load` runs it once if needed.
- Rows are written as ``UNWIND $rows AS row MERGE ... SET n += row.props`` in batches
  of ``batch_size`` rows. Transaction functions only MERGE (and SET), so a transaction
  the driver retries converges to the same state.
- Missing values are never stored: a contract column that is missing in a row is sent
  as ``null`` and ``SET n += {x: null}`` removes ``x``, so a reload that blanks a value
  blanks it in the store too (the embedded store does the same). Dates are ISO strings.
- A reload that changes a customer's ``rm_id`` or an account's primary holder moves the
  ``MANAGED_BY`` / primary ``HOLDS`` relationship. Relationship managers and households
  stay as nodes once seen (as in the embedded store).
- Which extra columns each entity has (in first-seen order), and the columns and dtypes
  of each stored result, are kept in one small ``(:GuanxiMeta {name})`` node per entity
  or result, so :meth:`~Neo4jStore.fetch` returns the same frame as the embedded store
  and result properties on Customer nodes are never mistaken for extra columns.

Loads: all or nothing, or journaled batches
-------------------------------------------
Every row is validated before the first write (``guanxi.loaders``). How the writes
then reach Neo4j depends on the size of the load (all entities' rows together):

- **Up to** ``single_transaction_max_rows`` **rows** (``GUANXI_NEO4J_SINGLE_TRANSACTION_MAX_ROWS``,
  default 500,000): *one* managed write transaction (``session.execute_write``) whose
  transaction function runs every ``UNWIND`` batch of every entity, updates the
  extra-column bookkeeping and records the load in its journal node. Nothing is visible
  to anyone else until the commit, and a failure of any kind (connection dropped,
  server killed, a row naming a customer that is not there) rolls all of it back: the
  store holds the whole load or none of it. Transient errors (a dropped connection, a
  deadlock, a leader switch) are retried by the driver, with exponential backoff,
  for at most ``max_transaction_retry_time`` after the first failure; each retry runs
  the whole load again from the start (it is idempotent: MERGE), and progress is not
  reported twice. Non-transient errors surface at once, rolled back; guanxi has no
  retry loop of its own. If the connection drops *during* COMMIT, the driver cannot
  know whether the commit happened: that is reported as
  :class:`~guanxi.errors.StoreUnavailable` saying so, and running the same load again
  is always safe.
- **Above that**: one managed transaction per batch, so a huge load does not need the
  heap to hold it all. A journal node ``(:GuanxiLoad {load_id})`` records it:
  ``status`` ``running`` (with ``rows_done``, ``rows_total`` and a ``heartbeat``,
  updated in the transaction of every batch), then ``complete`` in the last
  transaction, or ``failed`` (with ``error``) when the failure still lets guanxi
  reach the server. A load that fails part-way leaves the batches before the failure
  committed and its journal not ``complete``; :meth:`Neo4jStore.ping` and the next load
  log a warning about it, :meth:`Neo4jStore.incomplete_loads` lists it, and loading the
  same frames again converges to the state a successful load would have left and marks
  the journal ``complete``. ``load_id`` is a hash of the frames' contents, so "the
  same load" is recognized whatever mode it runs in.

Every load, of either mode, leaves its journal node (``status: 'complete'``) as a
record: ``MATCH (j:GuanxiLoad) RETURN j ORDER BY j.finished_at DESC``.

Concurrency
-----------
Every load first writes one lock node, ``(:GuanxiMeta {name: 'lock:load'})``, in its
(first) transaction. On Neo4j the write lock on that node is held until commit, so two
all-or-nothing loads serialize: the second waits, then runs on the first one's result.
A journaled (large) load holds that lock only while it starts; while its journal says
``running`` and its heartbeat is younger than ``load_heartbeat_timeout`` (300 s), any
other load fails at once with :class:`~guanxi.errors.StoreUnavailable` naming it, and
writes nothing (the same load, run again, may proceed: that is how an interrupted load
is completed). Reads never wait for a load: they see the last committed state.

Two loads at once, on any Neo4j, are therefore either serialized (both all or
nothing) or the later one fails at once (beside a journaled load): never interleaved.
Tested against a real Neo4j 5.26 (``tests/graph/test_neo4j_faults.py``).

Results
-------
Each :meth:`~Neo4jStore.write_results` call is written the same way as a load: one
transaction up to ``single_transaction_max_rows`` rows (readers see the old result or
the new one, never a mix), batched transactions above it.

- ``CUSTOMER_PROPERTIES``: properties of the Customer nodes, so Neo4j users see them in
  their own tools (``MATCH (c:Customer) WHERE c.influence_rank IS NOT NULL RETURN c
  ORDER BY c.influence_rank LIMIT 10``). Writing removes the previous result's
  properties (and any of the same names) from every customer first. A name that is a
  customer column is refused, and so is a customer that is not in the store (before
  anything is written). A customer whose metrics are all missing is not told apart
  from one absent from the frame.
- ``NODES``: one node per row (``SET n = row``); nodes of the label whose key is not in
  the new frame are deleted, with any membership relationships pointing at them.
- ``MEMBERSHIP``: every ``(:Customer)-[:IN_GROUP|IN_CIRCLE]->()`` is deleted, then one
  relationship per row; a target node that does not exist yet is created with its key.

Errors
------
Driver errors become :mod:`guanxi.errors` classes with the cause chained: server
unreachable, wrong credentials, expired session, unknown or unavailable database, a
connection lost during commit, no pooled connection free in time ->
:class:`~guanxi.errors.StoreUnavailable`; anything else the server or the driver
refuses -> :class:`~guanxi.errors.StoreQueryError`. A transaction too large for the
server's memory (Neo4j: ``MemoryPoolOutOfMemoryError``, a *transient* error that the
driver would retry, running the whole load again only to fail again) is ended at once,
rolled back, with a message naming the settings that fix it. Sessions ask the server
for deprecation notifications only: guanxi's queries are fixed text, so the others
("property key does not exist" on an empty store, "index already exists") are noise.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import logging
import math
import os
import socket
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from neo4j import Driver, GraphDatabase, ManagedTransaction, NotificationDisabledClassification
from neo4j import exceptions as neo4j_exc

from guanxi.errors import ConfigError, GuanxiError, StoreQueryError, StoreUnavailable
from guanxi.graph.schema import (
    EXTRA_COLUMN_PATTERN,
    LOAD_ORDER,
    SPECS,
    Entity,
    NodeLabel,
    NodeMapping,
    RelMapping,
    RelType,
    canonical_frame,
    relationship_keys,
)
from guanxi.graph.store import (
    RESULT_SPECS,
    GraphStore,
    LoadStats,
    ProgressCallback,
    QueryMode,
    Result,
    ResultKind,
    ResultRel,
    ResultSpec,
    check_property_names,
)
from guanxi.settings import BOLT_SCHEMES, is_bolt_uri

__all__ = [
    "Neo4jStore",
    "WriteMode",
    "LoadStatus",
    "DEFAULT_SINGLE_TRANSACTION_MAX_ROWS",
    "DEFAULT_LOAD_HEARTBEAT_TIMEOUT",
]

_log = logging.getLogger(__name__)


class _StoreLabel(StrEnum):
    """Labels the store keeps for itself (not part of the data contract)."""

    META = "GuanxiMeta"
    LOAD = "GuanxiLoad"


class WriteMode(StrEnum):
    """How a load (or a result) is written: see the module docstring."""

    #: one transaction: all of it or none of it
    SINGLE = "single"
    #: one transaction per batch, recorded in a load journal node
    BATCHED = "batched"


class LoadStatus(StrEnum):
    """``status`` of a load journal node."""

    RUNNING = "running"
    COMPLETE = "complete"
    FAILED = "failed"


#: loads up to this many rows (all entities together) are one transaction
DEFAULT_SINGLE_TRANSACTION_MAX_ROWS = 500_000
#: a journaled load whose heartbeat is older than this (seconds) no longer blocks others
DEFAULT_LOAD_HEARTBEAT_TIMEOUT = 300.0

#: the property holding a relationship's natural key
REL_KEY = "key"
#: ``role`` of the primary holder's HOLDS relationship
PRIMARY_ROLE = "primary"
#: the key property of the store's own meta nodes
_META_KEY = "name"
#: the key property of the load journal nodes
_LOAD_KEY = "load_id"
#: the meta node every load writes first, so that loads serialize
_LOAD_LOCK = "lock:load"
#: properties that get a lookup index: customers' contact details (suspected links) and
#: the results written back that people filter and sort by in Neo4j Browser / Bloom
_LOOKUP_INDEXES: tuple[tuple[NodeLabel, str], ...] = (
    (NodeLabel.CUSTOMER, "phone"),
    (NodeLabel.CUSTOMER, "email"),
    (NodeLabel.CUSTOMER, "id_number"),
    (NodeLabel.CUSTOMER, "group_id"),
    (NodeLabel.CUSTOMER, "circle_id"),
    (NodeLabel.CUSTOMER, "community_id"),
    (NodeLabel.CUSTOMER, "influence_rank"),
)


def _node_keys() -> dict[str, str]:
    """Every label the store writes -> its key property."""
    keys: dict[str, str] = {}
    for spec in SPECS.values():
        if isinstance(spec.graph, NodeMapping):
            keys[spec.graph.label] = spec.graph.key
    keys[NodeLabel.HOUSEHOLD] = "household_id"
    keys[NodeLabel.RELATIONSHIP_MANAGER] = "rm_id"
    for rspec in RESULT_SPECS.values():
        if rspec.kind is ResultKind.NODES and rspec.label is not None:
            keys[rspec.label] = rspec.key
        if rspec.kind is ResultKind.MEMBERSHIP and rspec.target_label and rspec.target_key:
            keys[rspec.target_label] = rspec.target_key
    keys[_StoreLabel.META] = _META_KEY
    keys[_StoreLabel.LOAD] = _LOAD_KEY
    return keys


#: label -> key property, for every label guanxi writes (constraints, MERGE, clear)
NODE_KEYS: Mapping[str, str] = _node_keys()
#: relationship types guanxi writes
_REL_TYPES: tuple[str, ...] = tuple(RelType) + tuple(ResultRel)

# Neo4j status codes that mean "this database cannot be used", not "bad query"
_UNAVAILABLE_CODES = (
    "Neo.ClientError.Database.DatabaseNotFound",
    "Neo.TransientError.General.DatabaseUnavailable",
    "Neo.ClientError.Security.",
)
# Neo4j status codes that mean "this transaction is too big for the server's memory"
_OUT_OF_MEMORY_CODES = (
    "Neo.ClientError.General.TransactionOutOfMemoryError",
    "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
    "Neo.TransientError.General.OutOfMemoryError",
    "Neo.TransientError.General.TransactionMemoryLimit",
)


#: notifications the server need not send for guanxi's own queries: they are fixed text,
#: so "property key does not exist" (an empty store), "index already exists"
#: (ensure_schema) and planner hints are expected, and the driver would log each one as
#: a warning. Deprecations still come (and are logged): the query text must change.
_QUIET_NOTIFICATIONS = [
    c
    for c in NotificationDisabledClassification
    if c is not NotificationDisabledClassification.DEPRECATION
]


def _name(name: str) -> str:
    """A label, type or property name for query text, backtick-quoted.

    Only names from the schema enums/specs or checked by ``check_property_names``
    reach here; the pattern check is a second lock on the same door.
    """
    if not EXTRA_COLUMN_PATTERN.match(name):
        raise ValueError(f"not a plain identifier, refused in query text: {name!r}")
    return f"`{name}`"


def _to_param(value: Any) -> Any:
    """A Python value the driver sends as it is; missing values become None."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float | np.floating):
        f = float(value)
        return None if math.isnan(f) else f
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, str):
        return value
    if isinstance(value, pd.Timestamp | _dt.datetime | _dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _records(frame: pd.DataFrame, *, canonical: bool = False) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts of driver-ready values (missing -> None).

    A canonical frame holds only str, float and missing values, which need no
    conversion once missing values are None.
    """
    if frame.empty:
        return []
    obj = frame.astype(object)
    obj = obj.where(frame.notna(), None)
    records = obj.to_dict("records")
    if canonical:
        return records
    return [{k: _to_param(v) for k, v in row.items()} for row in records]


def _batches(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _fingerprint(digest: Any, entity: Entity, frame: pd.DataFrame) -> None:
    """Feed a canonical frame's name, columns and contents to ``digest`` (the load id)."""
    digest.update(entity.value.encode())
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())


@dataclass(frozen=True)
class _Statement:
    """One query of a batch; ``expect`` says how many rows it must report written."""

    query: str
    expect: Callable[[Sequence[dict[str, Any]]], int] | None = None
    what: str = ""


def _nothing(tx: ManagedTransaction) -> bool:
    return False


@dataclass(frozen=True)
class _Unit:
    """One piece of a write: a batch of rows, a bounded delete, some bookkeeping.

    ``run(tx)`` does the work in the transaction it is given and returns True when it
    must run again (a bounded delete or update that hit its limit). ``rows`` is how
    many input rows it covers; ``done`` is called once its work is in (committed, in
    :attr:`WriteMode.BATCHED`; run, inside the open transaction, in
    :attr:`WriteMode.SINGLE`).
    """

    run: Callable[[ManagedTransaction], bool] = _nothing
    rows: int = 0
    done: Callable[[], None] | None = None


class _Progress:
    """Forward ``(entity, done, total)`` to a callback, never twice, never backwards.

    A transaction the driver retries runs its batches again; the caller sees the bar
    pause until the retry passes the point reached before.
    """

    def __init__(self, callback: ProgressCallback | None) -> None:
        self._callback = callback
        self._seen: dict[Entity, int] = {}

    def __call__(self, entity: Entity, done: int, total: int) -> None:
        if self._callback is None:
            return
        last = self._seen.get(entity)
        if last is not None and done <= last:
            return
        self._seen[entity] = done
        self._callback(entity, done, total)


class Neo4jStore(GraphStore):
    """The graph in a Neo4j 5 database, through the official driver.

    Parameters
    ----------
    driver : neo4j.Driver or str
        A driver to use, or a Bolt URI to build one from (with ``auth`` and
        ``driver_config``). A driver passed in is the caller's: :meth:`close` leaves it
        open. A driver built here is closed by :meth:`close`.
    auth : tuple, optional
        ``(user, password)`` when ``driver`` is a URI.
    database : str
        The database every session names (never the server's default).
    batch_size : int
        Rows per ``UNWIND`` batch.
    single_transaction_max_rows : int
        Loads (and results) of at most this many rows are written in one transaction,
        all or nothing; larger ones in one journaled transaction per batch. 0 makes
        every non-empty write batched.
    load_heartbeat_timeout : float
        Seconds after its last progress that a journaled load stops blocking other
        loads (it is taken as interrupted).
    auto_close : bool, optional
        Close the driver in :meth:`close`. Defaults to True for a driver built here and
        False for one passed in.
    **driver_config
        Passed to ``neo4j.GraphDatabase.driver`` when ``driver`` is a URI.

    Examples
    --------
    >>> store = Neo4jStore.from_settings("neo4j://db:7687", settings)  # doctest: +SKIP
    >>> with store:  # doctest: +SKIP
    ...     store.ensure_schema()
    ...     store.load({Entity.CUSTOMERS: customers})
    """

    def __init__(
        self,
        driver: Driver | str,
        *,
        auth: tuple[str, str] | None = None,
        database: str = "neo4j",
        batch_size: int = 5_000,
        single_transaction_max_rows: int = DEFAULT_SINGLE_TRANSACTION_MAX_ROWS,
        load_heartbeat_timeout: float = DEFAULT_LOAD_HEARTBEAT_TIMEOUT,
        auto_close: bool | None = None,
        **driver_config: Any,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        if single_transaction_max_rows < 0:
            raise ValueError(
                f"single_transaction_max_rows must be 0 or more, not {single_transaction_max_rows}"
            )
        if load_heartbeat_timeout <= 0:
            raise ValueError(
                f"load_heartbeat_timeout must be positive, not {load_heartbeat_timeout}"
            )
        if not database:
            raise ConfigError("a Neo4j database name is required")
        self._database = database
        self.batch_size = int(batch_size)
        self.single_transaction_max_rows = int(single_transaction_max_rows)
        self.load_heartbeat_timeout = float(load_heartbeat_timeout)
        if isinstance(driver, str):
            uri = driver
            if not is_bolt_uri(uri):
                raise ConfigError(
                    f"not a Bolt URI: {uri!r} (expected one of {', '.join(BOLT_SCHEMES)})"
                )
            try:
                self._driver = GraphDatabase.driver(uri, auth=auth, **driver_config)
            except (ValueError, TypeError, neo4j_exc.ConfigurationError) as exc:
                raise ConfigError(f"cannot use the Neo4j URI {uri!r}: {exc}") from exc
            self._auto_close = True if auto_close is None else auto_close
            self.description = f"Neo4j store at {uri} (database {database!r})"
        else:
            if driver_config or auth is not None:
                raise TypeError("auth and driver options apply only when a URI is given")
            self._driver = driver
            self._auto_close = False if auto_close is None else auto_close
            self.description = f"Neo4j store (database {database!r})"
        self._closed = False
        self._schema_ready = False
        self._warned: set[tuple[str, Any]] = set()

    @classmethod
    def from_settings(cls, uri: str, settings: Any) -> Neo4jStore:
        """Build the store and its own driver from :class:`guanxi.settings.Settings`.

        The URI's scheme chooses encryption (``neo4j+s://``, ``bolt+s://``: TLS with
        the system's CA store; ``+ssc``: TLS accepting a self-signed certificate;
        ``neo4j://``, ``bolt://``: none); the driver refuses other encryption options
        beside a ``+s``/``+ssc`` scheme, so none are passed.
        """
        return cls(
            uri,
            auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
            database=settings.neo4j_database,
            batch_size=settings.batch_size,
            single_transaction_max_rows=settings.neo4j_single_transaction_max_rows,
            auto_close=True,
            connection_timeout=settings.neo4j_connection_timeout,
            connection_acquisition_timeout=settings.neo4j_connection_acquisition_timeout,
            max_connection_lifetime=settings.neo4j_max_connection_lifetime,
            max_connection_pool_size=settings.neo4j_max_connection_pool_size,
            max_transaction_retry_time=settings.neo4j_max_transaction_retry_time,
        )

    @property
    def database(self) -> str:
        return self._database

    @property
    def driver(self) -> Driver:
        return self._driver

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._auto_close:
            self._driver.close()

    def ping(self) -> None:
        """Raise :class:`~guanxi.errors.StoreUnavailable` when the server cannot be used.

        Also logs a warning (once per load per store object) for every load whose
        journal is not ``complete`` (see :meth:`incomplete_loads`).
        """
        # an auto-commit query: no retries, so a dead server is reported at once
        self._check_open()
        with self._translate("ping"), self._session() as session:
            session.run("RETURN 1 AS ok").consume()
        for load in self.incomplete_loads():
            self._warn_incomplete(load)

    def ensure_schema(self) -> None:
        statements = []
        for label, key in NODE_KEYS.items():
            name = f"guanxi_{label.lower()}_{key}"
            statements.append(
                f"CREATE CONSTRAINT {_name(name)} IF NOT EXISTS "
                f"FOR (n:{_name(label)}) REQUIRE n.{_name(key)} IS UNIQUE"
            )
        for label, prop in _LOOKUP_INDEXES:
            name = f"guanxi_{label.lower()}_{prop}"
            statements.append(
                f"CREATE INDEX {_name(name)} IF NOT EXISTS FOR (n:{_name(label)}) ON (n.{_name(prop)})"
            )
        # schema changes may not share a transaction with each other or with data writes
        for query in statements:
            self.run(query, mode=QueryMode.WRITE)
        self._schema_ready = True

    # -- running queries -------------------------------------------------------------
    def run(
        self,
        query: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        mode: QueryMode = QueryMode.READ,
    ) -> list[dict[str, Any]]:
        """Run one query in a managed transaction and return its records as dicts.

        For trusted query text only (built from enums); values go in ``parameters``.
        """
        params = dict(parameters or {})

        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return tx.run(query, params).data()

        return self._execute(work, mode, what=query.split("\n", 1)[0][:80])

    def _session(self):
        # every session names the database; sessions share the driver's bookmark
        # manager, so each unit of work sees the writes of the ones before it
        return self._driver.session(
            database=self._database,
            bookmark_manager=self._driver.execute_query_bookmark_manager,
            notifications_disabled_classifications=_QUIET_NOTIFICATIONS,
        )

    def _execute(
        self, work: Callable[[ManagedTransaction], Any], mode: QueryMode, *, what: str
    ) -> Any:
        self._check_open()

        def guarded(tx: ManagedTransaction) -> Any:
            try:
                return work(tx)
            except neo4j_exc.Neo4jError as exc:
                # a transient error to the driver, which would run the whole transaction
                # again only to run out of memory again: end it here, rolled back
                if (exc.code or "").startswith(_OUT_OF_MEMORY_CODES):
                    raise self._too_large(what, exc) from exc
                raise

        with self._translate(what), self._session() as session:
            if mode is QueryMode.WRITE:
                return session.execute_write(guarded)
            return session.execute_read(guarded)

    def _too_large(self, what: str, exc: neo4j_exc.Neo4jError) -> StoreQueryError:
        return StoreQueryError(
            f"{self.description}: {what!r} is too large for one transaction on this "
            f"server ({_message(exc)}); that transaction was rolled back. Give Neo4j more heap "
            "(server.memory.heap.max_size: a transaction may use up to "
            "dbms.memory.transaction.total.max, 70% of the heap by default, or "
            "db.memory.transaction.max if that is set lower), or lower "
            f"GUANXI_NEO4J_SINGLE_TRANSACTION_MAX_ROWS (now {self.single_transaction_max_rows}) "
            "so that writes this large are made in journaled batches."
        )

    def _check_open(self) -> None:
        if self._closed:
            raise StoreUnavailable(f"the {self.description} is closed")

    @contextlib.contextmanager
    def _translate(self, what: str) -> Iterator[None]:
        """Map driver errors to guanxi's, with the cause chained."""
        try:
            yield
        except neo4j_exc.IncompleteCommit as exc:
            raise StoreUnavailable(
                f"{self.description}: the connection was lost while {what!r} was "
                "committing, so whether it was written is unknown. Writes are idempotent: "
                f"run the same command again. ({_message(exc)})"
            ) from exc
        except (
            neo4j_exc.ServiceUnavailable,
            neo4j_exc.SessionExpired,
            neo4j_exc.AuthError,
            neo4j_exc.DatabaseUnavailable,
            neo4j_exc.ConnectionAcquisitionTimeoutError,
        ) as exc:
            raise StoreUnavailable(f"{self.description} cannot be used: {_message(exc)}") from exc
        except neo4j_exc.Neo4jError as exc:
            code = exc.code or ""
            if code.startswith(_UNAVAILABLE_CODES):
                raise StoreUnavailable(
                    f"{self.description} cannot be used: {_message(exc)}"
                ) from exc
            if code.startswith(_OUT_OF_MEMORY_CODES):
                raise self._too_large(what, exc) from exc
            raise StoreQueryError(f"{self.description} refused {what!r}: {_message(exc)}") from exc
        except neo4j_exc.DriverError as exc:
            raise StoreQueryError(f"{self.description}: {what!r} failed: {_message(exc)}") from exc

    # -- writing: units in one transaction, or one transaction each -----------------
    def _mode(self, rows: int) -> WriteMode:
        return WriteMode.SINGLE if rows <= self.single_transaction_max_rows else WriteMode.BATCHED

    def _batch_units(
        self,
        statements: Sequence[_Statement],
        rows: Sequence[dict[str, Any]],
        *,
        mode: WriteMode,
        params: Mapping[str, Any] | None = None,
        on_batch: Callable[[int], None] | None = None,
        what: str,
    ) -> list[_Unit]:
        """One unit per batch of ``rows``, each running every statement over its batch."""
        extra = dict(params or {})
        lost = (
            "nothing of it was written"
            if mode is WriteMode.SINGLE
            else "that batch was not written (the batches before it were)"
        )
        units = []
        done = 0
        for batch in _batches(rows, self.batch_size):
            batch = list(batch)
            done += len(batch)

            def run(tx: ManagedTransaction, batch: list[dict[str, Any]] = batch) -> bool:
                for st in statements:
                    records = tx.run(st.query, {**extra, "rows": batch}).data()
                    if st.expect is not None:
                        expected = st.expect(batch)
                        written = int(records[0]["written"]) if records else 0
                        if written != expected:
                            raise StoreQueryError(
                                f"{self.description}: {what}: {expected - written} of "
                                f"{expected} rows of a batch name {st.what} that is not in "
                                f"the store; {lost}"
                            )
                return False

            report = None
            if on_batch is not None:
                report = (lambda cb, d: lambda: cb(d))(on_batch, done)
            units.append(_Unit(run, len(batch), report))
        return units

    @staticmethod
    def _bounded_unit(query: str, params: Mapping[str, Any]) -> _Unit:
        """A unit that runs ``query`` (bounded by ``$limit``, returning ``count``) until
        it touches fewer than ``limit`` rows."""
        limit = int(params["limit"])

        def run(tx: ManagedTransaction) -> bool:
            rows = tx.run(query, dict(params)).data()
            return (int(rows[0]["count"]) if rows else 0) >= limit

        return _Unit(run)

    def _apply(
        self,
        units: Sequence[_Unit],
        *,
        mode: WriteMode,
        what: str,
        begin: Callable[[ManagedTransaction], Any] | None = None,
        each: Callable[[ManagedTransaction, int], Any] | None = None,
        end: Callable[[ManagedTransaction], Any] | None = None,
    ) -> None:
        """Run ``units`` in one managed write transaction, or one each (``mode``).

        ``begin`` and ``end`` run first and last (in the one transaction, or in
        transactions of their own); ``each(tx, rows_done)`` runs in every unit's
        transaction when batched.
        """
        if mode is WriteMode.SINGLE:

            def work(tx: ManagedTransaction) -> None:
                if begin is not None:
                    begin(tx)
                for unit in units:
                    while unit.run(tx):
                        pass
                    if unit.done is not None:
                        unit.done()
                if end is not None:
                    end(tx)

            self._execute(work, QueryMode.WRITE, what=what)
            return
        if begin is not None:
            self._execute(begin, QueryMode.WRITE, what=what)
        rows_done = 0
        for unit in units:
            after = rows_done + unit.rows

            def step(tx: ManagedTransaction, unit: _Unit = unit, after: int = after) -> bool:
                more = unit.run(tx)
                if each is not None:
                    each(tx, after)
                return more

            while self._execute(step, QueryMode.WRITE, what=what):
                pass
            rows_done = after
            if unit.done is not None:
                unit.done()
        if end is not None:
            self._execute(end, QueryMode.WRITE, what=what)

    def _read_column(self, query: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        return [r["v"] for r in self.run(query, params)]

    # -- meta ------------------------------------------------------------------------
    def _meta(self, name: str) -> dict[str, Any] | None:
        rows = self.run(
            f"MATCH (m:{_name(_StoreLabel.META)} {{{_META_KEY}: $name}}) RETURN properties(m) AS p",
            {"name": name},
        )
        return dict(rows[0]["p"]) if rows else None

    @staticmethod
    def _set_meta(
        tx: ManagedTransaction, name: str, columns: Sequence[str], dtypes: Sequence[str] = ()
    ) -> None:
        tx.run(
            f"MERGE (m:{_name(_StoreLabel.META)} {{{_META_KEY}: $name}}) "
            "SET m.columns = $columns, m.dtypes = $dtypes",
            {"name": name, "columns": list(columns), "dtypes": list(dtypes)},
        ).consume()

    def _meta_unit(self, name: str, columns: Sequence[str], dtypes: Sequence[str]) -> _Unit:
        def run(tx: ManagedTransaction) -> bool:
            self._set_meta(tx, name, columns, dtypes)
            return False

        return _Unit(run)

    def _extras_unit(self, entity: Entity, extras: Sequence[str]) -> _Unit:
        """Add ``extras`` to the entity's known extra columns, inside the write."""
        name = f"entity:{entity.value}"

        def run(tx: ManagedTransaction) -> bool:
            rows = tx.run(
                f"MATCH (m:{_name(_StoreLabel.META)} {{{_META_KEY}: $name}}) "
                "RETURN m.columns AS columns",
                {"name": name},
            ).data()
            known = [str(c) for c in (rows[0]["columns"] or [])] if rows else []
            new = [c for c in extras if c not in known]
            if new:
                self._set_meta(tx, name, known + new)
            return False

        return _Unit(run)

    def _extras(self, entity: Entity) -> list[str]:
        meta = self._meta(f"entity:{entity.value}")
        return list(meta.get("columns") or []) if meta else []

    def _metric_columns(self) -> list[str]:
        meta = self._meta(f"result:{Result.CUSTOMER_METRICS.value}")
        if not meta:
            return []
        key = RESULT_SPECS[Result.CUSTOMER_METRICS].key
        return [c for c in meta.get("columns") or [] if c != key]

    # -- the load journal and the load lock ------------------------------------------
    def incomplete_loads(self) -> list[dict[str, Any]]:
        """Loads whose journal is not ``complete``, oldest first.

        Each is the journal node's properties (``load_id``, ``status``, ``mode``,
        ``rows_done``, ``rows_total``, ``entities``, ``started_at`` and ``heartbeat`` in
        server milliseconds, ``host``, ``pid``, ``error``) plus ``idle_seconds`` (since
        its last progress) and ``in_progress`` (running, with a heartbeat younger than
        ``load_heartbeat_timeout``: probably still being written).
        """
        load = _name(_StoreLabel.LOAD)
        rows = self.run(
            f"MATCH (j:{load}) WHERE j.status <> $complete "
            "RETURN properties(j) AS j, timestamp() AS now",
            {"complete": LoadStatus.COMPLETE.value},
        )
        loads = []
        for row in rows:
            journal = dict(row["j"])
            idle = max(0.0, (int(row["now"]) - int(journal.get("heartbeat") or 0)) / 1000.0)
            journal["idle_seconds"] = idle
            journal["in_progress"] = (
                journal.get("status") == LoadStatus.RUNNING and idle < self.load_heartbeat_timeout
            )
            loads.append(journal)
        return sorted(loads, key=lambda j: (j.get("started_at") or 0, str(j.get(_LOAD_KEY))))

    def _describe_load(self, journal: Mapping[str, Any], idle: float) -> str:
        where = f"{journal.get('host', '?')}, pid {journal.get('pid', '?')}"
        error = f"; error: {journal['error']}" if journal.get("error") else ""
        return (
            f"load {journal.get(_LOAD_KEY)} ({journal.get('status')}, "
            f"{journal.get('rows_done', 0)} of {journal.get('rows_total', '?')} rows, "
            f"from {where}, last progress {idle:.0f} s ago{error})"
        )

    def _warn_incomplete(self, journal: Mapping[str, Any]) -> None:
        key = (str(journal.get(_LOAD_KEY)), journal.get("heartbeat"))
        if key in self._warned:
            return
        self._warned.add(key)
        idle = float(journal.get("idle_seconds", 0.0))
        if journal.get("in_progress"):
            _log.warning(
                "%s: a load is being written right now, or was interrupted less than "
                "%.0f s ago: %s.",
                self.description,
                self.load_heartbeat_timeout,
                self._describe_load(journal, idle),
            )
            return
        _log.warning(
            "%s: an earlier load did not complete: %s. The batches it committed are in "
            "the store; loading the same files again completes it (loads are idempotent).",
            self.description,
            self._describe_load(journal, idle),
        )

    def _ensure_lock(self) -> None:
        """Create the load lock node if it is missing (``clear()`` removes it).

        Two loads creating it at the same moment are safe: with the uniqueness
        constraint on its key, Neo4j makes the second MERGE wait and then match."""
        self.run(
            f"MERGE (l:{_name(_StoreLabel.META)} {{{_META_KEY}: $name}})",
            {"name": _LOAD_LOCK},
            mode=QueryMode.WRITE,
        )

    def _claim(self, tx: ManagedTransaction, load_id: str) -> int:
        """Take the load lock for this transaction and refuse to run beside a live
        journaled load; returns the server's clock (ms).

        The first SET takes the lock node's write lock, which Neo4j holds until this
        transaction ends: a second load's claim waits here until then."""
        claim = tx.run(
            f"MERGE (l:{_name(_StoreLabel.META)} {{{_META_KEY}: $name}}) "
            "SET l.load_id = $id, l.claimed_at = timestamp(), "
            "l.version = coalesce(l.version, 0) + 1 "
            "RETURN timestamp() AS now",
            {"name": _LOAD_LOCK, "id": load_id},
        ).single(strict=True)
        now = int(claim["now"])
        others = tx.run(
            f"MATCH (j:{_name(_StoreLabel.LOAD)}) WHERE j.status <> $complete "
            f"AND j.{_LOAD_KEY} <> $id RETURN properties(j) AS j",
            {"complete": LoadStatus.COMPLETE.value, "id": load_id},
        ).data()
        for row in others:
            journal = dict(row["j"])
            idle = max(0.0, (int(now) - int(journal.get("heartbeat") or 0)) / 1000.0)
            running = journal.get("status") == LoadStatus.RUNNING
            if running and idle < self.load_heartbeat_timeout:
                raise StoreUnavailable(
                    f"{self.description}: another load is being written: "
                    f"{self._describe_load(journal, idle)}. Nothing of this load was "
                    "written. Wait for it to finish; if it was interrupted, run it again "
                    f"to complete it, or wait {self.load_heartbeat_timeout:.0f} s after its "
                    "last progress."
                )
            self._warn_incomplete({**journal, "idle_seconds": idle, "in_progress": False})
        return now

    def _journal(
        self,
        tx: ManagedTransaction,
        load_id: str,
        props: Mapping[str, Any],
        *,
        start: bool = False,
        finish: bool = False,
    ) -> None:
        sets = ["j += $props", "j.heartbeat = timestamp()"]
        if start:
            sets.append("j.started_at = timestamp()")
        if finish:
            sets.append("j.finished_at = timestamp()")
        tx.run(
            f"MERGE (j:{_name(_StoreLabel.LOAD)} {{{_LOAD_KEY}: $id}}) SET {', '.join(sets)}",
            {"id": load_id, "props": dict(props)},
        ).consume()

    def _mark_failed(self, load_id: str, exc: BaseException) -> None:
        """Best effort, once (auto-commit, no retries): the journal says ``failed``."""
        with (
            contextlib.suppress(GuanxiError),
            self._translate("record the failed load"),
            self._session() as session,
        ):
            session.run(
                f"MATCH (j:{_name(_StoreLabel.LOAD)} {{{_LOAD_KEY}: $id}}) "
                "WHERE j.status = $running "
                "SET j.status = $failed, j.error = $error, j.heartbeat = timestamp()",
                {
                    "id": load_id,
                    "running": LoadStatus.RUNNING.value,
                    "failed": LoadStatus.FAILED.value,
                    "error": (str(exc) or type(exc).__name__)[:1000],
                },
            ).consume()

    # -- loading ---------------------------------------------------------------------
    def load(
        self,
        frames: Mapping[Entity, pd.DataFrame],
        *,
        progress: ProgressCallback | None = None,
    ) -> LoadStats:
        """Write validated canonical frames: see "Loads" in the module docstring for
        what a failure leaves behind in each :class:`WriteMode`."""
        if not self._schema_ready:
            self.ensure_schema()
        started = time.perf_counter()
        stats = LoadStats()
        present = [(e, frames[e]) for e in LOAD_ORDER if frames.get(e) is not None]
        total = sum(len(frame) for _, frame in present)
        mode = self._mode(total)
        report = _Progress(progress)
        digest = hashlib.sha256()
        units: list[_Unit] = []
        # every check and all the rows, before the first write
        for entity, frame in present:
            stats.rows[entity] = len(frame)
            units.extend(self._entity_units(entity, frame, report, digest, mode))
        if total == 0:
            for unit in units:
                if unit.done is not None:
                    unit.done()
        else:
            self._run_load(digest.hexdigest()[:32], mode, units, total, [e for e, _ in present])
        stats.seconds = time.perf_counter() - started
        return stats

    def _run_load(
        self,
        load_id: str,
        mode: WriteMode,
        units: Sequence[_Unit],
        total: int,
        entities: Sequence[Entity],
    ) -> None:
        self._ensure_lock()
        info = {
            "mode": mode.value,
            "rows_total": total,
            "entities": [e.value for e in entities],
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "error": None,
        }
        what = f"load of {total} rows"
        _log.info("%s: %s, %s mode (load %s)", self.description, what, mode.value, load_id)
        if mode is WriteMode.SINGLE:
            claimed: list[int] = []

            def begin_single(tx: ManagedTransaction) -> None:
                claimed[:] = [self._claim(tx, load_id)]

            def finish(tx: ManagedTransaction) -> None:
                done = {
                    **info,
                    "status": LoadStatus.COMPLETE.value,
                    "rows_done": total,
                    "started_at": claimed[0],
                }
                self._journal(tx, load_id, done, finish=True)

            with self._left_behind(mode):
                self._apply(units, mode=mode, what=what, begin=begin_single, end=finish)
            return

        def begin(tx: ManagedTransaction) -> None:
            self._claim(tx, load_id)
            running = {**info, "status": LoadStatus.RUNNING.value, "rows_done": 0}
            self._journal(tx, load_id, running, start=True)

        try:
            with self._left_behind(mode):
                self._apply(
                    units,
                    mode=mode,
                    what=what,
                    begin=begin,
                    each=lambda tx, done: self._journal(tx, load_id, {"rows_done": done}),
                    end=lambda tx: self._journal(
                        tx,
                        load_id,
                        {"status": LoadStatus.COMPLETE.value, "rows_done": total},
                        finish=True,
                    ),
                )
        except BaseException as exc:
            cause = exc.__cause__
            lost = isinstance(cause, neo4j_exc.ServiceUnavailable | neo4j_exc.SessionExpired)
            refused = isinstance(exc, StoreUnavailable) and cause is None
            if not (lost or refused):
                self._mark_failed(load_id, exc)
            raise

    @contextlib.contextmanager
    def _left_behind(self, mode: WriteMode) -> Iterator[None]:
        """Say what a load that lost the server, or was too large for its memory, left
        behind: nothing (one transaction), or the batches before the failure (journaled)."""
        left = (
            "Nothing of this load was written (it is one transaction)"
            if mode is WriteMode.SINGLE
            else "The batches before the failure are in the store and its journal "
            "records how far it got"
        )
        try:
            yield
        except StoreUnavailable as exc:
            cause = exc.__cause__
            lost = isinstance(cause, neo4j_exc.ServiceUnavailable | neo4j_exc.SessionExpired)
            if not lost or isinstance(cause, neo4j_exc.IncompleteCommit):
                raise
            raise StoreUnavailable(
                f"{exc} {left}; run the same load again once the server answers."
            ) from cause
        except StoreQueryError as exc:
            cause = exc.__cause__
            if not (getattr(cause, "code", None) or "").startswith(_OUT_OF_MEMORY_CODES):
                raise
            raise StoreQueryError(f"{exc} {left}.") from cause

    def _entity_units(
        self,
        entity: Entity,
        frame: pd.DataFrame,
        report: _Progress,
        digest: Any,
        mode: WriteMode,
    ) -> list[_Unit]:
        spec = SPECS[entity]
        total = len(frame)
        first = _Unit(done=lambda: report(entity, 0, total))
        if total == 0:
            return [first]
        frame = canonical_frame(entity, frame)
        extras = [c for c in frame.columns if c not in spec.column_names]
        check_property_names(extras)
        if isinstance(spec.graph, RelMapping) and REL_KEY in extras:
            raise ValueError(
                f"{entity.value}: the column name {REL_KEY!r} is reserved for the "
                "relationship's natural key in Neo4j"
            )
        if entity is Entity.CUSTOMERS:
            clash = sorted(set(extras) & set(self._metric_columns()))
            if clash:
                raise ValueError(
                    f"customers: extra columns {clash} have the names of stored customer "
                    "metrics; rename them"
                )
        _fingerprint(digest, entity, frame)

        if isinstance(spec.graph, NodeMapping):
            key = spec.graph.key
            props = [c for c in frame.columns if c != key]
            rows = [
                {"key": r[key], "props": {c: r[c] for c in props}}
                for r in _records(frame, canonical=True)
            ]
            statements = self._node_statements(entity, spec.graph)
        else:
            graph = spec.graph
            props = [c for c in frame.columns if c not in (graph.start_column, graph.end_column)]
            keys = relationship_keys(entity, frame).tolist()
            rows = [
                {
                    "key": k,
                    "start": r[graph.start_column],
                    "end": r[graph.end_column],
                    "props": {c: r[c] for c in props},
                }
                for k, r in zip(keys, _records(frame, canonical=True), strict=True)
            ]
            statements = [self._rel_statement(graph)]
        batches = self._batch_units(
            statements,
            rows,
            mode=mode,
            params={"primary": PRIMARY_ROLE},
            on_batch=lambda done: report(entity, done, total),
            what=f"load {entity.value}",
        )
        units = [first]
        if extras:
            units.append(self._extras_unit(entity, extras))
        return units + batches

    @staticmethod
    def _node_statements(entity: Entity, graph: NodeMapping) -> list[_Statement]:
        label, key = _name(graph.label), _name(graph.key)
        merge = _Statement(
            f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row.key}}) SET n += row.props"
        )
        customer, cid = _name(NodeLabel.CUSTOMER), _name("customer_id")
        if entity is Entity.CUSTOMERS:
            rm, rm_id, managed = (
                _name(NodeLabel.RELATIONSHIP_MANAGER),
                _name("rm_id"),
                _name(RelType.MANAGED_BY),
            )
            unlink = _Statement(
                f"UNWIND $rows AS row "
                f"MATCH (n:{customer} {{{cid}: row.key}})-[r:{managed}]->(m:{rm}) "
                f"WHERE row.props.rm_id IS NULL OR m.{rm_id} <> row.props.rm_id "
                "DELETE r"
            )
            link = _Statement(
                f"UNWIND $rows AS row WITH row WHERE row.props.rm_id IS NOT NULL "
                f"MATCH (n:{customer} {{{cid}: row.key}}) "
                f"MERGE (m:{rm} {{{rm_id}: row.props.rm_id}}) "
                f"MERGE (n)-[r:{managed}]->(m) "
                "RETURN count(r) AS written",
                expect=lambda rows: sum(1 for r in rows if r["props"].get("rm_id") is not None),
                what="a customer",
            )
            return [merge, unlink, link]
        if entity is Entity.ACCOUNTS:
            holds = _name(RelType.HOLDS)
            unlink = _Statement(
                f"UNWIND $rows AS row "
                f"MATCH (a:{label} {{{key}: row.key}})<-[r:{holds}]-(c:{customer}) "
                f"WHERE r.role = $primary AND c.{cid} <> row.props.customer_id "
                "DELETE r"
            )
            link = _Statement(
                f"UNWIND $rows AS row "
                f"MATCH (a:{label} {{{key}: row.key}}) "
                f"MATCH (c:{customer} {{{cid}: row.props.customer_id}}) "
                f"MERGE (c)-[r:{holds} {{{REL_KEY}: row.key}}]->(a) "
                "SET r.role = $primary "
                "RETURN count(r) AS written",
                expect=len,
                what="a primary holder (customer)",
            )
            return [merge, unlink, link]
        return [merge]

    @staticmethod
    def _rel_statement(graph: RelMapping) -> _Statement:
        start_label, end_label = graph.start_label, graph.end_label
        start = f"(s:{_name(start_label)} {{{_name(NODE_KEYS[start_label])}: row.start}})"
        end = f"(e:{_name(end_label)} {{{_name(NODE_KEYS[end_label])}: row.end}})"
        # a household exists through its members; customers and accounts must be there
        end_clause = "MERGE" if end_label is NodeLabel.HOUSEHOLD else "MATCH"
        return _Statement(
            f"UNWIND $rows AS row MATCH {start} {end_clause} {end} "
            f"MERGE (s)-[r:{_name(graph.type)} {{{REL_KEY}: row.key}}]->(e) "
            "SET r += row.props "
            "RETURN count(r) AS written",
            expect=len,
            what=f"a {start_label} or {end_label}",
        )

    def existing_ids(self, entity: Entity, ids: Iterable[str]) -> set[str]:
        spec = SPECS[entity]
        if not isinstance(spec.graph, NodeMapping):
            raise ValueError(f"existing_ids is for node entities, not {entity.value}")
        label, key = _name(spec.graph.label), _name(spec.graph.key)
        wanted = sorted({str(i) for i in ids if i is not None and not pd.isna(i)})
        found: set[str] = set()
        for batch in _batches(wanted, self.batch_size):
            found.update(
                self._read_column(
                    f"UNWIND $ids AS id MATCH (n:{label} {{{key}: id}}) RETURN n.{key} AS v",
                    {"ids": list(batch)},
                )
            )
        return found

    # -- reading ---------------------------------------------------------------------
    def fetch(self, entity: Entity) -> pd.DataFrame:
        spec = SPECS[entity]
        extras = self._extras(entity)
        if isinstance(spec.graph, NodeMapping):
            columns = list(spec.column_names) + extras
            label = _name(spec.graph.label)
            returns = ", ".join(f"n.{_name(c)} AS c{i}" for i, c in enumerate(columns))
            query = f"MATCH (n:{label}) RETURN {returns}"
            params: dict[str, Any] = {}
        else:
            graph = spec.graph
            ends = {graph.start_column: "s", graph.end_column: "e"}
            columns = list(spec.column_names) + extras
            items = []
            for i, c in enumerate(columns):
                if c in ends:
                    node_label = graph.start_label if ends[c] == "s" else graph.end_label
                    items.append(f"{ends[c]}.{_name(NODE_KEYS[node_label])} AS c{i}")
                else:
                    items.append(f"r.{_name(c)} AS c{i}")
            where = ""
            params = {}
            if graph.type is RelType.HOLDS:
                where = "WHERE r.role IS NULL OR r.role <> $primary "
                params = {"primary": PRIMARY_ROLE}
            query = (
                f"MATCH (s:{_name(graph.start_label)})-[r:{_name(graph.type)}]->"
                f"(e:{_name(graph.end_label)}) {where}RETURN {', '.join(items)}"
            )
        records = self.run(query, params)
        frame = pd.DataFrame(
            [[rec[f"c{i}"] for i in range(len(columns))] for rec in records],
            columns=columns,
            dtype=object,
        )
        frame = canonical_frame(entity, frame)
        return frame.sort_values(list(spec.key), na_position="first", kind="stable").reset_index(
            drop=True
        )

    def counts(self) -> dict[str, int]:
        queries: dict[str, tuple[str, dict[str, Any]]] = {}
        for entity, spec in SPECS.items():
            if isinstance(spec.graph, NodeMapping):
                queries[entity.value] = (
                    f"MATCH (n:{_name(spec.graph.label)}) RETURN count(n) AS v",
                    {},
                )
            else:
                graph = spec.graph
                where, params = "", {}
                if graph.type is RelType.HOLDS:
                    where = " WHERE r.role IS NULL OR r.role <> $primary"
                    params = {"primary": PRIMARY_ROLE}
                queries[entity.value] = (
                    f"MATCH (:{_name(graph.start_label)})-[r:{_name(graph.type)}]->"
                    f"(:{_name(graph.end_label)}){where} RETURN count(r) AS v",
                    params,
                )
        queries["household_nodes"] = (
            f"MATCH (n:{_name(NodeLabel.HOUSEHOLD)}) RETURN count(n) AS v",
            {},
        )
        queries["relationship_managers"] = (
            f"MATCH (n:{_name(NodeLabel.RELATIONSHIP_MANAGER)}) RETURN count(n) AS v",
            {},
        )

        def work(tx: ManagedTransaction) -> dict[str, int]:
            return {
                name: int(tx.run(q, p).single(strict=True)["v"]) for name, (q, p) in queries.items()
            }

        return self._execute(work, QueryMode.READ, what="counts")

    def clear(self) -> None:
        """Delete everything guanxi wrote, in bounded transactions (not atomically):
        relationships first, then the (now bare) nodes, journals and meta nodes."""
        limit = {"limit": self.batch_size}
        units = [
            self._bounded_unit(
                f"MATCH ()-[r:{_name(rel_type)}]->() WITH r LIMIT $limit DELETE r "
                "RETURN count(*) AS count",
                limit,
            )
            for rel_type in _REL_TYPES
        ] + [
            self._bounded_unit(
                f"MATCH (n:{_name(label)}) WITH n LIMIT $limit DETACH DELETE n "
                "RETURN count(*) AS count",
                limit,
            )
            for label in NODE_KEYS
        ]
        self._apply(units, mode=WriteMode.BATCHED, what="clear")

    # -- analysis results ------------------------------------------------------------
    def write_results(self, result: Result, frame: pd.DataFrame) -> None:
        """Replace the stored rows of ``result``: in one transaction up to
        ``single_transaction_max_rows`` rows (readers see the old or the new result,
        never a mix), in one transaction per batch above it."""
        spec = RESULT_SPECS[result]
        columns = [str(c) for c in frame.columns]
        check_property_names(columns)
        if len(set(columns)) != len(columns):
            raise ValueError(f"{result.value}: duplicate column names {columns}")
        if spec.key not in columns:
            raise ValueError(f"{result.value} needs a {spec.key!r} column")
        if spec.kind is ResultKind.MEMBERSHIP and spec.target_key not in columns:
            raise ValueError(f"{result.value} needs a {spec.target_key!r} column")
        if frame[spec.key].isna().any():
            raise ValueError(f"{result.value}: the {spec.key!r} column has missing values")
        dtypes = [str(frame[c].dtype) for c in columns]
        rows = _records(frame)
        mode = self._mode(len(rows))
        # every check and read first; then the units, all written in one go
        if spec.kind is ResultKind.CUSTOMER_PROPERTIES:
            units = self._customer_property_units(spec, columns, dtypes, rows, mode)
        elif spec.kind is ResultKind.NODES:
            units = self._result_node_units(spec, columns, dtypes, rows, mode)
        else:
            units = self._membership_units(spec, columns, dtypes, rows, mode)
        self._apply(units, mode=mode, what=f"write {result.value}")

    def _require_customers(self, result: Result, ids: Iterable[Any]) -> None:
        wanted = {str(i) for i in ids}
        missing = sorted(wanted - self.existing_ids(Entity.CUSTOMERS, wanted))
        if missing:
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            raise StoreQueryError(
                f"{self.description}: {result.value} names {len(missing)} customers that "
                f"are not in the store ({shown}); nothing was written"
            )

    def _customer_property_units(
        self,
        spec: ResultSpec,
        columns: list[str],
        dtypes: list[str],
        rows: list[dict[str, Any]],
        mode: WriteMode,
    ) -> list[_Unit]:
        key = spec.key
        metrics = [c for c in columns if c != key]
        protected = set(SPECS[Entity.CUSTOMERS].column_names) | set(self._extras(Entity.CUSTOMERS))
        clash = sorted(set(metrics) & protected)
        if clash:
            raise ValueError(
                f"{spec.result.value}: columns {clash} would overwrite customer data; rename them"
            )
        keys = [r[key] for r in rows]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{spec.result.value}: duplicate {key!r} values")
        self._require_customers(spec.result, keys)
        customer, cid = _name(NodeLabel.CUSTOMER), _name("customer_id")
        units: list[_Unit] = []
        # the previous result's properties and these ones go from every customer
        to_remove = list(dict.fromkeys(self._metric_columns() + metrics))
        if to_remove:
            has_any = " OR ".join(f"n.{_name(c)} IS NOT NULL" for c in to_remove)
            # SET n += {name: null} removes the property; the names travel as parameter
            # keys, so one statement serves any set of names
            units.append(
                self._bounded_unit(
                    f"MATCH (n:{customer}) WHERE {has_any} WITH n LIMIT $limit "
                    "SET n += $nulls RETURN count(n) AS count",
                    {"limit": self.batch_size, "nulls": dict.fromkeys(to_remove)},
                )
            )
        units.append(self._meta_unit(f"result:{spec.result.value}", columns, dtypes))
        payload = [{"key": r[key], "props": {c: r[c] for c in metrics}} for r in rows]
        units += self._batch_units(
            [
                _Statement(
                    f"UNWIND $rows AS row MATCH (n:{customer} {{{cid}: row.key}}) "
                    "SET n += row.props RETURN count(n) AS written",
                    expect=len,
                    what="a customer",
                )
            ],
            payload,
            mode=mode,
            what=f"write {spec.result.value}",
        )
        return units

    def _result_node_units(
        self,
        spec: ResultSpec,
        columns: list[str],
        dtypes: list[str],
        rows: list[dict[str, Any]],
        mode: WriteMode,
    ) -> list[_Unit]:
        assert spec.label is not None
        label, key = _name(spec.label), _name(spec.key)
        keys = [r[spec.key] for r in rows]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{spec.result.value}: duplicate {spec.key!r} values")
        units = [self._meta_unit(f"result:{spec.result.value}", columns, dtypes)]
        stale = set(self._read_column(f"MATCH (n:{label}) RETURN n.{key} AS v")) - set(keys)
        if stale:
            units += self._batch_units(
                [_Statement(f"UNWIND $rows AS k MATCH (n:{label} {{{key}: k}}) DETACH DELETE n")],
                sorted(stale, key=str),
                mode=mode,
                what=f"replace {spec.result.value}",
            )
        payload = [
            {"key": r[spec.key], "props": {c: v for c, v in r.items() if v is not None}}
            for r in rows
        ]
        units += self._batch_units(
            [
                _Statement(
                    f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row.key}}) SET n = row.props"
                )
            ],
            payload,
            mode=mode,
            what=f"write {spec.result.value}",
        )
        return units

    def _membership_units(
        self,
        spec: ResultSpec,
        columns: list[str],
        dtypes: list[str],
        rows: list[dict[str, Any]],
        mode: WriteMode,
    ) -> list[_Unit]:
        assert spec.rel is not None and spec.target_label is not None and spec.target_key
        if any(r[spec.target_key] is None for r in rows):
            raise ValueError(
                f"{spec.result.value}: the {spec.target_key!r} column has missing values"
            )
        self._require_customers(spec.result, (r[spec.key] for r in rows))
        rel = _name(spec.rel)
        customer, cid = _name(NodeLabel.CUSTOMER), _name("customer_id")
        target, tkey = _name(spec.target_label), _name(spec.target_key)
        units = [
            self._meta_unit(f"result:{spec.result.value}", columns, dtypes),
            self._bounded_unit(
                f"MATCH (:{customer})-[r:{rel}]->(:{target}) WITH r LIMIT $limit DELETE r "
                "RETURN count(*) AS count",
                {"limit": self.batch_size},
            ),
        ]
        props = [c for c in columns if c not in (spec.key, spec.target_key)]
        payload = [
            {
                "key": r[spec.key],
                "target": r[spec.target_key],
                "props": {c: r[c] for c in props if r[c] is not None},
            }
            for r in rows
        ]
        units += self._batch_units(
            [
                _Statement(
                    f"UNWIND $rows AS row MATCH (c:{customer} {{{cid}: row.key}}) "
                    f"MERGE (g:{target} {{{tkey}: row.target}}) "
                    f"MERGE (c)-[r:{rel}]->(g) SET r = row.props "
                    "RETURN count(r) AS written",
                    expect=len,
                    what="a customer",
                )
            ],
            payload,
            mode=mode,
            what=f"write {spec.result.value}",
        )
        return units

    def fetch_results(self, result: Result) -> pd.DataFrame:
        spec = RESULT_SPECS[result]
        meta = self._meta(f"result:{result.value}")
        if not meta:
            return pd.DataFrame({spec.key: pd.Series([], dtype="str")})
        columns = [str(c) for c in meta.get("columns") or []]
        dtypes = [str(d) for d in meta.get("dtypes") or []]
        for c in columns:
            _name(c)  # stored by write_results, checked again before entering query text
        customer, cid = _name(NodeLabel.CUSTOMER), _name("customer_id")
        if spec.kind is ResultKind.CUSTOMER_PROPERTIES:
            metrics = [c for c in columns if c != spec.key]
            if not metrics:
                return _typed_frame([], columns, dtypes)
            has_any = " OR ".join(f"n.{_name(c)} IS NOT NULL" for c in metrics)
            items = [f"n.{cid}" if c == spec.key else f"n.{_name(c)}" for c in columns]
            query = f"MATCH (n:{customer}) WHERE {has_any} RETURN "
        elif spec.kind is ResultKind.NODES:
            assert spec.label is not None
            items = [f"n.{_name(c)}" for c in columns]
            query = f"MATCH (n:{_name(spec.label)}) RETURN "
        else:
            assert spec.rel is not None and spec.target_label is not None and spec.target_key
            tkey = spec.target_key
            items = [
                f"c.{cid}"
                if c == spec.key
                else f"g.{_name(tkey)}"
                if c == tkey
                else f"r.{_name(c)}"
                for c in columns
            ]
            query = (
                f"MATCH (c:{customer})-[r:{_name(spec.rel)}]->(g:{_name(spec.target_label)}) "
                "RETURN "
            )
        query += ", ".join(f"{item} AS c{i}" for i, item in enumerate(items))
        records = self.run(query)
        frame = _typed_frame(
            [[rec[f"c{i}"] for i in range(len(columns))] for rec in records], columns, dtypes
        )
        sort = [spec.key] + ([spec.target_key] if spec.target_key in frame.columns else [])
        return frame.sort_values(sort, kind="stable").reset_index(drop=True)


def _typed_frame(values: list[list[Any]], columns: list[str], dtypes: list[str]) -> pd.DataFrame:
    """A frame of ``values`` with each column cast back to the dtype it was written with."""
    frame = pd.DataFrame(values, columns=columns, dtype=object)
    for col, dtype in zip(columns, dtypes, strict=False):
        try:
            if dtype.startswith("datetime64"):
                frame[col] = pd.to_datetime(frame[col]).astype(dtype)
            else:
                frame[col] = frame[col].astype(dtype)
        except (TypeError, ValueError):
            frame[col] = frame[col].infer_objects()
    return frame


def _message(exc: BaseException) -> str:
    message = getattr(exc, "message", None)
    return str(message) if message else str(exc)
