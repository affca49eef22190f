"""Behaviour of Neo4jStore that the other store does not have: the graph it builds, the
driver it uses, the schema it creates, and how it talks to the server.

Runs on every Neo4j of the session (the test Neo4j 5.26 from Maven Central always,
another one when ``GUANXI_TEST_NEO4J_URI`` is set); the graph is inspected with plain
Cypher through the session's driver.
"""

from __future__ import annotations

import os
import socket
import time

import pandas as pd
import pandas.testing as pdt
import pytest

from guanxi.errors import ConfigError, StoreQueryError, StoreUnavailable
from guanxi.graph.neo4j_store import NODE_KEYS, PRIMARY_ROLE, REL_KEY, Neo4jStore
from guanxi.graph.schema import (
    KEY_SEPARATOR,
    LOAD_ORDER,
    SPECS,
    Entity,
    NodeLabel,
    NodeMapping,
    canonical_frame,
    relationship_keys,
)
from guanxi.graph.store import QueryMode, Result, RunRecord
from guanxi.settings import Settings

try:  # pytest's default (prepend) import mode puts this folder on sys.path
    from test_store_contract import (
        EXPECTED_COUNTS,
        accounts,
        bank,
        customer_metrics,
        customers,
        expected,
    )
except ModuleNotFoundError:  # tests/ and tests/graph/ made packages
    from tests.graph.test_store_contract import (
        EXPECTED_COUNTS,
        accounts,
        bank,
        customer_metrics,
        customers,
        expected,
    )

pytestmark = pytest.mark.bolt

INJECTION = "'}) DETACH DELETE n //"


@pytest.fixture
def neo4j_store(bolt_target):
    """A fresh Neo4jStore on the session's driver, schema in place."""
    store = bolt_target.store()
    store.clear()
    store.ensure_schema()
    try:
        yield store
    finally:
        store.close()


def cypher(bolt_target, query: str, **params) -> list[dict]:
    # auto-commit: SHOW commands and plain reads/writes alike
    with bolt_target.driver.session(database=bolt_target.database) as session:
        return session.run(query, params).data()


# -- schema --------------------------------------------------------------------------
def test_ensure_schema_creates_a_uniqueness_constraint_per_label(bolt_target, neo4j_store):
    neo4j_store.ensure_schema()  # twice: idempotent
    rows = cypher(bolt_target, "SHOW CONSTRAINTS")
    unique = {
        (r["labelsOrTypes"][0], r["properties"][0])
        for r in rows
        if r["type"] in ("UNIQUENESS", "NODE_PROPERTY_UNIQUENESS")
    }
    for label, key in [
        ("Customer", "customer_id"),
        ("Account", "account_id"),
        ("Household", "household_id"),
        ("RelationshipManager", "rm_id"),
        ("ExposureGroup", "group_id"),
        ("GuaranteeCircle", "circle_id"),
        ("AnalysisRun", "run_id"),
    ]:
        assert (label, key) in unique
    assert {(label, key) for label, key in NODE_KEYS.items()} <= unique
    names = {r["name"] for r in rows}
    assert "guanxi_customer_customer_id" in names


def test_ensure_schema_creates_lookup_indexes_on_contact_details(bolt_target, neo4j_store):
    rows = cypher(bolt_target, "SHOW INDEXES")
    indexed = {(tuple(r["labelsOrTypes"] or ()), tuple(r["properties"] or ())) for r in rows}
    for prop in ("phone", "email", "id_number"):
        assert (("Customer",), (prop,)) in indexed
    # the results written back that Neo4j users filter and sort by
    for prop in ("group_id", "circle_id", "community_id", "influence_rank"):
        assert (("Customer",), (prop,)) in indexed


def test_the_uniqueness_constraint_is_enforced(bolt_target, neo4j_store):
    neo4j_store.load({Entity.CUSTOMERS: customers()})
    with pytest.raises(StoreQueryError) as info:
        neo4j_store.run(
            "CREATE (:Customer {customer_id: $id})", {"id": "0001234"}, mode=QueryMode.WRITE
        )
    assert info.value.__cause__ is not None


def test_load_creates_the_schema_when_it_is_missing(bolt_target):
    store = bolt_target.store()
    store.clear()
    store.load({Entity.CUSTOMERS: customers()})  # no ensure_schema() before
    names = {r["name"] for r in cypher(bolt_target, "SHOW CONSTRAINTS")}
    assert "guanxi_customer_customer_id" in names
    store.close()


