"""The GraphStore contract, one suite run against every store (see tests/conftest.py).

Each test states a promise of the :class:`~guanxi.graph.store.GraphStore` docstrings and
checks it on the embedded store, and on Neo4jStore over Bolt against a real Neo4j
(with GDS, started from Maven Central by tests/neo4j_server.py). Frames are built by hand, small, with the awkward values banks
send: ids with leading zeros, text with commas, quotes, newlines and CJK, missing money.
"""

from __future__ import annotations

import json
import socket
from decimal import Decimal

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pytest

from guanxi.errors import ConfigError, NotFound, StoreQueryError, StoreUnavailable
from guanxi.graph.schema import (
    LOAD_ORDER,
    SPECS,
    Entity,
    NodeMapping,
    canonical_frame,
    empty_frame,
)
from guanxi.graph.store import (
    RESULT_SPECS,
    RUN_COLUMNS,
    SNAPSHOT_COLUMNS,
    GraphStore,
    LoadMode,
    Result,
    ResultKind,
    RunRecord,
    SnapshotRecord,
)

NAN = float("nan")
AWKWARD_NAME = 'Smith, "Jim"\nJr. 张三'


# -- the test bank -------------------------------------------------------------------
def customers() -> pd.DataFrame:
    return canonical_frame(
        Entity.CUSTOMERS,
        pd.DataFrame(
            {
                "customer_id": ["0001234", "0001235", "张三-01", "0000007", "0000008"],
                "kind": ["person", "person", "person", "company", "company"],
                "name": [AWKWARD_NAME, "Li, Na", "张三", 'ACME "Holdings"', None],
                "segment": ["retail", "retail", None, "corporate", "corporate"],
                "born_on": ["1980-02-29", None, "1975-12-31", None, None],
                "aum": [1500.25, NAN, 0.0, 1.0e9, NAN],
                "annual_income": [NAN, 52000.0, NAN, NAN, NAN],
                "rm_id": ["RM01", "RM01", None, "RM02", "RM02"],
                "phone": ["+86 10 1234", None, "+86 10 1234", None, None],
                # extra columns a bank adds: kept, as text
                "branch": ["Beijing, Haidian", None, "上海", "HK", None],
                "legacy_ref": ["007", "008", None, None, "x\ny"],
            }
        ),
    )


def accounts() -> pd.DataFrame:
    return canonical_frame(
        Entity.ACCOUNTS,
        pd.DataFrame(
            {
                "account_id": ["00A1", "00A2", "00A3"],
                "customer_id": ["0001234", "0000007", "0001235"],
                "product": ["loan", "credit_line", "savings"],
                "balance": [NAN, NAN, 250.5],
                "credit_limit": [10000.0, 5.0e6, NAN],
                "outstanding": [2500.0, 1.0e6, NAN],
                "ccf": [NAN, 0.5, NAN],
                "currency": ["CNY", "CNY", None],
                "opened_on": ["2020-01-15", None, "2019-07-01"],
                "status": ["open", "open", "closed"],
                "channel_code": ["B01", None, "M,02"],
            }
        ),
    )


def account_holders() -> pd.DataFrame:
    return canonical_frame(
        Entity.ACCOUNT_HOLDERS,
        pd.DataFrame(
            {
                "account_id": ["00A1", "00A1", "00A2"],
                "customer_id": ["0001235", "张三-01", "0000008"],
                # a missing role is not the primary holder
                "role": ["joint", None, "authorized"],
                "since": ["2021-01-01", None, None],
            }
        ),
    )


def households() -> pd.DataFrame:
    return canonical_frame(
        Entity.HOUSEHOLDS,
        pd.DataFrame(
            {
                "household_id": ["H001", "H001", "H002"],
                "customer_id": ["0001234", "0001235", "张三-01"],
                "role": ["head", "spouse", None],
            }
        ),
    )


def referrals() -> pd.DataFrame:
    return canonical_frame(
        Entity.REFERRALS,
        pd.DataFrame(
            {
                "referrer_id": ["0001234", "0001234", "0001235"],
                "referee_id": ["0001235", "0000007", "张三-01"],
                "referred_on": ["2023-03-01", None, "2023-05-20"],
                "channel": ["wechat", "branch, desk 3", None],
                "reward": [88.0, NAN, 0.0],
            }
        ),
    )


