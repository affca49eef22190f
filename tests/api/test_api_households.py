"""/api/v1/households/{id}."""

from __future__ import annotations

from api_support import API, error_of


def test_read_household(client, auth, facts):
    r = client.get(f"{API}/households/{facts.household_id}", headers=auth("risk"))
    assert r.status_code == 200
    body = r.json()
    assert body["household_id"] == facts.household_id
    assert len(body["members"]) == body["size"]
    assert body["head"] in {m["customer_id"] for m in body["members"]}
    assert "exposure" in body


def test_read_household_marketing_has_no_exposure(client, auth, facts):
    r = client.get(f"{API}/households/{facts.household_id}", headers=auth("marketing"))
    assert r.status_code == 200
    assert "exposure" not in r.json()
    assert "deposits" in r.json()


def test_read_household_not_found(client, auth):
    r = client.get(f"{API}/households/H-none", headers=auth("marketing"))
    assert r.status_code == 404
    assert error_of(r)["message"] == "household H-none not found"


def test_read_household_without_key(client, facts):
    assert client.get(f"{API}/households/{facts.household_id}").status_code == 401