_RUNS = iter(range(1, 10_000))


def publish(store, results) -> str:
    """Store ``results`` as a new published run (as ``guanxi analyze`` does); its id."""
    run_id = f"2026-06-30T12:00:00.{next(_RUNS):06d}Z"
    store.write_run(
        RunRecord(run_id=run_id, snapshot_id=None, as_of="2026-06-30", created_at=run_id),
        {Result(r): f for r, f in results.items()},
    )
    return run_id


# -- the graph it builds -------------------------------------------------------------
def test_customers_are_nodes_with_every_column_as_property(bolt_target, neo4j_store):
    neo4j_store.load({Entity.CUSTOMERS: customers()})
    rows = cypher(
        bolt_target, "MATCH (n:Customer {customer_id: $id}) RETURN properties(n) AS p", id="0001234"
    )
    props = rows[0]["p"]
    assert props["name"] == 'Smith, "Jim"\nJr. 张三'
    assert props["aum"] == "1500.2500"  # money is exact text (Cypher has no decimal)
    assert props["branch"] == "Beijing, Haidian"  # extra column
    assert props["born_on"] == "1980-02-29"  # dates are ISO strings
    # missing values are not stored at all
    assert "annual_income" not in props and "industry" not in props
    assert all(v is not None for v in props.values())


def test_missing_values_are_never_stored(bolt_target, neo4j_store):
    neo4j_store.load(bank())
    nulls = cypher(
        bolt_target,
        "MATCH (n) WHERE any(k IN keys(n) WHERE n[k] IS NULL) RETURN count(n) AS c",
    )
    assert nulls[0]["c"] == 0
    rels = cypher(bolt_target, "MATCH ()-[r]->() RETURN properties(r) AS p")
    assert rels and all(v is not None for r in rels for v in r["p"].values())


def test_managed_by_follows_rm_id_and_moves_on_reload(bolt_target, neo4j_store):
    neo4j_store.load({Entity.CUSTOMERS: customers()})
    query = (
        "MATCH (c:Customer)-[:MANAGED_BY]->(m:RelationshipManager) "
        "RETURN c.customer_id AS c, m.rm_id AS m ORDER BY c"
    )
    assert cypher(bolt_target, query) == [
        {"c": "0000007", "m": "RM02"},
        {"c": "0000008", "m": "RM02"},
        {"c": "0001234", "m": "RM01"},
        {"c": "0001235", "m": "RM01"},
    ]
    changed = customers()
    changed.loc[changed["customer_id"] == "0001234", "rm_id"] = "RM09"
    changed.loc[changed["customer_id"] == "0000007", "rm_id"] = None
    neo4j_store.load({Entity.CUSTOMERS: changed})
    assert cypher(bolt_target, query) == [
        {"c": "0000008", "m": "RM02"},
        {"c": "0001234", "m": "RM09"},
        {"c": "0001235", "m": "RM01"},
    ]


def test_primary_holds_is_marked_and_moves_with_the_primary_holder(bolt_target, neo4j_store):
    neo4j_store.load(bank())
    query = (
        "MATCH (c:Customer)-[r:HOLDS]->(a:Account {account_id: '00A1'}) "
        "RETURN c.customer_id AS c, r.role AS role, r.key AS key ORDER BY c"
    )
    sep = KEY_SEPARATOR
    assert cypher(bolt_target, query) == [
        {"c": "0001234", "role": PRIMARY_ROLE, "key": "00A1"},
        {"c": "0001235", "role": "joint", "key": f"00A1{sep}0001235"},
        # a holder whose role is missing has no role property, only its key
        {"c": "张三-01", "role": None, "key": f"00A1{sep}张三-01"},
    ]
    changed = accounts()
    changed.loc[changed["account_id"] == "00A1", "customer_id"] = "0000008"
    neo4j_store.load({Entity.ACCOUNTS: changed})
    rows = cypher(bolt_target, query)
    assert [(r["c"], r["role"]) for r in rows] == [
        ("0000008", PRIMARY_ROLE),
        ("0001235", "joint"),
        ("张三-01", None),
    ]
    assert neo4j_store.counts() == EXPECTED_COUNTS


