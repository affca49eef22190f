"""The one interface to a graph store, and the factory that picks an implementation.

Two implementations stand behind :class:`GraphStore`:

- :class:`guanxi.graph.neo4j_store.Neo4jStore` on the official ``neo4j`` driver
  (Neo4j 5 Cypher over Bolt);
- :class:`guanxi.graph.duckdb_store.DuckDBStore`, the embedded default, one DuckDB file.

Both take and return *canonical frames* (see :mod:`guanxi.graph.schema`), so callers
(loaders, analyses, API) never know which one they talk to, and the same inputs give
the same outputs on both. The store-contract tests in ``tests/graph`` run one suite
against both.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

import pandas as pd

from guanxi.graph.schema import EXTRA_COLUMN_PATTERN, LOAD_ORDER, Entity

__all__ = [
    "QueryMode",
    "Result",
    "ResultKind",
    "ResultLabel",
    "ResultRel",
    "ResultSpec",
    "RESULT_SPECS",
    "ProgressCallback",
    "LoadStats",
    "GraphStore",
    "open_store",
    "check_property_names",
]

#: ``progress(entity, rows_done, rows_total)`` is called as rows are written
ProgressCallback = Callable[[Entity, int, int], None]


class QueryMode(Enum):
    READ = "read"
    WRITE = "write"


class ResultKind(StrEnum):
    #: per-customer metrics stored as properties of the Customer nodes / rows
    CUSTOMER_PROPERTIES = "customer_properties"
    #: result entities of their own (a group, a circle), keyed by one column
    NODES = "nodes"
    #: membership of a customer in a result entity (customer -> group)
    MEMBERSHIP = "membership"


class ResultLabel(StrEnum):
    EXPOSURE_GROUP = "ExposureGroup"
    GUARANTEE_CIRCLE = "GuaranteeCircle"
    ANALYSIS_RUN = "AnalysisRun"


class ResultRel(StrEnum):
    IN_GROUP = "IN_GROUP"
    IN_CIRCLE = "IN_CIRCLE"


class Result(StrEnum):
    """Analysis results written back to the store, so Neo4j users see them in their tools."""

    CUSTOMER_METRICS = "customer_metrics"
    EXPOSURE_GROUPS = "exposure_groups"
    GROUP_MEMBERS = "group_members"
    GUARANTEE_CIRCLES = "guarantee_circles"
    CIRCLE_MEMBERS = "circle_members"
    ANALYSIS_RUNS = "analysis_runs"


@dataclass(frozen=True)
class ResultSpec:
    result: Result
    kind: ResultKind
    #: the key column (customer_id for customer properties, group_id for groups, ...)
    key: str
    label: ResultLabel | None = None
    #: for MEMBERSHIP: the relationship type and the result node it points to
    rel: ResultRel | None = None
    target_label: ResultLabel | None = None
    target_key: str | None = None


RESULT_SPECS: Mapping[Result, ResultSpec] = {
    Result.CUSTOMER_METRICS: ResultSpec(
        Result.CUSTOMER_METRICS, ResultKind.CUSTOMER_PROPERTIES, key="customer_id"
    ),
    Result.EXPOSURE_GROUPS: ResultSpec(
        Result.EXPOSURE_GROUPS, ResultKind.NODES, key="group_id", label=ResultLabel.EXPOSURE_GROUP
    ),
    Result.GROUP_MEMBERS: ResultSpec(
        Result.GROUP_MEMBERS,
        ResultKind.MEMBERSHIP,
        key="customer_id",
        rel=ResultRel.IN_GROUP,
        target_label=ResultLabel.EXPOSURE_GROUP,
        target_key="group_id",
    ),
    Result.GUARANTEE_CIRCLES: ResultSpec(
        Result.GUARANTEE_CIRCLES,
        ResultKind.NODES,
        key="circle_id",
        label=ResultLabel.GUARANTEE_CIRCLE,
    ),
    Result.CIRCLE_MEMBERS: ResultSpec(
        Result.CIRCLE_MEMBERS,
        ResultKind.MEMBERSHIP,
        key="customer_id",
        rel=ResultRel.IN_CIRCLE,
        target_label=ResultLabel.GUARANTEE_CIRCLE,
        target_key="circle_id",
    ),
    Result.ANALYSIS_RUNS: ResultSpec(
        Result.ANALYSIS_RUNS, ResultKind.NODES, key="run_id", label=ResultLabel.ANALYSIS_RUN
    ),
}


@dataclass
class LoadStats:
    """What one load wrote: rows per entity and the time it took."""

    rows: dict[Entity, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    @property
    def rows_per_second(self) -> float:
        return self.total_rows / self.seconds if self.seconds > 0 else float("nan")


def check_property_names(names: Iterable[str]) -> None:
    """Refuse a column/property name that is not a plain identifier (it goes into query text)."""
    for name in names:
        if not EXTRA_COLUMN_PATTERN.match(name):
            raise ValueError(f"not a plain identifier, refused as a property name: {name!r}")


class GraphStore(ABC):
    """A graph store holding the contract's entities and the analyses' results.

    A store is a context manager; leaving the block closes it (and closes the driver or
    connection it opened itself, never one it was handed).
    """

    #: a short human description ("embedded DuckDB store at ./guanxi.duckdb")
    description: str = ""

    # -- lifecycle -------------------------------------------------------------------
    def __enter__(self) -> GraphStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def close(self) -> None:
        """Release connections. Idempotent."""

    @abstractmethod
    def ping(self) -> None:
        """Raise :class:`~guanxi.errors.StoreUnavailable` when the store cannot be used."""

    @abstractmethod
    def ensure_schema(self) -> None:
        """Create tables / uniqueness constraints and lookup indexes. Idempotent.

        For Neo4j: one uniqueness constraint per node label on its key property,
        created before any load so that MERGE is an index lookup.
        """

    # -- loading ---------------------------------------------------------------------
    @abstractmethod
    def load(
        self,
        frames: Mapping[Entity, pd.DataFrame],
        *,
        progress: ProgressCallback | None = None,
    ) -> LoadStats:
        """Write validated canonical frames, in :data:`LOAD_ORDER`.

        Upserts by key (customer_id, account_id, the relationship's natural key), so
        loading the same frames twice leaves the store identical. A reference may
        point to an entity written earlier by another load. The caller has already
        validated every row (``guanxi.loaders``); the store does not re-check the
        contract. Columns beyond the contract are kept as properties.
        """

    @abstractmethod
    def existing_ids(self, entity: Entity, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` already exist in the store, for node entities only
        (customers, accounts)."""

    @abstractmethod
    def fetch(self, entity: Entity) -> pd.DataFrame:
        """Every stored row of ``entity`` as a canonical frame (contract columns first,
        then any extra columns), sorted by the entity's key."""

    @abstractmethod
    def counts(self) -> dict[str, int]:
        """Rows stored per entity (keys are :class:`Entity` values) plus
        ``households`` nodes as ``household_nodes`` and relationship managers as
        ``relationship_managers``."""

    @abstractmethod
    def clear(self) -> None:
        """Delete everything guanxi wrote (entities and results). Used by tests and
        ``guanxi load --replace``."""

    # -- analysis results ------------------------------------------------------------
    @abstractmethod
    def write_results(self, result: Result, frame: pd.DataFrame) -> None:
        """Replace the stored rows of ``result`` with ``frame``.

        CUSTOMER_PROPERTIES: the frame's non-key columns become properties of the
        Customer nodes (Neo4j) / columns of a customer metrics table (embedded);
        customers absent from the frame lose those properties.
        NODES: one result node per row (label from the spec), properties = columns.
        MEMBERSHIP: one relationship per row from the Customer to the result node.
        Column names must be plain identifiers (:func:`check_property_names`).
        """

    @abstractmethod
    def fetch_results(self, result: Result) -> pd.DataFrame:
        """What :meth:`write_results` stored for ``result``, sorted by key; an empty
        frame when nothing was stored."""

    def incomplete_loads(self) -> list[dict[str, Any]]:
        """Loads that started and did not complete, oldest first (each a dict with at
        least ``load_id``, ``status``, ``rows_done``, ``rows_total``). Empty for a
        store whose every load is one transaction (the embedded store)."""
        return []


def open_store(target: str | None = None, *, settings=None) -> GraphStore:
    """Open the store named by ``target`` (or settings): a Bolt URI selects Neo4j,
    anything else is the path of the embedded DuckDB store."""
    from guanxi.settings import get_settings, is_bolt_uri

    settings = settings or get_settings()
    target = target or settings.store
    if is_bolt_uri(target):
        from guanxi.graph.neo4j_store import Neo4jStore

        return Neo4jStore.from_settings(target, settings)
    from guanxi.graph.duckdb_store import DuckDBStore

    return DuckDBStore(target)


def timed_load(
    store_load: Callable[[Entity, pd.DataFrame], None],
    frames: Mapping[Entity, pd.DataFrame],
) -> LoadStats:
    """Run ``store_load`` for each present entity in :data:`LOAD_ORDER` and time it."""
    stats = LoadStats()
    start = time.perf_counter()
    for entity in LOAD_ORDER:
        frame = frames.get(entity)
        if frame is None:
            continue
        store_load(entity, frame)
        stats.rows[entity] = len(frame)
    stats.seconds = time.perf_counter() - start
    return stats
