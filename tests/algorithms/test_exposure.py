"""guanxi.algorithms.exposure against a plain-Python reading of the contract."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from guanxi.algorithms.exposure import (
    PRESETS,
    LimitPreset,
    _credit_holdings_of,
    _holders_and_codes,
    _is_open,
    _labels,
    _match_rows,
    account_exposure,
    account_holders_of,
    classify,
    credit_holdings,
    deposit_holdings,
    get_preset,
    single_name_exposure,
)
from guanxi.errors import ConfigError
from guanxi.graph.schema import CREDIT_PRODUCTS, DEPOSIT_PRODUCTS, Entity, canonical_frame

SETTINGS = settings(max_examples=30, deadline=None)
CUSTOMERS = ["C1", "C2", "C3", "C4"]


def accounts(rows) -> pd.DataFrame:
    return canonical_frame(Entity.ACCOUNTS, pd.DataFrame(rows))


def holders(rows) -> pd.DataFrame:
    return canonical_frame(
        Entity.ACCOUNT_HOLDERS, pd.DataFrame(rows, columns=["account_id", "customer_id", "role"])
    )


def reference_exposure(row: dict, ccf_default: float) -> float | None:
    """The contract's definition, one row at a time; None when the account does not count."""
    if row["product"] not in CREDIT_PRODUCTS or row.get("status") == "closed":
        return None
    out = row.get("outstanding")
    limit = row.get("credit_limit")
    ccf = row.get("ccf")
    out = 0.0 if out is None else out
    limit = 0.0 if limit is None else limit
    ccf = ccf_default if ccf is None else ccf
    return out + ccf * max(limit - out, 0.0)


# ----------------------------------------------------------------------------- accounts


def test_account_exposure_hand_cases():
    acc = accounts(
        [
            {
                "account_id": "L1",
                "customer_id": "C1",
                "product": "loan",
                "outstanding": 40.0,
                "credit_limit": 100.0,
                "status": "open",
            },  # ccf 1 -> max(out, limit)
            {
                "account_id": "L2",
                "customer_id": "C1",
                "product": "credit_line",
                "outstanding": 40.0,
                "credit_limit": 100.0,
                "ccf": 0.5,
            },  # 40 + 0.5 * 60
            {
                "account_id": "L3",
                "customer_id": "C2",
                "product": "overdraft",
                "outstanding": 150.0,
                "credit_limit": 100.0,
                "ccf": 0.2,
            },  # over limit
            {
                "account_id": "L4",
                "customer_id": "C2",
                "product": "credit_card",
                "credit_limit": 30.0,
            },  # nothing drawn, missing status = open
            {
                "account_id": "L5",
                "customer_id": "C3",
                "product": "mortgage",
                "outstanding": 90.0,
                "status": "closed",
            },  # closed: never counts
            {"account_id": "D1", "customer_id": "C3", "product": "savings", "balance": 500.0},
        ]
    )
    out = account_exposure(acc)
    assert out.columns.tolist() == ["account_id", "customer_id", "product", "exposure"]
    assert dict(zip(out["account_id"], out["exposure"], strict=True)) == {
        "L1": 100.0,
        "L2": 70.0,
        "L3": 150.0,
        "L4": 30.0,
    }
    half = account_exposure(acc, ccf_default=0.5)
    assert dict(zip(half["account_id"], half["exposure"], strict=True)) == {
        "L1": 70.0,
        "L2": 70.0,
        "L3": 150.0,
        "L4": 15.0,
    }


def test_account_exposure_empty():
    for frame in (None, accounts({"account_id": [], "customer_id": [], "product": []})):
        out = account_exposure(frame)
        assert out.empty
        assert out.columns.tolist() == ["account_id", "customer_id", "product", "exposure"]
        assert out["exposure"].dtype == np.float64


@pytest.mark.parametrize("ccf", [-0.1, 1.5, float("nan"), "x"])
def test_bad_ccf_default_raises(ccf):
    with pytest.raises(ConfigError):
        account_exposure(None, ccf_default=ccf)


@st.composite
def bank_accounts(draw, max_accounts=8):
    n = draw(st.integers(0, max_accounts))
    money = st.one_of(st.none(), st.floats(0, 1000, allow_nan=False).map(lambda x: round(x, 2)))
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
                "ccf": draw(st.one_of(st.none(), st.sampled_from([0.0, 0.2, 0.5, 1.0]))),
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
@given(bank_accounts(), st.sampled_from([1.0, 0.5, 0.0]))
def test_account_and_single_name_exposure_match_reference(data, ccf_default):
    rows, further = data
    acc, hold = frames(rows, further)
    expected_acc = {}
    for r in rows:
        e = reference_exposure(r, ccf_default)
        if e is not None:
            expected_acc[r["account_id"]] = e
    got = account_exposure(acc, ccf_default=ccf_default)
    assert dict(zip(got["account_id"], got["exposure"], strict=True)) == pytest.approx(expected_acc)
    # single names: sum over the accounts each customer holds, primary or further
    held: dict[str, set[str]] = {}
    for r in rows:
        held.setdefault(r["customer_id"], set()).add(r["account_id"])
    for account_id, customer_id, _ in further:
        held.setdefault(customer_id, set()).add(account_id)
    expected = {}
    for customer, accs in held.items():
        mine = [expected_acc[a] for a in accs if a in expected_acc]
        if mine:
            expected[customer] = (sum(mine), len(mine))
    sne = single_name_exposure(acc, hold, ccf_default=ccf_default)
    got_sne = {
        c: (e, n)
        for c, e, n in zip(
            sne["customer_id"], sne["single_name_exposure"], sne["credit_accounts"], strict=True
        )
    }
    assert got_sne.keys() == expected.keys()
    for c, (e, n) in expected.items():
        assert got_sne[c][0] == pytest.approx(e)
        assert got_sne[c][1] == n
    assert sne["customer_id"].tolist() == sorted(sne["customer_id"])


