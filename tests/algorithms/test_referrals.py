"""guanxi.algorithms.referrals against networkx on random referral forests; downstream
AUM against the Decimal reference (``money_reference``): each customer's aum rounded
half up once to the minor unit, then summed exactly."""

from __future__ import annotations

from decimal import Decimal

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from money_reference import amounts, round_once

from guanxi.algorithms.referrals import (
    aggregate,
    cascade_tree,
    generation_counts,
    k_factor_by_cohort,
    referral_forest,
    referral_reach,
    unique_sorted,
)
from guanxi.errors import ConfigError, InvalidInput, NotFound
from guanxi.graph.schema import Entity, canonical_frame, empty_frame
from guanxi.money import Reporting, money_type

SETTINGS = settings(max_examples=40, deadline=None)
REACH_COLUMNS = ["customer_id", "direct", "cascade", "depth", "downstream_aum", "generations"]
CNY = pd.ArrowDtype(money_type(2))


@st.composite
def forests(draw, max_nodes=30, digits=2):
    """Customers and a referral forest on them; ids shuffled so that id order and
    tree order differ; some aum missing; a few referral ids absent from customers.
    ``aum_of`` is each id's aum as the reference reads it: rounded half up once to
    ``digits`` decimals, 0 when missing."""
    n = draw(st.integers(1, max_nodes))
    names = draw(st.permutations([f"c{i:02d}" for i in range(n)]))
    parents = [draw(st.one_of(st.none(), st.integers(0, i - 1))) if i else None for i in range(n)]
    aum = [draw(st.one_of(st.none(), amounts())) for _ in range(n)]
    hidden = draw(st.sets(st.integers(0, n - 1), max_size=2))  # not in customers
    customers = canonical_frame(
        Entity.CUSTOMERS,
        pd.DataFrame(
            {
                "customer_id": [names[i] for i in range(n) if i not in hidden],
                "kind": ["person"] * (n - len(hidden)),
                "aum": [aum[i] for i in range(n) if i not in hidden],
                "joined_on": ["2024-01-15"] * (n - len(hidden)),
            }
        ),
    )
    pairs = [(names[p], names[i]) for i, p in enumerate(parents) if p is not None]
    referrals = canonical_frame(
        Entity.REFERRALS,
        pd.DataFrame(
            {"referrer_id": [a for a, _ in pairs], "referee_id": [b for _, b in pairs]},
            dtype=object,
        ),
    )
    aum_of = {
        names[i]: round_once(Decimal("0" if (aum[i] is None or i in hidden) else aum[i]), digits)
        for i in range(n)
    }
    return customers, referrals, aum_of


def reference_reach(referrals, aum_of):
    g = nx.DiGraph()
    g.add_edges_from(zip(referrals["referrer_id"], referrals["referee_id"], strict=True))
    rows = []
    for u in sorted(g.nodes):
        if g.out_degree(u) == 0:
            continue
        dist = nx.single_source_shortest_path_length(g, u)
        down = nx.descendants(g, u)
        depth = max(dist.values())
        gens = [sum(1 for d in dist.values() if d == k) for k in range(1, depth + 1)]
        rows.append(
            {
                "customer_id": u,
                "direct": g.out_degree(u),
                "cascade": len(down),
                "depth": depth,
                "downstream_aum": sum((aum_of[v] for v in down), Decimal(0)),
                "generations": ";".join(map(str, gens)),
            }
        )
    return pd.DataFrame(rows, columns=REACH_COLUMNS)


@SETTINGS
@given(
    st.sampled_from(["CNY", "JPY", "KWD"]).flatmap(
        lambda c: st.tuples(st.just(c), forests(digits=Reporting(c).digits))
    )
)
def test_reach_matches_networkx(case):
    code, (customers, referrals, aum_of) = case
    got = referral_reach(customers, referrals, reporting=Reporting(code))
    want = reference_reach(referrals, aum_of)
    assert list(got.columns) == REACH_COLUMNS
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    for col in ("direct", "cascade", "depth"):
        assert got[col].tolist() == want[col].tolist(), col
    assert got["downstream_aum"].dtype == pd.ArrowDtype(money_type(Reporting(code).digits))
    assert got["downstream_aum"].tolist() == want["downstream_aum"].tolist()  # exactly
    assert got["generations"].tolist() == want["generations"].tolist()


