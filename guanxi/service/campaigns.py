"""The marketer's answers of the read model (issue 17): customers by value tier and
quadrant, the customers at risk because someone close to them left, the communities a
campaign can use, and the relationship managers' portfolios, as the published run
stored them.

Every answer needs the marketing capability. Value amounts include a margin on drawn
credit and are removed for a role without the credit capability too
(:mod:`guanxi.roles`): the marketing role sees tiers, quadrants and percentiles. Filters
on segment, region and relationship manager ignore case (``segment=Private`` finds
``private``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from guanxi.errors import NotFound
from guanxi.graph.store import Result
from guanxi.limits import MAX_PAGE_SIZE, bounded
from guanxi.roles import Capability, Masking, Role, mask_record, require
from guanxi.service.customers import person
from guanxi.service.lookup import Keyed, keyed, matches, members_of
from guanxi.service.snapshot import Snapshot
from guanxi.values import plain

__all__ = [
    "CampaignAnswers",
    "TIER_COLUMNS",
    "AT_RISK_COLUMNS",
    "PROFILE_COLUMNS",
    "PORTFOLIO_COLUMNS",
    "community_members",
]

#: what a row of the value tiers carries (amounts removed by role, see the module)
TIER_COLUMNS = (
    "value_rank",
    "tier",
    "quadrant",
    "aum",
    "deposits",
    "credit_revenue",
    "own_value",
    "referral_value",
    "total_value",
    "own_pct",
    "referral_pct",
)
#: what a row of the customers at risk carries
AT_RISK_COLUMNS = (
    "rank",
    "hazard_ratio",
    "pressure",
    "neighbours_left",
    "via",
    "last_left_on",
    "aum",
)
#: what a community profile carries (no credit amount)
PROFILE_COLUMNS = (
    "community_id",
    "size",
    "active",
    "departed",
    "aum",
    "segments",
    "regions",
    "top_influencer_rank",
    "rms",
    "tier_a",
    "tier_b",
    "tier_c",
    "at_risk",
)
#: what a relationship manager's portfolio carries (no credit amount)
PORTFOLIO_COLUMNS = (
    "rm_id",
    "customers",
    "departed",
    "aum",
    "hubs",
    "tier_a",
    "tier_b",
    "tier_c",
    "champions",
    "advocates",
    "at_risk",
    "at_risk_aum",
)


def _paged(rows: np.ndarray, page: int, page_size: int) -> np.ndarray:
    start = (page - 1) * page_size
    return rows[start : start + page_size]


def _customer_extras(snap: Snapshot, cid: str) -> dict[str, Any]:
    """The customer's segment, region and relationship manager (the data)."""
    out: dict[str, Any] = {}
    if cid in snap.customers.index:
        row = snap.customers.loc[cid]
        for column in ("segment", "region", "rm_id"):
            out[column] = plain(row.get(column)) if column in snap.customers.columns else None
    return out


def _breakdown(text: Any) -> list[dict[str, Any]]:
    """``mass:12;private:3`` as ``[{"value": "mass", "customers": 12}, ...]``."""
    out = []
    for part in str(text or "").split(";"):
        value, sep, count = part.rpartition(":")
        if sep and count.isdigit():
            out.append({"value": value, "customers": int(count)})
    return out


