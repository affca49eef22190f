"""The synthetic bank: every row valid per the data contract, every planted claim true.

Each rule of the contract's "What makes a row invalid" is checked here on its own, with
plain pandas (not with the project's validator), and every claim of ``planted.json`` is
checked against the written files with networkx as the reference implementation.
The last section tests the package's public helpers (columns, draws, writing) and its
shape (no import cycle, no private name shared between its modules).
"""

from __future__ import annotations

import ast
import doctest
import graphlib
import importlib
import json
import pkgutil
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.graph.schema import (
    CREDIT_PRODUCTS,
    DEPOSIT_PRODUCTS,
    LOAD_ORDER,
    SPECS,
    ColumnKind,
    Entity,
)
from guanxi.loaders import synthetic
from guanxi.loaders.load import load_folder
from guanxi.loaders.synthetic import (
    FORMATS,
    MAX_MONTHS,
    MIN_CUSTOMERS,
    MIN_MONTHLY_CUSTOMERS,
    PLANTED_NAME,
    GenerationSummary,
    generate_bank,
)
from guanxi.loaders.synthetic import generate as generate_module
from guanxi.loaders.synthetic.build import BUILD_STEPS, build_bank, newcomer_count
from guanxi.loaders.synthetic.columns import (
    concat,
    contract_frame,
    date_text,
    id_text,
    int_text,
    null_where,
    pick,
    text_array,
    where,
)
from guanxi.loaders.synthetic.draws import ReservedPool, affine_codes, weighted_choice
from guanxi.loaders.synthetic.monthly import CHANGE_KINDS
from guanxi.loaders.synthetic.planted import Plan
from guanxi.loaders.synthetic.state import BankContext, day_number
from guanxi.loaders.synthetic.vocabulary import ADDRESS_RADIX
from guanxi.loaders.synthetic.writing import (
    atomic_write_text,
    csv_ready,
    write_extract,
    write_frame,
)

AS_OF = "2026-06-30"
RELATIONSHIPS = [e for e in LOAD_ORDER if e not in (Entity.CUSTOMERS, Entity.ACCOUNTS)]
#: the months of the series the tests generate (``months=3``, ending at AS_OF)
MONTH_ENDS = ["2026-04-30", "2026-05-31", "2026-06-30"]


@dataclass
class Bank:
    summary: GenerationSummary
    frames: dict[Entity, pd.DataFrame]
    planted: dict
    as_of: str
    #: for a month of a series: the series' planted.json and the month's index
    series: dict | None = None
    month: int = 0


def read_bank(summary: GenerationSummary, as_of: str = AS_OF) -> Bank:
    frames = {
        e: pd.read_csv(summary.files[e.value], dtype=str, keep_default_na=False) for e in LOAD_ORDER
    }
    planted = json.loads(summary.planted_path.read_text(encoding="utf-8"))
    return Bank(summary, frames, planted, as_of)


@dataclass
class Series:
    summary: GenerationSummary
    planted: dict
    months: list[Bank]


def read_series(summary: GenerationSummary) -> Series:
    planted = json.loads(summary.planted_path.read_text(encoding="utf-8"))
    months = []
    for t, (day, folder) in enumerate(summary.months.items()):
        files = {e.value: folder / f"{e.value}.csv" for e in LOAD_ORDER}
        month = GenerationSummary(
            out_dir=folder,
            files=files,
            rows={name: path.read_bytes().count(b"\n") - 1 for name, path in files.items()},
            planted_path=folder / PLANTED_NAME,
            seconds=summary.seconds,
        )
        bank = read_bank(month, day)
        bank.series, bank.month = planted, t
        months.append(bank)
    return Series(summary, planted, months)


@pytest.fixture(scope="module")
def series(tmp_path_factory) -> Series:
    """Three month-ends of a 2,000-customer bank, with the planted changes."""
    out = tmp_path_factory.mktemp("series")
    return read_series(generate_bank(out, customers=2000, seed=7, months=3))


@pytest.fixture(
    scope="module",
    params=[2000, MIN_CUSTOMERS, "first", "last"],
    ids=["2000", "min", "month0", "month2"],
)
def bank(request, tmp_path_factory) -> Bank:
    """A bank, or the first or last month of a series: every rule holds in each."""
    if request.param == "first":
        return request.getfixturevalue("series").months[0]
    if request.param == "last":
        return request.getfixturevalue("series").months[-1]
    out = tmp_path_factory.mktemp(f"bank{request.param}")
    return read_bank(generate_bank(out, customers=request.param, seed=7))


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> Bank:
    """The 2,000-customer bank (planted structures at their full shapes)."""
    out = tmp_path_factory.mktemp("big")
    return read_bank(generate_bank(out, customers=2000, seed=11))


def money(s: pd.Series) -> pd.Series:
    return pd.to_numeric(s.replace("", np.nan), errors="raise")


# --------------------------------------------------------------------------- links


def control_edges(b: Bank) -> list[tuple[str, str]]:
    o = b.frames[Entity.OWNERSHIP]
    control = (money(o["share"]) > 0.5) | (o["role"] == "controller")
    return list(zip(o.loc[control, "owner_id"], o.loc[control, "company_id"], strict=True))


def guarantee_edges(b: Bank, on: str | None = None) -> list[tuple[str, str]]:
    g = b.frames[Entity.GUARANTEES]
    if on is not None:
        g = g[(g["valid_from"] <= on) & (g["valid_to"] >= on)]
    return list(zip(g["guarantor_id"], g["borrower_id"], strict=True))


def joint_credit_edges(b: Bank) -> list[tuple[str, str]]:
    a = b.frames[Entity.ACCOUNTS]
    credit = a[a["product"].isin(CREDIT_PRODUCTS) & (a["status"] == "open")]
    holders = pd.concat(
        [
            credit[["account_id", "customer_id"]],
            b.frames[Entity.ACCOUNT_HOLDERS][["account_id", "customer_id"]],
        ]
    )
    holders = holders[holders["account_id"].isin(credit["account_id"])]
    pairs = holders.merge(holders, on="account_id")
    pairs = pairs[pairs["customer_id_x"] < pairs["customer_id_y"]]
    return list(zip(pairs["customer_id_x"], pairs["customer_id_y"], strict=True))


def link_graph(b: Bank, on: str) -> nx.Graph:
    g = nx.Graph()
    g.add_nodes_from(b.frames[Entity.CUSTOMERS]["customer_id"])
    g.add_edges_from(control_edges(b))
    g.add_edges_from(guarantee_edges(b, on))
    g.add_edges_from(joint_credit_edges(b))
    return g


def referral_graph(b: Bank) -> nx.DiGraph:
    r = b.frames[Entity.REFERRALS]
    g = nx.DiGraph()
    g.add_edges_from(zip(r["referrer_id"], r["referee_id"], strict=True))
    return g


# --------------------------------------------------------------------------- the files


def test_summary_names_the_files_written(bank):
    s = bank.summary
    assert set(s.files) == {e.value for e in LOAD_ORDER}
    for e in LOAD_ORDER:
        assert s.files[e.value] == s.out_dir / f"{e.value}.csv"
        assert s.rows[e.value] == len(bank.frames[e])
    assert s.planted_path == s.out_dir / PLANTED_NAME
    assert s.seconds > 0
    assert not list(s.out_dir.glob(".*tmp"))


def test_columns_are_the_contracts(bank):
    for e in LOAD_ORDER:
        assert tuple(bank.frames[e].columns) == SPECS[e].column_names


def test_every_file_has_rows(bank):
    for e in LOAD_ORDER:
        assert len(bank.frames[e]) > 0, e


# --------------------------------------------------------------------------- validity rules


def test_required_values_present(bank):
    for e in LOAD_ORDER:
        frame = bank.frames[e]
        for col in SPECS[e].required:
            assert (frame[col] != "").all(), (e, col)


def test_ids_unique(bank):
    assert bank.frames[Entity.CUSTOMERS]["customer_id"].is_unique
    assert bank.frames[Entity.ACCOUNTS]["account_id"].is_unique


