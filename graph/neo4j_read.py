"""Reading the bank's entities back from Neo4j as canonical frames, counting them,
and clearing everything guanxi wrote."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
from neo4j import ManagedTransaction

from guanxi.graph.neo4j_cypher import (
    NODE_KEYS,
    PRIMARY_ROLE,
    REL_TYPES,
    WriteMode,
    quote_name,
    row_batches,
)
from guanxi.graph.schema import (
    SPECS,
    Entity,
    NodeLabel,
    NodeMapping,
    RelType,
    canonical_frame,
)
from guanxi.graph.store import QueryMode

__all__ = ["ReadMixin"]


class ReadMixin:
    """Reads of :class:`~guanxi.graph.neo4j_store.Neo4jStore`."""

    def existing_ids(self, entity: Entity, ids: Iterable[str]) -> set[str]:
        spec = SPECS[entity]
        if not isinstance(spec.graph, NodeMapping):
            raise ValueError(f"existing_ids is for node entities, not {entity.value}")
        label, key = quote_name(spec.graph.label), quote_name(spec.graph.key)
        wanted = sorted({str(i) for i in ids if i is not None and not pd.isna(i)})
        found: set[str] = set()
        for batch in row_batches(wanted, self.batch_size):
            found.update(
                self._read_column(
                    f"UNWIND $ids AS id MATCH (n:{label} {{{key}: id}}) RETURN n.{key} AS v",
                    {"ids": list(batch)},
                )
            )
        return found

    # -- reading ---------------------------------------------------------------------
    def fetch(self, entity: Entity) -> pd.DataFrame:
        spec = SPECS[entity]
        extras = self._extras(entity)
        if isinstance(spec.graph, NodeMapping):
            columns = list(spec.column_names) + extras
            label = quote_name(spec.graph.label)
            returns = ", ".join(f"n.{quote_name(c)} AS c{i}" for i, c in enumerate(columns))
            query = f"MATCH (n:{label}) RETURN {returns}"
            params: dict[str, Any] = {}
        else:
            graph = spec.graph
            ends = {graph.start_column: "s", graph.end_column: "e"}
            columns = list(spec.column_names) + extras
            items = []
            for i, c in enumerate(columns):
                if c in ends:
                    node_label = graph.start_label if ends[c] == "s" else graph.end_label
                    items.append(f"{ends[c]}.{quote_name(NODE_KEYS[node_label])} AS c{i}")
                else:
                    items.append(f"r.{quote_name(c)} AS c{i}")
            where = ""
            params = {}
            if graph.type is RelType.HOLDS:
                where = "WHERE r.role IS NULL OR r.role <> $primary "
                params = {"primary": PRIMARY_ROLE}
            query = (
                f"MATCH (s:{quote_name(graph.start_label)})-[r:{quote_name(graph.type)}]->"
                f"(e:{quote_name(graph.end_label)}) {where}RETURN {', '.join(items)}"
            )
        records = self.run(query, params)
        frame = pd.DataFrame(
            [[rec[f"c{i}"] for i in range(len(columns))] for rec in records],
            columns=columns,
            dtype=object,
        )
        frame = canonical_frame(entity, frame)
        return frame.sort_values(list(spec.key), na_position="first", kind="stable").reset_index(
            drop=True
        )

    def counts(self) -> dict[str, int]:
        queries: dict[str, tuple[str, dict[str, Any]]] = {}
        for entity, spec in SPECS.items():
            if isinstance(spec.graph, NodeMapping):
                queries[entity.value] = (
                    f"MATCH (n:{quote_name(spec.graph.label)}) RETURN count(n) AS v",
                    {},
                )
            else:
                graph = spec.graph
                where, params = "", {}
                if graph.type is RelType.HOLDS:
                    where = " WHERE r.role IS NULL OR r.role <> $primary"
                    params = {"primary": PRIMARY_ROLE}
                queries[entity.value] = (
                    f"MATCH (:{quote_name(graph.start_label)})-[r:{quote_name(graph.type)}]->"
                    f"(:{quote_name(graph.end_label)}){where} RETURN count(r) AS v",
                    params,
                )
        queries["household_nodes"] = (
            f"MATCH (n:{quote_name(NodeLabel.HOUSEHOLD)}) RETURN count(n) AS v",
            {},
        )
        queries["relationship_managers"] = (
            f"MATCH (n:{quote_name(NodeLabel.RELATIONSHIP_MANAGER)}) RETURN count(n) AS v",
            {},
        )

        def work(tx: ManagedTransaction) -> dict[str, int]:
            return {
                name: int(tx.run(q, p).single(strict=True)["v"]) for name, (q, p) in queries.items()
            }

        return self._execute(work, QueryMode.READ, what="counts")

    def clear(self) -> None:
        """Delete everything guanxi wrote, in bounded transactions (not atomically):
        relationships first, then the (now bare) nodes, journals and meta nodes."""
        limit = {"limit": self.batch_size}
        units = [
            self._bounded_unit(
                f"MATCH ()-[r:{quote_name(rel_type)}]->() WITH r LIMIT $limit DELETE r "
                "RETURN count(*) AS count",
                limit,
            )
            for rel_type in REL_TYPES
        ] + [
            self._bounded_unit(
                f"MATCH (n:{quote_name(label)}) WITH n LIMIT $limit DETACH DELETE n "
                "RETURN count(*) AS count",
                limit,
            )
            for label in NODE_KEYS
        ]
        self._apply(units, mode=WriteMode.BATCHED, what="clear")
