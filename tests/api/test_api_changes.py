"""/api/v1/changes: what changed between two runs, checked against the changes planted
in three generated month-ends."""

from __future__ import annotations

from decimal import Decimal

import pytest
from api_support import API, CREDIT_KEYS, error_of, keys_of

CREDIT_TABLES = {"groups", "members", "circles"}
MARKETING_TABLES = {"influencers", "cascades"}


def _get(client, auth, role="analyst", **params):
    return client.get(f"{API}/changes", params=params, headers=auth(role))


def _by(rows, key):
    return {row[key]: row for row in rows}


def test_changes_of_the_published_run(months_client, auth, months):
    """Month three against month two, as the published run stored them: the circle that
    dissolved, the customer who joined a group in breach, the cascade that doubled."""
    r = _get(months_client, auth, page_size=500)
    assert r.status_code == 200
    body = r.json()
    second, third = months.runs[1:]
    assert body["from_run"] == {"run_id": second, "as_of": "2026-05-31", "kind": "official"}
    assert body["to_run"] == {"run_id": third, "as_of": "2026-06-30", "kind": "official"}
    assert body["computed"] is False
    assert set(body) >= CREDIT_TABLES | MARKETING_TABLES
    planted = months.changes(2)
    dissolved = [c for c in body["circles"]["data"] if c["change"] == "dissolved"]
    assert [sorted(c["members"]) for c in dissolved] == [
        sorted(planted["circle_dissolves"]["members"])
    ]
    assert dissolved[0]["size_before"] == 3 and dissolved[0]["size_after"] == 0
    joins = planted["joins_breach_group"]
    joined = [m for m in body["members"]["data"] if m["change"] == "joined"]
    assert [(m["customer_id"], m["group_id"], m["group_status"]) for m in joined] == [
        (joins["customer_id"], months.group_of(joins["group"][0], 2), "breach")
    ]
    grown = _by(body["groups"]["data"], "group_id")[months.group_of(joins["group"][0], 2)]
    assert grown["change"] == "continued" and grown["members_in"] == 1
    assert grown["size_after"] == grown["size_before"] + 1
    assert Decimal(grown["pct_tier1_after"]) == Decimal(joins["pct_tier1"])
    cascade = planted["cascade_doubles"]
    row = _by(body["cascades"]["data"], "customer_id")[cascade["customer_id"]]
    assert (row["cascade_before"], row["cascade_after"]) == (
        cascade["cascade_before"],
        cascade["cascade_after"],
    )
    assert row["growth"] == pytest.approx(cascade["cascade_after"] / cascade["cascade_before"])
    ranks = body["influencers"]["data"]
    assert ranks and all({"rank_before", "rank_after", "move"} <= set(x) for x in ranks)
    assert all(
        x["move"] == x["rank_before"] - x["rank_after"]
        for x in ranks
        if x["rank_before"] is not None and x["rank_after"] is not None
    )
    # nothing crossed a status line this month
    assert [g for g in body["groups"]["data"] if g["crossing"]] == []


def test_changes_stored_with_another_run(months_client, auth, months):
    """``to``: month two's stored tables against month one: the group that crossed 10 %,
    the circle that formed, the merger (exact money, as strings)."""
    first, second, _ = months.runs
    r = _get(months_client, auth, to=second, page_size=500)
    assert r.status_code == 200
    body = r.json()
    assert body["from_run"]["run_id"] == first and body["to_run"]["run_id"] == second
    assert body["computed"] is False
    planted = months.changes(1)
    groups = _by(body["groups"]["data"], "group_id")
    crossing = planted["group_crosses_large"]
    row = groups[months.group_of(crossing["members"][0], 1)]
    assert row["crossing"] == "ok>large"
    assert (row["status_before"], row["status_after"]) == ("ok", "large")
    assert row["exposure_before"] == crossing["exposure_before"]  # exact, as a string
    assert row["exposure_after"] == crossing["exposure_after"]
    assert Decimal(row["exposure_change"]) == Decimal(crossing["exposure_after"]) - Decimal(
        crossing["exposure_before"]
    )
    assert Decimal(row["pct_tier1_before"]) == Decimal(crossing["pct_before"])
    assert Decimal(row["pct_tier1_after"]) == Decimal(crossing["pct_after"])
    assert row["exposure_change_pct"] == "50.00"
    new = [c for c in body["circles"]["data"] if c["change"] == "new"]
    assert [sorted(c["members"]) for c in new] == [sorted(planted["circle_forms"]["members"])]
    merger = planted["merger"]
    survivor = months.group_of(merger["merged"][0], 1)
    before = {months.group_of(g[0], 0) for g in merger["groups"]}
    (absorbed,) = before - {survivor}
    assert survivor in before
    assert groups[absorbed]["change"] == "merged" and groups[absorbed]["other_id"] == survivor
    assert groups[absorbed]["exposure_after"] is None and groups[absorbed]["size_after"] == 0
    assert groups[survivor]["change"] == "continued"
    assert groups[survivor]["merged_in"] == [absorbed]
    assert groups[survivor]["size_after"] == len(merger["merged"])


