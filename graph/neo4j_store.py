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
  its key (and lookup indexes on the customers' contact details) before any load, so
  each MERGE is an index lookup. :meth:`Neo4jStore.load` runs it once if needed.
- Rows are written as ``UNWIND $rows AS row MERGE ... SET n += row.props`` in batches
  of ``batch_size`` rows, one managed write transaction (``session.execute_write``)
  per batch. Transaction functions only MERGE, so a retried batch converges.
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

Atomicity
---------
A load is *not* one transaction: each batch commits on its own. A load that fails
part-way (server gone, a row referring to a node that is not there) leaves the batches
before the failure written. Loading the same frames again converges to the state a
successful load would have left (every write is an idempotent MERGE). A row whose
customer or account is not in the store fails its batch with
:class:`~guanxi.errors.StoreQueryError` (that batch is rolled back, never half-written);
validation before writing (``guanxi.loaders``) keeps such rows from getting this far.

Results
-------
- ``CUSTOMER_PROPERTIES``: properties of the Customer nodes, so Neo4j users see them in
  their own tools. Writing removes the previous result's properties (and any of the same
  names) from every customer first. A name that is a customer column is refused, and
  so is a customer that is not in the store (before anything is written). A customer
  whose metrics are all missing is not told apart from one absent from the frame.
- ``NODES``: one node per row (``SET n = row``); nodes of the label whose key is not in
  the new frame are deleted, with any membership relationships pointing at them.
- ``MEMBERSHIP``: every ``(:Customer)-[:IN_GROUP|IN_CIRCLE]->()`` is deleted, then one
  relationship per row; a target node that does not exist yet is created with its key.

Errors
------
Driver errors become :mod:`guanxi.errors` classes with the cause chained: server
unreachable, wrong credentials, expired session, unknown or unavailable database ->
:class:`~guanxi.errors.StoreUnavailable`; anything else the server or the driver
refuses -> :class:`~guanxi.errors.StoreQueryError`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j import exceptions as neo4j_exc

from guanxi.errors import ConfigError, StoreQueryError, StoreUnavailable
from guanxi.graph.schema import (
    EXTRA_COLUMN_PATTERN,
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
    timed_load,
)
from guanxi.settings import BOLT_SCHEMES, is_bolt_uri

__all__ = ["Neo4jStore"]


class _StoreLabel(StrEnum):
    """Labels the store keeps for itself (not part of the data contract)."""

    META = "GuanxiMeta"


