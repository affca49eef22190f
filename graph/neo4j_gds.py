"""The whole-bank passes in Neo4j Graph Data Science: ``guanxi analyze --engine gds``.

:class:`GdsEngine` implements :class:`guanxi.algorithms.engine.Engine` on a Neo4j
server with the GDS plugin. Each pass projects guanxi's own edge list (node numbers,
guanxi's node numbers) into a named in-memory
graph with a Cypher projection (``gds.graph.project`` as an aggregation over
``UNWIND $pairs``, the pairs sent as one query parameter), streams the algorithm's answer back, and drops the graph, also
when the algorithm fails. Nothing is written to the database.

- ``weak_components``: ``gds.wcc.stream`` (direction does not matter to WCC).
- ``strong_components``: ``gds.scc.stream`` on the directed projection.
- ``leiden``: ``gds.leiden.stream`` on the undirected projection with the edge weights,
  ``gamma`` the resolution, ``randomSeed`` the seed and ``concurrency: 1`` (GDS repeats
  a seeded Leiden only single-threaded), ``maxLevels`` 10.

A node without edges is not in the projection; it gets a label of its own (a
component, or a community, of one), as in the in-process engine.

The projection is one aggregation, so the edge list travels in one query: at
1,000,000 customers that is a few million pairs (tens of MB on the wire).
"""

from __future__ import annotations

import uuid

import numpy as np

from guanxi.errors import ConfigError, StoreQueryError

__all__ = ["GdsEngine"]

_PROJECT = (
    "UNWIND $pairs AS p "
    "WITH gds.graph.project($name, p[0], p[1], {relationshipProperties: {w: p[2]}}, $config) AS g "
    "RETURN g.nodeCount AS nodes, g.relationshipCount AS relationships"
)
_STREAMS = {
    "wcc": "CALL gds.wcc.stream($name) YIELD nodeId, componentId "
    "RETURN nodeId AS node, componentId AS label",
    "scc": "CALL gds.scc.stream($name) YIELD nodeId, componentId "
    "RETURN nodeId AS node, componentId AS label",
    "leiden": "CALL gds.leiden.stream($name, {relationshipWeightProperty: 'w', gamma: $gamma, "
    "randomSeed: $seed, concurrency: 1, maxLevels: 10}) YIELD nodeId, communityId "
    "RETURN nodeId AS node, communityId AS label",
}


class GdsEngine:
    """The GDS engine on ``store`` (a :class:`~guanxi.graph.neo4j_store.Neo4jStore`).

    Raises
    ------
    ConfigError
        The server has no GDS plugin (checked when the engine is made).
    """

    name = "gds"

    def __init__(self, store) -> None:
        self._store = store
        try:
            rows = store.run("RETURN gds.version() AS v")
        except StoreQueryError as exc:
            raise ConfigError(
                f"--engine gds needs the Graph Data Science plugin on the server of the "
                f"{store.description}, and it has none ({exc}). Install GDS 2.x (the "
                "docker-compose file does), or leave --engine out to run the passes here."
            ) from exc
        self.version = str(rows[0]["v"])

    def weak_components(self, n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self._labels("wcc", n, a, b, None, directed=True)

    def strong_components(self, n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return self._labels("scc", n, a, b, None, directed=True)

    def leiden(self, n, a, b, w, seed, resolution, iterations) -> np.ndarray:
        # GDS's Leiden iterates levels to convergence (maxLevels); ``iterations`` is
        # igraph's notion and has no counterpart here
        del iterations
        return self._labels(
            "leiden", n, a, b, w, directed=False, gamma=float(resolution), seed=int(seed)
        )

    # -- the projection and the stream ---------------------------------------------
    def _labels(self, algo, n, a, b, w, *, directed: bool, **params) -> np.ndarray:
        labels = np.full(n, -1, dtype=np.int64)
        if len(a):
            name = f"guanxi-{algo}-{uuid.uuid4().hex}"
            config = {} if directed else {"undirectedRelationshipTypes": ["*"]}
            weights = np.ones(len(a)) if w is None else np.asarray(w, dtype=np.float64)
            pairs = [
                [int(x), int(y), float(z)]
                for x, y, z in zip(a.tolist(), b.tolist(), weights.tolist(), strict=True)
            ]

            self._store.run(_PROJECT, {"pairs": pairs, "name": name, "config": config})
            try:
                found = self._store.run(_STREAMS[algo], {"name": name, **params})
            finally:
                self._store.run(
                    "CALL gds.graph.drop($name, false) YIELD graphName RETURN graphName",
                    {"name": name},
                )
            if found:
                nodes = np.array([r["node"] for r in found], dtype=np.int64)
                values = np.array([r["label"] for r in found], dtype=np.int64)
                _, compact = np.unique(values, return_inverse=True)
                labels[nodes] = compact
        alone = labels < 0
        start = int(labels.max()) + 1 if len(labels) and labels.max() >= 0 else 0
        labels[alone] = np.arange(start, start + int(alone.sum()), dtype=np.int64)
        return labels