@SETTINGS
@given(forests())
def test_generations_spell_every_generation(data):
    """One count per generation down to ``depth``, never cut: they add up to the
    cascade, and the first is the direct referees."""
    customers, referrals, _ = data
    got = referral_reach(customers, referrals)
    for direct, cascade, depth, gens in zip(
        got["direct"], got["cascade"], got["depth"], got["generations"], strict=True
    ):
        counts = [int(c) for c in gens.split(";")]
        assert len(counts) == depth
        assert sum(counts) == cascade and counts[0] == direct
        assert all(c > 0 for c in counts)


@SETTINGS
@given(forests(), st.randoms(use_true_random=False))
def test_row_order_and_repeats_do_not_matter(data, rnd):
    customers, referrals, _ = data
    base = referral_reach(customers, referrals)
    shuffled = referrals.sample(frac=1.0, random_state=rnd.randint(0, 2**31))
    doubled = pd.concat([shuffled, shuffled.head(3)], ignore_index=True)
    again = referral_reach(customers.iloc[::-1], doubled)
    pd.testing.assert_frame_equal(base, again)


def test_dtypes_and_example():
    customers = pd.DataFrame({"customer_id": list("abcde"), "aum": [1.0, 2.0, np.nan, 4.0, 8.0]})
    referrals = pd.DataFrame(
        {"referrer_id": ["a", "a", "b", "d"], "referee_id": ["b", "c", "d", "e"]}
    )
    got = referral_reach(customers, referrals)
    assert got.to_dict("list") == {
        "customer_id": ["a", "b", "d"],
        "direct": [2, 1, 1],
        "cascade": [4, 2, 1],
        "depth": [3, 2, 1],
        "downstream_aum": [Decimal("14.00"), Decimal("12.00"), Decimal("8.00")],
        "generations": ["2;1;1", "1;1", "1"],
    }
    assert got["customer_id"].dtype == "str"
    assert got["generations"].dtype == "str"
    assert all(got[c].dtype == np.int64 for c in ("direct", "cascade", "depth"))
    assert got["downstream_aum"].dtype == CNY


def test_empty_inputs():
    got = referral_reach(empty_frame(Entity.CUSTOMERS), empty_frame(Entity.REFERRALS))
    assert list(got.columns) == REACH_COLUMNS and len(got) == 0
    assert got["downstream_aum"].dtype == CNY
    customers = pd.DataFrame({"customer_id": ["a"], "aum": [5.0]})
    assert len(referral_reach(customers, empty_frame(Entity.REFERRALS))) == 0


def test_long_chain():
    n = 3000  # deeper than any bank's chain; pointer jumping needs 12 rounds
    ids = [f"n{i:05d}" for i in range(n)]
    customers = pd.DataFrame({"customer_id": ids, "aum": np.ones(n)})
    referrals = pd.DataFrame({"referrer_id": ids[:-1], "referee_id": ids[1:]})
    got = referral_reach(customers, referrals)
    assert got["depth"].tolist() == list(range(n - 1, 0, -1))
    assert got["cascade"].tolist() == list(range(n - 1, 0, -1))
    assert got["generations"].iloc[0] == ";".join(["1"] * (n - 1))  # every generation
    assert got["generations"].iloc[-1] == "1"
    assert got["downstream_aum"].iloc[0] == Decimal(n - 1)
    assert referral_forest(customers, referrals).level.tolist() == list(range(n))


