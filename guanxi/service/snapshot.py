"""The snapshot: everything the read model serves, read once from the store, and the
request-time indexes built over it.

:func:`read_store` reads every entity and every stored result set; :meth:`Snapshot.build`
turns one read into lookups by id, the relationship graph and what the answers need
beside the stored results. A snapshot never changes once built: a refresh builds a new
one. The group and influencer indexes (:class:`GroupIndex`, :class:`InfluencerIndex`)
are arrays of ready values built on first use (or by :meth:`Snapshot.prepare`) and kept
with the snapshot.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from guanxi.errors import NotAnalyzed, NotFound
from guanxi.graph.schema import LOAD_ORDER, SPECS, Entity
from guanxi.graph.store import GraphStore, Result
from guanxi.service.arrays import (
    NO_POSITIONS,
    ByKey,
    Rows,
    compact_values,
    key_bounds,
    none_array,
    object_array,
    plain_values,
    rows_of,
    unique_index,
    values_at,
)
from guanxi.service.relationships import RelationshipGraph
from guanxi.values import plain

__all__ = [
    "NOT_ANALYZED_MESSAGE",
    "StoreRead",
    "read_store",
    "Snapshot",
    "GroupIndex",
    "InfluencerIndex",
]

NOT_ANALYZED_MESSAGE = (
    "no analysis results in the store yet: run `guanxi analyze --out DIR` "
    "(or POST /api/v1/analyses as an admin), then try again"
)


@dataclass(frozen=True)
class StoreRead:
    """What one read of the store returned."""

    frames: dict[Entity, pd.DataFrame]
    results: dict[Result, pd.DataFrame]
    source: str
    read_seconds: float


def read_store(store: GraphStore) -> StoreRead:
    """Every entity and every result set of ``store``, timed.

    Raises
    ------
    StoreError
        The store cannot be read (as :meth:`GraphStore.fetch` raises it).
    """
    started = time.perf_counter()
    frames = {e: store.fetch(e) for e in LOAD_ORDER}
    results = {r: store.fetch_results(r) for r in Result}
    return StoreRead(frames, results, store.description, time.perf_counter() - started)


def _run_options(runs: pd.DataFrame) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The latest analysis run (a dict) and its options (defaults when unknown)."""
    options: dict[str, Any] = {
        "as_of": None,
        "tier1_capital": None,
        "preset": "basel",
        "ccf_default": 1.0,
        "include_suspected_links": False,
        "max_cycles": 100,
    }
    if runs is None or runs.empty or "run_id" not in runs.columns:
        return None, options
    latest = runs.sort_values("run_id", kind="stable").iloc[-1]
    run = {k: plain(v) for k, v in latest.items()}
    summary: dict[str, Any] = {}
    with contextlib.suppress(TypeError, ValueError):
        summary = json.loads(run.pop("summary_json", None) or "{}")
    run["summary"] = summary
    for key, value in (summary.get("options") or {}).items():
        if key in options and value is not None:
            options[key] = value
    for key in ("as_of", "tier1_capital", "preset"):
        if run.get(key) is not None:
            options[key] = run[key]
    return run, options