def guarantees() -> pd.DataFrame:
    # two guarantees between the same pair: different natural keys, two relationships
    return canonical_frame(
        Entity.GUARANTEES,
        pd.DataFrame(
            {
                "guarantor_id": ["0000007", "0000007", "0000008"],
                "borrower_id": ["0000008", "0000008", "0000007"],
                "amount": [5.0e6, 1.0e5, NAN],
                "account_id": ["00A2", None, None],
                "valid_from": ["2024-01-01", None, "2024-06-30"],
                "valid_to": ["2026-12-31", None, None],
            }
        ),
    )


def ownership() -> pd.DataFrame:
    # the same owner and company in two roles: two relationships
    return canonical_frame(
        Entity.OWNERSHIP,
        pd.DataFrame(
            {
                "owner_id": ["0001234", "0001234", "0000007"],
                "company_id": ["0000008", "0000008", "0000008"],
                "share": [0.6, NAN, 0.4],
                "role": ["shareholder", "director", "shareholder"],
            }
        ),
    )


def fx_rates() -> pd.DataFrame:
    return canonical_frame(
        Entity.FX_RATES,
        pd.DataFrame(
            {
                "currency": ["USD", "HKD"],
                "rate": ["7.1234567891", "0.9123"],
                "as_of": ["2024-06-30", None],
            }
        ),
    )


def dependencies() -> pd.DataFrame:
    return canonical_frame(
        Entity.DEPENDENCIES,
        pd.DataFrame(
            {
                "from_id": ["0000008", "0000008"],
                "to_id": ["0000007", "0000007"],
                "kind": ["receipts", "funding"],
                "share": ["0.55", None],
                "source": ["2023 annual report", None],
            }
        ),
    )


BUILDERS = {
    Entity.FX_RATES: fx_rates,
    Entity.CUSTOMERS: customers,
    Entity.ACCOUNTS: accounts,
    Entity.ACCOUNT_HOLDERS: account_holders,
    Entity.HOUSEHOLDS: households,
    Entity.REFERRALS: referrals,
    Entity.GUARANTEES: guarantees,
    Entity.OWNERSHIP: ownership,
    Entity.DEPENDENCIES: dependencies,
}


def bank() -> dict[Entity, pd.DataFrame]:
    return {entity: BUILDERS[entity]() for entity in LOAD_ORDER}