@pytest.mark.parametrize(
    "entity",
    [e for e in LOAD_ORDER if not isinstance(SPECS[e].graph, NodeMapping)],
    ids=str,
)
def test_relationships_carry_their_natural_key(bolt_target, neo4j_store, entity):
    frames = bank()
    neo4j_store.load(frames)
    rel = SPECS[entity].graph.type
    rows = cypher(
        bolt_target,
        f"MATCH ()-[r:{rel}]->() WHERE r.role IS NULL OR r.role <> $primary "
        f"RETURN r.{REL_KEY} AS k",
        primary=PRIMARY_ROLE,
    )
    assert sorted(r["k"] for r in rows) == sorted(relationship_keys(entity, frames[entity]))


def test_reloading_creates_no_duplicate_nodes_or_relationships(bolt_target, neo4j_store):
    neo4j_store.load(bank())
    before = cypher(
        bolt_target,
        "MATCH (n) WITH count(n) AS nodes MATCH ()-[r]->() RETURN nodes, count(r) AS rels",
    )
    neo4j_store.load(bank())
    after = cypher(
        bolt_target,
        "MATCH (n) WITH count(n) AS nodes MATCH ()-[r]->() RETURN nodes, count(r) AS rels",
    )
    assert before == after


def test_customer_metrics_are_properties_of_the_customer_nodes(bolt_target, neo4j_store):
    neo4j_store.load(bank())
    publish(neo4j_store, {Result.CUSTOMER_METRICS: customer_metrics()})
    rows = cypher(
        bolt_target,
        "MATCH (n:Customer {customer_id: '0001234'}) RETURN n.pagerank AS p, n.influence_rank AS r",
    )
    assert rows == [{"p": 0.5, "r": 1}]
    # customers absent from the next frame lose those properties
    publish(
        neo4j_store,
        {
            Result.CUSTOMER_METRICS: pd.DataFrame(
                {"customer_id": pd.Series(["0000008"], dtype="str"), "pagerank": [0.1]}
            )
        },
    )
    rows = cypher(
        bolt_target,
        "MATCH (n:Customer) WHERE n.pagerank IS NOT NULL OR n.influence_rank IS NOT NULL "
        "RETURN n.customer_id AS c, n.pagerank AS p",
    )
    assert rows == [{"c": "0000008", "p": 0.1}]


def test_written_back_metrics_answer_neo4j_browser_queries(bolt_target, neo4j_store):
    """What ``guanxi analyze`` writes back is plain Customer properties, so the queries
    a Neo4j Browser user types work: top influencers, a group's members, a circle."""
    neo4j_store.load(bank())
    metrics = pd.DataFrame(
        {
            "customer_id": ["0000007", "0000008", "0001234", "0001235", "张三-01"],
            "influence_rank": pd.array([3, 4, 1, 2, None], dtype="Int64"),
            "influence_score": [0.1, 0.05, 0.5, 0.3, None],
            "group_id": ["0000007", "0000007", "0000007", None, None],
            "circle_id": ["0000007", "0000007", None, None, None],
            "community_id": ["0000007", "0000007", "0001234", "0001234", "0001234"],
            "cascade": pd.array([None, None, 3, 1, None], dtype="Int64"),
            "depth": pd.array([None, None, 2, 1, None], dtype="Int64"),
        }
    )
    publish(neo4j_store, {Result.CUSTOMER_METRICS: metrics})
    top = cypher(
        bolt_target,
        "MATCH (c:Customer) WHERE c.influence_rank IS NOT NULL "
        "RETURN c.customer_id AS id ORDER BY c.influence_rank LIMIT 10",
    )
    assert [r["id"] for r in top] == ["0001234", "0001235", "0000007", "0000008"]
    # the issue's own query: customers without a rank sort last
    rows = cypher(bolt_target, "MATCH (c:Customer) RETURN c ORDER BY c.influence_rank LIMIT 10")
    assert [r["c"]["customer_id"] for r in rows][:4] == [r["id"] for r in top]
    # integers stay integers, missing metrics are absent (not null, not NaN)
    row = cypher(
        bolt_target,
        "MATCH (c:Customer {customer_id: '0001234'}) RETURN c.influence_rank AS rank, "
        "c.cascade AS cascade, c.depth AS depth, keys(c) AS keys",
    )[0]
    assert (row["rank"], row["cascade"], row["depth"]) == (1, 3, 2)
    assert all(isinstance(row[k], int) for k in ("rank", "cascade", "depth"))
    assert "circle_id" not in row["keys"]
    members = cypher(
        bolt_target,
        "MATCH (c:Customer {group_id: $g}) RETURN c.customer_id AS id ORDER BY id",
        g="0000007",
    )
    assert [r["id"] for r in members] == ["0000007", "0000008", "0001234"]
    community = cypher(
        bolt_target,
        "MATCH (c:Customer) WHERE c.community_id IS NOT NULL "
        "RETURN c.community_id AS k, count(*) AS n ORDER BY k",
    )
    assert community == [{"k": "0000007", "n": 2}, {"k": "0001234", "n": 3}]
    pdt.assert_frame_equal(
        neo4j_store.fetch_results(Result.CUSTOMER_METRICS),
        metrics.sort_values("customer_id").reset_index(drop=True),
        check_dtype=False,
    )


