"""guanxi.algorithms.groups against networkx on plain-Python links, and its money against
the Decimal reference (``money_reference``): each account converted and rounded once,
every group's exposure the exact sum of its distinct accounts."""

from __future__ import annotations

from decimal import Decimal

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from money_reference import CURRENCIES, amounts, fractions, percent, reportings, status
from money_reference import account_exposure as reference_exposure

from guanxi.algorithms.connections import dependency_review
from guanxi.algorithms.evidence import evidence_paths, group_evidence, group_heads
from guanxi.algorithms.exposure import PRESETS
from guanxi.algorithms.groups import (
    LINK_COLUMNS,
    _first_rows,
    _key,
    _largest,
    as_of_date,
    connected_client_links,
    exposure_groups,
    groups_and_single_names,
    single_names,
    valid_guarantees,
)
from guanxi.errors import ConfigError
from guanxi.graph.schema import CREDIT_PRODUCTS, Entity, canonical_frame
from guanxi.money import money_type

SETTINGS = settings(max_examples=20, deadline=None)
AS_OF = "2024-03-31"
GROUP_COLUMNS = [
    "group_id",
    "size",
    "exposure",
    "pct_tier1",
    "status",
    "largest_member",
    "largest_member_exposure",
    "links",
    "reasons",
    "counterparty",
    "headroom_large",
    "headroom_breach",
]
MEMBER_COLUMNS = [
    "group_id",
    "customer_id",
    "single_name_exposure",
    "name",
    "counterparty",
    "pct_tier1",
    "status",
    "headroom_large",
    "headroom_breach",
]
SINGLE_COLUMNS = [
    "customer_id",
    "single_name_exposure",
    "pct_tier1",
    "status",
    "name",
    "counterparty",
    "headroom_large",
    "headroom_breach",
]
CNY = pd.ArrowDtype(money_type(2))
PCT = pd.ArrowDtype(money_type(4))


def texts(values) -> list[str]:
    """Decimals as printed."""
    return [format(v, "f") for v in values]


def frame(entity: Entity, rows) -> pd.DataFrame:
    return canonical_frame(entity, pd.DataFrame(rows))


def customers(*ids, **contact) -> pd.DataFrame:
    rows = [{"customer_id": c, "kind": "person"} for c in ids]
    for field, values in contact.items():
        for row, v in zip(rows, values, strict=True):
            row[field] = v
    return frame(Entity.CUSTOMERS, rows)


def loan(account_id, customer_id, amount, product="loan", status="open"):
    return {
        "account_id": account_id,
        "customer_id": customer_id,
        "product": product,
        "outstanding": amount,
        "credit_limit": amount,
        "status": status,
    }


@pytest.fixture
def bank():
    """A hand-made bank.

    - control chain: A owns 60% of B, B is the controller of C; X holds 40% of B
    - guarantees: D -> E expired before AS_OF, E -> F valid, G -> H not yet started
    - joint mortgage M1 of spouses S1 (primary) and S2
    - closed credit card K1 held jointly by P and Q
    - a loan L2 held by A with B as joint holder (counted once in the group)
    """
    cust = customers(*"ABCXDEFGH", "S1", "S2", "P", "Q")
    acc = frame(
        Entity.ACCOUNTS,
        [
            loan("L1", "A", "10"),
            loan("L2", "A", "5"),
            loan("L3", "C", "7", product="overdraft"),
            loan("L4", "X", "100"),
            loan("L5", "F", "3"),
            loan("M1", "S1", "200", product="mortgage"),
            loan("K1", "P", "50", product="credit_card", status="closed"),
            {"account_id": "D9", "customer_id": "B", "product": "savings", "balance": "1000000"},
        ],
    )
    hold = frame(
        Entity.ACCOUNT_HOLDERS,
        [
            {"account_id": "M1", "customer_id": "S2", "role": "joint"},
            {"account_id": "K1", "customer_id": "Q", "role": "joint"},
            {"account_id": "L2", "customer_id": "B", "role": "authorized"},
        ],
    )
    guar = frame(
        Entity.GUARANTEES,
        [
            {
                "guarantor_id": "D",
                "borrower_id": "E",
                "amount": "1",
                "valid_from": "2020-01-01",
                "valid_to": "2023-12-31",
            },
            {
                "guarantor_id": "E",
                "borrower_id": "F",
                "amount": "2",
                "account_id": "L5",
                "valid_from": "2024-01-01",
                "valid_to": AS_OF,
            },
            {"guarantor_id": "G", "borrower_id": "H", "valid_from": "2024-04-01"},
        ],
    )
    own = frame(
        Entity.OWNERSHIP,
        [
            {"owner_id": "A", "company_id": "B", "share": "0.6", "role": "shareholder"},
            {"owner_id": "B", "company_id": "C", "role": "controller"},
            {"owner_id": "X", "company_id": "B", "share": "0.4", "role": "shareholder"},
            {"owner_id": "X", "company_id": "C", "share": "0.5", "role": "director"},
        ],
    )
    return cust, acc, hold, guar, own


def test_links_with_reasons(bank):
    links = connected_client_links(*bank, as_of=AS_OF)
    assert links.columns.tolist() == list(LINK_COLUMNS)
    assert links.to_dict("records") == [
        {
            "a": "A",
            "b": "B",
            "reason": "control",
            "source_entity": "ownership",
            "source_key": "A|B|shareholder",
        },
        {
            "a": "B",
            "b": "C",
            "reason": "control",
            "source_entity": "ownership",
            "source_key": "B|C|controller",
        },
        {
            "a": "E",
            "b": "F",
            "reason": "guarantee",
            "source_entity": "guarantees",
            "source_key": "E|F|L5|2024-01-01",
        },
        {
            "a": "A",
            "b": "B",
            "reason": "joint_credit",
            "source_entity": "accounts",
            "source_key": "L2",
        },
        {
            "a": "S1",
            "b": "S2",
            "reason": "joint_credit",
            "source_entity": "accounts",
            "source_key": "M1",
        },
    ]
    assert (links.dtypes == "str").all()


