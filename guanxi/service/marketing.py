"""Marketing answers of the read model: a customer's referral cascade, the referral
influencers, and campaign seeds, as the published analysis run stored them (a
cascade's tree is walked over the referrals the store holds)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pandas as pd

from guanxi.errors import ConfigError, Conflict, NotFound
from guanxi.graph.store import Result
from guanxi.limits import (
    MAX_CASCADE_DEPTH,
    MAX_EXCLUDE,
    MAX_NODES,
    MAX_PAGE_SIZE,
    MAX_SEEDS,
    bounded,
)
from guanxi.roles import Capability, Masking, Role, require
from guanxi.service.customers import person
from guanxi.service.snapshot import Snapshot
from guanxi.values import plain, plain_row

__all__ = ["MarketingAnswers"]


class MarketingAnswers:
    """The referral, influencer and campaign-seed answers of
    :class:`~guanxi.service.GraphService` (a mixin: it reads ``self.snapshot``)."""

    snapshot: Snapshot

    def cascade(
        self,
        customer_id: str,
        *,
        max_depth: int | None = None,
        max_nodes: int = 500,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """A customer's referral cascade as a tree (bounded, walked over the referrals
        the store holds), with the published run's counts of the whole cascade per
        generation and its downstream AUM."""
        role = Role(role)
        require(role, Capability.MARKETING, "read referral cascades")
        max_nodes = bounded(max_nodes, 1, MAX_NODES, "max_nodes")
        if max_depth is not None:
            max_depth = bounded(max_depth, 1, MAX_CASCADE_DEPTH, "max_depth")
        snap = self.snapshot
        cid = str(customer_id)
        snap.customer_row(cid)
        snap.require_analysis()
        graph = snap.graph
        nodes, parents, levels, truncated = graph.referral_tree(
            int(graph.ids.get_loc("c:" + cid)),
            max_depth=max_depth if max_depth is not None else MAX_CASCADE_DEPTH,
            max_nodes=max_nodes,
        )
        ids = [str(x)[2:] for x in graph.ids[nodes]]
        aum = _rounded_aum(snap, ids)
        reach = snap.reach.loc[cid] if cid in snap.reach.index else None
        full = (
            [int(x) for x in str(reach["generations"]).split(";") if x] if reach is not None else []
        )
        depth = int(reach["depth"]) if reach is not None else 0
        shown: dict[int, int] = {}
        aum_shown: dict[int, Decimal] = {}
        for level, value in zip(levels.tolist(), aum, strict=True):
            shown[level] = shown.get(level, 0) + 1
            aum_shown[level] = aum_shown.get(level, snap.zero) + (value or snap.zero)
        generations = [
            {
                "generation": gen,
                "customers": full[gen - 1] if gen - 1 < len(full) else None,
                "shown": shown.get(gen, 0),
                "aum_shown": aum_shown.get(gen, snap.zero),
            }
            for gen in range(1, max(depth, int(levels.max())) + 1)
        ]
        tree_rows = []
        for node_id, parent, level, value in zip(
            ids, parents.tolist(), levels.tolist(), aum, strict=True
        ):
            rec = person(snap, node_id, role)
            rec["parent"] = str(graph.ids[parent])[2:] if parent >= 0 else None
            rec["generation"] = int(level)
            rec["aum"] = value
            tree_rows.append(rec)
        in_run = snap.in_run(cid)

        def counted(value: Any, zero: Any) -> Any:
            if reach is not None:
                return value
            return zero if in_run else None

        return {
            "customer_id": cid,
            "referred_by": plain(snap.referred_by.get(cid)),
            "direct": counted(int(reach["direct"]) if reach is not None else None, 0),
            "cascade": counted(int(reach["cascade"]) if reach is not None else None, 0),
            "depth": counted(depth, 0),
            "downstream_aum": counted(
                plain(reach["downstream_aum"]) if reach is not None else None, snap.zero
            ),
            "generations": generations,
            "nodes": tree_rows,
            "truncated": bool(truncated),
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }

    def influencers(
        self,
        *,
        limit: int = 50,
        segment: str | None = None,
        region: str | None = None,
        page: int = 1,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """The referral influencers of the published run, best first, optionally of one
        segment or region (case ignored: ``Private`` finds ``private``); ``limit`` per
        page, ``page`` from 1."""
        role = Role(role)
        require(role, Capability.MARKETING, "read influencers")
        limit = bounded(limit, 1, MAX_PAGE_SIZE, "limit")
        page = bounded(page, 1, 10**9, "page")
        snap = self.snapshot
        snap.require_analysis()
        index = snap.influencer_index
        rows = index.select(segment, region)
        start = (page - 1) * limit
        if rows is None:
            count = index.size
            columns = [v[start : start + limit].tolist() for v in index.columns]
        else:
            count = len(rows)
            columns = [v[rows[start : start + limit]].tolist() for v in index.columns]
        masking = Masking(role)
        data = []
        for cid, name, kind, rank, score, seg, reg, direct, cascade, depth, aum, community in zip(
            *columns, strict=True
        ):
            rec = masking.person(cid, name, kind)
            rec.update(
                {
                    "rank": rank,
                    "score": score,
                    "segment": seg,
                    "region": reg,
                    "direct": direct,
                    "cascade": cascade,
                    "depth": depth,
                    "downstream_aum": aum,
                    "community_id": community,
                }
            )
            data.append(rec)
        return {
            "data": data,
            "count": count,
            "limit": limit,
            "page": page,
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }

    def seeds(
        self,
        *,
        k: int = 10,
        budget: float | None = None,
        exclude: Iterable[str] | None = None,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """Campaign seeds of the published run (influence maximization: independent
        cascade, CELF), with the expected reach and its 95% interval.

        The run's picks answer every request they decide, exactly: greedy picks one
        seed after another on fixed simulated worlds, so the first ``k`` of the run's
        seeds are the seeds a pick of ``k`` makes; each seed costs 1, so a ``budget``
        keeps the first ``floor(budget)``; and leaving out a customer the run did not
        pick among those changes nothing.

        Each seed carries ``p_refer`` (its estimated probability of passing the
        campaign on to each customer it referred, a month's referral propensity:
        :func:`guanxi.algorithms.seeds.referral_probabilities`) and ``cost`` (what
        seeding it costs against a ``budget``; 1 for every customer here).

        Raises
        ------
        NotFound
            A customer in ``exclude`` does not exist (the message names it).
        Conflict
            The request needs a pick the run did not make: more seeds than it picked,
            or without a customer among its first ``k`` (the message names the
            command that makes it).
        """
        role = Role(role)
        require(role, Capability.MARKETING, "pick campaign seeds")
        k = bounded(k, 1, MAX_SEEDS, "k")
        excluded = [str(x) for x in (exclude or [])]
        if len(excluded) > MAX_EXCLUDE:
            raise ConfigError(f"exclude may name at most {MAX_EXCLUDE} customers")
        if budget is not None and not (math.isfinite(budget) and budget >= 0):
            raise ConfigError("budget must be a finite amount >= 0")
        snap = self.snapshot
        snap.require_analysis()
        unknown = [x for x in excluded if x not in snap.customers.index]
        if unknown:
            raise NotFound(
                f"exclude: customer {unknown[0]} not found"
                + (f" (and {len(unknown) - 1} more unknown ids)" if len(unknown) > 1 else "")
            )
        stored = snap.results.get(Result.CAMPAIGN_SEEDS)
        if stored is None or "customer_id" not in stored.columns:
            stored = pd.DataFrame({"customer_id": pd.Series([], dtype="str")})
        picked_by_run = int(snap.options.get("seeds_k") or 0)
        wanted = k if budget is None else min(k, math.floor(budget))
        again = f"`guanxi seeds --k {k}" + "".join(f" --exclude {x}" for x in excluded[:3])
        again += (" ..." if len(excluded) > 3 else "") + "`"
        if wanted > len(stored) and len(stored) >= picked_by_run:
            raise Conflict(
                f"the published {snap.run_label()} picked {len(stored)} campaign seeds; "
                f"{wanted} need a new pick: {again}, or an analysis with --seeds {wanted}"
            )
        picked = stored.iloc[:wanted]
        hit = sorted(set(picked["customer_id"].astype("str")) & set(excluded))
        if hit:
            raise Conflict(
                f"customer {hit[0]} is one of the first {wanted} campaign seeds of the "
                f"published {snap.run_label()}; seeds without it need a new pick: {again}"
            )
        data = []
        for i in range(len(picked)):
            rec = person(snap, str(picked["customer_id"].iat[i]), role)
            rec.update(plain_row(picked, i, _SEED_COLUMNS))
            data.append(rec)
        return {
            "data": data,
            "k": k,
            "budget": budget,
            "simulations": int(snap.options.get("seeds_simulations") or 0),
            "expected_reach": data[-1]["expected_reach"] if data else 0.0,
            "as_of": snap.as_of,
            "notes": list(snap.notes),
        }


def _rounded_aum(snap: Snapshot, ids: list[str]) -> list[Decimal | None]:
    """Each customer's ``aum`` in the run's money: rounded half up, once, to the
    reporting currency's minor unit, as the run rounded it before summing
    ``downstream_aum`` (None where unknown)."""
    rows = snap.customers.index.get_indexer(ids)
    column = snap.customers["aum"] if "aum" in snap.customers.columns else None
    quantum = Decimal(1).scaleb(-snap.digits)
    out: list[Decimal | None] = []
    for row in rows.tolist():
        value = plain(column.iat[row]) if column is not None and row >= 0 else None
        if value is None:
            out.append(None)
        else:
            exact = value if isinstance(value, Decimal) else Decimal(str(value))
            out.append(exact.quantize(quantum, rounding=ROUND_HALF_UP))
    return out


#: the columns of a stored campaign seed an answer carries
_SEED_COLUMNS = (
    "rank",
    "marginal_gain",
    "expected_reach",
    "ci_low",
    "ci_high",
    "p_refer",
    "direct",
    "cascade",
    "cost",
)