def expected(entity: Entity, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """What fetch() must return after loading ``frame``: canonical, sorted by key."""
    frame = BUILDERS[entity]() if frame is None else frame
    frame = canonical_frame(entity, frame)
    return frame.sort_values(
        list(SPECS[entity].key), na_position="first", kind="stable"
    ).reset_index(drop=True)


EXPECTED_COUNTS = {
    "customers": 5,
    "accounts": 3,
    "account_holders": 3,
    "households": 3,
    "referrals": 3,
    "guarantees": 3,
    "ownership": 3,
    "fx_rates": 2,
    "dependencies": 2,
    "household_nodes": 2,
    "relationship_managers": 2,
}


def fetch_all(store: GraphStore) -> dict[Entity, pd.DataFrame]:
    return {entity: store.fetch(entity) for entity in LOAD_ORDER}


# -- an empty store ------------------------------------------------------------------
@pytest.mark.parametrize("entity", list(LOAD_ORDER), ids=str)
def test_fetch_from_an_empty_store_is_an_empty_canonical_frame(store, entity):
    pdt.assert_frame_equal(store.fetch(entity), empty_frame(entity))


def test_counts_of_an_empty_store_are_zero(store):
    assert store.counts() == dict.fromkeys(EXPECTED_COUNTS, 0)


def test_ensure_schema_is_idempotent(store):
    store.ensure_schema()
    store.ensure_schema()
    assert store.counts()["customers"] == 0


# -- load and fetch ------------------------------------------------------------------
@pytest.mark.parametrize("entity", list(LOAD_ORDER), ids=str)
def test_load_then_fetch_round_trips_every_entity(store, entity):
    store.load(bank())
    pdt.assert_frame_equal(store.fetch(entity), expected(entity))


def test_awkward_values_round_trip_exactly(store):
    store.load(bank())
    got = store.fetch(Entity.CUSTOMERS).set_index("customer_id")
    # ids with leading zeros stay strings
    assert "0001234" in got.index and "张三-01" in got.index
    assert got.index.dtype == "str"
    # commas, double quotes, newlines and CJK survive unchanged
    assert got.loc["0001234", "name"] == AWKWARD_NAME
    assert got.loc["张三-01", "name"] == "张三"
    assert got.loc["0000007", "name"] == 'ACME "Holdings"'
    # money is exact: missing stays missing, zero stays zero, decimals are kept
    assert pd.isna(got.loc["0001235", "aum"])
    assert got.loc["张三-01", "aum"] == Decimal("0")
    assert got.loc["0000007", "aum"] == Decimal("1000000000")
    assert got.loc["0001234", "aum"] == Decimal("1500.25")
    assert got["aum"].dtype == pd.ArrowDtype(pa.decimal128(18, 4))
    rates = store.fetch(Entity.FX_RATES).set_index("currency")
    assert rates.loc["USD", "rate"] == Decimal("7.1234567891")
    # missing text stays missing, never "None" or "nan"
    assert pd.isna(got.loc["0000008", "name"])
    # dates come back as ISO strings
    assert got.loc["0001234", "born_on"] == "1980-02-29"


def test_extra_columns_are_kept_after_the_contract_columns(store):
    store.load(bank())
    for entity, extras in [
        (Entity.CUSTOMERS, ["branch", "legacy_ref"]),
        (Entity.ACCOUNTS, ["channel_code"]),
        (Entity.ACCOUNT_HOLDERS, ["since"]),
    ]:
        got = store.fetch(entity)
        assert list(got.columns) == list(SPECS[entity].column_names) + extras
        for extra in extras:
            assert got[extra].dtype == "str"
    got = store.fetch(Entity.CUSTOMERS).set_index("customer_id")
    assert got.loc["0000008", "legacy_ref"] == "x\ny"
    assert got.loc["张三-01", "branch"] == "上海"
    assert pd.isna(got.loc["0001235", "branch"])


def test_a_missing_holder_role_is_not_the_primary_holder(store):
    store.load(bank())
    holders = store.fetch(Entity.ACCOUNT_HOLDERS)
    # the primary holders (accounts.customer_id) never show up as account_holders
    assert len(holders) == 3
    row = holders[holders["customer_id"] == "张三-01"].iloc[0]
    assert row["account_id"] == "00A1"
    assert pd.isna(row["role"])


def test_relationships_between_the_same_pair_are_kept_apart_by_their_key(store):
    store.load(bank())
    assert len(store.fetch(Entity.GUARANTEES)) == 3
    own = store.fetch(Entity.OWNERSHIP)
    pair = own[(own["owner_id"] == "0001234") & (own["company_id"] == "0000008")]
    assert sorted(pair["role"]) == ["director", "shareholder"]


def test_load_reports_rows_and_progress(store):
    calls = []
    stats = store.load(bank(), progress=lambda e, done, total: calls.append((e, done, total)))
    assert stats.rows == {entity: len(BUILDERS[entity]()) for entity in LOAD_ORDER}
    assert stats.total_rows == sum(len(BUILDERS[e]()) for e in LOAD_ORDER)
    assert stats.seconds >= 0
    for entity in LOAD_ORDER:
        mine = [c for c in calls if c[0] == entity]
        total = len(BUILDERS[entity]())
        assert mine[-1] == (entity, total, total)
        assert [c[1] for c in mine] == sorted(c[1] for c in mine)
    # entities are written in LOAD_ORDER (references point backwards)
    order = list(dict.fromkeys(c[0] for c in calls))
    assert order == list(LOAD_ORDER)


def test_load_only_writes_the_entities_given(store):
    stats = store.load({Entity.CUSTOMERS: customers()})
    assert stats.rows == {Entity.CUSTOMERS: 5}
    counts = store.counts()
    assert counts["customers"] == 5
    assert counts["accounts"] == 0 and counts["referrals"] == 0


def test_loading_an_empty_frame_writes_nothing(store):
    store.load({Entity.CUSTOMERS: empty_frame(Entity.CUSTOMERS)})
    assert store.counts()["customers"] == 0


# -- idempotency and upserts ---------------------------------------------------------
def test_loading_twice_changes_nothing(store):
    store.load(bank())
    counts, frames = store.counts(), fetch_all(store)
    store.load(bank())
    assert store.counts() == counts == EXPECTED_COUNTS
    for entity, frame in fetch_all(store).items():
        pdt.assert_frame_equal(frame, frames[entity])


def test_a_second_load_can_reference_customers_of_the_first(store):
    frames = bank()
    store.load({Entity.CUSTOMERS: frames.pop(Entity.CUSTOMERS)})
    store.load(frames)
    assert store.counts() == EXPECTED_COUNTS
    for entity in LOAD_ORDER:
        pdt.assert_frame_equal(store.fetch(entity), expected(entity))


def test_a_reload_that_changes_the_primary_holder_moves_the_account(store):
    store.load(bank())
    changed = accounts()
    changed.loc[changed["account_id"] == "00A1", "customer_id"] = "0000008"
    store.load({Entity.ACCOUNTS: changed})
    got = store.fetch(Entity.ACCOUNTS).set_index("account_id")
    assert got.loc["00A1", "customer_id"] == "0000008"
    assert store.counts() == EXPECTED_COUNTS
    # the joint holders are untouched
    pdt.assert_frame_equal(store.fetch(Entity.ACCOUNT_HOLDERS), expected(Entity.ACCOUNT_HOLDERS))


def test_a_reload_that_changes_the_relationship_manager_moves_the_customer(store):
    store.load(bank())
    changed = customers()
    changed.loc[changed["customer_id"] == "0001234", "rm_id"] = "RM09"
    changed.loc[changed["customer_id"] == "0000007", "rm_id"] = None
    store.load({Entity.CUSTOMERS: changed})
    got = store.fetch(Entity.CUSTOMERS).set_index("customer_id")
    assert got.loc["0001234", "rm_id"] == "RM09"
    assert pd.isna(got.loc["0000007", "rm_id"])
    # relationship managers stay known once seen: RM01, RM02 and now RM09
    assert store.counts()["relationship_managers"] == 3
    assert store.counts()["customers"] == 5


def test_a_reload_replaces_the_row_and_blanks_missing_values(store):
    store.load(bank())
    changed = customers()
    row = changed["customer_id"] == "0001234"
    changed.loc[row, "name"] = None
    changed.loc[row, "aum"] = NAN
    changed.loc[row, "branch"] = None
    changed.loc[row, "segment"] = "private"
    store.load({Entity.CUSTOMERS: changed})
    pdt.assert_frame_equal(store.fetch(Entity.CUSTOMERS), expected(Entity.CUSTOMERS, changed))


def test_a_reload_without_an_extra_column_keeps_its_values(store):
    store.load(bank())
    without = customers().drop(columns=["branch"])
    store.load({Entity.CUSTOMERS: without})
    got = store.fetch(Entity.CUSTOMERS)
    assert list(got.columns) == list(SPECS[Entity.CUSTOMERS].column_names) + [
        "branch",
        "legacy_ref",
    ]
    pdt.assert_frame_equal(got, expected(Entity.CUSTOMERS))


def test_a_reload_of_a_relationship_updates_its_properties(store):
    store.load(bank())
    changed = referrals()
    changed["reward"] = changed["reward"].astype("object")
    changed.loc[0, "reward"] = Decimal("99.5")
    changed.loc[0, "channel"] = None
    store.load({Entity.REFERRALS: changed})
    pdt.assert_frame_equal(store.fetch(Entity.REFERRALS), expected(Entity.REFERRALS, changed))
    assert store.counts()["referrals"] == 3


# -- counts, existing ids, clear -----------------------------------------------------
def test_counts(store):
    store.load(bank())
    assert store.counts() == EXPECTED_COUNTS


def test_existing_ids(store):
    store.load(bank())
    assert store.existing_ids(Entity.CUSTOMERS, ["0001234", "1234", "张三-01", "nope"]) == {
        "0001234",
        "张三-01",
    }
    assert store.existing_ids(Entity.ACCOUNTS, ["00A1", "00A3", "A1"]) == {"00A1", "00A3"}
    assert store.existing_ids(Entity.CUSTOMERS, []) == set()
    assert store.existing_ids(Entity.CUSTOMERS, iter(["0000007", "0000007"])) == {"0000007"}
    # more ids than one batch
    many = [f"{i:07d}" for i in range(1300)]
    assert store.existing_ids(Entity.CUSTOMERS, many) == {
        "0001234",
        "0001235",
        "0000007",
        "0000008",
    }


@pytest.mark.parametrize(
    "entity", [e for e in LOAD_ORDER if not isinstance(SPECS[e].graph, NodeMapping)], ids=str
)
def test_existing_ids_refuses_relationship_entities(store, entity):
    with pytest.raises(ValueError):
        store.existing_ids(entity, ["x"])


def test_clear_deletes_entities_and_results(store):
    store.load(bank())
    store.write_run(a_run(), all_results())
    store.clear()
    assert store.counts() == dict.fromkeys(EXPECTED_COUNTS, 0)
    for entity in LOAD_ORDER:
        pdt.assert_frame_equal(store.fetch(entity), empty_frame(entity))
    for result in Result:
        assert store.fetch_results(result).empty
    # and the store is usable again
    store.load(bank())
    assert store.counts() == EXPECTED_COUNTS


def test_clear_forgets_extra_columns(store):
    store.load(bank())
    store.clear()
    store.load({Entity.CUSTOMERS: customers().drop(columns=["branch", "legacy_ref"])})
    assert list(store.fetch(Entity.CUSTOMERS).columns) == list(SPECS[Entity.CUSTOMERS].column_names)


# -- analysis results ----------------------------------------------------------------
MONEY = pd.ArrowDtype(pa.decimal128(20, 2))


def money(*values) -> pd.Series:
    return pd.Series([None if v is None else Decimal(v) for v in values], dtype=MONEY)


def customer_metrics() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.Series(["0001234", "0001235", "0000007"], dtype="str"),
            "pagerank": [0.5, 0.25, NAN],
            "influence_rank": pd.array([1, 2, None], dtype="Int64"),
            "segment_label": pd.Series(["hub", None, "leaf, 张"], dtype="str"),
        }
    )