def test_groups_hand_fixture(bank):
    groups, members, links = exposure_groups(*bank, as_of=AS_OF, tier1_capital=1000)
    assert groups.columns.tolist() == GROUP_COLUMNS
    assert groups["exposure"].dtype == CNY and groups["pct_tier1"].dtype == PCT
    assert groups["largest_member_exposure"].dtype == CNY
    by_id = groups.set_index("group_id")
    # control chain A -> B -> C in one group, the 40% shareholder X outside
    assert set(members.loc[members["group_id"] == "A", "customer_id"]) == {"A", "B", "C"}
    assert "X" not in set(members["customer_id"])
    # shared loan L2 (A primary, B authorized) counted once: 10 + 5 + 7
    assert by_id.loc["A", "exposure"] == Decimal("22.00")
    assert by_id.loc["A", "size"] == 3
    assert by_id.loc["A", "reasons"] == "control;joint_credit"
    assert by_id.loc["A", "links"] == 3
    assert by_id.loc["A", "largest_member"] == "A"
    assert by_id.loc["A", "largest_member_exposure"] == Decimal("15.00")
    # joint mortgage links the spouses; the mortgage counts once
    assert by_id.loc["S1", "exposure"] == Decimal("200.00")
    assert format(by_id.loc["S1", "pct_tier1"], "f") == "20.0000"
    assert by_id.loc["S1", "status"] == "large"
    # valid guarantee E -> F; expired D -> E and future G -> H do not link
    assert set(members.loc[members["group_id"] == "E", "customer_id"]) == {"E", "F"}
    assert not {"D", "G", "H"} & set(members["customer_id"])
    # a closed joint credit card links nobody
    assert not {"P", "Q"} & set(members["customer_id"])
    assert groups["group_id"].tolist() == ["S1", "A", "E"]  # largest exposure first
    assert members.columns.tolist() == MEMBER_COLUMNS
    assert members["single_name_exposure"].dtype == CNY
    m = members.set_index("customer_id")["single_name_exposure"]
    assert dict(zip(m.index, texts(m), strict=True)) == {
        "A": "15.00",
        "B": "5.00",
        "C": "7.00",
        "E": "0.00",
        "F": "3.00",
        "S1": "200.00",
        "S2": "200.00",
    }
    assert links.columns.tolist() == ["group_id", *LINK_COLUMNS]
    assert links["group_id"].tolist() == ["A", "A", "A", "E", "S1"]


def test_single_names_hand_fixture(bank):
    out = single_names(*bank, as_of=AS_OF, tier1_capital=1000)
    assert out.columns.tolist() == SINGLE_COLUMNS
    assert out["single_name_exposure"].dtype == CNY and out["pct_tier1"].dtype == PCT
    assert set(out["customer_id"]) == {"X", "D", "G", "H", "P", "Q"}
    x = out.iloc[0]
    assert (x["customer_id"], x["single_name_exposure"], x["pct_tier1"], x["status"]) == (
        "X",
        Decimal("100.00"),
        Decimal("10.0000"),
        "large",
    )
    assert out.loc[out["customer_id"] == "P", "single_name_exposure"].item() == 0
    values = out["single_name_exposure"].tolist()
    assert values == sorted(values, reverse=True)


@pytest.mark.parametrize("tier1", [1000, Decimal("1000.50"), None])
def test_one_pass_gives_both_answers(bank, tier1):
    both = groups_and_single_names(*bank, as_of=AS_OF, tier1_capital=tier1, preset="china")
    expected = (
        *exposure_groups(*bank, as_of=AS_OF, tier1_capital=tier1, preset="china"),
        single_names(*bank, as_of=AS_OF, tier1_capital=tier1, preset="china"),
    )
    for got, want in zip(both, expected, strict=True):
        pd.testing.assert_frame_equal(got, want)


def test_as_of_none_counts_every_guarantee(bank):
    groups, members, _ = exposure_groups(*bank, as_of=None)
    assert {"D", "E", "F"} <= set(members.loc[members["group_id"] == "D", "customer_id"])
    assert "G" in set(members.loc[members["group_id"] == "G", "customer_id"])


def test_guarantee_validity_bounds_inclusive():
    g = frame(
        Entity.GUARANTEES,
        [
            {"guarantor_id": "A", "borrower_id": "B", "valid_from": AS_OF, "valid_to": AS_OF},
            {"guarantor_id": "A", "borrower_id": "C"},
            {"guarantor_id": "A", "borrower_id": "D", "valid_to": "2024-03-30"},
            {"guarantor_id": "A", "borrower_id": "E", "valid_from": "2024-04-01"},
            {"guarantor_id": "A", "borrower_id": "A"},
        ],
    )
    assert valid_guarantees(g, as_of=AS_OF)["borrower_id"].tolist() == ["B", "C"]
    assert valid_guarantees(g, as_of=None)["borrower_id"].tolist() == ["B", "C", "D", "E"]


