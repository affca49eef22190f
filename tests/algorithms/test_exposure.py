"""guanxi.algorithms.exposure against a plain-Decimal reading of the contract
(``money_reference``): exposures exact, converted and rounded half up once per account,
limits decided on exact values."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from money_reference import (
    CURRENCIES,
    amounts,
    fractions,
    percent,
    printed,
    reportings,
    status,
)
from money_reference import account_exposure as reference_exposure
from money_reference import deposit_balance as reference_balance

from guanxi.algorithms.exposure import (
    PRESETS,
    LimitPreset,
    account_exposure,
    account_holders_of,
    check_ccf,
    classify,
    credit_holdings,
    credit_holdings_of,
    deposit_holdings,
    exposure_minor,
    get_preset,
    holders_and_codes,
    minor_of,
    single_name_exposure,
)
from guanxi.algorithms.frames import is_open, labels, match_rows
from guanxi.errors import ConfigError
from guanxi.graph.schema import CREDIT_PRODUCTS, DEPOSIT_PRODUCTS, Entity, canonical_frame
from guanxi.money import AMOUNT_TYPE, FRACTION_UNIT, RATE_UNIT, Reporting, money_type

SETTINGS = settings(max_examples=30, deadline=None)
CUSTOMERS = ["C1", "C2", "C3", "C4"]
EXPOSURE_COLUMNS = [
    "account_id",
    "customer_id",
    "product",
    "currency",
    "rate",
    "exposure",
    "exposure_minor",
]
CNY = pd.ArrowDtype(money_type(2))


def accounts(rows) -> pd.DataFrame:
    return canonical_frame(Entity.ACCOUNTS, pd.DataFrame(rows))


def holders(rows) -> pd.DataFrame:
    return canonical_frame(
        Entity.ACCOUNT_HOLDERS, pd.DataFrame(rows, columns=["account_id", "customer_id", "role"])
    )


def texts(series: pd.Series) -> list[str]:
    """A decimal column as printed."""
    return [format(v, "f") for v in series]


# ----------------------------------------------------------------------------- accounts


def test_account_exposure_hand_cases():
    acc = accounts(
        [
            {
                "account_id": "L1",
                "customer_id": "C1",
                "product": "loan",
                "outstanding": "40",
                "credit_limit": "100",
                "status": "open",
            },  # ccf 1 -> max(out, limit)
            {
                "account_id": "L2",
                "customer_id": "C1",
                "product": "credit_line",
                "outstanding": "40",
                "credit_limit": "100",
                "ccf": "0.5",
            },  # 40 + 0.5 * 60
            {
                "account_id": "L3",
                "customer_id": "C2",
                "product": "overdraft",
                "outstanding": "150",
                "credit_limit": "100",
                "ccf": "0.2",
            },  # over limit
            {
                "account_id": "L4",
                "customer_id": "C2",
                "product": "credit_card",
                "credit_limit": "30",
            },  # nothing drawn, missing status = open
            {
                "account_id": "L5",
                "customer_id": "C3",
                "product": "mortgage",
                "outstanding": "90",
                "status": "closed",
            },  # closed: never counts
            {"account_id": "D1", "customer_id": "C3", "product": "savings", "balance": "500"},
        ]
    )
    out = account_exposure(acc)
    assert out.columns.tolist() == EXPOSURE_COLUMNS
    assert out["exposure"].dtype == CNY and out["exposure_minor"].dtype == np.int64
    assert dict(zip(out["account_id"], texts(out["exposure"]), strict=True)) == {
        "L1": "100.00",
        "L2": "70.00",
        "L3": "150.00",
        "L4": "30.00",
    }
    assert out["exposure_minor"].tolist() == [10000, 7000, 15000, 3000]
    assert out["currency"].tolist() == ["CNY"] * 4  # missing: the reporting currency
    assert texts(out["rate"]) == ["1.0000000000"] * 4
    for half in ("0.5", Decimal("0.5"), 0.5):  # a float is read by its shortest text
        got = account_exposure(acc, ccf_default=half)
        assert dict(zip(got["account_id"], texts(got["exposure"]), strict=True)) == {
            "L1": "70.00",
            "L2": "70.00",
            "L3": "150.00",
            "L4": "15.00",
        }


def test_account_exposure_empty():
    for frame in (None, accounts({"account_id": [], "customer_id": [], "product": []})):
        out = account_exposure(frame)
        assert out.empty
        assert out.columns.tolist() == EXPOSURE_COLUMNS
        assert out["exposure"].dtype == CNY
        assert out["exposure_minor"].dtype == np.int64


@pytest.mark.parametrize(
    "ccf", [-0.1, 1.5, float("nan"), float("inf"), "x", "0.12345678901", "-0.5", None]
)
def test_bad_ccf_default_raises(ccf):
    with pytest.raises(ConfigError):
        account_exposure(None, ccf_default=ccf)


@pytest.mark.parametrize(
    "ccf, units",
    [
        ("1", FRACTION_UNIT),
        (1, FRACTION_UNIT),
        ("0", 0),
        (0.1, 10**9),  # the float 0.1 is read as 0.1, not 0.1000000000000000055...
        ("0.3333333333", 3333333333),
        (Decimal("0.0000000001"), 1),
    ],
)
def test_check_ccf_units(ccf, units):
    assert check_ccf(ccf) == units


@st.composite
def bank_accounts(draw, max_accounts=8, currencies=True):
    n = draw(st.integers(0, max_accounts))
    money = st.one_of(st.none(), amounts())
    rows = []
    for i in range(n):
        rows.append(
            {
                "account_id": f"A{i}",
                "customer_id": draw(st.sampled_from(CUSTOMERS)),
                "product": draw(st.sampled_from(CREDIT_PRODUCTS + DEPOSIT_PRODUCTS)),
                "outstanding": draw(money),
                "credit_limit": draw(money),
                "balance": draw(money),
                "ccf": draw(st.one_of(st.none(), fractions())),
                "currency": draw(st.sampled_from([None, *CURRENCIES])) if currencies else None,
                "status": draw(st.sampled_from(["open", "closed", None])),
            }
        )
    further = (
        draw(
            st.lists(
                st.tuples(
                    st.sampled_from([r["account_id"] for r in rows] or ["A0"]),
                    st.sampled_from(CUSTOMERS),
                    st.sampled_from(["joint", "authorized"]),
                ),
                max_size=6,
            )
        )
        if rows
        else []
    )
    return rows, further


def frames(rows, further):
    acc = accounts(rows) if rows else None
    return acc, holders(further)


@SETTINGS
@given(bank_accounts(), st.one_of(st.sampled_from(["1", "0.5", "0"]), fractions()), reportings())
def test_account_and_single_name_exposure_match_reference(data, ccf_default, reporting):
    rows, further = data
    acc, hold = frames(rows, further)
    expected_acc = {}
    for r in rows:
        e = reference_exposure(r, ccf_default, reporting)
        if e is not None:
            expected_acc[r["account_id"]] = e
    got = account_exposure(acc, ccf_default=ccf_default, reporting=reporting)
    digits = reporting.digits
    assert got["exposure"].dtype == pd.ArrowDtype(money_type(digits))
    assert dict(zip(got["account_id"], got["exposure"], strict=True)) == expected_acc
    assert dict(zip(got["account_id"], texts(got["exposure"]), strict=True)) == {
        a: printed(e, digits) for a, e in expected_acc.items()
    }
    assert got["exposure_minor"].tolist() == [
        int(expected_acc[a].scaleb(digits)) for a in got["account_id"]
    ]
    # single names: the exact sum of the rounded exposures of the accounts each customer
    # holds, as primary or further holder
    held: dict[str, set[str]] = {}
    for r in rows:
        held.setdefault(r["customer_id"], set()).add(r["account_id"])
    for account_id, customer_id, _ in further:
        held.setdefault(customer_id, set()).add(account_id)
    expected = {}
    for customer, accs in held.items():
        mine = [expected_acc[a] for a in accs if a in expected_acc]
        if mine:
            expected[customer] = (sum(mine, Decimal(0)), len(mine))
    sne = single_name_exposure(acc, hold, ccf_default=ccf_default, reporting=reporting)
    got_sne = {
        c: (e, n)
        for c, e, n in zip(
            sne["customer_id"], sne["single_name_exposure"], sne["credit_accounts"], strict=True
        )
    }
    assert got_sne == expected
    assert sne["customer_id"].tolist() == sorted(sne["customer_id"])


@SETTINGS
@given(bank_accounts(), reportings())
def test_deposit_holdings_match_reference(data, reporting):
    rows, further = data
    acc, hold = frames(rows, further)
    dep = deposit_holdings(acc, hold, reporting=reporting)
    assert dep.columns.tolist() == ["account_id", "customer_id", "role", "balance_minor"]
    expected = {}
    for r in rows:
        b = reference_balance(r, reporting)
        if b is not None:
            expected[r["account_id"]] = int(b.scaleb(reporting.digits))
    for account_id, minor in zip(dep["account_id"], dep["balance_minor"], strict=True):
        assert minor == expected[account_id]
    assert set(dep.loc[dep["role"] == "primary", "account_id"]) == set(expected)


def test_holders_primary_once_and_roles():
    acc = accounts(
        [
            {"account_id": "M1", "customer_id": "C1", "product": "mortgage", "outstanding": "10"},
            {"account_id": "S1", "customer_id": "C2", "product": "savings", "balance": "5"},
        ]
    )
    hold = holders(
        [
            ("M1", "C1", "joint"),  # the primary again: stays primary, once
            ("M1", "C2", "joint"),
            ("M1", "C2", "authorized"),  # repeated: once
            ("S1", "C3", "authorized"),
            ("GONE", "C4", "joint"),  # account not in this frame: kept as a holder
        ]
    )
    h = account_holders_of(acc, hold)
    assert sorted(map(tuple, h[["account_id", "customer_id", "role"]].to_numpy().tolist())) == [
        ("GONE", "C4", "joint"),
        ("M1", "C1", "primary"),
        ("M1", "C2", "joint"),
        ("S1", "C2", "primary"),
        ("S1", "C3", "authorized"),
    ]
    credit = credit_holdings(acc, hold)
    assert credit.columns.tolist() == ["account_id", "customer_id", "role", "exposure_minor"]
    assert sorted(credit["customer_id"]) == ["C1", "C2"]
    assert credit["exposure_minor"].tolist() == [1000, 1000]  # 10.00 CNY on each holder's row
    assert credit["exposure_minor"].dtype == np.int64
    dep = deposit_holdings(acc, hold)
    assert sorted(dep["customer_id"]) == ["C2", "C3"]
    assert dep.columns.tolist() == ["account_id", "customer_id", "role", "balance_minor"]
    assert dep["balance_minor"].tolist() == [500, 500]


def test_single_name_empty_and_single_customer():
    out = single_name_exposure(None, None)
    assert out.empty
    assert out.columns.tolist() == ["customer_id", "single_name_exposure", "credit_accounts"]
    assert out["single_name_exposure"].dtype == CNY
    one = accounts(
        [{"account_id": "L", "customer_id": "C1", "product": "loan", "outstanding": "5"}]
    )
    out = single_name_exposure(one)
    assert out.to_dict("records") == [
        {"customer_id": "C1", "single_name_exposure": Decimal("5.00"), "credit_accounts": 1}
    ]
    assert texts(out["single_name_exposure"]) == ["5.00"]


BIG = st.one_of(amounts(10**9), st.just("99999999999999.9999"), st.just("0.0050"))
DIGITS = {0: "JPY", 2: "CNY", 3: "KWD"}


@SETTINGS
@given(
    st.lists(
        # rates up to 90: the largest amount then fits int64 minor units even with 3 digits
        st.tuples(BIG, BIG, fractions(), st.one_of(st.just(RATE_UNIT), st.integers(1, 9 * 10**11))),
        max_size=10,
    ),
    st.sampled_from(sorted(DIGITS)),
)
def test_exposure_minor_matches_reference(rows, digits):
    """The integer kernel against Decimal: exact whatever the sizes, rounded half up once;
    amounts whose total could wrap 64-bit sums are refused, never wrapped."""
    expected = []
    for o, lim, c, r in rows:
        reporting = Reporting(DIGITS[digits], (("XTS", Decimal(r).scaleb(-10)),))
        row = {"product": "loan", "outstanding": o, "credit_limit": lim, "ccf": c}
        e = reference_exposure({**row, "currency": "XTS"}, "1", reporting)
        expected.append(int(e.scaleb(digits)))
    args = (
        np.array([int(Decimal(o).scaleb(4)) for o, *_ in rows], dtype=np.int64),
        np.array([int(Decimal(lim).scaleb(4)) for _, lim, *_ in rows], dtype=np.int64),
        np.array([int(Decimal(c).scaleb(10)) for *_, c, _ in rows], dtype=np.int64),
        np.array([r for *_, r in rows], dtype=np.int64),
        digits,
    )
    if sum(expected) >= 2**62:
        with pytest.raises(ConfigError, match="add up to more than guanxi can sum exactly"):
            exposure_minor(*args)
        return
    got = exposure_minor(*args)
    assert got.dtype == np.int64
    assert got.tolist() == expected


def test_an_exposure_too_large_for_exact_integers_is_refused_not_wrapped():
    """The largest amount at a rate of 1000 is 10**19 minor units of CNY, past int64:
    a ConfigError naming the fix, never an OverflowError or a wrapped figure."""
    units = np.array([999999999999999999], dtype=np.int64)  # 99,999,999,999,999.9999
    with pytest.raises(ConfigError, match="more than guanxi can hold exactly"):
        exposure_minor(units, units, np.array([FRACTION_UNIT]), np.array([1000 * RATE_UNIT]), 2)
    acc = accounts(
        [
            {
                "account_id": "L",
                "customer_id": "C1",
                "product": "loan",
                "outstanding": "99999999999999.9999",
                "currency": "XAU",
            }
        ]
    )
    with pytest.raises(ConfigError, match="misplaced decimal point"):
        account_exposure(acc, reporting=Reporting("CNY", (("XAU", Decimal(1000)),)))


def test_minor_of_rounds_each_amount_once_and_counts_missing_as_zero():
    amounts_ = pd.Series(
        [Decimal("0.0050"), Decimal("0.0049"), None, Decimal("99999999999999.9999")],
        dtype=pd.ArrowDtype(AMOUNT_TYPE),
    )
    minor, present = minor_of(amounts_, 2)
    assert minor.tolist() == [1, 0, 0, 10_000_000_000_000_000]
    assert present.tolist() == [True, True, False, True]
    # converted by a rate of 0.5 first, then rounded: 0.0025 -> 0.00, 0.00245 -> 0.00
    half = np.full(4, RATE_UNIT // 2, dtype=np.int64)
    assert minor_of(amounts_, 2, half)[0].tolist() == [0, 0, 0, 5_000_000_000_000_000]
    assert minor_of(amounts_, 0)[0].tolist() == [0, 0, 0, 100_000_000_000_000]


# ----------------------------------------------------------------------------- limits


def test_basel_statuses_at_the_thresholds():
    out = classify(["0", "9.99", "10", "24", "25", "25.000001", "40"], 100, "basel", is_group=True)
    assert out["status"].tolist() == ["ok", "ok", "large", "large", "large", "breach", "breach"]
    assert texts(out["pct_tier1"]) == [
        "0.0000",
        "9.9900",
        "10.0000",
        "24.0000",
        "25.0000",
        "25.0000",  # printed 25.0000 after rounding, yet above 25 %: breach
        "40.0000",
    ]


def test_thresholds_exact_with_awkward_capital():
    # 10% and 25% of a capital that does not divide evenly stay on the threshold
    t1 = Decimal("3333333333.33")
    exposures = [t1 * 10 / 100, t1 * 25 / 100]  # 333333333.333 and 833333333.3325, exact
    out = classify(exposures, t1, "basel", is_group=False)
    assert out["status"].tolist() == ["large", "large"]
    assert texts(out["pct_tier1"]) == ["10.0000", "25.0000"]
    # one ten-thousandth of a unit either side moves the status, never less
    nudged = classify(
        [exposures[0] - Decimal("0.0001"), exposures[1] + Decimal("0.0001")],
        t1,
        "basel",
        is_group=False,
    )
    assert nudged["status"].tolist() == ["ok", "breach"]


def test_china_single_vs_group_thresholds():
    exposures = ["2", "2.5", "15", "16", "20", "21"]
    single = classify(exposures, 100, "china", is_group=False)["status"].tolist()
    group = classify(exposures, 100, "china", is_group=True)["status"].tolist()
    assert single == ["ok", "large", "large", "breach", "breach", "breach"]
    assert group == ["ok", "large", "large", "large", "large", "breach"]


def test_eu_equals_basel_numbers():
    assert PRESETS["eu"].thresholds(is_group=True) == PRESETS["basel"].thresholds(is_group=True)
    assert PRESETS["eu"].thresholds(is_group=False) == (Decimal("10"), Decimal("25"))
    assert PRESETS["china"].thresholds(is_group=True) == (Decimal("2.5"), Decimal("20"))


def test_no_tier1_means_no_status():
    s = pd.Series([1.0, 50.0], index=["g1", "g2"])
    out = classify(s, None, "basel", is_group=True)
    assert out.index.tolist() == ["g1", "g2"]
    assert out["pct_tier1"].isna().all()
    assert out["status"].isna().all()
    assert out["status"].dtype == "str"


def test_classify_keeps_series_index_and_missing():
    out = classify(pd.Series([np.nan, 30.0], index=[7, 9]), 100.0, is_group=False)
    assert out.index.tolist() == [7, 9]
    assert pd.isna(out["pct_tier1"].iloc[0]) and pd.isna(out["status"].iloc[0])
    assert out["status"].iloc[1] == "breach"
    assert out["pct_tier1"].iloc[1] == Decimal("30")
    # a decimal Series as the analyses give it: missing stays missing too
    exact = pd.Series([None, Decimal("30.00")], index=[7, 9], dtype=CNY)
    pd.testing.assert_frame_equal(classify(exact, 100, is_group=False), out)


def test_classify_empty():
    out = classify([], 100.0, is_group=True)
    assert out.empty and out.columns.tolist() == ["pct_tier1", "status"]


def test_presets_by_name_and_object():
    assert get_preset("China") is PRESETS["china"]
    custom = LimitPreset("custom", 5.0, 10.0, 5.0, 12.0)
    assert get_preset(custom) is custom
    assert custom.group_breach_pct == Decimal("12")  # floats by their shortest text
    assert classify(["11"], 100, custom, is_group=True)["status"].tolist() == ["large"]


@pytest.mark.parametrize("name", ["basle", "", "us"])
def test_bad_preset_name_raises(name):
    with pytest.raises(ConfigError, match="unknown limit preset"):
        classify([1.0], 100.0, name, is_group=True)


@pytest.mark.parametrize(
    "t1", [-1.0, 0.0, 1e-300, 0.5, float("nan"), float("inf"), "lots", "0.999999"]
)
def test_bad_tier1_raises(t1):
    with pytest.raises(ConfigError):
        classify([1.0], t1, "basel", is_group=True)


def test_negative_exposure_raises():
    with pytest.raises(ValueError):
        classify([-1.0], 100.0, "basel", is_group=True)


@pytest.mark.parametrize(
    "args",
    [
        (0.0, 25.0, 10.0, 25.0),
        (30.0, 25.0, 10.0, 25.0),
        (10.0, 25.0, 10.0, math.inf),
        ("10", "25", "x", "25"),
        (True, "25", "10", "25"),
    ],
)
def test_bad_preset_definition_raises(args):
    with pytest.raises(ValueError):
        LimitPreset("bad", *args)


@SETTINGS
@given(
    st.lists(amounts(10**9), max_size=20),
    st.integers(1, 10**9 * 100).map(lambda cents: Decimal(cents).scaleb(-2)),
    st.sampled_from(sorted(PRESETS)),
    st.booleans(),
)
def test_classify_matches_reference(exposures, t1, preset, is_group):
    large, breach = PRESETS[preset].thresholds(is_group=is_group)
    if t1 < 1:
        t1 += 1
    out = classify(exposures, t1, preset, is_group=is_group)
    for e, got_status, pct in zip(exposures, out["status"], out["pct_tier1"], strict=True):
        assert pct == percent(Decimal(e), t1)
        assert got_status == status(Decimal(e), t1, large, breach)
    assert out["pct_tier1"].dtype == pd.ArrowDtype(pa.decimal128(24, 4))


# --------------------------------------------------------------------------- holders
# The holders of accounts are paired with their accounts through integer codes; the
# merge on strings they replace is the reference (and the fallback for repeated ids).


def merged_holders(primary: pd.DataFrame, account_holders, *, orphans: bool) -> pd.DataFrame:
    """The pandas merge on account ids that :func:`holders_and_codes` stands for."""
    h = canonical_frame(Entity.ACCOUNT_HOLDERS, account_holders)
    ok = (primary["account_id"].notna() & primary["customer_id"].notna()).to_numpy(dtype=bool)
    primary = primary.loc[ok].reset_index(drop=True)
    further = h[["account_id", "customer_id", "role"]].astype("str")
    further = further.loc[(further["account_id"].notna() & further["customer_id"].notna())]
    further = further.merge(
        primary.rename(columns={"customer_id": "_primary"}),
        on="account_id",
        how="left" if orphans else "inner",
    )
    repeat = (further["customer_id"] == further["_primary"]).fillna(False).to_numpy(dtype=bool)
    further = further.loc[~repeat].drop(columns="_primary")
    further = further.drop_duplicates(["account_id", "customer_id"])
    primary.insert(2, "role", pd.Series("primary", index=primary.index, dtype="str"))
    both = pd.concat([primary, further[primary.columns]], ignore_index=True)
    return both.astype({"account_id": "str", "customer_id": "str", "role": "str"})


_ACCOUNT_IDS = st.sampled_from(["A1", "A2", "A3", "A10", None])
_CUSTOMER_IDS = st.sampled_from(CUSTOMERS + [None])


@SETTINGS
@given(
    st.lists(st.tuples(_ACCOUNT_IDS, _CUSTOMER_IDS, st.integers(0, 10**16)), max_size=6),
    st.lists(
        st.tuples(_ACCOUNT_IDS, _CUSTOMER_IDS, st.sampled_from(["joint", "authorized"])), max_size=6
    ),
    st.booleans(),
)
def test_further_holders_match_a_merge_on_strings(primary_rows, holder_rows, orphans):
    primary = pd.DataFrame(primary_rows, columns=["account_id", "customer_id", "exposure_minor"])
    primary = primary.astype({"account_id": "str", "customer_id": "str", "exposure_minor": "int64"})
    if orphans:  # as account_holders_of: no value columns
        primary = primary[["account_id", "customer_id"]]
    hold = holders(holder_rows)
    got, codes = holders_and_codes(primary, hold, orphans=orphans)
    pd.testing.assert_frame_equal(got, merged_holders(primary, hold, orphans=orphans))
    if codes is not None:  # equal codes exactly for equal account ids
        assert len(codes) == len(got)
        pairs = set(zip(codes.tolist(), got["account_id"].tolist(), strict=True))
        assert len({c for c, _ in pairs}) == len(pairs) == len({a for _, a in pairs})


def test_further_holders_both_paths_agree_on_repeated_account_ids():
    rows = [
        {"account_id": "L1", "customer_id": "C1", "product": "loan", "outstanding": "5"},
        {"account_id": "L1", "customer_id": "C2", "product": "loan", "outstanding": "7"},
        {"account_id": "L2", "customer_id": "C3", "product": "loan", "outstanding": "1"},
    ]
    hold = holders([("L1", "C4", "joint"), ("L2", "C1", "joint"), ("L2", "C3", "joint")])
    got = credit_holdings(accounts(rows), hold)
    exp = account_exposure(accounts(rows))[["account_id", "customer_id", "exposure_minor"]]
    pd.testing.assert_frame_equal(got, merged_holders(exp, hold, orphans=False))
    assert got["customer_id"].tolist() == ["C1", "C2", "C3", "C4", "C1"]


@SETTINGS
@given(
    st.lists(st.sampled_from(["a", "b", "c", None]), max_size=8),
    st.lists(st.sampled_from(["a", "b", "c", "d", None]), max_size=8),
)
def test_match_rows_pairs_like_a_merge(left, right):
    lser, rser = pd.Series(left, dtype="str"), pd.Series(right, dtype="str")
    match = match_rows(lser, rser)
    clean = rser.notna().all() and lser.notna().all() and rser.is_unique
    if not clean:
        assert match is None
        return
    rows, lc, rc = match
    merged = (
        pd.DataFrame({"k": lser})
        .reset_index()
        .merge(pd.DataFrame({"k": rser}).reset_index(), on="k", how="left")
    )
    assert rows.tolist() == merged["index_y"].fillna(-1).astype(int).tolist()
    assert [lc[i] == rc[j] for i, j in enumerate(rows) if j >= 0] == [True] * int((rows >= 0).sum())


@SETTINGS
@given(bank_accounts(), st.sets(st.sampled_from(CUSTOMERS), max_size=3), reportings())
def test_credit_holdings_of_some_customers_is_a_filter(data, who, reporting):
    rows, further = data
    acc, hold = frames(rows, further)
    full = credit_holdings(acc, hold, reporting=reporting)
    theirs = set(full.loc[full["customer_id"].isin(who), "account_id"])
    expected = full.loc[full["account_id"].isin(theirs)].reset_index(drop=True)
    got = credit_holdings_of(
        pd.Series(sorted(who), dtype="str"), acc, hold, ccf_default="1", reporting=reporting
    )
    pd.testing.assert_frame_equal(got, expected)


def test_open_status_spellings():
    acc = pd.DataFrame({"status": ["open", " Open ", "OPEN", "closed", None, "", "opened"]})
    assert is_open(acc).tolist() == [True, True, True, False, True, False, False]


def test_labels_from_codes():
    got = labels(
        np.array([2, 0, 1]), ["ok", "large", "breach"], missing=np.array([False, True, False])
    )
    expected = pd.Series(["breach", None, "large"], dtype="str")
    pd.testing.assert_series_equal(got, expected)
    assert labels(np.array([], dtype=np.int64), ["x"]).dtype == "str"