def exposure_groups() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group_id": pd.Series(["0000007", "0001234"], dtype="str"),
            "size": np.array([2, 3], dtype="int64"),
            "exposure": money("6000000.00", "10000.01"),
            "pct_tier1": [0.12, 0.0002],
            "status": pd.Series(["large", None], dtype="str"),
            "flagged": [True, False],
        }
    )


def group_members() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group_id": pd.Series(["0001234", "0001234", "0000007", "0000007"], dtype="str"),
            "customer_id": pd.Series(["0001234", "0001235", "0000007", "0000008"], dtype="str"),
            "single_name_exposure": money("10000.00", "0.00", "5000000.00", None),
        }
    )


def group_links() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group_id": pd.Series(["0000007", "0000007"], dtype="str"),
            "a": pd.Series(["0000007", "0000007"], dtype="str"),
            "b": pd.Series(["0000008", "0000008"], dtype="str"),
            "reason": pd.Series(["control", "guarantee"], dtype="str"),
            "source_entity": pd.Series(["ownership", "guarantees"], dtype="str"),
            "source_key": pd.Series(
                ["0000007|0000008|shareholder", "0000007|0000008|00A2|"], dtype="str"
            ),
        }
    )


def generic(result: Result) -> pd.DataFrame:
    """Two rows with the result's key columns (distinct keys) and a value column."""
    spec = RESULT_SPECS[result]
    frame = pd.DataFrame({k: pd.Series([f"{k}-1", f"{k}-2"], dtype="str") for k in spec.key})
    if "customer_id" in spec.key:
        frame["customer_id"] = pd.Series(["0001234", "0000007"], dtype="str")
    if spec.kind is ResultKind.LINK:
        frame["a"] = pd.Series(["0001234", "0000007"], dtype="str")
        frame["b"] = pd.Series(["0000007", "0000008"], dtype="str")
    frame["value"] = [1.5, NAN]
    frame["count"] = np.array([3, 4], dtype="int64")
    return frame


