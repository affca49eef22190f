"""/api/v1/analyses: run (admin), latest, refresh."""

from __future__ import annotations

import threading

import pytest
from api_support import API, error_of


def test_latest_analysis(client, auth, service):
    r = client.get(f"{API}/analyses/latest", headers=auth("marketing"))
    assert r.status_code == 200
    body = r.json()
    run = service.snapshot.run
    assert body["analyzed"] is True
    # the published run: what it is, which data it read, with which options
    assert body["run"]["run_id"] == run["run_id"] and body["run"]["kind"] == "official"
    assert body["run"]["as_of"] == "2026-06-30"
    assert body["run"]["snapshot_id"] == run["snapshot_id"]
    assert body["run"]["snapshot_as_of"] == "2026-06-30"
    assert body["run"]["tier1_capital"] == "50000000.00"  # exact, as a string
    assert body["run"]["reporting_currency"] == "CNY"
    assert body["run"]["rates"]["USD"] == "7.1235"
    assert body["run"]["options"]["seeds_k"] == 10
    assert body["run"]["summary"]["groups"] == body["run"]["groups"] > 0
    assert body["run"]["notes"] == [] and body["snapshot"]["notes"] == []
    assert body["snapshot"]["snapshot_id"] == run["snapshot_id"]
    assert body["snapshot"]["counts"]["customers"] == 400
    assert body["job"]["state"] == "idle"


def test_latest_analysis_none_yet(unanalyzed, auth):
    r = unanalyzed.get(f"{API}/analyses/latest", headers=auth("risk"))
    assert r.status_code == 200
    assert r.json()["analyzed"] is False and r.json()["run"] is None


def test_latest_analysis_without_key(client):
    assert client.get(f"{API}/analyses/latest").status_code == 401


def test_latest_analysis_store_down(store_down, auth):
    assert store_down.get(f"{API}/analyses/latest", headers=auth("admin")).status_code == 503