def test_statuses_at_exact_thresholds():
    cust = customers("A", "B", "C", "D", "E", "F")
    acc = frame(
        Entity.ACCOUNTS,
        [loan("1", "A", "100"), loan("2", "C", "250"), loan("3", "E", "250.01")],
    )
    own = frame(
        Entity.OWNERSHIP,
        [
            {"owner_id": o, "company_id": c, "share": "1"}
            for o, c in [("A", "B"), ("C", "D"), ("E", "F")]
        ],
    )
    groups, _, _ = exposure_groups(cust, acc, None, None, own, as_of=AS_OF, tier1_capital=1000)
    statuses = groups.set_index("group_id")["status"].to_dict()
    assert statuses == {"A": "large", "C": "large", "E": "breach"}
    pct = groups.set_index("group_id")["pct_tier1"]
    assert texts(pct[["A", "C", "E"]]) == ["10.0000", "25.0000", "25.0010"]
    singles = single_names(
        customers("Z"),
        frame(Entity.ACCOUNTS, [loan("9", "Z", "99.99")]),
        None,
        None,
        None,
        as_of=AS_OF,
        tier1_capital=1000,
    )
    assert singles["status"].tolist() == ["ok"]


def test_china_preset_uses_group_and_single_thresholds():
    cust = customers("A", "B", "S")
    acc = frame(Entity.ACCOUNTS, [loan("1", "A", "180"), loan("2", "S", "180")])
    own = frame(Entity.OWNERSHIP, [{"owner_id": "A", "company_id": "B", "role": "controller"}])
    groups, _, _ = exposure_groups(
        cust, acc, None, None, own, as_of=AS_OF, tier1_capital=1000, preset="china"
    )
    singles = single_names(
        cust, acc, None, None, own, as_of=AS_OF, tier1_capital=1000, preset="china"
    )
    assert groups["status"].tolist() == ["large"]  # 18% <= 20% group limit
    assert singles.set_index("customer_id").loc["S", "status"] == "breach"  # 18% > 15%


def test_no_tier1_leaves_pct_and_status_empty(bank):
    groups, _, _ = exposure_groups(*bank, as_of=AS_OF)
    assert groups["pct_tier1"].isna().all() and groups["status"].isna().all()
    singles = single_names(*bank, as_of=AS_OF)
    assert singles["pct_tier1"].isna().all() and singles["status"].isna().all()


def test_include_links_joins_suspected_only_when_asked():
    cust = customers("A", "B", "C", phone=["+86 138", "86-138", None])
    groups, _, _ = exposure_groups(cust, None, None, None, None, as_of=AS_OF)
    assert groups.empty
    groups, members, links = exposure_groups(
        cust, None, None, None, None, as_of=AS_OF, include_links=True
    )
    assert members["customer_id"].tolist() == ["A", "B"]
    assert links["reason"].tolist() == ["suspected_phone"]
    assert links["source_key"].tolist() == ["phone:A"]
    assert groups["reasons"].tolist() == ["suspected_phone"]


def test_group_id_is_smallest_customer_id_by_string():
    cust = customers("10", "9", "100")
    own = frame(
        Entity.OWNERSHIP,
        [
            {"owner_id": "9", "company_id": "100", "share": "0.9"},
            {"owner_id": "100", "company_id": "10", "share": "0.9"},
        ],
    )
    groups, members, _ = exposure_groups(cust, None, None, None, own, as_of=AS_OF)
    assert groups["group_id"].tolist() == ["10"]
    assert members["customer_id"].tolist() == ["10", "100", "9"]


def test_empty_inputs_give_empty_frames():
    groups, members, links = exposure_groups(
        None, None, None, None, None, as_of=AS_OF, tier1_capital=1.0
    )
    assert groups.empty and groups.columns.tolist() == GROUP_COLUMNS
    assert members.empty and members.columns.tolist() == MEMBER_COLUMNS
    assert links.empty and links.columns.tolist() == ["group_id", *LINK_COLUMNS]
    assert groups["exposure"].dtype == CNY and groups["size"].dtype == np.int64
    assert groups["pct_tier1"].dtype == PCT and members["single_name_exposure"].dtype == CNY
    singles = single_names(None, None, None, None, None, as_of=AS_OF)
    assert singles.empty and singles.columns.tolist() == SINGLE_COLUMNS
    links = connected_client_links(None, None, None, None, None, as_of=AS_OF)
    assert links.empty and links.columns.tolist() == list(LINK_COLUMNS)


def test_single_customer():
    cust = customers("A")
    groups, members, links = exposure_groups(cust, None, None, None, None, as_of=AS_OF)
    assert groups.empty and members.empty and links.empty
    singles = single_names(cust, None, None, None, None, as_of=AS_OF, tier1_capital=10)
    row = singles.iloc[0]
    assert len(singles) == 1 and pd.isna(row["name"])
    assert row.drop("name").to_dict() == {
        "customer_id": "A",
        "single_name_exposure": Decimal("0.00"),
        "pct_tier1": Decimal("0.0000"),
        "status": "ok",
        "counterparty": "non_bank",
        # 10 % and 25 % of a Tier 1 capital of 10
        "headroom_large": Decimal("1.00"),
        "headroom_breach": Decimal("2.50"),
    }


@pytest.mark.parametrize(
    "kw",
    [
        {"preset": "nope"},
        {"tier1_capital": -5.0},
        {"tier1_capital": 0},
        {"tier1_capital": "0.99"},
        {"tier1_capital": "lots"},
        {"as_of": "31/03/2024"},
        {"ccf_default": 2.0},
        {"ccf_default": "0.12345678901"},
    ],
)
def test_bad_options_raise(bank, kw):
    args = {"as_of": AS_OF, **kw}
    with pytest.raises(ConfigError):
        exposure_groups(*bank, **args)
    with pytest.raises(ConfigError):
        single_names(*bank, **args)


def test_as_of_forms():
    import datetime as dt

    assert as_of_date(dt.date(2024, 3, 31)) == AS_OF
    assert as_of_date(pd.Timestamp("2024-03-31 10:00")) == AS_OF
    assert as_of_date(" 2024-03-31 ") == AS_OF


