"""POST /api/v1/campaigns/seeds."""

from __future__ import annotations

import pytest
from api_support import API, error_of


def test_pick_seeds(client, auth):
    r = client.post(f"{API}/campaigns/seeds", json={"k": 3}, headers=auth("marketing"))
    assert r.status_code == 200
    body = r.json()
    assert 1 <= len(body["data"]) <= 3
    assert [s["rank"] for s in body["data"]] == list(range(1, len(body["data"]) + 1))
    reach = [s["expected_reach"] for s in body["data"]]
    assert reach == sorted(reach)
    assert body["expected_reach"] == reach[-1]


def test_pick_seeds_default_body(client, auth):
    r = client.post(f"{API}/campaigns/seeds", headers=auth("analyst"))
    assert r.status_code == 200
    assert r.json()["k"] == 10


def test_pick_seeds_exclude(client, auth):
    first = client.post(f"{API}/campaigns/seeds", json={"k": 1}, headers=auth("marketing"))
    best = first.json()["data"][0]["customer_id"]
    r = client.post(
        f"{API}/campaigns/seeds",
        json={"k": 2, "exclude": [best, "not-a-customer"]},
        headers=auth("marketing"),
    )
    assert r.status_code == 200
    assert best not in {s["customer_id"] for s in r.json()["data"]}


def test_pick_seeds_budget(client, auth):
    r = client.post(f"{API}/campaigns/seeds", json={"k": 5, "budget": 2}, headers=auth("marketing"))
    assert r.status_code == 200
    assert len(r.json()["data"]) <= 2


@pytest.mark.parametrize(
    "body", [{"k": 0}, {"k": 101}, {"budget": -1}, {"k": 2, "color": "red"}, {"exclude": "x"}]
)
def test_pick_seeds_bad_body(client, auth, body):
    r = client.post(f"{API}/campaigns/seeds", json=body, headers=auth("marketing"))
    assert r.status_code == 422
    assert error_of(r)["code"] == "invalid_parameter"


def test_pick_seeds_forbidden(client, auth):
    r = client.post(f"{API}/campaigns/seeds", json={"k": 2}, headers=auth("risk"))
    assert r.status_code == 403


def test_pick_seeds_without_key(client):
    assert client.post(f"{API}/campaigns/seeds", json={"k": 2}).status_code == 401


def test_pick_seeds_store_down(store_down, auth):
    r = store_down.post(f"{API}/campaigns/seeds", json={"k": 2}, headers=auth("marketing"))
    assert r.status_code == 503
