"""Marketing answers of the read model: a customer's referral cascade, the referral
influencers, and campaign seeds."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from guanxi.graph.schema import Entity
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
    :class:`~guanxi.service.GraphService` (a mixin: it reads ``self.snapshot`` and
    ``self.settings``)."""

    snapshot: Snapshot
    #: a :class:`~guanxi.settings.Settings` (the seed answer reads its simulation count)
    settings: Any

    def cascade(
        self,
        customer_id: str,
        *,
        max_depth: int | None = None,
        max_nodes: int = 500,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """A customer's referral cascade as a tree (bounded), with the whole cascade's
        per-generation counts and downstream AUM."""
        from guanxi.algorithms.referrals import cascade_tree

        role = Role(role)
        require(role, Capability.MARKETING, "read referral cascades")
        max_nodes = bounded(max_nodes, 1, MAX_NODES, "max_nodes")
        if max_depth is not None:
            max_depth = bounded(max_depth, 1, MAX_CASCADE_DEPTH, "max_depth")
        snap = self.snapshot
        cid = str(customer_id)
        snap.customer_row(cid)
        tree = cascade_tree(
            snap.frames[Entity.REFERRALS],
            snap.frames[Entity.CUSTOMERS],
            cid,
            max_depth=max_depth if max_depth is not None else MAX_CASCADE_DEPTH,
            max_nodes=max_nodes,
        )
        reach = snap.reach.loc[cid] if cid in snap.reach.index else None
        full = (
            [int(x) for x in str(reach["generations"]).split(";") if x] if reach is not None else []
        )
        nodes = tree.nodes
        shown = (
            nodes[nodes["generation"] > 0]
            .groupby("generation")
            .agg(shown=("customer_id", "size"), aum=("aum", "sum"))
        )
        depth = int(reach["depth"]) if reach is not None else 0
        generations = []
        for gen in range(1, max(depth, int(nodes["generation"].max())) + 1):
            generations.append(
                {
                    "generation": gen,
                    "customers": full[gen - 1] if gen - 1 < len(full) else None,
                    "shown": int(shown["shown"].get(gen, 0)),
                    "aum_shown": float(shown["aum"].get(gen, 0.0)),
                }
            )
        tree_rows = []
        for i in range(len(nodes)):
            rec = person(snap, str(nodes["customer_id"].iat[i]), role)
            rec["parent"] = plain(nodes["parent"].iat[i])
            rec["generation"] = int(nodes["generation"].iat[i])
            rec["aum"] = plain(nodes["aum"].iat[i])
            tree_rows.append(rec)
        return {
            "customer_id": cid,
            "referred_by": plain(snap.referred_by.get(cid)),
            "direct": int(reach["direct"]) if reach is not None else 0,
            "cascade": int(reach["cascade"]) if reach is not None else 0,
            "depth": depth,
            "downstream_aum": float(reach["downstream_aum"]) if reach is not None else 0.0,
            "generations": generations,
            "nodes": tree_rows,
            "truncated": bool(tree.truncated),
            "as_of": snap.as_of,
        }

    def influencers(
        self,
        *,
        limit: int = 50,
        segment: str | None = None,
        region: str | None = None,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """The referral influencers of the latest analysis, best first, optionally of one
        segment or region."""
        role = Role(role)
        require(role, Capability.MARKETING, "read influencers")
        limit = bounded(limit, 1, MAX_PAGE_SIZE, "limit")
        snap = self.snapshot
        snap.require_analysis()
        index = snap.influencer_index
        rows = index.select(segment, region)
        if rows is None:
            count = index.size
            columns = [v[:limit].tolist() for v in index.columns]
        else:
            count = len(rows)
            columns = [v[rows[:limit]].tolist() for v in index.columns]
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
        return {"data": data, "count": count, "limit": limit, "as_of": snap.as_of}

    def seeds(
        self,
        *,
        k: int = 10,
        budget: float | None = None,
        exclude: Iterable[str] | None = None,
        role: Role = Role.ADMIN,
    ) -> dict[str, Any]:
        """Campaign seeds by influence maximization (independent cascade, CELF), with the
        expected reach and its 95% interval."""
        from guanxi.algorithms.seeds import campaign_seeds
        from guanxi.errors import ConfigError

        role = Role(role)
        require(role, Capability.MARKETING, "pick campaign seeds")
        k = bounded(k, 1, MAX_SEEDS, "k")
        excluded = [str(x) for x in (exclude or [])]
        if len(excluded) > MAX_EXCLUDE:
            raise ConfigError(f"exclude may name at most {MAX_EXCLUDE} customers")
        if budget is not None and not (math.isfinite(budget) and budget >= 0):
            raise ConfigError("budget must be a finite amount >= 0")
        snap = self.snapshot
        simulations = int(self.settings.api_seed_simulations)
        picked = campaign_seeds(
            snap.frames[Entity.CUSTOMERS],
            snap.frames[Entity.REFERRALS],
            k=k,
            simulations=simulations,
            seed=0,
            exclude=excluded or None,
            budget=budget,
            as_of=snap.as_of,
        )
        data = []
        for i in range(len(picked)):
            rec = person(snap, str(picked["customer_id"].iat[i]), role)
            rec.update(
                plain_row(
                    picked,
                    i,
                    (
                        "rank",
                        "marginal_gain",
                        "expected_reach",
                        "ci_low",
                        "ci_high",
                        "p_refer",
                        "direct",
                        "cascade",
                        "cost",
                    ),
                )
            )
            data.append(rec)
        return {
            "data": data,
            "k": k,
            "budget": budget,
            "simulations": simulations,
            "expected_reach": data[-1]["expected_reach"] if data else 0.0,
            "as_of": snap.as_of,
        }