# ----------------------------------------------------------------------------- random banks

IDS = [f"C{i}" for i in range(10)]
DATES = [None, "2023-01-01", "2024-03-31", "2025-01-01"]


@st.composite
def random_bank(draw):
    n = draw(st.integers(1, len(IDS)))
    ids = IDS[:n]
    pick = st.sampled_from(ids)
    money = st.one_of(st.sampled_from([None, "0", "10", "35", "50"]), amounts(10**7))
    accs = [
        {
            "account_id": f"A{i}",
            "customer_id": draw(pick),
            "product": draw(st.sampled_from([*CREDIT_PRODUCTS, "savings", "current"])),
            "outstanding": draw(money),
            "credit_limit": draw(money),
            "ccf": draw(st.one_of(st.none(), fractions())),
            "currency": draw(st.sampled_from([None, *CURRENCIES])),
            "status": draw(st.sampled_from(["open", "closed", None])),
        }
        for i in range(draw(st.integers(0, 8)))
    ]
    hold = []
    if accs:
        for _ in range(draw(st.integers(0, 6))):
            hold.append(
                {
                    "account_id": draw(st.sampled_from([a["account_id"] for a in accs])),
                    "customer_id": draw(pick),
                    "role": draw(st.sampled_from(["joint", "authorized"])),
                }
            )
    guar = []
    for _ in range(draw(st.integers(0, 6))):
        a, b = draw(pick), draw(pick)
        if a == b:
            continue
        f, t = sorted(draw(st.lists(st.sampled_from(DATES[1:]), min_size=2, max_size=2)))
        guar.append(
            {
                "guarantor_id": a,
                "borrower_id": b,
                "amount": "1",
                "valid_from": draw(st.sampled_from([None, f])),
                "valid_to": draw(st.sampled_from([None, t])),
            }
        )
    own = []
    for _ in range(draw(st.integers(0, 6))):
        a, b = draw(pick), draw(pick)
        if a == b:
            continue
        own.append(
            {
                "owner_id": a,
                "company_id": b,
                "share": draw(
                    st.one_of(
                        st.sampled_from([None, "0.3", "0.5", "0.5000000001", "0.51", "1"]),
                        fractions(),
                    )
                ),
                "role": draw(st.sampled_from(["shareholder", "controller", "director"])),
            }
        )
    as_of = draw(st.sampled_from([None, "2024-03-31", "2023-06-30"]))
    return ids, accs, hold, guar, own, as_of


def reference(ids, accs, hold, guar, own, as_of, ccf_default, reporting):
    """Groups, members and exposures by plain Python, networkx and Decimal."""
    credit = {}
    for a in accs:
        e = reference_exposure(a, ccf_default, reporting)
        if e is not None:
            credit[a["account_id"]] = e
    holders = {acc: {a["customer_id"]} for a in accs if (acc := a["account_id"]) in credit}
    for h in hold:
        if h["account_id"] in credit:
            holders[h["account_id"]].add(h["customer_id"])
    g = nx.Graph()
    g.add_nodes_from(ids)
    for o in own:
        if (o["share"] is not None and Decimal(o["share"]) > Decimal("0.5")) or o[
            "role"
        ] == "controller":
            g.add_edge(o["owner_id"], o["company_id"])
    for r in guar:
        if as_of is None or (
            (r["valid_from"] is None or r["valid_from"] <= as_of)
            and (r["valid_to"] is None or r["valid_to"] >= as_of)
        ):
            g.add_edge(r["guarantor_id"], r["borrower_id"])
    for hs in holders.values():
        hs = sorted(hs)
        for x in hs[1:]:
            g.add_edge(hs[0], x)
    single = {
        c: sum((e for acc, e in credit.items() if c in holders[acc]), Decimal(0)) for c in ids
    }
    groups = {}
    for comp in nx.connected_components(g):
        if len(comp) < 2:
            continue
        accounts = {acc for acc, hs in holders.items() if hs & comp}
        groups[min(comp)] = (comp, sum((credit[a] for a in accounts), Decimal(0)))
    return groups, single


@SETTINGS
@given(
    random_bank(),
    st.sampled_from([None, Decimal("100"), Decimal("123456.78")]),
    st.sampled_from(sorted(PRESETS)),
    st.one_of(st.just("1"), fractions()),
    reportings(),
)
def test_random_banks_match_networkx(data, tier1, preset, ccf_default, reporting):
    ids, accs, hold, guar, own, as_of = data
    cust = customers(*ids)
    acc = frame(Entity.ACCOUNTS, accs) if accs else None
    hf = frame(Entity.ACCOUNT_HOLDERS, hold) if hold else None
    gf = frame(Entity.GUARANTEES, guar) if guar else None
    of = frame(Entity.OWNERSHIP, own) if own else None
    expected, single = reference(ids, accs, hold, guar, own, as_of, ccf_default, reporting)
    options = {
        "as_of": as_of,
        "tier1_capital": tier1,
        "preset": preset,
        "ccf_default": ccf_default,
        "reporting": reporting,
    }
    groups, members, links = exposure_groups(cust, acc, hf, gf, of, **options)
    got = {
        gid: (set(members.loc[members["group_id"] == gid, "customer_id"]), e)
        for gid, e in zip(groups["group_id"], groups["exposure"], strict=True)
    }
    assert got == expected  # members, and exposures exactly
    assert groups["exposure"].dtype == pd.ArrowDtype(money_type(reporting.digits))
    assert groups["size"].tolist() == [len(expected[g][0]) for g in groups["group_id"]]
    assert dict(zip(members["customer_id"], members["single_name_exposure"], strict=True)) == {
        c: single[c] for c in members["customer_id"]
    }
    # the largest member: highest single-name exposure, ties to the smallest id
    for gid, top, top_e in zip(
        groups["group_id"], groups["largest_member"], groups["largest_member_exposure"], strict=True
    ):
        comp = expected[gid][0]
        assert top == min(comp, key=lambda c: (-single[c], c)) and top_e == single[top]
    # every link joins two members of its own group
    mg = members.set_index("customer_id")["group_id"]
    assert all(
        mg[a] == gid == mg[b]
        for gid, a, b in zip(links["group_id"], links["a"], links["b"], strict=True)
    )
    singles = single_names(cust, acc, hf, gf, of, **options)
    grouped = set().union(*(c for c, _ in expected.values())) if expected else set()
    assert set(singles["customer_id"]) == set(ids) - grouped
    assert dict(zip(singles["customer_id"], singles["single_name_exposure"], strict=True)) == {
        c: single[c] for c in singles["customer_id"]
    }
    if tier1 is None:
        assert groups["status"].isna().all() and singles["status"].isna().all()
        return
    for is_group, frame_, column in (
        (True, groups, "exposure"),
        (False, singles, "single_name_exposure"),
    ):
        large, breach = PRESETS[preset].thresholds(is_group=is_group)
        for e, pct, got_status in zip(
            frame_[column], frame_["pct_tier1"], frame_["status"], strict=True
        ):
            assert pct == percent(e, tier1)
            assert got_status == status(e, tier1, large, breach)


