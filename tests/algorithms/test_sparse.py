"""guanxi.algorithms.sparse against networkx and plain Python."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.algorithms.sparse import (
    csr_from_edges,
    index_ids,
    strongly_connected_labels,
    weakly_connected_labels,
)

SETTINGS = settings(max_examples=60, deadline=None)


def partition(labels) -> set[frozenset[int]]:
    out: dict[int, set[int]] = {}
    for node, label in enumerate(labels):
        out.setdefault(int(label), set()).add(node)
    return {frozenset(s) for s in out.values()}


@st.composite
def digraphs(draw, max_nodes=15):
    n = draw(st.integers(0, max_nodes))
    if n == 0:
        return 0, []
    edges = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=40))
    return n, edges


# ----------------------------------------------------------------------------- index_ids


def test_index_ids_sorted_union_and_codes():
    index, (a, b) = index_ids(pd.Series(["c", "a", None], dtype="str"), ["b", "a"])
    assert list(index) == ["a", "b", "c"]
    assert index.dtype == "str"
    assert a.tolist() == [2, 0, -1]
    assert b.tolist() == [1, 0]
    assert a.dtype == np.int64


def test_index_ids_string_order_not_numeric():
    index, (codes,) = index_ids(["10", "9", "100"])
    assert list(index) == ["10", "100", "9"]
    assert codes.tolist() == [0, 2, 1]


def test_index_ids_empty():
    index, codes = index_ids()
    assert len(index) == 0 and codes == []
    index, (codes,) = index_ids(pd.Series([], dtype="str"))
    assert len(index) == 0 and codes.dtype == np.int64 and codes.size == 0


def test_index_ids_ignores_series_index():
    s = pd.Series(["b", "a"], index=[10, 3], dtype="str")
    _, (codes,) = index_ids(s)
    assert codes.tolist() == [1, 0]


@SETTINGS
@given(st.lists(st.lists(st.sampled_from(["x", "y", "z", "w1", "w10", "w2", None]), max_size=8),
                max_size=4))
def test_index_ids_matches_python(arrays):
    index, codes = index_ids(*arrays)
    expected = sorted({v for arr in arrays for v in arr if v is not None})
    assert list(index) == expected
    for arr, c in zip(arrays, codes, strict=True):
        assert c.tolist() == [expected.index(v) if v is not None else -1 for v in arr]


# ----------------------------------------------------------------------------- csr_from_edges


def test_csr_duplicates_summed_and_weights():
    m = csr_from_edges(np.array([0, 0, 1]), np.array([1, 1, 2]), 3, weights=[1.0, 2.5, 4.0])
    assert isinstance(m, sp.csr_array)
    assert m.toarray().tolist() == [[0, 3.5, 0], [0, 0, 4.0], [0, 0, 0]]


def test_csr_symmetric():
    m = csr_from_edges(np.array([0]), np.array([2]), 3, symmetric=True)
    assert m.toarray().tolist() == [[0, 0, 1], [0, 0, 0], [1, 0, 0]]


def test_csr_empty_and_zero_nodes():
    m = csr_from_edges(np.array([], dtype=np.int64), np.array([], dtype=np.int64), 0)
    assert m.shape == (0, 0)
    m = csr_from_edges([], [], 4)
    assert m.shape == (4, 4) and m.nnz == 0


@pytest.mark.parametrize(
    ("src", "dst", "n", "kw"),
    [
        ([0, 1], [1], 2, {}),
        ([0], [2], 2, {}),
        ([-1], [0], 2, {}),
        ([0], [1], -1, {}),
        ([0], [1], 2, {"weights": [1.0, 2.0]}),
    ],
)
def test_csr_raises(src, dst, n, kw):
    with pytest.raises(ValueError):
        csr_from_edges(np.array(src), np.array(dst), n, **kw)


@SETTINGS
@given(digraphs())
def test_csr_matches_networkx(graph):
    n, edges = graph
    src = np.array([u for u, _ in edges], dtype=np.int64)
    dst = np.array([v for _, v in edges], dtype=np.int64)
    m = csr_from_edges(src, dst, n)
    g = nx.MultiDiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    expected = nx.to_numpy_array(g, nodelist=range(n), multigraph_weight=sum) if n else np.zeros((0, 0))
    assert np.array_equal(m.toarray(), expected)


# ----------------------------------------------------------------------------- components


def test_components_single_node_and_empty():
    one = csr_from_edges([], [], 1)
    assert weakly_connected_labels(one).tolist() == [0]
    assert strongly_connected_labels(one).tolist() == [0]
    empty = csr_from_edges([], [], 0)
    assert weakly_connected_labels(empty).size == 0
    assert strongly_connected_labels(empty).size == 0


def test_components_non_square_raises():
    with pytest.raises(ValueError):
        weakly_connected_labels(sp.csr_array((2, 3)))
    with pytest.raises(ValueError):
        strongly_connected_labels(sp.csr_array((2, 3)))


def test_components_hand_graph():
    # 0 -> 1 -> 2 -> 0 is strong; 3 -> 0 hangs on weakly; 4 alone
    m = csr_from_edges(np.array([0, 1, 2, 3]), np.array([1, 2, 0, 0]), 5)
    assert partition(weakly_connected_labels(m)) == {frozenset({0, 1, 2, 3}), frozenset({4})}
    assert partition(strongly_connected_labels(m)) == {
        frozenset({0, 1, 2}), frozenset({3}), frozenset({4})
    }


@SETTINGS
@given(digraphs())
def test_components_match_networkx(graph):
    n, edges = graph
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    m = csr_from_edges(np.array([u for u, _ in edges], dtype=np.int64),
                       np.array([v for _, v in edges], dtype=np.int64), n)
    weak = partition(weakly_connected_labels(m))
    strong = partition(strongly_connected_labels(m))
    assert weak == {frozenset(c) for c in nx.weakly_connected_components(g)}
    assert strong == {frozenset(c) for c in nx.strongly_connected_components(g)}
