"""The request-time indexes of a snapshot (:class:`~guanxi.service.snapshot.Snapshot`).

An answer reads a handful of rows, and pandas indexing (``.loc``, ``.iat``, a sort)
costs tens of microseconds per value. The hot answers (a group, the influencers) read
from these instead: arrays of ready Python values (what :func:`~guanxi.values.plain`
makes of each), aligned with the snapshot's frames, built once per snapshot on first
use (:attr:`Snapshot.group_index`, :attr:`Snapshot.influencer_index`). They index the
published run's stored results; nothing is computed.

The classes take the snapshot as their one argument (typed loosely: the snapshot module
imports this one).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from guanxi.graph.schema import SPECS, Entity
from guanxi.graph.store import Result
from guanxi.service.arrays import (
    NO_POSITIONS,
    Rows,
    compact_values,
    key_bounds,
    none_array,
    object_array,
    plain_values,
    rows_of,
    values_at,
)
from guanxi.values import plain

__all__ = ["GroupIndex", "InfluencerIndex"]

#: a :class:`~guanxi.service.snapshot.Snapshot`
Snapshot = Any


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

    def source_row(self, link: int) -> dict[str, Any] | None:
        """The source row of link ``link`` (column -> value), or None when the run
        stored none for it."""
        columns = self.source_columns[link]
        if columns is None:
            return None
        return dict(zip(columns, self.source_values[link], strict=True))

    def summary_of(self, i: int) -> dict[str, Any]:
        rec = self.summary.record(i)
        reasons = rec["reasons"]
        rec["reasons"] = str(reasons).split(";") if reasons else []
        return rec


def _folded(values: pd.Series) -> pd.Series:
    """Text casefolded and stripped, missing kept missing (a filter matches neither)."""
    return values.astype("str").str.strip().str.casefold()


class InfluencerIndex:
    """The referral influencers of the published run (its ``influencers`` result set),
    best first, as arrays, with the rows of each segment, region and (segment, region)
    pair."""

    def __init__(self, snap: Snapshot):
        stored = snap.results.get(Result.INFLUENCERS)
        if stored is not None and len(stored) and "rank" in stored.columns:
            ranked = stored[stored["rank"].notna()]
            order = np.argsort(
                pd.to_numeric(ranked["rank"]).to_numpy(dtype=np.float64), kind="stable"
            )
            ranked = ranked.iloc[order]
        else:
            ranked = pd.DataFrame(
                {"customer_id": pd.Series([], dtype="str"), "rank": pd.Series([], dtype="int64")}
            )
        self.size = n = len(ranked)
        ids = object_array([str(c) for c in ranked["customer_id"].tolist()])
        customers = snap.customers.index.get_indexer(ids)
        reach = rows_of(snap.reach.index, ids)
        self.columns = (
            ids,
            values_at(snap.customers, "name", customers),
            values_at(snap.customers, "kind", customers),
            np.array([int(r) for r in ranked["rank"].tolist()], dtype=np.int64)
            if n
            else none_array(0),
            compact_values(ranked["score"]) if "score" in ranked.columns else none_array(n),
            values_at(snap.customers, "segment", customers),
            values_at(snap.customers, "region", customers),
            self._reach(snap.reach, "direct", reach, 0),
            self._reach(snap.reach, "cascade", reach, 0),
            self._reach(snap.reach, "depth", reach, 0),
            self._reach(snap.reach, "downstream_aum", reach, snap.zero),
            # snap.metric(cid, "community_id") of each
            values_at(snap.metrics, "community_id", rows_of(snap.metrics.index, ids), objects=True)
            if len(snap.metrics)
            else none_array(n),
        )
        # the filters compare the customers' values as text, case and surrounding spaces
        # ignored: segment=Private finds the customers of segment "private"
        keys = snap.customers[
            [c for c in ("segment", "region") if c in snap.customers.columns]
        ].reindex(pd.Index(ids, dtype="str"))
        segment = _folded(keys["segment"]) if "segment" in keys.columns else None
        region = _folded(keys["region"]) if "region" in keys.columns else None
        self.by_segment = self._rows_by(segment)
        self.by_region = self._rows_by(region)
        self.by_pair = self._rows_by(segment, region)

    @staticmethod
    def _reach(reach: pd.DataFrame, column: str, positions: np.ndarray, zero) -> np.ndarray:
        """The customers' stored reach (ints as Python ints, money as exact decimals);
        ``zero`` for customers without one (nobody referred)."""
        if isinstance(zero, int):
            out = np.zeros(len(positions), dtype=np.int64)
        else:
            out = np.full(len(positions), zero, dtype=object)
        ok = positions >= 0
        if ok.any():
            convert = int if isinstance(zero, int) else plain
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
        """Rows (best first) of one segment, region or both, case ignored; None for all."""
        if segment is None and region is None:
            return None
        segment = None if segment is None else str(segment).strip().casefold()
        region = None if region is None else str(region).strip().casefold()
        if segment is not None and region is not None:
            return self.by_pair.get((segment, region), NO_POSITIONS)
        if segment is not None:
            return self.by_segment.get(segment, NO_POSITIONS)
        return self.by_region.get(region, NO_POSITIONS)