def _with_columns(frame: pd.DataFrame | None, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` with every column of ``columns`` (empty ones added): a store that holds
    no result answers a frame with its key column only. The given frame is left as it
    is (and its data shared: frames are copied on write)."""
    frame = pd.DataFrame() if frame is None else frame.copy(deep=False)
    for column in columns:
        if column not in frame.columns:
            frame[column] = pd.Series([pd.NA] * len(frame), index=frame.index, dtype="object")
    return frame


def _source_keys(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    parts = [frame[c].astype("object").where(frame[c].notna(), "").astype(str) for c in columns]
    key = parts[0]
    for p in parts[1:]:
        key = key + "|" + p
    return key


@dataclass(frozen=True)
class Snapshot:
    """Everything a :class:`~guanxi.service.GraphService` serves, read once from the store.

    Built by :meth:`build`; never changed afterwards (a refresh builds a new one).
    """

    taken_at: str
    source: str
    read_seconds: float
    frames: dict[Entity, pd.DataFrame]
    results: dict[Result, pd.DataFrame]
    #: the latest analysis run (``run_id``, ``as_of``, ``preset``, ``tier1_capital``,
    #: counts, ``summary``) or None when the store holds no analysis
    run: dict[str, Any] | None
    options: dict[str, Any]
    customers: pd.DataFrame  # by customer_id
    accounts: pd.DataFrame  # by account_id
    account_exposure: pd.Series  # by account_id, open credit accounts only
    single_names: pd.Series  # by customer_id, customers with open credit only
    holdings: ByKey  # account_id, customer_id, role (primary/joint/authorized) by customer
    memberships: ByKey  # households rows by customer_id
    household_rows: ByKey  # households rows by household_id
    household_summary: pd.DataFrame  # by household_id
    referred_by: pd.Series  # referrer_id by referee_id
    reach: pd.DataFrame  # referral reach by customer_id
    suspected: pd.DataFrame  # suspected links
    suspected_by_customer: ByKey  # suspected_link_id, customer_id by customer_id
    metrics: pd.DataFrame  # customer metrics of the latest run, by customer_id
    groups: pd.DataFrame  # by group_id
    group_members: ByKey  # by group_id
    group_links: ByKey  # by group_id
    circles: pd.DataFrame  # by circle_id
    circle_members: ByKey  # by circle_id
    circle_cycles: ByKey  # by circle_id
    community_sizes: pd.Series  # by community_id
    source_rows: dict[str, pd.DataFrame]  # ownership / guarantees by source_key
    graph: RelationshipGraph
    notes: tuple[str, ...] = ()

    @property
    def analyzed(self) -> bool:
        return self.run is not None

    @property
    def as_of(self) -> str:
        return str(self.options.get("as_of") or self.taken_at[:10])

    @classmethod
    def build(cls, raw: StoreRead, derived: Mapping[str, pd.DataFrame] | None = None) -> Snapshot:
        """The snapshot of one read of the store.

        ``derived``: results of the analysis run that produced ``raw``'s results, by
        their output name (``group_links``, ``circle_cycles``, ``households``,
        ``suspected_links``, ``referral_reach``): used as they are instead of being
        recomputed from the data (what the analyze report does: it has them at hand).
        """
        from guanxi.algorithms import circles as circles_mod
        from guanxi.algorithms import groups as groups_mod
        from guanxi.algorithms import households as households_mod
        from guanxi.algorithms import referrals as referrals_mod
        from guanxi.algorithms import suspected as suspected_mod
        from guanxi.algorithms.exposure import account_exposure, single_name_exposure

        f = raw.frames
        customers, accounts = f[Entity.CUSTOMERS], f[Entity.ACCOUNTS]
        holders, households = f[Entity.ACCOUNT_HOLDERS], f[Entity.HOUSEHOLDS]
        referrals, guarantees, ownership = (
            f[Entity.REFERRALS],
            f[Entity.GUARANTEES],
            f[Entity.OWNERSHIP],
        )
        run, options = _run_options(raw.results.get(Result.ANALYSIS_RUNS))
        ccf = float(options["ccf_default"])
        notes: list[str] = []

        exposure = account_exposure(accounts, ccf_default=ccf)
        singles = single_name_exposure(accounts, holders, ccf_default=ccf)
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

        derived = derived or {}

        def given(name: str) -> pd.DataFrame | None:
            frame = derived.get(name)
            return None if frame is None else frame.reset_index(drop=True)

        reach = given("referral_reach")
        if reach is None:
            reach = referrals_mod.referral_reach(customers, referrals)
        suspected = given("suspected_links")
        if suspected is None:
            suspected = suspected_mod.suspected_links(customers)
        long = suspected[["suspected_link_id", "customer_ids"]].copy()
        long["customer_id"] = long["customer_ids"].str.split(";")
        long = long.explode("customer_id")[["suspected_link_id", "customer_id"]]
        long["customer_id"] = long["customer_id"].astype("str")

        hh_summary = given("households")
        if hh_summary is None:
            hh_summary = households_mod.household_summary(
                households, accounts, holders, ccf_default=ccf
            )

        res = raw.results
        metrics = _with_columns(res.get(Result.CUSTOMER_METRICS), ("customer_id",))
        groups = _with_columns(res.get(Result.EXPOSURE_GROUPS), ("group_id",))
        members = _with_columns(
            res.get(Result.GROUP_MEMBERS), ("customer_id", "group_id", "single_name_exposure")
        )
        circles = _with_columns(res.get(Result.GUARANTEE_CIRCLES), ("circle_id",))
        circle_members = _with_columns(res.get(Result.CIRCLE_MEMBERS), ("customer_id", "circle_id"))
        if run is not None and given("group_links") is not None:
            links = given("group_links")[
                ["group_id", "a", "b", "reason", "source_entity", "source_key"]
            ]
            cycles = given("circle_cycles")
        elif run is not None:
            links = groups_mod.connected_client_links(
                customers,
                accounts,
                holders,
                guarantees,
                ownership,
                as_of=options["as_of"],
                ccf_default=ccf,
                include_links=bool(options["include_suspected_links"]),
            )
            group_of = pd.Series(
                members["group_id"].astype("str").to_numpy(),
                index=members["customer_id"].astype("str").to_numpy(),
            )
            group_of = group_of[~group_of.index.duplicated()]
            ga = group_of.reindex(links["a"].astype("str")).to_numpy(dtype=object)
            gb = group_of.reindex(links["b"].astype("str")).to_numpy(dtype=object)
            same = pd.notna(ga) & (ga == gb)
            if (~same).any():
                notes.append(
                    f"{int((~same).sum())} connected-client link(s) in the data are not "
                    "in the stored exposure groups: the data changed after the last "
                    "analysis; run `guanxi analyze` again"
                )
            links = links.loc[same].copy()
            links.insert(0, "group_id", pd.Series(ga[same], dtype="str").to_numpy())
            _, _, cycles = circles_mod.guarantee_circles(
                guarantees,
                accounts,
                holders,
                as_of=options["as_of"],
                ccf_default=ccf,
                max_cycles=int(options["max_cycles"]),
            )
        else:
            links = pd.DataFrame(
                {
                    c: pd.Series([], dtype="str")
                    for c in ("group_id", "a", "b", "reason", "source_entity", "source_key")
                }
            )
            cycles = pd.DataFrame(
                {"circle_id": pd.Series([], dtype="str"), "cycle_no": [], "path": []}
            )

        metrics_ix = unique_index(metrics, "customer_id") if len(metrics) else pd.DataFrame()
        community_sizes = (
            metrics["community_id"].dropna().astype("str").value_counts()
            if "community_id" in metrics.columns
            else pd.Series(dtype="int64")
        )
        source_rows = {
            "ownership": unique_index(
                ownership.assign(_key=_source_keys(ownership, ("owner_id", "company_id", "role"))),
                "_key",
            ),
            "guarantees": unique_index(
                guarantees.assign(
                    _key=_source_keys(
                        guarantees, ("guarantor_id", "borrower_id", "account_id", "valid_from")
                    )
                ),
                "_key",
            ),
        }
        referred_by = pd.Series(
            referrals["referrer_id"].astype("str").to_numpy(),
            index=referrals["referee_id"].astype("str").to_numpy(),
        )
        referred_by = referred_by[~referred_by.index.duplicated()]

        snap = cls(
            taken_at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            source=raw.source,
            read_seconds=raw.read_seconds,
            frames=f,
            results=res,
            run=run,
            options=options,
            customers=unique_index(customers, "customer_id"),
            accounts=unique_index(accounts, "account_id"),
            account_exposure=pd.Series(
                exposure["exposure"].to_numpy(), index=exposure["account_id"].astype("str")
            ),
            single_names=pd.Series(
                singles["single_name_exposure"].to_numpy(),
                index=singles["customer_id"].astype("str"),
            ),
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
            notes=tuple(notes),
        )
        return snap

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

    def require_analysis(self) -> dict[str, Any]:
        if self.run is None:
            raise NotAnalyzed(NOT_ANALYZED_MESSAGE)
        return self.run

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


# -- request-time indexes ----------------------------------------------------------
# An answer reads a handful of rows, and pandas indexing (``.loc``, ``.iat``, a sort)
# costs tens of microseconds per value. The hot answers (a group, the influencers)
# read from these instead: arrays of ready Python values (what ``plain`` makes of
# each), aligned with the snapshot's frames, built once per snapshot on first use.
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


class GroupIndex:
    """The exposure groups as arrays: every group's summary; its members in answer order
    (largest single-name exposure first, then customer id) with their name and kind;
    its links with the source row each comes from; each customer's group.

    About 200 bytes per member and link at a million customers: the members, links and
    source rows are what the group answers serve, nothing else is copied."""

    SUMMARY = (
        "group_id",
        "size",
        "exposure",
        "pct_tier1",
        "status",
        "largest_member",
        "largest_member_exposure",
        "links",
        "reasons",
    )
    LINK = ("a", "b", "reason", "source_entity", "source_key")

    def __init__(self, snap: Snapshot):
        groups = snap.groups
        self.index = groups.index
        n = len(groups)
        self.summary = Rows(groups, self.SUMMARY, np.arange(n))
        group_keys = object_array([str(g) for g in self.index])

        # members, sorted as group() sorted each group's rows: a stable sort by group,
        # then by single-name exposure (largest first, NaN last), then by customer id
        members = snap.group_members
        f = members.frame
        order = np.arange(len(f))
        if len(f):
            group_no = np.zeros(len(f), dtype=np.int64)
            group_no[1:] = np.cumsum(members.keys[1:] != members.keys[:-1])
            order = (
                f[["single_name_exposure", "customer_id"]]
                .assign(_group=group_no)
                .reset_index(drop=True)
                .sort_values(
                    ["_group", "single_name_exposure", "customer_id"],
                    ascending=[True, False, True],
                    kind="stable",
                )
                .index.to_numpy()
            )
        self.member_id = object_array([str(c) for c in f["customer_id"].take(order).tolist()])
        self.member_single = compact_values(f["single_name_exposure"].take(order))
        people = snap.customers.index.get_indexer(self.member_id)
        self.member_name = values_at(snap.customers, "name", people)
        self.member_kind = values_at(snap.customers, "kind", people)
        self.member_lo, self.member_hi = key_bounds(members.keys, group_keys)

        # links, in the order of the stored rows, and their source rows
        links = snap.group_links
        lf = links.frame
        self.links = Rows(lf, [c for c in self.LINK if c in lf.columns], np.arange(len(lf)))
        self.link_lo, self.link_hi = key_bounds(links.keys, group_keys)
        # each link's source row: its columns and its values (shared with the other
        # links from the same row), or None
        self.source_columns: list[tuple[str, ...] | None] = [None] * len(lf)
        self.source_values: list[tuple | None] = [None] * len(lf)
        if "source_entity" in lf.columns and "source_key" in lf.columns:
            self._add_sources(
                snap,
                plain_values(lf["source_entity"]),
                plain_values(lf["source_key"]),
            )

        # each customer's group, by the customer's row in snap.customers (the group_id
        # of the customer's row in snap.metrics)
        metrics = snap.metrics
        self.customer_group = np.full(len(snap.customers), -1, dtype=np.int32)
        if "group_id" in metrics.columns and len(metrics) and n:
            grouped = metrics["group_id"][metrics["group_id"].notna()]
            found = self.index.get_indexer(grouped)
            rows = snap.customers.index.get_indexer(grouped.index)
            self.customer_group[rows[rows >= 0]] = found[rows >= 0]

    def _add_sources(self, snap: Snapshot, entities: np.ndarray, keys: np.ndarray) -> None:
        """What ``_source_row`` read per link, read once per source row."""
        for entity in {e for e in entities.tolist() if e}:
            links = np.flatnonzero((entities == entity) & pd.notna(keys))
            if entity == Entity.ACCOUNTS.value:
                frame, columns = snap.accounts, SPECS[Entity.ACCOUNTS].column_names
            else:
                frame = snap.source_rows.get(entity)
                if frame is None:
                    continue
                columns = SPECS[Entity(entity)].column_names
            positions = rows_of(frame.index, keys[links])
            links, positions = links[positions >= 0], positions[positions >= 0]
            rows, row_of_link = np.unique(positions, return_inverse=True)
            extra = {}
            if entity == Entity.ACCOUNTS.value:
                exposure = snap.account_exposure
                exposure = exposure[~exposure.index.duplicated()].to_frame("exposure")
                at = rows_of(exposure.index, frame.index[rows].to_numpy(dtype=object))
                extra["exposure"] = values_at(exposure, "exposure", at, objects=True)
            source = Rows(frame, columns, rows, extra)
            for link, row in zip(links.tolist(), row_of_link.reshape(-1).tolist(), strict=True):
                self.source_columns[link] = source.columns
                self.source_values[link] = source.rows[row]

    def summary_of(self, i: int) -> dict[str, Any]:
        rec = self.summary.record(i)
        reasons = rec["reasons"]
        rec["reasons"] = str(reasons).split(";") if reasons else []
        return rec


class InfluencerIndex:
    """The referral influencers of the latest analysis, best first, as arrays, with the
    rows of each segment, region and (segment, region) pair."""

    def __init__(self, snap: Snapshot):
        m = snap.metrics
        if len(m) and "influence_rank" in m.columns:
            wanted = ("customer_id", "influence_rank", "influence_score", "community_id")
            m = m[[c for c in wanted if c in m.columns]]
            ranked = m[m["influence_rank"].notna()]
            order = np.argsort(
                pd.to_numeric(ranked["influence_rank"]).to_numpy(dtype=np.float64), kind="stable"
            )
            ranked = ranked.iloc[order]
        else:
            ranked = pd.DataFrame({"customer_id": pd.Series([], dtype="str")})
        self.size = n = len(ranked)
        ids = object_array([str(c) for c in ranked["customer_id"].tolist()])
        customers = snap.customers.index.get_indexer(ids)
        reach = rows_of(snap.reach.index, ids)
        self.columns = (
            ids,
            values_at(snap.customers, "name", customers),
            values_at(snap.customers, "kind", customers),
            np.array([int(r) for r in ranked["influence_rank"].tolist()], dtype=np.int64)
            if n
            else none_array(0),
            compact_values(ranked["influence_score"])
            if "influence_score" in ranked.columns
            else none_array(n),
            values_at(snap.customers, "segment", customers),
            values_at(snap.customers, "region", customers),
            self._reach(snap.reach, "direct", reach, int),
            self._reach(snap.reach, "cascade", reach, int),
            self._reach(snap.reach, "depth", reach, int),
            self._reach(snap.reach, "downstream_aum", reach, float),
            # the rows are snap.metrics' own: snap.metric(cid, "community_id") of each
            compact_values(ranked["community_id"])
            if "community_id" in ranked.columns
            else none_array(n),
        )
        # the filters compare the customers' values as text, as the answer always did
        keys = snap.customers[
            [c for c in ("segment", "region") if c in snap.customers.columns]
        ].reindex(pd.Index(ids, dtype="str"))
        segment = keys["segment"].astype("str") if "segment" in keys.columns else None
        region = keys["region"].astype("str") if "region" in keys.columns else None
        self.by_segment = self._rows_by(segment)
        self.by_region = self._rows_by(region)
        self.by_pair = self._rows_by(segment, region)

    @staticmethod
    def _reach(reach: pd.DataFrame, column: str, positions: np.ndarray, convert) -> np.ndarray:
        """``convert(value)`` of the customers' reach; 0 for customers without one."""
        out = np.zeros(len(positions), dtype=np.float64 if convert is float else np.int64)
        ok = positions >= 0
        if ok.any():
            out[ok] = [convert(v) for v in reach[column].take(positions[ok]).tolist()]
        return out

    @staticmethod
    def _rows_by(*columns: pd.Series | None) -> dict[Any, np.ndarray]:
        """Rows (ascending) by value, or by tuple of values, of the rows with a value
        in every column."""
        if not columns or any(c is None for c in columns):
            return {}
        n = len(columns[0])
        code = np.zeros(n, dtype=np.int64)
        missing = np.zeros(n, dtype=bool)
        factors = []
        for c in columns:
            codes, values = pd.factorize(c, use_na_sentinel=True)
            missing |= codes < 0
            code = code * (len(values) + 1) + codes
            factors.append((codes, values.tolist()))
        rows = np.flatnonzero(~missing)
        if not len(rows):
            return {}
        rows = rows[np.argsort(code[rows], kind="stable")]
        cuts = np.flatnonzero(np.diff(code[rows])) + 1
        out: dict[Any, np.ndarray] = {}
        for part in np.split(rows, cuts):
            key = tuple(values[codes[part[0]]] for codes, values in factors)
            out[key[0] if len(key) == 1 else key] = part
        return out

    def select(self, segment: str | None, region: str | None) -> np.ndarray | None:
        """Rows (best first) of one segment, region or both; None for all."""
        if segment is None and region is None:
            return None
        if segment is not None and region is not None:
            return self.by_pair.get((segment, region), NO_POSITIONS)
        if segment is not None:
            return self.by_segment.get(segment, NO_POSITIONS)
        return self.by_region.get(region, NO_POSITIONS)