@pytest.mark.parametrize("entity", RELATIONSHIPS, ids=str)
def test_relationship_keys_unique(bank, entity):
    frame = bank.frames[entity]
    assert not frame.duplicated(list(SPECS[entity].key)).any()


def test_references_resolve(bank):
    known = {
        Entity.CUSTOMERS: set(bank.frames[Entity.CUSTOMERS]["customer_id"]),
        Entity.ACCOUNTS: set(bank.frames[Entity.ACCOUNTS]["account_id"]),
    }
    for e in LOAD_ORDER:
        for col in SPECS[e].columns:
            if col.references is None:
                continue
            values = set(bank.frames[e][col.name]) - {""}
            assert values <= known[col.references], (e, col.name, values - known[col.references])
    # a guarantee names one of the borrower's credit accounts
    g = bank.frames[Entity.GUARANTEES].merge(
        bank.frames[Entity.ACCOUNTS], on="account_id", how="left"
    )
    assert (g["customer_id"] == g["borrower_id"]).all()
    assert g["product"].isin(CREDIT_PRODUCTS).all()


def test_enum_values_are_the_contracts(bank):
    for e in LOAD_ORDER:
        for col in SPECS[e].columns:
            if col.kind != ColumnKind.ENUM:
                continue
            values = set(bank.frames[e][col.name])
            allowed = set(col.choices) | ({""} if not col.required else set())
            assert values <= allowed, (e, col.name, values - allowed)


def test_money_is_a_non_negative_number(bank):
    for e in LOAD_ORDER:
        for name in SPECS[e].columns_of(ColumnKind.MONEY):
            values = money(bank.frames[e][name]).dropna()
            assert (values >= 0).all(), (e, name)


def test_fractions_within_zero_and_one(bank):
    for e in LOAD_ORDER:
        for name in SPECS[e].columns_of(ColumnKind.FRACTION):
            values = money(bank.frames[e][name]).dropna()
            assert ((values >= 0) & (values <= 1)).all(), (e, name)


def test_dates_are_iso(bank):
    iso = re.compile(r"^\d{4}-\d{2}-\d{2}$")
    for e in LOAD_ORDER:
        for name in SPECS[e].columns_of(ColumnKind.DATE):
            values = bank.frames[e][name]
            values = values[values != ""]
            assert values.map(lambda v: bool(iso.match(v))).all(), (e, name)
            pd.to_datetime(values, format="%Y-%m-%d", errors="raise")


def test_no_self_referral_or_self_guarantee(bank):
    r = bank.frames[Entity.REFERRALS]
    g = bank.frames[Entity.GUARANTEES]
    assert (r["referrer_id"] != r["referee_id"]).all()
    assert (g["guarantor_id"] != g["borrower_id"]).all()


def test_one_referrer_per_referee(bank):
    assert bank.frames[Entity.REFERRALS]["referee_id"].is_unique


def test_no_referral_cycles(bank):
    assert nx.is_directed_acyclic_graph(referral_graph(bank))


def test_valid_to_not_before_valid_from(bank):
    g = bank.frames[Entity.GUARANTEES]
    assert (g["valid_to"] >= g["valid_from"]).all()


def test_account_holder_is_not_the_primary_holder(bank):
    h = bank.frames[Entity.ACCOUNT_HOLDERS].merge(
        bank.frames[Entity.ACCOUNTS][["account_id", "customer_id"]],
        on="account_id",
        suffixes=("", "_primary"),
    )
    assert len(h) == len(bank.frames[Entity.ACCOUNT_HOLDERS])
    assert (h["customer_id"] != h["customer_id_primary"]).all()


# --------------------------------------------------------------------------- realism


def test_customer_ids_are_zero_padded_numbers(bank):
    ids = bank.frames[Entity.CUSTOMERS]["customer_id"]
    assert ids.str.fullmatch(r"\d{8,}").all()
    assert ids.str.startswith("0").all()  # leading zeros survive a str read
    assert pd.read_csv(bank.summary.files["customers"])["customer_id"].dtype != object


def test_id_formats(bank):
    assert bank.frames[Entity.ACCOUNTS]["account_id"].str.fullmatch(r"A\d{9,}").all()
    assert bank.frames[Entity.HOUSEHOLDS]["household_id"].str.fullmatch(r"H\d{8,}").all()
    rm = bank.frames[Entity.CUSTOMERS]["rm_id"]
    assert rm[rm != ""].str.fullmatch(r"RM\d{4,}").all()


def test_persons_and_companies(big):
    c = big.frames[Entity.CUSTOMERS]
    background = 2000 - newcomer_count(2000)
    assert len(c) == 2000 and c["customer_id"].is_monotonic_increasing
    assert (c["kind"].iloc[:background] == "company").sum() == int(background * 0.15 + 0.5)
    assert (c["kind"] == "bank").sum() == 4  # the planted newcomers follow the background
    person, company = c[c["kind"] == "person"], c[c["kind"] == "company"]
    assert (person["industry"] == "").all() and (company["occupation"] == "").all()
    assert (company["born_on"] == "").all() and (person["born_on"] != "").all()
    assert set(person["segment"]) == {"mass", "affluent", "private"}
    assert set(company["segment"]) == {"sme", "corporate"}
    assert (person["born_on"] < person["joined_on"]).all()
    assert (c["joined_on"] < AS_OF).all()


def test_names_need_quoting_and_round_trip(big):
    names = big.frames[Entity.CUSTOMERS]["name"]
    assert names.str.contains(r"[\u4e00-\u9fff]").sum() > 100  # CJK
    assert names.str.contains(",").any() and names.str.contains('"').any()
    assert names.str.contains('", ').any()  # like: Acme "Holdings", Ltd.
    assert (names != "").all()
    raw = big.summary.files["customers"].read_text(encoding="utf-8")
    assert '""' in raw  # quotes are doubled inside quoted fields
    tricky = names[names.str.contains('"')].iloc[0]
    assert f'"{tricky.replace(chr(34), chr(34) * 2)}"' in raw


def test_accounts_look_like_a_banks(big):
    a = big.frames[Entity.ACCOUNTS]
    per_customer = len(a) / len(big.frames[Entity.CUSTOMERS])
    assert 2.0 <= per_customer <= 3.0
    assert set(a["product"]) == set(DEPOSIT_PRODUCTS + CREDIT_PRODUCTS)
    deposit = a["product"].isin(DEPOSIT_PRODUCTS)
    assert (a.loc[deposit, "balance"] != "").all()
    assert (a.loc[deposit, ["credit_limit", "outstanding", "ccf"]] == "").all().all()
    credit = a[~deposit]
    assert (credit[["credit_limit", "outstanding"]] != "").all().all()
    assert (credit["balance"] == "").all()
    assert set(money(a["ccf"]).dropna()) <= {0.2, 0.5, 1.0}
    assert (a["ccf"] == "").mean() > 0.9
    assert 0.85 < (a["status"] == "open").mean() < 0.99
    closed = a[a["status"] == "closed"]
    assert (money(closed["outstanding"]).fillna(0) == 0).all()
    c = big.frames[Entity.CUSTOMERS].set_index("customer_id")
    assert (a["opened_on"] >= c.loc[a["customer_id"], "joined_on"].to_numpy()).all()
    assert (a["opened_on"] < AS_OF).all()


def test_households(big):
    h = big.frames[Entity.HOUSEHOLDS]
    heads = h[h["role"] == "head"].groupby("household_id").size()
    assert heads.eq(1).all() and len(heads) == h["household_id"].nunique()
    assert h.groupby("household_id")["role"].apply(lambda r: (r == "spouse").sum()).max() <= 1
    assert {"head", "spouse", "child", "parent"} <= set(h["role"])
    kinds = big.frames[Entity.CUSTOMERS].set_index("customer_id")["kind"]
    assert (kinds.loc[h["customer_id"]] == "person").all()
    assert h["customer_id"].is_unique


