"""guanxi.algorithms.pagerank against networkx and a plain-Python LDBC reference."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.algorithms.pagerank import (
    PageRankNotConverged,
    PageRankResult,
    pagerank,
    pagerank_fixed_iterations,
)
from guanxi.errors import ConfigError

SETTINGS = settings(max_examples=40, deadline=None)


@st.composite
def weighted_digraphs(draw, max_nodes=25):
    n = draw(st.integers(1, max_nodes))
    edges = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1), st.integers(0, n - 1), st.floats(0.1, 10.0, allow_nan=False)
            ),
            max_size=4 * n,
            unique_by=lambda e: (e[0], e[1]),
        )
    )
    return n, edges


def to_matrix(n, edges):
    if not edges:
        return sp.csr_array((n, n))
    src, dst, w = zip(*edges, strict=True)
    return sp.csr_array((np.array(w), (np.array(src), np.array(dst))), shape=(n, n))


def to_nx(n, edges):
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(edges)
    return g


def nx_scores(g, n, **kw):
    ref = nx.pagerank(g, tol=1e-14, max_iter=10_000, **kw)
    return np.array([ref[i] for i in range(n)])


@SETTINGS
@given(weighted_digraphs(), st.sampled_from([0.0, 0.5, 0.85, 0.99]))
def test_matches_networkx_weighted(graph, alpha):
    n, edges = graph
    r = pagerank(to_matrix(n, edges), alpha=alpha, tol=1e-13, max_iter=100_000)
    assert r.converged
    assert r.scores.sum() == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(r.scores, nx_scores(to_nx(n, edges), n, alpha=alpha), atol=1e-9)


@SETTINGS
@given(weighted_digraphs())
def test_matches_networkx_unweighted(graph):
    n, edges = graph
    r = pagerank(to_matrix(n, edges), weight=False, tol=1e-13)
    np.testing.assert_allclose(r.scores, nx_scores(to_nx(n, edges), n, weight=None), atol=1e-9)


@SETTINGS
@given(weighted_digraphs(), st.data())
def test_personalization_and_dangling_match_networkx(graph, data):
    n, edges = graph
    pers = data.draw(st.lists(st.floats(0.0, 5.0), min_size=n, max_size=n))
    dang = data.draw(st.lists(st.floats(0.0, 5.0), min_size=n, max_size=n))
    pers[0] += 1.0  # a positive sum
    dang[-1] += 1.0
    r = pagerank(to_matrix(n, edges), personalization=pers, dangling=dang, tol=1e-13)
    ref = nx_scores(
        to_nx(n, edges),
        n,
        personalization=dict(enumerate(pers)),
        dangling=dict(enumerate(dang)),
    )
    np.testing.assert_allclose(r.scores, ref, atol=1e-9)


def test_tolerance_is_not_scaled_by_n():
    # networkx stops when the L1 change < tol * n: with n * tol >= 2 that is after the
    # first iteration, whatever the graph. Our tolerance is absolute.
    n = 20_000
    g = nx.gnm_random_graph(n, 60_000, seed=3, directed=True)
    m = nx.to_scipy_sparse_array(g, nodelist=range(n), format="csr")
    truth = pagerank(m, tol=1e-13).scores
    ours = pagerank(m, tol=1e-4)
    quick = nx.pagerank(g, tol=1e-4)  # n * tol = 2
    hasty = np.array([quick[i] for i in range(n)])
    assert ours.converged and ours.iterations > 5
    assert np.abs(ours.scores - truth).sum() < 1e-3
    assert np.abs(hasty - truth).sum() > 10 * np.abs(ours.scores - truth).sum()


def test_reports_non_convergence():
    m = to_matrix(3, [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0), (0, 2, 1.0)])
    r = pagerank(m, max_iter=2, tol=1e-15)
    assert isinstance(r, PageRankResult)
    assert (r.iterations, r.converged) == (2, False)
    assert r.delta > 1e-15
    assert r.scores.sum() == pytest.approx(1.0)
    with pytest.raises(PageRankNotConverged) as err:
        pagerank(m, max_iter=2, tol=1e-15, raise_on_failure=True)
    assert err.value.result.iterations == 2


def test_iterations_and_delta_reported():
    m = to_matrix(4, [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 0, 1.0), (0, 2, 1.0)])
    r = pagerank(m, tol=1e-10)
    assert r.converged and r.delta < 1e-10 and r.iterations > 1
    # the L1 map is an alpha-contraction: about log(tol)/log(alpha) iterations at most
    assert r.iterations <= int(np.ceil(np.log(1e-10) / np.log(0.85))) + 2


def test_empty_graph():
    r = pagerank(sp.csr_array((0, 0)))
    assert r.scores.shape == (0,)
    assert (r.iterations, r.converged, r.delta) == (0, True, 0.0)
    assert pagerank_fixed_iterations(sp.csr_array((0, 0)), iterations=3).shape == (0,)


def test_single_node():
    r = pagerank(sp.csr_array((1, 1)))
    assert r.scores.tolist() == [1.0]
    assert r.converged
    selfloop = pagerank(sp.csr_array(np.array([[2.0]])))
    assert selfloop.scores.tolist() == [1.0]


@pytest.mark.parametrize("alpha", [-0.1, 1.0, 1.5, float("nan")])
def test_alpha_out_of_range(alpha):
    with pytest.raises(ConfigError):
        pagerank(sp.csr_array((2, 2)), alpha=alpha)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tol": 0.0},
        {"tol": -1.0},
        {"max_iter": 0},
        {"personalization": [1.0]},
        {"personalization": [0.0, 0.0]},
        {"personalization": [1.0, -1.0]},
        {"dangling": [np.nan, 1.0]},
        {"nstart": [1.0, 2.0, 3.0]},
    ],
)
def test_bad_options_raise(kwargs):
    with pytest.raises(ConfigError):
        pagerank(sp.csr_array(np.eye(2)), **kwargs)


def test_bad_matrices_raise():
    with pytest.raises(ConfigError):
        pagerank(sp.csr_array((2, 3)))
    with pytest.raises(ConfigError):
        pagerank(sp.csr_array(np.array([[0.0, -1.0], [1.0, 0.0]])))
    with pytest.raises(ConfigError):
        pagerank_fixed_iterations(sp.csr_array((2, 3)), iterations=1)
    with pytest.raises(ConfigError):
        pagerank_fixed_iterations(sp.csr_array((2, 2)), alpha=1.2, iterations=1)
    with pytest.raises(ConfigError):
        pagerank_fixed_iterations(sp.csr_array((2, 2)), iterations=-1)


def ldbc_reference(n, edges, alpha, iterations):
    """The LDBC Graphalytics PR definition, literally, in plain Python."""
    out = {v: [] for v in range(n)}
    for u, v in edges:
        out[u].append(v)
    pr = {v: 1.0 / n for v in range(n)}
    for _ in range(iterations):
        sink = sum(pr[v] for v in range(n) if not out[v])
        new = {v: (1 - alpha) / n + alpha * sink / n for v in range(n)}
        for u in range(n):
            for v in out[u]:
                new[v] += alpha * pr[u] / len(out[u])
        pr = new
    return np.array([pr[v] for v in range(n)])


@SETTINGS
@given(weighted_digraphs(), st.integers(0, 30), st.sampled_from([0.0, 0.5, 0.85, 1.0]))
def test_fixed_iterations_matches_definition(graph, iterations, alpha):
    n, edges = graph
    pairs = [(u, v) for u, v, _ in edges]
    got = pagerank_fixed_iterations(to_matrix(n, edges), alpha=alpha, iterations=iterations)
    np.testing.assert_allclose(got, ldbc_reference(n, pairs, alpha, iterations), atol=1e-12)


def test_fixed_iterations_converges_to_pagerank():
    g = nx.gnm_random_graph(50, 150, seed=1, directed=True)
    m = nx.to_scipy_sparse_array(g, nodelist=range(50), format="csr")
    fixed = pagerank_fixed_iterations(m, alpha=0.85, iterations=300)
    np.testing.assert_allclose(fixed, pagerank(m, weight=False, tol=1e-14).scores, atol=1e-12)


def test_docstring_examples():
    import doctest

    from guanxi.algorithms import pagerank as module

    assert doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def plain_power_iteration(
    matrix,
    *,
    alpha=0.85,
    personalization=None,
    dangling=None,
    weight=True,
    tol=1e-10,
    max_iter=1000,
):
    """The textbook loop on the full transposed transition matrix, the way the product
    first computed it: the reference for the leaner loop, to the last bit."""
    m = sp.csr_array(matrix, dtype=np.float64)
    n = m.shape[0]
    if not weight:
        m = m.copy()
        m.data = np.ones_like(m.data)
    out = np.asarray(m.sum(axis=1)).ravel()
    is_dangling = out <= 0
    inv = np.zeros_like(out)
    inv[~is_dangling] = 1.0 / out[~is_dangling]
    wt = sp.csr_array((sp.diags_array(inv) @ m).T)
    v = (
        np.full(n, 1.0 / n)
        if personalization is None
        else np.asarray(personalization) / np.sum(personalization)
    )
    g = v if dangling is None else np.asarray(dangling) / np.sum(dangling)
    x, dangling_idx, teleport = v.copy(), np.flatnonzero(is_dangling), (1.0 - alpha) * v
    iterations, delta = 0, float("inf")
    while iterations < max_iter:
        iterations += 1
        lost = x[dangling_idx].sum()
        new = alpha * (wt @ x)
        new += (alpha * lost) * g
        new += teleport
        delta = float(np.abs(new - x).sum())
        x = new
        if delta < tol:
            break
    return x / x.sum(), iterations, delta


@SETTINGS
@given(weighted_digraphs(), st.sampled_from([0.5, 0.85]), st.booleans(), st.data())
def test_same_bits_as_the_plain_power_iteration(graph, alpha, weight, data):
    n, edges = graph
    pers = data.draw(st.lists(st.floats(0.0, 5.0), min_size=n, max_size=n))
    pers[0] += 1.0
    m = to_matrix(n, edges)
    r = pagerank(m, alpha=alpha, personalization=pers, weight=weight, tol=1e-12)
    scores, iterations, delta = plain_power_iteration(
        m, alpha=alpha, personalization=pers, weight=weight, tol=1e-12
    )
    assert np.array_equal(r.scores, scores)
    assert (r.iterations, r.delta) == (iterations, delta)


def test_same_bits_with_repeated_and_unsorted_entries():
    # not in canonical form (row 0 repeats column 1, rows 0 and 2 are unsorted; row 3 is
    # dangling): the general transition
    messy = sp.csr_array(
        (
            np.array([1.9, 1.0, 2.5, 0.7, 0.1, 0.3]),
            np.array([2, 1, 1, 2, 1, 0]),
            np.array([0, 3, 4, 6, 6]),
        ),
        shape=(4, 4),
    )
    assert not messy.has_canonical_format
    r = pagerank(messy, tol=1e-14)
    scores, iterations, delta = plain_power_iteration(messy, tol=1e-14)
    assert np.array_equal(r.scores, scores)
    assert (r.iterations, r.delta) == (iterations, delta)
