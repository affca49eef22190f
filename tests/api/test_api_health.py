"""/api/v1/health."""

from __future__ import annotations

from api_support import API, error_of


def test_health(client):
    r = client.get(f"{API}/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok" and body["store"] == "reachable"
    assert body["analysis_run_id"]


def test_health_store_down(store_down):
    r = store_down.get(f"{API}/health")
    assert r.status_code == 503
    err = error_of(r)
    assert err["code"] == "store_unavailable"
    # no file path or host for an unauthenticated caller
    assert "missing.duckdb" not in err["message"] and "127.0.0.1" not in err["message"]


def test_docs_need_no_key(client):
    assert client.get("/openapi.json").status_code == 200
    assert client.get("/docs").status_code == 200
