"""The money rules of issue 12, end to end through the algorithms.

Each test of a rule of the issue failed on the float code the algorithms had before
(commit ``09c1aee^``, run on the same figures); the docstring of each says what that code
answered. The figures are chosen by hand (and, for the thresholds, found by searching for
sums a float adds up wrongly), so that the exact answer and the float answer differ.
``test_tier1_capital_with_cents`` is the exception: a regression test of a bug of the
first exact code, which the float code did not have.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from money_reference import CURRENCIES, amounts, fractions, reportings, round_once
from money_reference import account_exposure as reference_exposure

from guanxi.algorithms.circles import guarantee_circles
from guanxi.algorithms.exposure import account_exposure, classify, single_name_exposure
from guanxi.algorithms.groups import exposure_groups, groups_and_single_names, single_names
from guanxi.algorithms.households import household_summary
from guanxi.algorithms.influence import influencers
from guanxi.algorithms.referrals import cascade_tree, referral_reach
from guanxi.errors import ConfigError
from guanxi.graph.schema import CREDIT_PRODUCTS, Entity, canonical_frame
from guanxi.money import MAX_AMOUNT, Reporting

TIER1 = Decimal("80000000")
#: realistic rates, CNY per unit
RATES = Reporting(
    "CNY",
    (("EUR", Decimal("7.8125")), ("HKD", Decimal("0.9125")), ("USD", Decimal("7.1025"))),
)


def frame(entity: Entity, rows) -> pd.DataFrame:
    return canonical_frame(entity, pd.DataFrame(rows))


def loans(*rows) -> pd.DataFrame:
    """Accounts from ``(customer_id, outstanding)`` or ``(customer_id, outstanding,
    currency)`` tuples, numbered L0, L1, ..."""
    return frame(
        Entity.ACCOUNTS,
        [
            {
                "account_id": f"L{i}",
                "customer_id": r[0],
                "product": "loan",
                "outstanding": r[1],
                "currency": r[2] if len(r) > 2 else None,
            }
            for i, r in enumerate(rows)
        ],
    )


#: A controls B: one group of two
CONTROL = frame(Entity.OWNERSHIP, [{"owner_id": "A", "company_id": "B", "share": "1"}])


def group_of(accounts, *, tier1=TIER1, preset="basel", reporting=None):
    groups, members, _ = exposure_groups(
        None,
        accounts,
        None,
        None,
        CONTROL,
        as_of=None,
        tier1_capital=tier1,
        preset=preset,
        reporting=reporting,
    )
    assert len(groups) == 1
    return groups.iloc[0], members


def single_of(accounts, *, tier1=TIER1, preset="basel"):
    out = single_names(
        None, accounts, None, None, None, as_of=None, tier1_capital=tier1, preset=preset
    )
    assert len(out) == 1
    return out.iloc[0]


def text(value) -> str:
    return format(value, "f")


# ----------------------------------------------------------------- exact thresholds


def test_a_group_of_exactly_ten_percent_is_large():
    """8,000,000.00 against a Tier 1 of 80,000,000 is exactly 10 %: ``large``.

    The float code added 6440896.02 + 1258724.93 + 300379.05 to 7999999.999999999 and
    answered ``9.999999999999998`` % and ``ok``."""
    acc = loans(("A", "6440896.02"), ("B", "300379.05"), ("A", "1258724.93"))
    assert sum(Decimal(x) for x in acc["outstanding"]) == Decimal("8000000")
    group, _ = group_of(acc)
    assert text(group["exposure"]) == "8000000.00"
    assert text(group["pct_tier1"]) == "10.0000"
    assert group["status"] == "large"


def test_a_single_name_of_exactly_ten_percent_is_large():
    """The float code summed 4712071.34 + 1852532.52 + 1435396.14 to 7999999.999999999:
    ``9.999999999999998`` % and ``ok``."""
    row = single_of(loans(("S", "4712071.34"), ("S", "1852532.52"), ("S", "1435396.14")))
    assert (text(row["single_name_exposure"]), text(row["pct_tier1"]), row["status"]) == (
        "8000000.00",
        "10.0000",
        "large",
    )


def test_exactly_twenty_five_percent_is_large_not_breach():
    """20,000,000.00 of 80,000,000 is exactly the 25 % limit, which is not exceeded.

    The float code summed 9464706.38 + 10235637.57 + 299656.05 to 20000000.000000004
    and answered ``25.000000000000007`` % and ``breach``, for a group and for a single
    name alike; one cent more is a breach."""
    parts = ("9464706.38", "10235637.57", "299656.05")
    group, _ = group_of(loans(("A", parts[0]), ("B", parts[1]), ("A", parts[2])))
    assert (text(group["pct_tier1"]), group["status"]) == ("25.0000", "large")
    row = single_of(loans(*(("S", p) for p in parts)))
    assert (text(row["pct_tier1"]), row["status"]) == ("25.0000", "large")
    over = single_of(loans(*(("S", p) for p in parts), ("S", "0.01")))
    assert (text(over["pct_tier1"]), over["status"]) == ("25.0000", "breach")


def test_china_preset_two_and_a_half_percent_exact():
    """The CBIRC 2.5 % reporting threshold: 2,000,000.00 of 80,000,000 is ``large``.

    The float code summed 466271.42 + 1085797.13 + 447931.45 to 1999999.9999999998 and
    answered ``2.4999999999999996`` % and ``ok``."""
    parts = ("466271.42", "1085797.13", "447931.45")
    group, _ = group_of(loans(("A", parts[0]), ("B", parts[1]), ("A", parts[2])), preset="china")
    assert (text(group["exposure"]), text(group["pct_tier1"]), group["status"]) == (
        "2000000.00",
        "2.5000",
        "large",
    )
    row = single_of(loans(*(("S", p) for p in parts)), preset="china")
    assert (text(row["pct_tier1"]), row["status"]) == ("2.5000", "large")
    under = single_of(loans(("S", "1999999.99")), preset="china")
    assert under["status"] == "ok"


def test_tier1_capital_with_cents():
    """A Tier 1 capital with cents (``80000000.50``, as ``guanxi analyze`` passes it
    after reading ``--tier1-capital``) is compared exactly.

    The float code accepted it; the first exact code refused it with "tier1_capital
    80000000.50 has more decimal places than the exposures (0)", because the options
    were checked against an empty list of exposures."""
    tier1 = Decimal("80000000.50")
    acc = loans(("A", "8000000.05"), ("B", "0.00"))
    group, _ = group_of(acc, tier1=tier1)
    assert (text(group["pct_tier1"]), group["status"]) == ("10.0000", "large")
    below, _ = group_of(loans(("A", "8000000.04")), tier1=tier1)
    assert below["status"] == "ok"  # 10.0000 printed, yet below 10 %: exact, not rounded
    assert text(below["pct_tier1"]) == "10.0000"
    out = classify(["1", "10"], "100.5", is_group=True)
    assert [text(p) for p in out["pct_tier1"]] == ["0.9950", "9.9502"]
    # exposures that cannot be scaled to the capital's decimals in int64: refused
    with pytest.raises(ConfigError, match="more decimal places than the exposures can carry"):
        classify(["922337203685477581"], "1000.5", is_group=True)


# ----------------------------------------------------------------- sums as printed


def test_totals_equal_the_sum_of_their_parts_as_printed():
    """Three lines of 100.01 at a ccf of 0.5 are 50.005 each, printed 50.01: the group's
    exposure is 150.03, the sum of its accounts as printed; so are the single names,
    the largest member's, a household's and a circle's.

    The float code answered 150.015 for the group (printed 150.02 or 150.01, never
    the 150.03 of its parts) and 50.005 for B."""
    acc = frame(
        Entity.ACCOUNTS,
        [
            {
                "account_id": f"L{i}",
                "customer_id": c,
                "product": "credit_line",
                "credit_limit": "100.01",
                "ccf": "0.5",
            }
            for i, c in enumerate("ABA")
        ],
    )
    parts = account_exposure(acc)
    assert [text(e) for e in parts["exposure"]] == ["50.01"] * 3
    printed_sum = sum((Decimal(text(e)) for e in parts["exposure"]), Decimal(0))
    group, members = group_of(acc)
    assert text(group["exposure"]) == "150.03" and group["exposure"] == printed_sum
    assert [text(e) for e in members["single_name_exposure"]] == ["100.02", "50.01"]
    assert text(group["largest_member_exposure"]) == "100.02"
    hh = frame(
        Entity.HOUSEHOLDS,
        [{"household_id": "H", "customer_id": c} for c in "AB"],
    )
    assert household_summary(hh, acc)["exposure"].tolist() == [printed_sum]
    circle = frame(
        Entity.GUARANTEES,
        [{"guarantor_id": "A", "borrower_id": "B"}, {"guarantor_id": "B", "borrower_id": "A"}],
    )
    assert guarantee_circles(circle, acc)[0]["exposure"].tolist() == [printed_sum]


@st.composite
def banks(draw):
    ids = ["C0", "C1", "C2", "C3", "C4"]
    accs = [
        {
            "account_id": f"A{i}",
            "customer_id": draw(st.sampled_from(ids)),
            "product": draw(st.sampled_from([*CREDIT_PRODUCTS, "savings"])),
            "outstanding": draw(st.one_of(st.none(), amounts())),
            "credit_limit": draw(st.one_of(st.none(), amounts())),
            "ccf": draw(st.one_of(st.none(), fractions())),
            "currency": draw(st.sampled_from([None, *CURRENCIES])),
            "status": draw(st.sampled_from(["open", "closed", None])),
        }
        for i in range(draw(st.integers(1, 10)))
    ]
    hold = [
        {"account_id": a, "customer_id": c, "role": "joint"}
        for a, c in draw(
            st.lists(
                st.tuples(st.sampled_from([a["account_id"] for a in accs]), st.sampled_from(ids)),
                max_size=5,
            )
        )
    ]
    own = [
        {"owner_id": a, "company_id": b, "share": "1"}
        for a, b in draw(
            st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=4)
        )
        if a != b
    ]
    return ids, accs, hold, own


@settings(max_examples=25, deadline=None)
@given(banks(), st.one_of(st.just("1"), fractions()), reportings())
def test_every_total_is_the_sum_of_the_printed_account_exposures(bank, ccf_default, reporting):
    """Whatever the bank: a group's exposure is the sum of its distinct accounts'
    exposures as :func:`account_exposure` prints them, and a single name's the sum over
    the accounts the customer holds.

    The float code printed unrounded account exposures (50.005) and summed them
    unrounded (150.015), so this failed as soon as a ccf left more than two decimals."""
    ids, accs, hold, own = bank
    acc = frame(Entity.ACCOUNTS, accs)
    hf = frame(Entity.ACCOUNT_HOLDERS, hold) if hold else None
    of = frame(Entity.OWNERSHIP, own) if own else None
    cust = frame(Entity.CUSTOMERS, [{"customer_id": c, "kind": "person"} for c in ids])
    options = {"as_of": None, "ccf_default": ccf_default, "reporting": reporting}
    parts = account_exposure(acc, ccf_default=ccf_default, reporting=reporting)
    printed = {
        a: Decimal(text(e)) for a, e in zip(parts["account_id"], parts["exposure"], strict=True)
    }
    holders = {a["account_id"]: {a["customer_id"]} for a in accs}
    for h in hold:
        holders[h["account_id"]].add(h["customer_id"])
    groups, members, _, singles = groups_and_single_names(cust, acc, hf, None, of, **options)
    for gid, exposure in zip(groups["group_id"], groups["exposure"], strict=True):
        comp = set(members.loc[members["group_id"] == gid, "customer_id"])
        theirs = [a for a in printed if holders[a] & comp]
        assert exposure == sum((printed[a] for a in theirs), Decimal(0))
    sne = single_name_exposure(acc, hf, ccf_default=ccf_default, reporting=reporting)
    for c, e in zip(sne["customer_id"], sne["single_name_exposure"], strict=True):
        assert e == sum((printed[a] for a in printed if c in holders[a]), Decimal(0))
    for c, e in zip(singles["customer_id"], singles["single_name_exposure"], strict=True):
        assert e == sum((printed[a] for a in printed if c in holders[a]), Decimal(0))


# ----------------------------------------------------------------- currencies


def test_currencies_converted_before_summing_rounded_once_per_account():
    """Every account is converted to CNY and rounded half up on its own, then summed.

    A holds three USD loans of 1.00 at 7.1025: 7.1025 -> 7.10 each, 21.30 in all
    (converting the sum would give 21.3075 -> 21.31). B holds HKD 2.00 at 0.9125
    (1.825 -> 1.83: half up, where half-even would give 1.82) and EUR 0.40 at 7.8125
    (3.125 -> 3.13): 4.96 in all (converting and rounding the sum: 4.95).

    The float code summed the amounts as if they were CNY: 3.00 and 2.40."""
    acc = loans(
        ("A", "1.00", "USD"),
        ("A", "1.00", "USD"),
        ("A", "1.00", "USD"),
        ("B", "2.00", "HKD"),
        ("B", "0.40", "EUR"),
    )
    # the case is one where the rule matters: per account differs from the rounded sum
    usd, hkd, eur = (dict(RATES.rates)[c] for c in ("USD", "HKD", "EUR"))
    assert round_once(3 * usd, 2) == Decimal("21.31") != 3 * round_once(usd, 2)
    assert round_once(2 * hkd + Decimal("0.4") * eur, 2) == Decimal("4.95")
    assert (2 * hkd).quantize(Decimal("0.01"), rounding=ROUND_HALF_EVEN) == Decimal("1.82")

    parts = account_exposure(acc, reporting=RATES)
    assert [text(e) for e in parts["exposure"]] == ["7.10", "7.10", "7.10", "1.83", "3.13"]
    assert [text(r) for r in parts["rate"]] == ["7.1025000000"] * 3 + [
        "0.9125000000",
        "7.8125000000",
    ]
    sne = single_name_exposure(acc, reporting=RATES)
    assert [text(e) for e in sne["single_name_exposure"]] == ["21.30", "4.96"]
    group, members = group_of(acc, reporting=RATES)
    assert text(group["exposure"]) == "26.26"  # 21.30 + 4.96: the parts, as printed
    assert [text(e) for e in members["single_name_exposure"]] == ["21.30", "4.96"]


@pytest.mark.parametrize("reporting", [Reporting(), RATES])
def test_an_account_in_a_currency_without_a_rate_is_refused_naming_it(reporting):
    """An open account in GBP with no GBP rate is an error naming GBP, never added as
    if it were CNY (the float code added it as CNY, with no warning)."""
    acc = loans(("A", "10"), ("B", "5", "GBP"), ("A", "1", "USD"))
    calls = [
        lambda: account_exposure(acc, reporting=reporting),
        lambda: single_name_exposure(acc, reporting=reporting),
        lambda: group_of(acc, reporting=reporting),
        lambda: household_summary(
            frame(Entity.HOUSEHOLDS, [{"household_id": "H", "customer_id": "B"}]),
            acc,
            reporting=reporting,
        ),
    ]
    for call in calls:
        with pytest.raises(ConfigError, match="GBP") as caught:
            call()
        assert "fx_rates" in str(caught.value) and "L1" in str(caught.value)
    if reporting.rates:  # USD has a rate: only GBP is named
        with pytest.raises(ConfigError) as caught:
            account_exposure(acc, reporting=reporting)
        assert "USD" not in str(caught.value)


# ----------------------------------------------------------------- edge values


def test_minus_zero_is_zero():
    """``-0`` in any form is 0, printed ``0.00`` and never ``-0.00``.

    The float code answered ``pct_tier1`` -0.0 for an exposure of -0.0."""
    acc = frame(
        Entity.ACCOUNTS,
        [
            {
                "account_id": "L1",
                "customer_id": "A",
                "product": "loan",
                "outstanding": "-0",
                "credit_limit": "-0.00",
            },
            {"account_id": "L2", "customer_id": "A", "product": "loan", "outstanding": -0.0},
        ],
    )
    assert acc["outstanding"].tolist() == [Decimal(0), Decimal(0)]
    assert not any(v.is_signed() for v in acc["outstanding"])
    exposures = account_exposure(acc)["exposure"]
    assert [text(e) for e in exposures] == ["0.00", "0.00"]
    out = classify(["-0", -0.0, Decimal("-0")], 100, is_group=False)
    assert [text(p) for p in out["pct_tier1"]] == ["0.0000"] * 3
    assert not any(p.is_signed() for p in out["pct_tier1"])
    customers = frame(
        Entity.CUSTOMERS,
        [
            {"customer_id": "a", "kind": "person", "aum": "-0"},
            {"customer_id": "b", "kind": "person", "aum": "-0.0000"},
        ],
    )
    referrals = frame(Entity.REFERRALS, [{"referrer_id": "a", "referee_id": "b"}])
    nodes = cascade_tree(referrals, customers, "a").nodes
    assert [text(a) for a in nodes["aum"]] == ["0.00", "0.00"]
    assert text(referral_reach(customers, referrals)["downstream_aum"].iloc[0]) == "0.00"


def test_a_twelve_generation_cascade_spells_all_twelve():
    """A cascade of 14 over 12 generations: ``1;1;1;1;1;1;3;1;1;1;1;1``.

    The float-era code cut the list after 10 generations: ``1;1;1;1;1;1;3;1;1;1``,
    which adds up to 13, not the 14 of the cascade."""
    chain = ["r"] + [f"g{i:02d}" for i in range(1, 7)]
    pairs = list(zip(chain[:-1], chain[1:], strict=True))
    pairs += [("g06", "g07a"), ("g06", "g07b"), ("g06", "g07c")]
    previous = "g07a"
    for i in range(8, 13):
        pairs.append((previous, f"g{i:02d}"))
        previous = f"g{i:02d}"
    ids = sorted({x for p in pairs for x in p})
    customers = pd.DataFrame({"customer_id": ids, "aum": ["1"] * len(ids)})
    referrals = pd.DataFrame(pairs, columns=["referrer_id", "referee_id"])
    reach = referral_reach(customers, referrals).set_index("customer_id").loc["r"]
    assert (reach["direct"], reach["cascade"], reach["depth"]) == (1, 14, 12)
    assert reach["generations"] == "1;1;1;1;1;1;3;1;1;1;1;1"
    assert reach["downstream_aum"] == Decimal("14.00")
    ranking, _ = influencers(customers, referrals)
    assert ranking.set_index("customer_id").loc["r", "generations"] == reach["generations"]


def test_very_large_amounts_sum_exactly():
    """Amounts near the largest accepted (99,999,999,999,999.9999), with a ccf of ten
    decimals, sum exactly.

    The float code read 99999999999999.9949 as 100000000000000.0 (a float carries 15 to
    17 digits): A's single-name exposure came out 200000000000000.0 and the group's
    241563785931234.56, where the exact figures are 199999999999999.98 and
    241563785931234.55."""
    big = "99999999999999.9949"
    acc = frame(
        Entity.ACCOUNTS,
        [
            {"account_id": "L1", "customer_id": "A", "product": "loan", "outstanding": big},
            {
                "account_id": "L2",
                "customer_id": "B",
                "product": "credit_line",
                "outstanding": "12345678901234.5678",
                "credit_limit": str(MAX_AMOUNT),
                "ccf": "0.3333333333",
            },
            {"account_id": "L3", "customer_id": "A", "product": "loan", "outstanding": big},
        ],
    )
    # 12345678901234.5678 + 0.3333333333 * 87654321098765.4321
    #   = 41563785931234.56779670781893 -> 41563785931234.57
    parts = account_exposure(acc)
    assert [text(e) for e in parts["exposure"]] == [
        "99999999999999.99",
        "41563785931234.57",
        "99999999999999.99",
    ]
    group, members = group_of(acc, tier1=Decimal("1000000000000000"))
    assert [text(e) for e in members["single_name_exposure"]] == [
        "199999999999999.98",
        "41563785931234.57",
    ]
    assert text(group["exposure"]) == "241563785931234.55"
    assert text(group["pct_tier1"]) == "24.1564"
    assert group["status"] == "large"
    # in USD at a rate of 10 decimals, still exact against Decimal
    rate = Decimal("7.1234567891")
    usd = Reporting("CNY", (("USD", rate),))
    rows = [
        {
            "account_id": f"U{i}",
            "customer_id": "A",
            "product": "loan",
            "outstanding": str(MAX_AMOUNT),
            "currency": "USD",
        }
        for i in range(5)
    ]
    total = single_name_exposure(frame(Entity.ACCOUNTS, rows), reporting=usd)
    one = reference_exposure(rows[0], "1", usd)  # 712345678909999.99928765432109 -> .00
    assert text(one) == "712345678910000.00"
    assert text(total["single_name_exposure"].iloc[0]) == "3561728394550000.00"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(10**17, 10**18 - 1).map(lambda u: format(Decimal(u).scaleb(-4), "f")),
            fractions(),
            st.sampled_from([None, "USD", "HKD", "EUR"]),
        ),
        min_size=1,
        max_size=6,
    ),
    reportings(),
)
def test_large_amounts_match_the_decimal_reference(rows, reporting):
    """Amounts of 14 integer digits, in any currency: the single-name exposure is the
    exact sum of the exposures, each converted and rounded once.

    A float holds 15 to 17 significant digits, not the 18 of these amounts: the float
    code (which also ignored the currency) failed this on almost every example."""
    if reporting.digits == 3 or any(r > 90 for _, r in reporting.rates):
        reporting = RATES  # keep every exposure within int64 minor units
    accs = [
        {
            "account_id": f"L{i}",
            "customer_id": "A",
            "product": "credit_line",
            "outstanding": amount,
            "credit_limit": str(MAX_AMOUNT),
            "ccf": ccf,
            "currency": currency,
        }
        for i, (amount, ccf, currency) in enumerate(rows)
    ]
    expected = sum((reference_exposure(a, "1", reporting) for a in accs), Decimal(0))
    got = single_name_exposure(frame(Entity.ACCOUNTS, accs), reporting=reporting)
    assert got["single_name_exposure"].tolist() == [expected]
    assert got["single_name_exposure"].dtype.pyarrow_dtype.scale == reporting.digits
    assert np.issubdtype(got["credit_accounts"].dtype, np.integer)