def test_run_analyses_on_a_store_never_analyzed(fresh_app, loaded_db, auth):
    """POST /analyses is how results come to a store that has none: lazily, by an admin."""
    client, service, _ = fresh_app(loaded_db)
    assert client.get(f"{API}/groups", headers=auth("risk")).status_code == 409
    r = client.post(
        f"{API}/analyses",
        json={"as_of": "2026-06-30", "tier1_capital": 50_000_000, "seeds_k": 2},
        headers=auth("admin"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["analyzed"] is True
    assert body["job"]["state"] == "succeeded"
    assert body["job"]["run_id"] == body["run"]["run_id"]
    assert body["run"]["preset"] == "basel"
    groups = client.get(f"{API}/groups", headers=auth("risk"))
    assert groups.status_code == 200 and groups.json()["count"] > 0


def test_run_analyses_keeps_previous_options(fresh_app, auth):
    client, _, _ = fresh_app()
    r = client.post(f"{API}/analyses", json={"preset": "china"}, headers=auth("admin"))
    assert r.status_code == 200
    run = r.json()["run"]
    assert run["preset"] == "china"
    assert run["tier1_capital"] == "50000000.00"  # from the previous run


def test_run_analyses_forbidden(client, auth):
    for role in ("risk", "marketing", "analyst"):
        r = client.post(f"{API}/analyses", json={}, headers=auth(role))
        assert r.status_code == 403
        assert error_of(r)["message"] == f"the {role} role may not run analyses"


@pytest.mark.parametrize(
    "body",
    [
        {"preset": "mars"},
        {"as_of": "2026-13-45"},
        {"tier1_capital": 0},
        {"tier1_capital": "NaN"},
        {"tier1_capital": "lots"},
        {"seeds_k": -1},
        {"unknown": 1},
    ],
)
def test_run_analyses_bad_body(client, auth, body):
    r = client.post(f"{API}/analyses", json=body, headers=auth("admin"))
    assert r.status_code == 422


def test_run_analyses_conflict(fresh_app, auth):
    client, service, _ = fresh_app()
    assert service._analysis_lock.acquire()
    try:
        r = client.post(f"{API}/analyses", json={}, headers=auth("admin"))
    finally:
        service._analysis_lock.release()
    assert r.status_code == 409
    assert "already running" in error_of(r)["message"]


def test_run_analyses_empty_store(fresh_app, tmp_path, auth):
    from guanxi.graph.duckdb_store import DuckDBStore

    empty = tmp_path / "empty.duckdb"
    DuckDBStore(empty).close()
    client, _, _ = fresh_app(empty)
    r = client.post(f"{API}/analyses", json={}, headers=auth("admin"))
    assert r.status_code == 409
    assert "no customers" in error_of(r)["message"]


def test_run_analyses_store_down(store_down, auth):
    r = store_down.post(f"{API}/analyses", json={}, headers=auth("admin"))
    assert r.status_code == 503


def test_refresh_sees_a_load_made_beside_the_server(fresh_app, api_bank, auth, tmp_path):
    """The server does not hold the embedded store: a load runs beside it, reads go on
    from the old snapshot, and a refresh serves the new data."""
    from guanxi.graph.duckdb_store import DuckDBStore

    client, service, settings = fresh_app()
    before = client.get(f"{API}/analyses/latest", headers=auth("admin")).json()
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "customers.csv").write_text("customer_id,kind,name\nNEW0001,person,New Person\n")
    with DuckDBStore(settings.store) as store:  # the writer gets the file: nobody holds it
        from guanxi.loaders.load import load_folder

        load_folder(extra, store, mode="delta", as_of="2026-07-31")
        # meanwhile the API answers from its snapshot
        assert client.get(f"{API}/customers/NEW0001", headers=auth("risk")).status_code == 404
    r = client.post(f"{API}/analyses/refresh", headers=auth("admin"))
    assert r.status_code == 200
    assert (
        r.json()["snapshot"]["counts"]["customers"] == before["snapshot"]["counts"]["customers"] + 1
    )
    assert client.get(f"{API}/customers/NEW0001", headers=auth("risk")).status_code == 200
    # the figures stay those of the published run, which says which data it read
    (note,) = r.json()["snapshot"]["notes"]
    assert "which read the data of 2026-06-30" in note
    assert "data loaded since: 2026-07-31" in note
    group = client.get(f"{API}/groups", headers=auth("risk")).json()
    assert group["notes"] == [note]


def test_refresh_forbidden(client, auth):
    assert client.post(f"{API}/analyses/refresh", headers=auth("analyst")).status_code == 403


def test_reads_go_on_during_an_analysis(fresh_app, auth, facts):
    """While an analysis holds the store, reads are served from the snapshot."""
    client, service, _ = fresh_app()
    started, release = threading.Event(), threading.Event()
    original = service._access.writing

    import contextlib

    @contextlib.contextmanager
    def slow_writing():
        with original() as store:
            started.set()
            release.wait(30)
            yield store

    service._access.writing = slow_writing
    result = {}
    worker = threading.Thread(
        target=lambda: result.update(
            r=client.post(f"{API}/analyses", json={"seeds_k": 1}, headers=auth("admin"))
        )
    )
    worker.start()
    try:
        assert started.wait(30)
        r = client.get(f"{API}/customers/{facts.grouped}", headers=auth("risk"))
        assert r.status_code == 200
        latest = client.get(f"{API}/analyses/latest", headers=auth("admin")).json()
        assert latest["job"]["state"] == "running"
        health = client.get(f"{API}/health").json()
        assert health["store"] == "busy"
    finally:
        release.set()
        worker.join(60)
    assert result["r"].status_code == 200


@pytest.mark.bolt
def test_run_analyses_on_bolt(bolt_service, neo4j_target, api_bank, keys, tmp_path, auth):
    """POST /analyses through the Neo4j store (the service keeps its driver)."""
    from api_support import BANK_SIZE, OPTIONS, TestClient, make_settings

    from guanxi.api.app import create_app
    from guanxi.api.security import ApiKeys
    from guanxi.loaders.load import load_folder

    with neo4j_target.store(batch_size=5_000) as store:
        if store.counts()["customers"] != BANK_SIZE:  # another test module used the server
            store.clear()
            store.ensure_schema()
            load_folder(api_bank, store, as_of=OPTIONS["as_of"])
    before = bolt_service.snapshot
    settings = make_settings("unused.duckdb", keys, tmp_path / "audit.jsonl")
    with TestClient(create_app(settings, bolt_service, keys=ApiKeys(keys.path))) as client:
        r = client.post(
            f"{API}/analyses",
            json={k: OPTIONS[k] for k in ("as_of", "tier1_capital", "seeds_k")},
            headers=auth("admin"),
        )
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["job"]["state"] == "succeeded"
        assert body["run"]["groups"] == len(before.groups)
        assert body["snapshot"]["taken_at"] >= before.taken_at
        groups = client.get(f"{API}/groups?page_size=500", headers=auth("risk")).json()
        assert sorted(g["group_id"] for g in groups["data"]) == sorted(before.groups.index)
