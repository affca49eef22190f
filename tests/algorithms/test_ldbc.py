"""PageRank and weakly connected components on the LDBC Graphalytics validation graphs.

The graphs, the expected outputs and the parameters are copied unchanged from the
ldbc/ldbc_graphalytics repository (see tests/data/ldbc/LICENSE-NOTE.md). LDBC accepts
a PageRank result when every vertex is within a relative error of 1e-4
(``PageRankValidationTest``), and a WCC result when it induces the same partition.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from guanxi.algorithms.pagerank import pagerank, pagerank_fixed_iterations
from guanxi.algorithms.sparse import csr_from_edges, weakly_connected_labels

DATA = Path(__file__).resolve().parent.parent / "data" / "ldbc"
LDBC_EPSILON = 1e-4
GRAPHS = ["example-directed", "example-undirected"]


def properties(name: str) -> dict[str, str]:
    out = {}
    for line in (DATA / f"{name}.properties").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key.strip().removeprefix(f"graph.{name}.")] = value.strip()
    return out


def vertices(name: str) -> list[int]:
    """The vertex ids: the first field of each line of the adjacency-list input file
    (the ``.v`` file itself is not in the stored copy of the repository)."""
    lines = (DATA / f"{name}-input").read_text().split("\n")
    return [int(line.split()[0]) for line in lines if line.strip()]


def edges(name: str) -> list[tuple[int, int]]:
    lines = (DATA / f"{name}.e").read_text().split("\n")
    return [(int(line.split()[0]), int(line.split()[1])) for line in lines if line.strip()]


def expected(name: str, algorithm: str) -> dict[int, float]:
    lines = (DATA / f"{name}-{algorithm}").read_text().split("\n")
    return {int(line.split()[0]): float(line.split()[1]) for line in lines if line.strip()}


def load(name: str):
    props = properties(name)
    ids = vertices(name)
    pos = {v: i for i, v in enumerate(ids)}
    e = edges(name)
    src = np.array([pos[u] for u, _ in e], dtype=np.int64)
    dst = np.array([pos[v] for _, v in e], dtype=np.int64)
    directed = props["directed"] == "true"
    m = csr_from_edges(src, dst, len(ids), symmetric=not directed)
    return props, ids, m


@pytest.mark.parametrize("name", GRAPHS)
def test_files_match_their_properties(name):
    props, ids, m = load(name)
    assert len(ids) == int(props["meta.vertices"])
    assert len(edges(name)) == int(props["meta.edges"])
    assert set(expected(name, "PR")) == set(ids) == set(expected(name, "WCC"))


@pytest.mark.parametrize("name", GRAPHS)
def test_pagerank_within_ldbc_epsilon(name):
    props, ids, m = load(name)
    got = pagerank_fixed_iterations(
        m, alpha=float(props["pr.damping-factor"]), iterations=int(props["pr.num-iterations"])
    )
    want = expected(name, "PR")
    for i, v in enumerate(ids):
        deviation = (got[i] - want[v]) / want[v]
        assert abs(deviation) <= LDBC_EPSILON, (name, v, got[i], want[v])


@pytest.mark.parametrize("name", GRAPHS)
def test_pagerank_fixed_iterations_is_not_the_converged_value(name):
    # two iterations are far from the fixed point: the check above is not vacuous
    props, ids, m = load(name)
    converged = pagerank(m, alpha=float(props["pr.damping-factor"]), weight=False).scores
    want = np.array([expected(name, "PR")[v] for v in ids])
    assert np.abs(converged - want).max() > 10 * LDBC_EPSILON * want.min()


@pytest.mark.parametrize("name", GRAPHS)
def test_wcc_partition_equals_expected(name):
    _, ids, m = load(name)
    labels = weakly_connected_labels(m)
    want = expected(name, "WCC")

    def partition(label_of):
        groups: dict = {}
        for v in ids:
            groups.setdefault(label_of(v), set()).add(v)
        return {frozenset(g) for g in groups.values()}

    pos = {v: i for i, v in enumerate(ids)}
    assert partition(lambda v: int(labels[pos[v]])) == partition(lambda v: int(want[v]))
    # LDBC labels a component by its smallest vertex id
    for v in ids:
        members = [u for u in ids if labels[pos[u]] == labels[pos[v]]]
        assert min(members) == want[v]