RESULT_BUILDERS = {
    Result.CUSTOMER_METRICS: customer_metrics,
    Result.EXPOSURE_GROUPS: exposure_groups,
    Result.GROUP_MEMBERS: group_members,
    Result.GROUP_LINKS: group_links,
}


def result_frame(result: Result) -> pd.DataFrame:
    builder = RESULT_BUILDERS.get(result)
    return builder() if builder else generic(result)


def all_results() -> dict[Result, pd.DataFrame]:
    return {result: result_frame(result) for result in Result}


def a_run(run_id: str = "2024-06-30T12:00:00.000000Z", **kw) -> RunRecord:
    return RunRecord(
        run_id=run_id,
        snapshot_id=kw.pop("snapshot_id", "S1"),
        as_of=kw.pop("as_of", "2024-06-30"),
        created_at=kw.pop("created_at", run_id),
        kind=kw.pop("kind", "official"),
        options=kw.pop("options", {"preset": "basel", "tier1_capital": "50000000.00"}),
        summary=kw.pop("summary", {"groups": 2, "warnings": ["x"]}),
    )


def needs_runs(store: GraphStore) -> None:
    if type(store).write_run is GraphStore.write_run:  # pragma: no cover
        pytest.fail(f"{type(store).__name__} does not implement write_run yet")


