"""The figures a risk officer files, recomputed independently, exactly.

A synthetic bank (accounts in CNY, USD, HKD and EUR) is loaded and analyzed; then every
money figure of the output files is recomputed here from the **raw CSV text of the
input files**, with Python's ``csv`` and ``decimal`` modules only (no pandas, no
pyarrow, none of guanxi's parsing), by the contract's definitions and the documented
rounding rule (each account's exposure converted to CNY and rounded half up once to
the fen; totals are exact sums). Every figure must be equal, digit for digit.
"""

from __future__ import annotations

import csv
from collections import defaultdict, deque
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from guanxi.analysis import AnalysisOptions, run_analysis
from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.loaders.load import load_folder
from guanxi.loaders.synthetic import generate_bank

CENT = Decimal("0.01")
AS_OF = "2026-06-30"
CAPITAL = Decimal("250000000")
CREDIT = {"loan", "mortgage", "credit_card", "overdraft", "credit_line"}
DEPOSIT = {"current", "savings", "term_deposit", "wealth"}


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def money(text: str) -> Decimal:
    return Decimal(text) if text else Decimal(0)


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("exact")
    data = root / "bank"
    generate_bank(data, customers=3000, seed=5)
    if not (data / "fx_rates.csv").exists():  # the generator writes one; keep the test honest
        (data / "fx_rates.csv").write_text(
            "currency,rate,as_of\nUSD,7.1235,2026-06-30\nHKD,0.9125,2026-06-30\n"
            "EUR,7.7312,2026-06-30\n",
            encoding="utf-8",
        )
    out = root / "out"
    with DuckDBStore(root / "s.duckdb") as store:
        load_folder(data, store, as_of=AS_OF)
        run_analysis(store, out, AnalysisOptions(as_of=AS_OF, tier1_capital=CAPITAL, seed=5))
    return data, out


@pytest.fixture(scope="module")
def oracle(bank):
    data, _ = bank
    rate = {r["currency"]: Decimal(r["rate"]) for r in rows(data / "fx_rates.csv")}
    rate["CNY"] = Decimal(1)
    exposure: dict[str, Decimal] = {}
    balance: dict[str, Decimal] = {}
    primary: dict[str, str] = {}
    for a in rows(data / "accounts.csv"):
        primary[a["account_id"]] = a["customer_id"]
        if a.get("status", "") == "closed":
            continue
        r = rate[a.get("currency") or "CNY"]
        if a["product"] in CREDIT:
            o, limit = money(a.get("outstanding", "")), money(a.get("credit_limit", ""))
            ccf = Decimal(a["ccf"]) if a.get("ccf") else Decimal(1)
            exact = (o + ccf * max(limit - o, Decimal(0))) * r
            exposure[a["account_id"]] = exact.quantize(CENT, rounding=ROUND_HALF_UP)
        elif a["product"] in DEPOSIT:
            balance[a["account_id"]] = (money(a.get("balance", "")) * r).quantize(
                CENT, rounding=ROUND_HALF_UP
            )
    holders: dict[str, set[str]] = defaultdict(set)  # customer -> accounts held
    for account, customer in primary.items():
        holders[customer].add(account)
    for h in rows(data / "account_holders.csv"):
        holders[h["customer_id"]].add(h["account_id"])
    return {"exposure": exposure, "balance": balance, "holders": holders}


def single(oracle, customer: str) -> Decimal:
    return sum(
        (oracle["exposure"].get(a, Decimal(0)) for a in oracle["holders"][customer]),
        Decimal(0),
    )


def test_every_account_exposure(bank, oracle):
    _, out = bank
    got = {r["account_id"]: Decimal(r["exposure"]) for r in rows(out / "account_exposures.csv")}
    assert got == oracle["exposure"]
    currencies = {r["currency"] for r in rows(out / "account_exposures.csv")}
    assert {"USD", "HKD", "EUR"} <= currencies  # conversion really happened


def test_single_names_and_members(bank, oracle):
    _, out = bank
    for r in rows(out / "group_members.csv"):
        assert Decimal(r["single_name_exposure"]) == single(oracle, r["customer_id"])
    for r in rows(out / "single_names.csv"):
        assert Decimal(r["single_name_exposure"]) == single(oracle, r["customer_id"])


