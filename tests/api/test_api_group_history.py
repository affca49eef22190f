"""/api/v1/groups/{group_id}/history: one exposure group across every stored official
run, checked against the changes planted in three generated month-ends."""

from __future__ import annotations

from decimal import Decimal

from api_support import API, error_of


def _history(client, auth, group_id, role="risk"):
    return client.get(f"{API}/groups/{group_id}/history", headers=auth(role))


def test_history_of_the_group_that_crossed_ten_percent(months_client, auth, months):
    crossing = months.changes(1)["group_crosses_large"]
    gid = months.group_of(crossing["members"][0], 1)
    assert {months.group_of(m, k) for m in crossing["members"] for k in range(3)} == {gid}
    r = _history(months_client, auth, gid)
    assert r.status_code == 200
    body = r.json()
    assert body["group_id"] == gid and body["count"] == 3
    rows = body["data"]
    assert [x["run_id"] for x in rows] == months.runs  # oldest first, official runs only
    assert [x["as_of"] for x in rows] == [m["as_of"] for m in months.planted["months"]]
    assert [x["published"] for x in rows] == [False, False, True]
    assert [x["event"] for x in rows] == ["new", "continued", "continued"]
    assert [x["status"] for x in rows] == ["ok", "large", "large"]
    assert rows[0]["exposure"] == crossing["exposure_before"]  # exact, as a string
    assert rows[1]["exposure"] == crossing["exposure_after"]
    assert Decimal(rows[0]["pct_tier1"]) == Decimal(crossing["pct_before"])
    assert Decimal(rows[1]["pct_tier1"]) == Decimal(crossing["pct_after"])
    assert [x["size"] for x in rows] == [len(crossing["members"])] * 3


def test_history_of_a_merger(months_client, auth, months):
    merger = months.changes(1)["merger"]
    survivor = months.group_of(merger["merged"][0], 1)
    (absorbed,) = {months.group_of(g[0], 0) for g in merger["groups"]} - {survivor}
    r = _history(months_client, auth, survivor)
    assert r.status_code == 200
    rows = r.json()["data"]
    assert [x["event"] for x in rows] == ["new", "continued", "continued"]
    assert [x["merged_in"] for x in rows] == [[], [absorbed], []]
    assert rows[1]["size"] == len(merger["merged"])
    assert Decimal(rows[1]["pct_tier1"]) == Decimal(merger["pct_tier1"])
    # the absorbed group: in month one, then merged into the survivor, then no more
    r = _history(months_client, auth, absorbed)
    assert r.status_code == 200
    rows = r.json()["data"]
    assert [x["run_id"] for x in rows] == months.runs[:2]
    assert [(x["event"], x["other_id"]) for x in rows] == [("new", None), ("merged", survivor)]
    assert rows[1]["size"] is None and rows[1]["exposure"] is None


def test_history_of_the_group_a_customer_joined(months_client, auth, months):
    joins = months.changes(2)["joins_breach_group"]
    gid = months.group_of(joins["group"][0], 2)
    rows = _history(months_client, auth, gid, role="analyst").json()["data"]
    assert [x["status"] for x in rows] == ["breach"] * 3
    assert rows[2]["size"] == rows[1]["size"] + 1
    assert Decimal(rows[2]["pct_tier1"]) == Decimal(joins["pct_tier1"])


def test_history_is_audited(months_client, auth, months, last_audit):
    merger = months.changes(1)["merger"]
    survivor = months.group_of(merger["merged"][0], 1)
    assert _history(months_client, auth, survivor).status_code == 200
    entry = last_audit()
    assert entry["endpoint"] == f"{API}/groups/{survivor}/history"
    assert set(entry["customer_ids"]) == {months.group_of(g[0], 0) for g in merger["groups"]}


def test_history_unknown_group(months_client, auth):
    r = _history(months_client, auth, "NOPE-0001")
    assert r.status_code == 404
    err = error_of(r)
    assert err["code"] == "not_found" and "NOPE-0001" in err["message"]


def test_history_forbidden_for_marketing(months_client, auth, months):
    gid = months.group_of(months.changes(1)["merger"]["merged"][0], 1)
    r = _history(months_client, auth, gid, role="marketing")
    assert r.status_code == 403
    assert error_of(r)["code"] == "forbidden"


def test_history_without_key(months_client, months):
    gid = months.group_of(months.changes(1)["merger"]["merged"][0], 1)
    assert months_client.get(f"{API}/groups/{gid}/history").status_code == 401


def test_history_bad_group_id(months_client, auth):
    r = _history(months_client, auth, "x" * 129)
    assert r.status_code == 422
    assert error_of(r)["code"] == "invalid_parameter"


def test_history_before_any_run(unanalyzed, auth):
    r = _history(unanalyzed, auth, "00000001")
    assert r.status_code == 409
    assert error_of(r)["code"] == "not_analyzed"
