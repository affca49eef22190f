"""The one error shape, the catch-all 500 and unknown routes."""

from __future__ import annotations

from api_support import API, TestClient, error_of

from guanxi.api.app import create_app
from guanxi.api.security import ApiKeys


class _Broken:
    """A service whose reads fail with a bug, not a guanxi error."""

    store_kind = "embedded"

    def customer(self, *a, **kw):
        raise RuntimeError("secret internal detail")


def test_unexpected_error_is_a_500_without_traceback(keys, tmp_path, auth, caplog):
    from api_support import make_settings

    settings = make_settings(tmp_path / "x.duckdb", keys, tmp_path / "audit.jsonl")
    app = create_app(settings, _Broken(), keys=ApiKeys(keys.path))
    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get(f"{API}/customers/1", headers=auth("risk"))
    assert r.status_code == 500
    err = error_of(r)
    assert err["code"] == "internal_error"
    assert "secret internal detail" not in r.text
    assert "secret internal detail" in caplog.text  # logged for the operator


def test_unknown_route(client, auth):
    r = client.get(f"{API}/nothing-here", headers=auth("risk"))
    assert r.status_code == 404
    assert error_of(r)["code"] == "not_found"


def test_method_not_allowed(client, auth, facts):
    r = client.delete(f"{API}/customers/{facts.grouped}", headers=auth("admin"))
    assert r.status_code == 405
    assert error_of(r)["code"] == "method_not_allowed"


def test_openapi_documents_the_error_shape(client):
    doc = client.get("/openapi.json").json()
    op = doc["paths"]["/api/v1/customers/{customer_id}"]["get"]
    assert {"200", "401", "403", "404", "422", "503"} <= set(op["responses"])
    ref = op["responses"]["404"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("/ErrorBody")
    assert doc["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
