"""What every part of the Neo4j store shares: its own labels, write modes, the Cypher
name quoting, parameter conversion, and the units a write is made of.

Kept apart from :mod:`guanxi.graph.neo4j_store` (connection, loads, reads) and
:mod:`guanxi.graph.neo4j_runs` (analysis runs, their results and the published
projection) so that both build on one set of helpers.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from neo4j import ManagedTransaction, NotificationDisabledClassification

from guanxi.graph.schema import (
    EXTRA_COLUMN_PATTERN,
    SPECS,
    Entity,
    NodeLabel,
    NodeMapping,
    RelType,
)
from guanxi.graph.store import RESULT_SPECS, ProgressCallback, ResultKind, ResultRel


class StoreLabel(StrEnum):
    """Labels the store keeps for itself (not part of the data contract)."""

    META = "GuanxiMeta"
    LOAD = "GuanxiLoad"
    #: one per recorded load (:meth:`GraphStore.snapshots`)
    SNAPSHOT = "GuanxiSnapshot"
    #: one per analysis run (:meth:`GraphStore.runs`); the run is stored once it exists
    RUN = "AnalysisRun"
    #: a run's result set, in Parquet chunks: the exact record guanxi reads back
    RESULT_CHUNK = "GuanxiResultChunk"


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
DEFAULT_SINGLE_TRANSACTION_MAX_ROWS = 200_000
#: a journaled load whose heartbeat is older than this (seconds) no longer blocks others
DEFAULT_LOAD_HEARTBEAT_TIMEOUT = 300.0

#: the property holding a relationship's natural key
REL_KEY = "key"
#: ``role`` of the primary holder's HOLDS relationship
PRIMARY_ROLE = "primary"
#: the key property of the store's own meta nodes
META_KEY = "name"
#: the key property of the load journal nodes
LOAD_KEY = "load_id"
#: the meta node every load writes first, so that loads serialize
LOAD_LOCK = "lock:load"
#: properties that get a lookup index: customers' contact details (suspected links) and
#: the results written back that people filter and sort by in Neo4j Browser / Bloom
LOOKUP_INDEXES: tuple[tuple[str, str], ...] = (
    (NodeLabel.CUSTOMER, "phone"),
    (NodeLabel.CUSTOMER, "email"),
    (NodeLabel.CUSTOMER, "id_number"),
    (NodeLabel.CUSTOMER, "group_id"),
    (NodeLabel.CUSTOMER, "circle_id"),
    (NodeLabel.CUSTOMER, "community_id"),
    (NodeLabel.CUSTOMER, "influence_rank"),
    (StoreLabel.RESULT_CHUNK, "run_id"),
    (StoreLabel.RUN, "run_no"),
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
            keys[rspec.label] = rspec.key[0]
        if rspec.kind is ResultKind.MEMBERSHIP and rspec.target_label and rspec.target_key:
            keys[rspec.target_label] = rspec.target_key
    keys[StoreLabel.META] = META_KEY
    keys[StoreLabel.LOAD] = LOAD_KEY
    keys[StoreLabel.SNAPSHOT] = "snapshot_id"
    keys[StoreLabel.RUN] = "run_id"
    keys[StoreLabel.RESULT_CHUNK] = "chunk_id"
    return keys


#: label -> key property, for every label guanxi writes (constraints, MERGE, clear)
NODE_KEYS: Mapping[str, str] = _node_keys()
#: relationship types guanxi writes
REL_TYPES: tuple[str, ...] = tuple(RelType) + tuple(ResultRel)

# Neo4j status codes that mean "this database cannot be used", not "bad query"
UNAVAILABLE_CODES = (
    "Neo.ClientError.Database.DatabaseNotFound",
    "Neo.TransientError.General.DatabaseUnavailable",
    "Neo.ClientError.Security.",
)
# Neo4j status codes that mean "this transaction is too big for the server's memory"
OUT_OF_MEMORY_CODES = (
    "Neo.ClientError.General.TransactionOutOfMemoryError",
    "Neo.TransientError.General.MemoryPoolOutOfMemoryError",
    "Neo.TransientError.General.OutOfMemoryError",
    "Neo.TransientError.General.TransactionMemoryLimit",
)


#: notifications the server need not send for guanxi's own queries: they are fixed text,
#: so "property key does not exist" (an empty store), "index already exists"
#: (ensure_schema) and planner hints are expected, and the driver would log each one as
#: a warning. Deprecations still come (and are logged): the query text must change.
QUIET_NOTIFICATIONS = [
    c
    for c in NotificationDisabledClassification
    if c is not NotificationDisabledClassification.DEPRECATION
]


def quote_name(name: str) -> str:
    """A label, type or property name for query text, backtick-quoted.

    Only names from the schema enums/specs or checked by ``check_property_names``
    reach here; the pattern check is a second lock on the same door.
    """
    if not EXTRA_COLUMN_PATTERN.match(name):
        raise ValueError(f"not a plain identifier, refused in query text: {name!r}")
    return f"`{name}`"


def to_param(value: Any) -> Any:
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
    if isinstance(value, decimal.Decimal):
        # money travels and is stored as exact text (Cypher has no decimal type)
        return format(value, "f")
    if isinstance(value, pd.Timestamp | _dt.datetime | _dt.date):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    return value


def to_records(frame: pd.DataFrame, *, canonical: bool = False) -> list[dict[str, Any]]:
    """Rows of ``frame`` as dicts of driver-ready values (missing -> None).

    A canonical frame holds only str, float and missing values, which need no
    conversion once missing values are None.
    """
    if frame.empty:
        return []
    obj = frame.astype(object)
    obj = obj.where(frame.notna(), None)
    records = obj.to_dict("records")
    exact = [
        c
        for c in frame.columns
        if isinstance(frame[c].dtype, pd.ArrowDtype)
        and pa.types.is_decimal(frame[c].dtype.pyarrow_dtype)
    ]
    for column in exact:
        for row in records:
            value = row[column]
            if value is not None and not isinstance(value, str):
                row[column] = None if value is pd.NA else format(value, "f")
    if canonical:
        return records
    return [{k: to_param(v) for k, v in row.items()} for row in records]


def row_batches(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def fingerprint(digest: Any, entity: Entity, frame: pd.DataFrame) -> None:
    """Feed a canonical frame's name, columns and contents to ``digest`` (the load id)."""
    digest.update(entity.value.encode())
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())


@dataclass(frozen=True)
class Statement:
    """One query of a batch; ``expect`` says how many rows it must report written."""

    query: str
    expect: Callable[[Sequence[dict[str, Any]]], int] | None = None
    what: str = ""


def _nothing(tx: ManagedTransaction) -> bool:
    return False


@dataclass(frozen=True)
class Unit:
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


class Progress:
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


def error_message(exc: BaseException) -> str:
    message = getattr(exc, "message", None)
    return str(message) if message else str(exc)
