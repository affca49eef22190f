"""/api/v1/influencers."""

from __future__ import annotations

from api_support import API, error_of


def test_list_influencers(client, auth):
    r = client.get(f"{API}/influencers?limit=10", headers=auth("marketing"))
    assert r.status_code == 200
    body = r.json()
    assert len(body["data"]) == 10 <= body["count"]
    assert [x["rank"] for x in body["data"]] == sorted(x["rank"] for x in body["data"])
    assert body["data"][0]["rank"] == 1


def test_list_influencers_by_segment(client, auth):
    top = client.get(f"{API}/influencers?limit=1", headers=auth("marketing")).json()["data"][0]
    r = client.get(f"{API}/influencers?segment={top['segment']}&limit=500", headers=auth("analyst"))
    assert r.status_code == 200
    assert {x["segment"] for x in r.json()["data"]} == {top["segment"]}
    none = client.get(f"{API}/influencers?region=Atlantis", headers=auth("marketing")).json()
    assert none["count"] == 0 and none["data"] == []


def test_list_influencers_bad_parameter(client, auth):
    r = client.get(f"{API}/influencers?limit=0", headers=auth("marketing"))
    assert r.status_code == 422
    assert error_of(r)["details"][0]["loc"] == ["query", "limit"]


def test_list_influencers_forbidden(client, auth):
    r = client.get(f"{API}/influencers", headers=auth("risk"))
    assert r.status_code == 403
    assert error_of(r)["message"] == "the risk role may not read influencers"


def test_list_influencers_not_analyzed(unanalyzed, auth):
    r = unanalyzed.get(f"{API}/influencers", headers=auth("marketing"))
    assert r.status_code == 409
    assert "guanxi analyze" in error_of(r)["message"]


def test_list_influencers_without_key(client):
    assert client.get(f"{API}/influencers").status_code == 401
