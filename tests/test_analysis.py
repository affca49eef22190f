"""End to end: generate -> load -> analyze, on every store, with identical CSV files,
the planted structures found, and the results written back to the store."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from guanxi.analysis import CONTRACT_FILES, AnalysisOptions, run_analysis
from guanxi.errors import ConfigError, GuanxiError, StoreUnavailable
from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.graph.schema import Entity
from guanxi.graph.store import Result
from guanxi.loaders.load import load_folder
from guanxi.loaders.synthetic import generate_bank
from guanxi.report import HtmlReport

OPTIONS = dict(as_of="2026-06-30", tier1_capital=250_000_000.0, seeds_k=3, seeds_simulations=100)

CONTRACT_COLUMNS = {
    "exposure_groups.csv": ["group_id", "size", "exposure", "pct_tier1", "status"],
    "group_members.csv": ["group_id", "customer_id", "single_name_exposure"],
    "guarantee_circles.csv": ["circle_id", "customer_id"],
    "referral_reach.csv": ["customer_id", "direct", "cascade", "depth", "downstream_aum"],
    "influencers.csv": ["customer_id", "rank", "score"],
}


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bank")
    generate_bank(folder, customers=500, seed=11)
    return folder


@pytest.fixture(scope="module")
def reference(bank, tmp_path_factory) -> Path:
    """The files the embedded store gives, the yardstick for every other store."""
    out = tmp_path_factory.mktemp("reference")
    with DuckDBStore(":memory:") as store:
        load_folder(bank, store)
        run_analysis(store, out, AnalysisOptions(**OPTIONS), report=HtmlReport())
    return out


def read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_every_store_gives_identical_files(store, bank, reference, tmp_path):
    load_folder(bank, store)
    run = run_analysis(store, tmp_path, AnalysisOptions(**OPTIONS), report=HtmlReport())
    names = sorted(p.name for p in reference.glob("*.csv"))
    assert names == sorted(p.name for p in tmp_path.glob("*.csv"))
    assert len(names) >= 15
    for name in names:
        assert (tmp_path / name).read_bytes() == (reference / name).read_bytes(), name
    # and the results are in the store, for Neo4j users and the API
    groups = store.fetch_results(Result.EXPOSURE_GROUPS)
    assert sorted(groups["group_id"]) == sorted(run.frames["exposure_groups"]["group_id"])
    metrics = store.fetch_results(Result.CUSTOMER_METRICS).set_index("customer_id")
    top = run.frames["influencers"].iloc[0]
    assert metrics.loc[top["customer_id"], "influence_rank"] == 1
    members = store.fetch_results(Result.CIRCLE_MEMBERS)
    assert len(members) == len(run.frames["guarantee_circles"])


def test_contract_files_and_columns(reference):
    for name in CONTRACT_FILES:
        frame = read(reference / name)
        assert list(frame.columns[: len(CONTRACT_COLUMNS[name])]) == CONTRACT_COLUMNS[name]
        assert len(frame) > 0, name
    groups = read(reference / "exposure_groups.csv")
    assert set(groups["status"]) <= {"ok", "large", "breach"}
    # group_id is the smallest customer_id of the group
    members = read(reference / "group_members.csv")
    smallest = members.groupby("group_id")["customer_id"].min()
    assert (smallest.index == smallest.to_numpy()).all()
    sizes = members.groupby("group_id").size()
    assert (sizes >= 2).all()
    assert (
        sizes.sort_index().tolist()
        == groups.set_index("group_id")["size"].astype(int).sort_index().tolist()
    )
    influencers = read(reference / "influencers.csv")
    assert influencers["rank"].astype(int).tolist() == list(range(1, len(influencers) + 1))
    summary = json.loads((reference / "summary.json").read_text(encoding="utf-8"))
    assert summary["pagerank_converged"] is True
    assert summary["pagerank_iterations"] > 1


def test_planted_structures_are_found(bank, reference):
    planted = json.loads((bank / "planted.json").read_text(encoding="utf-8"))
    members = read(reference / "group_members.csv").set_index("customer_id")["group_id"]
    for group in planted["control_groups"]:
        assert members.reindex(group).nunique(dropna=False) == 1, group
    circles = read(reference / "guarantee_circles.csv")
    found = {frozenset(g["customer_id"]) for _, g in circles.groupby("circle_id")}
    for circle in planted["guarantee_circles"]:
        assert frozenset(circle) in found, circle
    reach = read(reference / "referral_reach.csv").set_index("customer_id")
    for hub in planted["referral_hubs"]:
        assert int(reach.loc[hub["customer_id"], "direct"]) == hub["direct"]
    for cascade in planted["deep_cascades"]:
        assert int(reach.loc[cascade["customer_id"], "depth"]) >= cascade["depth"]
    suspected = read(reference / "suspected_links.csv")
    for shared in planted["shared_contacts"]:
        rows = suspected[suspected["field"] == shared["field"]]
        assert any(
            set(shared["customer_ids"]) <= set(ids.split(";")) for ids in rows["customer_ids"]
        ), shared


def test_without_tier1_capital_status_is_empty_with_a_warning(bank, tmp_path):
    with DuckDBStore(":memory:") as store:
        load_folder(bank, store)
        options = AnalysisOptions(**{**OPTIONS, "tier1_capital": None})
        run = run_analysis(store, tmp_path, options, report=HtmlReport())
    groups = read(tmp_path / "exposure_groups.csv")
    assert (groups["pct_tier1"] == "").all()
    assert (groups["status"] == "").all()
    assert any("Tier 1" in w for w in run.warnings)


def test_empty_store_is_a_clear_error(tmp_path):
    with DuckDBStore(":memory:") as store, pytest.raises(GuanxiError, match="no customers"):
        run_analysis(store, tmp_path, AnalysisOptions(**OPTIONS))
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    "bad",
    [
        {"as_of": "31/12/2025"},
        {"tier1_capital": -1.0},
        {"tier1_capital": 0.0},
        {"tier1_capital": 1e-300},  # exposure / capital would overflow
        {"preset": "mars"},
    ],
)
def test_bad_options_raise(bad):
    with pytest.raises(ConfigError):
        AnalysisOptions(**{**OPTIONS, **bad})


def test_report_views_equal_the_whole_bank_read_model(tmp_path):
    """The report draws its views from a read model of its own customers only; every
    view must be the one the API's whole-bank read model draws."""
    from guanxi.analysis import stored_results
    from guanxi.graph.schema import LOAD_ORDER
    from guanxi.report import report_data_of, report_snapshot, report_views
    from guanxi.service import GraphService

    folder = tmp_path / "bank"
    generate_bank(folder, customers=3000, seed=5)
    with DuckDBStore(":memory:") as store:
        load_folder(folder, store)
        run = run_analysis(store, tmp_path / "out", AnalysisOptions(**OPTIONS), report=HtmlReport())
        data = {e: store.fetch(e) for e in LOAD_ORDER}
        part = report_data_of(data, run.frames)
        assert 0 < len(part[Entity.CUSTOMERS]) < len(data[Entity.CUSTOMERS])
        whole = GraphService.from_store(store)
        whole.refresh()
        results = stored_results(run)
        report = GraphService.from_snapshot(report_snapshot(store, run, part, results))
        wanted = report_views(run.frames)
        assert all(wanted.values()), wanted
        checked = 0
        for kind, keys in wanted.items():
            build = {"group": "group_view", "circle": "circle_view", "cascade": "cascade_view"}
            for key in keys:
                expected = getattr(whole, build[kind])(key).to_dict()
                got = getattr(report, build[kind])(key).to_dict()
                assert got == expected, (kind, key)
                checked += 1
        assert report.overview_view(limit=100).to_dict() == whole.overview_view(limit=100).to_dict()
        # the cascades drawn reach past the first generation, so the walk is tested
        depths = [whole.cascade(c)["depth"] for c in wanted["cascade"]]
        assert max(depths) >= 2 and checked == sum(len(v) for v in wanted.values())
        # it answers from its snapshot alone
        with pytest.raises(StoreUnavailable):
            report.refresh()
    html = sorted(p.name for p in (tmp_path / "out" / "views").glob("*.html"))
    assert len(html) == checked + 1  # and the overview


