"""POST /api/v1/campaigns/seeds."""

from __future__ import annotations

import pytest
from api_support import API, error_of

from guanxi.graph.store import Result


def test_pick_seeds(client, auth, service):
    r = client.post(f"{API}/campaigns/seeds", json={"k": 3}, headers=auth("marketing"))
    assert r.status_code == 200
    body = r.json()
    stored = service.snapshot.results[Result.CAMPAIGN_SEEDS]
    # the published run's picks, never a pick of the server's
    assert [s["customer_id"] for s in body["data"]] == stored["customer_id"].tolist()[:3]
    assert [s["rank"] for s in body["data"]] == [1, 2, 3]
    reach = [s["expected_reach"] for s in body["data"]]
    assert reach == sorted(reach) == stored["expected_reach"].tolist()[:3]
    assert body["expected_reach"] == reach[-1]
    assert body["simulations"] == 100 and body["notes"] == []


def test_pick_seeds_default_body(client, auth):
    r = client.post(f"{API}/campaigns/seeds", headers=auth("analyst"))
    assert r.status_code == 200
    assert r.json()["k"] == 10 and len(r.json()["data"]) == 10


def test_pick_seeds_exclude(client, auth):
    ten = client.post(f"{API}/campaigns/seeds", json={"k": 10}, headers=auth("marketing")).json()
    picked = [s["customer_id"] for s in ten["data"]]
    # leaving out customers the run did not pick changes nothing
    r = client.post(
        f"{API}/campaigns/seeds",
        json={"k": 2, "exclude": [picked[5]]},
        headers=auth("marketing"),
    )
    assert r.status_code == 200
    assert [s["customer_id"] for s in r.json()["data"]] == picked[:2]
    # an id that is no customer is refused, not ignored (a typo must not pass silently)
    r = client.post(
        f"{API}/campaigns/seeds",
        json={"k": 2, "exclude": ["not-a-customer"]},
        headers=auth("marketing"),
    )
    assert r.status_code == 404
    assert "not-a-customer" in error_of(r)["message"]
    # leaving out one of them needs a pick the run did not make: the answer says how
    r = client.post(
        f"{API}/campaigns/seeds", json={"k": 2, "exclude": [picked[0]]}, headers=auth("marketing")
    )
    assert r.status_code == 409
    assert error_of(r)["code"] == "conflict"
    assert f"guanxi seeds --k 2 --exclude {picked[0]}" in error_of(r)["message"]


def test_pick_seeds_budget(client, auth):
    r = client.post(f"{API}/campaigns/seeds", json={"k": 5, "budget": 2}, headers=auth("marketing"))
    assert r.status_code == 200
    assert [s["rank"] for s in r.json()["data"]] == [1, 2]


def test_pick_more_seeds_than_the_run(client, auth):
    r = client.post(f"{API}/campaigns/seeds", json={"k": 11}, headers=auth("marketing"))
    assert r.status_code == 409
    assert "picked 10 campaign seeds; 11 need a new pick" in error_of(r)["message"]


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
