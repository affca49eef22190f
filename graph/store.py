"""The one interface to a graph store, and the factory that picks an implementation.

Two implementations stand behind :class:`GraphStore`:

- :class:`guanxi.graph.neo4j_store.Neo4jStore` on the official ``neo4j`` driver
  (Neo4j 5 Cypher over Bolt);
- :class:`guanxi.graph.duckdb_store.DuckDBStore`, the embedded default, one DuckDB file.

Both take and return *canonical frames* (see :mod:`guanxi.graph.schema`), so callers
(loaders, analyses, API) never know which one they talk to, and the same inputs give
the same outputs on both. The store-contract tests in ``tests/graph`` run one suite
against both.

What a store keeps
------------------
- **The bank's data**, one table (or label / relationship type) per contract entity:
  the current state, as the loads left it. Every load is recorded as a dated
  *snapshot* (:class:`SnapshotRecord`): its ``as_of`` date, its mode, the files and
  rows it carried and what it removed. A ``full`` load replaces, for every entity it
  carries, the stored rows (rows absent from the file are removed); a ``delta`` load
  upserts and removes only the keys it is told to. Either way a column a file does not
  carry keeps its stored values (:meth:`GraphStore.load`).
- **Every analysis run** (:class:`RunRecord`) with all its result sets
  (:class:`Result`), written all or nothing by :meth:`GraphStore.write_run`. One run
  is *published*: what the API, the views and the reports read unless told otherwise.
  Runs beyond the retention are pruned oldest first; the published run never is.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from guanxi import defaults
from guanxi.graph.schema import EXTRA_COLUMN_PATTERN, LOAD_ORDER, Entity

__all__ = [
    "QueryMode",
    "LoadMode",
    "Result",
    "ResultKind",
    "ResultLabel",
    "ResultRel",
    "ResultSpec",
    "RESULT_SPECS",
    "RUN_COLUMNS",
    "SNAPSHOT_COLUMNS",
    "RunRecord",
    "SnapshotRecord",
    "ProgressCallback",
    "LoadStats",
    "GraphStore",
    "check_property_names",
    "dtype_names",
    "restore_dtypes",
    "timed_load",
    "DEFAULT_KEEP_RUNS",
]

#: ``progress(entity, rows_done, rows_total)`` is called as rows are written
ProgressCallback = Callable[[Entity, int, int], None]

#: analysis runs kept per store when the caller does not say (``GUANXI_KEEP_RUNS``)
DEFAULT_KEEP_RUNS = defaults.KEEP_RUNS


class QueryMode(Enum):
    READ = "read"
    WRITE = "write"


class LoadMode(StrEnum):
    """How a load treats the rows already stored.

    ``full``: for every entity the load carries, the load is the bank's complete extract
    of that entity on its date; stored rows absent from it are removed, in the same
    all-or-nothing write. ``delta``: rows are upserted; a stored row is removed only
    when the load names its key among the removals.
    """

    FULL = "full"
    DELTA = "delta"


class ResultKind(StrEnum):
    """How a result set maps onto the graph (the embedded store keeps every kind as a
    table; Neo4j users see these shapes in their tools)."""

    #: one row per customer: properties of the customer at this run
    CUSTOMER_PROPERTIES = "customer_properties"
    #: result entities of their own (a group, a circle, a community), keyed by one column
    NODES = "nodes"
    #: membership of a customer in a result entity (customer -> group)
    MEMBERSHIP = "membership"
    #: a link between two customers (``a`` -> ``b``) with properties
    LINK = "link"
    #: rows of their own (a node per row in Neo4j, with the result's label)
    TABLE = "table"


class ResultLabel(StrEnum):
    EXPOSURE_GROUP = "ExposureGroup"
    GUARANTEE_CIRCLE = "GuaranteeCircle"
    ANALYSIS_RUN = "AnalysisRun"
    COMMUNITY = "Community"
    CUSTOMER_RESULT = "CustomerResult"
    SINGLE_NAME = "SingleName"
    ACCOUNT_EXPOSURE = "AccountExposure"
    CIRCLE_CYCLE = "CircleCycle"
    HOUSEHOLD_SUMMARY = "HouseholdSummary"
    SUSPECTED_LINK = "SuspectedLink"
    REFERRAL_REACH = "ReferralReach"
    INFLUENCER = "Influencer"
    KFACTOR_COHORT = "KFactorCohort"
    CAMPAIGN_SEED = "CampaignSeed"
    LINEAGE_EVENT = "LineageEvent"
    CHANGE = "Change"
    ALERT = "Alert"
    # marketer depth (issue 17)
    VALUE_TIER = "ValueTier"
    DEPARTURE = "Departure"
    AT_RISK = "AtRisk"
    COMMUNITY_PROFILE = "CommunityProfile"
    RM_PORTFOLIO = "RmPortfolio"
    # risk officer depth (issue 16)
    DEPENDENCY_REVIEW = "DependencyReview"
    EVIDENCE_HOP = "EvidenceHop"
    KEY_GUARANTOR = "KeyGuarantor"
    CHAIN_GUARANTEE = "ChainGuarantee"


class ResultRel(StrEnum):
    IN_GROUP = "IN_GROUP"
    IN_CIRCLE = "IN_CIRCLE"
    IN_COMMUNITY = "IN_COMMUNITY"
    LINKED = "LINKED"


class Result(StrEnum):
    """The result sets of an analysis run, each stored with its run. The value is also
    the name of the CSV file ``guanxi analyze`` writes with the same rows."""

    CUSTOMER_METRICS = "customer_metrics"
    EXPOSURE_GROUPS = "exposure_groups"
    GROUP_MEMBERS = "group_members"
    GROUP_LINKS = "group_links"
    SINGLE_NAMES = "single_names"
    ACCOUNT_EXPOSURES = "account_exposures"
    GUARANTEE_CIRCLES = "circle_summary"
    CIRCLE_MEMBERS = "guarantee_circles"
    CIRCLE_CYCLES = "circle_cycles"
    HOUSEHOLDS = "households"
    SUSPECTED_LINKS = "suspected_links"
    REFERRAL_REACH = "referral_reach"
    INFLUENCERS = "influencers"
    K_FACTOR = "k_factor"
    COMMUNITIES = "communities"
    COMMUNITY_SUMMARY = "community_summary"
    CAMPAIGN_SEEDS = "campaign_seeds"
    GROUP_LINEAGE = "group_lineage"
    CIRCLE_LINEAGE = "circle_lineage"
    GROUP_CHANGES = "group_changes"
    MEMBER_CHANGES = "member_changes"
    CIRCLE_CHANGES = "circle_changes"
    INFLUENCER_CHANGES = "influencer_changes"
    CASCADE_CHANGES = "cascade_changes"
    ALERTS = "alerts"
    # marketer depth (issue 17)
    VALUE_TIERS = "value_tiers"
    DEPARTURES = "departures"
    AT_RISK = "at_risk"
    COMMUNITY_PROFILES = "community_profiles"
    RM_PORTFOLIOS = "rm_portfolios"
    # risk officer depth (issue 16)
    DEPENDENCY_REVIEW = "dependency_review"
    EVIDENCE_PATHS = "evidence_paths"
    CIRCLE_KEY_GUARANTORS = "circle_key_guarantors"
    CIRCLE_CHAINS = "circle_chains"


@dataclass(frozen=True)
class ResultSpec:
    """How one result set is keyed and drawn in the graph.

    ``key``: the columns that identify a row within a run (unique). For MEMBERSHIP, the
    relationship goes from the customer (``customer_id``) to the result node
    ``target_label`` whose key is ``target_key``; for LINK, from customer ``a`` to
    customer ``b``. The stores keep every column of every row, in the order written.
    """

    result: Result
    kind: ResultKind
    key: tuple[str, ...]
    label: ResultLabel | None = None
    rel: ResultRel | None = None
    target_label: ResultLabel | None = None
    target_key: str | None = None


def _spec(result: Result, kind: ResultKind, key: tuple[str, ...], **kw: Any) -> ResultSpec:
    return ResultSpec(result, kind, key, **kw)


_K = ResultKind
_L = ResultLabel
RESULT_SPECS: Mapping[Result, ResultSpec] = {
    Result.CUSTOMER_METRICS: _spec(
        Result.CUSTOMER_METRICS,
        _K.CUSTOMER_PROPERTIES,
        ("customer_id",),
        label=_L.CUSTOMER_RESULT,
    ),
    Result.EXPOSURE_GROUPS: _spec(
        Result.EXPOSURE_GROUPS, _K.NODES, ("group_id",), label=_L.EXPOSURE_GROUP
    ),
    Result.GROUP_MEMBERS: _spec(
        Result.GROUP_MEMBERS,
        _K.MEMBERSHIP,
        ("group_id", "customer_id"),
        rel=ResultRel.IN_GROUP,
        target_label=_L.EXPOSURE_GROUP,
        target_key="group_id",
    ),
    Result.GROUP_LINKS: _spec(
        Result.GROUP_LINKS,
        _K.LINK,
        ("group_id", "a", "b", "reason", "source_entity", "source_key"),
        rel=ResultRel.LINKED,
    ),
    Result.SINGLE_NAMES: _spec(
        Result.SINGLE_NAMES, _K.TABLE, ("customer_id",), label=_L.SINGLE_NAME
    ),
    Result.ACCOUNT_EXPOSURES: _spec(
        Result.ACCOUNT_EXPOSURES, _K.TABLE, ("account_id",), label=_L.ACCOUNT_EXPOSURE
    ),
    Result.GUARANTEE_CIRCLES: _spec(
        Result.GUARANTEE_CIRCLES, _K.NODES, ("circle_id",), label=_L.GUARANTEE_CIRCLE
    ),
    Result.CIRCLE_MEMBERS: _spec(
        Result.CIRCLE_MEMBERS,
        _K.MEMBERSHIP,
        ("circle_id", "customer_id"),
        rel=ResultRel.IN_CIRCLE,
        target_label=_L.GUARANTEE_CIRCLE,
        target_key="circle_id",
    ),
    Result.CIRCLE_CYCLES: _spec(
        Result.CIRCLE_CYCLES, _K.TABLE, ("circle_id", "cycle_no"), label=_L.CIRCLE_CYCLE
    ),
    Result.HOUSEHOLDS: _spec(
        Result.HOUSEHOLDS, _K.TABLE, ("household_id",), label=_L.HOUSEHOLD_SUMMARY
    ),
    Result.SUSPECTED_LINKS: _spec(
        Result.SUSPECTED_LINKS, _K.TABLE, ("suspected_link_id",), label=_L.SUSPECTED_LINK
    ),
    Result.REFERRAL_REACH: _spec(
        Result.REFERRAL_REACH, _K.TABLE, ("customer_id",), label=_L.REFERRAL_REACH
    ),
    Result.INFLUENCERS: _spec(Result.INFLUENCERS, _K.TABLE, ("customer_id",), label=_L.INFLUENCER),
    Result.K_FACTOR: _spec(Result.K_FACTOR, _K.TABLE, ("cohort",), label=_L.KFACTOR_COHORT),
    Result.COMMUNITIES: _spec(
        Result.COMMUNITIES,
        _K.MEMBERSHIP,
        ("community_id", "customer_id"),
        rel=ResultRel.IN_COMMUNITY,
        target_label=_L.COMMUNITY,
        target_key="community_id",
    ),
    Result.COMMUNITY_SUMMARY: _spec(
        Result.COMMUNITY_SUMMARY, _K.NODES, ("community_id",), label=_L.COMMUNITY
    ),
    Result.CAMPAIGN_SEEDS: _spec(
        Result.CAMPAIGN_SEEDS, _K.TABLE, ("rank",), label=_L.CAMPAIGN_SEED
    ),
    Result.GROUP_LINEAGE: _spec(
        Result.GROUP_LINEAGE, _K.TABLE, ("group_id", "event", "other_id"), label=_L.LINEAGE_EVENT
    ),
    Result.CIRCLE_LINEAGE: _spec(
        Result.CIRCLE_LINEAGE, _K.TABLE, ("circle_id", "event", "other_id"), label=_L.LINEAGE_EVENT
    ),
    Result.GROUP_CHANGES: _spec(Result.GROUP_CHANGES, _K.TABLE, ("group_id",), label=_L.CHANGE),
    Result.MEMBER_CHANGES: _spec(
        Result.MEMBER_CHANGES, _K.TABLE, ("group_id", "customer_id", "change"), label=_L.CHANGE
    ),
    Result.CIRCLE_CHANGES: _spec(Result.CIRCLE_CHANGES, _K.TABLE, ("circle_id",), label=_L.CHANGE),
    Result.INFLUENCER_CHANGES: _spec(
        Result.INFLUENCER_CHANGES, _K.TABLE, ("customer_id",), label=_L.CHANGE
    ),
    Result.CASCADE_CHANGES: _spec(
        Result.CASCADE_CHANGES, _K.TABLE, ("customer_id",), label=_L.CHANGE
    ),
    Result.ALERTS: _spec(Result.ALERTS, _K.TABLE, ("rule", "id"), label=_L.ALERT),
    # marketer depth (issue 17)
    Result.VALUE_TIERS: _spec(Result.VALUE_TIERS, _K.TABLE, ("customer_id",), label=_L.VALUE_TIER),
    Result.DEPARTURES: _spec(Result.DEPARTURES, _K.TABLE, ("customer_id",), label=_L.DEPARTURE),
    Result.AT_RISK: _spec(Result.AT_RISK, _K.TABLE, ("customer_id",), label=_L.AT_RISK),
    Result.COMMUNITY_PROFILES: _spec(
        Result.COMMUNITY_PROFILES, _K.TABLE, ("community_id",), label=_L.COMMUNITY_PROFILE
    ),
    Result.RM_PORTFOLIOS: _spec(Result.RM_PORTFOLIOS, _K.TABLE, ("rm_id",), label=_L.RM_PORTFOLIO),
    # risk officer depth (issue 16)
    Result.DEPENDENCY_REVIEW: _spec(
        Result.DEPENDENCY_REVIEW,
        _K.TABLE,
        ("customer_id", "counterparty_id", "kind", "direction"),
        label=_L.DEPENDENCY_REVIEW,
    ),
    Result.EVIDENCE_PATHS: _spec(
        Result.EVIDENCE_PATHS,
        _K.TABLE,
        ("group_id", "customer_id", "hop"),
        label=_L.EVIDENCE_HOP,
    ),
    Result.CIRCLE_KEY_GUARANTORS: _spec(
        Result.CIRCLE_KEY_GUARANTORS,
        _K.TABLE,
        ("circle_id", "customer_id"),
        label=_L.KEY_GUARANTOR,
    ),
    Result.CIRCLE_CHAINS: _spec(
        Result.CIRCLE_CHAINS,
        _K.TABLE,
        ("circle_id", "direction", "source_key"),
        label=_L.CHAIN_GUARANTEE,
    ),
}

#: the columns of :meth:`GraphStore.runs`, in order
RUN_COLUMNS = (
    "run_id",
    "snapshot_id",
    "as_of",
    "created_at",
    "kind",
    "published",
    "options_json",
    "summary_json",
)

#: the columns of :meth:`GraphStore.snapshots`, in order
SNAPSHOT_COLUMNS = (
    "snapshot_id",
    "as_of",
    "mode",
    "loaded_at",
    "source",
    "rows_json",
    "removed_json",
)


@dataclass(frozen=True)
class RunRecord:
    """One analysis run, as stored beside its result sets.

    Parameters
    ----------
    run_id : str
        Unique, sortable by time (``2026-06-30T12:00:00.000000Z``).
    snapshot_id : str or None
        The snapshot the run read (:meth:`GraphStore.current_snapshot`).
    as_of : str
        The analysis date (ISO).
    created_at : str
        When the run started (ISO, UTC).
    kind : str
        ``official`` (may be published) or ``what-if`` (kept, never published).
    options : dict
        The options the run was made with (JSON-serialisable).
    summary : dict
        Counts, timings and warnings (JSON-serialisable).
    """

    run_id: str
    snapshot_id: str | None
    as_of: str
    created_at: str
    kind: str = "official"
    options: Mapping[str, Any] = field(default_factory=dict)
    summary: Mapping[str, Any] = field(default_factory=dict)

    def row(self, *, published: bool = False) -> dict[str, Any]:
        """The run as a row of :data:`RUN_COLUMNS`."""
        return {
            "run_id": self.run_id,
            "snapshot_id": self.snapshot_id,
            "as_of": self.as_of,
            "created_at": self.created_at,
            "kind": self.kind,
            "published": published,
            "options_json": json.dumps(dict(self.options), default=str, sort_keys=True),
            "summary_json": json.dumps(dict(self.summary), default=str, sort_keys=True),
        }


@dataclass(frozen=True)
class SnapshotRecord:
    """One load, as recorded by the store in the same write as the load itself.

    Parameters
    ----------
    snapshot_id : str
        Unique, sortable by time.
    as_of : str
        The date of the extract (ISO).
    mode : LoadMode
    loaded_at : str
        When the load was written (ISO, UTC).
    source : str
        Where the files came from (a folder).
    """

    snapshot_id: str
    as_of: str
    mode: LoadMode
    loaded_at: str
    source: str = ""

    def row(self, rows: Mapping[str, int], removed: Mapping[str, int]) -> dict[str, Any]:
        """The snapshot as a row of :data:`SNAPSHOT_COLUMNS`."""
        return {
            "snapshot_id": self.snapshot_id,
            "as_of": self.as_of,
            "mode": str(self.mode),
            "loaded_at": self.loaded_at,
            "source": self.source,
            "rows_json": json.dumps(dict(rows), sort_keys=True),
            "removed_json": json.dumps(dict(removed), sort_keys=True),
        }


@dataclass
class LoadStats:
    """What one load wrote: rows upserted and removed per entity, and the time it took."""

    rows: dict[Entity, int] = field(default_factory=dict)
    removed: dict[Entity, int] = field(default_factory=dict)
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
        if not EXTRA_COLUMN_PATTERN.match(str(name)):
            raise ValueError(f"not a plain identifier, refused as a property name: {name!r}")


# -- result frames: their dtypes, so that every store gives back what it was given ---
_DECIMAL_PREFIX = "decimal128:"


def dtype_names(frame: pd.DataFrame) -> list[str]:
    """A name for each column's dtype that :func:`restore_dtypes` turns back into it.

    Examples
    --------
    >>> import pandas as pd, pyarrow as pa
    >>> frame = pd.DataFrame({"a": pd.Series(["x"], dtype="str"), "n": [1]})
    >>> frame["m"] = pd.Series([None], dtype=pd.ArrowDtype(pa.decimal128(20, 2)))
    >>> dtype_names(frame)
    ['str', 'int64', 'decimal128:20:2']
    """
    names = []
    for column in frame.columns:
        dtype = frame[column].dtype
        if isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype):
            t = dtype.pyarrow_dtype
            names.append(f"{_DECIMAL_PREFIX}{t.precision}:{t.scale}")
        elif dtype is np.dtype(object):
            names.append("str")  # result text columns; None stays missing
        else:
            names.append(str(dtype))
    return names


def restore_dtypes(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """``frame`` with each column cast to the dtype :func:`dtype_names` named."""
    out = {}
    for column, name in zip(frame.columns, names, strict=True):
        values = frame[column]
        if name.startswith(_DECIMAL_PREFIX):
            precision, scale = (int(x) for x in name[len(_DECIMAL_PREFIX) :].split(":"))
            dtype = pd.ArrowDtype(pa.decimal128(precision, scale))
            if values.dtype != dtype:
                values = pd.Series(
                    pa.array(
                        [None if _missing(v) else v for v in values.tolist()],
                        type=pa.decimal128(precision, scale),
                    ),
                    index=values.index,
                    dtype=dtype,
                )
            out[column] = values
        elif name == "str":
            out[column] = values.astype("object").where(values.notna(), None).astype("str")
        elif name == "bool" and values.dtype != bool:
            out[column] = values.astype("boolean").astype(bool)
        else:
            out[column] = values.astype(name)
    return pd.DataFrame(out, index=frame.index)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA


class GraphStore(ABC):
    """A graph store holding the contract's entities, its load snapshots, and the
    analysis runs with their results.

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
        mode: LoadMode = LoadMode.DELTA,
        removals: Mapping[Entity, pd.DataFrame] | None = None,
        snapshot: SnapshotRecord | None = None,
        progress: ProgressCallback | None = None,
    ) -> LoadStats:
        """Write validated frames, in :data:`LOAD_ORDER`, all or nothing.

        Rows are upserted by key (customer_id, account_id, the relationship's natural
        key), so loading the same frames twice leaves the store identical. A frame
        carries the key columns and any others: **a column the frame does not carry
        keeps its stored values** (and is empty on a new row); a column it carries with
        a missing value blanks the stored value. Columns beyond the contract are kept
        as properties. The caller has already validated every row
        (``guanxi.loaders``); the store does not re-check the contract.

        ``mode=FULL``: for every entity in ``frames``, stored rows whose key is absent
        from the frame are removed. ``removals``: key columns of rows to remove (either
        mode). ``snapshot``: recorded in the same write (:meth:`snapshots`).
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
        """Delete everything guanxi wrote (entities, snapshots, runs and results). Used
        by tests."""

    @abstractmethod
    def snapshots(self) -> pd.DataFrame:
        """Every recorded load (:data:`SNAPSHOT_COLUMNS`), oldest first."""

    def current_snapshot(self) -> dict[str, Any] | None:
        """The newest recorded load, or None."""
        snaps = self.snapshots()
        return None if snaps.empty else snaps.iloc[-1].to_dict()

    # -- analysis runs and their results ---------------------------------------------
    @abstractmethod
    def write_run(
        self,
        run: RunRecord,
        results: Mapping[Result, pd.DataFrame],
        *,
        publish: bool = True,
        keep_runs: int = DEFAULT_KEEP_RUNS,
    ) -> None:
        """Store ``run`` with every one of its result sets, **all or nothing**: a reader
        sees the run whole or not at all, at every point a writer can be killed.

        ``publish``: the run becomes the published run in the same write (the
        previously published run stays stored). ``keep_runs``: after the write, the
        oldest runs beyond this many are removed (never the published one). Column
        names must be plain identifiers (:func:`check_property_names`); every result
        set in ``results`` must carry its spec's key columns.
        """

    @abstractmethod
    def runs(self) -> pd.DataFrame:
        """Every stored run (:data:`RUN_COLUMNS`), oldest first."""

    @abstractmethod
    def publish(self, run_id: str) -> None:
        """Make the stored run ``run_id`` the published one.

        Raises
        ------
        NotFound
            No stored run has that id.
        """

    def published_run(self) -> dict[str, Any] | None:
        """The published run's row of :meth:`runs` (options and summary decoded), or None."""
        runs = self.runs()
        chosen = runs[runs["published"].astype(bool)] if len(runs) else runs
        if chosen.empty:
            return None
        return decode_run(chosen.iloc[-1].to_dict())

    @abstractmethod
    def fetch_results(self, result: Result, run_id: str | None = None) -> pd.DataFrame:
        """The rows of ``result`` stored with run ``run_id`` (default: the published
        run), exactly as written: same columns, order and dtypes. An empty frame when
        there is no such run.
        """

    def incomplete_loads(self) -> list[dict[str, Any]]:
        """Loads that started and did not complete, oldest first (each a dict with at
        least ``load_id``, ``status``, ``rows_done``, ``rows_total``). Empty for a
        store whose every load is one transaction (the embedded store)."""
        return []


def decode_run(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row of :meth:`GraphStore.runs` with ``options`` and ``summary`` decoded."""
    out = dict(row)
    out["options"] = json.loads(out.pop("options_json", None) or "{}")
    out["summary"] = json.loads(out.pop("summary_json", None) or "{}")
    out["published"] = bool(out.get("published"))
    return out


__all__.append("decode_run")


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
