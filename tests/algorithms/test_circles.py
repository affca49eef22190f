"""guanxi.algorithms.circles against networkx, and its money against the Decimal
reference (``money_reference``)."""

from __future__ import annotations

from decimal import Decimal

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from money_reference import CURRENCIES, amounts, fractions, rate_of, reportings, round_once
from money_reference import account_exposure as reference_exposure

from guanxi.algorithms.circles import circle_cycles, guarantee_circles
from guanxi.errors import ConfigError
from guanxi.graph.schema import CREDIT_PRODUCTS, Entity, canonical_frame
from guanxi.money import Reporting, money_type

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


CNY = pd.ArrowDtype(money_type(2))


def guarantees(edges, **extra) -> pd.DataFrame:
    rows = [{"guarantor_id": a, "borrower_id": b, "amount": "10", **extra} for a, b in edges]
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
            "guaranteed_amount": Decimal("30.00"),
            "exposure": Decimal("0.00"),
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
    assert circles["guaranteed_amount"].tolist() == [Decimal("50.00")]
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
                {"account_id": "L1", "customer_id": "A", "product": "loan", "outstanding": "100"},
                {
                    "account_id": "L2",
                    "customer_id": "B",
                    "product": "loan",
                    "outstanding": "5",
                    "status": "closed",
                },
                {"account_id": "L3", "customer_id": "Z", "product": "loan", "outstanding": "9"},
            ]
        ),
    )
    hold = canonical_frame(
        Entity.ACCOUNT_HOLDERS,
        pd.DataFrame([{"account_id": "L1", "customer_id": "B", "role": "joint"}]),
    )
    circles, _, _ = guarantee_circles(guarantees([("A", "B"), ("B", "A")]), acc, hold)
    assert circles["exposure"].tolist() == [Decimal("100.00")]
    assert circles["exposure"].dtype == CNY


def test_missing_amount_counts_zero_and_self_guarantee_ignored():
    g = canonical_frame(
        Entity.GUARANTEES,
        pd.DataFrame(
            [
                {"guarantor_id": "A", "borrower_id": "B", "amount": None},
                {"guarantor_id": "B", "borrower_id": "A", "amount": "4"},
                {"guarantor_id": "C", "borrower_id": "C", "amount": "4"},
            ]
        ),
    )
    circles, members, _ = guarantee_circles(g)
    assert circles["guaranteed_amount"].tolist() == [Decimal("4.00")]
    assert "C" not in set(members["customer_id"])


def test_empty_and_single_node():
    for g in (None, guarantees([]), guarantees([("A", "B")])):
        circles, members, cycles = guarantee_circles(g)
        assert circles.empty and circles.columns.tolist() == CIRCLE_COLUMNS
        assert members.empty and members.columns.tolist() == ["circle_id", "customer_id"]
        assert cycles.empty and cycles.columns.tolist() == ["circle_id", "cycle_no", "path"]
        assert circles["size"].dtype == np.int64 and circles["cycles_truncated"].dtype == bool
        assert circles["guaranteed_amount"].dtype == CNY and circles["exposure"].dtype == CNY
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
        {"ccf_default": "0.12345678901"},
    ],
)
def test_bad_options_raise(kw):
    with pytest.raises(ConfigError):
        guarantee_circles(guarantees([("A", "B"), ("B", "A")]), **kw)


IDS = [f"C{i}" for i in range(8)]


