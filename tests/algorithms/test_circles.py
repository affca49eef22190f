"""guanxi.algorithms.circles against networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.algorithms.circles import circle_cycles, guarantee_circles
from guanxi.errors import ConfigError
from guanxi.graph.schema import Entity, canonical_frame

SETTINGS = settings(max_examples=25, deadline=None)
CIRCLE_COLUMNS = [
    "circle_id",
    "size",
    "guarantees",
    "guaranteed_amount",
    "exposure",
    "cycles_found",
    "cycles_truncated",
]


def guarantees(edges, **extra) -> pd.DataFrame:
    rows = [{"guarantor_id": a, "borrower_id": b, "amount": 10.0, **extra} for a, b in edges]
    if not rows:
        rows = pd.DataFrame(columns=["guarantor_id", "borrower_id"])
    return canonical_frame(Entity.GUARANTEES, pd.DataFrame(rows))


def test_three_cycle():
    circles, members, cycles = guarantee_circles(guarantees([("B", "C"), ("A", "B"), ("C", "A")]))
    assert circles.columns.tolist() == CIRCLE_COLUMNS
    assert circles.to_dict("records") == [
        {
            "circle_id": "A",
            "size": 3,
            "guarantees": 3,
            "guaranteed_amount": 30.0,
            "exposure": 0.0,
            "cycles_found": 1,
            "cycles_truncated": False,
        }
    ]
    assert members.to_dict("records") == [{"circle_id": "A", "customer_id": c} for c in "ABC"]
    assert cycles.to_dict("records") == [{"circle_id": "A", "cycle_no": 1, "path": "A>B>C>A"}]


def test_circle_with_a_chord_lists_its_cycles():
    # 4-cycle A>B>C>D>A with chord B -> D, and a tail E -> A that is not in the circle
    edges = [("A", "B"), ("B", "C"), ("C", "D"), ("D", "A"), ("B", "D"), ("E", "A")]
    circles, members, cycles = guarantee_circles(guarantees(edges))
    assert circles["size"].tolist() == [4]
    assert circles["guarantees"].tolist() == [5]  # the tail is not inside
    assert circles["guaranteed_amount"].tolist() == [50.0]
    assert "E" not in set(members["customer_id"])
    assert cycles["path"].tolist() == ["A>B>D>A", "A>B>C>D>A"]
    assert cycles["cycle_no"].tolist() == [1, 2]
    assert circles["cycles_truncated"].tolist() == [False]


def test_two_circles_and_a_chain():
    edges = [("X", "Y"), ("Y", "X"), ("A", "B"), ("B", "A"), ("B", "Z"), ("P", "Q")]
    circles, members, cycles = guarantee_circles(guarantees(edges))
    assert circles["circle_id"].tolist() == ["A", "X"]
    assert members.to_dict("list") == {
        "circle_id": ["A", "A", "X", "X"],
        "customer_id": ["A", "B", "X", "Y"],
    }
    assert cycles["path"].tolist() == ["A>B>A", "X>Y>X"]


def complete(n):
    nodes = [f"N{i}" for i in range(n)]
    return [(a, b) for a in nodes for b in nodes if a != b]


def test_cycles_truncated_by_count():
    # the complete digraph on 4 nodes has 20 simple cycles
    circles, _, cycles = guarantee_circles(guarantees(complete(4)), max_cycles=5)
    assert circles["cycles_found"].tolist() == [5]
    assert circles["cycles_truncated"].tolist() == [True]
    assert len(cycles) == 5
    circles, _, cycles = guarantee_circles(guarantees(complete(4)), max_cycles=20)
    assert circles["cycles_found"].tolist() == [20]
    assert circles["cycles_truncated"].tolist() == [False]
    circles, _, cycles = guarantee_circles(guarantees(complete(4)), max_cycles=0)
    assert circles["cycles_found"].tolist() == [0] and cycles.empty
    assert circles["cycles_truncated"].tolist() == [True]


def test_cycles_truncated_by_length():
    circles, _, cycles = guarantee_circles(guarantees(complete(4)), max_cycle_length=2)
    assert circles["cycles_found"].tolist() == [6]
    assert circles["cycles_truncated"].tolist() == [True]
    assert all(p.count(">") == 2 for p in cycles["path"])
    circles, _, _ = guarantee_circles(guarantees(complete(4)), max_cycle_length=4)
    assert circles[["cycles_found", "cycles_truncated"]].values.tolist() == [[20, False]]
    # a bound that cuts nothing does not flag
    circles, _, _ = guarantee_circles(
        guarantees([("A", "B"), ("B", "A"), ("B", "C"), ("C", "B")]), max_cycle_length=2
    )
    assert circles["cycles_truncated"].tolist() == [False]


def test_validity_on_as_of():
    g = canonical_frame(
        Entity.GUARANTEES,
        pd.DataFrame(
            [
                {"guarantor_id": "A", "borrower_id": "B", "valid_to": "2024-12-31"},
                {
                    "guarantor_id": "B",
                    "borrower_id": "A",
                    "valid_from": "2024-01-01",
                    "valid_to": "2024-06-30",
                },
            ]
        ),
    )
    assert guarantee_circles(g, as_of="2024-03-31")[0]["size"].tolist() == [2]
    assert guarantee_circles(g, as_of="2024-06-30")[0]["size"].tolist() == [2]
    assert guarantee_circles(g, as_of="2024-07-01")[0].empty  # expired: no circle
    assert guarantee_circles(g, as_of=None)[0]["size"].tolist() == [2]


def test_exposure_counts_shared_accounts_once():
    acc = canonical_frame(
        Entity.ACCOUNTS,
        pd.DataFrame(
            [
                {"account_id": "L1", "customer_id": "A", "product": "loan", "outstanding": 100.0},
                {
                    "account_id": "L2",
                    "customer_id": "B",
                    "product": "loan",
                    "outstanding": 5.0,
                    "status": "closed",
                },
                {"account_id": "L3", "customer_id": "Z", "product": "loan", "outstanding": 9.0},
            ]
        ),
    )
    hold = canonical_frame(
        Entity.ACCOUNT_HOLDERS,
        pd.DataFrame([{"account_id": "L1", "customer_id": "B", "role": "joint"}]),
    )
    circles, _, _ = guarantee_circles(guarantees([("A", "B"), ("B", "A")]), acc, hold)
    assert circles["exposure"].tolist() == [100.0]


def test_missing_amount_counts_zero_and_self_guarantee_ignored():
    g = canonical_frame(
        Entity.GUARANTEES,
        pd.DataFrame(
            [
                {"guarantor_id": "A", "borrower_id": "B", "amount": None},
                {"guarantor_id": "B", "borrower_id": "A", "amount": 4.0},
                {"guarantor_id": "C", "borrower_id": "C", "amount": 4.0},
            ]
        ),
    )
    circles, members, _ = guarantee_circles(g)
    assert circles["guaranteed_amount"].tolist() == [4.0]
    assert "C" not in set(members["customer_id"])


def test_empty_and_single_node():
    for g in (None, guarantees([]), guarantees([("A", "B")])):
        circles, members, cycles = guarantee_circles(g)
        assert circles.empty and circles.columns.tolist() == CIRCLE_COLUMNS
        assert members.empty and members.columns.tolist() == ["circle_id", "customer_id"]
        assert cycles.empty and cycles.columns.tolist() == ["circle_id", "cycle_no", "path"]
        assert circles["size"].dtype == np.int64 and circles["cycles_truncated"].dtype == bool
    assert circle_cycles([]) == ([], False)
    assert circle_cycles([("A", "A")]) == ([], False)


@pytest.mark.parametrize(
    "kw",
    [
        {"max_cycles": -1},
        {"max_cycles": 1.5},
        {"max_cycles": "many"},
        {"max_cycles": True},
        {"max_cycle_length": 1},
        {"max_cycle_length": 0},
        {"as_of": "yesterday"},
        {"ccf_default": -1},
    ],
)
def test_bad_options_raise(kw):
    with pytest.raises(ConfigError):
        guarantee_circles(guarantees([("A", "B"), ("B", "A")]), **kw)


IDS = [f"C{i}" for i in range(8)]


@SETTINGS
@given(
    st.lists(st.tuples(st.sampled_from(IDS), st.sampled_from(IDS)), max_size=20),
    st.sampled_from([None, 3]),
    st.sampled_from([2, 1000]),
)
def test_random_guarantee_graphs_match_networkx(edges, max_len, max_cycles):
    circles, members, cycles = guarantee_circles(
        guarantees(edges), max_cycles=max_cycles, max_cycle_length=max_len
    )
    g = nx.DiGraph()
    g.add_edges_from((a, b) for a, b in edges if a != b)
    sccs = [c for c in nx.strongly_connected_components(g) if len(c) >= 2]
    expected = {min(c): c for c in sccs}
    got = {cid: set(grp["customer_id"]) for cid, grp in members.groupby("circle_id")}
    assert got == expected
    assert circles["circle_id"].tolist() == sorted(expected)
    for row in circles.itertuples():
        comp = expected[row.circle_id]
        inside = [(a, b) for a, b in edges if a in comp and b in comp and a != b]
        assert row.size == len(comp)
        assert row.guarantees == len(inside)
        assert row.guaranteed_amount == 10.0 * len(inside)
        every = {tuple(c) for c in nx.simple_cycles(g.subgraph(comp))}
        bounded = {c for c in every if max_len is None or len(c) <= max_len}
        listed = cycles.loc[cycles["circle_id"] == row.circle_id, "path"].tolist()
        assert row.cycles_found == len(listed) == min(len(bounded), max_cycles)
        assert row.cycles_truncated == (len(every) > len(listed))
        rotated = {_canonical(c) for c in bounded}
        for path in listed:
            nodes = path.split(">")
            assert nodes[0] == nodes[-1] == min(nodes[:-1])
            assert _canonical(tuple(nodes[:-1])) in rotated


def _canonical(cycle: tuple[str, ...]) -> tuple[str, ...]:
    k = cycle.index(min(cycle))
    return cycle[k:] + cycle[:k]


def test_inputs_checked_before_any_work():
    # the accounts are only read for the members of circles; they are checked all the same
    with pytest.raises(ConfigError):
        guarantee_circles(None, ccf_default=2.0)
    with pytest.raises(ValueError, match="lacks required column"):
        guarantee_circles(None, pd.DataFrame({"customer_id": ["A"]}))