# ----------------------------------------------------------------------------- helpers


@SETTINGS
@given(
    st.lists(
        st.tuples(st.integers(0, 3), st.sampled_from([0, 150, 200, 2**62, 10**16 + 1])),
        min_size=1,
        max_size=12,
    )
)
def test_largest_member_like_a_sort(rows):
    # groups 0..k-1 (each present), members numbered in order within the sorted list;
    # exposures are exact integers of minor units
    slots = sorted({s for s, _ in rows})
    rows = sorted(((slots.index(s), e) for s, e in rows), key=lambda r: r[0])
    slot = np.array([s for s, _ in rows], dtype=np.int64)
    exposure = np.array([e for _, e in rows], dtype=np.int64)
    nodes = np.arange(len(rows), dtype=np.int64) * 3  # increasing within each group
    k = len(slots)
    got = _largest(nodes, slot, exposure, k)
    # the definition: by group, then exposure descending, then node
    best = [
        min((-e, n) for (s, e), n in zip(rows, nodes.tolist(), strict=True) if s == group)[1]
        for group in range(k)
    ]
    assert got.tolist() == best


def test_first_rows_number_by_first_appearance():
    got = _first_rows(np.array([4, 2, 4, 0, 2], dtype=np.int64))
    assert got.tolist() == [0, 1, 0, 3, 1]
    assert _first_rows(np.array([], dtype=np.int64)).size == 0


def test_key_joins_parts_with_missing_as_empty():
    got = _key(pd.Series(["a", None, "c"], dtype="str"), pd.Series([1.5, 2.0, None]))
    assert got.tolist() == ["a|1.5", "|2.0", "c|"] and got.dtype == "str"
    assert _key(pd.Series([], dtype="str"), pd.Series([], dtype="str")).tolist() == []


# -- issue 16: economic dependency, family control, interbank limits, members, heads ----


def companies(*ids, **columns) -> pd.DataFrame:
    rows = [{"customer_id": c, "kind": "company", "name": f"Firm {c}"} for c in ids]
    for field, values in columns.items():
        for row, v in zip(rows, values, strict=True):
            if v is not None:
                row[field] = v
    return frame(Entity.CUSTOMERS, rows)


def test_economic_dependency_links_exactly_the_rule():
    """receipts/expenditure at share >= 0.5 link; other kinds, lower shares, a missing
    share and a self row do not."""
    dep = frame(
        Entity.DEPENDENCIES,
        [
            {"from_id": "A", "to_id": "B", "kind": "receipts", "share": "0.5", "source": "audit"},
            {"from_id": "C", "to_id": "D", "kind": "expenditure", "share": "0.93"},
            {"from_id": "E", "to_id": "F", "kind": "receipts", "share": "0.4999"},
            {"from_id": "G", "to_id": "H", "kind": "output", "share": "0.9"},
            {"from_id": "G", "to_id": "H", "kind": "funding", "share": "1"},
            {"from_id": "I", "to_id": "J", "kind": "repayment_source", "share": "0.8"},
            {"from_id": "K", "to_id": "L", "kind": "receipts"},
        ],
    )
    links = connected_client_links(None, None, None, None, None, as_of=AS_OF, dependencies=dep)
    assert links.to_dict("records") == [
        {
            "a": "A",
            "b": "B",
            "reason": "economic_dependency",
            "source_entity": "dependencies",
            "source_key": "A|B|receipts",
        },
        {
            "a": "C",
            "b": "D",
            "reason": "economic_dependency",
            "source_entity": "dependencies",
            "source_key": "C|D|expenditure",
        },
    ]
    groups, members, _ = exposure_groups(
        companies(*"ABCDEFGHIJKL"), None, None, None, None, as_of=AS_OF, dependencies=dep
    )
    assert sorted(groups["group_id"]) == ["A", "C"]
    assert set(groups["reasons"]) == {"economic_dependency"}