def test_joint_mortgages_between_spouses(big):
    h = big.frames[Entity.HOUSEHOLDS]
    member = dict(zip(h["customer_id"], h["household_id"], strict=True))
    joint = big.frames[Entity.ACCOUNT_HOLDERS].merge(
        big.frames[Entity.ACCOUNTS], on="account_id", suffixes=("", "_primary")
    )
    mortgages = joint[(joint["product"] == "mortgage") & (joint["role"] == "joint")]
    assert len(mortgages) > 0
    pairs = zip(mortgages["customer_id"], mortgages["customer_id_primary"], strict=True)
    assert all(a in member and member.get(a) == member.get(b) for a, b in pairs)
    assert "authorized" in set(big.frames[Entity.ACCOUNT_HOLDERS]["role"])


def test_ownership_roles_and_shares(big):
    o = big.frames[Entity.OWNERSHIP]
    assert set(o["role"]) == {"shareholder", "director", "legal_representative", "controller"}
    kinds = big.frames[Entity.CUSTOMERS].set_index("customer_id")["kind"]
    assert (kinds.loc[o["company_id"]] == "company").all()
    shares = money(o["share"]).fillna(0).groupby(o["company_id"]).sum()
    assert (shares <= 1 + 1e-9).all()
    minority = money(o["share"])
    assert ((minority > 0) & (minority < 0.5)).any()
    # no control cycles
    assert nx.is_directed_acyclic_graph(nx.DiGraph(control_edges(big)))


def test_guarantees_some_expired(big):
    g = big.frames[Entity.GUARANTEES]
    assert (g["valid_to"] < AS_OF).any() and (g["valid_to"] >= AS_OF).any()
    kinds = big.frames[Entity.CUSTOMERS].set_index("customer_id")["kind"]
    assert set(kinds.loc[g["guarantor_id"]]) == {"person", "company"}


def test_referrals_follow_joining(big):
    r = big.frames[Entity.REFERRALS]
    joined = big.frames[Entity.CUSTOMERS].set_index("customer_id")["joined_on"]
    assert (r["referred_on"] >= joined.loc[r["referrer_id"]].to_numpy()).all()
    assert set(r["channel"]) == {"app", "branch", "wechat", "event"}
    assert len(r) < 0.5 * len(big.frames[Entity.CUSTOMERS])  # most were not referred


# --------------------------------------------------------------------------- planted


def test_planted_header(bank):
    p = bank.planted
    assert set(p) == {
        "seed", "customers", "as_of", "control_groups", "guarantee_circles",
        "referral_hubs", "deep_cascades", "shared_contacts", "reporting_currency",
        "fx_rates", "tier1_capital", "tier1_rule", "interbank", "dependency_rule",
        "dependencies", "dependency_groups", "family_control", "departures",
    }  # fmt: skip
    assert p["seed"] == 7 and p["customers"] == len(bank.frames[Entity.CUSTOMERS])
    assert p["as_of"] == bank.as_of


def test_planted_everything_at_full_shape(big):
    p = big.planted
    assert len(p["control_groups"]) >= 4
    assert len(p["guarantee_circles"]) >= 3
    sizes = sorted(len(c) for c in p["guarantee_circles"])
    assert sizes[0] == 3 or sizes[0] == 4
    assert sizes[-1] >= 5
    assert len(p["referral_hubs"]) >= 3 and len(p["deep_cascades"]) >= 2
    assert all(h["direct"] >= 30 for h in p["referral_hubs"])
    assert {s["field"] for s in p["shared_contacts"]} == {"phone", "email", "address", "id_number"}


@pytest.mark.parametrize("on", ["2020-01-01", AS_OF, "2035-12-31"])
def test_control_groups_are_connected(bank, on):
    graph = link_graph(bank, on)
    assert bank.planted["control_groups"] or bank.summary.rows["customers"] < 100
    for group in bank.planted["control_groups"]:
        assert len(group) >= 4
        assert nx.is_connected(graph.subgraph(group)), group


def test_control_groups_hold_chains(bank):
    control = nx.DiGraph(control_edges(bank))
    kinds = bank.frames[Entity.CUSTOMERS].set_index("customer_id")["kind"]
    for group in bank.planted["control_groups"]:
        sub = control.subgraph(group)
        assert 3 <= nx.dag_longest_path_length(sub) <= 4, group
        top = [n for n in sub if sub.in_degree(n) == 0 and sub.out_degree(n) > 0]
        assert [kinds[t] for t in top] == ["person"]


def test_control_groups_use_every_link_kind(big):
    members = [set(g) for g in big.planted["control_groups"]]
    guarantee = nx.Graph(guarantee_edges(big, AS_OF))
    joint = nx.Graph(joint_credit_edges(big))
    assert any(guarantee.subgraph(g).number_of_edges() for g in members)
    assert any(joint.subgraph(g).number_of_edges() for g in members)


def test_guarantee_circles_are_exactly_the_strongly_connected_sets(bank):
    graph = nx.DiGraph(guarantee_edges(bank))
    sccs = {frozenset(c) for c in nx.strongly_connected_components(graph) if len(c) > 1}
    circles = {frozenset(c) for c in bank.planted["guarantee_circles"]}
    assert circles and sccs == circles
    for circle in bank.planted["guarantee_circles"]:
        assert nx.is_strongly_connected(graph.subgraph(circle))


def test_guarantee_circles_valid_from_2020_to_2035(bank):
    # a circle that formed between two month-ends is valid from the day it closed
    formed = bank.series["structures"]["forming_circle"] if bank.series else []
    for on in ("2020-01-01", bank.as_of, "2035-12-31"):
        graph = nx.DiGraph(guarantee_edges(bank, on))
        for circle in bank.planted["guarantee_circles"]:
            if on != bank.as_of and circle == formed:
                continue
            assert nx.is_strongly_connected(graph.subgraph(circle)), (on, circle)


def test_large_circles_have_an_inner_chord(big):
    graph = nx.DiGraph(guarantee_edges(big))
    large = [c for c in big.planted["guarantee_circles"] if len(c) >= 5]
    assert large
    for circle in large:
        assert graph.subgraph(circle).number_of_edges() > len(circle)


def test_referral_hubs_direct_counts(bank):
    r = bank.frames[Entity.REFERRALS]
    direct = r.groupby("referrer_id").size()
    assert bank.planted["referral_hubs"]
    for hub in bank.planted["referral_hubs"]:
        assert direct[hub["customer_id"]] == hub["direct"]
    top = {h["customer_id"] for h in bank.planted["referral_hubs"]}
    assert set(direct.nlargest(len(top)).index) == top


def test_deep_cascades_depth(bank):
    graph = referral_graph(bank)
    assert bank.planted["deep_cascades"]
    for cascade in bank.planted["deep_cascades"]:
        lengths = nx.single_source_shortest_path_length(graph, cascade["customer_id"])
        assert max(lengths.values()) == cascade["depth"] >= 8


def normalized(field: str, values: pd.Series) -> pd.Series:
    """The normalization of guanxi.algorithms.suspected, rewritten here."""
    v = values.str.strip().str.casefold().str.replace(r"\s+", " ", regex=True)
    return v.str.replace(r"\D", "", regex=True) if field == "phone" else v


def test_shared_contacts_are_exactly_the_planted_ones(bank):
    c = bank.frames[Entity.CUSTOMERS]
    listed = {(s["field"], frozenset(s["customer_ids"])) for s in bank.planted["shared_contacts"]}
    assert listed
    found = set()
    for field in ("phone", "email", "address", "id_number"):
        values = normalized(field, c[field])
        shared = c[(values != "") & values.duplicated(keep=False)]
        for _, ids in shared.groupby(values[shared.index])["customer_id"]:
            found.add((field, frozenset(ids)))
    assert found == listed
    for s in bank.planted["shared_contacts"]:
        assert 2 <= len(s["customer_ids"]) <= 4
        assert set(c.loc[c[s["field"]] == s["value"], "customer_id"]) == set(s["customer_ids"])


def test_shared_contacts_between_unrelated_customers(bank):
    in_household = set(bank.frames[Entity.HOUSEHOLDS]["customer_id"])
    planted = {i for g in bank.planted["control_groups"] for i in g}
    planted |= {i for g in bank.planted["guarantee_circles"] for i in g}
    for s in bank.planted["shared_contacts"]:
        assert not set(s["customer_ids"]) & (in_household | planted)


