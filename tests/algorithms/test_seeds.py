"""guanxi.algorithms.seeds: CELF against brute-force greedy on the same worlds (built
with networkx), the Monte Carlo interval against the exact expected spread, and the
Beta-prior estimator against a plain-Python computation."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.algorithms.referrals import referral_forest
from guanxi.algorithms.seeds import (
    _build_worlds,
    _coins,
    _world_key,
    campaign_seeds,
    referral_probabilities,
)
from guanxi.errors import ConfigError, InvalidInput, NotFound
from guanxi.graph.schema import Entity, empty_frame

SETTINGS = settings(max_examples=15, deadline=None)
COLUMNS = [
    "rank",
    "customer_id",
    "marginal_gain",
    "expected_reach",
    "ci_low",
    "ci_high",
    "p_refer",
    "direct",
    "cascade",
    "cost",
]


@st.composite
def banks(draw, max_nodes=14):
    n = draw(st.integers(2, max_nodes))
    names = draw(st.permutations([f"s{i:02d}" for i in range(n)]))
    parents = [draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None for i in range(n)]
    joined = [
        draw(st.sampled_from(["2023-01-10", "2023-06-01", "2024-05-20", None])) for _ in range(n)
    ]
    pairs = [(names[p], names[i]) for i, p in enumerate(parents) if p is not None]
    dates = [draw(st.sampled_from(["2024-01-03", "2024-02-11", "2024-06-30", None])) for _ in pairs]
    customers = pd.DataFrame(
        {"customer_id": pd.Series(names, dtype="str"), "joined_on": pd.Series(joined, dtype="str")}
    )
    referrals = pd.DataFrame(
        {
            "referrer_id": pd.Series([a for a, _ in pairs], dtype="str"),
            "referee_id": pd.Series([b for _, b in pairs], dtype="str"),
            "referred_on": pd.Series(dates, dtype="str"),
        }
    )
    return customers, referrals


def world_graphs(customers, referrals, runs, seed):
    """One networkx graph per world, with the edges live in that world."""
    forest = referral_forest(customers, referrals)
    p = referral_probabilities(customers, referrals)["p"].to_numpy()
    worlds = _build_worlds(forest, p, runs, seed)
    m = forest.matrix()
    edges = [
        (forest.ids[u], forest.ids[m.indices[e]])
        for u in range(forest.n)
        for e in range(m.indptr[u], m.indptr[u + 1])
    ]
    graphs = []
    for r in range(runs):
        g = nx.DiGraph()
        g.add_nodes_from(forest.ids)
        g.add_edges_from(e for e, live in zip(edges, worlds.live(r), strict=True) if live)
        graphs.append(g)
    return graphs


def brute_force_greedy(graphs, pool, k):
    def total(seeds):
        return sum(len(set(seeds).union(*(nx.descendants(g, s) for s in seeds))) for g in graphs)

    chosen, gains, current = [], [], 0
    for _ in range(k):
        best = None
        for c in sorted(pool):
            if c in chosen:
                continue
            t = total([*chosen, c])
            if best is None or t > best[0]:
                best = (t, c)
        if best is None or best[0] - current == 0:
            break
        chosen.append(best[1])
        gains.append(best[0] - current)
        current = best[0]
    return chosen, gains


@SETTINGS
@given(banks(), st.integers(1, 4), st.integers(0, 3))
def test_celf_equals_brute_force_greedy(bank, k, seed):
    customers, referrals = bank
    runs = 40
    got = campaign_seeds(
        customers, referrals, k=k, simulations=runs, seed=seed, candidates=customers["customer_id"]
    )
    graphs = world_graphs(customers, referrals, runs, seed)
    chosen, gains = brute_force_greedy(graphs, list(customers["customer_id"]), k)
    assert got["customer_id"].tolist() == chosen
    np.testing.assert_allclose(got["marginal_gain"], np.array(gains) / runs)
    np.testing.assert_allclose(got["expected_reach"], np.cumsum(gains) / runs)


def exact_spread(customers, referrals, seeds):
    """E[reached] on a forest: each customer is reached when every tie on the path from
    the nearest seed above (or itself) is live."""
    p = dict(
        zip(
            *referral_probabilities(customers, referrals)[["customer_id", "p"]]
            .to_dict("list")
            .values(),
            strict=True,
        )
    )
    g = nx.DiGraph()
    g.add_nodes_from(p)
    g.add_edges_from(zip(referrals["referrer_id"], referrals["referee_id"], strict=True))
    total = 0.0
    for v in g.nodes:
        prob, node = 1.0, v
        while node not in seeds:
            up = list(g.predecessors(node))
            if not up:
                prob = 0.0
                break
            prob *= p[up[0]]
            node = up[0]
        total += prob
    return total


def big_bank(n=400, seed=7):
    rng = np.random.default_rng(seed)
    names = [f"b{i:04d}" for i in range(n)]
    parent = [None] + [
        int(rng.integers(0, max(1, i // 3))) if rng.random() < 0.8 else None for i in range(1, n)
    ]
    customers = pd.DataFrame(
        {
            "customer_id": names,
            "joined_on": [f"20{20 + i % 5}-0{1 + i % 9}-01" for i in range(n)],
        }
    )
    pairs = [(names[q], names[i]) for i, q in enumerate(parent) if q is not None]
    referrals = pd.DataFrame(
        {
            "referrer_id": [a for a, _ in pairs],
            "referee_id": [b for _, b in pairs],
            "referred_on": [f"2024-{1 + i % 12:02d}-15" for i in range(len(pairs))],
        }
    )
    return customers, referrals


def test_interval_contains_the_exact_expected_reach():
    customers, referrals = big_bank()
    got = campaign_seeds(customers, referrals, k=5, simulations=2000, seed=11)
    assert len(got) == 5
    for i in range(5):
        seeds = set(got["customer_id"].iloc[: i + 1])
        exact = exact_spread(customers, referrals, seeds)
        assert got["ci_low"].iloc[i] <= exact <= got["ci_high"].iloc[i], (i, exact)
        assert got["expected_reach"].iloc[i] == pytest.approx(exact, rel=0.03)


def test_interval_coverage_over_seeds():
    customers, referrals = big_bank(200, seed=3)
    covered = 0
    for seed in range(20):
        got = campaign_seeds(customers, referrals, k=2, simulations=300, seed=seed)
        exact = exact_spread(customers, referrals, set(got["customer_id"]))
        covered += got["ci_low"].iloc[-1] <= exact <= got["ci_high"].iloc[-1]
    assert covered >= 15  # 95% nominal; 15 of 20 fails with probability < 0.3%


def test_deterministic_with_seed_and_input_order():
    customers, referrals = big_bank(300)
    a = campaign_seeds(customers, referrals, k=4, simulations=200, seed=5)
    b = campaign_seeds(
        customers.sample(frac=1, random_state=1),
        referrals.sample(frac=1, random_state=2),
        k=4,
        simulations=200,
        seed=5,
    )
    pd.testing.assert_frame_equal(a, b)
    c = campaign_seeds(customers, referrals, k=4, simulations=200, seed=6)
    assert not np.allclose(a["expected_reach"], c["expected_reach"])
    assert list(a.columns) == COLUMNS
    assert a["rank"].tolist() == [1, 2, 3, 4]
    assert (np.diff(a["marginal_gain"]) <= 1e-12).all()  # submodular, greedy order


def test_candidates_exclude_and_pool():
    customers, referrals = big_bank(300)
    base = campaign_seeds(customers, referrals, k=3, simulations=100)
    top = base["customer_id"].iloc[0]
    without = campaign_seeds(customers, referrals, k=3, simulations=100, exclude=[top])
    assert top not in set(without["customer_id"])
    only = campaign_seeds(customers, referrals, k=3, simulations=100, candidates=["b0150", "b0001"])
    assert set(only["customer_id"]) <= {"b0150", "b0001"}
    small_pool = campaign_seeds(customers, referrals, k=10, simulations=50, pool_size=2)
    assert small_pool.attrs["pool"] <= 4 and len(small_pool) <= 4
    with pytest.raises(NotFound):
        campaign_seeds(customers, referrals, k=1, candidates=["nobody"])
    # a mistyped id to leave out is an error naming it, not silently ignored
    with pytest.raises(NotFound, match="exclude: customer b0l50 not found"):
        campaign_seeds(customers, referrals, k=1, exclude=[top, "b0l50"])


def test_budget_and_costs():
    customers, referrals = big_bank(300)
    base = campaign_seeds(customers, referrals, k=3, simulations=100)
    costs = pd.Series({base["customer_id"].iloc[0]: 5.0})
    got = campaign_seeds(customers, referrals, k=10, simulations=100, budget=4.0, costs=costs)
    assert got["cost"].sum() <= 4.0
    assert base["customer_id"].iloc[0] not in set(got["customer_id"])
    unit = campaign_seeds(customers, referrals, k=10, simulations=100, budget=2.0)
    assert len(unit) == 2
    with pytest.raises(ConfigError):
        campaign_seeds(customers, referrals, k=1, costs=pd.Series({"b0001": 0.0}))


def test_empty_and_edge_cases():
    got = campaign_seeds(empty_frame(Entity.CUSTOMERS), empty_frame(Entity.REFERRALS), k=3)
    assert got.empty and list(got.columns) == COLUMNS
    customers = pd.DataFrame({"customer_id": ["a"], "joined_on": ["2024-01-01"]})
    assert campaign_seeds(customers, empty_frame(Entity.REFERRALS), k=2).empty
    customers, referrals = big_bank(50)
    assert campaign_seeds(customers, referrals, k=0).empty
    one = campaign_seeds(customers, referrals, k=1, simulations=1)
    assert one["ci_low"].iloc[0] == one["ci_high"].iloc[0] == one["expected_reach"].iloc[0]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"k": -1},
        {"k": 1, "simulations": 0},
        {"k": 1, "pool_size": 0},
        {"k": 1, "budget": -1.0},
        {"k": 1, "prior_strength": 0.0},
        {"k": 1, "as_of": "yesterday"},
    ],
)
def test_bad_options_raise(kwargs):
    customers, referrals = big_bank(20)
    with pytest.raises(ConfigError):
        campaign_seeds(customers, referrals, **kwargs)


def test_invalid_referrals_raise():
    customers = pd.DataFrame({"customer_id": ["a", "b"]})
    with pytest.raises(InvalidInput):
        campaign_seeds(customers, pd.DataFrame({"referrer_id": ["a"], "referee_id": ["a"]}), k=1)


# --- the estimator ------------------------------------------------------------------


def months(date):
    return int(date[:4]) * 12 + int(date[5:7]) - 1


@SETTINGS
@given(banks())
def test_probabilities_match_plain_python(bank):
    customers, referrals = bank
    got = referral_probabilities(customers, referrals)
    dates = [
        d
        for d in list(customers["joined_on"]) + list(referrals["referred_on"])
        if isinstance(d, str)
    ]
    end = max(months(d) for d in dates) if dates else None
    joined = {
        c: months(d)
        for c, d in zip(customers["customer_id"], customers["joined_on"], strict=True)
        if isinstance(d, str)
    }
    exposure = {c: max(end - j + 1, 1) for c, j in joined.items()} if end is not None else {}
    fill = float(np.median(list(exposure.values()))) if exposure else 12.0
    ids = sorted(customers["customer_id"])
    expo = {c: exposure.get(c, max(round(fill), 1)) for c in ids}
    succ = {}
    for c in ids:
        rows = referrals[referrals["referrer_id"] == c]
        dated = {months(d) for d in rows["referred_on"] if isinstance(d, str)}
        undated = int(rows["referred_on"].isna().sum())
        succ[c] = min(len(dated) + undated, expo[c])
    mu = sum(succ.values()) / sum(expo.values())
    mu = min(max(mu, 1e-9), 1 - 1e-9)
    a, b = 12 * mu, 12 * (1 - mu)
    assert got["customer_id"].tolist() == ids
    assert got["exposure"].tolist() == [expo[c] for c in ids]
    assert got["successes"].tolist() == [succ[c] for c in ids]
    np.testing.assert_allclose(got["p"], [(succ[c] + a) / (expo[c] + a + b) for c in ids])
    assert got.attrs["prior"] == pytest.approx((a, b))
    assert ((got["p"] > 0) & (got["p"] < 1)).all()


def test_probabilities_example_and_shrinkage():
    customers = pd.DataFrame(
        {
            "customer_id": ["old", "new", "x", "y", "z"],
            "joined_on": ["2020-01-01", "2024-12-01", "2024-01-01", "2024-01-01", "2024-01-01"],
        }
    )
    referrals = pd.DataFrame(
        {
            "referrer_id": ["old", "old", "old", "new"],
            "referee_id": ["x", "y", "z", "a"],
            "referred_on": ["2021-03-01", "2021-03-20", "2022-07-01", "2024-12-05"],
        }
    )
    got = referral_probabilities(customers, referrals, prior=(1.0, 9.0), as_of="2024-12-31")
    row = got.set_index("customer_id")
    assert row.loc["old", "exposure"] == 60 and row.loc["old", "successes"] == 2
    assert row.loc["new", "exposure"] == 1 and row.loc["new", "successes"] == 1
    assert row.loc["new", "p"] == pytest.approx(2 / 11)  # not 1: the prior pulls it in
    assert row.loc["old", "p"] == pytest.approx(3 / 70)
    assert got.attrs["as_of"] == "2024-12"
    earlier = referral_probabilities(customers, referrals, prior=(1.0, 9.0), as_of="2021-12-31")
    row = earlier.set_index("customer_id")
    assert row.loc["old", "exposure"] == 24 and row.loc["old", "successes"] == 1
    assert row.loc["new", "exposure"] == 1 and row.loc["new", "successes"] == 0
    with pytest.raises(ConfigError):
        referral_probabilities(customers, referrals, prior=(0.0, 1.0))


def test_coins_are_uniform_and_fixed():
    key = _world_key(0)
    worlds = np.repeat(np.arange(200), 500)
    edges = np.tile(np.arange(500), 200)
    u = _coins(key, worlds, edges)
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.005 and abs((u < 0.1).mean() - 0.1) < 0.005
    np.testing.assert_array_equal(u, _coins(key, worlds, edges))
    assert not np.array_equal(u, _coins(_world_key(1), worlds, edges))
    # neighbouring worlds and edges are not correlated
    grid = u.reshape(200, 500)
    assert abs(np.corrcoef(grid[:, :-1].ravel(), grid[:, 1:].ravel())[0, 1]) < 0.02
    assert abs(np.corrcoef(grid[:-1].ravel(), grid[1:].ravel())[0, 1]) < 0.02
    assert math.isclose(float(np.var(u)), 1 / 12, rel_tol=0.02)


def test_docstring_examples():
    import doctest

    from guanxi.algorithms import seeds as module

    assert doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0
