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
  default 200,000): *one* managed write transaction (``session.execute_write``) whose
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
Analysis runs, their result sets and the published run drawn on the graph are
:mod:`guanxi.graph.neo4j_runs` (:class:`~guanxi.graph.neo4j_runs.RunsMixin`): every run
is written all or nothing at every kill point (its chunks first, its run node last),
and the projection Neo4j users browse shows the published run. Every load is also
recorded as a ``(:GuanxiSnapshot {snapshot_id, as_of, mode, ...})`` node in its last
transaction.

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
import hashlib
import logging
import os
import socket
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pandas as pd
from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j import exceptions as neo4j_exc

from guanxi.errors import ConfigError, StoreQueryError, StoreUnavailable
from guanxi.graph.neo4j_cypher import (
    DEFAULT_LOAD_HEARTBEAT_TIMEOUT,
    DEFAULT_SINGLE_TRANSACTION_MAX_ROWS,
    LOOKUP_INDEXES,
    META_KEY,
    NODE_KEYS,
    OUT_OF_MEMORY_CODES,
    PRIMARY_ROLE,
    REL_KEY,
    LoadStatus,
    Progress,
    Statement,
    StoreLabel,
    Unit,
    WriteMode,
    fingerprint,
    quote_name,
    to_records,
)
from guanxi.graph.neo4j_journal import JournalMixin
from guanxi.graph.neo4j_read import ReadMixin
from guanxi.graph.neo4j_runner import Neo4jRunner
from guanxi.graph.neo4j_runs import RunsMixin
from guanxi.graph.neo4j_statements import node_statements, rel_statement
from guanxi.graph.schema import (
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
    LoadMode,
    LoadStats,
    ProgressCallback,
    QueryMode,
    Result,
    SnapshotRecord,
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


class Neo4jStore(JournalMixin, RunsMixin, ReadMixin, Neo4jRunner, GraphStore):
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

    def gds_engine(self):
        """The Graph Data Science engine on this server (``guanxi analyze --engine gds``).

        Raises
        ------
        ConfigError
            The server has no GDS plugin.
        """
        from guanxi.graph.neo4j_gds import GdsEngine

        return GdsEngine(self)

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
                f"CREATE CONSTRAINT {quote_name(name)} IF NOT EXISTS "
                f"FOR (n:{quote_name(label)}) REQUIRE n.{quote_name(key)} IS UNIQUE"
            )
        for label, prop in LOOKUP_INDEXES:
            name = f"guanxi_{label.lower()}_{prop}"
            statements.append(
                f"CREATE INDEX {quote_name(name)} IF NOT EXISTS "
                f"FOR (n:{quote_name(label)}) ON (n.{quote_name(prop)})"
            )
        # a relationship is found by its natural key when a load removes it
        for spec in SPECS.values():
            if isinstance(spec.graph, RelMapping):
                rel = spec.graph.type
                name = f"guanxi_rel_{rel.lower()}_{REL_KEY}"
                statements.append(
                    f"CREATE INDEX {quote_name(name)} IF NOT EXISTS "
                    f"FOR ()-[r:{quote_name(rel)}]-() ON (r.{quote_name(REL_KEY)})"
                )
        # schema changes may not share a transaction with each other or with data writes
        for query in statements:
            self.run(query, mode=QueryMode.WRITE)
        self._schema_ready = True

    # -- meta ------------------------------------------------------------------------
    def _meta(self, name: str) -> dict[str, Any] | None:
        rows = self.run(
            f"MATCH (m:{quote_name(StoreLabel.META)} {{{META_KEY}: $name}}) RETURN properties(m) AS p",
            {"name": name},
        )
        return dict(rows[0]["p"]) if rows else None

    @staticmethod
    def _set_meta(
        tx: ManagedTransaction, name: str, columns: Sequence[str], dtypes: Sequence[str] = ()
    ) -> None:
        tx.run(
            f"MERGE (m:{quote_name(StoreLabel.META)} {{{META_KEY}: $name}}) "
            "SET m.columns = $columns, m.dtypes = $dtypes",
            {"name": name, "columns": list(columns), "dtypes": list(dtypes)},
        ).consume()

    def _meta_unit(self, name: str, columns: Sequence[str], dtypes: Sequence[str]) -> Unit:
        def run(tx: ManagedTransaction) -> bool:
            self._set_meta(tx, name, columns, dtypes)
            return False

        return Unit(run)

    def _extras_unit(self, entity: Entity, extras: Sequence[str]) -> Unit:
        """Add ``extras`` to the entity's known extra columns, inside the write."""
        name = f"entity:{entity.value}"

        def run(tx: ManagedTransaction) -> bool:
            rows = tx.run(
                f"MATCH (m:{quote_name(StoreLabel.META)} {{{META_KEY}: $name}}) "
                "RETURN m.columns AS columns",
                {"name": name},
            ).data()
            known = [str(c) for c in (rows[0]["columns"] or [])] if rows else []
            new = [c for c in extras if c not in known]
            if new:
                self._set_meta(tx, name, known + new)
            return False

        return Unit(run)

    def _extras(self, entity: Entity) -> list[str]:
        meta = self._meta(f"entity:{entity.value}")
        return list(meta.get("columns") or []) if meta else []

    def _metric_columns(self) -> list[str]:
        meta = self._meta(f"result:{Result.CUSTOMER_METRICS.value}")
        if not meta:
            return []
        key = RESULT_SPECS[Result.CUSTOMER_METRICS].key
        return [c for c in meta.get("columns") or [] if c != key]

    # -- loading ---------------------------------------------------------------------
    def load(
        self,
        frames: Mapping[Entity, pd.DataFrame],
        *,
        mode: LoadMode = LoadMode.DELTA,
        removals: Mapping[Entity, pd.DataFrame] | None = None,
        snapshot: SnapshotRecord | None = None,
        progress: ProgressCallback | None = None,
    ) -> LoadStats:
        """Write validated canonical frames: see "Loads" in the module docstring for
        what a failure leaves behind in each :class:`WriteMode`.

        A column a frame does not carry keeps its stored values. ``mode=FULL`` removes,
        for every entity in ``frames``, the stored rows whose key the frame lacks;
        ``removals`` names keys to remove in either mode. Removals are computed from the
        stored keys before the write and made in the same write (and the same
        transaction, up to ``single_transaction_max_rows`` rows), after the upserts; the
        snapshot is recorded in the write's last transaction.
        """
        if not self._schema_ready:
            self.ensure_schema()
        mode = LoadMode(mode)
        removals = removals or {}
        started = time.perf_counter()
        stats = LoadStats()
        present = [(e, frames[e]) for e in LOAD_ORDER if frames.get(e) is not None]
        # every check, all the rows and every key to remove, before the first write
        doomed: dict[Entity, list[str]] = {}
        for entity, frame in present:
            if mode is LoadMode.FULL:
                incoming = set(self._keys_of(entity, frame))
                doomed[entity] = sorted(k for k in self._stored_keys(entity) if k not in incoming)
        for entity in LOAD_ORDER:
            keys = removals.get(entity)
            if keys is not None and len(keys):
                wanted = set(self._keys_of(entity, keys))
                stored = self._stored_keys(entity)
                doomed[entity] = sorted(set(doomed.get(entity, [])) | (wanted & stored))
        total = sum(len(frame) for _, frame in present) + sum(map(len, doomed.values()))
        write_mode = self._mode(total)
        report = Progress(progress)
        digest = hashlib.sha256(f"{mode.value}\x1f".encode())
        units: list[Unit] = []
        for entity, frame in present:
            stats.rows[entity] = len(frame)
            units.extend(self._entity_units(entity, frame, report, digest, write_mode))
        for entity in LOAD_ORDER:
            if entity in doomed:
                stats.removed[entity] = len(doomed[entity])
                digest.update(("\x1e" + entity.value + "\x1f".join(doomed[entity])).encode())
                units.extend(self._removal_units(entity, doomed[entity], write_mode))
        if any(doomed.values()) or any(e is Entity.CUSTOMERS for e, _ in present):
            units.extend(self._prune_units())
        snapshot_row = None
        if snapshot is not None:
            snapshot_row = snapshot.row(
                {e.value: n for e, n in stats.rows.items()},
                {e.value: n for e, n in stats.removed.items()},
            )
            digest.update(snapshot.snapshot_id.encode())
        if total == 0 and snapshot_row is None:
            for unit in units:
                if unit.done is not None:
                    unit.done()
        else:
            self._run_load(
                digest.hexdigest()[:32],
                write_mode,
                units,
                total,
                [e for e, _ in present],
                snapshot_row,
            )
        stats.seconds = time.perf_counter() - started
        return stats

    def _keys_of(self, entity: Entity, frame: pd.DataFrame) -> list[str]:
        """The stored key of each row of ``frame`` (a node's key, a relationship's
        natural key)."""
        spec = SPECS[entity]
        missing = [c for c in spec.key if c not in frame.columns]
        if missing:
            raise ValueError(f"{entity.value}: the rows lack their key column(s) {missing}")
        keyed = canonical_frame(entity, frame[list(spec.key)], complete=False)
        if isinstance(spec.graph, NodeMapping):
            return keyed[spec.graph.key].astype(str).tolist()
        return relationship_keys(entity, keyed).tolist()

    def _stored_keys(self, entity: Entity) -> set[str]:
        spec = SPECS[entity]
        if isinstance(spec.graph, NodeMapping):
            label, key = quote_name(spec.graph.label), quote_name(spec.graph.key)
            return set(map(str, self._read_column(f"MATCH (n:{label}) RETURN n.{key} AS v")))
        graph = spec.graph
        where, params = "", {}
        if graph.type is RelType.HOLDS:
            where, params = " WHERE r.role IS NULL OR r.role <> $primary", {"primary": PRIMARY_ROLE}
        return set(
            map(
                str,
                self._read_column(
                    f"MATCH (:{quote_name(graph.start_label)})-[r:{quote_name(graph.type)}]->"
                    f"(:{quote_name(graph.end_label)}){where} RETURN r.{REL_KEY} AS v",
                    params,
                ),
            )
        )

    def _removal_units(self, entity: Entity, keys: list[str], mode: WriteMode) -> list[Unit]:
        spec = SPECS[entity]
        if not keys:
            return []
        if isinstance(spec.graph, NodeMapping):
            label, key = quote_name(spec.graph.label), quote_name(spec.graph.key)
            query = f"UNWIND $rows AS k MATCH (n:{label} {{{key}: k}}) DETACH DELETE n"
        else:
            graph = spec.graph
            where = (
                " WHERE r.role IS NULL OR r.role <> $primary" if graph.type is RelType.HOLDS else ""
            )
            query = (
                f"UNWIND $rows AS k MATCH (:{quote_name(graph.start_label)})"
                f"-[r:{quote_name(graph.type)} {{{REL_KEY}: k}}]->"
                f"(:{quote_name(graph.end_label)}){where} DELETE r"
            )
        return self._batch_units(
            [Statement(query)],
            keys,
            mode=mode,
            params={"primary": PRIMARY_ROLE},
            what=f"remove {entity.value}",
        )

    def _prune_units(self) -> list[Unit]:
        """Households without members and relationship managers without customers go
        (as in the embedded store)."""
        limit = {"limit": self.batch_size}
        household, member = quote_name(NodeLabel.HOUSEHOLD), quote_name(RelType.MEMBER_OF)
        rm, managed = quote_name(NodeLabel.RELATIONSHIP_MANAGER), quote_name(RelType.MANAGED_BY)
        return [
            self._bounded_unit(
                f"MATCH (h:{household}) WHERE NOT (h)<-[:{member}]-() "
                "WITH h LIMIT $limit DETACH DELETE h RETURN count(*) AS count",
                limit,
            ),
            self._bounded_unit(
                f"MATCH (m:{rm}) WHERE NOT (m)<-[:{managed}]-() "
                "WITH m LIMIT $limit DETACH DELETE m RETURN count(*) AS count",
                limit,
            ),
        ]

    def _run_load(
        self,
        load_id: str,
        mode: WriteMode,
        units: Sequence[Unit],
        total: int,
        entities: Sequence[Entity],
        snapshot_row: Mapping[str, Any] | None = None,
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
                if snapshot_row is not None:
                    self.record_snapshot(tx, snapshot_row)

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
                    end=lambda tx: self._finish_batched(tx, load_id, total, snapshot_row),
                )
        except BaseException as exc:
            cause = exc.__cause__
            lost = isinstance(cause, neo4j_exc.ServiceUnavailable | neo4j_exc.SessionExpired)
            refused = isinstance(exc, StoreUnavailable) and cause is None
            if not (lost or refused):
                self._mark_failed(load_id, exc)
            raise

    def _finish_batched(
        self,
        tx: ManagedTransaction,
        load_id: str,
        total: int,
        snapshot_row: Mapping[str, Any] | None,
    ) -> None:
        self._journal(
            tx,
            load_id,
            {"status": LoadStatus.COMPLETE.value, "rows_done": total},
            finish=True,
        )
        if snapshot_row is not None:
            self.record_snapshot(tx, snapshot_row)

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
            if not (getattr(cause, "code", None) or "").startswith(OUT_OF_MEMORY_CODES):
                raise
            raise StoreQueryError(f"{exc} {left}.") from cause

    def _entity_units(
        self,
        entity: Entity,
        frame: pd.DataFrame,
        report: Progress,
        digest: Any,
        mode: WriteMode,
    ) -> list[Unit]:
        spec = SPECS[entity]
        total = len(frame)
        first = Unit(done=lambda: report(entity, 0, total))
        if total == 0:
            return [first]
        # only the columns the frame carries: the others keep their stored values
        frame = canonical_frame(entity, frame, complete=False)
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
        fingerprint(digest, entity, frame)

        if isinstance(spec.graph, NodeMapping):
            key = spec.graph.key
            props = [c for c in frame.columns if c != key]
            rows = [
                {"key": r[key], "props": {c: r[c] for c in props}}
                for r in to_records(frame, canonical=True)
            ]
            statements = node_statements(entity, spec.graph, set(frame.columns))
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
                for k, r in zip(keys, to_records(frame, canonical=True), strict=True)
            ]
            statements = [rel_statement(graph)]
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
