"""Customers, accounts and households as one graph, for the neighbourhood answers and
the views' relationships.

The graph of a snapshot: every customer (``c:<customer_id>``), account
(``a:<account_id>``) and household (``h:<household_id>``) is a node, numbered in that
order (customers as the store lists them, accounts likewise, households by id), so a
neighbourhood lists the customers of a hop first; every referral, guarantee, ownership,
holding and household membership is an edge that remembers the source row it comes
from. The neighbourhood search is :mod:`guanxi.algorithms.neighbourhood`'s; a referral
cascade (:meth:`RelationshipGraph.referral_tree`) is the same kind of per-request walk,
along referral edges only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from guanxi.errors import InvalidInput
from guanxi.graph.schema import Entity, RelType
from guanxi.view_model import EDGE_TYPES

__all__ = ["RelationshipGraph"]


@dataclass(frozen=True)
class RelationshipGraph:
    """Customers, accounts and households as one node set, with a symmetric CSR
    adjacency whose stored values are edge numbers into :attr:`edges`
    (:func:`guanxi.algorithms.neighbourhood.edge_adjacency`)."""

    #: node ids (``c:``, ``a:``, ``h:`` and the key), by node number
    ids: pd.Index
    adj: sp.csr_array
    #: src, dst (node numbers), type (category), type_code (int8), entity (category),
    #: row (int)
    edges: pd.DataFrame

    @classmethod
    def build(cls, frames: Mapping[Entity, pd.DataFrame]) -> RelationshipGraph:
        customers = frames[Entity.CUSTOMERS]
        accounts = frames[Entity.ACCOUNTS]
        holders = frames[Entity.ACCOUNT_HOLDERS]
        households = frames[Entity.HOUSEHOLDS]
        hh_ids = pd.Series(households["household_id"].dropna().unique(), dtype="str")
        ids = pd.Index(
            pd.concat(
                [
                    "c:" + customers["customer_id"].astype("str"),
                    "a:" + accounts["account_id"].astype("str"),
                    "h:" + hh_ids.sort_values(),
                ],
                ignore_index=True,
            ).astype("str")
        )
        parts = []
        # node numbers in 32 bits while they fit (half the memory of the edge list and
        # of the adjacency at a million customers)
        node_dtype = np.int32 if len(ids) < 2**31 else np.int64

        def add(src: pd.Series, dst: pd.Series, rel: RelType, entity: Entity) -> None:
            s = ids.get_indexer(src.astype("str"))
            d = ids.get_indexer(dst.astype("str"))
            ok = (s >= 0) & (d >= 0) & (s != d)
            parts.append(
                pd.DataFrame(
                    {
                        "src": s[ok].astype(node_dtype),
                        "dst": d[ok].astype(node_dtype),
                        "type": rel.value,
                        "entity": entity.value,
                        "row": np.flatnonzero(ok).astype(np.int32 if len(ok) < 2**31 else np.int64),
                    }
                )
            )

        r = frames[Entity.REFERRALS]
        add("c:" + r["referrer_id"], "c:" + r["referee_id"], RelType.REFERRED, Entity.REFERRALS)
        g = frames[Entity.GUARANTEES]
        add(
            "c:" + g["guarantor_id"], "c:" + g["borrower_id"], RelType.GUARANTEES, Entity.GUARANTEES
        )
        o = frames[Entity.OWNERSHIP]
        add("c:" + o["owner_id"], "c:" + o["company_id"], RelType.OWNS, Entity.OWNERSHIP)
        add(
            "c:" + accounts["customer_id"],
            "a:" + accounts["account_id"],
            RelType.HOLDS,
            Entity.ACCOUNTS,
        )
        add(
            "c:" + holders["customer_id"],
            "a:" + holders["account_id"],
            RelType.HOLDS,
            Entity.ACCOUNT_HOLDERS,
        )
        add(
            "c:" + households["customer_id"],
            "h:" + households["household_id"],
            RelType.MEMBER_OF,
            Entity.HOUSEHOLDS,
        )
        edges = pd.concat(parts, ignore_index=True)
        # five types and six entities on millions of rows: categories, not strings
        edges["type"] = pd.Categorical(edges["type"].astype("str"), categories=list(EDGE_TYPES))
        edges["entity"] = edges["entity"].astype("str").astype("category")
        edges["type_code"] = edges["type"].cat.codes.astype(np.int8)
        # the algorithms package loads every algorithm: imported when a snapshot is built
        from guanxi.algorithms.neighbourhood import edge_adjacency

        adj = edge_adjacency(edges["src"].to_numpy(), edges["dst"].to_numpy(), len(ids))
        return cls(ids, adj, edges)

    def type_mask(self, types: Iterable[str]) -> np.ndarray:
        """Which edges are of one of the relationship ``types`` (by edge number)."""
        from guanxi.algorithms.neighbourhood import edge_type_mask

        wanted = set(types)
        return edge_type_mask(self.edges["type_code"].to_numpy(), [t in wanted for t in EDGE_TYPES])

    def neighbourhood(
        self, start: int, *, hops: int, edge_ok: np.ndarray, limit: int
    ) -> tuple[np.ndarray, np.ndarray, bool, int]:
        """Breadth-first from ``start`` along allowed edges, at most ``limit`` nodes.

        Returns the node numbers (in order found), their hop, whether a limit cut the
        search, and how many nodes found at the cut were left out. Within a hop,
        customers come first (then accounts, households), each in id order
        (:func:`guanxi.algorithms.neighbourhood.hop_neighbourhood`)."""
        from guanxi.algorithms.neighbourhood import hop_neighbourhood

        return hop_neighbourhood(self.adj, start, hops=hops, edge_ok=edge_ok, limit=limit)

    def referral_tree(
        self, start: int, *, max_depth: int | None, max_nodes: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, bool]:
        """A customer's referral cascade, generation by generation, along the referral
        edges (referrer -> referee) only: at most ``max_nodes`` nodes (the root
        included) and ``max_depth`` generations (all when None).

        Returns the node numbers in breadth-first order (within a generation, by their
        referrer's place, then by customer id), each node's referrer (-1 for the root),
        its generation, and whether a limit left nodes out (when ``max_nodes`` cuts a
        generation, its first nodes in that order are kept).

        Raises
        ------
        InvalidInput
            The referrals below ``start`` close a cycle (a load refuses those).
        """
        from guanxi.algorithms.neighbourhood import incident_edges

        referred = self.type_mask([RelType.REFERRED.value])
        src = self.edges["src"].to_numpy()
        indptr = self.adj.indptr
        seen = np.zeros(len(self.ids), dtype=bool)
        seen[start] = True
        frontier = np.array([start], dtype=np.int64)
        nodes, parents, generations = [frontier], [np.array([-1])], [np.zeros(1, dtype=np.int64)]
        total, truncated, generation = 1, False, 0
        while frontier.size:
            neighbours, eids = incident_edges(self.adj, frontier)
            counts = indptr[frontier + 1] - indptr[frontier]
            place = np.repeat(np.arange(frontier.size), counts)
            # a referral edge leaving the node it is read from: node -> one it referred
            out = referred[eids] & (src[eids] == frontier[place])
            kids, place = neighbours[out], place[out]
            if not kids.size:
                break
            if max_depth is not None and generation >= max_depth:
                truncated = True
                break
            order = (
                pd.DataFrame({"place": place, "id": self.ids[kids].to_numpy(dtype=object)})
                .sort_values(["place", "id"], kind="stable")
                .index.to_numpy()
            )
            kids, up = kids[order], frontier[place[order]]
            if seen[kids].any():
                raise InvalidInput(
                    f"the referrals below customer {str(self.ids[start])[2:]} close a cycle"
                )
            seen[kids] = True
            generation += 1
            if total + kids.size > max_nodes:
                kids, up = kids[: max_nodes - total], up[: max_nodes - total]
                truncated = True
            nodes.append(kids)
            parents.append(up)
            generations.append(np.full(kids.size, generation, dtype=np.int64))
            total += kids.size
            if truncated:
                break
            frontier = kids
        return (
            np.concatenate(nodes),
            np.concatenate(parents),
            np.concatenate(generations),
            truncated,
        )

    def induced_edges(self, nodes: np.ndarray, edge_ok: np.ndarray) -> np.ndarray:
        """Edge numbers of allowed edges with both ends in ``nodes``."""
        from guanxi.algorithms.neighbourhood import induced_edges

        return induced_edges(self.adj, nodes, edge_ok)

    def shared_by(self, nodes: np.ndarray, edge_ok: np.ndarray, *, least: int = 2) -> np.ndarray:
        """Account and household node numbers tied by allowed edges to at least ``least``
        of ``nodes`` (the households and accounts a set of customers shares), ascending;
        customers are never among them."""
        from guanxi.algorithms.neighbourhood import incident_edges

        nodes = np.asarray(nodes, dtype=np.int64)
        if nodes.size == 0:
            return nodes
        neighbours, eids = incident_edges(self.adj, nodes)
        counts = self.adj.indptr[nodes + 1] - self.adj.indptr[nodes]
        owner = np.repeat(nodes, counts)
        keep = edge_ok[eids] & ~np.isin(neighbours, nodes)
        if not keep.any():
            return np.zeros(0, dtype=np.int64)
        pairs = np.unique(np.stack([neighbours[keep], owner[keep]]), axis=1)
        found, times = np.unique(pairs[0], return_counts=True)
        found = found[times >= least].astype(np.int64)
        return found[~self.ids[found].str.startswith("c:")]
