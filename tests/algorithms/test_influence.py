"""guanxi.algorithms.influence against networkx PageRank and the forest closed form; its
money (``aum``, ``downstream_aum``) against the Decimal reference (``money_reference``)."""

from __future__ import annotations

import math
from decimal import Decimal

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from money_reference import amounts, round_once

from guanxi.algorithms.influence import customer_value, influencers
from guanxi.algorithms.pagerank import PageRankResult
from guanxi.algorithms.referrals import referral_reach
from guanxi.errors import ConfigError, InvalidInput
from guanxi.graph.schema import Entity, empty_frame
from guanxi.money import money_type

SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def banks(draw, max_nodes=25):
    n = draw(st.integers(1, max_nodes))
    names = draw(st.permutations([f"k{i:02d}" for i in range(n)]))
    parents = [draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None for i in range(n)]
    aum = [draw(st.one_of(st.none(), amounts(10**7))) for _ in range(n)]
    customers = pd.DataFrame(
        {"customer_id": pd.Series(names, dtype="str"), "aum": pd.Series(aum, dtype=object)}
    )
    pairs = [(names[p], names[i]) for i, p in enumerate(parents) if p is not None]
    referrals = pd.DataFrame(
        {
            "referrer_id": pd.Series([a for a, _ in pairs], dtype="str"),
            "referee_id": pd.Series([b for _, b in pairs], dtype="str"),
        }
    )
    return customers, referrals


def rounded_aum(customers) -> dict[str, Decimal | None]:
    """Each customer's aum, rounded half up once to the minor unit (None: unknown)."""
    return {
        c: None if a is None else round_once(Decimal(a), 2)
        for c, a in zip(customers["customer_id"], customers["aum"], strict=True)
    }


def value_of(customers):
    """The teleport weight of the contract, ``1 + log1p(aum)``, on the rounded aum."""
    return {
        c: 1.0 if a is None else 1.0 + math.log1p(float(a))
        for c, a in rounded_aum(customers).items()
    }


def reversed_graph(customers, referrals):
    g = nx.DiGraph()
    g.add_nodes_from(customers["customer_id"])
    g.add_edges_from(zip(referrals["referee_id"], referrals["referrer_id"], strict=True))
    return g


@SETTINGS
@given(banks(), st.sampled_from([0.5, 0.85]))
def test_scores_match_networkx_pagerank(bank, alpha):
    customers, referrals = bank
    ranking, result = influencers(customers, referrals, alpha=alpha, tol=1e-14)
    assert result.converged
    value = value_of(customers)
    ref = nx.pagerank(
        reversed_graph(customers, referrals),
        alpha=alpha,
        personalization=value,
        tol=1e-15,
        max_iter=10_000,
    )
    for cid, score in zip(ranking["customer_id"], ranking["score"], strict=True):
        assert score == pytest.approx(ref[cid], abs=1e-10)
    assert result.scores.sum() == pytest.approx(1.0)


@SETTINGS
@given(banks())
def test_uniform_teleport_matches_networkx(bank):
    customers, referrals = bank
    ranking, _ = influencers(customers, referrals, teleport="uniform", tol=1e-14)
    ref = nx.pagerank(reversed_graph(customers, referrals), tol=1e-15, max_iter=10_000)
    for cid, score in zip(ranking["customer_id"], ranking["score"], strict=True):
        assert score == pytest.approx(ref[cid], abs=1e-10)


@SETTINGS
@given(banks())
def test_closed_form_on_a_forest(bank):
    """score(u) = c * sum over u and its cascade of alpha**generation * value."""
    customers, referrals = bank
    alpha = 0.85
    ranking, result = influencers(customers, referrals, alpha=alpha, tol=1e-14)
    if ranking.empty:
        return
    g = nx.DiGraph()
    g.add_nodes_from(customers["customer_id"])
    g.add_edges_from(zip(referrals["referrer_id"], referrals["referee_id"], strict=True))
    value = value_of(customers)
    total = sum(value.values())
    closed = {
        u: sum(
            alpha**d * value[w] / total
            for w, d in nx.single_source_shortest_path_length(g, u).items()
        )
        for u in ranking["customer_id"]
    }
    ratio = ranking["score"].to_numpy() / np.array([closed[u] for u in ranking["customer_id"]])
    np.testing.assert_allclose(ratio, ratio[0], rtol=1e-8)
    # ... and the constant is (1 - alpha) + alpha * (rank held by the dangling nodes)
    roots = [u for u in g.nodes if g.in_degree(u) == 0]
    scores = dict(zip(sorted(g.nodes), result.scores, strict=True))
    assert ratio[0] == pytest.approx((1 - alpha) + alpha * sum(scores[u] for u in roots), rel=1e-8)
    # cascade_share is the part not explained by the customer's own value
    own = ratio[0] * np.array([value[u] / total for u in ranking["customer_id"]])
    np.testing.assert_allclose(ranking["cascade_share"], 1 - own / ranking["score"], atol=1e-9)


