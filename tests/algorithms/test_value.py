"""guanxi.algorithms.value: own value, referral value, tiers and quadrants, worked by hand
and checked against a plain recursive reference with the same rounding rule."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from guanxi.algorithms.value import (
    QUADRANTS,
    TierRule,
    own_value,
    parse_tiers,
    referral_value,
    value_tiers,
)
from guanxi.errors import ConfigError, InvalidInput
from guanxi.graph.schema import Entity, canonical_frame
from guanxi.money import Reporting


def accounts(*rows) -> pd.DataFrame:
    cols = ("account_id", "customer_id", "product", "balance", "outstanding", "currency", "status")
    return canonical_frame(
        Entity.ACCOUNTS, pd.DataFrame([dict(zip(cols, r, strict=True)) for r in rows])
    )


def customers(**aum) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": list(aum), "aum": list(aum.values())})


def refs(*pairs) -> pd.DataFrame:
    return pd.DataFrame(
        {"referrer_id": [a for a, _ in pairs], "referee_id": [b for _, b in pairs]},
        dtype="str",
    )


# -- own value ----------------------------------------------------------------------
def test_own_value_by_hand():
    cust = customers(a="1000.005", b=None, c="7")
    acc = accounts(
        ("S1", "a", "savings", "200.125", None, None, "open"),  # rounds to 200.13
        ("S2", "a", "current", "50", None, None, "closed"),  # closed: not counted
        ("T1", "b", "term_deposit", "10", None, "USD", "open"),  # 10 USD at 7.1235
        ("L1", "b", "loan", None, "1234.5678", None, "open"),  # 123457 minor * 3 %
        ("L2", "c", "mortgage", None, "100", None, "closed"),
        ("M1", "c", "credit_card", None, None, None, "open"),  # nothing drawn
    )
    reporting = Reporting("CNY", (("USD", Decimal("7.1235")),))
    out = own_value(cust, acc, reporting=reporting).set_index("customer_id")
    # aum 1000.005 -> 100001 minor (half up), deposits 20013
    assert out.loc["a"].tolist() == [100001, 20013, 0, 120014]
    # 71.235 CNY -> 7124 minor; revenue round(123457 * 3 / 100) = round(3703.71) = 3704
    assert out.loc["b"].tolist() == [0, 7124, 3704, 10828]
    assert out.loc["c"].tolist() == [700, 0, 0, 700]


def test_own_value_primary_holder_only_and_options():
    cust = customers(a="0", b="0")
    acc = accounts(("S1", "a", "savings", "100", None, None, "open"))
    # b is a joint holder of S1 in account_holders: own value counts each account once,
    # for its primary holder (own_value takes no account_holders at all)
    out = own_value(cust, acc).set_index("customer_id")["own_value"]
    assert out.to_dict() == {"a": 10000, "b": 0}
    assert own_value(cust, acc, include_deposits=False)["own_value"].tolist() == [0, 0]
    assert own_value(cust, acc, departed=["a"])["own_value"].tolist() == [0, 0]
    loan = accounts(("L", "a", "loan", None, "1000", None, "open"))
    assert own_value(cust, loan, credit_margin="0.1")["credit_revenue"].tolist() == [10000, 0]
    assert own_value(cust, loan, credit_margin="0")["credit_revenue"].tolist() == [0, 0]
    for bad in ("-0.1", "1.5", "x"):
        with pytest.raises(ConfigError):
            own_value(cust, loan, credit_margin=bad)


def test_an_account_in_a_currency_without_a_rate_is_refused():
    acc = accounts(("S1", "a", "savings", "1", None, "JPY", "open"))
    with pytest.raises(ConfigError, match="JPY"):
        own_value(customers(a="1"), acc)


# -- referral value -----------------------------------------------------------------
def _reference(parents: dict[str, str], own: dict[str, int], num: int, den: int) -> dict:
    """R(u) = sum over children c of own(c) + round_half_up(delta * R(c)), by recursion."""
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)

    def r(u: str) -> int:
        total = 0
        for c in children.get(u, []):
            exact = Fraction(r(c) * num, den)
            total += own.get(c, 0) + int((exact + Fraction(1, 2)).__floor__())
        return total

    return {u: r(u) for u in own}


def test_referral_value_by_hand():
    cust = pd.DataFrame({"customer_id": list("abcdef")})
    own = pd.DataFrame({"customer_id": list("abcdef"), "own_value": [0, 100, 7, 3, 40, 1]})
    r = refs(("a", "b"), ("b", "c"), ("c", "d"), ("a", "e"), ("e", "f"))
    got = referral_value(cust, r, own).to_dict()
    # d: 0; c: 3; b: 7 + round(1.5) = 9; f: 0; e: 1; a: (100 + round(4.5)) + (40 + round(0.5))
    assert got == {"a": 146, "b": 9, "c": 3, "d": 0, "e": 1, "f": 0}
    # discount 1: the whole cascade's own value; 0: the direct referees' only
    assert referral_value(cust, r, own, discount="1")["a"] == 100 + 7 + 3 + 40 + 1
    assert referral_value(cust, r, own, discount="0")["a"] == 140


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("discount", ["0.5", "0.85", "0.333"])
def test_referral_value_matches_the_recursive_reference(seed, discount):
    rng = np.random.default_rng(seed)
    n = 300
    ids = [f"c{i:04d}" for i in range(n)]
    parents = {ids[i]: ids[int(rng.integers(0, i))] for i in range(1, n) if rng.random() < 0.8}
    own_minor = {c: int(v) for c, v in zip(ids, rng.integers(0, 10**9, n), strict=True)}
    cust = pd.DataFrame({"customer_id": ids})
    own = pd.DataFrame({"customer_id": ids, "own_value": list(own_minor.values())})
    got = referral_value(cust, refs(*((p, c) for c, p in parents.items())), own, discount=discount)
    num, den = Decimal(discount).as_integer_ratio()
    assert got.to_dict() == _reference(parents, own_minor, num, den)
    # and within half a minor unit per descendant of the exact discounted sum
    children: dict[str, list[str]] = {}
    for c, p in parents.items():
        children.setdefault(p, []).append(c)
    d = Fraction(Decimal(discount))
    for u in ids[:40]:
        exact, count, frontier, weight = Fraction(0), 0, children.get(u, []), Fraction(1)
        while frontier:
            exact += weight * sum(own_minor[c] for c in frontier)
            count += len(frontier)
            frontier = [k for c in frontier for k in children.get(c, [])]
            weight *= d
        assert abs(got[u] - exact) <= Fraction(count, 2)


def test_referral_value_refuses_what_is_not_a_forest():
    cust = pd.DataFrame({"customer_id": ["a", "b"]})
    own = pd.DataFrame({"customer_id": ["a", "b"], "own_value": [1, 1]})
    with pytest.raises(InvalidInput):
        referral_value(cust, refs(("a", "b"), ("b", "a")), own)
    with pytest.raises(ConfigError):
        referral_value(cust, refs(("a", "b")), own, discount="2")


# -- tiers and quadrants ------------------------------------------------------------
def test_parse_tiers():
    assert parse_tiers("quantile:0.1,0.3") == TierRule("quantile", Decimal("0.1"), Decimal("0.3"))
    assert parse_tiers(" VALUE:1000000, 100000 ") == TierRule(
        "value", Decimal(1000000), Decimal(100000)
    )
    for bad in (
        "quantile",
        "quantile:0.1",
        "quantile:0.6,0.6",
        "value:1,2",
        "median:1,2",
        "quantile:a,b",
        "value:0,0",
        "quantile:nan,0.1",
    ):
        with pytest.raises(ConfigError):
            parse_tiers(bad)


def _tiers(totals: dict[str, str], **kw) -> pd.DataFrame:
    cust = customers(**totals)
    return value_tiers(cust, None, None, **kw).set_index("customer_id")


def test_quantile_tiers_with_ties_and_no_value():
    totals = {"a": "10", "b": "9", "c": "9", "d": "5", "e": "1", "f": "0", "g": "0"}
    out = _tiers(totals, tiers="quantile:0.2,0.4")
    # five valued customers: A down to the total of rank ceil(1) = 10, B to rank
    # ceil(3) = 9 (c ties b); without value: always C
    assert out["tier"].to_dict() == {
        "a": "A",
        "b": "B",
        "c": "B",
        "d": "C",
        "e": "C",
        "f": "C",
        "g": "C",
    }
    # a tie at the A boundary takes A for both
    out = _tiers(totals, tiers="quantile:0.4,0.4")
    assert out.loc[["a", "b", "c", "d", "e"], "tier"].tolist() == ["A", "A", "A", "B", "C"]
    assert set(_tiers({"a": "0", "b": "0"})["tier"]) == {"C"}


def test_value_tiers_by_amount():
    out = _tiers(
        {"a": "1000000", "b": "999999.99", "c": "100000", "d": "5"}, tiers="value:1000000,100000"
    )
    assert out["tier"].to_dict() == {"a": "A", "b": "B", "c": "B", "d": "C"}


def test_quadrants_by_the_split_rule():
    # own values (in units) a..f: 1..6; x, y, z, w: 1..4, brought in by b, d, e, f
    cust = customers(a="1", b="2", c="3", d="4", e="5", f="6", x="1", y="2", z="3", w="4")
    r = refs(("b", "x"), ("d", "y"), ("e", "z"), ("f", "w"))
    out = value_tiers(cust, None, r).set_index("customer_id")
    # own, ten values: the floor(0.5 * 10) = 5 smallest are 1, 1, 2, 2, 3 -> every value
    # up to 3 is low (c and z tie with the fifth); referral, four referrers with 1, 2, 3,
    # 4: the 2 smallest are low
    assert out["quadrant"].to_dict() == {
        "a": "miser",
        "b": "miser",
        "c": "miser",
        "d": "affluent",
        "e": "champion",
        "f": "champion",
        "x": "miser",
        "y": "miser",
        "z": "miser",
        "w": "affluent",
    }
    # the only referrer is high: floor(0.5 * 1) = 0 values are low
    one = value_tiers(customers(a="0", b="5"), None, refs(("a", "b"))).set_index("customer_id")
    assert one.loc["a", "quadrant"] == "advocate" and one.loc["b", "quadrant"] == "affluent"
    # another split: the lower three quarters are low
    wide = value_tiers(cust, None, r, split="0.75").set_index("customer_id")
    assert wide.loc["e", "quadrant"] == "affluent" and wide.loc["f", "quadrant"] == "champion"
    assert set(QUADRANTS.values()) == {"champion", "affluent", "advocate", "miser"}


def test_value_tiers_frame():
    cust = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "aum": ["100", "200", "0", "50"],
            "closed_on": [None, None, "2026-01-01", None],
        }
    )
    acc = accounts(("L", "a", "loan", None, "1000", None, "open"))
    r = refs(("a", "c"), ("c", "d"))
    out = value_tiers(cust, acc, r, departed=["c"], tiers="quantile:0.3,0.3")
    assert out.columns.tolist() == [
        "customer_id",
        "value_rank",
        "tier",
        "quadrant",
        "aum",
        "deposits",
        "credit_revenue",
        "own_value",
        "referral_value",
        "total_value",
        "own_pct",
        "referral_pct",
    ]
    # c left: no row, own value 0, but d's value still reaches a (one generation down)
    assert out["customer_id"].tolist() == ["b", "a", "d"]
    row = out.set_index("customer_id").loc["a"]
    assert row["own_value"] == Decimal("130.00")  # 100 + 3 % of 1000
    assert row["referral_value"] == Decimal("25.00")  # 0 + round(0.5 * 50)
    assert row["total_value"] == Decimal("155.00")
    assert isinstance(out["total_value"].dtype, pd.ArrowDtype)
    assert out["value_rank"].tolist() == [1, 2, 3]
    assert out["tier"].tolist() == ["A", "B", "C"]
    assert out["own_pct"].tolist() == [100.0, pytest.approx(66.7), pytest.approx(33.3)]
    # totals add up exactly
    assert (out["own_value"] + out["referral_value"] == out["total_value"]).all()
    assert out.attrs["tiers"] == "quantile:0.3,0.3"


def test_value_tiers_of_nobody():
    out = value_tiers(pd.DataFrame({"customer_id": pd.Series([], dtype="str")}), None, None)
    assert out.empty and "tier" in out.columns


def test_rounding_is_half_up_once_per_referee():
    # 0.5 * 3 = 1.5 -> 2 (half up, not to even)
    cust = customers(a="0", b="0.00", c="0.03")
    got = value_tiers(cust, None, refs(("a", "b"), ("b", "c"))).set_index("customer_id")
    assert got.loc["a", "referral_value"] == Decimal("0.02")


def test_docstring_examples_run():
    import doctest

    from guanxi.algorithms import value as module

    found = doctest.testmod(module)
    assert found.attempted > 0 and found.failed == 0
