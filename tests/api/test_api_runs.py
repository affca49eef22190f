"""/api/v1/runs: the stored analysis runs, newest first."""

from __future__ import annotations

import pytest
from api_support import API, error_of


def test_list_runs_newest_first(months_client, auth, months):
    r = months_client.get(f"{API}/runs", headers=auth("risk"))
    assert r.status_code == 200
    body = r.json()
    first, second, third = months.runs
    assert [x["run_id"] for x in body["data"]] == [months.what_if, third, second, first]
    assert body["count"] == 4 and body["page"] == 1 and body["page_size"] == 50
    assert body["published_run_id"] == third
    by_id = {x["run_id"]: x for x in body["data"]}
    assert [by_id[x]["kind"] for x in months.runs] == ["official"] * 3
    assert by_id[months.what_if]["kind"] == "what-if"
    assert [x["run_id"] for x in body["data"] if x["published"]] == [third]
    # each run is compared with the run published when it started
    assert [by_id[x]["compared_with"] for x in months.runs] == [None, first, second]
    assert by_id[months.what_if]["compared_with"] == third
    # the analysis date of each official run is its month-end
    assert [by_id[x]["as_of"] for x in months.runs] == [
        m["as_of"] for m in months.planted["months"]
    ]
    assert len({by_id[x]["snapshot_id"] for x in months.runs}) == 3
    assert all(x["created_at"] == x["run_id"] for x in body["data"])
    # counts from the summary: a first run raises no alert; the third raised those served
    assert by_id[first]["alerts"] == 0
    alerts = months_client.get(f"{API}/alerts", headers=auth("admin")).json()
    assert by_id[third]["alerts"] == alerts["count"] > 0
    assert by_id[third]["groups"] > 0 and by_id[third]["circles"] > 0
    # the what-if had no Tier 1 capital: no status, a warning says so
    assert by_id[months.what_if]["large_groups"] == 0
    assert any("Tier 1" in w for w in by_id[months.what_if]["warnings"])


def test_list_runs_paged(months_client, auth, months):
    r = months_client.get(f"{API}/runs?page=2&page_size=1", headers=auth("analyst"))
    assert r.status_code == 200
    body = r.json()
    assert [x["run_id"] for x in body["data"]] == [months.runs[-1]]
    assert body["count"] == 4 and body["page"] == 2 and body["page_size"] == 1


@pytest.mark.parametrize(("kind", "expected"), [("what-if", 1), ("official", 3)])
def test_list_runs_of_a_kind(months_client, auth, months, kind, expected):
    r = months_client.get(f"{API}/runs?kind={kind}", headers=auth("admin"))
    assert r.status_code == 200
    assert {x["kind"] for x in r.json()["data"]} == {kind}
    assert r.json()["count"] == expected


def test_every_role_may_list_runs(months_client, auth):
    r = months_client.get(f"{API}/runs", headers=auth("marketing"))
    assert r.status_code == 200 and r.json()["count"] == 4


def test_list_runs_without_key(months_client):
    r = months_client.get(f"{API}/runs")
    assert r.status_code == 401
    assert error_of(r)["code"] == "unauthorized"


@pytest.mark.parametrize("query", ["page=0", "page_size=0", "page_size=501", "kind=draft"])
def test_list_runs_bad_parameter(months_client, auth, query):
    r = months_client.get(f"{API}/runs?{query}", headers=auth("risk"))
    assert r.status_code == 422
    assert error_of(r)["code"] == "invalid_parameter"


def test_list_runs_before_any_run(unanalyzed, auth):
    r = unanalyzed.get(f"{API}/runs", headers=auth("risk"))
    assert r.status_code == 200
    assert r.json()["data"] == [] and r.json()["count"] == 0
    assert r.json()["published_run_id"] is None