def test_holders_primary_once_and_roles():
    acc = accounts(
        [
            {"account_id": "M1", "customer_id": "C1", "product": "mortgage", "outstanding": 10.0},
            {"account_id": "S1", "customer_id": "C2", "product": "savings", "balance": 5.0},
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
    assert sorted(credit["customer_id"]) == ["C1", "C2"]
    assert credit["exposure"].tolist() == [10.0, 10.0]
    dep = deposit_holdings(acc, hold)
    assert sorted(dep["customer_id"]) == ["C2", "C3"]
    assert dep.columns.tolist() == ["account_id", "customer_id", "role", "balance"]


def test_single_name_empty_and_single_customer():
    out = single_name_exposure(None, None)
    assert out.empty
    assert out.columns.tolist() == ["customer_id", "single_name_exposure", "credit_accounts"]
    one = accounts(
        [{"account_id": "L", "customer_id": "C1", "product": "loan", "outstanding": 5.0}]
    )
    out = single_name_exposure(one)
    assert out.to_dict("records") == [
        {"customer_id": "C1", "single_name_exposure": 5.0, "credit_accounts": 1}
    ]


# ----------------------------------------------------------------------------- limits


def test_basel_statuses_at_the_thresholds():
    out = classify([0.0, 9.99, 10.0, 24.0, 25.0, 25.000001, 40.0], 100.0, "basel", is_group=True)
    assert out["status"].tolist() == ["ok", "ok", "large", "large", "large", "breach", "breach"]
    assert out["pct_tier1"].tolist() == pytest.approx([0, 9.99, 10, 24, 25, 25.000001, 40])


def test_thresholds_exact_with_awkward_capital():
    # 10% and 25% of a capital that does not divide evenly stay on the threshold
    t1 = 3_333_333_333.33
    out = classify([t1 * 10 / 100, t1 * 25 / 100], t1, "basel", is_group=False)
    assert out["status"].tolist() == ["large", "large"]


def test_china_single_vs_group_thresholds():
    exposures = [2.0, 2.5, 15.0, 16.0, 20.0, 21.0]
    single = classify(exposures, 100.0, "china", is_group=False)["status"].tolist()
    group = classify(exposures, 100.0, "china", is_group=True)["status"].tolist()
    assert single == ["ok", "large", "large", "breach", "breach", "breach"]
    assert group == ["ok", "large", "large", "large", "large", "breach"]


def test_eu_equals_basel_numbers():
    assert PRESETS["eu"].thresholds(is_group=True) == PRESETS["basel"].thresholds(is_group=True)
    assert PRESETS["eu"].thresholds(is_group=False) == (10.0, 25.0)


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
    assert math.isnan(out["pct_tier1"].iloc[0]) and pd.isna(out["status"].iloc[0])
    assert out["status"].iloc[1] == "breach"


def test_classify_empty():
    out = classify([], 100.0, is_group=True)
    assert out.empty and out.columns.tolist() == ["pct_tier1", "status"]


def test_presets_by_name_and_object():
    assert get_preset("China") is PRESETS["china"]
    custom = LimitPreset("custom", 5.0, 10.0, 5.0, 12.0)
    assert get_preset(custom) is custom
    assert classify([11.0], 100.0, custom, is_group=True)["status"].tolist() == ["large"]


@pytest.mark.parametrize("name", ["basle", "", "us"])
def test_bad_preset_name_raises(name):
    with pytest.raises(ConfigError, match="unknown limit preset"):
        classify([1.0], 100.0, name, is_group=True)


@pytest.mark.parametrize("t1", [-1.0, 0.0, 1e-300, 0.5, float("nan"), float("inf"), "lots"])
def test_bad_tier1_raises(t1):
    with pytest.raises(ConfigError):
        classify([1.0], t1, "basel", is_group=True)


def test_negative_exposure_raises():
    with pytest.raises(ValueError):
        classify([-1.0], 100.0, "basel", is_group=True)


@pytest.mark.parametrize(
    "args", [(0.0, 25.0, 10.0, 25.0), (30.0, 25.0, 10.0, 25.0), (10.0, 25.0, 10.0, math.inf)]
)
def test_bad_preset_definition_raises(args):
    with pytest.raises(ValueError):
        LimitPreset("bad", *args)


@SETTINGS
@given(
    st.lists(st.floats(0, 1e9, allow_nan=False), max_size=20),
    st.floats(1.0, 1e9, allow_nan=False),
    st.sampled_from(sorted(PRESETS)),
    st.booleans(),
)
def test_classify_matches_reference(exposures, t1, preset, is_group):
    large, breach = PRESETS[preset].thresholds(is_group=is_group)
    out = classify(exposures, t1, preset, is_group=is_group)
    for e, status, pct in zip(exposures, out["status"], out["pct_tier1"], strict=True):
        assert pct == pytest.approx(e / t1 * 100)
        expected = "breach" if e * 100 > breach * t1 else "large" if e * 100 >= large * t1 else "ok"
        assert status == expected


# --------------------------------------------------------------------------- holders
# The holders of accounts are paired with their accounts through integer codes; the
# merge on strings they replace is the reference (and the fallback for repeated ids).


def merged_holders(primary: pd.DataFrame, account_holders, *, orphans: bool) -> pd.DataFrame:
    """The pandas merge on account ids that :func:`_with_further_holders` stands for."""
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
    st.lists(st.tuples(_ACCOUNT_IDS, _CUSTOMER_IDS, st.floats(0, 100)), max_size=6),
    st.lists(
        st.tuples(_ACCOUNT_IDS, _CUSTOMER_IDS, st.sampled_from(["joint", "authorized"])), max_size=6
    ),
    st.booleans(),
)
def test_further_holders_match_a_merge_on_strings(primary_rows, holder_rows, orphans):
    primary = pd.DataFrame(primary_rows, columns=["account_id", "customer_id", "exposure"])
    primary = primary.astype({"account_id": "str", "customer_id": "str", "exposure": "float64"})
    if orphans:  # as account_holders_of: no value columns
        primary = primary[["account_id", "customer_id"]]
    hold = holders(holder_rows)
    got, codes = _holders_and_codes(primary, hold, orphans=orphans)
    pd.testing.assert_frame_equal(got, merged_holders(primary, hold, orphans=orphans))
    if codes is not None:  # equal codes exactly for equal account ids
        assert len(codes) == len(got)
        pairs = set(zip(codes.tolist(), got["account_id"].tolist(), strict=True))
        assert len({c for c, _ in pairs}) == len(pairs) == len({a for _, a in pairs})


def test_further_holders_both_paths_agree_on_repeated_account_ids():
    rows = [
        {"account_id": "L1", "customer_id": "C1", "product": "loan", "outstanding": 5.0},
        {"account_id": "L1", "customer_id": "C2", "product": "loan", "outstanding": 7.0},
        {"account_id": "L2", "customer_id": "C3", "product": "loan", "outstanding": 1.0},
    ]
    hold = holders([("L1", "C4", "joint"), ("L2", "C1", "joint"), ("L2", "C3", "joint")])
    got = credit_holdings(accounts(rows), hold)
    exp = account_exposure(accounts(rows))[["account_id", "customer_id", "exposure"]]
    pd.testing.assert_frame_equal(got, merged_holders(exp, hold, orphans=False))
    assert got["customer_id"].tolist() == ["C1", "C2", "C3", "C4", "C1"]


@SETTINGS
@given(
    st.lists(st.sampled_from(["a", "b", "c", None]), max_size=8),
    st.lists(st.sampled_from(["a", "b", "c", "d", None]), max_size=8),
)
def test_match_rows_pairs_like_a_merge(left, right):
    lser, rser = pd.Series(left, dtype="str"), pd.Series(right, dtype="str")
    match = _match_rows(lser, rser)
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
@given(bank_accounts(), st.sets(st.sampled_from(CUSTOMERS), max_size=3))
def test_credit_holdings_of_some_customers_is_a_filter(data, who):
    rows, further = data
    acc, hold = frames(rows, further)
    full = credit_holdings(acc, hold)
    theirs = set(full.loc[full["customer_id"].isin(who), "account_id"])
    expected = full.loc[full["account_id"].isin(theirs)].reset_index(drop=True)
    got = _credit_holdings_of(pd.Series(sorted(who), dtype="str"), acc, hold, ccf_default=1.0)
    pd.testing.assert_frame_equal(got, expected)


def test_open_status_spellings():
    acc = pd.DataFrame({"status": ["open", " Open ", "OPEN", "closed", None, "", "opened"]})
    assert _is_open(acc).tolist() == [True, True, True, False, True, False, False]


def test_labels_from_codes():
    got = _labels(
        np.array([2, 0, 1]), ["ok", "large", "breach"], missing=np.array([False, True, False])
    )
    expected = pd.Series(["breach", None, "large"], dtype="str")
    pd.testing.assert_series_equal(got, expected)
    assert _labels(np.array([], dtype=np.int64), ["x"]).dtype == "str"
