"""guanxi.algorithms.contagion against a hand-worked example and a brute-force
reference written from the model's definition; circle chains against a plain search."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.algorithms.circles import circle_chains, guarantee_circles
from guanxi.algorithms.contagion import guarantee_network, key_guarantors, simulate_defaults
from guanxi.errors import ConfigError, NotFound
from guanxi.graph.schema import Entity, canonical_frame

SETTINGS = settings(max_examples=40, deadline=None)
AS_OF = "2024-06-30"


def frame(entity: Entity, rows) -> pd.DataFrame:
    return canonical_frame(entity, pd.DataFrame(rows))


def money(values) -> list[str]:
    return [format(v, "f") for v in values]


@pytest.fixture
def circle():
    """A circle A -> B -> C -> A (guarantor -> borrower) with an outside guarantor O of
    C and an expired guarantee E -> A.

    Loans: A 100, B 60, C 40, O 5, and a joint loan J of B and C (20, held by both).
    Net assets: A 30, B 50, C 1000, O 10, E none. Guaranteed amounts: A->B 80, B->C 70,
    C->A 90, O->C 25, E->A 500 (expired).

    Worked by hand, A defaults:
    - round 0: A (exposure 100); guarantees of A's borrowing called: C (90)
    - C: 90 <= 1000 net assets, stands. Nothing more: 1 default, 100 at risk.
    B defaults:
    - round 0: B (60 + joint J 20 = 80); A called for 80 > 30 net assets
    - round 1: A defaults (100); C called for 90 <= 1000, stands
    - total 180 over 2 rounds.
    C defaults:
    - round 0: C (40; J 20 is B's and C's: first counted with C) = 60; B called 70 > 50,
      O called 25 > 10
    - round 1: B (60; J already counted) and O (5) = 65; A called 80 > 30
    - round 2: A (100); C already defaulted
    - total 225 over 3 rounds, 4 defaults.
    """
    cust = frame(
        Entity.CUSTOMERS,
        [
            {"customer_id": "A", "kind": "company", "net_assets": "30"},
            {"customer_id": "B", "kind": "company", "net_assets": "50"},
            {"customer_id": "C", "kind": "company", "net_assets": "1000"},
            {"customer_id": "O", "kind": "company", "net_assets": "10"},
            {"customer_id": "E", "kind": "company"},
        ],
    )
    acc = frame(
        Entity.ACCOUNTS,
        [
            {"account_id": "LA", "customer_id": "A", "product": "loan", "outstanding": "100"},
            {"account_id": "LB", "customer_id": "B", "product": "loan", "outstanding": "60"},
            {"account_id": "LC", "customer_id": "C", "product": "loan", "outstanding": "40"},
            {"account_id": "LO", "customer_id": "O", "product": "loan", "outstanding": "5"},
            {"account_id": "J", "customer_id": "B", "product": "loan", "outstanding": "20"},
        ],
    )
    hold = frame(Entity.ACCOUNT_HOLDERS, [{"account_id": "J", "customer_id": "C", "role": "joint"}])
    guar = frame(
        Entity.GUARANTEES,
        [
            {"guarantor_id": "A", "borrower_id": "B", "amount": "80", "account_id": "LB"},
            {"guarantor_id": "B", "borrower_id": "C", "amount": "70", "account_id": "LC"},
            {"guarantor_id": "C", "borrower_id": "A", "amount": "90", "account_id": "LA"},
            {"guarantor_id": "O", "borrower_id": "C", "amount": "25"},
            {"guarantor_id": "E", "borrower_id": "A", "amount": "500", "valid_to": "2023-12-31"},
        ],
    )
    return cust, acc, hold, guar


@pytest.fixture
def network(circle):
    return guarantee_network(*circle, as_of=AS_OF)


def test_hand_worked_cascade_from_c(network):
    out = simulate_defaults(network, ["C"])
    d = out.defaults
    assert d[["round", "customer_id", "cause"]].values.tolist() == [
        [0, "C", "assumed"],
        [1, "B", "guarantees called"],
        [1, "O", "guarantees called"],
        [2, "A", "guarantees called"],
    ]
    assert money(d["obligation"]) == ["0.00", "70.00", "25.00", "80.00"]
    assert money(d["net_assets"]) == ["1000.00", "50.00", "10.00", "30.00"]
    assert money(d["credit_exposure"]) == ["60.00", "80.00", "5.00", "100.00"]
    assert money(d["exposure_at_risk"]) == ["60.00", "60.00", "5.00", "100.00"]
    r = out.rounds
    assert r["defaults"].tolist() == [1, 2, 1]
    assert money(r["exposure_at_risk"]) == ["60.00", "65.00", "100.00"]
    assert money(r["cumulative_exposure_at_risk"]) == ["60.00", "125.00", "225.00"]
    assert out.exposure_at_risk == Decimal("225.00")
    # every guarantor called, with what it owes against what it owns and borrows
    g = out.guarantors.set_index("customer_id")
    assert g.loc["C", "obligation"] == Decimal("90.00")  # called when A fell; assumed itself
    assert g.loc["C", "defaulted_in_round"] == 0
    assert g.loc["A", "defaulted_in_round"] == 2 and g.loc["A", "guarantees_called"] == 1
    # the expired guarantee of E is never called
    assert "E" not in g.index


def test_hand_worked_cascades_from_a_and_b(network):
    a = simulate_defaults(network, ["A"])
    assert a.defaults["customer_id"].tolist() == ["A"]
    assert a.exposure_at_risk == Decimal("100.00")
    standing = a.guarantors.set_index("customer_id")
    assert standing.loc["C", "obligation"] == Decimal("90.00")
    assert pd.isna(standing.loc["C", "defaulted_in_round"])
    b = simulate_defaults(network, ["B"])
    assert b.defaults[["round", "customer_id"]].values.tolist() == [[0, "B"], [1, "A"]]
    assert b.exposure_at_risk == Decimal("180.00")
    table = b.table()
    assert table["cause"].tolist() == ["assumed", "guarantees called", "called, stands"]
    assert table["customer_id"].tolist() == ["B", "A", "C"]
    assert pd.isna(table["round"].iloc[2])


def test_threshold_and_missing_net_assets(circle):
    network = guarantee_network(*circle, as_of=AS_OF)
    # at threshold 3, A (80 owed, 30 owned: 2.67x) stands when B falls
    assert simulate_defaults(network, ["B"], threshold="3").defaults["customer_id"].tolist() == [
        "B"
    ]
    # exactly at the line stands: C falls, O owes 25 against 10 -> 2.5x
    out = simulate_defaults(network, ["C"], threshold="2.5")
    assert "O" not in out.defaults["customer_id"].tolist()
    # a guarantor without net assets stands unless told otherwise
    cust, acc, hold, guar = circle
    guar = pd.concat(
        [
            guar,
            frame(Entity.GUARANTEES, [{"guarantor_id": "E", "borrower_id": "A", "amount": "1"}]),
        ],
        ignore_index=True,
    )
    network = guarantee_network(cust, acc, hold, guar, as_of=AS_OF)
    standing = simulate_defaults(network, ["A"]).guarantors.set_index("customer_id")
    assert not standing.loc["E", "assessable"] and pd.isna(standing.loc["E", "defaulted_in_round"])
    fell = simulate_defaults(network, ["A"], assume_default_without_net_assets=True)
    assert fell.defaults["customer_id"].tolist() == ["A", "E"]


def test_bad_inputs(network):
    with pytest.raises(NotFound, match="ZZ"):
        simulate_defaults(network, ["ZZ"])
    with pytest.raises(ConfigError):
        simulate_defaults(network, [])
    for bad in ("0", "-1", "x", float("nan")):
        with pytest.raises(ConfigError):
            simulate_defaults(network, ["A"], threshold=bad)


def test_key_guarantors_rank_by_exposure_at_risk(circle, network):
    _, members, _ = guarantee_circles(circle[3], as_of=AS_OF)
    ranked = key_guarantors(network, members)
    assert ranked[["circle_id", "customer_id", "rank", "defaults", "rounds"]].values.tolist() == [
        ["A", "C", 1, 4, 2],
        ["A", "B", 2, 2, 1],
        ["A", "A", 3, 1, 0],
    ]
    assert money(ranked["exposure_at_risk"]) == ["225.00", "180.00", "100.00"]
    assert money(ranked["own_exposure"]) == ["60.00", "80.00", "100.00"]


# -- a brute-force reference, from the model's definition -------------------------------
def reference(loans, holders, net, edges, start, threshold):
    """Plain Python: ``loans`` account -> amount, ``holders`` account -> set of
    customers, ``net`` customer -> net assets or None, ``edges`` [(guarantor, borrower,
    amount)]. Returns (round of each defaulter, exposure at risk per round)."""
    fell = {c: 0 for c in start}
    r = 0
    while True:
        owed: dict[str, Decimal] = {}
        for g, b, amount in edges:
            if b in fell:
                owed[g] = owed.get(g, Decimal(0)) + amount
        new = [
            g
            for g, o in owed.items()
            if g not in fell and net.get(g) is not None and o > threshold * net[g]
        ]
        if not new:
            break
        r += 1
        for g in new:
            fell[g] = r
    per_round = [Decimal(0)] * (max(fell.values()) + 1)
    for account, amount in loans.items():
        rounds = [fell[c] for c in holders[account] if c in fell]
        if rounds:
            per_round[min(rounds)] += amount
    return fell, per_round


@SETTINGS
@given(st.integers(0, 2**32 - 1), st.integers(2, 12), st.integers(0, 30))
def test_matches_the_brute_force_reference(seed, n, m):
    rng = np.random.default_rng(seed)
    ids = [f"C{i:02d}" for i in range(n)]
    net = {c: (None if rng.random() < 0.2 else Decimal(int(rng.integers(0, 200)))) for c in ids}
    loans, holders, acc_rows, hold_rows = {}, {}, [], []
    for k in range(int(rng.integers(1, 2 * n))):
        owner = ids[int(rng.integers(0, n))]
        amount = Decimal(int(rng.integers(0, 10_000))).scaleb(-2)
        account = f"L{k}"
        loans[account], holders[account] = amount, {owner}
        acc_rows.append({"account_id": account, "customer_id": owner, "product": "loan",
                         "outstanding": str(amount)})  # fmt: skip
        if rng.random() < 0.3:
            other = ids[int(rng.integers(0, n))]
            holders[account].add(other)
            hold_rows.append({"account_id": account, "customer_id": other, "role": "joint"})
    edges, guar_rows = [], []
    for k in range(m):
        g, b = ids[int(rng.integers(0, n))], ids[int(rng.integers(0, n))]
        if g == b:
            continue
        amount = Decimal(int(rng.integers(0, 300)))
        edges.append((g, b, amount))
        guar_rows.append({"guarantor_id": g, "borrower_id": b, "amount": str(amount),
                          "valid_from": f"2020-01-{k % 28 + 1:02d}"})  # fmt: skip
    cust = frame(
        Entity.CUSTOMERS,
        [{"customer_id": c, "kind": "company",
          "net_assets": None if net[c] is None else str(net[c])} for c in ids],
    )  # fmt: skip
    acc = frame(Entity.ACCOUNTS, acc_rows)
    hold = frame(Entity.ACCOUNT_HOLDERS, hold_rows) if hold_rows else None
    guar = frame(Entity.GUARANTEES, guar_rows) if guar_rows else None
    network = guarantee_network(cust, acc, hold, guar, as_of=AS_OF)
    start = sorted({ids[int(rng.integers(0, n))] for _ in range(int(rng.integers(1, 3)))})
    threshold = Decimal(int(rng.integers(1, 20))) / 10
    out = simulate_defaults(network, start, threshold=threshold)
    fell, per_round = reference(loans, holders, net, edges, start, threshold)
    assert dict(zip(out.defaults["customer_id"], out.defaults["round"], strict=True)) == fell
    assert list(out.rounds["exposure_at_risk"]) == per_round
    assert out.exposure_at_risk == sum(per_round)


# -- guarantee chains hanging off a circle -------------------------------------------
def test_circle_chains_in_and_out_bounded():
    """Circle A <-> B. Out: B guarantees X, X guarantees Y, Y guarantees Z (3 hops).
    In: P guarantees A, Q guarantees P. A guarantee inside the circle is never a chain."""
    guar = frame(
        Entity.GUARANTEES,
        [
            {"guarantor_id": g, "borrower_id": b, "amount": a}
            for g, b, a in [
                ("A", "B", "1"), ("B", "A", "2"), ("B", "X", "3"), ("X", "Y", "4"),
                ("Y", "Z", "5"), ("P", "A", "6"), ("Q", "P", "7"),
            ]
        ],
    )  # fmt: skip
    _, members, _ = guarantee_circles(guar)
    chains = circle_chains(guar, members, max_hops=2)
    assert chains[["direction", "hop", "guarantor_id", "borrower_id"]].values.tolist() == [
        ["in", 1, "P", "A"],
        ["in", 2, "Q", "P"],
        ["out", 1, "B", "X"],
        ["out", 2, "X", "Y"],
    ]
    assert money(chains["amount"]) == ["6.00", "7.00", "3.00", "4.00"]
    assert chains["source_key"].tolist()[0] == "P|A||"
    assert not chains["truncated"].any()
    deeper = circle_chains(guar, members, max_hops=3)
    assert deeper[deeper["direction"] == "out"]["borrower_id"].tolist() == ["X", "Y", "Z"]
    cut = circle_chains(guar, members, max_hops=3, max_edges=2)
    out = cut[cut["direction"] == "out"]
    assert out["borrower_id"].tolist() == ["X", "Y"] and out["truncated"].all()
    assert not cut[cut["direction"] == "in"]["truncated"].any()
    with pytest.raises(ConfigError):
        circle_chains(guar, members, max_hops=0)


def test_circle_chains_empty():
    guar = frame(Entity.GUARANTEES, [{"guarantor_id": "A", "borrower_id": "B"}])
    _, members, _ = guarantee_circles(guar)
    out = circle_chains(guar, members)
    assert out.empty and out.columns.tolist()[:3] == ["circle_id", "direction", "hop"]


@pytest.mark.parametrize(
    "module",
    [
        "guanxi.algorithms.contagion",
        "guanxi.algorithms.evidence",
        "guanxi.algorithms.connections",
        "guanxi.algorithms.limits",
        "guanxi.algorithms.circles",
        "guanxi.presets",
    ],
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    found = doctest.testmod(importlib.import_module(module))
    assert found.attempted > 0 and found.failed == 0
