"""Month over month, as a risk officer runs it: three month-end extracts with planted
changes (``guanxi generate --months 3``), each loaded as a full dated snapshot and
analyzed; every planted change must be reported, the alerts must fire for exactly the
planted changes, ids must be stable for unchanged groups, and a full reload must remove
what left the extract.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from guanxi import history
from guanxi.analysis import AnalysisOptions, run_analysis
from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.graph.schema import Entity
from guanxi.graph.store import Result
from guanxi.loaders.load import load_folder
from guanxi.loaders.synthetic import generate_bank


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    root = tmp_path_factory.mktemp("months")
    summary = generate_bank(root / "data", customers=2000, seed=11, months=3)
    planted = json.loads(summary.planted_path.read_text(encoding="utf-8"))
    capital = Decimal(str(planted["tier1_capital"]))
    store = DuckDBStore(root / "s.duckdb")
    runs, guarantees = [], []
    for as_of, folder in summary.months.items():
        load_folder(folder, store, as_of=as_of)
        guarantees.append(store.fetch(Entity.GUARANTEES))
        run = run_analysis(
            store, root / "out" / as_of, AnalysisOptions(tier1_capital=capital, seed=11)
        )
        runs.append(run)
    yield store, planted, runs, guarantees
    store.close()


def changes_of(planted: dict, month: int) -> dict[str, dict]:
    return {c["kind"]: c for c in planted["months"][month]["changes"]}


def group_of(run, customer: str) -> str:
    members = run.frames["group_members"]
    return members.loc[members["customer_id"] == customer, "group_id"].iloc[0]


def test_each_run_reads_its_snapshot_and_is_compared_with_the_one_before(months):
    store, planted, runs, _ = months
    dates = [m["as_of"] for m in planted["months"]]
    assert [r.options.as_of for r in runs] == dates
    assert store.snapshots()["as_of"].tolist() == dates
    assert runs[0].compared_with is None
    assert [r.compared_with for r in runs[1:]] == [r.run_id for r in runs[:-1]]
    assert store.published_run()["run_id"] == runs[-1].run_id


def test_the_planted_changes_of_month_two_are_reported(months):
    store, planted, runs, _ = months
    planted_changes = changes_of(planted, 1)
    changes, _ = history.diff_runs(store, runs[0].run_id, runs[1].run_id)
    g = changes.group_changes.set_index("group_id")
    # the group that grows across 10 % of Tier 1
    crossing = planted_changes["group_crosses_large"]
    gid = group_of(runs[1], crossing["members"][0])
    assert g.at[gid, "crossing"] == "ok>large"
    assert g.at[gid, "exposure_before"] == Decimal(crossing["exposure_before"])
    assert g.at[gid, "exposure_after"] == Decimal(crossing["exposure_after"])
    assert g.at[gid, "pct_tier1_after"] == Decimal(crossing["pct_after"])
    # the circle that forms
    forming = planted_changes["circle_forms"]
    c = changes.circle_changes
    new = c[c["change"] == "new"]
    assert new["members"].tolist() == [";".join(sorted(forming["members"]))]
    # two groups merge: the survivor keeps its id, the other is recorded with it
    merger = planted_changes["merger"]
    survivor = group_of(runs[1], merger["merged"][0])
    lineage = runs[1].frames["group_lineage"]
    merged = lineage[lineage["event"] == "merged"]
    assert merged["group_id"].tolist() == [survivor]
    absorbed = merged["other_id"].iloc[0]
    assert {survivor, absorbed} == {
        group_of(runs[0], merger["groups"][0][0]),
        group_of(runs[0], merger["groups"][1][0]),
    }
    assert g.at[absorbed, "change"] == "merged" and g.at[absorbed, "other_id"] == survivor


def test_the_planted_changes_of_month_three_are_reported(months):
    store, planted, runs, guarantees = months
    planted_changes = changes_of(planted, 2)
    changes, _ = history.diff_runs(store, runs[1].run_id, runs[2].run_id)
    c = changes.circle_changes
    dissolved = c[c["change"] == "dissolved"]
    assert dissolved["members"].tolist() == [
        ";".join(sorted(planted_changes["circle_dissolves"]["members"]))
    ]
    cascade = planted_changes["cascade_doubles"]
    row = changes.cascade_changes.set_index("customer_id").loc[cascade["customer_id"]]
    assert (row["cascade_before"], row["cascade_after"]) == (
        cascade["cascade_before"],
        cascade["cascade_after"],
    )
    joins = planted_changes["joins_breach_group"]
    m = changes.member_changes
    joined = m[(m["customer_id"] == joins["customer_id"]) & (m["change"] == "joined")]
    assert joined["group_id"].tolist() == [group_of(runs[2], joins["group"][0])]
    # the full load of month three removed the guarantee that left the extract
    removed = planted_changes["circle_dissolves"]["removed_guarantee"]

    def has(frame):
        return (
            (frame["guarantor_id"] == removed["guarantor_id"])
            & (frame["borrower_id"] == removed["borrower_id"])
        ).any()

    assert has(guarantees[1]) and not has(guarantees[2])


def test_a_diff_across_a_month_follows_the_lineage_in_between(months):
    """Month one to month three: the merger of month two is a merger, not a group gone,
    and the changes of both transitions are there."""
    store, planted, runs, _ = months
    changes, _ = history.diff_runs(store, runs[0].run_id, runs[2].run_id)
    g = changes.group_changes.set_index("group_id")
    merger = changes_of(planted, 1)["merger"]
    survivor = group_of(runs[2], merger["merged"][0])
    absorbed = ({group_of(runs[0], merger["groups"][i][0]) for i in (0, 1)} - {survivor}).pop()
    assert g.at[absorbed, "change"] == "merged" and g.at[absorbed, "other_id"] == survivor
    assert "gone" not in set(g["change"])
    crossing = changes_of(planted, 1)["group_crosses_large"]
    assert g.at[group_of(runs[2], crossing["members"][0]), "crossing"] == "ok>large"
    joins = changes_of(planted, 2)["joins_breach_group"]
    m = changes.member_changes
    assert ((m["customer_id"] == joins["customer_id"]) & (m["change"] == "joined")).any()


def test_alerts_fire_for_exactly_the_planted_changes(months):
    _, planted, runs, _ = months
    assert runs[0].frames["alerts"].empty  # a first run has nothing to compare with
    month2, month3 = changes_of(planted, 1), changes_of(planted, 2)
    crossing = group_of(runs[1], month2["group_crosses_large"]["members"][0])
    merged = group_of(runs[1], month2["merger"]["merged"][0])
    got2 = set(map(tuple, runs[1].frames["alerts"][["rule", "id"]].values.tolist()))
    assert got2 == {
        ("status_up", crossing),  # ok -> large
        ("exposure_jump", crossing),  # +50 %
        ("exposure_jump", merged),  # the merged group took the other's exposure
        ("new_circle", min(month2["circle_forms"]["members"])),
    }
    got3 = set(map(tuple, runs[2].frames["alerts"][["rule", "id"]].values.tolist()))
    assert got3 == {
        ("joined_breach", month3["joins_breach_group"]["customer_id"]),
        ("cascade_doubled", month3["cascade_doubles"]["customer_id"]),
    }


def test_ids_are_stable_for_unchanged_groups(months):
    _, planted, runs, _ = months
    touched = set()
    for month in planted["months"]:
        for change in month["changes"]:
            for key in ("members", "merged", "group"):
                touched.update(change.get(key, []))
            touched.update(m for g in change.get("groups", []) for m in g)
    for before, after in zip(runs, runs[1:], strict=False):
        old = before.frames["group_members"].groupby("group_id")["customer_id"].apply(frozenset)
        new = after.frames["group_members"].groupby("group_id")["customer_id"].apply(frozenset)
        for gid, members in old.items():
            if members & touched:
                continue
            assert gid in new.index and new[gid] == members, gid
        lineage = after.frames["group_lineage"]
        assert set(lineage.loc[lineage["event"] == "continued", "group_id"]) >= {
            g for g, m in old.items() if not m & touched
        }


def test_a_what_if_run_does_not_replace_the_published_run(months, tmp_path):
    store, _, runs, _ = months
    what_if = run_analysis(store, tmp_path / "what-if", AnalysisOptions(seed=11), what_if=True)
    assert store.published_run()["run_id"] == runs[-1].run_id
    kinds = dict(zip(store.runs()["run_id"], store.runs()["kind"], strict=True))
    assert kinds[what_if.run_id] == "what-if"
    # without Tier 1 the what-if has no status; the published run keeps its own
    assert store.fetch_results(Result.EXPOSURE_GROUPS)["status"].notna().all()
    assert store.fetch_results(Result.EXPOSURE_GROUPS, what_if.run_id)["status"].isna().all()
    assert (Path(tmp_path / "what-if") / "exposure_groups.csv").exists()
