"""Credit-risk answers of the read model: exposure groups (with every member's
single-name exposure and every link's reason and source row) and guarantee circles,
as the published analysis run stored them."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from guanxi.errors import NotFound
from guanxi.graph.schema import SPECS, Entity
from guanxi.limits import MAX_NODES, MAX_PAGE_SIZE, bounded
from guanxi.roles import Capability, Masking, Role, require
from guanxi.service.arrays import position
from guanxi.service.customers import person
from guanxi.service.indexes import GroupIndex
from guanxi.service.snapshot import Snapshot
from guanxi.values import plain, plain_row

__all__ = ["GroupSort", "RiskAnswers", "circle_summary", "circle_parts", "find_group"]


class GroupSort(StrEnum):
    """Orders of the exposure-group list (numbers largest first, ids ascending)."""

    EXPOSURE = "exposure"
    SIZE = "size"
    PCT_TIER1 = "pct_tier1"
    GROUP_ID = "group_id"


def _group_summary(snap: Snapshot, group_id: str) -> dict[str, Any]:
    index = snap.group_index
    i = position(index.index, group_id)
    if i < 0:
        raise KeyError(group_id)
    return index.summary_of(i)


def find_group(snap: Snapshot, group_id: str) -> tuple[GroupIndex, int]:
    """The published run's group index and the row of ``group_id`` in it.

    Raises
    ------
    NotAnalyzed
        Nothing has been analyzed yet.
    NotFound
        The published run has no such group.
    """
    snap.require_analysis()
    gid = str(group_id)
    index = snap.group_index
    i = position(index.index, gid)
    if i < 0:
        raise NotFound(f"exposure group {gid} not found in the published {snap.run_label()}")
    return index, i


def _group_answer(
    snap: Snapshot, index: GroupIndex, i: int, limit: int, role: Role
) -> dict[str, Any]:
    """The answer of :meth:`RiskAnswers.group` for the group in row ``i`` of
    ``snap.groups``."""
    masking = Masking(role)
    lo, hi = int(index.member_lo[i]), int(index.member_hi[i])
    top = min(hi, lo + limit)
    member_rows = []
    for cid, name, kind, single in zip(
        index.member_id[lo:top].tolist(),
        index.member_name[lo:top].tolist(),
        index.member_kind[lo:top].tolist(),
        index.member_single[lo:top].tolist(),
        strict=True,
    ):
        rec = masking.person(cid, name, kind)
        rec["single_name_exposure"] = single
        member_rows.append(rec)
    link_lo, link_hi = int(index.link_lo[i]), int(index.link_hi[i])
    link_stop = min(link_hi, link_lo + limit)
    columns = index.links.columns
    link_rows = []
    for k in range(link_lo, link_stop):
        rec = dict(zip(columns, index.links.rows[k], strict=True))
        rec["source_row"] = index.source_row(k)
        link_rows.append(rec)
    members_total, links_total = hi - lo, link_hi - link_lo
    return {
        "group": index.summary_of(i),
        "members": member_rows,
        "links": link_rows,
        "members_total": members_total,
        "links_total": links_total,
        "truncated": members_total > limit or links_total > limit,
        "tier1_capital": snap.options.get("tier1_capital"),
        "preset": snap.options.get("preset"),
        "as_of": snap.as_of,
        "notes": list(snap.notes),
    }


def circle_summary(snap: Snapshot, circle_id: str) -> dict[str, Any]:
    """The stored summary of one guarantee circle (an id of ``snap.circles``)."""
    c = snap.circles.loc[circle_id]
    cols = (
        "circle_id",
        "size",
        "guarantees",
        "guaranteed_amount",
        "exposure",
        "cycles_found",
        "cycles_truncated",
    )
    return {k: plain(c.get(k)) for k in cols}


def circle_parts(snap: Snapshot, cid: str) -> tuple[list[str], pd.DataFrame, list[list[str]]]:
    """One guarantee circle of the published run: its members, the guarantees between
    them, and its stored cycles (each a list of customer ids).

    The guarantees are the run's own: every guarantee valid on the run's date is a
    connected-client link, so the members of a circle are members of one exposure
    group, and the circle's guarantees are that group's stored ``guarantee`` links
    between them; each is shown as the row of the data its ``source_key`` names, in
    the order of the data.

    Raises
    ------
    NotFound
        The published run has no circle ``cid``.
    """
    if not len(snap.circles) or cid not in snap.circles.index:
        raise NotFound(f"guarantee circle {cid} not found in the published {snap.run_label()}")
    members = snap.circle_members.rows(cid)["customer_id"].astype("str").tolist()
    inside = set(members)
    group_ids = sorted({g for g in (snap.metric(m, "group_id") for m in members) if g is not None})
    rows = pd.concat([snap.group_links.rows(g) for g in group_ids]) if group_ids else None
    source = snap.source_rows.get(Entity.GUARANTEES.value)
    if rows is None or source is None or not len(rows):
        g = snap.frames[Entity.GUARANTEES].iloc[0:0]
    else:
        rows = rows[
            (rows["reason"] == "guarantee").to_numpy(dtype=bool)
            & rows["a"].astype("str").isin(inside).to_numpy(dtype=bool)
            & rows["b"].astype("str").isin(inside).to_numpy(dtype=bool)
        ]
        found = source.index.get_indexer(pd.Index(rows["source_key"].astype("str")).unique())
        g = source.iloc[np.sort(found[found >= 0])].drop(columns="_key")
    cycles = [str(p).split(">") for p in snap.circle_cycles.rows(cid)["path"]]
    return members, g.reset_index(drop=True), cycles


class RiskAnswers:
    """The exposure-group and guarantee-circle answers of
    :class:`~guanxi.service.GraphService` (a mixin: it reads ``self.snapshot``)."""

    snapshot: Snapshot

    def groups(
        self,
        *,
        status: str | None = None,
        min_exposure: Decimal | float | str | None = None,
        sort: GroupSort | str = GroupSort.EXPOSURE,
        page: int = 1,
        page_size: int = 50,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """Exposure groups, filtered and paged (largest first by default).
        ``min_exposure`` is compared exactly (a float is taken by its shortest repr)."""
        role = Role(role)
        require(role, Capability.CREDIT, "read exposure groups")
        page = bounded(page, 1, 10**9, "page")
        page_size = bounded(page_size, 1, MAX_PAGE_SIZE, "page_size")
        snap = self.snapshot
        snap.require_analysis()
        g = snap.groups
        if len(g):
            if status is not None:
                g = g[g["status"].astype("str") == str(status)]
            if min_exposure is not None:
                least = Decimal(
                    repr(min_exposure) if isinstance(min_exposure, float) else str(min_exposure)
                )
                at_least = [
                    v is not None and v >= least for v in map(plain, g["exposure"].tolist())
                ]
                g = g[np.array(at_least, dtype=bool)]
            sort = GroupSort(sort)
            if sort == GroupSort.GROUP_ID:
                g = g.sort_values("group_id", kind="stable")
            else:
                g = g.sort_values(
                    [sort.value, "group_id"],
                    ascending=[False, True],
                    kind="stable",
                    na_position="last",
                )
        count = len(g)
        start = (page - 1) * page_size
        ids = g["group_id"].iloc[start : start + page_size].astype("str").tolist() if count else []
        return {
            "data": [_group_summary(snap, i) for i in ids],
            "count": count,
            "page": page,
            "page_size": page_size,
            "tier1_capital": snap.options.get("tier1_capital"),
            "preset": snap.options.get("preset"),
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }

    def group(
        self, group_id: str, *, limit: int = MAX_NODES, role: Role = Role.ADMIN
    ) -> dict[str, Any]:
        """One exposure group: its total, every member's single-name exposure and every
        link with its reason and the source row it comes from."""
        role = Role(role)
        require(role, Capability.CREDIT, "read exposure groups")
        limit = bounded(limit, 1, MAX_NODES, "limit")
        snap = self.snapshot
        index, i = find_group(snap, group_id)
        return _group_answer(snap, index, i, limit, role)

    def group_of(
        self, customer_id: str, *, limit: int = MAX_NODES, role: Role = Role.ADMIN
    ) -> dict[str, Any]:
        """The exposure group a customer belongs to (see :meth:`group`)."""
        role = Role(role)
        require(role, Capability.CREDIT, "read exposure groups")
        snap = self.snapshot
        cid = str(customer_id)
        row = position(snap.customers.index, cid)
        if row < 0:
            raise NotFound(f"customer {cid} not found")
        snap.require_analysis()
        index = snap.group_index
        i = int(index.customer_group[row])
        if i < 0:
            raise NotFound(f"customer {cid} is in no exposure group (a single name)")
        limit = bounded(limit, 1, MAX_NODES, "limit")
        return _group_answer(snap, index, i, limit, role)

    def circles(
        self, *, page: int = 1, page_size: int = 50, role: Role = Role.ADMIN
    ) -> dict[str, Any]:
        """Guarantee circles, largest first."""
        role = Role(role)
        require(role, Capability.CREDIT, "read guarantee circles")
        page = bounded(page, 1, 10**9, "page")
        page_size = bounded(page_size, 1, MAX_PAGE_SIZE, "page_size")
        snap = self.snapshot
        snap.require_analysis()
        c = snap.circles
        if len(c):
            c = c.sort_values(["size", "circle_id"], ascending=[False, True], kind="stable")
        start = (page - 1) * page_size
        ids = (
            c["circle_id"].iloc[start : start + page_size].astype("str").tolist() if len(c) else []
        )
        return {
            "data": [circle_summary(snap, i) for i in ids],
            "count": len(c),
            "page": page,
            "page_size": page_size,
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }

    def circle(self, circle_id: str, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """One guarantee circle: members, the guarantees inside it, its cycles."""
        role = Role(role)
        require(role, Capability.CREDIT, "read guarantee circles")
        snap = self.snapshot
        snap.require_analysis()
        cid = str(circle_id)
        members, g, cycles = circle_parts(snap, cid)
        member_rows = []
        for m in members[:MAX_NODES]:
            rec = person(snap, m, role)
            rec["single_name_exposure"] = snap.single_name(m)
            member_rows.append(rec)
        cols = SPECS[Entity.GUARANTEES].column_names
        return {
            "circle": circle_summary(snap, cid),
            "members": member_rows,
            "guarantees": [plain_row(g, i, cols) for i in range(min(len(g), MAX_NODES))],
            "cycles": cycles,
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }
