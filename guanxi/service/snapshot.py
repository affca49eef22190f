"""The snapshot: what the read model serves, read once from the store, and the
request-time indexes built over it.

:func:`read_store` reads the bank's data (every entity: customer lookups,
neighbourhoods, the source rows of links) and **the published analysis run with every
one of its result sets** (its change tables and alerts against the run it was compared
with among them), and the list of stored runs; :meth:`Snapshot.build` only indexes what
was read. No
figure is computed here: exposures, groups, links, circles, cycles, households,
suspected links, referral reach, influencers and communities are the run's own, as
:func:`guanxi.analysis.run_analysis` stored them. When data was loaded after the run,
the snapshot says so (:attr:`Snapshot.notes`) rather than recomputing anything.

A snapshot never changes once built: a refresh builds a new one. The group and
influencer indexes (:mod:`guanxi.service.indexes`) are arrays of ready values built on
first use (or by :meth:`Snapshot.prepare`) and kept with the snapshot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from guanxi import defaults
from guanxi.errors import NotAnalyzed, NotFound, StoreError
from guanxi.graph.schema import LOAD_ORDER, SPECS, Entity
from guanxi.graph.store import RUN_COLUMNS, GraphStore, Result
from guanxi.money import CURRENCY_DIGITS
from guanxi.service.arrays import ByKey, position, unique_index
from guanxi.service.indexes import GroupIndex, InfluencerIndex
from guanxi.service.relationships import RelationshipGraph
from guanxi.values import plain

__all__ = [
    "NOT_ANALYZED_MESSAGE",
    "SOURCE_KEY_SEPARATOR",
    "StoreRead",
    "read_store",
    "read_published_run",
    "run_options",
    "reporting_of",
    "staleness_note",
    "exact_number",
    "Snapshot",
]

NOT_ANALYZED_MESSAGE = (
    "no published analysis run in the store yet: run `guanxi analyze --out DIR` "
    "(or POST /api/v1/analyses as an admin), then try again"
)

#: joins the key columns of a link's source row into its ``source_key`` in the stored
#: ``group_links`` (``owner_id|company_id|role`` for ownership,
#: ``guarantor_id|borrower_id|account_id|valid_from`` for guarantees; missing parts
#: empty), as :mod:`guanxi.algorithms.groups` writes it
SOURCE_KEY_SEPARATOR = "|"

#: the relationship entities whose rows a group link may name as its source
_SOURCE_ENTITIES = (Entity.OWNERSHIP, Entity.GUARANTEES, Entity.DEPENDENCIES)


@dataclass(frozen=True)
class StoreRead:
    """What one read of the store returned.

    Attributes
    ----------
    frames : dict
        Every entity's canonical frame (the bank's current data).
    results : dict
        The published run's result sets, exactly as stored (empty without a run).
    run : dict or None
        The published run (:meth:`GraphStore.published_run`: ``run_id``,
        ``snapshot_id``, ``as_of``, ``kind``, ``options``, ``summary``), or None.
    snapshots : pandas.DataFrame
        Every recorded load (:data:`~guanxi.graph.store.SNAPSHOT_COLUMNS`), oldest
        first: the newest is the data in ``frames``.
    source : str
        The store's description.
    read_seconds : float
    runs : pandas.DataFrame or None
        Every stored run (:data:`~guanxi.graph.store.RUN_COLUMNS`), oldest first; None
        when not read.
    """

    frames: dict[Entity, pd.DataFrame]
    results: dict[Result, pd.DataFrame]
    run: dict[str, Any] | None
    snapshots: pd.DataFrame
    source: str
    read_seconds: float
    runs: pd.DataFrame | None = None


def read_published_run(
    store: GraphStore, *, attempts: int = 3
) -> tuple[dict[str, Any] | None, dict[Result, pd.DataFrame]]:
    """The published run and every one of its result sets, all of the same run.

    Each result set is read by the run's id, so a run published meanwhile cannot mix
    in. A run is only removed (by retention) after a newer one is published; if the
    run read is gone once everything was read, some sets may have been read after it
    went, and the read starts again.

    Raises
    ------
    StoreError
        The published run changed under every one of ``attempts`` reads.
    """
    for _ in range(attempts):
        run = store.published_run()
        if run is None:
            return None, {}
        run_id = str(run["run_id"])
        results = {r: store.fetch_results(r, run_id) for r in Result}
        if run_id in set(store.runs()["run_id"].astype("str")):
            return {k: _plain_tree(v) for k, v in run.items()}, results
    raise StoreError(
        f"the published analysis run changed {attempts} times while it was being read "
        "(analyses are being written one after another); try again"
    )


def read_store(store: GraphStore) -> StoreRead:
    """Every entity, the recorded loads, the stored runs and the published run with
    its result sets, timed.

    Raises
    ------
    StoreError
        The store cannot be read (as :meth:`GraphStore.fetch` raises it).
    """
    started = time.perf_counter()
    frames = {e: store.fetch(e) for e in LOAD_ORDER}
    snapshots = store.snapshots()
    run, results = read_published_run(store)
    runs = store.runs()
    return StoreRead(
        frames, results, run, snapshots, store.description, time.perf_counter() - started, runs
    )


def _plain_tree(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain_tree(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_tree(v) for v in value]
    return plain(value)


def exact_number(value: Any) -> Decimal | None:
    """An amount as stored in a run's options (a number or text) as an exact decimal
    (an integral float loses its ``.0``); None stays None."""
    if value is None:
        return None
    if isinstance(value, float):
        return Decimal(int(value)) if value.is_integer() else Decimal(repr(value))
    return Decimal(str(value))


def run_options(run: Mapping[str, Any] | None) -> dict[str, Any]:
    """The options of ``run`` (:class:`guanxi.analysis.AnalysisOptions` as stored),
    with the defaults (:mod:`guanxi.defaults`) for any it does not record; the Tier 1
    capital as an exact decimal."""
    options: dict[str, Any] = {
        "as_of": None,
        "tier1_capital": None,
        "preset": defaults.PRESET,
        "ccf_default": defaults.CCF,
        "include_suspected_links": False,
        "max_cycles": defaults.MAX_CYCLES,
        "seeds_k": defaults.SEEDS_K,
        "seeds_simulations": defaults.SEED_SIMULATIONS,
        "seed": defaults.SEED,
    }
    if run is None:
        return options
    for key, value in (run.get("options") or {}).items():
        if value is not None:
            options[key] = value
    if run.get("as_of"):
        options["as_of"] = str(run["as_of"])
    options["tier1_capital"] = exact_number(options["tier1_capital"])
    return options


def reporting_of(run: Mapping[str, Any] | None) -> tuple[str | None, dict[str, str] | None]:
    """The reporting currency and the rates a run converted amounts with (units of the
    reporting currency per unit, as exact text), as its summary records them
    (``reporting_currency``, ``fx_rates``); the currency of its options when the summary
    has none; ``(None, None)`` without a run."""
    if run is None:
        return None, None
    summary = run.get("summary") or {}
    currency = summary.get("reporting_currency") or (run.get("options") or {}).get(
        "reporting_currency"
    )
    rates = summary.get("fx_rates")
    return (
        str(currency) if currency else None,
        {str(k): str(v) for k, v in rates.items()} if isinstance(rates, Mapping) else None,
    )


def staleness_note(
    run: Mapping[str, Any] | None,
    run_snapshot: Mapping[str, Any] | None,
    store_snapshot: Mapping[str, Any] | None,
) -> str | None:
    """What an answer says when the store's data was loaded after the published run
    read it (None when the run read the data the store holds now).

    Examples
    --------
    >>> staleness_note({"run_id": "R1", "snapshot_id": "S1"},
    ...                {"snapshot_id": "S1", "as_of": "2026-05-31"},
    ...                {"snapshot_id": "S2", "as_of": "2026-06-30"})  # doctest: +NORMALIZE_WHITESPACE
    'figures are those of run R1, which read the data of 2026-05-31 (snapshot S1);
    data loaded since: 2026-06-30 (snapshot S2); run `guanxi analyze` for figures of
    that data'
    """
    if run is None or store_snapshot is None:
        return None
    read_id = run.get("snapshot_id")
    if read_id is not None and str(read_id) == str(store_snapshot.get("snapshot_id")):
        return None
    if run_snapshot is not None:
        read = (
            f"the data of {run_snapshot.get('as_of')} (snapshot {run_snapshot.get('snapshot_id')})"
        )
    elif read_id is not None:
        read = f"the data of snapshot {read_id}"
    else:
        read = "data loaded before any dated snapshot"
    return (
        f"figures are those of run {run.get('run_id')}, which read {read}; data loaded "
        f"since: {store_snapshot.get('as_of')} (snapshot {store_snapshot.get('snapshot_id')}); "
        "run `guanxi analyze` for figures of that data"
    )


def _with_columns(frame: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with every column of ``columns`` (empty ones added): a store that holds
    no run answers empty frames. The given frame is left as it is (and its data
    shared: frames are copied on write)."""
    frame = pd.DataFrame() if frame is None else frame.copy(deep=False)
    for column in columns:
        if column not in frame.columns:
            frame[column] = pd.Series([pd.NA] * len(frame), index=frame.index, dtype="object")
    return frame