@pytest.fixture
def family():
    """Household H: head P1 controls C1 (60 %), spouse P2 is C2's controller, child P3
    holds 30 % of C3 (no control), parent P4 controls C4, lodger P5 (role other)
    controls C5, minor child P6 controls nothing. Household K: one controller only."""
    people = [
        {"customer_id": p, "kind": "person", "name": f"Person {p}"}
        for p in ("P1", "P2", "P3", "P4", "P5", "P6", "Q1")
    ]
    firms = [{"customer_id": c, "kind": "company"} for c in ("C1", "C2", "C3", "C4", "C5", "D1")]
    cust = frame(Entity.CUSTOMERS, people + firms)
    own = frame(
        Entity.OWNERSHIP,
        [
            {"owner_id": "P1", "company_id": "C1", "share": "0.6", "role": "shareholder"},
            {"owner_id": "P2", "company_id": "C2", "role": "controller"},
            {"owner_id": "P3", "company_id": "C3", "share": "0.3", "role": "shareholder"},
            {"owner_id": "P4", "company_id": "C4", "share": "0.51", "role": "shareholder"},
            {"owner_id": "P5", "company_id": "C5", "share": "0.9", "role": "shareholder"},
            {"owner_id": "Q1", "company_id": "D1", "share": "1", "role": "shareholder"},
        ],
    )
    house = frame(
        Entity.HOUSEHOLDS,
        [
            {"household_id": "H", "customer_id": "P1", "role": "head"},
            {"household_id": "H", "customer_id": "P2", "role": "spouse"},
            {"household_id": "H", "customer_id": "P3", "role": "child"},
            {"household_id": "H", "customer_id": "P4", "role": "parent"},
            {"household_id": "H", "customer_id": "P5", "role": "other"},
            {"household_id": "H", "customer_id": "P6", "role": "child"},
            {"household_id": "K", "customer_id": "Q1", "role": "head"},
        ],
    )
    return cust, own, house


def _member_sets(members: pd.DataFrame) -> set[frozenset]:
    return {frozenset(g["customer_id"]) for _, g in members.groupby("group_id")}


def test_family_control_joins_only_under_the_china_preset(family):
    cust, own, house = family
    args = (cust, None, None, None, own)
    _, basel, _ = exposure_groups(*args, as_of=AS_OF, households=house)
    assert _member_sets(basel) == {
        frozenset({"P1", "C1"}),
        frozenset({"P2", "C2"}),
        frozenset({"P4", "C4"}),
        frozenset({"P5", "C5"}),
        frozenset({"Q1", "D1"}),
    }
    for preset in ("basel", "eu"):
        links = connected_client_links(*args, as_of=AS_OF, households=house, preset=preset)
        assert "family_control" not in set(links["reason"])
    groups, china, links = exposure_groups(*args, as_of=AS_OF, households=house, preset="china")
    assert _member_sets(china) == {
        frozenset({"P1", "C1", "P2", "C2", "P4", "C4"}),  # close family, each controlling
        frozenset({"P5", "C5"}),  # role other: not close family
        frozenset({"Q1", "D1"}),  # the only controller of its household
    }
    family_links = links[links["reason"] == "family_control"]
    assert family_links[["a", "b", "source_entity", "source_key"]].values.tolist() == [
        ["P1", "P2", "households", "H|P2"],
        ["P1", "P4", "households", "H|P4"],
    ]
    assert groups.set_index("group_id").loc["C1", "reasons"] == "control;family_control"


def test_family_anchor_is_the_smallest_controller_without_a_controlling_head(family):
    cust, own, house = family
    house = house[house["customer_id"] != "P1"].reset_index(drop=True)
    links = connected_client_links(
        cust, None, None, None, own, as_of=AS_OF, households=house, preset="china"
    )
    fam = links[links["reason"] == "family_control"]
    assert fam[["a", "b"]].values.tolist() == [["P2", "P4"]]


def banks_bank():
    """Non-bank N, bank B, G-SIB G, each with one loan of 20 (Tier 1: 100); a G-SIB at
    exactly 15; a group of two banks."""
    cust = companies(
        "N", "B", "G", "G15", "BB1", "BB2",
        kind=[None, "bank", "bank", "bank", "bank", "bank"],
        gsib=[None, "false", "true", "true", "false", "true"],
    )  # fmt: skip
    acc = frame(
        Entity.ACCOUNTS,
        [
            loan("L1", "N", "20"),
            loan("L2", "B", "20"),
            loan("L3", "G", "20"),
            loan("L4", "G15", "15"),
            loan("L5", "BB1", "9"),
            loan("L6", "BB2", "8"),
        ],
    )
    guar = frame(Entity.GUARANTEES, [{"guarantor_id": "BB1", "borrower_id": "BB2"}])
    return cust, acc, None, guar, None


@pytest.mark.parametrize(
    ("preset", "bank_is_gsib", "expected"),
    [
        # basel: 10/25 for everyone, 15 between G-SIBs (when the bank is one)
        ("basel", True, {"N": "large", "B": "large", "G": "breach", "G15": "large"}),
        ("basel", False, {"N": "large", "B": "large", "G": "large", "G15": "large"}),
        ("eu", True, {"N": "large", "B": "large", "G": "breach", "G15": "large"}),
        # china: non-bank single 15 %, interbank 25 %, no G-SIB line
        ("china", True, {"N": "breach", "B": "large", "G": "large", "G15": "large"}),
    ],
)
def test_interbank_counterparties_take_their_own_limits(preset, bank_is_gsib, expected):
    groups, members, _, singles = groups_and_single_names(
        *banks_bank(), as_of=AS_OF, tier1_capital=100, preset=preset, bank_is_gsib=bank_is_gsib
    )
    s = singles.set_index("customer_id")
    assert {c: s.loc[c, "status"] for c in expected} == expected
    assert s.loc["N", "counterparty"] == "non_bank" and s.loc["B", "counterparty"] == "bank"
    assert s.loc["G", "counterparty"] == "gsib"
    # the group of two banks (one a G-SIB) is an interbank group: 17 % of Tier 1
    g = groups.set_index("group_id").loc["BB1"]
    assert g["counterparty"] == "gsib" and g["exposure"] == Decimal("17.00")
    gsib_line = preset != "china" and bank_is_gsib
    assert g["status"] == ("breach" if gsib_line else "large")
    assert g["headroom_breach"] == (Decimal("-2.00") if gsib_line else Decimal("8.00"))