def test_customer_metrics_never_overwrite_customer_data(bolt_target, neo4j_store):
    """A metric named like a customer column is kept in the run's record, and not
    drawn over the customer's own data."""
    neo4j_store.load(bank())
    for column in ("aum", "branch"):  # a contract column, an extra column
        frame = pd.DataFrame({"customer_id": ["0001234"], column: ["metric"]})
        publish(neo4j_store, {Result.CUSTOMER_METRICS: frame})
        pdt.assert_frame_equal(
            neo4j_store.fetch_results(Result.CUSTOMER_METRICS), frame, check_dtype=False
        )
    pdt.assert_frame_equal(neo4j_store.fetch(Entity.CUSTOMERS), expected(Entity.CUSTOMERS))


def test_results_naming_a_customer_not_in_the_store_are_kept_and_not_drawn(
    bolt_target, neo4j_store
):
    neo4j_store.load(bank())
    frame = pd.DataFrame({"customer_id": ["0001234", "ghost"], "pagerank": [0.3, 0.7]})
    members = pd.DataFrame({"group_id": ["g", "g"], "customer_id": ["0001234", "ghost"]})
    publish(neo4j_store, {Result.CUSTOMER_METRICS: frame, Result.GROUP_MEMBERS: members})
    # the record is the analysis's, exactly
    pdt.assert_frame_equal(neo4j_store.fetch_results(Result.CUSTOMER_METRICS), frame)
    pdt.assert_frame_equal(neo4j_store.fetch_results(Result.GROUP_MEMBERS), members)
    # the graph gains no customer: the projection draws only the ones that exist
    assert neo4j_store.counts()["customers"] == EXPECTED_COUNTS["customers"]
    rows = cypher(
        bolt_target,
        "MATCH (c:Customer)-[:IN_GROUP]->(g:ExposureGroup) RETURN c.customer_id AS c",
    )
    assert rows == [{"c": "0001234"}]


def test_membership_points_at_result_nodes(bolt_target, neo4j_store):
    neo4j_store.load(bank())
    circle = pd.DataFrame(
        {"circle_id": ["0000007", "0000007"], "customer_id": ["0000007", "0000008"]}
    )
    publish(neo4j_store, {Result.CIRCLE_MEMBERS: circle})
    rows = cypher(
        bolt_target,
        "MATCH (c:Customer)-[:IN_CIRCLE]->(g:GuaranteeCircle) "
        "RETURN c.customer_id AS c, g.circle_id AS g ORDER BY c",
    )
    assert rows == [{"c": "0000007", "g": "0000007"}, {"c": "0000008", "g": "0000007"}]


def test_only_the_published_run_is_drawn(bolt_target, neo4j_store):
    neo4j_store.load(bank())
    groups = pd.DataFrame({"group_id": ["0000007"], "exposure": ["1.00"]})
    first = publish(neo4j_store, {Result.EXPOSURE_GROUPS: groups})
    publish(neo4j_store, {Result.EXPOSURE_GROUPS: groups.assign(group_id="0001234")})
    drawn = lambda: [  # noqa: E731
        r["g"] for r in cypher(bolt_target, "MATCH (g:ExposureGroup) RETURN g.group_id AS g")
    ]
    assert drawn() == ["0001234"]
    neo4j_store.publish(first)
    assert drawn() == ["0000007"]
    meta = cypher(bolt_target, "MATCH (m:GuanxiMeta {name: 'projection'}) RETURN m.run_id AS r")
    assert meta == [{"r": first}]