#: the property holding a relationship's natural key
REL_KEY = "key"
#: ``role`` of the primary holder's HOLDS relationship
PRIMARY_ROLE = "primary"
#: the key property of the store's own meta nodes
_META_KEY = "name"
#: the customers' contact details that get a lookup index
_LOOKUP_INDEXES: tuple[tuple[NodeLabel, str], ...] = (
    (NodeLabel.CUSTOMER, "phone"),
    (NodeLabel.CUSTOMER, "email"),
    (NodeLabel.CUSTOMER, "id_number"),
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


@dataclass(frozen=True)
class _Statement:
    """One query of a batch; ``expect`` says how many rows it must report written."""

    query: str
    expect: Callable[[Sequence[dict[str, Any]]], int] | None = None
    what: str = ""


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
        Rows per ``UNWIND`` batch, one write transaction each.
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
        auto_close: bool | None = None,
        **driver_config: Any,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        if not database:
            raise ConfigError("a Neo4j database name is required")
        self._database = database
        self.batch_size = int(batch_size)
        if isinstance(driver, str):
            uri = driver
            if not is_bolt_uri(uri):
                raise ConfigError(
                    f"not a Bolt URI: {uri!r} (expected one of {', '.join(BOLT_SCHEMES)})"
                )
            try:
                self._driver = GraphDatabase.driver(uri, auth=auth, **driver_config)
            except (ValueError, neo4j_exc.ConfigurationError) as exc:
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

    @classmethod
    def from_settings(cls, uri: str, settings: Any) -> Neo4jStore:
        """Build the store and its own driver from :class:`guanxi.settings.Settings`."""
        return cls(
            uri,
            auth=(settings.neo4j_user, settings.neo4j_password.get_secret_value()),
            database=settings.neo4j_database,
            batch_size=settings.batch_size,
            auto_close=True,
            connection_timeout=settings.neo4j_connection_timeout,
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
        # an auto-commit query: no retries, so a dead server is reported at once
        self._check_open()
        with self._translate("ping"), self._session() as session:
            session.run("RETURN 1 AS ok").consume()

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
        )

    def _execute(
        self, work: Callable[[ManagedTransaction], Any], mode: QueryMode, *, what: str
    ) -> Any:
        self._check_open()
        with self._translate(what), self._session() as session:
            if mode is QueryMode.WRITE:
                return session.execute_write(work)
            return session.execute_read(work)

    def _check_open(self) -> None:
        if self._closed:
            raise StoreUnavailable(f"the {self.description} is closed")

    @contextlib.contextmanager
    def _translate(self, what: str) -> Iterator[None]:
        """Map driver errors to guanxi's, with the cause chained."""
        try:
            yield
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
            raise StoreQueryError(f"{self.description} refused {what!r}: {_message(exc)}") from exc
        except neo4j_exc.DriverError as exc:
            raise StoreQueryError(f"{self.description}: {what!r} failed: {_message(exc)}") from exc

    def _write_batches(
        self,
        statements: Sequence[_Statement],
        rows: Sequence[dict[str, Any]],
        *,
        params: Mapping[str, Any] | None = None,
        on_batch: Callable[[int], None] | None = None,
        what: str,
    ) -> None:
        """Run ``statements`` over ``rows`` in batches, one write transaction per batch."""
        extra = dict(params or {})
        done = 0
        for batch in _batches(rows, self.batch_size):
            batch = list(batch)

            def work(tx: ManagedTransaction, batch: list[dict[str, Any]] = batch) -> None:
                for st in statements:
                    records = tx.run(st.query, {**extra, "rows": batch}).data()
                    if st.expect is not None:
                        expected = st.expect(batch)
                        written = int(records[0]["written"]) if records else 0
                        if written != expected:
                            raise StoreQueryError(
                                f"{self.description}: {what}: {expected - written} of "
                                f"{expected} rows of a batch name {st.what} that is not in "
                                "the store; that batch was not written"
                            )

            self._execute(work, QueryMode.WRITE, what=what)
            done += len(batch)
            if on_batch is not None:
                on_batch(done)

    def _read_column(self, query: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        return [r["v"] for r in self.run(query, params)]

    # -- meta ------------------------------------------------------------------------
    def _meta(self, name: str) -> dict[str, Any] | None:
        rows = self.run(
            f"MATCH (m:{_name(_StoreLabel.META)} {{{_META_KEY}: $name}}) RETURN properties(m) AS p",
            {"name": name},
        )
        return dict(rows[0]["p"]) if rows else None

    def _set_meta(self, name: str, columns: Sequence[str], dtypes: Sequence[str] = ()) -> None:
        self.run(
            f"MERGE (m:{_name(_StoreLabel.META)} {{{_META_KEY}: $name}}) "
            "SET m.columns = $columns, m.dtypes = $dtypes",
            {"name": name, "columns": list(columns), "dtypes": list(dtypes)},
            mode=QueryMode.WRITE,
        )

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
        progress: ProgressCallback | None = None,
    ) -> LoadStats:
        if not self._schema_ready:
            self.ensure_schema()
        return timed_load(lambda e, f: self._load_entity(e, f, progress), frames)

    def _load_entity(
        self, entity: Entity, frame: pd.DataFrame, progress: ProgressCallback | None
    ) -> None:
        spec = SPECS[entity]
        total = len(frame)
        if progress:
            progress(entity, 0, total)
        if total == 0:
            return
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
        known = self._extras(entity)
        new = [c for c in extras if c not in known]
        if new:
            self._set_meta(f"entity:{entity.value}", known + new)

        def on_batch(done: int) -> None:
            if progress:
                progress(entity, done, total)

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
        self._write_batches(
            statements,
            rows,
            params={"primary": PRIMARY_ROLE},
            on_batch=on_batch,
            what=f"load {entity.value}",
        )

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
                f"MATCH (c:{customer})-[r:{holds}]->(a:{label} {{{key}: row.key}}) "
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
        limit = {"limit": self.batch_size}
        # relationships first, in bounded transactions, then the (now bare) nodes
        for rel_type in _REL_TYPES:
            self._delete_until_done(
                f"MATCH ()-[r:{_name(rel_type)}]->() WITH r LIMIT $limit DELETE r "
                "RETURN count(*) AS deleted",
                limit,
            )
        for label in NODE_KEYS:
            self._delete_until_done(
                f"MATCH (n:{_name(label)}) WITH n LIMIT $limit DETACH DELETE n "
                "RETURN count(*) AS deleted",
                limit,
            )

    def _delete_until_done(self, query: str, params: Mapping[str, Any]) -> None:
        while True:
            rows = self.run(query, params, mode=QueryMode.WRITE)
            deleted = int(rows[0]["deleted"]) if rows else 0
            if deleted < int(params["limit"]):
                return

    # -- analysis results ------------------------------------------------------------
    def write_results(self, result: Result, frame: pd.DataFrame) -> None:
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
        if spec.kind is ResultKind.CUSTOMER_PROPERTIES:
            self._write_customer_properties(spec, columns, dtypes, rows)
        elif spec.kind is ResultKind.NODES:
            self._write_result_nodes(spec, columns, dtypes, rows)
        else:
            self._write_membership(spec, columns, dtypes, rows)

    def _require_customers(self, result: Result, ids: Iterable[Any]) -> None:
        wanted = {str(i) for i in ids}
        missing = sorted(wanted - self.existing_ids(Entity.CUSTOMERS, wanted))
        if missing:
            shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
            raise StoreQueryError(
                f"{self.description}: {result.value} names {len(missing)} customers that "
                f"are not in the store ({shown}); nothing was written"
            )

    def _write_customer_properties(
        self,
        spec: ResultSpec,
        columns: list[str],
        dtypes: list[str],
        rows: list[dict[str, Any]],
    ) -> None:
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
        # the previous result's properties and these ones go from every customer
        to_remove = list(dict.fromkeys(self._metric_columns() + metrics))
        if to_remove:
            has_any = " OR ".join(f"n.{_name(c)} IS NOT NULL" for c in to_remove)
            holders = self._read_column(f"MATCH (n:{customer}) WHERE {has_any} RETURN n.{cid} AS v")
            # SET n += {name: null} removes the property; the names travel as parameter
            # keys (ArcadeDB ignores ``REMOVE n.`name` `` with a quoted name)
            self._write_batches(
                [
                    _Statement(
                        f"UNWIND $rows AS id MATCH (n:{customer} {{{cid}: id}}) SET n += $nulls"
                    )
                ],
                holders,
                params={"nulls": dict.fromkeys(to_remove)},
                what=f"clear {spec.result.value}",
            )
        self._set_meta(f"result:{spec.result.value}", columns, dtypes)
        payload = [{"key": r[key], "props": {c: r[c] for c in metrics}} for r in rows]
        self._write_batches(
            [
                _Statement(
                    f"UNWIND $rows AS row MATCH (n:{customer} {{{cid}: row.key}}) "
                    "SET n += row.props RETURN count(n) AS written",
                    expect=len,
                    what="a customer",
                )
            ],
            payload,
            what=f"write {spec.result.value}",
        )

    def _write_result_nodes(
        self,
        spec: ResultSpec,
        columns: list[str],
        dtypes: list[str],
        rows: list[dict[str, Any]],
    ) -> None:
        assert spec.label is not None
        label, key = _name(spec.label), _name(spec.key)
        keys = [r[spec.key] for r in rows]
        if len(set(keys)) != len(keys):
            raise ValueError(f"{spec.result.value}: duplicate {spec.key!r} values")
        self._set_meta(f"result:{spec.result.value}", columns, dtypes)
        stale = set(self._read_column(f"MATCH (n:{label}) RETURN n.{key} AS v")) - set(keys)
        if stale:
            self._write_batches(
                [_Statement(f"UNWIND $rows AS k MATCH (n:{label} {{{key}: k}}) DETACH DELETE n")],
                sorted(stale, key=str),
                what=f"replace {spec.result.value}",
            )
        payload = [
            {"key": r[spec.key], "props": {c: v for c, v in r.items() if v is not None}}
            for r in rows
        ]
        self._write_batches(
            [
                _Statement(
                    f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row.key}}) SET n = row.props"
                )
            ],
            payload,
            what=f"write {spec.result.value}",
        )

    def _write_membership(
        self,
        spec: ResultSpec,
        columns: list[str],
        dtypes: list[str],
        rows: list[dict[str, Any]],
    ) -> None:
        assert spec.rel is not None and spec.target_label is not None and spec.target_key
        if any(r[spec.target_key] is None for r in rows):
            raise ValueError(
                f"{spec.result.value}: the {spec.target_key!r} column has missing values"
            )
        self._require_customers(spec.result, (r[spec.key] for r in rows))
        rel = _name(spec.rel)
        customer, cid = _name(NodeLabel.CUSTOMER), _name("customer_id")
        target, tkey = _name(spec.target_label), _name(spec.target_key)
        self._set_meta(f"result:{spec.result.value}", columns, dtypes)
        self._delete_until_done(
            f"MATCH (:{customer})-[r:{rel}]->(:{target}) WITH r LIMIT $limit DELETE r "
            "RETURN count(*) AS deleted",
            {"limit": self.batch_size},
        )
        props = [c for c in columns if c not in (spec.key, spec.target_key)]
        payload = [
            {
                "key": r[spec.key],
                "target": r[spec.target_key],
                "props": {c: r[c] for c in props if r[c] is not None},
            }
            for r in rows
        ]
        self._write_batches(
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
            what=f"write {spec.result.value}",
        )

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
