"""Risk officer depth (issue 16) on the generated bank: the planted dependencies,
family control and interbank counterparties found as planted, under each preset; and
the risk commands (``guanxi report exposures``, ``guanxi whatif default``,
``guanxi search``) run in-process on the real embedded store."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from guanxi.analysis import AnalysisOptions, run_analysis
from guanxi.cli import app
from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.graph.schema import Entity
from guanxi.graph.store import Result
from guanxi.loaders.load import load_folder
from guanxi.loaders.synthetic import generate_bank
from guanxi.settings import get_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("GUANXI_STORE", str(tmp_path / "default.duckdb"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    """A 1,200-customer bank (every planted structure of the issue: 5 dependency groups,
    3 families, 4 banks), analyzed under basel and under china, each in its own store."""
    root = tmp_path_factory.mktemp("risk")
    summary = generate_bank(root / "data", customers=1200, seed=16)
    planted = json.loads(summary.planted_path.read_text(encoding="utf-8"))
    stores = {}
    for preset in ("basel", "china"):
        path = root / f"{preset}.duckdb"
        with DuckDBStore(path, create=True) as store:
            load_folder(root / "data", store)
            run_analysis(
                store,
                root / f"out-{preset}",
                AnalysisOptions(
                    as_of=planted["as_of"],
                    tier1_capital=planted["tier1_capital"],
                    preset=preset,
                    seeds_k=2,
                    seeds_simulations=50,
                ),
            )
        stores[preset] = path
    return planted, stores, root


def results(path: Path, result: Result) -> pd.DataFrame:
    with DuckDBStore(path) as store:
        return store.fetch_results(result)


def member_sets(members: pd.DataFrame) -> set[frozenset]:
    return {frozenset(g["customer_id"]) for _, g in members.groupby("group_id")}


@pytest.mark.parametrize("preset", ["basel", "china"])
def test_dependencies_link_exactly_the_planted_pairs(bank, preset):
    planted, stores, _ = bank
    links = results(stores[preset], Result.GROUP_LINKS)
    dep = links[links["reason"] == "economic_dependency"]
    expected = sorted((r["from_id"], r["to_id"]) for r in planted["dependencies"] if r["links"])
    assert sorted(zip(dep["a"], dep["b"], strict=True)) == expected
    assert any(r["share"] == "0.5" and r["links"] for r in planted["dependencies"])
    assert any(r["share"] == "0.4999" and not r["links"] for r in planted["dependencies"])
    groups = member_sets(results(stores[preset], Result.GROUP_MEMBERS))
    for group in planted["dependency_groups"]:
        assert frozenset(group) in groups


def test_family_control_groups_only_under_china(bank):
    planted, stores, _ = bank
    china = member_sets(results(stores["china"], Result.GROUP_MEMBERS))
    basel = member_sets(results(stores["basel"], Result.GROUP_MEMBERS))
    assert len(planted["family_control"]) == 3
    for family in planted["family_control"]:
        assert frozenset(family["group"]) in china
        # under basel each controller is a group with its own companies only
        for c in family["controllers"]:
            assert frozenset([c["customer_id"], *c["companies"]]) in basel
        for bystander in family["bystanders"]:
            assert not any(bystander in g for g in china | basel)
    basel_links = results(stores["basel"], Result.GROUP_LINKS)
    assert "family_control" not in set(basel_links["reason"])
    china_links = results(stores["china"], Result.GROUP_LINKS)
    fam = china_links[china_links["reason"] == "family_control"]
    assert set(fam["source_entity"]) == {"households"}
    household = fam["source_key"].str.split("|").str[0]
    for f in planted["family_control"]:
        assert (household == f["household_id"]).sum() == len(f["controllers"]) - 1
    # the background's own families too: each link joins two close-family members of
    # one household who each control a company
    houses = pd.read_csv(bank[2] / "data" / "households.csv", dtype=str)
    roles = houses.set_index(["household_id", "customer_id"])["role"]
    control = china_links[china_links["reason"] == "control"]
    for link, hid in zip(fam.itertuples(), household, strict=True):
        assert roles.loc[(hid, link.a)] in ("head", "spouse", "parent", "child")
        assert roles.loc[(hid, link.b)] in ("head", "spouse", "parent", "child")
        assert {link.a, link.b} <= set(control["a"])


@pytest.mark.parametrize("preset", ["basel", "china"])
def test_interbank_statuses_as_planted(bank, preset):
    planted, stores, _ = bank
    singles = results(stores[preset], Result.SINGLE_NAMES).set_index("customer_id")
    assert len(planted["interbank"]) == 4
    for b in planted["interbank"]:
        row = singles.loc[b["customer_id"]]
        assert row["counterparty"] == ("gsib" if b["gsib"] else "bank")
        assert row["pct_tier1"].quantize(Decimal("0.01")) == Decimal(b["pct_tier1"])
        if preset == "china":
            breach = b["crosses"]["china_interbank_25"]
        else:
            breach = b["crosses"]["basel_gsib_15"] or Decimal(b["pct_tier1"]) > 25
        assert (row["status"] == "breach") == breach, b
        # the headroom to the limit is negative exactly when the limit is crossed
        assert (row["headroom_breach"] < 0) == breach


def test_every_member_has_a_status_and_a_chain_to_its_head(bank):
    _, stores, _ = bank
    members = results(stores["china"], Result.GROUP_MEMBERS)
    groups = results(stores["china"], Result.EXPOSURE_GROUPS).set_index("group_id")
    paths = results(stores["china"], Result.EVIDENCE_PATHS)
    assert members["status"].notna().all() and members["name"].notna().any()
    last = paths.sort_values("hop").groupby(["group_id", "customer_id"]).tail(1)
    assert (last["toward"].to_numpy() == groups.loc[last["group_id"], "head"].to_numpy()).all()
    heads = set(groups["head"])
    not_head = members[~members["customer_id"].isin(heads)]
    assert set(zip(not_head["group_id"], not_head["customer_id"], strict=True)) == set(
        zip(last["group_id"], last["customer_id"], strict=True)
    )
    assert groups["name"].notna().all()


def test_dependency_review_lists_the_clients_from_five_percent(bank):
    planted, stores, _ = bank
    review = results(stores["basel"], Result.DEPENDENCY_REVIEW)
    members = results(stores["basel"], Result.GROUP_MEMBERS)
    singles = results(stores["basel"], Result.SINGLE_NAMES)
    exposure = pd.concat([members, singles])[["customer_id", "single_name_exposure"]]
    capital = Decimal(str(planted["tier1_capital"]))
    big = {
        c
        for c, e in zip(exposure["customer_id"], exposure["single_name_exposure"], strict=True)
        if e * 20 >= capital
    }
    deps = pd.read_csv(bank[2] / "data" / "dependencies.csv", dtype=str)
    expected = {(r.from_id, r.to_id, r.kind) for r in deps.itertuples() if r.from_id in big}
    expected |= {(r.to_id, r.from_id, r.kind) for r in deps.itertuples() if r.to_id in big}
    got = set(zip(review["customer_id"], review["counterparty_id"], review["kind"], strict=True))
    assert got == expected and len(got) > 0


def test_report_exposures(bank, tmp_path):
    planted, stores, _ = bank
    out = tmp_path / "return"
    result = runner.invoke(
        app, ["report", "exposures", "--preset", "china", "--store", str(stores["china"]),
              "--out", str(out)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Interbank counterparties" in result.output
    interbank = pd.read_csv(out / "large_exposures_interbank.csv", dtype=str)
    clients = interbank[interbank["level"] == "client"].set_index("id")
    for b in planted["interbank"]:
        row = clients.loc[b["customer_id"]]
        assert row["exposure"] == b["exposure"]
        assert row["limit_pct"] == "25" and row["large_line_pct"] == "2.5"
        assert (row["status"] == "breach") == b["crosses"]["china_interbank_25"]
    singles = pd.read_csv(out / "large_exposures_single_clients.csv", dtype=str)
    assert set(singles["status"]) <= {"large", "breach"}
    assert not set(singles["customer_id"]) & {b["customer_id"] for b in planted["interbank"]}
    # the stored figures, not new ones: every single client's exposure is the run's
    stored = pd.concat(
        [results(stores["china"], r) for r in (Result.GROUP_MEMBERS, Result.SINGLE_NAMES)]
    ).set_index("customer_id")["single_name_exposure"]
    for cid, exposure in zip(singles["customer_id"], singles["exposure"], strict=True):
        assert Decimal(exposure) == stored.loc[cid]
    groups = pd.read_csv(out / "large_exposures_groups.csv", dtype=str)
    assert groups["head"].notna().all() and groups["name"].notna().all()
    assert set(groups["status"]) <= {"large", "breach"}
    # a family's group is headed by one of the controlling members
    stored = results(stores["china"], Result.EXPOSURE_GROUPS)
    members = results(stores["china"], Result.GROUP_MEMBERS)
    for family in planted["family_control"]:
        gid = members.loc[members["customer_id"] == family["group"][0], "group_id"].iloc[0]
        head = stored.set_index("group_id").loc[gid, "head"]
        assert head in {c["customer_id"] for c in family["controllers"]}
    dependency = pd.read_csv(out / "large_exposures_economic_dependency.csv", dtype=str)
    assert len(dependency) == len(planted["dependency_groups"])
    page = (out / "large_exposures.html").read_text(encoding="utf-8")
    assert "Large exposures" in page and "Interbank counterparties" in page
    assert "http://" not in page and "https://" not in page and "<script" not in page


def test_report_exposures_refuses_another_preset_and_no_run(bank, tmp_path):
    _, stores, _ = bank
    result = runner.invoke(
        app, ["report", "exposures", "--preset", "basel", "--store", str(stores["china"]),
              "--out", str(tmp_path / "x")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "analyzed under the china rules" in result.output
    assert not (tmp_path / "x").exists()
    empty = tmp_path / "empty.duckdb"
    DuckDBStore(empty, create=True).close()
    result = runner.invoke(app, ["report", "exposures", "--store", str(empty)])
    assert result.exit_code == 8 and "no published run" in result.output


def test_whatif_default_matches_the_stored_key_guarantors(bank, tmp_path):
    _, stores, _ = bank
    ranked = results(stores["basel"], Result.CIRCLE_KEY_GUARANTORS)
    assert len(ranked) and (ranked.groupby("circle_id")["rank"].min() == 1).all()
    top = ranked.sort_values("exposure_at_risk", ascending=False).iloc[0]
    table = tmp_path / "whatif.csv"
    result = runner.invoke(
        app, ["whatif", "default", top["customer_id"], "--store", str(stores["basel"]),
              "--out", str(table)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Rounds" in result.output and "Exposure at risk" in result.output
    rows = pd.read_csv(table, dtype=str)
    fell = rows[rows["round"].notna()]
    assert len(fell) == top["defaults"]
    assert sum(Decimal(x) for x in fell["exposure_at_risk"]) == top["exposure_at_risk"]
    result = runner.invoke(app, ["whatif", "default", "NOBODY", "--store", str(stores["basel"])])
    assert result.exit_code == 6 and "NOBODY" in result.output


def test_whatif_default_of_a_customer_without_net_assets(bank):
    """A defaulter whose net assets are unknown prints an empty cell, not a crash."""
    _, stores, _ = bank
    with DuckDBStore(stores["basel"]) as store:
        customers = store.fetch(Entity.CUSTOMERS)
    unknown = customers.loc[customers["net_assets"].isna(), "customer_id"].iloc[0]
    result = runner.invoke(app, ["whatif", "default", unknown, "--store", str(stores["basel"])])
    assert result.exit_code == 0, result.output
    assert "Exposure at risk" in result.output and unknown in result.output


def test_search_finds_a_bank_by_name(bank):
    planted, stores, root = bank
    customers = pd.read_csv(root / "data" / "customers.csv", dtype=str).set_index("customer_id")
    bank_id = planted["interbank"][0]["customer_id"]
    name = customers.loc[bank_id, "name"]
    result = runner.invoke(app, ["search", name[:6].lower(), "--store", str(stores["basel"])])
    assert result.exit_code == 0, result.output
    assert bank_id in result.output
    result = runner.invoke(app, ["search", " ", "--store", str(stores["basel"])])
    assert result.exit_code == 2