@pytest.mark.parametrize(
    "pairs, message",
    [
        ([("a", "a")], "refers themself"),
        ([("a", "c"), ("b", "c")], "more than one referrer"),
        ([("a", "b"), ("b", "a")], "more than one referrer|cycle"),
        ([("a", "b"), ("b", "c"), ("c", "a")], "cycle"),
        ([("x", "a"), ("a", "b"), ("b", "c"), ("c", "a")], "more than one referrer|cycle"),
        ([("a", None)], "lack"),
    ],
)
def test_invalid_referrals_raise(pairs, message):
    customers = pd.DataFrame({"customer_id": list("abcx")})
    referrals = pd.DataFrame(pairs, columns=["referrer_id", "referee_id"], dtype=object)
    with pytest.raises(InvalidInput, match=message):
        referral_reach(customers, referrals)


def test_pure_cycle_raises():
    customers = pd.DataFrame({"customer_id": list("abcd")})
    referrals = pd.DataFrame({"referrer_id": list("abcd"), "referee_id": list("bcda")})
    with pytest.raises(InvalidInput, match="cycle"):
        referral_reach(customers, referrals)


def test_missing_columns_and_bad_options():
    customers = pd.DataFrame({"customer_id": ["a", "b"]})
    with pytest.raises(InvalidInput, match="referee_id"):
        referral_reach(customers, pd.DataFrame({"referrer_id": ["a"]}))
    with pytest.raises(InvalidInput, match="customer_id"):
        referral_reach(pd.DataFrame({"id": ["a"]}), empty_frame(Entity.REFERRALS))
    with pytest.raises(TypeError):  # the generations are never cut: no option to cut them
        referral_reach(customers, empty_frame(Entity.REFERRALS), max_generations=3)


# --- k-factor ---------------------------------------------------------------------


def reference_k_factor(customers, referrals):
    made: dict[str, int] = {}
    for r in set(zip(referrals["referrer_id"], referrals["referee_id"], strict=True)):
        made[r[0]] = made.get(r[0], 0) + 1
    referred = set(referrals["referee_id"])
    cohorts: dict[str, dict[str, int]] = {}
    for cid, joined in zip(customers["customer_id"], customers["joined_on"], strict=True):
        if not isinstance(joined, str):
            continue
        c = cohorts.setdefault(
            joined[:7], {"size": 0, "referrers": 0, "referees": 0, "referred": 0}
        )
        c["size"] += 1
        c["referrers"] += made.get(cid, 0) > 0
        c["referees"] += made.get(cid, 0)
        c["referred"] += cid in referred
    return {k: {**v, "k_factor": v["referees"] / v["size"]} for k, v in sorted(cohorts.items())}


@SETTINGS
@given(forests(), st.data())
def test_k_factor_matches_reference(data, draw):
    customers, referrals, _ = data
    months = draw.draw(
        st.lists(
            st.sampled_from(["2023-11-30", "2024-01-02", "2024-01-31", None]),
            min_size=len(customers),
            max_size=len(customers),
        )
    )
    customers = customers.assign(joined_on=pd.Series(months, dtype="str"))
    got = k_factor_by_cohort(customers, referrals)
    want = reference_k_factor(customers, referrals)
    assert got["cohort"].tolist() == list(want)
    for row in got.to_dict("records"):
        assert row == pytest.approx({"cohort": row["cohort"], **want[row["cohort"]]})


def test_k_factor_example_and_empty():
    customers = pd.DataFrame(
        {"customer_id": list("abcd"), "joined_on": ["2024-01-05", "2024-01-20", "2024-02-01", None]}
    )
    referrals = pd.DataFrame({"referrer_id": ["a", "a", "c"], "referee_id": ["c", "d", "b"]})
    got = k_factor_by_cohort(customers, referrals)
    assert got.to_dict("list") == {
        "cohort": ["2024-01", "2024-02"],
        "size": [2, 1],
        "referrers": [1, 1],
        "referees": [2, 1],
        "referred": [1, 1],
        "k_factor": [1.0, 1.0],
    }
    empty = k_factor_by_cohort(empty_frame(Entity.CUSTOMERS), empty_frame(Entity.REFERRALS))
    assert len(empty) == 0 and "k_factor" in empty.columns
    with pytest.raises(InvalidInput):
        k_factor_by_cohort(pd.DataFrame({"customer_id": ["a"]}), empty_frame(Entity.REFERRALS))