# --------------------------------------------------------------------------- newer contract files


def rates(b: Bank) -> dict[str, Decimal]:
    fx = b.frames[Entity.FX_RATES]
    out = {c: Decimal(r) for c, r in zip(fx["currency"], fx["rate"], strict=True)}
    out[b.planted["reporting_currency"]] = Decimal(1)
    return out


def exposures(b: Bank) -> dict[str, Decimal]:
    """The contract's exposure of every open credit account, converted exactly and
    rounded once to the cent (half up), recomputed here with decimals from the text."""
    rate = rates(b)
    reporting = b.planted["reporting_currency"]
    a = b.frames[Entity.ACCOUNTS]
    a = a[a["product"].isin(CREDIT_PRODUCTS) & (a["status"] != "closed")]
    out = {}
    for row in a.itertuples(index=False):
        drawn = Decimal(row.outstanding or "0")
        limit = Decimal(row.credit_limit or "0")
        ccf = Decimal(row.ccf or "1")
        exposure = (drawn + ccf * max(limit - drawn, Decimal(0))) * rate[row.currency or reporting]
        out[row.account_id] = exposure.quantize(Decimal("0.01"), ROUND_HALF_UP)
    return out


def exposure_of(b: Bank, members: set[str], exp: dict[str, Decimal] | None = None) -> Decimal:
    """Every open credit account a member holds (primary or further holder), once."""
    exp = exposures(b) if exp is None else exp
    a = b.frames[Entity.ACCOUNTS]
    h = b.frames[Entity.ACCOUNT_HOLDERS]
    held = set(a.loc[a["customer_id"].isin(members), "account_id"])
    held |= set(h.loc[h["customer_id"].isin(members), "account_id"])
    return sum((exp.get(x, Decimal(0)) for x in held), Decimal(0))


def pct(amount: Decimal, tier1: int) -> Decimal:
    return amount / Decimal(tier1) * 100


def dependency_edges(b: Bank) -> list[tuple[str, str]]:
    d = b.frames[Entity.DEPENDENCIES]
    rule = b.planted["dependency_rule"]
    share = d["share"].map(lambda v: Decimal(v) if v else Decimal(0))
    links = d["kind"].isin(rule["kinds"]) & (share >= Decimal(rule["threshold"]))
    return list(zip(d.loc[links, "from_id"], d.loc[links, "to_id"], strict=True))


def customer_columns(b: Bank) -> list[str]:
    """The (entity, column) pairs that name a customer, but the customers' own id."""
    return [
        (e, c.name)
        for e in LOAD_ORDER
        for c in SPECS[e].columns
        if c.references == Entity.CUSTOMERS
    ]


def test_fx_rates_cover_every_currency(bank):
    fx = bank.frames[Entity.FX_RATES]
    assert bank.planted["reporting_currency"] == "CNY"
    assert dict(zip(fx["currency"], fx["rate"], strict=True)) == bank.planted["fx_rates"]
    assert (fx["as_of"] == bank.as_of).all()
    used = set(bank.frames[Entity.ACCOUNTS]["currency"]) - {"", "CNY"}
    assert used <= set(fx["currency"]) and "CNY" not in set(fx["currency"])
    for rate in fx["rate"]:
        value = Decimal(rate)
        assert value > 0 and value.as_tuple().exponent >= -4


def test_big_bank_uses_every_currency(big):
    assert set(big.frames[Entity.ACCOUNTS]["currency"]) == {"CNY", "USD", "HKD", "EUR"}


def test_tier1_capital_is_the_demo_rule(bank):
    tier1 = bank.planted["tier1_capital"]
    if bank.series is not None:
        assert tier1 == bank.series["tier1_capital"]  # every month uses the first's
    if bank.month == 0:
        total = sum(exposures(bank).values(), Decimal(0))
        millions = (total / 10 / 10**6).quantize(Decimal(1), ROUND_HALF_EVEN)
        assert tier1 == max(int(millions) * 10**6, 10**6)


def test_interbank_counterparties(bank):
    c = bank.frames[Entity.CUSTOMERS].set_index("customer_id")
    banks = bank.planted["interbank"]
    ids = {b["customer_id"] for b in banks}
    assert len(banks) >= 2 and set(c.index[c["kind"] == "bank"]) == ids
    tier1 = bank.planted["tier1_capital"]
    exp = exposures(bank)
    a = bank.frames[Entity.ACCOUNTS]
    for b in banks:
        row = c.loc[b["customer_id"]]
        assert row["gsib"] == ("true" if b["gsib"] else "false") and row["segment"] == "interbank"
        credit = a[(a["customer_id"] == b["customer_id"]) & a["product"].isin(CREDIT_PRODUCTS)]
        assert set(credit["product"]) <= {"loan", "credit_line"} and len(credit) == 1
        assert (credit["currency"] == "CNY").all()
        total = exposure_of(bank, {b["customer_id"]}, exp)
        share = pct(total, tier1)
        assert total == Decimal(b["exposure"])
        assert b["pct_tier1"] == str(share.quantize(Decimal("0.01"), ROUND_HALF_UP))
        assert b["crosses"] == {
            "china_interbank_25": share > 25,
            "basel_gsib_15": b["gsib"] and share > 15,
        }
    china = [b for b in banks if b["crosses"]["china_interbank_25"]]
    basel = [b for b in banks if b["crosses"]["basel_gsib_15"]]
    assert len(china) == 1 and not china[0]["gsib"]
    assert len(basel) == 1 and not basel[0]["crosses"]["china_interbank_25"]
    # nothing links a bank to anyone: it is a single name of its own
    for entity, column in customer_columns(bank):
        if entity not in (Entity.CUSTOMERS, Entity.ACCOUNTS):
            assert not set(bank.frames[entity][column]) & ids, (entity, column)
    assert (c.loc[c["kind"] != "bank", "gsib"] == "").all()


def test_dependencies(bank):
    p = bank.planted
    rule = p["dependency_rule"]
    assert rule == {"kinds": ["receipts", "expenditure"], "threshold": "0.5"}
    d = bank.frames[Entity.DEPENDENCIES]
    kinds = bank.frames[Entity.CUSTOMERS].set_index("customer_id")["kind"]
    assert (d["from_id"] != d["to_id"]).all()
    assert set(kinds.loc[d["from_id"]]) | set(kinds.loc[d["to_id"]]) == {"company"}
    shares = {(r.from_id, r.to_id, r.kind): Decimal(r.share) for r in d.itertuples(index=False)}
    for r in p["dependencies"]:
        assert shares[(r["from_id"], r["to_id"], r["kind"])] == Decimal(r["share"])
        assert r["links"] == (
            r["kind"] in rule["kinds"] and Decimal(r["share"]) >= Decimal(rule["threshold"])
        )
        assert r["source"] in set(d["source"])
    linking = set(dependency_edges(bank))
    assert linking == {(r["from_id"], r["to_id"]) for r in p["dependencies"] if r["links"]}
    planted = p["dependencies"]
    assert any(r["links"] and Decimal(r["share"]) == Decimal("0.5") for r in planted)
    assert any(not r["links"] and r["kind"] in rule["kinds"] for r in planted)
    assert any(
        r["kind"] not in rule["kinds"] and Decimal(r["share"]) >= 1 / Decimal(2) for r in planted
    )
    assert any(r["kind"] not in rule["kinds"] for r in planted)
    # the groups: exactly what the linking rows join, linked to nothing else
    groups = sorted(sorted(c) for c in nx.connected_components(nx.Graph(list(linking))))
    assert groups == sorted(p["dependency_groups"]) and len(groups) >= 2
    others = link_graph(bank, bank.as_of)
    assert all(others.degree(m) == 0 for g in groups for m in g)
    # the other planted rows join members of different groups: they must not link them
    group_of = {m: i for i, g in enumerate(groups) for m in g}
    for r in planted:
        if not r["links"]:
            assert group_of[r["from_id"]] != group_of[r["to_id"]], r


