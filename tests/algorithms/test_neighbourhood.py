"""guanxi.algorithms.neighbourhood against networkx (ego_graph with radius = hops)."""

from __future__ import annotations

import doctest

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import guanxi.algorithms.neighbourhood as neighbourhood_mod
from guanxi.algorithms.neighbourhood import (
    Neighbourhood,
    edge_adjacency,
    edge_type_mask,
    hop_neighbourhood,
    incident_edges,
    induced_edges,
)

SETTINGS = settings(max_examples=80, deadline=None)
N_TYPES = 3


@st.composite
def typed_graphs(draw, max_nodes=14):
    """A numbered multigraph (parallel edges and self-loops allowed) with a type per
    edge, a start node and a set of allowed types."""
    n = draw(st.integers(1, max_nodes))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=40))
    types = draw(st.lists(st.integers(0, N_TYPES - 1), min_size=len(pairs), max_size=len(pairs)))
    start = draw(st.integers(0, n - 1))
    allowed = draw(st.lists(st.booleans(), min_size=N_TYPES, max_size=N_TYPES))
    return n, pairs, np.array(types, dtype=np.int8), start, allowed


def oracle(n, pairs, keep=None) -> nx.MultiGraph:
    """The graph as networkx sees it: edge ``e`` has key ``e``; only kept edges."""
    g = nx.MultiGraph()
    g.add_nodes_from(range(n))
    for e, (u, v) in enumerate(pairs):
        if keep is None or keep[e]:
            g.add_edge(u, v, key=e)
    return g


def arrays(pairs):
    src = np.array([u for u, _ in pairs], dtype=np.int32)
    dst = np.array([v for _, v in pairs], dtype=np.int32)
    return src, dst


@SETTINGS
@given(typed_graphs(), st.integers(0, 4))
def test_nodes_levels_and_induced_edges_equal_networkx(graph, hops):
    n, pairs, types, start, allowed = graph
    adj = edge_adjacency(*arrays(pairs), n)
    edge_ok = edge_type_mask(types, allowed)
    g = oracle(n, pairs, keep=edge_ok)

    found = hop_neighbourhood(adj, start, hops=hops, edge_ok=edge_ok)

    ego = nx.ego_graph(g, start, radius=hops)
    assert sorted(found.nodes.tolist()) == sorted(ego.nodes)
    assert len(set(found.nodes.tolist())) == len(found.nodes)
    distance = nx.single_source_shortest_path_length(g, start, cutoff=hops)
    assert dict(zip(found.nodes.tolist(), found.levels.tolist(), strict=True)) == distance
    # in order found: by hop, then by node number; the start first
    order = list(zip(found.levels.tolist(), found.nodes.tolist(), strict=True))
    assert order == sorted(order) and found.nodes[0] == start
    assert not found.truncated and found.omitted == 0
    # the edges of the ego graph are the allowed edges with both ends inside
    assert induced_edges(adj, found.nodes, edge_ok).tolist() == sorted(k for _, _, k in ego.edges)


@SETTINGS
@given(typed_graphs(), st.integers(0, 4))
def test_no_filter_follows_every_edge(graph, hops):
    n, pairs, _, start, _ = graph
    adj = edge_adjacency(*arrays(pairs), n)
    g = oracle(n, pairs)
    found = hop_neighbourhood(adj, start, hops=hops)
    assert sorted(found.nodes.tolist()) == sorted(nx.ego_graph(g, start, radius=hops).nodes)
    everything = np.arange(n)
    assert induced_edges(adj, everything).tolist() == list(range(len(pairs)))


@SETTINGS
@given(typed_graphs(), st.integers(0, 4), st.integers(1, 15))
def test_a_limit_keeps_the_first_nodes_in_search_order(graph, hops, limit):
    n, pairs, types, start, allowed = graph
    adj = edge_adjacency(*arrays(pairs), n)
    edge_ok = edge_type_mask(types, allowed)
    distance = nx.single_source_shortest_path_length(
        oracle(n, pairs, keep=edge_ok), start, cutoff=hops
    )
    everything = sorted((level, node) for node, level in distance.items())

    found = hop_neighbourhood(adj, start, hops=hops, edge_ok=edge_ok, limit=limit)

    expected = everything[:limit]
    assert list(zip(found.levels.tolist(), found.nodes.tolist(), strict=True)) == expected
    assert found.truncated == (len(everything) > limit)
    if found.truncated:
        cut = everything[limit][0]  # the hop the limit cut
        at_cut = sum(1 for level, _ in everything if level == cut)
        assert found.omitted == at_cut - sum(1 for level, _ in expected if level == cut)
    else:
        assert found.omitted == 0


def test_the_null_graph():
    adj = edge_adjacency(np.array([], dtype=np.int32), np.array([], dtype=np.int32), 0)
    assert adj.shape == (0, 0) and adj.nnz == 0
    with pytest.raises(ValueError, match="null graph"):
        hop_neighbourhood(adj, 0, hops=1)
    assert induced_edges(adj, np.zeros(0, dtype=np.int64)).tolist() == []
    assert edge_type_mask(np.zeros(0, dtype=np.int8), [True]).tolist() == []


def test_a_graph_without_edges():
    adj = edge_adjacency([], [], 3)
    found = hop_neighbourhood(adj, 2, hops=3)
    assert isinstance(found, Neighbourhood) and not found.truncated and found.omitted == 0
    assert found.nodes.tolist() == [2] and found.levels.tolist() == [0]
    assert sorted(nx.ego_graph(oracle(3, []), 2, radius=3).nodes) == [2]
    assert [a.tolist() for a in incident_edges(adj, np.array([0, 1, 2]))] == [[], []]


def test_zero_hops_is_the_start_alone():
    adj = edge_adjacency([0], [1], 2)
    assert hop_neighbourhood(adj, 1, hops=0).nodes.tolist() == [1]


def test_node_numbers_keep_their_width():
    src, dst = arrays([(0, 1), (1, 2)])
    adj = edge_adjacency(src, dst, 3)
    assert adj.data.dtype == np.int32  # edge numbers in 32 bits while they fit


@pytest.mark.parametrize(
    ("src", "dst", "n", "message"),
    [
        ([0, 1], [1], 2, "differ in length"),
        ([0, 2], [1, 1], 2, "outside"),
        ([-1], [0], 2, "outside"),
        ([0.0], [1.0], 2, "integer"),
        ([0], [1], -1, "at least 0"),
    ],
)
def test_bad_edges_raise(src, dst, n, message):
    with pytest.raises(ValueError, match=message):
        edge_adjacency(src, dst, n)


@pytest.mark.parametrize(
    ("start", "hops", "limit", "message"),
    [
        (3, 1, None, "not in the graph"),
        (-1, 1, None, "not in the graph"),
        (0, -1, None, "hops"),
        (0, 1, 0, "limit"),
    ],
)
def test_bad_searches_raise(start, hops, limit, message):
    adj = edge_adjacency([0, 1], [1, 2], 3)
    with pytest.raises(ValueError, match=message):
        hop_neighbourhood(adj, start, hops=hops, limit=limit)


def test_the_docstring_examples_run():
    assert doctest.testmod(neighbourhood_mod).failed == 0