# --- cascade tree -------------------------------------------------------------------


@SETTINGS
@given(forests(), st.data())
def test_cascade_tree_matches_networkx(data, draw):
    customers, referrals, aum_of = data
    g = nx.DiGraph()
    g.add_nodes_from(aum_of)
    g.add_edges_from(zip(referrals["referrer_id"], referrals["referee_id"], strict=True))
    known_ids = (
        set(customers["customer_id"]) | set(referrals["referrer_id"]) | set(referrals["referee_id"])
    )
    root = draw.draw(st.sampled_from(sorted(aum_of)))
    if root not in known_ids:  # neither a customer nor named by a referral
        with pytest.raises(NotFound):
            cascade_tree(referrals, customers, root)
        return
    tree = cascade_tree(referrals, customers, root, max_nodes=None)
    nodes = tree.nodes
    assert not tree.truncated
    dist = nx.single_source_shortest_path_length(g, root)
    assert dict(zip(nodes["customer_id"], nodes["generation"], strict=True)) == dist
    assert nodes["customer_id"].iloc[0] == root and pd.isna(nodes["parent"].iloc[0])
    for cid, parent in zip(nodes["customer_id"].iloc[1:], nodes["parent"].iloc[1:], strict=True):
        assert list(g.predecessors(cid)) == [parent]
    # breadth-first: generations never decrease
    assert nodes["generation"].is_monotonic_increasing
    # each node's own aum, rounded half up once to the minor unit; missing when unknown
    assert nodes["aum"].dtype == CNY
    known = dict(zip(customers["customer_id"], customers["aum"], strict=True))
    for cid, aum in zip(nodes["customer_id"], nodes["aum"], strict=True):
        want = known.get(cid)
        if want is None or pd.isna(want):
            assert pd.isna(aum)
        else:
            assert aum == round_once(want, 2)


@SETTINGS
@given(forests(), st.data())
def test_cascade_tree_limits(data, draw):
    customers, referrals, _ = data
    if referrals.empty:
        return
    root = draw.draw(st.sampled_from(sorted(set(referrals["referrer_id"]))))
    full = cascade_tree(referrals, customers, root, max_nodes=None).nodes
    depth = draw.draw(st.integers(0, 3))
    cut = cascade_tree(referrals, customers, root, max_depth=depth, max_nodes=None)
    assert cut.nodes.equals(full[full["generation"] <= depth].reset_index(drop=True))
    assert cut.truncated == bool(full["generation"].max() > depth)
    size = draw.draw(st.integers(1, 6))
    few = cascade_tree(referrals, customers, root, max_nodes=size)
    assert few.nodes.equals(full.head(size))
    assert few.truncated == (len(full) > size)


