"""Graph Data Science on the test Neo4j: the versions are the pinned ones, and GDS
computes on a graph guanxi loaded (weakly connected components, checked against
networkx on the same edges).

A smoke check for the engine that will run the whole-bank passes in the database; the
GDS calls are plain Cypher through the session's driver.
"""

from __future__ import annotations

import networkx as nx
import pytest

from guanxi.graph.schema import Entity

try:  # the repository root on sys.path (python -m pytest), or tests/ made a package
    from tests.neo4j_server import GDS_VERSION, NEO4J_VERSION
except ModuleNotFoundError:  # plain `pytest`: tests/ itself is on sys.path
    from neo4j_server import GDS_VERSION, NEO4J_VERSION  # type: ignore[no-redef]
try:  # pytest's default (prepend) import mode puts this folder on sys.path
    from test_store_contract import bank
except ModuleNotFoundError:  # tests/ and tests/graph/ made packages
    from tests.graph.test_store_contract import bank

pytestmark = pytest.mark.bolt

GRAPH = "guanxi_test_gds_smoke"


def cypher(target, query: str, **params) -> list[dict]:
    with target.driver.session(database=target.database) as session:
        return session.run(query, params).data()


def test_the_test_server_runs_the_pinned_neo4j_and_gds(neo4j_target):
    [kernel] = cypher(
        neo4j_target,
        "CALL dbms.components() YIELD name, versions, edition "
        "WHERE name = 'Neo4j Kernel' RETURN versions[0] AS version, edition",
    )
    assert kernel == {"version": NEO4J_VERSION, "edition": "community"}
    assert cypher(neo4j_target, "RETURN gds.version() AS v") == [{"v": GDS_VERSION}]
    # the procedures are allowed (dbms.security.procedures.unrestricted=gds.*)
    procedures = cypher(
        neo4j_target,
        "SHOW PROCEDURES YIELD name WHERE name IN $names RETURN collect(name) AS names",
        names=["gds.graph.project", "gds.wcc.stream", "gds.scc.stream", "gds.pageRank.stream"],
    )
    assert len(procedures[0]["names"]) == 4


def test_gds_finds_the_components_networkx_finds(neo4j_target):
    """Project guanxi's customers and the links that join exposure groups, run WCC in
    the database, and compare the partition with networkx's on the same edges."""
    store = neo4j_target.store(batch_size=1000)
    store.clear()
    frames = bank()
    store.load(frames)
    customers = store.fetch(Entity.CUSTOMERS)["customer_id"].tolist()
    edges = [
        *store.fetch(Entity.OWNERSHIP)[["owner_id", "company_id"]].itertuples(index=False),
        *store.fetch(Entity.GUARANTEES)[["guarantor_id", "borrower_id"]].itertuples(index=False),
    ]
    oracle = nx.Graph()
    oracle.add_nodes_from(customers)
    oracle.add_edges_from(edges)
    expected = sorted(sorted(c) for c in nx.connected_components(oracle))
    assert len(expected) < len(customers)  # some customers are linked: a real test

    cypher(neo4j_target, "CALL gds.graph.drop($g, false) YIELD graphName RETURN graphName", g=GRAPH)
    try:
        [projected] = cypher(
            neo4j_target,
            "CALL gds.graph.project($g, 'Customer', "
            "{OWNS: {orientation: 'UNDIRECTED'}, GUARANTEES: {orientation: 'UNDIRECTED'}}) "
            "YIELD nodeCount, relationshipCount RETURN nodeCount, relationshipCount",
            g=GRAPH,
        )
        assert projected == {"nodeCount": len(customers), "relationshipCount": 2 * len(edges)}
        rows = cypher(
            neo4j_target,
            "CALL gds.wcc.stream($g) YIELD nodeId, componentId "
            "RETURN gds.util.asNode(nodeId).customer_id AS customer, componentId AS component",
            g=GRAPH,
        )
    finally:
        cypher(
            neo4j_target, "CALL gds.graph.drop($g, false) YIELD graphName RETURN graphName", g=GRAPH
        )
    components: dict[int, list[str]] = {}
    for row in rows:
        components.setdefault(row["component"], []).append(row["customer"])
    assert sorted(sorted(c) for c in components.values()) == expected
    store.close()