def test_family_control(bank):
    h = bank.frames[Entity.HOUSEHOLDS]
    kinds = bank.frames[Entity.CUSTOMERS].set_index("customer_id")["kind"]
    control = control_edges(bank)
    graph = link_graph(bank, bank.as_of)  # the default rules: no family link
    families = bank.planted["family_control"]
    assert families
    seen: set[str] = set()
    for family in families:
        members = h[h["household_id"] == family["household_id"]]
        role = dict(zip(members["customer_id"], members["role"], strict=True))
        controllers = family["controllers"]
        assert len(controllers) >= 2
        assert {c["role"] for c in controllers} - {"head"} <= {"spouse", "parent", "child"}
        assert "spouse" in {c["role"] for c in controllers}
        group: set[str] = set()
        for c in controllers:
            who = c["customer_id"]
            assert role[who] == c["role"] and kinds[who] == "person"
            assert c["companies"] and all(kinds[co] == "company" for co in c["companies"])
            assert all((who, co) in control for co in c["companies"])
            # otherwise unconnected: the member and its companies are a group apart
            assert nx.node_connected_component(graph, who) == {who, *c["companies"]}
            group |= {who, *c["companies"]}
        assert sorted(group) == family["group"]
        assert not group & seen
        seen |= group
        # every company a member of the household controls is in the group
        controlled = {co for owner, co in control if owner in role}
        assert controlled == group - set(role)
        for bystander in family["bystanders"]:
            assert bystander in role and graph.degree(bystander) == 0
            assert not any(owner == bystander for owner, _ in control)


def test_departures(bank):
    c = bank.frames[Entity.CUSTOMERS].set_index("customer_id")
    a = bank.frames[Entity.ACCOUNTS]
    r = bank.frames[Entity.REFERRALS]
    h = bank.frames[Entity.HOUSEHOLDS]
    departures = bank.planted["departures"]
    departed = {d["customer_id"]: d for d in departures["departed"]}
    assert departed
    assert set(c.index[c["closed_on"] != ""]) == set(departed)
    first = bank.series["months"][0]["as_of"] if bank.series else bank.as_of
    earliest = (date.fromisoformat(first) - timedelta(days=180)).isoformat()
    hubs = {x["customer_id"] for x in bank.planted["referral_hubs"]}
    linked = {x for edge in control_edges(bank) + guarantee_edges(bank) for x in edge}
    further = set(bank.frames[Entity.ACCOUNT_HOLDERS]["customer_id"])
    for cid, d in departed.items():
        closed = d["closed_on"]
        assert c.loc[cid, "closed_on"] == closed and earliest <= closed < first
        assert c.loc[cid, "joined_on"] < closed and c.loc[cid, "aum"] == "0.00"
        own = a[a["customer_id"] == cid]
        assert (own["status"] == "closed").all() and (own["opened_on"] < closed).all()
        assert set(own["balance"]) <= {"", "0.00"} and set(own["outstanding"]) <= {"", "0.00"}
        assert (r.loc[r["referrer_id"] == cid, "referred_on"] < closed).all()
        assert cid not in linked | further | hubs
        if d["cluster"] == "hub_referees":
            assert d["anchor"] in hubs
            assert r.loc[r["referee_id"] == cid, "referrer_id"].tolist() == [d["anchor"]]
        elif d["cluster"] == "hub_referrer":  # a planted hub, or a customer with 3+ referees
            assert d["anchor"] in hubs or (r["referrer_id"] == d["anchor"]).sum() >= 3
            assert r.loc[r["referee_id"] == d["anchor"], "referrer_id"].tolist() == [cid]
        else:
            assert d["cluster"] == "household"
            household = h[h["household_id"] == d["anchor"]]["customer_id"]
            assert cid in set(household) and (c.loc[household, "closed_on"] == "").any()
    clusters = [d["cluster"] for d in departed.values()]
    assert "hub_referees" in clusters and "household" in clusters
    # the at-risk neighbours: every active customer tied to one who left, and no other
    pairs = [(x, y, "referee") for x, y in zip(r["referrer_id"], r["referee_id"], strict=True)]
    pairs += [(y, x, "referrer") for x, y in zip(r["referrer_id"], r["referee_id"], strict=True)]
    for _, members in h.groupby("household_id")["customer_id"]:
        pairs += [(x, y, "household") for x in members for y in members if x != y]
    held = bank.frames[Entity.ACCOUNT_HOLDERS].merge(a, on="account_id", suffixes=("", "_p"))
    for x, y in zip(held["customer_id"], held["customer_id_p"], strict=True):
        pairs += [(x, y, "joint_holder"), (y, x, "joint_holder")]
    ties: dict[str, set[str]] = {}
    via: dict[str, set[str]] = {}
    for who, gone, kind in pairs:
        if gone in departed and who not in departed:
            ties.setdefault(who, set()).add(gone)
            via.setdefault(who, set()).add(kind)
    at_risk = departures["at_risk"]
    assert {x["customer_id"]: x["ties"] for x in at_risk} == {k: len(v) for k, v in ties.items()}
    assert all(x["via"] == sorted(via[x["customer_id"]]) for x in at_risk)
    assert [x["ties"] for x in at_risk] == sorted((x["ties"] for x in at_risk), reverse=True)
    hub_cluster = [d for d in departed.values() if d["cluster"] == "hub_referees"]
    top = [x["customer_id"] for x in at_risk if x["ties"] == at_risk[0]["ties"]]
    assert hub_cluster[0]["anchor"] in top  # the hub whose referees left ranks first
    assert at_risk[0]["ties"] == len(hub_cluster) >= 2


def test_departures_around_every_kind_of_cluster(big):
    clusters = [d["cluster"] for d in big.planted["departures"]["departed"]]
    assert clusters.count("hub_referees") == 5 and clusters.count("hub_referrer") == 1
    assert clusters.count("household") == 3  # one member of one, two of another


def test_later_customer_columns(bank):
    c = bank.frames[Entity.CUSTOMERS]
    person = c["kind"] == "person"
    assert (c.loc[person, "net_assets"] == "").all()
    assert (c.loc[~person, "net_assets"] != "").mean() > 0.5
    assert (c.loc[c["kind"] != "bank", "gsib"] == "").all()
    assert set(c.loc[c["kind"] == "bank", "gsib"]) == {"true", "false"}


def test_extract_loads_without_a_rejected_row(bank):
    with DuckDBStore(":memory:") as store:
        outcome = load_folder(bank.summary.out_dir, store, as_of=bank.as_of)
        assert outcome.validation.ok
        assert all(n == 0 for n in outcome.validation.rows_rejected.values())
        counts = store.counts()
    for entity in LOAD_ORDER:
        assert counts[entity.value] == len(bank.frames[entity]), entity


# --------------------------------------------------------------------------- months


SERIES_KEYS = {
    "seed", "months", "reporting_currency", "fx_rates", "tier1_capital", "tier1_rule",
    "status_lines", "structures",
}  # fmt: skip


def changes_at(s: Series, t: int) -> dict[str, dict]:
    return {c["kind"]: c for c in s.planted["months"][t]["changes"]}


def components(b: Bank, exp: dict[str, Decimal]) -> dict[frozenset, Decimal]:
    """Every group of the default rules (dependencies included) with its exposure."""
    graph = link_graph(b, b.as_of)
    graph.add_edges_from(dependency_edges(b))
    return {
        frozenset(c): exposure_of(b, set(c), exp)
        for c in nx.connected_components(graph)
        if len(c) > 1
    }