# -- references and batches ----------------------------------------------------------
def test_a_row_naming_a_missing_customer_fails_the_whole_load(bolt_target, neo4j_store):
    neo4j_store.load({Entity.CUSTOMERS: customers()})
    orphan = accounts()
    orphan.loc[orphan["account_id"] == "00A3", "customer_id"] = "nobody"
    with pytest.raises(StoreQueryError, match="not in the store; nothing of it was written"):
        neo4j_store.load({Entity.ACCOUNTS: orphan})
    # one transaction: the batch before the bad one (00A1, 00A2) was rolled back too
    assert neo4j_store.fetch(Entity.ACCOUNTS).empty
    assert neo4j_store.incomplete_loads() == []
    # once the reference is fixed, the same load goes in
    neo4j_store.load({Entity.ACCOUNTS: accounts()})
    pdt.assert_frame_equal(neo4j_store.fetch(Entity.ACCOUNTS), expected(Entity.ACCOUNTS))


def test_in_batched_mode_a_missing_customer_fails_its_batch_and_the_journal_says_so(
    bolt_target,
):
    store = bolt_target.store(single_transaction_max_rows=0)
    store.clear()
    store.load({Entity.CUSTOMERS: customers()})
    orphan = accounts()
    orphan.loc[orphan["account_id"] == "00A3", "customer_id"] = "nobody"
    with pytest.raises(StoreQueryError, match="that batch was not written"):
        store.load({Entity.ACCOUNTS: orphan})
    # batch_size is 2: the first batch (00A1, 00A2) committed, the failed one did not
    assert sorted(store.fetch(Entity.ACCOUNTS)["account_id"]) == ["00A1", "00A2"]
    [journal] = store.incomplete_loads()
    assert journal["status"] == "failed" and journal["mode"] == "batched"
    assert (journal["rows_done"], journal["rows_total"]) == (2, 3)
    assert "nobody" not in journal["error"] and "not in the store" in journal["error"]
    # once the reference is fixed, the load converges
    store.load({Entity.ACCOUNTS: accounts()})
    pdt.assert_frame_equal(store.fetch(Entity.ACCOUNTS), expected(Entity.ACCOUNTS))
    # the failed load's journal stays failed (it was a different load)
    assert [j["status"] for j in store.incomplete_loads()] == ["failed"]
    store.close()


def test_progress_is_reported_per_batch(bolt_target):
    store = bolt_target.store(batch_size=2)
    store.clear()
    calls = []
    store.load(
        {Entity.CUSTOMERS: customers()}, progress=lambda e, done, total: calls.append((done, total))
    )
    assert calls == [(0, 5), (2, 5), (4, 5), (5, 5)]
    store.close()


@pytest.mark.parametrize("batch_size", [1, 3, 1000])
def test_batch_size_does_not_change_what_is_stored(bolt_target, batch_size):
    store = bolt_target.store(batch_size=batch_size)
    store.clear()
    store.load(bank())
    assert store.counts() == EXPECTED_COUNTS
    for entity in LOAD_ORDER:
        pdt.assert_frame_equal(store.fetch(entity), expected(entity))
    store.close()


# -- parameters, never values in query text ------------------------------------------
def test_values_that_look_like_cypher_round_trip_harmlessly(bolt_target, neo4j_store):
    frame = customers()
    frame.loc[0, "customer_id"] = INJECTION
    frame.loc[1, "name"] = "x` }) MATCH (m) DETACH DELETE m //"
    frame.loc[2, "branch"] = "$rows {props} \\' \" `"
    frame = canonical_frame(Entity.CUSTOMERS, frame)
    neo4j_store.load({Entity.CUSTOMERS: frame})
    assert neo4j_store.counts()["customers"] == 5
    pdt.assert_frame_equal(neo4j_store.fetch(Entity.CUSTOMERS), expected(Entity.CUSTOMERS, frame))
    assert neo4j_store.existing_ids(Entity.CUSTOMERS, [INJECTION]) == {INJECTION}
    groups = pd.DataFrame({"group_id": pd.Series([INJECTION], dtype="str"), "size": [1]})
    publish(neo4j_store, {Result.EXPOSURE_GROUPS: groups})
    assert neo4j_store.fetch_results(Result.EXPOSURE_GROUPS)["group_id"].tolist() == [INJECTION]


def test_names_that_are_not_identifiers_never_reach_the_query(neo4j_store):
    frame = customers()
    frame["bad name`) DETACH DELETE n"] = "x"
    with pytest.raises(ValueError):
        neo4j_store.load({Entity.CUSTOMERS: frame})
    assert neo4j_store.counts()["customers"] == 0


