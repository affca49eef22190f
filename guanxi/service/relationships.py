"""Customers, accounts and households as one graph, for the neighbourhood answers and
the views' relationships.

The graph of a snapshot: every customer (``c:<customer_id>``), account
(``a:<account_id>``) and household (``h:<household_id>``) is a node, numbered in that
order (customers as the store lists them, accounts likewise, households by id), so a
neighbourhood lists the customers of a hop first; every referral, guarantee, ownership,
holding and household membership is an edge that remembers the source row it comes
from. The search itself is :mod:`guanxi.algorithms.neighbourhood`'s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

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

    def induced_edges(self, nodes: np.ndarray, edge_ok: np.ndarray) -> np.ndarray:
        """Edge numbers of allowed edges with both ends in ``nodes``."""
        from guanxi.algorithms.neighbourhood import induced_edges

        return induced_edges(self.adj, nodes, edge_ok)
