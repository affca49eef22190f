"""The Cypher that writes the bank's entities: one MERGE per node row, the moves of
``MANAGED_BY`` and the primary ``HOLDS`` when a reload changes them, and one MERGE per
relationship row keyed by its natural key."""

from __future__ import annotations

from guanxi.graph.neo4j_cypher import (
    NODE_KEYS,
    REL_KEY,
    Statement,
    quote_name,
)
from guanxi.graph.schema import (
    Entity,
    NodeLabel,
    NodeMapping,
    RelMapping,
    RelType,
)

__all__ = ["node_statements", "rel_statement"]


def node_statements(entity: Entity, graph: NodeMapping, carried: set[str]) -> list[Statement]:
    label, key = quote_name(graph.label), quote_name(graph.key)
    merge = Statement(
        f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row.key}}) SET n += row.props"
    )
    customer, cid = quote_name(NodeLabel.CUSTOMER), quote_name("customer_id")
    if entity is Entity.CUSTOMERS and "rm_id" in carried:
        rm, rm_id, managed = (
            quote_name(NodeLabel.RELATIONSHIP_MANAGER),
            quote_name("rm_id"),
            quote_name(RelType.MANAGED_BY),
        )
        unlink = Statement(
            f"UNWIND $rows AS row "
            f"MATCH (n:{customer} {{{cid}: row.key}})-[r:{managed}]->(m:{rm}) "
            f"WHERE row.props.rm_id IS NULL OR m.{rm_id} <> row.props.rm_id "
            "DELETE r"
        )
        link = Statement(
            f"UNWIND $rows AS row WITH row WHERE row.props.rm_id IS NOT NULL "
            f"MATCH (n:{customer} {{{cid}: row.key}}) "
            f"MERGE (m:{rm} {{{rm_id}: row.props.rm_id}}) "
            f"MERGE (n)-[r:{managed}]->(m) "
            "RETURN count(r) AS written",
            expect=lambda rows: sum(1 for r in rows if r["props"].get("rm_id") is not None),
            what="a customer",
        )
        return [merge, unlink, link]
    if entity is Entity.ACCOUNTS and "customer_id" in carried:
        holds = quote_name(RelType.HOLDS)
        unlink = Statement(
            f"UNWIND $rows AS row "
            f"MATCH (a:{label} {{{key}: row.key}})<-[r:{holds}]-(c:{customer}) "
            f"WHERE r.role = $primary AND c.{cid} <> row.props.customer_id "
            "DELETE r"
        )
        link = Statement(
            f"UNWIND $rows AS row "
            f"MATCH (a:{label} {{{key}: row.key}}) "
            f"MATCH (c:{customer} {{{cid}: row.props.customer_id}}) "
            f"MERGE (c)-[r:{holds} {{{REL_KEY}: row.key}}]->(a) "
            "SET r.role = $primary "
            "RETURN count(r) AS written",
            expect=len,
            what="a primary holder (customer)",
        )
        return [merge, unlink, link]
    return [merge]


def rel_statement(graph: RelMapping) -> Statement:
    start_label, end_label = graph.start_label, graph.end_label
    start = f"(s:{quote_name(start_label)} {{{quote_name(NODE_KEYS[start_label])}: row.start}})"
    end = f"(e:{quote_name(end_label)} {{{quote_name(NODE_KEYS[end_label])}: row.end}})"
    # a household exists through its members; customers and accounts must be there
    end_clause = "MERGE" if end_label is NodeLabel.HOUSEHOLD else "MATCH"
    return Statement(
        f"UNWIND $rows AS row MATCH {start} {end_clause} {end} "
        f"MERGE (s)-[r:{quote_name(graph.type)} {{{REL_KEY}: row.key}}]->(e) "
        "SET r += row.props "
        "RETURN count(r) AS written",
        expect=len,
        what=f"a {start_label} or {end_label}",
    )
