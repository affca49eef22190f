"""/api/v1/groups: the exposure-group list and one group."""

from __future__ import annotations

from decimal import Decimal

import pytest
from api_support import API, error_of


def test_list_groups(client, auth):
    r = client.get(f"{API}/groups?page_size=5", headers=auth("risk"))
    assert r.status_code == 200
    body = r.json()
    assert body["page"] == 1 and body["page_size"] == 5
    assert len(body["data"]) == min(5, body["count"])
    exposures = [Decimal(g["exposure"]) for g in body["data"]]
    assert exposures == sorted(exposures, reverse=True)
    assert body["tier1_capital"] == "50000000.00"


def test_list_groups_pages_cover_all(client, auth):
    first = client.get(f"{API}/groups?page_size=500", headers=auth("risk")).json()
    ids = []
    page = 1
    while True:
        body = client.get(
            f"{API}/groups?page_size=7&page={page}&sort=group_id", headers=auth("risk")
        ).json()
        if not body["data"]:
            break
        ids += [g["group_id"] for g in body["data"]]
        page += 1
    assert ids == sorted(g["group_id"] for g in first["data"])


@pytest.mark.parametrize("status", ["large", "breach", "ok"])
def test_list_groups_by_status(client, auth, status):
    r = client.get(f"{API}/groups?status={status}&page_size=500", headers=auth("analyst"))
    assert r.status_code == 200
    assert {g["status"] for g in r.json()["data"]} <= {status}


def test_list_groups_min_exposure(client, auth):
    r = client.get(f"{API}/groups?min_exposure=1000000&sort=size", headers=auth("risk"))
    assert r.status_code == 200
    data = r.json()["data"]
    assert all(Decimal(g["exposure"]) >= 1_000_000 for g in data)
    assert [g["size"] for g in data] == sorted((g["size"] for g in data), reverse=True)


@pytest.mark.parametrize(
    "query", ["status=huge", "page=0", "page_size=501", "min_exposure=-1", "sort=name"]
)
def test_list_groups_bad_parameter(client, auth, query):
    r = client.get(f"{API}/groups?{query}", headers=auth("risk"))
    assert r.status_code == 422
    assert error_of(r)["code"] == "invalid_parameter"


def test_list_groups_forbidden(client, auth):
    r = client.get(f"{API}/groups", headers=auth("marketing"))
    assert r.status_code == 403


def test_list_groups_without_key(client):
    assert client.get(f"{API}/groups").status_code == 401


def test_list_groups_not_analyzed(unanalyzed, auth):
    r = unanalyzed.get(f"{API}/groups", headers=auth("risk"))
    assert r.status_code == 409
    assert error_of(r)["code"] == "not_analyzed"


def test_list_groups_store_down(store_down, auth):
    assert store_down.get(f"{API}/groups", headers=auth("risk")).status_code == 503


def test_read_group(client, auth, facts):
    r = client.get(f"{API}/groups/{facts.group_id}", headers=auth("risk"))
    assert r.status_code == 200
    body = r.json()
    assert body["group"]["group_id"] == facts.group_id
    assert body["links_total"] >= body["group"]["size"] - 1


def test_read_group_bounded(client, auth, facts):
    r = client.get(f"{API}/groups/{facts.group_id}?limit=1", headers=auth("risk"))
    assert r.status_code == 200
    body = r.json()
    assert len(body["members"]) == 1 and body["truncated"] is True


def test_read_group_not_found(client, auth, service):
    r = client.get(f"{API}/groups/no-such-group", headers=auth("risk"))
    assert r.status_code == 404
    run = service.snapshot.run
    assert error_of(r) == {
        "code": "not_found",
        "message": f"exposure group no-such-group not found in the published run "
        f"{run['run_id']} (as of {run['as_of']})",
        "details": None,
    }


def test_read_group_forbidden(client, auth, facts):
    assert (
        client.get(f"{API}/groups/{facts.group_id}", headers=auth("marketing")).status_code == 403
    )