def test_key_is_reserved_for_relationship_extras(neo4j_store):
    neo4j_store.load({Entity.CUSTOMERS: customers()})
    frame = bank()[Entity.REFERRALS]
    frame["key"] = "mine"
    with pytest.raises(ValueError, match="reserved"):
        neo4j_store.load({Entity.REFERRALS: frame})


# -- the driver and the database -----------------------------------------------------
def test_a_driver_passed_in_is_not_closed_by_the_store(bolt_target):
    store = Neo4jStore(bolt_target.driver, database=bolt_target.database)
    store.ping()
    store.close()
    with pytest.raises(StoreUnavailable):
        store.ping()
    # the caller's driver still works
    bolt_target.driver.verify_connectivity()
    assert cypher(bolt_target, "RETURN 1 AS x") == [{"x": 1}]


def test_a_driver_built_by_the_store_is_closed_by_it(bolt_target):
    store = Neo4jStore(bolt_target.uri, auth=bolt_target.auth, database=bolt_target.database)
    store.ping()
    driver = store.driver
    store.close()
    import neo4j

    with pytest.raises(neo4j.exceptions.DriverError):
        driver.verify_connectivity()


def test_from_settings_builds_and_owns_its_driver(bolt_target):
    settings = Settings(
        neo4j_user=bolt_target.user,
        neo4j_password=bolt_target.password,
        neo4j_database=bolt_target.database,
        neo4j_connection_timeout=5.0,
        neo4j_max_connection_pool_size=3,
        neo4j_max_transaction_retry_time=2.0,
        batch_size=2,
    )
    with Neo4jStore.from_settings(bolt_target.uri, settings) as store:
        assert store.database == bolt_target.database
        assert store.batch_size == 2
        assert bolt_target.uri in store.description
        store.ping()
        store.clear()
        store.load({Entity.CUSTOMERS: customers()})
        assert store.counts()["customers"] == 5
        driver = store.driver
    import neo4j

    with pytest.raises(neo4j.exceptions.DriverError):
        driver.verify_connectivity()


# -- connection settings: from Settings to the driver --------------------------------
def _unused_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_from_settings_passes_every_connection_setting_to_the_driver(bolt_target):
    settings = Settings(
        neo4j_user=bolt_target.user,
        neo4j_password=bolt_target.password,
        neo4j_database=bolt_target.database,
        neo4j_connection_timeout=4.5,
        neo4j_connection_acquisition_timeout=9.5,
        neo4j_max_connection_lifetime=123.0,
        neo4j_max_connection_pool_size=3,
        neo4j_max_transaction_retry_time=2.5,
        neo4j_single_transaction_max_rows=77,
        batch_size=11,
    )
    with Neo4jStore.from_settings(bolt_target.uri, settings) as store:
        # the driver's own configuration objects, as it will use them
        pool = store.driver._pool.pool_config
        session = store.driver._default_workspace_config
        assert pool.connection_timeout == 4.5
        assert pool.max_connection_lifetime == 123.0
        assert pool.max_connection_pool_size == 3
        assert session.connection_acquisition_timeout == 9.5
        assert session.max_transaction_retry_time == 2.5
        assert not store.driver.encrypted
        assert (store.database, store.batch_size, store.single_transaction_max_rows) == (
            bolt_target.database,
            11,
            77,
        )
        store.ping()  # and it works