def test_a_member_above_its_own_line_is_reported_when_the_group_is_not():
    """China: a member at 17 % of Tier 1 breaches the 15 % single-name limit while its
    group, at 18 %, is within the 20 % group limit."""
    cust = companies("A", "B")
    acc = frame(Entity.ACCOUNTS, [loan("L1", "A", "17"), loan("L2", "B", "1")])
    own = frame(Entity.OWNERSHIP, [{"owner_id": "A", "company_id": "B", "role": "controller"}])
    groups, members, _ = exposure_groups(
        cust, acc, None, None, own, as_of=AS_OF, tier1_capital=100, preset="china"
    )
    assert groups["status"].tolist() == ["large"]
    m = members.set_index("customer_id")
    assert m.loc["A", "status"] == "breach" and m.loc["B", "status"] == "ok"
    assert m.loc["A", "pct_tier1"] == Decimal("17.0000")
    assert m.loc["A", "name"] == "Firm A"
    assert (m.loc["A", "headroom_large"], m.loc["A", "headroom_breach"]) == (
        Decimal("-14.50"),
        Decimal("-2.00"),
    )
    assert (m.loc["B", "headroom_large"], m.loc["B", "headroom_breach"]) == (
        Decimal("1.50"),
        Decimal("14.00"),
    )


@SETTINGS
@given(
    st.lists(st.integers(0, 10**9), min_size=1, max_size=8),
    st.integers(100, 10**11),
    st.sampled_from(sorted(PRESETS)),
)
def test_headroom_is_the_exact_line_minus_exposure_rounded_down(cents, capital_cents, preset):
    import math

    cust = companies(*(f"C{i}" for i in range(len(cents))))
    acc = frame(
        Entity.ACCOUNTS,
        [loan(f"L{i}", f"C{i}", str(Decimal(c).scaleb(-2))) for i, c in enumerate(cents)],
    )
    capital = Decimal(capital_cents).scaleb(-2)
    singles = single_names(cust, acc, None, None, None, as_of=AS_OF, tier1_capital=capital,
                           preset=preset)  # fmt: skip
    large, breach = PRESETS[preset].thresholds(is_group=False)
    for row in singles.itertuples():
        e = row.single_name_exposure
        for pct, got in ((large, row.headroom_large), (breach, row.headroom_breach)):
            exact = capital * pct / 100 - e
            assert got == Decimal(math.floor(exact * 100)) / 100
            assert got <= exact < got + Decimal("0.01")
        # the status never contradicts the exact lines
        assert (row.status == "breach") == (e * 100 > breach * capital)


@pytest.fixture
def headed():
    """P controls A (60 %) and B; Q holds 40 % of A (no control, not in the group); A
    guarantees C; C and D hold a joint loan; E draws 70 % of its receipts from D."""
    cust = companies("A", "B", "C", "D", "E", "P", "Q")
    acc = frame(
        Entity.ACCOUNTS,
        [loan("L1", "A", "50"), loan("L2", "C", "10"), loan("L3", "P", "1"), loan("L4", "E", "3")],
    )
    hold = frame(
        Entity.ACCOUNT_HOLDERS, [{"account_id": "L2", "customer_id": "D", "role": "joint"}]
    )
    guar = frame(Entity.GUARANTEES, [{"guarantor_id": "A", "borrower_id": "C", "account_id": "L2"}])
    own = frame(
        Entity.OWNERSHIP,
        [
            {"owner_id": "P", "company_id": "A", "share": "0.6", "role": "shareholder"},
            {"owner_id": "P", "company_id": "B", "role": "controller"},
            {"owner_id": "Q", "company_id": "A", "share": "0.4", "role": "shareholder"},
        ],
    )
    dep = frame(
        Entity.DEPENDENCIES, [{"from_id": "E", "to_id": "D", "kind": "receipts", "share": "0.7"}]
    )
    return (cust, acc, hold, guar, own), dep


def test_group_head_and_evidence_paths(headed):
    frames, dep = headed
    groups, members, links = exposure_groups(*frames, as_of=AS_OF, dependencies=dep)
    groups, paths = group_evidence(groups, members, links)
    assert groups["head"].tolist() == ["P"] and groups["name"].tolist() == ["Firm P"]
    assert paths.columns.tolist()[:8] == [
        "group_id", "customer_id", "hop", "a", "b", "reason", "source_entity", "source_key",
    ]  # fmt: skip
    chains = {
        cid: rows[["a", "b", "reason", "source_key", "toward"]].values.tolist()
        for cid, rows in paths.groupby("customer_id")
    }
    assert chains == {
        "A": [["P", "A", "control", "P|A|shareholder", "P"]],
        "B": [["P", "B", "control", "P|B|controller", "P"]],
        "C": [
            ["A", "C", "guarantee", "A|C|L2|", "A"],
            ["P", "A", "control", "P|A|shareholder", "P"],
        ],
        "D": [
            ["C", "D", "joint_credit", "L2", "C"],
            ["A", "C", "guarantee", "A|C|L2|", "A"],
            ["P", "A", "control", "P|A|shareholder", "P"],
        ],
        "E": [
            ["E", "D", "economic_dependency", "E|D|receipts", "D"],
            ["C", "D", "joint_credit", "L2", "C"],
            ["A", "C", "guarantee", "A|C|L2|", "A"],
            ["P", "A", "control", "P|A|shareholder", "P"],
        ],
    }
    assert "P" not in chains  # the head has no path