def test_changes_from_the_run_compared_with_are_the_stored_ones(months_client, auth, months):
    first, second, _ = months.runs
    stored = _get(months_client, auth, to=second, page_size=500).json()
    # ids or unique prefixes
    r = _get(months_client, auth, **{"from": first[:24], "to": second, "page_size": 500})
    assert r.status_code == 200
    assert r.json() == stored


def test_changes_between_two_runs_computed(months_client, auth, months):
    """Month one to month three, which no run compared: computed from the two runs'
    stored results (the crossing of month two and the cascade of month three both show)."""
    first, _, third = months.runs
    r = _get(months_client, auth, **{"from": first, "to": third, "page_size": 500})
    assert r.status_code == 200
    body = r.json()
    assert body["computed"] is True
    assert body["from_run"]["as_of"] == "2026-04-30" and body["to_run"]["as_of"] == "2026-06-30"
    assert any("computed now" in n for n in body["notes"])
    crossing = months.changes(1)["group_crosses_large"]
    row = _by(body["groups"]["data"], "group_id")[months.group_of(crossing["members"][0], 2)]
    assert row["crossing"] == "ok>large"
    assert row["exposure_before"] == crossing["exposure_before"]
    assert row["exposure_after"] == crossing["exposure_after"]
    cascade = months.changes(2)["cascade_doubles"]
    assert cascade["customer_id"] in {c["customer_id"] for c in body["cascades"]["data"]}
    circles = {c["change"]: sorted(c["members"]) for c in body["circles"]["data"]}
    assert circles.get("new") == sorted(months.changes(1)["circle_forms"]["members"])
    assert circles.get("dissolved") == sorted(months.changes(2)["circle_dissolves"]["members"])


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"crossing": "ok>large"}, {"ok>large"}),
        ({"crossing": "any"}, {"ok>large"}),
        ({"crossing": "large>breach"}, set()),
    ],
)
def test_changes_by_crossing(months_client, auth, months, params, expected):
    r = _get(months_client, auth, to=months.runs[1], table="groups", **params)
    assert r.status_code == 200
    rows = r.json()["groups"]["data"]
    assert {g["crossing"] for g in rows} == expected
    assert r.json()["groups"]["count"] == len(rows)
    if expected:
        crossing = months.changes(1)["group_crosses_large"]
        assert [g["group_id"] for g in rows] == [months.group_of(crossing["members"][0], 1)]


@pytest.mark.parametrize("change", ["merged", "continued", "new", "gone", "split"])
def test_changes_by_kind_of_change(months_client, auth, months, change):
    r = _get(months_client, auth, to=months.runs[1], table="groups", change=change, page_size=500)
    assert r.status_code == 200
    rows = r.json()["groups"]["data"]
    assert {g["change"] for g in rows} <= {change}
    if change == "merged":
        assert len(rows) == 1 and rows[0]["other_id"] is not None
    if change == "continued":
        assert len(rows) > 10