def test_series_folders_and_manifest(series):
    s = series.summary
    assert list(s.months) == MONTH_ENDS
    assert sorted(p.name for p in s.out_dir.iterdir()) == [*MONTH_ENDS, PLANTED_NAME]
    for day, folder in s.months.items():
        assert folder == s.out_dir / day
        names = {p.name for p in folder.iterdir()}
        assert names == {f"{e.value}.csv" for e in LOAD_ORDER} | {PLANTED_NAME}
    assert s.files == {e.value: s.out_dir / AS_OF / f"{e.value}.csv" for e in LOAD_ORDER}
    o = series.planted
    assert set(o) == SERIES_KEYS
    assert o["seed"] == 7 and o["tier1_capital"] > 0 and o["reporting_currency"] == "CNY"
    assert o["status_lines"] == {"large_pct": 10, "breach_pct": 25}
    assert set(o["structures"]) == {
        "growing_group", "breach_group", "merging_groups", "forming_circle",
        "dissolving_circle", "joiner", "cascade_hub",
    }  # fmt: skip
    assert [m["as_of"] for m in o["months"]] == [m["folder"] for m in o["months"]] == MONTH_ENDS
    assert [m["customers"] for m in o["months"]] == [
        len(b.frames[Entity.CUSTOMERS]) for b in series.months
    ]
    assert o["months"][0]["changes"] == []
    kinds = [c["kind"] for m in o["months"] for c in m["changes"]]
    assert sorted(kinds) == sorted(CHANGE_KINDS)  # each once, spread over the months
    assert all(m["changes"] for m in o["months"][1:])
    for b, day in zip(series.months, MONTH_ENDS, strict=True):
        assert b.planted["as_of"] == day and (b.frames[Entity.FX_RATES]["as_of"] == day).all()


def test_unchanged_rows_stay_byte_identical(series):
    months = series.summary.months
    for t in range(1, len(MONTH_ENDS)):
        before, after = months[MONTH_ENDS[t - 1]], months[MONTH_ENDS[t]]
        change = changes_at(series, t)
        new_referees = len(change.get("cascade_doubles", {}).get("new_referees", []))
        expected_added = {
            Entity.CUSTOMERS: new_referees,
            Entity.ACCOUNTS: new_referees + ("group_crosses_large" in change),
            Entity.REFERRALS: new_referees,
            Entity.GUARANTEES: ("circle_forms" in change) + ("joins_breach_group" in change),
            Entity.OWNERSHIP: int("merger" in change),
        }
        for entity in LOAD_ORDER:
            old = (before / f"{entity.value}.csv").read_text(encoding="utf-8").splitlines()
            new = (after / f"{entity.value}.csv").read_text(encoding="utf-8").splitlines()
            if entity == Entity.FX_RATES:  # only the date moves
                assert [x.replace(MONTH_ENDS[t - 1], MONTH_ENDS[t]) for x in old] == new
                continue
            gone = [x for x in old if x not in set(new)]
            kept = [x for x in old if x in set(new)]
            assert new[: len(kept)] == kept, entity  # the rows kept come first, unchanged
            assert len(new) - len(kept) == expected_added.get(entity, 0), entity
            removed = int(entity == Entity.GUARANTEES and "circle_dissolves" in change)
            assert len(gone) == removed, entity
            if removed:
                g = change["circle_dissolves"]["removed_guarantee"]
                assert gone[0].startswith(f"{g['guarantor_id']},{g['borrower_id']},")
                assert g["account_id"] in gone[0]


def test_planted_changes_happen_between_the_months(series):
    tier1 = series.planted["tier1_capital"]
    for t in range(1, len(MONTH_ENDS)):
        prev, cur = series.months[t - 1], series.months[t]
        for kind, change in changes_at(series, t).items():
            if kind in ("circle_forms", "circle_dissolves"):
                members = change["members"]
                was = nx.DiGraph(guarantee_edges(prev, prev.as_of)).subgraph(members)
                now = nx.DiGraph(guarantee_edges(cur, cur.as_of)).subgraph(members)
                formed = kind == "circle_forms"
                assert nx.is_strongly_connected(now) == formed != nx.is_strongly_connected(was)
                assert (members in cur.planted["guarantee_circles"]) == formed
                assert (members in prev.planted["guarantee_circles"]) != formed
                assert nx.is_connected(link_graph(cur, cur.as_of).subgraph(members))
            elif kind == "group_crosses_large":
                members = set(change["members"])
                for b, side in ((prev, "before"), (cur, "after")):
                    assert (
                        nx.node_connected_component(link_graph(b, b.as_of), change["members"][0])
                        == members
                    )
                    total = exposure_of(b, members)
                    assert total == Decimal(change[f"exposure_{side}"])
                    assert change[f"pct_{side}"] == str(
                        pct(total, tier1).quantize(Decimal("0.01"), ROUND_HALF_UP)
                    )
                before = pct(exposure_of(prev, members), tier1)
                after = pct(exposure_of(cur, members), tier1)
                assert before < 10 <= after <= 25
                assert (change["status_before"], change["status_after"]) == ("ok", "large")
            elif kind == "merger":
                first, second = (set(g) for g in change["groups"])
                was, now = link_graph(prev, prev.as_of), link_graph(cur, cur.as_of)
                assert nx.node_connected_component(was, change["groups"][0][0]) == first
                assert nx.node_connected_component(was, change["groups"][1][0]) == second
                assert nx.node_connected_component(now, change["merged"][0]) == first | second
                assert pct(exposure_of(cur, first | second), tier1) < 10
                o = change["ownership"]
                assert (o["owner_id"], o["company_id"]) in control_edges(cur)
                assert (o["owner_id"], o["company_id"]) not in control_edges(prev)
            elif kind == "cascade_doubles":
                hub = change["customer_id"]
                before = len(nx.descendants(referral_graph(prev), hub))
                after = len(nx.descendants(referral_graph(cur), hub))
                assert before == change["cascade_before"] and after == change["cascade_after"]
                assert after == 2 * before > 0
                c = cur.frames[Entity.CUSTOMERS].set_index("customer_id")
                joined = c.loc[change["new_referees"], "joined_on"]
                assert ((joined > prev.as_of) & (joined <= cur.as_of)).all()
                assert not set(change["new_referees"]) & set(
                    prev.frames[Entity.CUSTOMERS]["customer_id"]
                )
            else:
                assert kind == "joins_breach_group"
                group, joiner = set(change["group"]), change["customer_id"]
                was, now = link_graph(prev, prev.as_of), link_graph(cur, cur.as_of)
                assert nx.node_connected_component(was, change["group"][0]) == group
                assert was.degree(joiner) == 0
                assert nx.node_connected_component(now, joiner) == group | {joiner}
                assert pct(exposure_of(prev, group), tier1) > 25
                assert pct(exposure_of(cur, group | {joiner}), tier1) > 25
                assert change["status"] == "breach"


def test_only_the_planted_changes_move_groups(series):
    """An alert on a status crossing fires for the planted crossing only: every other
    group keeps its members, its exposure and so its status from month to month."""
    comps = [components(b, exposures(b)) for b in series.months]
    for t in range(1, len(MONTH_ENDS)):
        touched: set[str] = set()
        for change in changes_at(series, t).values():
            for key in ("members", "merged", "group"):
                touched |= set(change.get(key, []))
            touched.add(change.get("customer_id", ""))
        prev, cur = comps[t - 1], comps[t]
        moved = {g for g in set(prev) ^ set(cur)}
        moved |= {g for g in set(prev) & set(cur) if prev[g] != cur[g]}
        assert moved and all(g & touched for g in moved)


def test_series_loads_month_by_month_without_a_rejected_row(series):
    with DuckDBStore(":memory:") as store:
        for t, (day, folder) in enumerate(series.summary.months.items()):
            outcome = load_folder(folder, store, as_of=day)
            assert outcome.validation.ok
            removed = int("circle_dissolves" in changes_at(series, t))
            assert outcome.stats.removed.get(Entity.GUARANTEES, 0) == removed, day
        counts = store.counts()
    for entity in LOAD_ORDER:
        assert counts[entity.value] == len(series.months[-1].frames[entity]), entity


def tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.mark.parametrize("file_format", FORMATS)
def test_series_same_seed_same_bytes(tmp_path, file_format):
    a = generate_bank(tmp_path / "a", customers=300, seed=3, months=2, file_format=file_format)
    b = generate_bank(tmp_path / "b", customers=300, seed=3, months=2, file_format=file_format)
    assert tree_bytes(a.out_dir) == tree_bytes(b.out_dir)
    assert len(tree_bytes(a.out_dir)) == 2 * (len(LOAD_ORDER) + 1) + 1
    c = generate_bank(tmp_path / "c", customers=300, seed=4, months=2, file_format=file_format)
    assert tree_bytes(c.out_dir) != tree_bytes(a.out_dir)