def test_head_without_control_is_the_largest_member_and_ties_go_by_reach():
    # no control: the largest member (B) heads
    g = pd.DataFrame({"group_id": ["A"], "largest_member": ["B"]})
    m = pd.DataFrame({"group_id": ["A"] * 2, "customer_id": ["A", "B"],
                      "single_name_exposure": [Decimal(1), Decimal(5)]})  # fmt: skip
    lk = pd.DataFrame({"group_id": ["A"], "a": ["A"], "b": ["B"], "reason": ["guarantee"]})
    assert group_heads(g, m, lk).tolist() == ["B"]
    # two tops: X reaches 3 members, Y 1; then equal reach goes to the larger exposure
    g = pd.DataFrame({"group_id": ["K"], "largest_member": ["K"]})
    m = pd.DataFrame({"group_id": ["K"] * 6, "customer_id": ["K", "L", "M", "N", "X", "Y"],
                      "single_name_exposure": [Decimal(9)] + [Decimal(0)] * 5})  # fmt: skip
    lk = pd.DataFrame({"group_id": ["K"] * 5, "a": ["X", "L", "L", "Y", "K"],
                      "b": ["L", "M", "N", "K", "N"],
                      "reason": ["control"] * 4 + ["guarantee"]})  # fmt: skip
    assert group_heads(g, m, lk).tolist() == ["X"]
    l2 = lk.assign(b=["L", "M", "N", "K", "N"], a=["X", "X", "Y", "Y", "K"])
    m2 = m.assign(single_name_exposure=[Decimal(0)] * 4 + [Decimal(1), Decimal(2)])
    assert group_heads(g, m2, l2).tolist() == ["Y"]


@SETTINGS
@given(st.integers(0, 10**6), st.integers(2, 30), st.integers(0, 60))
def test_evidence_paths_are_shortest_chains_of_real_links(seed, n, extra):
    """Against networkx: every member's chain has the length of a shortest path to the
    head, each hop is a link of the group, and consecutive hops join up."""
    rng = np.random.default_rng(seed)
    ids = [f"C{i:03d}" for i in range(n)]
    pairs = [(ids[i], ids[int(rng.integers(0, i))]) for i in range(1, n)]  # connected
    pairs += [(ids[int(rng.integers(0, n))], ids[int(rng.integers(0, n))]) for _ in range(extra)]
    pairs = [(a, b) for a, b in pairs if a != b]
    reasons = rng.choice(["control", "guarantee", "joint_credit"], size=len(pairs))
    links = pd.DataFrame({"group_id": ids[0], "a": [a for a, _ in pairs], "b": [b for _, b in pairs],
                          "reason": reasons, "source_entity": "x",
                          "source_key": [f"k{i}" for i in range(len(pairs))]})  # fmt: skip
    members = pd.DataFrame({"group_id": ids[0], "customer_id": ids,
                            "single_name_exposure": [Decimal(i) for i in range(n)]})  # fmt: skip
    groups = pd.DataFrame({"group_id": [ids[0]], "largest_member": [ids[-1]]})
    head = group_heads(groups, members, links)
    paths = evidence_paths(groups, members, links, head)
    graph = nx.Graph(pairs)
    lengths = nx.single_source_shortest_path_length(graph, head.iloc[0])
    keys = {(a, b, k) for a, b, k in zip(links["a"], links["b"], links["source_key"], strict=True)}
    assert set(paths["customer_id"]) == set(ids) - {head.iloc[0]}
    for cid, rows in paths.groupby("customer_id"):
        assert rows["hop"].tolist() == list(range(1, lengths[cid] + 1))
        at = cid
        for r in rows.itertuples():
            assert (r.a, r.b, r.source_key) in keys  # a real link of the group
            assert {r.a, r.b} == {at, r.toward}  # from where the chain is, one step on
            at = r.toward
        assert at == head.iloc[0]


def test_dependency_review_lists_every_row_of_clients_from_five_percent():
    """Tier 1 100: A at exactly 5 % is reviewed, B at 4.99 % is not; both directions, any
    kind or share, with the linking flag."""
    exposures = pd.DataFrame(
        {"customer_id": ["A", "B", "Z"],
         "single_name_exposure": money_series_of(["5.00", "4.99", "70.00"])}
    )  # fmt: skip
    dep = frame(
        Entity.DEPENDENCIES,
        [
            {"from_id": "A", "to_id": "X", "kind": "output", "share": "0.2", "source": "audit"},
            {"from_id": "Y", "to_id": "A", "kind": "receipts", "share": "0.6"},
            {"from_id": "B", "to_id": "X", "kind": "receipts", "share": "0.9"},
        ],
    )
    cust = companies("A", "B", "X", "Y", "Z")
    out = dependency_review(dep, exposures, cust, tier1_capital=100, preset="basel")
    assert out[
        ["customer_id", "counterparty_id", "direction", "kind", "links"]
    ].values.tolist() == [
        ["A", "X", "depends_on", "output", False],
        ["A", "Y", "depended_on_by", "receipts", True],
    ]
    assert out["pct_tier1"].tolist() == [Decimal("5.0000")] * 2
    assert (
        out["name"].tolist() == ["Firm A"] * 2 and out["counterparty_name"].tolist()[1] == "Firm Y"
    )
    assert dependency_review(dep, exposures, cust, tier1_capital=None).empty


def money_series_of(texts):
    from guanxi.money import money_series

    return money_series(np.array([int(Decimal(t) * 100) for t in texts]), 2)
