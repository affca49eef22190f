"""/api/v1/guarantee-circles."""

from __future__ import annotations

from api_support import API, error_of


def test_list_circles(client, auth):
    r = client.get(f"{API}/guarantee-circles", headers=auth("risk"))
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == len(body["data"]) >= 1
    sizes = [c["size"] for c in body["data"]]
    assert sizes == sorted(sizes, reverse=True)


def test_list_circles_bad_parameter(client, auth):
    assert (
        client.get(f"{API}/guarantee-circles?page_size=0", headers=auth("risk")).status_code == 422
    )


def test_list_circles_forbidden(client, auth):
    assert client.get(f"{API}/guarantee-circles", headers=auth("marketing")).status_code == 403


def test_list_circles_not_analyzed(unanalyzed, auth):
    assert unanalyzed.get(f"{API}/guarantee-circles", headers=auth("risk")).status_code == 409


def test_read_circle(client, auth, facts):
    r = client.get(f"{API}/guarantee-circles/{facts.circle_id}", headers=auth("analyst"))
    assert r.status_code == 200
    body = r.json()
    members = {m["customer_id"] for m in body["members"]}
    assert body["circle"]["circle_id"] == facts.circle_id == min(members)
    assert len(members) == body["circle"]["size"]
    assert body["cycles"], "a circle has at least one cycle"
    for cycle in body["cycles"]:
        assert cycle[0] == cycle[-1] and set(cycle) <= members
    pairs = {(g["guarantor_id"], g["borrower_id"]) for g in body["guarantees"]}
    for cycle in body["cycles"]:
        assert set(zip(cycle, cycle[1:], strict=False)) <= pairs


def test_read_circle_not_found(client, auth, service):
    r = client.get(f"{API}/guarantee-circles/nope", headers=auth("risk"))
    assert r.status_code == 404
    run = service.snapshot.run
    assert error_of(r)["message"] == (
        f"guarantee circle nope not found in the published run {run['run_id']} "
        f"(as of {run['as_of']})"
    )


def test_read_circle_forbidden(client, auth, facts):
    r = client.get(f"{API}/guarantee-circles/{facts.circle_id}", headers=auth("marketing"))
    assert r.status_code == 403