def _source_keys(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    parts = [frame[c].astype("object").where(frame[c].notna(), "").astype(str) for c in columns]
    key = parts[0]
    for p in parts[1:]:
        key = key + SOURCE_KEY_SEPARATOR + p
    return key


def _is_decimal(series: pd.Series) -> bool:
    dtype = series.dtype
    return isinstance(dtype, pd.ArrowDtype) and pa.types.is_decimal(dtype.pyarrow_dtype)


def _money_digits(results: Mapping[Result, pd.DataFrame], currency: str | None) -> int:
    """Decimal places of the run's figures: the scale of its stored money columns, else
    the minor unit of its reporting currency (of the default one without a run)."""
    for result, column in (
        (Result.SINGLE_NAMES, "single_name_exposure"),
        (Result.GROUP_MEMBERS, "single_name_exposure"),
        (Result.ACCOUNT_EXPOSURES, "exposure"),
        (Result.EXPOSURE_GROUPS, "exposure"),
    ):
        frame = results.get(result)
        if frame is not None and column in frame.columns and _is_decimal(frame[column]):
            return int(frame[column].dtype.pyarrow_dtype.scale)
    return CURRENCY_DIGITS.get(currency or defaults.REPORTING_CURRENCY, 2)


def _by_id(frame: pd.DataFrame | None, key: str, value: str) -> pd.Series:
    """``frame[value]`` by ``frame[key]`` as text (first row of each key; dtype kept)."""
    if frame is None or key not in frame.columns or value not in frame.columns:
        return pd.Series([], index=pd.Index([], dtype="str"), dtype="object")
    out = frame[value].set_axis(pd.Index(frame[key].astype("str"), dtype="str"))
    return out[~out.index.duplicated()]


@dataclass(frozen=True)
class Snapshot:
    """Everything a :class:`~guanxi.service.GraphService` serves, read once from the store.

    Built by :meth:`build`; never changed afterwards (a refresh builds a new one).
    """

    taken_at: str
    source: str
    read_seconds: float
    frames: dict[Entity, pd.DataFrame]
    #: the published run's result sets, as stored (empty without a run)
    results: dict[Result, pd.DataFrame]
    #: the published run (``run_id``, ``snapshot_id``, ``as_of``, ``kind``,
    #: ``options``, ``summary``), or None when the store holds no run
    run: dict[str, Any] | None
    #: the run's options (:func:`run_options`)
    options: dict[str, Any]
    #: the load the run read and the newest load (rows of ``GraphStore.snapshots``)
    run_snapshot: dict[str, Any] | None
    store_snapshot: dict[str, Any] | None
    #: decimal places of the run's money figures (the reporting currency's minor unit)
    digits: int
    customers: pd.DataFrame  # by customer_id
    accounts: pd.DataFrame  # by account_id
    account_exposure: pd.Series  # the run's, by account_id (open credit accounts)
    #: the run's single-name exposures, aligned with ``customers`` (NA: not in the run)
    single_names: pd.Series
    #: whether each customer (aligned with ``customers``) held open credit in the run
    credit_holder: np.ndarray
    holdings: ByKey  # account_id, customer_id, role (primary/joint/authorized) by customer
    memberships: ByKey  # households rows by customer_id
    household_rows: ByKey  # households rows by household_id
    household_summary: pd.DataFrame  # the run's, by household_id
    referred_by: pd.Series  # referrer_id by referee_id
    reach: pd.DataFrame  # the run's referral reach, by customer_id
    suspected: pd.DataFrame  # the run's suspected links, by suspected_link_id
    suspected_by_customer: ByKey  # suspected_link_id, customer_id by customer_id
    metrics: pd.DataFrame  # the run's customer metrics, by customer_id
    groups: pd.DataFrame  # by group_id
    group_members: ByKey  # by group_id
    group_links: ByKey  # by group_id
    circles: pd.DataFrame  # by circle_id
    circle_members: ByKey  # by circle_id
    circle_cycles: ByKey  # by circle_id
    community_sizes: pd.Series  # by community_id
    source_rows: dict[str, pd.DataFrame]  # ownership / guarantees / ... by source_key
    graph: RelationshipGraph
    notes: tuple[str, ...] = ()
    #: every stored run (``GraphStore.runs``), oldest first, as read with the published run
    runs: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(RUN_COLUMNS)))

    @property
    def analyzed(self) -> bool:
        return self.run is not None

    @property
    def as_of(self) -> str:
        return str(self.options.get("as_of") or self.taken_at[:10])

    @property
    def zero(self) -> Decimal:
        """Zero in the run's money (``Decimal('0.00')`` for a currency of two decimals)."""
        return Decimal(0).scaleb(-self.digits)

    @classmethod
    def build(cls, raw: StoreRead) -> Snapshot:
        """The snapshot of one read of the store: lookups over its data and its
        published run's result sets, nothing computed."""
        f = raw.frames
        customers, accounts = f[Entity.CUSTOMERS], f[Entity.ACCOUNTS]
        holders, households = f[Entity.ACCOUNT_HOLDERS], f[Entity.HOUSEHOLDS]
        referrals = f[Entity.REFERRALS]
        run = raw.run
        res = dict(raw.results) if run is not None else {}
        options = run_options(run)

        snaps = raw.snapshots
        store_snapshot = None if snaps is None or snaps.empty else dict(snaps.iloc[-1])
        run_snapshot = None
        if run is not None and run.get("snapshot_id") is not None and len(snaps):
            mine = snaps[snaps["snapshot_id"].astype("str") == str(run["snapshot_id"])]
            run_snapshot = dict(mine.iloc[-1]) if len(mine) else None
        note = staleness_note(run, run_snapshot, store_snapshot)

        primary = pd.DataFrame(
            {
                "account_id": accounts["account_id"],
                "customer_id": accounts["customer_id"],
                "role": pd.Series(["primary"] * len(accounts), dtype="str"),
            }
        )
        further = holders[["account_id", "customer_id", "role"]].copy()
        further["role"] = further["role"].fillna("joint")
        holdings = pd.concat([primary, further], ignore_index=True)

        by_customer = unique_index(customers, "customer_id")
        exposures = res.get(Result.ACCOUNT_EXPOSURES)
        account_exposure = _by_id(exposures, "account_id", "exposure")
        credit_holder = np.zeros(len(by_customer), dtype=bool)
        if exposures is not None and "customer_id" in exposures.columns:
            held = holders.loc[
                holders["account_id"].astype("str").isin(account_exposure.index), "customer_id"
            ]
            rows = by_customer.index.get_indexer(
                pd.concat([exposures["customer_id"], held], ignore_index=True).astype("str")
            )
            credit_holder[rows[rows >= 0]] = True
        members = _with_columns(
            res.get(Result.GROUP_MEMBERS), ("customer_id", "group_id", "single_name_exposure")
        )
        singles = _with_columns(
            res.get(Result.SINGLE_NAMES), ("customer_id", "single_name_exposure")
        )
        single_names = pd.concat(
            [
                _by_id(members, "customer_id", "single_name_exposure"),
                _by_id(singles, "customer_id", "single_name_exposure"),
            ]
        )
        single_names = single_names[~single_names.index.duplicated()].reindex(by_customer.index)
        single_names.index = by_customer.index  # one hash table for customer lookups

        reach = _with_columns(
            res.get(Result.REFERRAL_REACH),
            ("customer_id", "direct", "cascade", "depth", "downstream_aum", "generations"),
        )
        suspected = _with_columns(
            res.get(Result.SUSPECTED_LINKS),
            ("suspected_link_id", "field", "value", "customer_ids", "size"),
        )
        long = suspected[["suspected_link_id", "customer_ids"]].copy()
        long["customer_id"] = long["customer_ids"].astype("str").str.split(";")
        long = long.explode("customer_id")[["suspected_link_id", "customer_id"]]
        long = long[long["customer_id"].notna()]
        long["customer_id"] = long["customer_id"].astype("str")
        hh_summary = _with_columns(
            res.get(Result.HOUSEHOLDS), ("household_id", "size", "head", "deposits", "exposure")
        )
        metrics = _with_columns(res.get(Result.CUSTOMER_METRICS), ("customer_id",))
        groups = _with_columns(res.get(Result.EXPOSURE_GROUPS), ("group_id",))
        links = _with_columns(
            res.get(Result.GROUP_LINKS),
            ("group_id", "a", "b", "reason", "source_entity", "source_key"),
        )
        circles = _with_columns(res.get(Result.GUARANTEE_CIRCLES), ("circle_id",))
        circle_members = _with_columns(res.get(Result.CIRCLE_MEMBERS), ("customer_id", "circle_id"))
        cycles = _with_columns(res.get(Result.CIRCLE_CYCLES), ("circle_id", "cycle_no", "path"))

        metrics_ix = unique_index(metrics, "customer_id") if len(metrics) else pd.DataFrame()
        community_sizes = (
            metrics["community_id"].dropna().astype("str").value_counts()
            if "community_id" in metrics.columns
            else pd.Series(dtype="int64")
        )
        source_rows = {
            entity.value: unique_index(
                f[entity].assign(_key=_source_keys(f[entity], SPECS[entity].key)), "_key"
            )
            for entity in _SOURCE_ENTITIES
            if entity in f
        }
        referred_by = pd.Series(
            referrals["referrer_id"].astype("str").to_numpy(),
            index=referrals["referee_id"].astype("str").to_numpy(),
        )
        referred_by = referred_by[~referred_by.index.duplicated()]
        currency, _ = reporting_of(run)

        return cls(
            taken_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            source=raw.source,
            read_seconds=raw.read_seconds,
            frames=f,
            results=res,
            run=run,
            options=options,
            run_snapshot=run_snapshot,
            store_snapshot=store_snapshot,
            digits=_money_digits(res, currency),
            customers=by_customer,
            accounts=unique_index(accounts, "account_id"),
            account_exposure=account_exposure,
            single_names=single_names,
            credit_holder=credit_holder,
            holdings=ByKey(holdings, "customer_id"),
            memberships=ByKey(households, "customer_id"),
            household_rows=ByKey(households, "household_id"),
            household_summary=unique_index(hh_summary, "household_id"),
            referred_by=referred_by,
            reach=unique_index(reach, "customer_id"),
            suspected=unique_index(suspected, "suspected_link_id"),
            suspected_by_customer=ByKey(long, "customer_id"),
            metrics=metrics_ix,
            groups=unique_index(groups, "group_id") if len(groups) else groups,
            group_members=ByKey(members, "group_id"),
            group_links=ByKey(links, "group_id"),
            circles=unique_index(circles, "circle_id") if len(circles) else circles,
            circle_members=ByKey(circle_members, "circle_id"),
            circle_cycles=ByKey(cycles, "circle_id"),
            community_sizes=community_sizes,
            source_rows=source_rows,
            graph=RelationshipGraph.build(f),
            notes=(note,) if note else (),
            runs=raw.runs if raw.runs is not None else pd.DataFrame(columns=list(RUN_COLUMNS)),
        )

    # -- lookups ---------------------------------------------------------------------
    def customer_row(self, customer_id: str) -> pd.Series:
        try:
            return self.customers.loc[str(customer_id)]
        except KeyError:
            raise NotFound(f"customer {customer_id} not found") from None

    def metric(self, customer_id: str, column: str) -> Any:
        if column not in self.metrics.columns or customer_id not in self.metrics.index:
            return None
        return plain(self.metrics.at[customer_id, column])

    def in_run(self, customer_id: str) -> bool:
        """Whether the published run had this customer (a customer loaded since has no
        figures of the run)."""
        return self.single_name(customer_id) is not None

    def single_name(self, customer_id: str, *, credit_only: bool = False) -> Decimal | None:
        """The run's single-name exposure of a customer; None for a customer the run did
        not have (or, with ``credit_only``, that held no open credit account in it)."""
        i = position(self.customers.index, str(customer_id))
        if i < 0 or (credit_only and not self.credit_holder[i]):
            return None
        return plain(self.single_names.iat[i])

    def require_analysis(self) -> dict[str, Any]:
        if self.run is None:
            raise NotAnalyzed(NOT_ANALYZED_MESSAGE)
        return self.run

    def run_label(self) -> str:
        """``run R (as of D)``: the published run, as messages name it."""
        run = self.run or {}
        return f"run {run.get('run_id')} (as of {self.as_of})"

    # -- request-time indexes (built on first use, then kept with the snapshot) -------
    @property
    def group_index(self) -> GroupIndex:
        return _per_snapshot(self, "_group_index", GroupIndex)

    @property
    def influencer_index(self) -> InfluencerIndex:
        return _per_snapshot(self, "_influencer_index", InfluencerIndex)

    def prepare(self) -> Snapshot:
        """Build the request-time indexes now rather than on the first request (what a
        server does before it swaps a new snapshot in)."""
        if self.run is not None:
            _ = self.group_index, self.influencer_index
        return self

    @property
    def prepared(self) -> bool:
        return self.run is None or all(
            name in self.__dict__ for name in ("_group_index", "_influencer_index")
        )


# -- request-time indexes (:mod:`guanxi.service.indexes`), one build per snapshot -----
_BUILD_LOCK = threading.Lock()


def _per_snapshot(snap: Snapshot, name: str, build: Callable[[Snapshot], Any]) -> Any:
    """``build(snap)``, computed once per snapshot and kept with it (a snapshot never
    changes, so neither does what is derived from it)."""
    cache = snap.__dict__  # the frozen dataclass guards its fields, not this cache
    found = cache.get(name)
    if found is None:
        with _BUILD_LOCK:
            found = cache.get(name)
            if found is None:
                found = build(snap)
                cache[name] = found
    return found