@pytest.mark.parametrize("result", list(Result), ids=str)
def test_fetch_results_before_any_run_is_empty(store, result):
    frame = store.fetch_results(result)
    assert frame.empty
    assert set(RESULT_SPECS[result].key) <= set(frame.columns)
    assert store.runs().empty and store.published_run() is None


@pytest.mark.parametrize("result", list(Result), ids=str)
def test_a_run_round_trips_every_result_exactly(store, result):
    store.load(bank())
    frames = all_results()
    store.write_run(a_run(), frames)
    got = store.fetch_results(result)
    pdt.assert_frame_equal(got, frames[result].reset_index(drop=True))
    pdt.assert_frame_equal(store.fetch_results(result, a_run().run_id), got)


def test_money_comes_back_as_exact_decimals(store):
    store.load(bank())
    store.write_run(a_run(), all_results())
    got = store.fetch_results(Result.EXPOSURE_GROUPS)
    assert got["exposure"].dtype == MONEY
    assert got["exposure"].tolist() == [Decimal("6000000.00"), Decimal("10000.01")]
    assert sum(got["exposure"].tolist()) == Decimal("6010000.01")


def test_an_empty_result_set_round_trips(store):
    store.load(bank())
    frames = all_results()
    frames[Result.GUARANTEE_CIRCLES] = frames[Result.GUARANTEE_CIRCLES].iloc[0:0]
    store.write_run(a_run(), frames)
    got = store.fetch_results(Result.GUARANTEE_CIRCLES)
    assert got.empty and list(got.columns) == list(frames[Result.GUARANTEE_CIRCLES].columns)


def test_runs_are_kept_and_the_newest_official_run_is_published(store):
    store.load(bank())
    first, second = a_run("2024-06-30T12:00:00.000000Z"), a_run("2024-07-31T12:00:00.000000Z")
    store.write_run(first, all_results())
    changed = all_results()
    changed[Result.EXPOSURE_GROUPS] = exposure_groups().iloc[:1]
    store.write_run(second, changed)
    runs = store.runs()
    assert list(runs.columns) == list(RUN_COLUMNS)
    assert runs["run_id"].tolist() == [first.run_id, second.run_id]
    assert runs["published"].tolist() == [False, True]
    published = store.published_run()
    assert published["run_id"] == second.run_id
    assert published["options"] == {"preset": "basel", "tier1_capital": "50000000.00"}
    assert published["summary"] == {"groups": 2, "warnings": ["x"]}
    assert len(store.fetch_results(Result.EXPOSURE_GROUPS)) == 1
    # the earlier run is still there, whole
    pdt.assert_frame_equal(
        store.fetch_results(Result.EXPOSURE_GROUPS, first.run_id), exposure_groups()
    )


def test_an_unpublished_run_does_not_replace_the_published_one(store):
    store.load(bank())
    store.write_run(a_run("2024-06-30T12:00:00.000000Z"), all_results())
    what_if = all_results()
    what_if[Result.EXPOSURE_GROUPS] = exposure_groups().iloc[:1]
    store.write_run(a_run("2024-06-30T13:00:00.000000Z", kind="what-if"), what_if, publish=False)
    assert store.published_run()["run_id"] == "2024-06-30T12:00:00.000000Z"
    assert len(store.fetch_results(Result.EXPOSURE_GROUPS)) == 2
    assert len(store.fetch_results(Result.EXPOSURE_GROUPS, "2024-06-30T13:00:00.000000Z")) == 1
    with pytest.raises(ConfigError, match="what-if"):
        store.publish("2024-06-30T13:00:00.000000Z")


def test_publish_switches_the_published_run(store):
    store.load(bank())
    store.write_run(a_run("2024-06-30T12:00:00.000000Z"), all_results())
    store.write_run(a_run("2024-07-31T12:00:00.000000Z"), all_results())
    store.publish("2024-06-30T12:00:00.000000Z")
    assert store.runs()["published"].tolist() == [True, False]
    with pytest.raises(NotFound):
        store.publish("no-such-run")
    assert store.published_run()["run_id"] == "2024-06-30T12:00:00.000000Z"


