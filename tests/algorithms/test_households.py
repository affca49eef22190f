"""guanxi.algorithms.households against a plain-Python reference, its money against the
Decimal reference (``money_reference``)."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from money_reference import CURRENCIES, amounts, fractions, reportings
from money_reference import account_exposure as reference_exposure
from money_reference import deposit_balance as reference_balance

from guanxi.algorithms.households import household_summary
from guanxi.errors import ConfigError
from guanxi.graph.schema import CREDIT_PRODUCTS, DEPOSIT_PRODUCTS, Entity, canonical_frame
from guanxi.money import Reporting, money_type

SETTINGS = settings(max_examples=25, deadline=None)
COLUMNS = ["household_id", "size", "members", "head", "deposits", "exposure"]
CNY = pd.ArrowDtype(money_type(2))


def frame(entity, rows):
    return canonical_frame(entity, pd.DataFrame(rows))


def test_hand_household():
    hh = frame(
        Entity.HOUSEHOLDS,
        [
            {"household_id": "H1", "customer_id": "W", "role": "spouse"},
            {"household_id": "H1", "customer_id": "H", "role": "head"},
            {"household_id": "H1", "customer_id": "K", "role": "child"},
            {"household_id": "H2", "customer_id": "K", "role": "head"},  # K in two households
            {"household_id": "H3", "customer_id": "Z", "role": "other"},  # no head
        ],
    )
    acc = frame(
        Entity.ACCOUNTS,
        [
            {"account_id": "S1", "customer_id": "H", "product": "savings", "balance": "100"},
            {
                "account_id": "S2",
                "customer_id": "W",
                "product": "term_deposit",
                "balance": "50",
                "status": "closed",
            },  # closed: not counted
            {"account_id": "S3", "customer_id": "K", "product": "current", "balance": None},
            {"account_id": "W1", "customer_id": "OUT", "product": "wealth", "balance": "7"},
            {"account_id": "M1", "customer_id": "H", "product": "mortgage", "outstanding": "300"},
            {
                "account_id": "C1",
                "customer_id": "K",
                "product": "credit_card",
                "credit_limit": "20",
            },
        ],
    )
    hold = frame(
        Entity.ACCOUNT_HOLDERS,
        [
            {"account_id": "M1", "customer_id": "W", "role": "joint"},  # shared: counted once
            {"account_id": "S1", "customer_id": "W", "role": "joint"},
            {"account_id": "W1", "customer_id": "Z", "role": "authorized"},
        ],
    )
    out = household_summary(hh, acc, hold)
    assert out.columns.tolist() == COLUMNS
    assert out.iloc[:2].to_dict("records") == [
        {
            "household_id": "H1",
            "size": 3,
            "members": "H;K;W",
            "head": "H",
            "deposits": Decimal("100.00"),
            "exposure": Decimal("320.00"),
        },
        {
            "household_id": "H2",
            "size": 1,
            "members": "K",
            "head": "K",
            "deposits": Decimal("0.00"),
            "exposure": Decimal("20.00"),
        },
    ]
    h3 = out.iloc[2]
    assert (h3["household_id"], h3["members"], h3["deposits"], h3["exposure"]) == (
        "H3",
        "Z",
        Decimal("7.00"),
        Decimal("0.00"),
    )
    assert out["deposits"].dtype == CNY and out["exposure"].dtype == CNY
    assert pd.isna(h3["head"])  # no head: missing, not guessed


def test_two_heads_take_the_smallest_id():
    hh = frame(
        Entity.HOUSEHOLDS,
        [
            {"household_id": "H", "customer_id": "B", "role": "head"},
            {"household_id": "H", "customer_id": "A", "role": "head"},
        ],
    )
    assert household_summary(hh)["head"].tolist() == ["A"]


def test_empty_and_single():
    for hh in (None, frame(Entity.HOUSEHOLDS, {"household_id": [], "customer_id": []})):
        out = household_summary(hh)
        assert out.empty and out.columns.tolist() == COLUMNS
        assert out["deposits"].dtype == CNY and out["size"].dtype == np.int64
        assert out["exposure"].dtype == CNY
    one = household_summary(frame(Entity.HOUSEHOLDS, [{"household_id": "H", "customer_id": "A"}]))
    assert one[["household_id", "size", "members", "deposits", "exposure"]].to_dict("records") == [
        {
            "household_id": "H",
            "size": 1,
            "members": "A",
            "deposits": Decimal("0.00"),
            "exposure": Decimal("0.00"),
        }
    ]


def test_bad_ccf_raises():
    with pytest.raises(ConfigError):
        household_summary(None, ccf_default=3)


IDS = [f"C{i}" for i in range(6)]


@st.composite
def random_households(draw):
    members = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["H1", "H2", "H3"]),
                st.sampled_from(IDS),
                st.sampled_from(["head", "spouse", "child", None]),
            ),
            max_size=10,
            unique_by=lambda r: (r[0], r[1]),
        )
    )
    accs = [
        {
            "account_id": f"A{i}",
            "customer_id": draw(st.sampled_from(IDS)),
            "product": draw(st.sampled_from(CREDIT_PRODUCTS + DEPOSIT_PRODUCTS)),
            "balance": draw(st.one_of(st.sampled_from([None, "1", "10"]), amounts())),
            "outstanding": draw(st.one_of(st.sampled_from([None, "5", "50"]), amounts())),
            "credit_limit": draw(st.one_of(st.sampled_from([None, "20"]), amounts())),
            "ccf": draw(st.one_of(st.none(), fractions())),
            "currency": draw(st.sampled_from([None, *CURRENCIES])),
            "status": draw(st.sampled_from(["open", "closed", None])),
        }
        for i in range(draw(st.integers(0, 8)))
    ]
    hold = []
    if accs:
        hold = draw(
            st.lists(
                st.tuples(st.sampled_from([a["account_id"] for a in accs]), st.sampled_from(IDS)),
                max_size=5,
            )
        )
    return members, accs, hold


@SETTINGS
@given(random_households(), st.one_of(st.just("1"), fractions()), reportings())
def test_random_households_match_reference(data, ccf_default, reporting):
    members, accs, hold = data
    hh = (
        frame(
            Entity.HOUSEHOLDS,
            [{"household_id": h, "customer_id": c, "role": r} for h, c, r in members],
        )
        if members
        else None
    )
    acc = frame(Entity.ACCOUNTS, accs) if accs else None
    hf = (
        frame(
            Entity.ACCOUNT_HOLDERS,
            [{"account_id": a, "customer_id": c, "role": "joint"} for a, c in hold],
        )
        if hold
        else None
    )
    out = household_summary(hh, acc, hf, ccf_default=ccf_default, reporting=reporting)
    assert out["deposits"].dtype == pd.ArrowDtype(money_type(reporting.digits))
    out = out.set_index("household_id")

    holders = {a["account_id"]: {a["customer_id"]} for a in accs}
    for a, c in hold:
        holders[a].add(c)
    live = {a["account_id"]: a for a in accs if a["status"] != "closed"}

    def value(a):
        """Each account converted and rounded once, in the reporting currency."""
        if a["product"] in DEPOSIT_PRODUCTS:
            return "deposit", reference_balance(a, reporting)
        return "credit", reference_exposure(a, ccf_default, reporting)

    households = sorted({h for h, _, _ in members})
    assert out.index.tolist() == households
    for h in households:
        ms = {c for hh_, c, _ in members if hh_ == h}
        heads = sorted(c for hh_, c, r in members if hh_ == h and r == "head")
        theirs = [live[a] for a in live if holders[a] & ms]
        deposits = sum((value(a)[1] for a in theirs if value(a)[0] == "deposit"), Decimal(0))
        exposure = sum((value(a)[1] for a in theirs if value(a)[0] == "credit"), Decimal(0))
        row = out.loc[h]
        assert row["size"] == len(ms)
        assert row["members"] == ";".join(sorted(ms))
        assert (row["head"] if pd.notna(row["head"]) else None) == (heads[0] if heads else None)
        assert row["deposits"] == deposits  # exactly: sums of amounts rounded once each
        assert row["exposure"] == exposure


def test_deposits_converted_and_rounded_once_per_account():
    """Two USD savings accounts of 1.00 at 7.1025 are 7.10 each (the sum 14.205 would
    round to 14.21): the household's deposits are 14.20, the sum of its accounts as
    printed; an account in a currency without a rate is refused, naming it."""
    hh = frame(Entity.HOUSEHOLDS, [{"household_id": "H", "customer_id": "A", "role": "head"}])
    rows = [
        {
            "account_id": f"S{i}",
            "customer_id": "A",
            "product": "savings",
            "balance": "1.00",
            "currency": "USD",
        }
        for i in (1, 2)
    ]
    usd = Reporting("CNY", (("USD", Decimal("7.1025")),))
    out = household_summary(hh, frame(Entity.ACCOUNTS, rows), reporting=usd)
    assert [format(v, "f") for v in out["deposits"]] == ["14.20"]
    rows.append(
        {
            "account_id": "S3",
            "customer_id": "A",
            "product": "savings",
            "balance": "1",
            "currency": "CHF",
        }
    )
    with pytest.raises(ConfigError, match="CHF"):
        household_summary(hh, frame(Entity.ACCOUNTS, rows), reporting=usd)
