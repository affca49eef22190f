"""/api/v1/alerts: the published run's early warnings, checked against the changes
planted in three generated month-ends; and the alert count of /analyses/latest."""

from __future__ import annotations

import shutil

import pytest
from api_support import API, error_of

from guanxi.graph.duckdb_store import DuckDBStore


def _alerts(client, auth, role="analyst", **params):
    return client.get(f"{API}/alerts", params=params, headers=auth(role))


def _pairs(body) -> set[tuple[str, str]]:
    return {(a["rule"], a["id"]) for a in body["data"]}


def test_alerts_of_the_published_run(months_client, auth, months):
    r = _alerts(months_client, auth)
    assert r.status_code == 200
    body = r.json()
    planted = months.changes(2)
    joins = planted["joins_breach_group"]
    assert body["run_id"] == months.runs[2] and body["compared_with"] == months.runs[1]
    assert body["as_of"] == "2026-06-30"
    assert _pairs(body) == {
        ("joined_breach", joins["customer_id"]),
        ("cascade_doubled", planted["cascade_doubles"]["customer_id"]),
    }
    assert body["count"] == 2
    (joined,) = [a for a in body["data"] if a["rule"] == "joined_breach"]
    assert joined["severity"] == "high" and joined["subject"] == "customer"
    assert joined["group_id"] == months.group_of(joins["group"][0], 2)
    assert joins["customer_id"] in joined["detail"]
    # high severity first
    order = [a["severity"] for a in body["data"]]
    assert order == sorted(order, key=["high", "medium"].index)


def test_alerts_of_month_two(fresh_app, auth, months, tmp_path):
    """With month two published: a status crossing and an exposure jump for the group
    that crossed 10 %, an exposure jump for the merged group, a new circle."""
    db = tmp_path / "month-two.duckdb"
    shutil.copy(months.db, db)
    with DuckDBStore(db) as store:
        store.publish(months.runs[1])
    client, _, _ = fresh_app(db)
    r = _alerts(client, auth, page_size=500)
    assert r.status_code == 200
    body = r.json()
    planted = months.changes(1)
    crossing = months.group_of(planted["group_crosses_large"]["members"][0], 1)
    merged = months.group_of(planted["merger"]["merged"][0], 1)
    assert body["run_id"] == months.runs[1] and body["compared_with"] == months.runs[0]
    assert _pairs(body) == {
        ("status_up", crossing),
        ("exposure_jump", crossing),
        ("exposure_jump", merged),
        ("new_circle", min(planted["circle_forms"]["members"])),
    }
    (up,) = [a for a in body["data"] if a["rule"] == "status_up"]
    assert up["severity"] == "medium" and up["group_id"] == crossing
    assert "ok to large" in up["detail"]


@pytest.mark.parametrize(
    ("params", "rules"),
    [
        ({"rule": "joined_breach"}, {"joined_breach"}),
        ({"severity": "high"}, {"joined_breach"}),
        ({"severity": "medium"}, {"cascade_doubled"}),
        ({"rule": "new_circle"}, set()),
    ],
)
def test_alerts_filtered(months_client, auth, params, rules):
    r = _alerts(months_client, auth, **params)
    assert r.status_code == 200
    assert {a["rule"] for a in r.json()["data"]} == rules
    assert r.json()["count"] == len(rules)


def test_alerts_paged(months_client, auth):
    whole = _alerts(months_client, auth).json()["data"]
    second = _alerts(months_client, auth, page=2, page_size=1).json()
    assert second["data"] == whole[1:2] and second["count"] == len(whole)


def test_alerts_on_referrals_are_left_out_for_risk(months_client, auth):
    r = _alerts(months_client, auth, role="risk")
    assert r.status_code == 200
    body = r.json()
    assert {a["rule"] for a in body["data"]} == {"joined_breach"}
    assert any("referral" in n for n in body["notes"])


def test_alerts_are_audited(months_client, auth, months, last_audit):
    r = _alerts(months_client, auth, role="risk")
    assert r.status_code == 200
    entry = last_audit()
    joins = months.changes(2)["joins_breach_group"]
    assert entry["endpoint"] == f"{API}/alerts"
    assert set(entry["customer_ids"]) == {
        joins["customer_id"],
        months.group_of(joins["group"][0], 2),
    }


def test_alerts_forbidden_for_marketing(months_client, auth):
    r = _alerts(months_client, auth, role="marketing")
    assert r.status_code == 403
    assert error_of(r)["code"] == "forbidden"


def test_alerts_without_key(months_client):
    assert months_client.get(f"{API}/alerts").status_code == 401


@pytest.mark.parametrize("query", ["rule=late", "severity=low", "page=0", "page_size=501"])
def test_alerts_bad_parameter(months_client, auth, query):
    r = months_client.get(f"{API}/alerts?{query}", headers=auth("risk"))
    assert r.status_code == 422
    assert error_of(r)["code"] == "invalid_parameter"


def test_alerts_before_any_run(unanalyzed, auth):
    r = unanalyzed.get(f"{API}/alerts", headers=auth("risk"))
    assert r.status_code == 409
    assert error_of(r)["code"] == "not_analyzed"


def test_latest_analysis_gives_the_alert_count_and_the_run_compared_with(
    months_client, auth, months
):
    r = months_client.get(f"{API}/analyses/latest", headers=auth("marketing"))
    assert r.status_code == 200
    run = r.json()["run"]
    assert run["run_id"] == months.runs[2]
    assert run["alerts"] == 2 and run["compared_with"] == months.runs[1]