def test_one_month_is_the_bank_in_a_dated_folder(tmp_path):
    generate_bank(tmp_path / "series", customers=100, seed=5)  # replaced by the months
    series = generate_bank(tmp_path / "series", customers=200, seed=5, months=1)
    single = generate_bank(tmp_path / "single", customers=200, seed=5)
    assert sorted(p.name for p in series.out_dir.iterdir()) == [AS_OF, PLANTED_NAME]
    assert list(series.months) == [AS_OF]
    assert file_bytes(series.months[AS_OF]) == file_bytes(single.out_dir)
    overview = json.loads(series.planted_path.read_text(encoding="utf-8"))
    assert set(overview) == SERIES_KEYS and overview["structures"] == {}
    assert [m["changes"] for m in overview["months"]] == [[]]
    assert overview["tier1_capital"] == json.loads(single.planted_path.read_text())["tier1_capital"]


def test_series_progress_reports_every_step(tmp_path):
    calls = []
    generate_bank(tmp_path, customers=100, months=2, progress=lambda *a: calls.append(a))
    names, done, total = zip(*calls, strict=True)
    assert done == tuple(range(len(calls))) and set(total) == {len(calls) - 1}
    assert names[-3:] == ("write 2026-05-31", "write 2026-06-30", f"write {PLANTED_NAME}")


# --------------------------------------------------------------------------- options


def file_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("file_format", FORMATS)
def test_same_seed_same_bytes(tmp_path, file_format):
    a = generate_bank(tmp_path / "a", customers=300, seed=3, file_format=file_format)
    b = generate_bank(tmp_path / "b", customers=300, seed=3, file_format=file_format)
    assert file_bytes(a.out_dir) == file_bytes(b.out_dir)
    assert len(file_bytes(a.out_dir)) == len(LOAD_ORDER) + 1


def test_different_seed_different_bank(tmp_path):
    a = generate_bank(tmp_path / "a", customers=300, seed=3)
    b = generate_bank(tmp_path / "b", customers=300, seed=4)
    for e in LOAD_ORDER:
        if e == Entity.FX_RATES:  # the rates are the bank's constants
            assert a.files[e.value].read_bytes() == b.files[e.value].read_bytes()
            continue
        assert a.files[e.value].read_bytes() != b.files[e.value].read_bytes(), e


def test_parquet_holds_the_same_bank(tmp_path):
    csv = read_bank(generate_bank(tmp_path / "csv", customers=300, seed=5))
    summary = generate_bank(tmp_path / "pq", customers=300, seed=5, file_format="parquet")
    assert summary.planted_path.read_bytes() == csv.summary.planted_path.read_bytes()
    for e in LOAD_ORDER:
        path = summary.files[e.value]
        assert path.suffix == ".parquet"
        frame = pd.read_parquet(path)
        assert tuple(frame.columns) == SPECS[e].column_names
        assert summary.rows[e.value] == len(frame) == len(csv.frames[e])
        for col in SPECS[e].columns:
            if col.kind in (ColumnKind.MONEY, ColumnKind.FRACTION):
                assert frame[col.name].dtype == np.float64
                expected = money(csv.frames[e][col.name]).to_numpy(dtype=float)
                np.testing.assert_allclose(frame[col.name].to_numpy(), expected, rtol=0, atol=1e-9)
            else:
                assert frame[col.name].fillna("").tolist() == csv.frames[e][col.name].tolist()


def test_regenerating_in_another_format_leaves_one_bank(tmp_path):
    generate_bank(tmp_path, customers=100, file_format="csv")
    summary = generate_bank(tmp_path, customers=100, file_format="parquet")
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {p.name for p in summary.files.values()} | {PLANTED_NAME}


def test_small_as_of_moves_every_date(tmp_path):
    as_of = "2018-12-31"
    b = read_bank(generate_bank(tmp_path, customers=400, seed=2, as_of=as_of), as_of)
    assert b.planted["as_of"] == as_of
    assert (b.frames[Entity.CUSTOMERS]["joined_on"] < as_of).all()
    assert (b.frames[Entity.ACCOUNTS]["opened_on"] < as_of).all()
    graph = link_graph(b, as_of)
    for group in b.planted["control_groups"]:
        assert nx.is_connected(graph.subgraph(group))
    guarantees = nx.DiGraph(guarantee_edges(b, as_of))
    for circle in b.planted["guarantee_circles"]:
        assert nx.is_strongly_connected(guarantees.subgraph(circle))


def test_progress_reports_every_step(tmp_path):
    calls = []
    generate_bank(tmp_path, customers=100, progress=lambda *a: calls.append(a))
    names, done, total = zip(*calls, strict=True)
    assert done == tuple(range(len(calls)))
    assert set(total) == {len(calls) - 1}
    assert all(isinstance(n, str) and n for n in names)
    assert any("customers" in n for n in names)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"customers": MIN_CUSTOMERS - 1},
        {"customers": 0},
        {"customers": -5},
        {"customers": 100.0},
        {"customers": True},
        {"file_format": "xlsx"},
        {"file_format": "CSV"},
        {"as_of": "2026/06/30"},
        {"as_of": "2026-02-30"},
        {"as_of": "20260630"},
        {"months": 0},
        {"months": -1},
        {"months": MAX_MONTHS + 1},
        {"months": 2.0},
        {"months": True},
        {"months": 3, "as_of": "2026-06-29"},  # not a month-end
        {"months": 2, "customers": MIN_MONTHLY_CUSTOMERS - 1},
    ],
    ids=repr,
)
def test_bad_arguments_raise_and_write_nothing(tmp_path, kwargs):
    out = tmp_path / "out"
    with pytest.raises(ValueError):
        generate_bank(out, **kwargs)
    assert not out.exists()


def test_options_are_keyword_only(tmp_path):
    with pytest.raises(TypeError):
        generate_bank(tmp_path, 100)  # type: ignore[misc]


# --------------------------------------------------------------------------- the package's parts


SYNTHETIC_MODULES = sorted(
    info.name for info in pkgutil.iter_modules(synthetic.__path__) if not info.ispkg
)


def test_docstring_examples():
    attempted = {}
    for name in SYNTHETIC_MODULES:
        module = importlib.import_module(f"guanxi.loaders.synthetic.{name}")
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0, name
        attempted[name] = result.attempted
    helpers = ("columns", "draws", "state", "writing", "build", "generate", "vocabulary")
    assert all(attempted[name] for name in helpers), attempted