def test_settings_are_read_from_guanxi_environment_variables(monkeypatch, bolt_target):
    from guanxi.graph.open import open_store

    env = {
        "GUANXI_STORE": bolt_target.uri,
        "GUANXI_NEO4J_USER": bolt_target.user,
        "GUANXI_NEO4J_PASSWORD": bolt_target.password,
        "GUANXI_NEO4J_DATABASE": bolt_target.database,
        "GUANXI_NEO4J_CONNECTION_TIMEOUT": "3",
        "GUANXI_NEO4J_CONNECTION_ACQUISITION_TIMEOUT": "7",
        "GUANXI_NEO4J_MAX_CONNECTION_LIFETIME": "60",
        "GUANXI_NEO4J_MAX_CONNECTION_POOL_SIZE": "4",
        "GUANXI_NEO4J_MAX_TRANSACTION_RETRY_TIME": "1.5",
        "GUANXI_NEO4J_SINGLE_TRANSACTION_MAX_ROWS": "1000",
        "GUANXI_BATCH_SIZE": "250",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with open_store(settings=Settings()) as store:
        assert isinstance(store, Neo4jStore)
        pool = store.driver._pool.pool_config
        session = store.driver._default_workspace_config
        assert (pool.connection_timeout, pool.max_connection_lifetime) == (3.0, 60.0)
        assert pool.max_connection_pool_size == 4
        assert session.connection_acquisition_timeout == 7.0
        assert session.max_transaction_retry_time == 1.5
        assert (store.single_transaction_max_rows, store.batch_size) == (1000, 250)
        store.ping()


def test_settings_defaults_are_the_documented_ones(monkeypatch):
    for name in list(os.environ):
        if name.startswith("GUANXI_"):
            monkeypatch.delenv(name)
    settings = Settings()
    assert settings.neo4j_database == "neo4j"
    assert settings.neo4j_connection_timeout == 15.0
    assert settings.neo4j_connection_acquisition_timeout == 60.0
    assert settings.neo4j_max_connection_lifetime == 3600.0
    assert settings.neo4j_max_connection_pool_size == 20
    assert settings.neo4j_max_transaction_retry_time == 30.0
    assert settings.neo4j_single_transaction_max_rows == 200_000
    assert settings.batch_size == 5_000


@pytest.mark.parametrize(
    ("scheme", "encrypted"),
    [("bolt", False), ("neo4j", False), ("bolt+s", True), ("neo4j+s", True), ("bolt+ssc", True)],
)
def test_the_uri_scheme_chooses_tls(scheme, encrypted):
    settings = Settings(neo4j_password="x")
    with Neo4jStore.from_settings(f"{scheme}://127.0.0.1:{_unused_port()}", settings) as store:
        assert store.driver.encrypted is encrypted


def test_a_tls_scheme_against_a_server_without_tls_is_unavailable(bolt_target):
    """``bolt+s://`` really speaks TLS: the test server has none, so the handshake fails."""
    host_port = bolt_target.uri.split("://", 1)[1]
    settings = Settings(
        neo4j_user=bolt_target.user,
        neo4j_password=bolt_target.password,
        neo4j_database=bolt_target.database,
        neo4j_connection_acquisition_timeout=5.0,
    )
    with Neo4jStore.from_settings(f"bolt+ssc://{host_port}", settings) as store:
        assert store.driver.encrypted
        with pytest.raises(StoreUnavailable):
            store.ping()


def test_the_pool_size_and_acquisition_timeout_are_enforced(bolt_target):
    settings = Settings(
        neo4j_user=bolt_target.user,
        neo4j_password=bolt_target.password,
        neo4j_database=bolt_target.database,
        neo4j_max_connection_pool_size=1,
        neo4j_connection_acquisition_timeout=0.5,
    )
    with Neo4jStore.from_settings(bolt_target.uri, settings) as store:
        store.ping()
        # hold the pool's only connection in an open transaction
        with store.driver.session(database=bolt_target.database) as held:
            tx = held.begin_transaction()
            tx.run("RETURN 1").consume()
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match="cannot be used"):
                store.ping()
            assert time.monotonic() - started < 5.0
            tx.rollback()
        store.ping()  # the connection is back in the pool