@SETTINGS
@given(
    st.lists(
        st.tuples(st.sampled_from(IDS), st.sampled_from(IDS), st.one_of(st.none(), amounts())),
        max_size=20,
    ),
    st.sampled_from([None, 3]),
    st.sampled_from([2, 1000]),
)
def test_random_guarantee_graphs_match_networkx(rows, max_len, max_cycles):
    edges = [(a, b) for a, b, _ in rows]
    g_frame = canonical_frame(
        Entity.GUARANTEES,
        pd.DataFrame(
            [{"guarantor_id": a, "borrower_id": b, "amount": m} for a, b, m in rows]
            or {"guarantor_id": [], "borrower_id": []}
        ),
    )
    circles, members, cycles = guarantee_circles(
        g_frame, max_cycles=max_cycles, max_cycle_length=max_len
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
        inside = [(a, b, m) for a, b, m in rows if a in comp and b in comp and a != b]
        assert row.size == len(comp)
        assert row.guarantees == len(inside)
        # each amount rounded half up to the minor unit once, then summed exactly
        assert row.guaranteed_amount == sum(
            (round_once(Decimal(m or "0"), 2) for *_, m in inside), Decimal(0)
        )
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


@st.composite
def circle_banks(draw):
    """Guarantees among IDS, accounts of members and others in several currencies, some
    guarantees naming an account."""
    accs = [
        {
            "account_id": f"A{i}",
            "customer_id": draw(st.sampled_from(IDS)),
            "product": draw(st.sampled_from([*CREDIT_PRODUCTS, "savings"])),
            "outstanding": draw(st.one_of(st.none(), amounts())),
            "credit_limit": draw(st.one_of(st.none(), amounts())),
            "ccf": draw(st.one_of(st.none(), fractions())),
            "currency": draw(st.sampled_from([None, *CURRENCIES])),
            "status": draw(st.sampled_from(["open", "closed", None])),
        }
        for i in range(draw(st.integers(0, 8)))
    ]
    account_ids = [a["account_id"] for a in accs] + ["GONE", None]
    guar = [
        {
            "guarantor_id": a,
            "borrower_id": b,
            "amount": draw(st.one_of(st.none(), amounts())),
            "account_id": draw(st.sampled_from(account_ids)),
        }
        for a, b in draw(
            st.lists(st.tuples(st.sampled_from(IDS[:5]), st.sampled_from(IDS[:5])), max_size=12)
        )
    ]
    hold = [
        {"account_id": a, "customer_id": c, "role": "joint"}
        for a, c in draw(
            st.lists(
                st.tuples(st.sampled_from(account_ids[:-2] or ["A0"]), st.sampled_from(IDS)),
                max_size=4,
            )
        )
        if accs
    ]
    return accs, guar, hold


@SETTINGS
@given(circle_banks(), st.one_of(st.just("1"), fractions()), reportings())
def test_circle_money_matches_reference(bank, ccf_default, reporting):
    """Guaranteed amounts converted by the currency of the account they guarantee, and
    the members' exposure each account once, all rounded once per row and summed."""
    accs, guar, hold = bank
    acc = canonical_frame(Entity.ACCOUNTS, pd.DataFrame(accs)) if accs else None
    hf = canonical_frame(Entity.ACCOUNT_HOLDERS, pd.DataFrame(hold)) if hold else None
    gf = canonical_frame(
        Entity.GUARANTEES,
        pd.DataFrame(guar) if guar else pd.DataFrame(columns=["guarantor_id", "borrower_id"]),
    )
    circles, members, _ = guarantee_circles(
        gf, acc, hf, ccf_default=ccf_default, reporting=reporting
    )
    digits = reporting.digits
    assert circles["exposure"].dtype == pd.ArrowDtype(money_type(digits))
    currency = {a["account_id"]: a["currency"] for a in reversed(accs)}  # the first row wins
    holders = {a["account_id"]: {a["customer_id"]} for a in accs}
    for h in hold:
        holders[h["account_id"]].add(h["customer_id"])
    for row in circles.itertuples():
        comp = set(members.loc[members["circle_id"] == row.circle_id, "customer_id"])
        amounts_ = [
            round_once(
                Decimal(r["amount"] or "0") * rate_of(currency.get(r["account_id"]), reporting),
                digits,
            )
            for r in guar
            if r["guarantor_id"] in comp
            and r["borrower_id"] in comp
            and r["guarantor_id"] != r["borrower_id"]
        ]
        assert row.guaranteed_amount == sum(amounts_, Decimal(0))
        theirs = {a["account_id"]: a for a in reversed(accs) if holders[a["account_id"]] & comp}
        exposures = [reference_exposure(a, ccf_default, reporting) for a in theirs.values()]
        assert row.exposure == sum((e for e in exposures if e is not None), Decimal(0))


def test_guaranteed_amount_in_the_currency_of_its_account():
    """A guarantee of a USD loan is converted at the USD rate; one naming no account, or
    an account not in ``accounts``, is in the reporting currency; a guarantee of an
    account in a currency without a rate is refused, never summed as CNY."""
    acc = canonical_frame(
        Entity.ACCOUNTS,
        pd.DataFrame(
            [
                {"account_id": "U1", "customer_id": "A", "product": "loan", "currency": "USD"},
                {
                    "account_id": "G1",
                    "customer_id": "B",
                    "product": "loan",
                    "currency": "GBP",
                    "status": "closed",  # no exposure: only the guarantee names it
                },
            ]
        ),
    )
    rows = [
        {"guarantor_id": "A", "borrower_id": "B", "amount": "2.00", "account_id": "U1"},
        {"guarantor_id": "B", "borrower_id": "A", "amount": "1.005", "account_id": None},
        {"guarantor_id": "B", "borrower_id": "A", "amount": "3", "account_id": "ELSEWHERE"},
    ]
    g = canonical_frame(Entity.GUARANTEES, pd.DataFrame(rows))
    usd = Reporting("CNY", (("USD", Decimal("7.1025")),))
    circles, _, _ = guarantee_circles(g, acc, reporting=usd)
    # 2.00 USD = 14.205 -> 14.21; 1.005 -> 1.01; 3 -> 3.00
    assert [format(v, "f") for v in circles["guaranteed_amount"]] == ["18.22"]
    gbp = canonical_frame(
        Entity.GUARANTEES,
        pd.DataFrame([*rows, {"guarantor_id": "A", "borrower_id": "B", "account_id": "G1"}]),
    )
    with pytest.raises(ConfigError, match="guarantees of accounts in GBP"):
        guarantee_circles(gbp, acc, reporting=usd)


def _canonical(cycle: tuple[str, ...]) -> tuple[str, ...]:
    k = cycle.index(min(cycle))
    return cycle[k:] + cycle[:k]


def test_inputs_checked_before_any_work():
    # the accounts are only read for the members of circles; they are checked all the same
    with pytest.raises(ConfigError):
        guarantee_circles(None, ccf_default=2.0)
    with pytest.raises(ValueError, match="lacks required column"):
        guarantee_circles(None, pd.DataFrame({"customer_id": ["A"]}))