def package_imports() -> dict[str, list[tuple[str, str]]]:
    """Per module of the package: the (module, name) pairs it imports from the package."""
    found: dict[str, list[tuple[str, str]]] = {}
    for path in Path(synthetic.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        pairs = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "guanxi.loaders.synthetic"
            ):
                target = node.module.removeprefix("guanxi.loaders.synthetic").lstrip(".")
                pairs.extend((target or "__init__", a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level:
                pairs.extend((node.module or "__init__", a.name) for a in node.names)
        found[path.stem] = pairs
    return found


def test_package_has_no_import_cycle_and_shares_no_private_name():
    imports = package_imports()
    private = [(m, t, n) for m, pairs in imports.items() for t, n in pairs if n.startswith("_")]
    assert private == []
    graph = {m: {t for t, _ in pairs} for m, pairs in imports.items()}
    assert all("__init__" not in deps for m, deps in graph.items() if m != "__init__")
    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises on a cycle
    assert set(order) >= set(SYNTHETIC_MODULES)


def test_package_reexports_the_public_api_only():
    public = {
        "FORMATS", "MAX_MONTHS", "MIN_CUSTOMERS", "MIN_MONTHLY_CUSTOMERS", "PLANTED_NAME",
        "GenerationSummary", "generate_bank",
    }  # fmt: skip
    assert public <= set(synthetic.__all__)
    assert all(not name.startswith("_") for name in synthetic.__all__)
    for name in synthetic.__all__:
        assert getattr(synthetic, name) is getattr(generate_module, name)


def test_build_steps_are_reported_in_order_and_match_the_files(tmp_path):
    steps: list[str] = []
    built = build_bank(300, seed=3, as_of=date(2026, 6, 30), step_done=steps.append)
    assert tuple(steps) == BUILD_STEPS
    assert set(built.frames) == set(LOAD_ORDER)
    # written by the writer, the frames are the bytes generate_bank writes
    written: list[Entity] = []
    (tmp_path / "a").mkdir()
    files, rows = write_extract(tmp_path / "a", built.frames, "csv", written.append)
    assert written == list(LOAD_ORDER) and built.frames == {}
    summary = generate_bank(tmp_path / "b", customers=300, seed=3)
    assert rows == summary.rows
    for entity in LOAD_ORDER:
        assert files[entity.value].read_bytes() == summary.files[entity.value].read_bytes()
    planted = json.loads(summary.planted_path.read_text(encoding="utf-8"))
    assert planted == built.planted


def test_context_window_widens_around_a_distant_as_of():
    ctx = BankContext.create(60, seed=0, as_of=date(2026, 6, 30))
    assert ctx.window == (day_number(date(2020, 1, 1)), day_number(date(2035, 12, 31)))
    early = BankContext.create(60, seed=0, as_of=date(2018, 12, 31))
    assert early.window == (day_number(date(2013, 1, 1)), day_number(date(2035, 12, 31)))
    late = BankContext.create(60, seed=0, as_of=date(2040, 1, 31))
    assert late.window == (day_number(date(2020, 1, 1)), day_number(date(2045, 12, 31)))
    assert late.as_of_text == "2040-01-31" and not late.reserved.any() and late.frames == {}
    for day in (date(1970, 1, 1), date(1900, 3, 1), date(2026, 6, 30)):
        assert day_number(day) == day.toordinal() - date(1970, 1, 1).toordinal()


def test_weighted_choice_follows_the_weights_and_draws_n_uniforms():
    rng, twin = np.random.default_rng(5), np.random.default_rng(5)
    idx = weighted_choice(rng, 200_000, (2, 0, 1, 1))
    twin.random(200_000)
    assert rng.random() == twin.random()  # consumed exactly one rng.random(n)
    counts = np.bincount(idx, minlength=4) / len(idx)
    assert counts[1] == 0
    np.testing.assert_allclose(counts, [0.5, 0, 0.25, 0.25], atol=0.01)
    assert weighted_choice(np.random.default_rng(0), 0, (1, 1)).shape == (0,)


@pytest.mark.parametrize("modulus", [10**4, 10**8, 3 * 10**8, int(np.prod(ADDRESS_RADIX)), 7])
def test_affine_codes_are_distinct_and_below_the_modulus(modulus):
    rng = np.random.default_rng(modulus)
    n = min(modulus, 50_000)
    codes = affine_codes(rng, n, modulus)
    assert len(np.unique(codes)) == n
    assert codes.min() >= 0 and codes.max() < modulus
    if n == modulus:
        assert sorted(codes.tolist()) == list(range(modulus))


def test_affine_codes_refuse_more_codes_than_the_modulus():
    with pytest.raises(ValueError, match="cannot draw 11 distinct codes below 10"):
        affine_codes(np.random.default_rng(0), 11, 10)


def test_reserved_pools_share_reservations():
    reserved = np.zeros(6, dtype=bool)
    rng = np.random.default_rng(0)
    a = ReservedPool(np.array([0, 1, 2, 3]), reserved, rng, shuffle=False)
    b = ReservedPool(np.array([1, 2, 4, 5]), reserved, rng, shuffle=False)
    assert a.take(2) == [0, 1]
    assert b.take(1) == [2]  # 1 was taken by the other pool
    assert a.take(3) is None  # only 3 is left: nobody is taken
    assert not reserved[3] and a.take(1) == [3]
    assert reserved.tolist() == [True, True, True, True, False, False]
    shuffled = ReservedPool(np.arange(100, 110), np.zeros(110, dtype=bool), rng)
    got = shuffled.take(10)
    assert sorted(got) == list(range(100, 110)) and got != sorted(got)


def test_column_helpers():
    assert pick(text_array(["a", "b"]), np.array([1, 1, 0])).to_pylist() == ["b", "b", "a"]
    assert int_text(np.array([0, 7, 123456]), 4).to_pylist() == ["0000", "0007", "123456"]
    assert id_text("H", np.array([1001]), 8).to_pylist() == ["H00001001"]
    assert concat(pa.array(["a", None]), "-", pa.array(["b", "c"])).to_pylist() == ["a-b", None]
    days = np.array([-1, 0, 59, 20634])
    expected = [(date(1970, 1, 1) + timedelta(days=int(d))).isoformat() for d in days]
    assert date_text(days).to_pylist() == expected
    assert date_text(days, days > 0).to_pylist() == expected[:2] + [None, None]
    mask = np.array([True, False, True])
    arr = pa.array(["x", "y", "z"])
    assert where(mask, arr, pa.scalar("-")).to_pylist() == ["x", "-", "z"]
    assert null_where(arr, mask).to_pylist() == [None, "y", None]


def test_contract_frame_keeps_missing_text_and_refuses_other_columns():
    frame = contract_frame(
        Entity.REFERRALS,
        {
            "referrer_id": pa.array(["1"]),
            "referee_id": pa.array(["2"]),
            "referred_on": pa.array([None], pa.string()),
            "channel": pa.array(["app"]),
            "reward": np.array([np.nan]),
        },
    )
    assert tuple(frame.columns) == SPECS[Entity.REFERRALS].column_names
    assert frame["referred_on"].isna().all() and frame["reward"].dtype == np.float64
    with pytest.raises(AssertionError):
        contract_frame(Entity.ACCOUNT_HOLDERS, {"customer_id": pa.array(["1"])})


def test_csv_ready_formats_money_and_fractions_and_keeps_the_input():
    frame = pd.DataFrame(
        {
            "account_id": ["A1", "A2", "A3"],
            "balance": [36000.0, 1234.567, np.nan],
            "ccf": [1.0, 0.25, np.nan],
        }
    )
    before = frame.copy()
    out = csv_ready(frame)
    assert out["balance"].tolist()[:2] == ["36000.00", "1234.57"] and pd.isna(out["balance"][2])
    assert out["ccf"].tolist()[:2] == ["1.0", "0.25"] and pd.isna(out["ccf"][2])
    assert out["account_id"].tolist() == ["A1", "A2", "A3"]
    pd.testing.assert_frame_equal(frame, before)


def test_atomic_writes_leave_the_old_file_when_they_fail(tmp_path):
    target = tmp_path / "planted.json"
    atomic_write_text(target, "old\n")
    with pytest.raises(UnicodeEncodeError):
        atomic_write_text(target, "new \ud800\n")  # a lone surrogate cannot be encoded
    csv = tmp_path / "customers.csv"
    write_frame(pd.DataFrame({"name": ["ok"]}), csv, "csv")
    with pytest.raises(UnicodeEncodeError):
        write_frame(pd.DataFrame({"name": ["bad \ud800"]}), csv, "csv")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert csv.read_text(encoding="utf-8") == "name\nok\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["customers.csv", "planted.json"]


def test_write_extract_replaces_a_bank_of_the_other_format(tmp_path):
    frames = build_bank(120, seed=1, as_of=date(2026, 6, 30)).frames
    expected = {e: frames[e].copy() for e in LOAD_ORDER}
    (tmp_path / "customers.csv").write_text("stale\n", encoding="utf-8")
    files, rows = write_extract(tmp_path, frames, "parquet")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"{e.value}.parquet" for e in LOAD_ORDER
    )
    for entity in LOAD_ORDER:
        read = pd.read_parquet(files[entity.value])
        assert rows[entity.value] == len(read) == len(expected[entity])
        pd.testing.assert_frame_equal(read, expected[entity], check_dtype=False)


def test_plan_numbers_its_accounts():
    plan = Plan()
    assert [plan.account(1, 4, 100), plan.account(2, 5, 101, joint=3)] == [0, 1]
    assert (plan.acc_owner, plan.acc_product, plan.acc_opened, plan.acc_joint) == (
        [1, 2],
        [4, 5],
        [100, 101],
        [-1, 3],
    )