def test_old_runs_are_pruned_but_never_the_published_one(store):
    store.load(bank())
    store.write_run(a_run("2024-01-31T00:00:00.000000Z"), all_results())
    for month in ("02-29", "03-31", "04-30"):
        store.write_run(
            a_run(f"2024-{month}T00:00:00.000000Z", kind="what-if"),
            all_results(),
            publish=False,
            keep_runs=2,
        )
    assert store.runs()["run_id"].tolist() == [
        "2024-01-31T00:00:00.000000Z",  # published: kept
        "2024-03-31T00:00:00.000000Z",
        "2024-04-30T00:00:00.000000Z",
    ]
    assert store.fetch_results(Result.EXPOSURE_GROUPS, "2024-02-29T00:00:00.000000Z").empty


def test_a_run_id_is_written_once(store):
    store.load(bank())
    store.write_run(a_run(), all_results())
    with pytest.raises(StoreQueryError):
        store.write_run(a_run(), all_results())
    assert len(store.runs()) == 1


def test_a_refused_run_writes_nothing(store):
    store.load(bank())
    store.write_run(a_run("2024-06-30T12:00:00.000000Z"), all_results())
    bad = all_results()
    bad[Result.INFLUENCERS] = pd.DataFrame({"not the key": [1]})
    with pytest.raises(ValueError):
        store.write_run(a_run("2024-07-31T12:00:00.000000Z"), bad)
    assert store.runs()["run_id"].tolist() == ["2024-06-30T12:00:00.000000Z"]
    assert store.published_run()["run_id"] == "2024-06-30T12:00:00.000000Z"


def test_results_survive_a_reload_of_the_entities(store):
    store.load(bank())
    store.write_run(a_run(), all_results())
    store.load(bank())
    pdt.assert_frame_equal(store.fetch_results(Result.CUSTOMER_METRICS), customer_metrics())
    pdt.assert_frame_equal(store.fetch_results(Result.GROUP_MEMBERS), group_members())
    # results never leak into the customers entity
    pdt.assert_frame_equal(store.fetch(Entity.CUSTOMERS), expected(Entity.CUSTOMERS))


@pytest.mark.parametrize(
    "columns",
    [["customer_id", "bad name"], ["customer_id", "x;DROP"], ["customer_id", "1abc"]],
)
def test_write_run_refuses_names_that_are_not_identifiers(store, columns):
    store.load(bank())
    frames = all_results()
    frames[Result.CUSTOMER_METRICS] = pd.DataFrame({c: ["0001234"] for c in columns})
    with pytest.raises(ValueError):
        store.write_run(a_run(), frames)
    assert store.runs().empty


@pytest.mark.parametrize("result", list(Result), ids=str)
def test_write_run_needs_the_key_columns(store, result):
    store.load(bank())
    frames = all_results()
    frames[result] = pd.DataFrame({"something": [1]})
    with pytest.raises(ValueError):
        store.write_run(a_run(), frames)


# -- snapshots: full and delta loads -------------------------------------------------
def snapshot(snapshot_id: str, as_of: str, mode: LoadMode = LoadMode.FULL) -> SnapshotRecord:
    return SnapshotRecord(snapshot_id, as_of, mode, f"{as_of}T23:00:00Z", f"/data/{as_of}")


def test_a_full_load_removes_what_the_extract_no_longer_carries(store):
    store.load(bank(), mode=LoadMode.FULL, snapshot=snapshot("S1", "2024-06-30"))
    fewer = guarantees().iloc[1:]
    stats = store.load(
        {Entity.GUARANTEES: fewer}, mode=LoadMode.FULL, snapshot=snapshot("S2", "2024-07-31")
    )
    assert stats.removed == {Entity.GUARANTEES: 1}
    pdt.assert_frame_equal(store.fetch(Entity.GUARANTEES), expected(Entity.GUARANTEES, fewer))
    # the entities the load did not carry are untouched
    for entity in LOAD_ORDER:
        if entity is not Entity.GUARANTEES:
            pdt.assert_frame_equal(store.fetch(entity), expected(entity))


def test_a_full_load_of_households_removes_empty_household_nodes(store):
    store.load(bank())
    only_first = households().iloc[:2]
    store.load({Entity.HOUSEHOLDS: only_first}, mode=LoadMode.FULL)
    assert store.counts()["household_nodes"] == 1


