"""The ``guanxi`` console command, run in-process on the real embedded store."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from typer.testing import CliRunner

from guanxi.cli import app
from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.graph.schema import Entity
from guanxi.settings import get_settings

runner = CliRunner()


@pytest.fixture(autouse=True)
def fresh_settings(monkeypatch, tmp_path):
    """Each test reads settings anew, with the default store inside tmp_path."""
    monkeypatch.setenv("GUANXI_STORE", str(tmp_path / "default.duckdb"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "command",
    ["generate", "load", "analyze", "seeds", "view", "serve", "status", "demo", "whatif"],
)
def test_every_command_has_help(command):
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_generate_then_load_then_status(tmp_path):
    data = tmp_path / "bank"
    store = tmp_path / "bank.duckdb"
    result = runner.invoke(app, ["generate", str(data), "--customers", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert (data / "customers.csv").is_file()
    written = len(pd.read_csv(data / "customers.csv", dtype=str))
    assert written == 300

    result = runner.invoke(app, ["load", str(data), "--store", str(store)])
    assert result.exit_code == 0, result.output
    assert "rows/s" in result.output
    with DuckDBStore(store) as s:
        assert s.counts()["customers"] == 300
        first = s.fetch(Entity.CUSTOMERS)

    # loading again changes nothing
    result = runner.invoke(app, ["load", str(data), "--store", str(store)])
    assert result.exit_code == 0, result.output
    with DuckDBStore(store) as s:
        pd.testing.assert_frame_equal(s.fetch(Entity.CUSTOMERS), first)

    result = runner.invoke(app, ["status", "--store", str(store)])
    assert result.exit_code == 0
    assert "customers" in result.output and "300" in result.output
    # embedded loads are one transaction: none is ever left incomplete
    assert "did not complete" not in result.output
    with DuckDBStore(store) as s:
        assert s.incomplete_loads() == []


def test_store_comes_from_settings_when_no_option(tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    (data / "customers.csv").write_text("customer_id,kind\n0042,person\n", encoding="utf-8")
    result = runner.invoke(app, ["load", str(data)])
    assert result.exit_code == 0, result.output
    with DuckDBStore(tmp_path / "default.duckdb") as s:
        assert s.existing_ids(Entity.CUSTOMERS, ["0042"]) == {"0042"}


def test_load_invalid_exits_non_zero_with_one_paragraph(tmp_path):
    data = tmp_path / "bad"
    data.mkdir()
    (data / "customers.csv").write_text(
        "customer_id,kind\n0001,person\n0002,alien\n", encoding="utf-8"
    )
    store = tmp_path / "s.duckdb"
    result = runner.invoke(app, ["load", str(data), "--store", str(store)])
    assert result.exit_code == 3
    assert "customers.csv line 3, column kind" in result.output
    assert "nothing was written" in result.output
    assert "Traceback" not in result.output
    with DuckDBStore(store) as s:
        assert s.counts()["customers"] == 0


def test_load_skip_invalid_and_report_option(tmp_path):
    data = tmp_path / "bad"
    data.mkdir()
    (data / "customers.csv").write_text(
        "customer_id,kind\n0001,person\n0002,alien\n", encoding="utf-8"
    )
    report = tmp_path / "elsewhere" / "report.csv"
    result = runner.invoke(
        app,
        [
            "load",
            str(data),
            "--store",
            str(tmp_path / "s.duckdb"),
            "--skip-invalid",
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    assert report.is_file()
    assert (report.parent / "rejects" / "customers.csv").read_text(encoding="utf-8") == (
        "customer_id,kind\n0002,alien\n"
    )


def test_load_missing_folder(tmp_path):
    result = runner.invoke(app, ["load", str(tmp_path / "nope")])
    assert result.exit_code == 3
    assert "is not a folder" in result.output


def test_store_locked_by_another_writer_is_a_clear_error(tmp_path):
    import subprocess
    import sys
    import textwrap

    store = tmp_path / "locked.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, duckdb
                con = duckdb.connect({str(store)!r})
                print("held", flush=True)
                sys.stdin.read()
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        result = runner.invoke(app, ["status", "--store", str(store)])
        assert result.exit_code == 5
        assert "another guanxi command" in result.output
    finally:
        holder.communicate("")


def test_generate_parquet_loads_cleanly(tmp_path):
    data = tmp_path / "pq"
    result = runner.invoke(
        app, ["generate", str(data), "--customers", "200", "--format", "parquet"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["load", str(data), "--store", str(tmp_path / "pq.duckdb")])
    assert result.exit_code == 0, result.output
    with DuckDBStore(tmp_path / "pq.duckdb") as s:
        assert s.counts()["customers"] == 200


def test_generate_bad_format_is_a_clear_error(tmp_path):
    result = runner.invoke(app, ["generate", str(tmp_path / "x"), "--format", "xlsx"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    """A small bank, loaded and analyzed through the CLI."""
    root = tmp_path_factory.mktemp("analyzed")
    store = root / "bank.duckdb"
    assert runner.invoke(app, ["generate", str(root / "data"), "--customers", "400"]).exit_code == 0
    assert runner.invoke(app, ["load", str(root / "data"), "--store", str(store)]).exit_code == 0
    result = runner.invoke(
        app,
        [
            "analyze",
            "--out",
            str(root / "out"),
            "--store",
            str(store),
            "--tier1-capital",
            "1e8",
            "--as-of",
            "2026-06-30",
        ],
    )
    assert result.exit_code == 0, result.output
    return root


def test_analyze_writes_report_and_views(analyzed):
    out = analyzed / "out"
    index = (out / "index.html").read_text(encoding="utf-8")
    views = sorted(p.name for p in (out / "views").glob("*.html"))
    assert any(v.startswith("group-") for v in views)
    assert any(v.startswith("circle-") for v in views)
    assert any(v.startswith("cascade-") for v in views)
    # every view the report links exists, and the report links only those
    linked = set(re.findall(r'href="views/([^"]+)"', index))
    assert linked and linked <= set(views)
    assert "http://" not in index and "https://" not in index


@pytest.mark.parametrize(
    "kind", ["customer", "group", "circle", "cascade", "community", "overview"]
)
def test_view_command_writes_each_kind(analyzed, kind, tmp_path):
    out = analyzed / "out"
    key = {
        "customer": pd.read_csv(out / "group_members.csv", dtype=str)["customer_id"].iloc[0],
        "group": pd.read_csv(out / "exposure_groups.csv", dtype=str)["group_id"].iloc[0],
        "circle": pd.read_csv(out / "guarantee_circles.csv", dtype=str)["circle_id"].iloc[0],
        "cascade": pd.read_csv(out / "influencers.csv", dtype=str)["customer_id"].iloc[0],
        "community": pd.read_csv(out / "community_profiles.csv", dtype=str)["community_id"].iloc[0],
        "overview": None,
    }[kind]
    target = tmp_path / f"{kind}.html"
    args = ["view", kind] + ([key] if key else []) + ["--out", str(target)]
    result = runner.invoke(app, args + ["--store", str(analyzed / "bank.duckdb")])
    assert result.exit_code == 0, result.output
    page = target.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    if key:
        assert key in page


def test_view_unknown_id_and_missing_id(analyzed):
    store = str(analyzed / "bank.duckdb")
    result = runner.invoke(app, ["view", "group", "no-such-group", "--store", store])
    assert result.exit_code == 6
    assert "not found" in result.output
    result = runner.invoke(app, ["view", "circle", "--store", store])
    assert result.exit_code == 2
    assert "needs an id" in result.output


def test_seeds_with_the_defaults_are_the_analysis_s(analyzed):
    """One number of simulations, one random seed, one history date: `guanxi seeds`
    picks what `guanxi analyze` stored for the same data."""
    stored = pd.read_csv(analyzed / "out" / "campaign_seeds.csv", dtype=str)
    out = analyzed / "seeds.csv"
    result = runner.invoke(
        app, ["seeds", "--k", "4", "--store", str(analyzed / "bank.duckdb"), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    picked = pd.read_csv(out, dtype=str)
    assert picked["customer_id"].tolist() == stored["customer_id"].head(4).tolist()
    assert picked["expected_reach"].tolist() == stored["expected_reach"].head(4).tolist()


def test_seeds_refuses_an_unknown_exclude(analyzed):
    result = runner.invoke(
        app, ["seeds", "--exclude", "no-such-customer", "--store", str(analyzed / "bank.duckdb")]
    )
    assert result.exit_code == 6
    assert "exclude: customer no-such-customer not found" in result.output


def test_whatif_leaves(analyzed):
    """The customers and assets exposed if a hub left: its whole cascade and its
    household(s), recomputed here from the files."""
    store = str(analyzed / "bank.duckdb")
    data, out = analyzed / "data", analyzed / "out"
    hub = pd.read_csv(out / "influencers.csv", dtype=str)["customer_id"].iloc[0]
    target = analyzed / "leaves.csv"
    result = runner.invoke(app, ["whatif", "leaves", hub, "--store", store, "--out", str(target)])
    assert result.exit_code == 0, result.output
    exposed = pd.read_csv(target, dtype=str, keep_default_na=False)
    referrals = pd.read_csv(data / "referrals.csv", dtype=str)
    households = pd.read_csv(data / "households.csv", dtype=str)
    left = set(pd.read_csv(out / "departures.csv", dtype=str)["customer_id"])
    below, frontier = set(), {hub}
    while frontier:
        frontier = set(referrals.loc[referrals["referrer_id"].isin(frontier), "referee_id"])
        below |= frontier
    homes = households.loc[households["customer_id"] == hub, "household_id"]
    family = set(households.loc[households["household_id"].isin(homes), "customer_id"])
    want = (below | family) - {hub} - left
    assert set(exposed["customer_id"]) == want and len(exposed) == len(want)
    cascade = exposed["via"].str.contains("cascade")
    assert set(exposed.loc[cascade, "customer_id"]) == below - left
    customers = pd.read_csv(data / "customers.csv", dtype=str).set_index("customer_id")
    total = sum(
        (
            Decimal(customers.at[c, "aum"]) if pd.notna(customers.at[c, "aum"]) else Decimal(0)
        ).quantize(Decimal("0.01"), ROUND_HALF_UP)
        for c in want
    )
    printed = " ".join(result.output.split())
    assert f"{len(want):,} customers exposed" in printed
    assert f"assets {total:,} CNY" in printed
    tiers = pd.read_csv(out / "value_tiers.csv", dtype=str).set_index("customer_id")["tier"]
    tiered = exposed[exposed["tier"] != ""]
    assert (tiered["tier"] == tiers.reindex(tiered["customer_id"]).to_numpy()).all()
    result = runner.invoke(app, ["whatif", "leaves", "no-such-customer", "--store", store])
    assert result.exit_code == 6 and "customer no-such-customer not found" in result.output