@SETTINGS
@given(banks())
def test_ranking_order_and_evidence(bank):
    customers, referrals = bank
    ranking, _ = influencers(customers, referrals)
    reach = referral_reach(customers, referrals)
    assert sorted(ranking["customer_id"]) == reach["customer_id"].tolist()
    assert ranking["rank"].tolist() == list(range(1, len(ranking) + 1))
    # best first; equal scores by customer_id
    key = list(zip((-ranking["score"]).round(15).tolist(), ranking["customer_id"], strict=True))
    for (s1, c1), (s2, c2) in zip(key, key[1:], strict=False):
        assert s1 < s2 + 1e-12 and (abs(s1 - s2) > 1e-13 or c1 < c2)
    merged = ranking.merge(reach, on="customer_id", suffixes=("", "_reach"))
    for col in ("direct", "cascade", "depth", "downstream_aum", "generations"):
        assert merged[col].tolist() == merged[f"{col}_reach"].tolist()
    assert ranking["aum"].dtype == pd.ArrowDtype(money_type(2))
    assert ranking["downstream_aum"].dtype == pd.ArrowDtype(money_type(2))
    own = rounded_aum(customers)
    got = [None if pd.isna(a) else a for a in ranking["aum"]]
    assert got == [own[c] for c in ranking["customer_id"]]  # exact, missing when unknown
    assert ((ranking["cascade_share"] >= 0) & (ranking["cascade_share"] < 1)).all()


def test_ties_broken_by_customer_id():
    customers = pd.DataFrame({"customer_id": ["b", "a", "d", "c"], "aum": [5.0, 5.0, 1.0, 1.0]})
    referrals = pd.DataFrame({"referrer_id": ["b", "a"], "referee_id": ["d", "c"]})
    ranking, _ = influencers(customers, referrals)
    assert ranking["customer_id"].tolist() == ["a", "b"]
    assert ranking["score"].iloc[0] == pytest.approx(ranking["score"].iloc[1])


def test_value_counts_through_the_cascade():
    # same structure; the richer referee makes its referrer the bigger influencer
    customers = pd.DataFrame({"customer_id": list("abcd"), "aum": ["0", "0", "1000000", "10"]})
    referrals = pd.DataFrame({"referrer_id": ["a", "b"], "referee_id": ["c", "d"]})
    ranking, _ = influencers(customers, referrals)
    assert ranking["customer_id"].tolist() == ["a", "b"]
    # two direct referees beat a chain of two: a later generation counts alpha times less
    customers = pd.DataFrame({"customer_id": list("abcdef"), "aum": [0.0] * 6})
    referrals = pd.DataFrame(
        {"referrer_id": ["b", "b", "a", "e"], "referee_id": ["c", "d", "e", "f"]}
    )
    ranking, _ = influencers(customers, referrals)
    # b: 1 + .85 + .85 = 2.70;  a: 1 + .85 + .85**2 = 2.57;  e: 1 + .85 = 1.85
    assert ranking["customer_id"].tolist() == ["b", "a", "e"]
    scores = ranking["score"].to_numpy()
    np.testing.assert_allclose(scores / scores[2], [2.70 / 1.85, 2.5725 / 1.85, 1.0])


def test_customer_value():
    np.testing.assert_allclose(
        customer_value([0.0, np.nan, -5.0, np.e - 1, 1e6]),
        [1.0, 1.0, 1.0, 2.0, 1.0 + math.log1p(1e6)],
    )


def test_empty_and_single():
    ranking, result = influencers(empty_frame(Entity.CUSTOMERS), empty_frame(Entity.REFERRALS))
    assert ranking.empty and list(ranking.columns)[:3] == ["customer_id", "rank", "score"]
    assert isinstance(result, PageRankResult) and result.scores.size == 0
    lone = pd.DataFrame({"customer_id": ["a"], "aum": [3.0]})
    ranking, result = influencers(lone, empty_frame(Entity.REFERRALS))
    assert ranking.empty and result.scores.tolist() == [1.0]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"alpha": 1.0},
        {"alpha": -0.5},
        {"teleport": "aum"},
        {"alpha": float("nan")},
        {"tol": 0.0},
        {"max_iter": 0},
    ],
)
def test_bad_options_raise(kwargs):
    customers = pd.DataFrame({"customer_id": ["a", "b"], "aum": [1.0, 2.0]})
    referrals = pd.DataFrame({"referrer_id": ["a"], "referee_id": ["b"]})
    with pytest.raises(ConfigError):
        influencers(customers, referrals, **kwargs)


def test_invalid_referrals_raise():
    customers = pd.DataFrame({"customer_id": ["a", "b"]})
    with pytest.raises(InvalidInput):
        influencers(customers, pd.DataFrame({"referrer_id": ["a", "b"], "referee_id": ["b", "a"]}))


def test_docstring_examples():
    import doctest

    from guanxi.algorithms import influence as module

    assert doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def test_money_columns_exact_and_generations_whole():
    """``aum`` and ``downstream_aum`` are exact decimals rounded once per customer
    (4.005 -> 4.01, 2.0049 -> 2.00); ``generations`` is never cut."""
    ids = [f"n{i:02d}" for i in range(13)]
    customers = pd.DataFrame({"customer_id": ids, "aum": ["4.005", "2.0049"] + ["1"] * 11})
    referrals = pd.DataFrame({"referrer_id": ids[:-1], "referee_id": ids[1:]})
    ranking, _ = influencers(customers, referrals)
    top = ranking.set_index("customer_id").loc["n00"]
    assert top["aum"] == Decimal("4.01")
    assert top["downstream_aum"] == Decimal("13.00")  # 2.00 + 11 x 1.00
    assert top["generations"] == ";".join(["1"] * 12)
    assert ranking.set_index("customer_id").loc["n01", "aum"] == Decimal("2.00")