def test_a_delta_load_removes_only_the_keys_it_names(store):
    store.load(bank())
    gone = ownership().iloc[[1]][["owner_id", "company_id", "role"]]
    stats = store.load({}, mode=LoadMode.DELTA, removals={Entity.OWNERSHIP: gone})
    assert stats.removed == {Entity.OWNERSHIP: 1}
    pdt.assert_frame_equal(
        store.fetch(Entity.OWNERSHIP), expected(Entity.OWNERSHIP, ownership().drop(index=1))
    )
    removed_customer = pd.DataFrame({"customer_id": ["0001235"]})
    store.load(
        {}, removals={Entity.REFERRALS: referrals().iloc[[0]], Entity.CUSTOMERS: removed_customer}
    )
    assert "0001235" not in set(store.fetch(Entity.CUSTOMERS)["customer_id"])


def test_snapshots_are_recorded_with_their_rows_and_removals(store):
    assert store.snapshots().empty and store.current_snapshot() is None
    store.load(bank(), mode=LoadMode.FULL, snapshot=snapshot("S1", "2024-06-30"))
    store.load(
        {Entity.GUARANTEES: guarantees().iloc[1:]},
        mode=LoadMode.FULL,
        snapshot=snapshot("S2", "2024-07-31"),
    )
    snaps = store.snapshots()
    assert list(snaps.columns) == list(SNAPSHOT_COLUMNS)
    assert snaps["snapshot_id"].tolist() == ["S1", "S2"]
    assert snaps["as_of"].tolist() == ["2024-06-30", "2024-07-31"]
    assert json.loads(snaps.iloc[1]["rows_json"]) == {"guarantees": 2}
    assert json.loads(snaps.iloc[1]["removed_json"]) == {"guarantees": 1}
    assert store.current_snapshot()["snapshot_id"] == "S2"


def test_a_reload_without_a_contract_column_keeps_its_stored_values(store):
    store.load(bank())
    # accounts.csv carrying only account_id, customer_id, product, status
    thin = accounts()[["account_id", "customer_id", "product", "status"]].copy()
    thin.loc[thin["account_id"] == "00A1", "status"] = "closed"
    store.load({Entity.ACCOUNTS: thin}, mode=LoadMode.FULL)
    got = store.fetch(Entity.ACCOUNTS).set_index("account_id")
    want = expected(Entity.ACCOUNTS).set_index("account_id")
    for column in ("balance", "credit_limit", "outstanding", "ccf", "currency", "opened_on"):
        pdt.assert_series_equal(got[column], want[column])
    assert got.loc["00A1", "status"] == "closed"


def test_clear_deletes_runs_and_snapshots(store):
    store.load(bank(), snapshot=snapshot("S1", "2024-06-30"))
    store.write_run(a_run(), all_results())
    store.clear()
    assert store.runs().empty and store.snapshots().empty
    for result in Result:
        assert store.fetch_results(result).empty


# -- lifecycle -----------------------------------------------------------------------
def test_ping(store):
    store.ping()


def test_a_closed_store_is_unavailable_and_close_is_idempotent(store):
    store.close()
    store.close()
    with pytest.raises(StoreUnavailable):
        store.ping()


def test_the_store_is_a_context_manager(store):
    with store as entered:
        assert entered is store
        entered.ping()
    with pytest.raises(StoreUnavailable):
        store.ping()


def test_the_store_describes_itself(store):
    assert isinstance(store.description, str) and store.description


# -- Bolt only: an unusable server ---------------------------------------------------
@pytest.mark.bolt
def test_a_wrong_password_is_store_unavailable(bolt_target):
    from guanxi.graph.neo4j_store import Neo4jStore

    with Neo4jStore(
        bolt_target.uri, auth=(bolt_target.user, "not-the-password"), database=bolt_target.database
    ) as store:
        with pytest.raises(StoreUnavailable) as info:
            store.ping()
        assert info.value.__cause__ is not None


@pytest.mark.bolt
def test_a_closed_port_is_store_unavailable(bolt_target):
    from guanxi.graph.neo4j_store import Neo4jStore

    with socket.socket() as s:  # a port that nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    uri = f"bolt://127.0.0.1:{port}"
    with Neo4jStore(
        uri,
        auth=bolt_target.auth,
        database=bolt_target.database,
        connection_timeout=2.0,
        max_transaction_retry_time=0.0,
    ) as store:
        with pytest.raises(StoreUnavailable) as info:
            store.ping()
        assert info.value.__cause__ is not None
        with pytest.raises(StoreUnavailable):
            store.counts()