def test_a_server_that_accepts_but_never_answers_is_given_up_on_in_time():
    """The Bolt handshake is bounded by the acquisition timeout (the TCP connect alone
    by the connection timeout)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # connections complete in the kernel; nobody ever answers
        uri = f"bolt://127.0.0.1:{silent.getsockname()[1]}"
        settings = Settings(
            neo4j_password="x",
            neo4j_connection_timeout=0.5,
            neo4j_connection_acquisition_timeout=1.0,
        )
        with Neo4jStore.from_settings(uri, settings) as store:
            started = time.monotonic()
            with pytest.raises(StoreUnavailable, match="handshake"):
                store.ping()
            assert time.monotonic() - started < 10.0


@pytest.mark.parametrize("retry_time", [0.0, 2.0])
def test_the_retry_time_bounds_how_long_a_gone_server_is_retried(retry_time):
    settings = Settings(neo4j_password="x", neo4j_max_transaction_retry_time=retry_time)
    with Neo4jStore.from_settings(f"bolt://127.0.0.1:{_unused_port()}", settings) as store:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="Connection refused|connect"):
            store.counts()  # a managed transaction: transient failures are retried
        elapsed = time.monotonic() - started
    if retry_time == 0.0:
        assert elapsed < 1.0
    else:
        assert retry_time <= elapsed < retry_time + 10.0


def test_the_database_is_named_on_every_session(bolt_target):
    store = Neo4jStore(bolt_target.driver, database="guanxi_no_such_database")
    with pytest.raises(StoreUnavailable, match="guanxi_no_such_database"):
        store.ping()
    with pytest.raises(StoreUnavailable):
        store.counts()
    store.close()


def test_what_the_store_writes_is_in_its_database(bolt_target, neo4j_store):
    neo4j_store.load({Entity.CUSTOMERS: customers()})
    assert cypher(bolt_target, "MATCH (n:Customer) RETURN count(n) AS c") == [{"c": 5}]


@pytest.mark.parametrize("uri", ["http://localhost:7474", "./guanxi.duckdb", "localhost:7687"])
def test_a_bad_uri_is_a_config_error(uri):
    with pytest.raises(ConfigError):
        Neo4jStore(uri, auth=("neo4j", "x"))


def test_deprecated_cypher_is_caught_by_the_tests(bolt_target, neo4j_store, no_deprecated_cypher):
    """Every test fails when Neo4j flags a query as deprecated (conftest.py); the store's
    sessions still receive deprecations. ``id()`` is deprecated in Neo4j 5."""
    neo4j_store.load({Entity.CUSTOMERS: customers()})
    neo4j_store.run("MATCH (n:Customer) RETURN id(n) AS v LIMIT 1")
    assert (
        len(no_deprecated_cypher.seen) == 1 and "id is deprecated" in no_deprecated_cypher.seen[0]
    )
    no_deprecated_cypher.seen.clear()
    cypher(bolt_target, "MATCH (n:Customer) RETURN elementId(n) AS v LIMIT 1")
    assert no_deprecated_cypher.seen == []


def test_a_refused_query_is_a_store_query_error_with_its_cause(neo4j_store):
    with pytest.raises(StoreQueryError) as info:
        neo4j_store.run("THIS IS NOT CYPHER")
    import neo4j

    assert isinstance(info.value.__cause__, neo4j.exceptions.Neo4jError)


def test_query_mode_selects_read_or_write(neo4j_store):
    assert neo4j_store.run("RETURN $x AS x", {"x": 1}) == [{"x": 1}]
    neo4j_store.run(
        "MERGE (n:Customer {customer_id: $id}) SET n.kind = $kind",
        {"id": "0000001", "kind": "person"},
        mode=QueryMode.WRITE,
    )
    assert neo4j_store.existing_ids(Entity.CUSTOMERS, ["0000001"]) == {"0000001"}


def test_clear_leaves_other_applications_nodes_alone(bolt_target, neo4j_store):
    neo4j_store.load(bank())
    cypher(bolt_target, "CREATE (:GuanxiTestForeign {id: $id})", id="keep-me")
    try:
        neo4j_store.clear()
        assert neo4j_store.counts() == dict.fromkeys(EXPECTED_COUNTS, 0)
        rows = cypher(bolt_target, "MATCH (n:GuanxiTestForeign) RETURN n.id AS id")
        assert rows == [{"id": "keep-me"}]
    finally:
        cypher(bolt_target, "MATCH (n:GuanxiTestForeign) DETACH DELETE n")


def test_clear_works_in_batches_on_more_rows_than_one_batch(bolt_target):
    store = bolt_target.store(batch_size=2)
    store.clear()
    store.load(bank())
    store.clear()
    assert cypher(
        bolt_target,
        "MATCH (n) WHERE n:Customer OR n:Account OR n:Household OR n:RelationshipManager "
        "RETURN count(n) AS c",
    ) == [{"c": 0}]
    store.close()


def test_node_keys_cover_every_node_label():
    assert set(NodeLabel) <= set(NODE_KEYS)


# -- a killed server ----------------------------------------------------------
@pytest.mark.slow
def test_a_killed_server_is_unavailable_and_a_restart_keeps_its_data(killable_neo4j):
    server = killable_neo4j
    store = Neo4jStore(
        server.uri,
        auth=server.auth,
        database=server.database,
        batch_size=2,
        connection_timeout=2.0,
        max_transaction_retry_time=0.0,
    )
    with store:
        store.load({Entity.CUSTOMERS: customers()})
        server.kill()
        assert not server.is_running()
        with pytest.raises(StoreUnavailable):
            store.ping()
        server.restart()
        store.ping()
        assert store.counts()["customers"] == 5
        store.load(bank())
        assert store.counts() == EXPECTED_COUNTS
