"""guanxi.algorithms.sparse against networkx and plain Python."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.algorithms.sparse import (
    csr_from_edges,
    first_nodes,
    id_codes,
    index_ids,
    strongly_connected_labels,
    take_ids,
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
@given(
    st.lists(
        st.lists(st.sampled_from(["x", "y", "z", "w1", "w10", "w2", None]), max_size=8), max_size=4
    )
)
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
    expected = (
        nx.to_numpy_array(g, nodelist=range(n), multigraph_weight=sum) if n else np.zeros((0, 0))
    )
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
        frozenset({0, 1, 2}),
        frozenset({3}),
        frozenset({4}),
    }


@SETTINGS
@given(digraphs())
def test_components_match_networkx(graph):
    n, edges = graph
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_edges_from(edges)
    m = csr_from_edges(
        np.array([u for u, _ in edges], dtype=np.int64),
        np.array([v for _, v in edges], dtype=np.int64),
        n,
    )
    weak = partition(weakly_connected_labels(m))
    strong = partition(strongly_connected_labels(m))
    assert weak == {frozenset(c) for c in nx.weakly_connected_components(g)}
    assert strong == {frozenset(c) for c in nx.strongly_connected_components(g)}


# ----------------------------------------------------------------------------- fast paths
# index_ids reads short ids as integers (digits parsed by Arrow, or bytes packed into a
# mixed-radix number); whatever the path, the answer is the sorted union of the ids.

_ALPHABET = "019aAzZ-_ é中\x00~"
_ids = st.text(alphabet=_ALPHABET, max_size=12)


def _python_index(arrays):
    expected = sorted({v for arr in arrays for v in arr if v is not None})
    where = {v: i for i, v in enumerate(expected)}
    return expected, [[where[v] if v is not None else -1 for v in arr] for arr in arrays]


def _check(arrays, *, as_series=True):
    inputs = [pd.Series(a, dtype="str") if as_series else a for a in arrays]
    index, codes = index_ids(*inputs)
    expected, expected_codes = _python_index(arrays)
    assert list(index) == expected
    assert index.dtype == "str"
    assert [c.tolist() for c in codes] == expected_codes
    assert all(c.dtype == np.int64 for c in codes)
    count, only = id_codes(*inputs)
    assert count == len(expected)
    assert [c.tolist() for c in only] == expected_codes


@SETTINGS
@given(st.lists(st.lists(st.one_of(st.none(), _ids), max_size=10), min_size=1, max_size=4))
def test_index_ids_any_strings_match_python(arrays):
    _check(arrays)


@SETTINGS
@given(
    st.integers(1, 18),
    st.lists(
        st.lists(st.one_of(st.none(), st.integers(0, 10**18 - 1)), max_size=10),
        min_size=1,
        max_size=3,
    ),
)
def test_index_ids_digit_ids_of_one_width(width, numbers):
    limit = 10**width
    arrays = [[None if x is None else str(x % limit).zfill(width) for x in arr] for arr in numbers]
    _check(arrays)


def test_index_ids_digits_not_one_width_or_signed():
    _check([["10", "9", "100", "09"]])
    _check([["+1", "-1", "01", "00"]])
    _check([["", "0", "00"]])
    _check([["１２", "12"]])  # full-width digits are not ASCII digits


def test_index_ids_long_and_varied_ids_take_the_general_path():
    rng = np.random.default_rng(0)
    long_ids = ["x" * 40 + str(i) for i in range(50)]
    _check([long_ids[::-1], long_ids[:10]])
    # many distinct bytes at every position: too many combinations for 62 bits
    letters = np.array(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    varied = ["".join(rng.choice(letters, 14)) for _ in range(200)]
    _check([varied, varied[::3]])


def test_index_ids_sparse_keys_sort_instead_of_table():
    # few ids spread over a huge key space (digits of width 15): the sort-based numbering
    rng = np.random.default_rng(1)
    ids = [str(x).zfill(15) for x in rng.integers(0, 10**15, 300)]
    _check([ids, ids[:7], [None, ids[3]]])


def test_index_ids_chunked_sliced_and_python_strings():
    chunked = pa.chunked_array(
        [
            pa.array(["b", None, "a"], pa.large_string()),
            pa.array(["zz", "a", "q"], pa.large_string()).slice(1),
        ]
    )
    series = pd.Series(pd.arrays.ArrowStringArray(chunked))
    index, (codes, other) = index_ids(series, pd.Series(["x", "c"], dtype="str").iloc[1:])
    assert list(index) == ["a", "b", "c", "q"]
    assert codes.tolist() == [1, -1, 0, 0, 3] and other.tolist() == [2]
    python = pd.Series(["b", None, "a"], dtype=pd.StringDtype("python", na_value=np.nan))
    index, (codes, other) = index_ids(python, pd.Series(["b", "a"], dtype="str")[1:])
    assert list(index) == ["a", "b"] and codes.tolist() == [1, -1, 0] and other.tolist() == [0]


def test_index_ids_arrow_arrays_without_chunks():
    nothing = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([], type=pa.large_string())))
    index, (codes,) = index_ids(nothing)
    assert len(index) == 0 and index.dtype == "str" and codes.size == 0
    index, (codes, other) = index_ids(nothing, pd.Series(["b", "a"], dtype="str"))
    assert list(index) == ["a", "b"] and codes.size == 0 and other.tolist() == [1, 0]
    count, (codes,) = id_codes(nothing)
    assert count == 0 and codes.size == 0


def test_index_ids_reuses_an_input_that_is_the_index():
    customers = pd.Series(["a1", "a2", "b7"], dtype="str")
    index, (own, other) = index_ids(customers, ["b7", "a1"])
    assert list(index) == ["a1", "a2", "b7"] and index.dtype == "str"
    assert own.tolist() == [0, 1, 2] and other.tolist() == [2, 0]


def test_id_codes_and_take_ids():
    assert id_codes() == (0, [])
    count, (codes,) = id_codes(pd.Series([], dtype="str"))
    assert count == 0 and codes.size == 0 and codes.dtype == np.int64
    index = pd.Index(["a", "b", "c"], dtype="str")
    taken = take_ids(index, np.array([2, 0, 0]))
    assert taken.tolist() == ["c", "a", "a"] and taken.dtype == "str"
    assert isinstance(taken.index, pd.RangeIndex)
    assert take_ids(index, np.array([], dtype=np.int64)).dtype == "str"
    objects = pd.Index(["x", "y"], dtype=object)
    assert take_ids(objects, [1]).tolist() == ["y"] and take_ids(objects, [1]).dtype == "str"


def test_first_nodes():
    assert first_nodes(np.array([2, 0, 2, 1, 0])).tolist() == [1, 3, 0]
    assert first_nodes(np.array([1, 1])).tolist() == [2, 0]  # label 0 unused
    assert first_nodes(np.array([], dtype=np.int64)).size == 0


def test_docstring_examples():
    import doctest

    from guanxi.algorithms import sparse as module

    assert doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0