class CampaignAnswers:
    """The value-tier, churn, community and portfolio answers of
    :class:`~guanxi.service.GraphService` (a mixin: it reads ``self.snapshot``)."""

    snapshot: Snapshot

    def _marketing(self, role: Role, what: str) -> tuple[Role, Snapshot]:
        role = Role(role)
        require(role, Capability.MARKETING, what)
        snap = self.snapshot
        snap.require_analysis()
        return role, snap

    @staticmethod
    def _listing(snap: Snapshot, rows: np.ndarray, page: int, page_size: int) -> dict[str, Any]:
        return {
            "count": int(rows.size),
            "page": page,
            "page_size": page_size,
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }

    # -- value tiers ------------------------------------------------------------------
    def value_tiers(
        self,
        *,
        tier: str | None = None,
        quadrant: str | None = None,
        segment: str | None = None,
        region: str | None = None,
        rm_id: str | None = None,
        page: int = 1,
        page_size: int = 50,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """Active customers by value, best first: own and referral value, A/B/C tier and
        quadrant (champion, affluent, advocate, miser), optionally of one tier,
        quadrant, segment, region or relationship manager (case ignored)."""
        role, snap = self._marketing(role, "read value tiers")
        page = bounded(page, 1, 10**9, "page")
        page_size = bounded(page_size, 1, MAX_PAGE_SIZE, "page_size")
        table = keyed(snap, Result.VALUE_TIERS)
        rows = table.select(segment=segment, region=region, rm_id=rm_id)
        for column, wanted in (("tier", tier), ("quadrant", quadrant)):
            if wanted is not None and column in table.frame.columns:
                values = table.folded(column)
                rows = rows[matches(values[rows], wanted)]
        masking = Masking(role)
        data = []
        for i in _paged(rows, page, page_size).tolist():
            cid = str(table.index[i])
            rec = person(snap, cid, role)
            rec.update(_customer_extras(snap, cid))
            rec.update(table.row(i, TIER_COLUMNS))
            data.append(masking.record(rec))
        return {
            "data": data,
            **self._listing(snap, rows, page, page_size),
            "rule": (snap.options.get("value_tiers")),
        }

    # -- churn ------------------------------------------------------------------------
    def at_risk(
        self,
        *,
        segment: str | None = None,
        region: str | None = None,
        rm_id: str | None = None,
        tier: str | None = None,
        page: int = 1,
        page_size: int = 50,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """Active customers tied to customers who left, highest hazard ratio first, with
        the customers they are tied to and when those left; optionally of one segment,
        region, relationship manager or value tier (case ignored)."""
        role, snap = self._marketing(role, "read customers at risk")
        page = bounded(page, 1, 10**9, "page")
        page_size = bounded(page_size, 1, MAX_PAGE_SIZE, "page_size")
        table = keyed(snap, Result.AT_RISK)
        rows = table.select(segment=segment, region=region, rm_id=rm_id)
        if tier is not None:
            tiers = keyed(snap, Result.VALUE_TIERS)
            mine = (
                np.array([tiers.find(c) for c in table.index[rows]], dtype=np.int64)
                if rows.size
                else np.zeros(0, dtype=np.int64)
            )
            values = tiers.folded("tier")
            ok = (mine >= 0) & (values[np.maximum(mine, 0)] == str(tier).strip().casefold())
            rows = rows[ok] if rows.size else rows
        data = [self._risk_record(snap, table, i, role) for i in _paged(rows, page, page_size)]
        model = {
            key: (snap.run or {}).get("summary", {}).get(key) for key in ("departed", "at_risk")
        }
        return {"data": data, **self._listing(snap, rows, page, page_size), **model}

    def _risk_record(self, snap: Snapshot, table: Keyed, i: int, role: Role) -> dict[str, Any]:
        cid = str(table.index[i])
        rec = person(snap, cid, role)
        rec.update(_customer_extras(snap, cid))
        rec.update(table.row(int(i), AT_RISK_COLUMNS))
        rec["via"] = str(rec.get("via") or "").split(";") if rec.get("via") else []
        left = keyed(snap, Result.DEPARTURES)
        ids = str(table.frame["departed_ids"].iat[int(i)] or "").split(";")
        neighbours = []
        for other in [x for x in ids if x][:MAX_PAGE_SIZE]:
            n = person(snap, other, role)
            j = left.find(other)
            n["closed_on"] = plain(left.frame["closed_on"].iat[j]) if j >= 0 else None
            neighbours.append(n)
        rec["departed"] = neighbours
        tiers = keyed(snap, Result.VALUE_TIERS)
        j = tiers.find(cid)
        rec["tier"] = plain(tiers.frame["tier"].iat[j]) if j >= 0 else None
        return mask_record(rec, role)

    # -- communities ------------------------------------------------------------------
    def communities(
        self,
        *,
        min_size: int = 1,
        segment: str | None = None,
        region: str | None = None,
        rm_id: str | None = None,
        page: int = 1,
        page_size: int = 50,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """The communities of the social graph, largest first, each with its profile
        (size, AUM, segments, regions, top influencer, relationship managers, tiers,
        members at risk); optionally only those of at least ``min_size`` members or
        with members of one segment, region or relationship manager (case ignored)."""
        role, snap = self._marketing(role, "read communities")
        page = bounded(page, 1, 10**9, "page")
        page_size = bounded(page_size, 1, MAX_PAGE_SIZE, "page_size")
        min_size = bounded(min_size, 1, 10**9, "min_size")
        table = keyed(snap, Result.COMMUNITY_PROFILES)
        keep = np.ones(len(table), dtype=bool)
        if len(table):
            keep &= table.frame["size"].to_numpy(dtype=np.int64) >= min_size
            for column, wanted in (("segments", segment), ("regions", region), ("rms", rm_id)):
                if wanted is not None:
                    keep &= _listed(table, column, wanted)
        rows = np.flatnonzero(keep)
        data = [_profile(snap, table, i, role) for i in _paged(rows, page, page_size).tolist()]
        return {"data": data, **self._listing(snap, rows, page, page_size)}

    def community(
        self,
        community_id: str,
        *,
        limit: int = MAX_PAGE_SIZE,
        page: int = 1,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """One community: its profile and its members (best value first, ``limit`` per
        page, ``page`` from 1), each with tier, quadrant, influence rank and whether at
        risk; ``truncated`` when members follow this page."""
        role, snap = self._marketing(role, "read communities")
        limit = bounded(limit, 1, MAX_PAGE_SIZE, "limit")
        page = bounded(page, 1, 10**9, "page")
        table = keyed(snap, Result.COMMUNITY_PROFILES)
        i = table.find(str(community_id))
        if i < 0:
            raise NotFound(f"community {community_id} is not in the published {snap.run_label()}")
        profile = _profile(snap, table, i, role)
        ids = community_members(snap, str(community_id))
        tiers = keyed(snap, Result.VALUE_TIERS)
        risk = keyed(snap, Result.AT_RISK)
        rank = np.array([tiers.find(c) for c in ids], dtype=np.int64)
        order = np.lexsort((np.array(ids, dtype=object), np.where(rank < 0, 2**62, rank)))
        members = []
        start = (page - 1) * limit
        for k in order[start : start + limit].tolist():
            cid = ids[k]
            rec = person(snap, cid, role)
            rec.update(_customer_extras(snap, cid))
            t = tiers.find(cid)
            rec["tier"] = plain(tiers.frame["tier"].iat[t]) if t >= 0 else None
            rec["quadrant"] = plain(tiers.frame["quadrant"].iat[t]) if t >= 0 else None
            rec["influence_rank"] = snap.metric(cid, "influence_rank")
            r = risk.find(cid)
            rec["at_risk_rank"] = plain(risk.frame["rank"].iat[r]) if r >= 0 else None
            members.append(mask_record(rec, role))
        return {
            "community": profile,
            "members": members,
            "members_total": len(ids),
            "limit": limit,
            "page": page,
            "truncated": len(ids) > start + limit,
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }

    # -- relationship managers ----------------------------------------------------------
    def rm_portfolios(
        self, *, page: int = 1, page_size: int = 50, role: Role = Role.ADMIN
    ) -> dict[str, Any]:
        """Every relationship manager's portfolio, largest AUM first: customers, AUM,
        hubs, customers per tier, champions and advocates, customers at risk."""
        role, snap = self._marketing(role, "read relationship managers' portfolios")
        page = bounded(page, 1, 10**9, "page")
        page_size = bounded(page_size, 1, MAX_PAGE_SIZE, "page_size")
        table = keyed(snap, Result.RM_PORTFOLIOS)
        rows = np.arange(len(table))
        data = [_portfolio(snap, table, i, role) for i in _paged(rows, page, page_size).tolist()]
        return {"data": data, **self._listing(snap, rows, page, page_size)}

    def rm_portfolio(self, rm_id: str, *, role: Role = Role.ADMIN) -> dict[str, Any]:
        """One relationship manager's portfolio, with its customers most at risk named."""
        role, snap = self._marketing(role, "read relationship managers' portfolios")
        table = keyed(snap, Result.RM_PORTFOLIOS)
        i = table.find(str(rm_id))
        if i < 0:
            raise NotFound(
                f"relationship manager {rm_id} has no portfolio in the published {snap.run_label()}"
            )
        return {
            "portfolio": _portfolio(snap, table, i, role),
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }


def community_members(snap: Snapshot, community_id: str) -> list[str]:
    """The stored members of a community (customer ids, sorted)."""
    rows = members_of(snap).rows(str(community_id))
    return sorted(str(c) for c in rows["customer_id"].tolist())


def _listed(table: Keyed, column: str, wanted: str) -> np.ndarray:
    """Rows whose breakdown ``column`` (``value:count;...``) names ``wanted``, case
    ignored."""
    target = str(wanted).strip().casefold()
    values = table.folded(column)
    return np.array(
        [any(p.rpartition(":")[0] == target for p in str(v).split(";")) for v in values],
        dtype=bool,
    )


def _profile(snap: Snapshot, table: Keyed, i: int, role: Role) -> dict[str, Any]:
    rec = table.row(int(i), PROFILE_COLUMNS)
    for column in ("segments", "regions", "rms"):
        rec[column] = _breakdown(rec.get(column))
    top = (
        plain(table.frame["top_influencer"].iat[int(i)])
        if "top_influencer" in table.frame
        else None
    )
    rec["top_influencer"] = person(snap, str(top), role) if top else None
    return mask_record(rec, role)


def _portfolio(snap: Snapshot, table: Keyed, i: int, role: Role) -> dict[str, Any]:
    rec = table.row(int(i), PORTFOLIO_COLUMNS)
    named = plain(table.frame["top_at_risk"].iat[int(i)]) if "top_at_risk" in table.frame else None
    rec["top_at_risk"] = [person(snap, c, role) for c in str(named or "").split(";") if c]
    return mask_record(rec, role)