def status(exposure: Decimal, large: Decimal, breach: Decimal) -> str:
    pct = exposure * 100 / CAPITAL
    return "breach" if pct > breach else "large" if pct >= large else "ok"


def test_groups_count_each_account_once_and_classify_exactly(bank, oracle):
    _, out = bank
    members: dict[str, list[str]] = defaultdict(list)
    for r in rows(out / "group_members.csv"):
        members[r["group_id"]].append(r["customer_id"])
    groups = rows(out / "exposure_groups.csv")
    assert groups
    for g in groups:
        accounts = set().union(*(oracle["holders"][c] for c in members[g["group_id"]]))
        expected = sum((oracle["exposure"].get(a, Decimal(0)) for a in accounts), Decimal(0))
        assert Decimal(g["exposure"]) == expected, g["group_id"]
        pct = (expected * 100 / CAPITAL).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
        assert Decimal(g["pct_tier1"]) == pct
        assert g["status"] == status(expected, Decimal(10), Decimal(25))
        assert int(g["size"]) == len(members[g["group_id"]])
    # money is printed with the minor unit's digits, never in scientific notation
    for g in groups:
        assert "e" not in g["exposure"].lower() and len(g["exposure"].split(".")[1]) == 2


def test_households(bank, oracle):
    data, out = bank
    members: dict[str, set[str]] = defaultdict(set)
    for r in rows(data / "households.csv"):
        members[r["household_id"]].add(r["customer_id"])
    for h in rows(out / "households.csv"):
        accounts = set().union(*(oracle["holders"][c] for c in members[h["household_id"]]))
        assert Decimal(h["exposure"]) == sum(
            (oracle["exposure"].get(a, Decimal(0)) for a in accounts), Decimal(0)
        )
        assert Decimal(h["deposits"]) == sum(
            (oracle["balance"].get(a, Decimal(0)) for a in accounts), Decimal(0)
        )


def test_downstream_aum(bank):
    data, out = bank
    aum = {
        c["customer_id"]: money(c.get("aum", "")).quantize(CENT, rounding=ROUND_HALF_UP)
        for c in rows(data / "customers.csv")
    }
    children: dict[str, list[str]] = defaultdict(list)
    for r in rows(data / "referrals.csv"):
        children[r["referrer_id"]].append(r["referee_id"])
    for r in rows(out / "referral_reach.csv"):
        seen, queue, total, generations = set(), deque([(r["customer_id"], 0)]), Decimal(0), []
        while queue:
            node, depth = queue.popleft()
            for child in children[node]:
                if child not in seen:
                    seen.add(child)
                    total += aum.get(child, Decimal(0))
                    while len(generations) <= depth:
                        generations.append(0)
                    generations[depth] += 1
                    queue.append((child, depth + 1))
        assert Decimal(r["downstream_aum"]) == total, r["customer_id"]
        # every generation is spelled out, never cut at 10
        assert r["generations"] == ";".join(map(str, generations))
        assert int(r["cascade"]) == len(seen)


def test_circles_guaranteed_amounts(bank):
    data, out = bank
    members: dict[str, set[str]] = defaultdict(set)
    for r in rows(out / "guarantee_circles.csv"):
        members[r["circle_id"]].add(r["customer_id"])
    currency = {a["account_id"]: a.get("currency") or "CNY" for a in rows(data / "accounts.csv")}
    rate = {r["currency"]: Decimal(r["rate"]) for r in rows(data / "fx_rates.csv")}
    rate["CNY"] = Decimal(1)
    for c in rows(out / "circle_summary.csv"):
        inside = members[c["circle_id"]]
        total = Decimal(0)
        for g in rows(data / "guarantees.csv"):
            valid = (not g.get("valid_from") or g["valid_from"] <= AS_OF) and (
                not g.get("valid_to") or g["valid_to"] >= AS_OF
            )
            if valid and g["guarantor_id"] in inside and g["borrower_id"] in inside:
                r = rate[currency.get(g.get("account_id", ""), "CNY")]
                total += (money(g.get("amount", "")) * r).quantize(CENT, rounding=ROUND_HALF_UP)
        assert Decimal(c["guaranteed_amount"]) == total, c["circle_id"]