def test_cascade_tree_example_and_errors():
    customers = pd.DataFrame({"customer_id": list("abcd"), "aum": [1.0, 2.0, 3.0, 4.0]})
    referrals = pd.DataFrame(
        {"referrer_id": ["a", "a", "b", "z"], "referee_id": ["c", "b", "d", "y"]}
    )
    t = cascade_tree(referrals, customers, "a")
    assert t.nodes["customer_id"].tolist() == ["a", "b", "c", "d"]
    assert t.nodes["generation"].tolist() == [0, 1, 1, 2]
    assert t.nodes["aum"].tolist() == [Decimal(x) for x in ("1.00", "2.00", "3.00", "4.00")]
    assert t.nodes["customer_id"].dtype == "str" and t.nodes["parent"].dtype == "str"
    assert t.nodes["parent"].isna().tolist() == [True, False, False, False]
    assert t.nodes["parent"].iloc[1:].tolist() == ["a", "a", "b"]
    assert t.truncated is False
    lone = cascade_tree(referrals, customers, "d")
    assert lone.nodes["customer_id"].tolist() == ["d"] and not lone.truncated
    only_in_referrals = cascade_tree(referrals, customers, "z")
    assert only_in_referrals.nodes["customer_id"].tolist() == ["z", "y"]
    assert only_in_referrals.nodes["aum"].isna().all()
    with pytest.raises(NotFound):
        cascade_tree(referrals, customers, "nobody")
    with pytest.raises(ConfigError):
        cascade_tree(referrals, customers, "a", max_depth=-1)
    with pytest.raises(ConfigError):
        cascade_tree(referrals, customers, "a", max_nodes=0)
    empty = cascade_tree(empty_frame(Entity.REFERRALS), customers, "a")
    assert empty.nodes["customer_id"].tolist() == ["a"]
    with pytest.raises(NotFound):
        cascade_tree(empty_frame(Entity.REFERRALS), empty_frame(Entity.CUSTOMERS), "a")


def test_cascade_tree_cycle_raises():
    customers = pd.DataFrame({"customer_id": list("ab")})
    referrals = pd.DataFrame({"referrer_id": ["a", "b"], "referee_id": ["b", "a"]})
    with pytest.raises(InvalidInput, match="cycle"):
        cascade_tree(referrals, customers, "a")


def test_docstring_examples():
    import doctest

    from guanxi.algorithms import referrals as module

    assert doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE).failed == 0


def generations_reference(forest, node: int) -> list[int]:
    """Referees of ``node`` per generation, one parent pointer at a time."""
    counts: dict[int, int] = {}
    for v in range(forest.n):
        k, up = 0, v
        while forest.parent[up] >= 0:
            up, k = int(forest.parent[up]), k + 1
            if up == node:
                counts[k] = counts.get(k, 0) + 1
                break
    depth = max(counts, default=0)
    return [counts.get(k, 0) for k in range(1, max(depth, 1) + 1)]


@SETTINGS
@given(forests(), st.data())
def test_generation_counts_and_aggregate_match_reference(data, draw):
    customers, referrals, aum_of = data
    forest = referral_forest(customers, referrals)
    direct, cascade, depth, down = aggregate(forest)
    assert forest.digits == 2 and forest.aum_minor.dtype == np.int64
    ids = list(forest.ids)
    for node in range(len(ids)):
        gens = generations_reference(forest, node)
        assert direct[node] == gens[0]
        assert cascade[node] == sum(gens)
        assert depth[node] == (len(gens) if sum(gens) else 0)
    # downstream aum in exact minor units: the sum of the rounded aum below each node
    g = nx.DiGraph()
    g.add_nodes_from(ids)
    g.add_edges_from(zip(referrals["referrer_id"], referrals["referee_id"], strict=True))
    assert down.dtype == np.int64
    assert down.tolist() == [
        int(sum((aum_of[v] for v in nx.descendants(g, u)), Decimal(0)).scaleb(2)) for u in ids
    ]
    # the spelled generations of any set of nodes, in their order
    picks = st.lists(st.integers(0, forest.n - 1), max_size=6) if forest.n else st.just([])
    nodes = np.array(draw.draw(picks), dtype=np.int64)
    got = generation_counts(forest, nodes, depth[nodes])
    assert got.dtype == "str" and isinstance(got.index, pd.RangeIndex)
    assert got.tolist() == [";".join(map(str, generations_reference(forest, u))) for u in nodes]


@SETTINGS
@given(st.lists(st.integers(-(2**62), 2**62), max_size=30))
def test_unique_sorted_is_np_unique(values):
    x = np.array(values, dtype=np.int64)
    got = unique_sorted(x)
    assert got.tolist() == sorted(set(values))
    assert got.dtype == np.int64
