"""Where the whole-bank graph passes run: in this process, or in the database.

Three passes of an analysis run over the whole bank: weakly connected components (the
exposure groups), strongly connected components (the guarantee circles) and Leiden
(the marketing communities). Everything around them (which edges, which dates, the
exposures, the ids, the files) is the same whichever engine runs them: an engine
takes guanxi's own edge lists, as node numbers ``0..n-1`` with ``a[i] -> b[i]``, and
returns one label per node.

- :data:`IN_PROCESS` (``python``, the default): scipy's sparse components and
  igraph's Leiden, in this process.
- The GDS engine (``gds``, :class:`guanxi.graph.neo4j_gds.GdsEngine`): the same edge
  lists projected into Neo4j Graph Data Science (a Cypher projection), then
  ``gds.wcc``, ``gds.scc`` and ``gds.leiden``. Components are a partition, so both
  engines give the same groups and circles (ids are chosen afterwards, from the
  members). Leiden is randomized and the two implementations differ, so communities
  differ; :func:`modularity` measures both on the same terms.

PageRank (the influence score) stays in this process under either engine: GDS's
PageRank does not hand the score of dangling nodes (the top referrers, who were
referred by no one) back to the graph, so its scores are another measure, not the
influence score guanxi defines (see :mod:`guanxi.algorithms.influence`).
"""

from __future__ import annotations

import random
from typing import Protocol

import numpy as np

from guanxi.errors import ConfigError

from .sparse import csr_from_edges, strongly_connected_labels, weakly_connected_labels

__all__ = ["Engine", "InProcess", "IN_PROCESS", "ENGINES", "modularity", "igraph_leiden"]

#: the engines ``guanxi analyze --engine`` accepts
ENGINES = ("python", "gds")


class Engine(Protocol):
    """The whole-bank passes (see the module docstring)."""

    name: str

    def weak_components(self, n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """One label per node; nodes in one weakly connected component share it."""
        ...

    def strong_components(self, n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """One label per node; nodes in one strongly connected component share it."""
        ...

    def leiden(
        self,
        n: int,
        a: np.ndarray,
        b: np.ndarray,
        w: np.ndarray,
        seed: int,
        resolution: float,
        iterations: int,
    ) -> np.ndarray:
        """One community label per node of the undirected weighted graph."""
        ...


class InProcess:
    """scipy and igraph, in this process."""

    name = "python"

    def weak_components(self, n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return weakly_connected_labels(csr_from_edges(a, b, n))

    def strong_components(self, n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return strongly_connected_labels(csr_from_edges(a, b, n))

    def leiden(self, n, a, b, w, seed, resolution, iterations) -> np.ndarray:
        return igraph_leiden(n, a, b, w, seed, resolution, iterations)


IN_PROCESS = InProcess()


def igraph_leiden(n, a, b, w, seed, resolution, iterations) -> np.ndarray:
    """Leiden maximizing modularity with igraph, seeded: one label per node."""
    try:
        import igraph  # imported here: only this function needs it
    except ImportError as exc:  # pragma: no cover - igraph is a declared dependency
        raise ConfigError(
            "community detection needs the 'igraph' package (pip install 'igraph>=0.11')"
        ) from exc

    g = igraph.Graph(n=n, directed=False)
    # pairs of Python ints, one at a time: igraph reads them faster than numpy rows
    g.add_edges(zip(a.tolist(), b.tolist(), strict=True))
    previous = random  # igraph's default generator is the `random` module
    igraph.set_random_number_generator(random.Random(seed))
    try:
        part = g.community_leiden(
            objective_function="modularity",
            weights=w.tolist(),
            resolution=resolution,
            n_iterations=iterations,
        )
    finally:
        igraph.set_random_number_generator(previous)
    return np.asarray(part.membership, dtype=np.int64)


def modularity(
    membership: np.ndarray, a: np.ndarray, b: np.ndarray, w: np.ndarray, resolution: float = 1.0
) -> float:
    """Newman's modularity of ``membership`` on the undirected weighted graph.

    ``Q = sum over communities c of (W_c / m - resolution * (D_c / 2m) ** 2)``, with
    ``m`` the total edge weight, ``W_c`` the weight of the edges inside ``c`` and
    ``D_c`` the sum of its nodes' weighted degrees (igraph's definition; NaN without
    edges).

    Examples
    --------
    >>> import numpy as np
    >>> a, b, w = np.array([0, 2]), np.array([1, 3]), np.ones(2)
    >>> modularity(np.array([0, 0, 1, 1]), a, b, w)
    0.5
    """
    m = float(np.sum(w))
    if m == 0:
        return float("nan")
    k = int(membership.max()) + 1
    inside = np.bincount(
        membership[a], weights=np.where(membership[a] == membership[b], w, 0.0), minlength=k
    )
    degree = np.bincount(membership[a], weights=w, minlength=k) + np.bincount(
        membership[b], weights=w, minlength=k
    )
    return float(np.sum(inside / m - resolution * (degree / (2 * m)) ** 2))