def test_marketer_files_are_written_and_stored(reference, bank):
    """value_tiers.csv, departures.csv, at_risk.csv, community_profiles.csv and
    rm_portfolios.csv (issue 17), each the rows of the result set of the same name."""
    planted = json.loads((bank / "planted.json").read_text(encoding="utf-8"))["departures"]
    tiers = read(reference / "value_tiers.csv")
    assert set(tiers["tier"]) <= {"A", "B", "C"} and len(tiers) > 0
    assert set(tiers["quadrant"]) <= {"champion", "affluent", "advocate", "miser"}
    left = read(reference / "departures.csv")
    assert set(left["customer_id"]) == {d["customer_id"] for d in planted["departed"]}
    assert not set(left["customer_id"]) & set(tiers["customer_id"])
    risk = read(reference / "at_risk.csv")
    assert set(risk["customer_id"]) == {x["customer_id"] for x in planted["at_risk"]}
    profiles = read(reference / "community_profiles.csv")
    assert set(profiles["community_id"]) == set(read(reference / "communities.csv")["community_id"])
    portfolios = read(reference / "rm_portfolios.csv")
    customers = read(bank / "customers.csv")
    assert set(portfolios["rm_id"]) == set(customers["rm_id"]) - {""}
    with DuckDBStore(":memory:") as store:
        load_folder(bank, store)
        run = run_analysis(store, None, AnalysisOptions(**OPTIONS))
        for name in ("value_tiers", "departures", "at_risk", "community_profiles", "rm_portfolios"):
            stored = store.fetch_results(Result(name))
            pd.testing.assert_frame_equal(stored, run.frames[name].reset_index(drop=True))
        metrics = store.fetch_results(Result.CUSTOMER_METRICS).set_index("customer_id")
        first = tiers.iloc[0]
        assert metrics.at[first["customer_id"], "value_tier"] == first["tier"]
        assert run.summary()["departed"] == len(left) and run.summary()["at_risk"] == len(risk)