def test_changes_one_table_paged(months_client, auth, months):
    whole = _get(months_client, auth, table="groups", page_size=500).json()["groups"]
    seen, page = [], 1
    while True:
        body = _get(months_client, auth, table="groups", page=page, page_size=7).json()
        assert set(body) & (CREDIT_TABLES | MARKETING_TABLES) == {"groups"}
        assert body["groups"]["count"] == whole["count"]
        if not body["groups"]["data"]:
            break
        seen += [g["group_id"] for g in body["groups"]["data"]]
        page += 1
    assert seen == [g["group_id"] for g in whole["data"]] and len(seen) == whole["count"]


def test_changes_for_marketing_are_the_referral_tables_only(months_client, auth, months):
    r = _get(months_client, auth, role="marketing", page_size=500)
    assert r.status_code == 200
    body = r.json()
    assert set(body) & (CREDIT_TABLES | MARKETING_TABLES) == MARKETING_TABLES
    assert not keys_of(body) & CREDIT_KEYS
    cascade = months.changes(2)["cascade_doubles"]
    (row,) = [c for c in body["cascades"]["data"] if c["customer_id"] == cascade["customer_id"]]
    # names are masked for marketing: initials only
    full = _get(months_client, auth, role="admin", table="cascades", page_size=500).json()
    (named,) = [c for c in full["cascades"]["data"] if c["customer_id"] == cascade["customer_id"]]
    assert named["name"] and row["name"] != named["name"]


def test_changes_for_risk_are_the_credit_tables(months_client, auth):
    r = _get(months_client, auth, role="risk")
    assert r.status_code == 200
    assert set(r.json()) & (CREDIT_TABLES | MARKETING_TABLES) == CREDIT_TABLES


@pytest.mark.parametrize(
    ("role", "table"),
    [("marketing", "groups"), ("marketing", "members"), ("marketing", "circles"),
     ("risk", "influencers"), ("risk", "cascades")],
)  # fmt: skip
def test_changes_table_forbidden(months_client, auth, role, table):
    r = _get(months_client, auth, role=role, table=table)
    assert r.status_code == 403
    assert error_of(r)["code"] == "forbidden"


def test_changes_are_audited(months_client, auth, months, last_audit):
    r = _get(months_client, auth, role="risk", table="members")
    assert r.status_code == 200
    entry = last_audit()
    joins = months.changes(2)["joins_breach_group"]
    assert entry["endpoint"] == f"{API}/changes" and entry["role"] == "risk"
    assert joins["customer_id"] in entry["customer_ids"]


@pytest.mark.parametrize("params", [{"from": "2099-01-01"}, {"to": "1999-12-31T00"}])
def test_changes_unknown_run(months_client, auth, params):
    r = _get(months_client, auth, **params)
    assert r.status_code == 404
    err = error_of(r)
    assert err["code"] == "not_found" and "/api/v1/runs" in err["message"]


def test_changes_bad_pair(months_client, auth, months):
    first, second, third = months.runs
    for params in ({"from": third}, {"from": second, "to": second}, {"from": third, "to": first}):
        r = _get(months_client, auth, **params)
        assert r.status_code == 422, params
        assert error_of(r)["code"] == "invalid_parameter"


@pytest.mark.parametrize(
    "query",
    ["from=ab", "to=a%20b%20c%20d", "table=accounts", "change=grew", "crossing=ok%3Ehuge",
     "page=0", "page_size=501"],
)  # fmt: skip
def test_changes_bad_parameter(months_client, auth, query):
    r = months_client.get(f"{API}/changes?{query}", headers=auth("analyst"))
    assert r.status_code == 422
    assert error_of(r)["code"] == "invalid_parameter"


def test_changes_without_key(months_client):
    assert months_client.get(f"{API}/changes").status_code == 401


def test_changes_before_any_run(unanalyzed, auth):
    r = unanalyzed.get(f"{API}/changes", headers=auth("risk"))
    assert r.status_code == 409
    assert error_of(r)["code"] == "not_analyzed"


def test_changes_of_a_first_run_list_everything_as_new(client, auth):
    r = client.get(f"{API}/changes?table=groups&page_size=500", headers=auth("risk"))
    assert r.status_code == 200
    body = r.json()
    assert body["from_run"] is None
    assert {g["change"] for g in body["groups"]["data"]} == {"new"}
    assert any("compared with no earlier run" in n for n in body["notes"])
