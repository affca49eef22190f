"""guanxi.algorithms.communities: the social edges against a plain itertools build,
the partition against networkx (modularity, connectivity, Louvain's quality)."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.algorithms.communities import (
    DEFAULT_REASON_WEIGHTS,
    Communities,
    _pair_order,
    communities,
    social_edges,
)
from guanxi.errors import ConfigError, InvalidInput
from guanxi.graph.schema import Entity, empty_frame

SETTINGS = settings(max_examples=30, deadline=None)
ids = st.sampled_from([f"u{i:02d}" for i in range(15)])


@st.composite
def registers(draw):
    referrals = draw(st.lists(st.tuples(ids, ids), max_size=12))
    households = draw(
        st.lists(st.tuples(st.sampled_from(["h1", "h2", "h3", "h4"]), ids), max_size=14)
    )
    accounts = draw(
        st.lists(
            st.tuples(st.sampled_from([f"a{i}" for i in range(8)]), ids),
            max_size=8,
            unique_by=lambda r: r[0],
        )
    )
    holders = draw(
        st.lists(st.tuples(st.sampled_from([f"a{i}" for i in range(10)]), ids), max_size=10)
    )
    return (
        pd.DataFrame(referrals, columns=["referrer_id", "referee_id"], dtype="str"),
        pd.DataFrame(households, columns=["household_id", "customer_id"], dtype="str"),
        pd.DataFrame(accounts, columns=["account_id", "customer_id"], dtype="str"),
        pd.DataFrame(holders, columns=["account_id", "customer_id"], dtype="str"),
    )


def reference_edges(referrals, households, accounts, holders, weights, max_group):
    reasons: dict[tuple[str, str], set[str]] = {}

    def link(a, b, why):
        if a != b:
            reasons.setdefault((min(a, b), max(a, b)), set()).add(why)

    for a, b in zip(referrals["referrer_id"], referrals["referee_id"], strict=True):
        link(a, b, "referral")
    for frame, why in (
        (households.rename(columns={"household_id": "g"}), "household"),
        (pd.concat([accounts, holders]).rename(columns={"account_id": "g"}), "joint_account"),
    ):
        for _, group in frame.groupby("g"):
            members = sorted(set(group["customer_id"]))
            if len(members) <= max_group:
                for a, b in itertools.combinations(members, 2):
                    link(a, b, why)
            else:
                for b in members[1:]:
                    link(members[0], b, why)
    return {
        pair: (sum(weights[w] for w in why), ";".join(sorted(why))) for pair, why in reasons.items()
    }


@SETTINGS
@given(registers(), st.integers(2, 4))
def test_social_edges_match_reference(frames, max_group):
    weights = {"referral": 1.0, "household": 2.5, "joint_account": 0.5}
    got = social_edges(*frames, weights=weights, max_group=max_group)
    want = reference_edges(*frames, weights, max_group)
    assert list(got.columns) == ["a", "b", "weight", "reasons"]
    assert (got["a"] < got["b"]).all()
    assert list(zip(got["a"], got["b"], strict=True)) == sorted(want)
    for a, b, w, why in got.itertuples(index=False):
        assert w == pytest.approx(want[(a, b)][0])
        assert why == want[(a, b)][1]
    assert got["a"].dtype == "str" and got["reasons"].dtype == "str"
    assert got["weight"].dtype == np.float64


def test_social_edges_example():
    referrals = pd.DataFrame({"referrer_id": ["b"], "referee_id": ["a"]})
    households = pd.DataFrame({"household_id": ["h", "h", "h"], "customer_id": ["a", "b", "c"]})
    accounts = pd.DataFrame({"account_id": ["x", "y"], "customer_id": ["a", "d"]})
    holders = pd.DataFrame({"account_id": ["x", "x"], "customer_id": ["c", "a"]})
    got = social_edges(referrals, households, accounts, holders)
    assert got.to_dict("list") == {
        "a": ["a", "a", "b"],
        "b": ["b", "c", "c"],
        "weight": [2.0, 2.0, 1.0],
        "reasons": ["household;referral", "household;joint_account", "household"],
    }
    assert DEFAULT_REASON_WEIGHTS == {"referral": 1.0, "household": 1.0, "joint_account": 1.0}


def test_social_edges_empty_and_errors():
    for got in (
        social_edges(),
        social_edges(
            empty_frame(Entity.REFERRALS),
            empty_frame(Entity.HOUSEHOLDS),
            empty_frame(Entity.ACCOUNTS),
            empty_frame(Entity.ACCOUNT_HOLDERS),
        ),
    ):
        assert got.empty and list(got.columns) == ["a", "b", "weight", "reasons"]
    with pytest.raises(ConfigError):
        social_edges(weights={"friendship": 1.0})
    with pytest.raises(ConfigError):
        social_edges(weights={"referral": -1.0})
    with pytest.raises(ConfigError):
        social_edges(max_group=1)
    with pytest.raises(InvalidInput):
        social_edges(households=pd.DataFrame({"customer_id": ["a"]}))


def planted(cliques=8, size=6):
    """Cliques joined in a ring by single edges: the partition to recover."""
    rows = []
    for c in range(cliques):
        members = [f"p{c:02d}{i}" for i in range(size)]
        rows += list(itertools.combinations(members, 2))
        rows.append((members[0], f"p{(c + 1) % cliques:02d}1"))
    return pd.DataFrame(rows, columns=["a", "b"])


def as_graph(edges):
    g = nx.Graph()
    for a, b, w in zip(
        edges["a"],
        edges["b"],
        edges["weight"] if "weight" in edges else [1.0] * len(edges),
        strict=True,
    ):
        if a != b:
            g.add_edge(a, b, weight=(g[a][b]["weight"] if g.has_edge(a, b) else 0.0) + w)
    return g


def blocks(members):
    return {frozenset(g["customer_id"]) for _, g in members.groupby("community_id")}


def test_planted_cliques_recovered():
    edges = planted()
    found = communities(edges, seed=0)
    assert isinstance(found, Communities)
    want = {frozenset(f"p{c:02d}{i}" for i in range(6)) for c in range(8)}
    assert blocks(found.members) == want
    assert found.summary["size"].tolist() == [6] * 8
    assert found.summary["internal_weight"].tolist() == [15.0] * 8
    # ids are the smallest member
    for cid, group in found.members.groupby("community_id"):
        assert cid == min(group["customer_id"])


def test_deterministic_and_order_free():
    g = nx.random_partition_graph([30, 40, 50, 20], 0.3, 0.02, seed=4)
    edges = pd.DataFrame([(f"n{a:03d}", f"n{b:03d}") for a, b in g.edges], columns=["a", "b"])
    one = communities(edges, seed=3)
    two = communities(edges, seed=3)
    shuffled = communities(
        edges.sample(frac=1, random_state=9)[["b", "a"]].rename(columns={"b": "a", "a": "b"}),
        seed=3,
    )
    pd.testing.assert_frame_equal(one.members, two.members)
    pd.testing.assert_frame_equal(one.members, shuffled.members)
    pd.testing.assert_frame_equal(one.summary, shuffled.summary)
    assert one.modularity == two.modularity


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([0.5, 1.0, 2.0]))
def test_quality_against_networkx(graph_seed, resolution):
    rng = np.random.default_rng(graph_seed)
    sizes = rng.integers(5, 25, size=rng.integers(2, 6)).tolist()
    g = nx.random_partition_graph(sizes, 0.4, 0.03, seed=graph_seed)
    for a, b in g.edges:
        g[a][b]["weight"] = float(rng.integers(1, 4))
    edges = pd.DataFrame(
        [(f"v{a:03d}", f"v{b:03d}", d["weight"]) for a, b, d in g.edges(data=True)],
        columns=["a", "b", "weight"],
    )
    found = communities(edges, seed=0, resolution=resolution)
    h = as_graph(edges)
    parts = [set(s) for s in blocks(found.members)]
    assert set().union(*parts) == set(h.nodes)
    q = nx.community.modularity(h, parts, weight="weight", resolution=resolution)
    assert found.modularity == pytest.approx(q, abs=1e-9)
    louvain = nx.community.louvain_communities(h, weight="weight", resolution=resolution, seed=0)
    q_louvain = nx.community.modularity(h, louvain, weight="weight", resolution=resolution)
    assert q >= q_louvain - 0.02
    for part in parts:  # Leiden's guarantee: every community is connected
        assert nx.is_connected(h.subgraph(part))
    internal = {
        cid: sum(d["weight"] for _, _, d in h.subgraph(group["customer_id"]).edges(data=True))
        for cid, group in found.members.groupby("community_id")
    }
    assert dict(
        zip(found.summary["community_id"], found.summary["internal_weight"], strict=True)
    ) == pytest.approx(internal)


def test_resolution_changes_granularity():
    edges = planted(cliques=12, size=4)
    coarse = communities(edges, resolution=0.05)
    fine = communities(edges, resolution=1.0)
    assert len(coarse.summary) < len(fine.summary)


def test_nodes_without_edges_and_empty():
    found = communities(pd.DataFrame({"a": ["x"], "b": ["y"]}), nodes=["z", "x"])
    assert found.members.to_dict("list") == {
        "customer_id": ["x", "y", "z"],
        "community_id": ["x", "x", "z"],
    }
    assert found.summary.to_dict("list") == {
        "community_id": ["x", "z"],
        "size": [2, 1],
        "internal_weight": [1.0, 0.0],
    }
    empty = communities(
        pd.DataFrame({"a": pd.Series([], dtype="str"), "b": pd.Series([], dtype="str")})
    )
    assert empty.members.empty and empty.summary.empty and np.isnan(empty.modularity)
    lonely = communities(pd.DataFrame({"a": ["s"], "b": ["s"]}))  # a self-loop only
    assert lonely.members["community_id"].tolist() == ["s"]


def test_bad_input_raises():
    edges = pd.DataFrame({"a": ["x"], "b": ["y"], "weight": [1.0]})
    with pytest.raises(ConfigError):
        communities(edges, resolution=0.0)
    with pytest.raises(ConfigError):
        communities(edges, iterations=0)
    with pytest.raises(ConfigError):
        communities(edges.assign(weight=-1.0))
    with pytest.raises(InvalidInput):
        communities(pd.DataFrame({"a": ["x"]}))


def test_igraph_generator_restored():
    import random

    import igraph

    igraph.set_random_number_generator(random)
    random.seed(123)
    expected = random.random()
    random.seed(123)
    communities(planted(), seed=5)
    assert random.random() == expected  # our call drew nothing from the global generator


def test_docstring_examples():
    import doctest

    from guanxi.algorithms import communities as module

    assert doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def test_social_edges_missing_ids_link_nobody():
    referrals = pd.DataFrame({"referrer_id": ["a", None], "referee_id": ["b", "c"]}, dtype="str")
    households = pd.DataFrame(
        {"household_id": ["h", "h", None, None, "g"], "customer_id": ["c", None, "d", "e", "f"]},
        dtype="str",
    )
    accounts = pd.DataFrame({"account_id": ["x", None], "customer_id": ["d", "e"]}, dtype="str")
    holders = pd.DataFrame({"account_id": ["x", "x"], "customer_id": [None, "f"]}, dtype="str")
    got = social_edges(referrals, households, accounts, holders)
    assert got.to_dict("list") == {
        "a": ["a", "d"],
        "b": ["b", "f"],
        "weight": [1.0, 1.0],
        "reasons": ["referral", "joint_account"],
    }


@SETTINGS
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), max_size=30))
def test_pair_order_is_lexsort(pairs):
    lo = np.array([p for p, _ in pairs], dtype=np.int64)
    hi = np.array([q for _, q in pairs], dtype=np.int64)
    assert _pair_order(lo, hi, 6).tolist() == np.lexsort((hi, lo)).tolist()
