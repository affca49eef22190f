"""The marketer's routes (issue 17): /value-tiers, /at-risk, /communities,
/relationship-managers, and the paging and case-insensitive filters of /influencers."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from api_support import API, error_of, keys_of

from guanxi.graph.store import Result
from guanxi.service import CREDIT_FIELDS

VALUE_AMOUNTS = {"credit_revenue", "own_value", "referral_value", "total_value"}


def _stored(service, result):
    return service.snapshot.results[result]


def _first(service, result, column):
    return str(_stored(service, result)[column].iat[0])


def _paths(service) -> list[str]:
    community = _first(service, Result.COMMUNITY_PROFILES, "community_id")
    rm = _first(service, Result.RM_PORTFOLIOS, "rm_id")
    return [
        "/value-tiers",
        "/at-risk",
        "/communities",
        f"/communities/{community}",
        "/relationship-managers",
        f"/relationship-managers/{rm}",
    ]


# -- roles ----------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["marketing", "analyst", "admin"])
def test_roles_with_the_marketing_capability_read_every_marketer_route(client, auth, service, role):
    for path in _paths(service):
        r = client.get(API + path, headers=auth(role))
        assert r.status_code == 200, (path, r.text)


def test_the_risk_role_may_not_read_the_marketer_routes(client, auth, service):
    for path in _paths(service):
        r = client.get(API + path, headers=auth("risk"))
        assert r.status_code == 403, path
        assert error_of(r)["message"].startswith("the risk role may not")


def test_the_marketer_routes_need_a_key(client, service):
    for path in _paths(service):
        assert client.get(API + path).status_code == 401, path


def test_the_marketer_routes_need_an_analysis(unanalyzed, auth):
    for path in ("/value-tiers", "/at-risk", "/communities", "/relationship-managers"):
        r = unanalyzed.get(API + path, headers=auth("marketing"))
        assert r.status_code == 409, path
        assert "guanxi analyze" in error_of(r)["message"]


def test_the_marketing_role_never_sees_a_credit_field(client, auth, service):
    for path in _paths(service):
        body = client.get(f"{API}{path}?limit=500", headers=auth("marketing")).json()
        leaked = keys_of(body) & CREDIT_FIELDS
        assert not leaked, (path, leaked)


def test_marketer_reads_are_audited(fresh_app, auth):
    client, service, settings = fresh_app()
    for path in _paths(service):
        r = client.get(API + path, headers=auth("marketing"))
        assert r.status_code == 200
        lines = settings.audit_log_path().read_text(encoding="utf-8").splitlines()
        entry = json.loads(lines[-1])
        assert entry["endpoint"] == API + path and entry["role"] == "marketing"
        assert entry["outcome"] == "ok"
        if path in ("/value-tiers", "/at-risk") or path.startswith("/communities/"):
            assert entry["customer_ids"], path


# -- value tiers ------------------------------------------------------------------------
def test_value_tiers_are_the_run_s_best_first_and_paged(client, auth, service):
    stored = _stored(service, Result.VALUE_TIERS)
    r = client.get(f"{API}/value-tiers?limit=500", headers=auth("analyst"))
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == len(stored) and body["page"] == 1 and body["limit"] == 500
    ranks = [x["value_rank"] for x in body["data"]]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert [x["customer_id"] for x in body["data"]] == stored["customer_id"].iloc[:500].tolist()
    # money is an exact decimal in a string
    first = body["data"][0]
    assert isinstance(first["total_value"], str) and isinstance(first["aum"], str)
    assert Decimal(first["total_value"]) == Decimal(str(stored["total_value"].iat[0]))
    assert set(first) >= VALUE_AMOUNTS
    # page 2 is the next rows
    two = client.get(f"{API}/value-tiers?limit=5&page=2", headers=auth("marketing")).json()
    assert two["page"] == 2 and two["limit"] == 5
    assert [x["customer_id"] for x in two["data"]] == stored["customer_id"].iloc[5:10].tolist()
    beyond = client.get(f"{API}/value-tiers?limit=500&page=99", headers=auth("marketing")).json()
    assert beyond["data"] == [] and beyond["count"] == len(stored)


def test_value_tiers_for_marketing_carry_tiers_not_amounts(client, auth):
    row = client.get(f"{API}/value-tiers?limit=1", headers=auth("marketing")).json()["data"][0]
    assert {"tier", "quadrant", "own_pct", "referral_pct", "aum", "value_rank"} <= set(row)
    assert not VALUE_AMOUNTS & set(row)


@pytest.mark.parametrize(("column", "value"), [("tier", "A"), ("quadrant", "champion")])
def test_value_tiers_by_tier_or_quadrant(client, auth, service, column, value):
    stored = _stored(service, Result.VALUE_TIERS)
    want = stored.loc[stored[column] == value, "customer_id"].tolist()
    assert want
    body = client.get(
        f"{API}/value-tiers?{column}={value}&limit=500", headers=auth("marketing")
    ).json()
    assert body["count"] == len(want)
    assert [x["customer_id"] for x in body["data"]] == want[:500]
    assert {x[column] for x in body["data"]} == {value}


@pytest.mark.parametrize("query", ["tier=D", "tier=", "quadrant=whale", "limit=0", "page=0"])
def test_value_tiers_refuse_an_unknown_filter(client, auth, query):
    r = client.get(f"{API}/value-tiers?{query}", headers=auth("marketing"))
    assert r.status_code == 422
    assert error_of(r)["details"][0]["loc"][0] == "query"


# -- at risk ----------------------------------------------------------------------------
def test_at_risk_is_the_run_s_ranking_paged(client, auth, service):
    stored = _stored(service, Result.AT_RISK)
    assert len(stored) >= 3
    body = client.get(f"{API}/at-risk?limit=500", headers=auth("marketing")).json()
    assert body["count"] == len(stored)
    assert [x["customer_id"] for x in body["data"]] == stored["customer_id"].tolist()
    assert [x["rank"] for x in body["data"]] == stored["rank"].tolist()
    row, want = body["data"][0], stored.iloc[0]
    assert [d["customer_id"] for d in row["departed"]] == want["departed_ids"].split(";")
    assert row["via"] == want["via"].split(";")
    assert isinstance(row["aum"], str) and "total_value" not in row
    two = client.get(f"{API}/at-risk?limit=2&page=2", headers=auth("marketing")).json()
    assert [x["customer_id"] for x in two["data"]] == stored["customer_id"].iloc[2:4].tolist()


# -- communities --------------------------------------------------------------------------
def test_communities_largest_first_paged(client, auth, service):
    stored = _stored(service, Result.COMMUNITY_PROFILES)
    body = client.get(f"{API}/communities?limit=500", headers=auth("marketing")).json()
    assert body["count"] == len(stored)
    assert [c["community_id"] for c in body["data"]] == stored["community_id"].tolist()
    big = body["data"][0]
    assert isinstance(big["aum"], str) and big["size"] == int(stored["size"].iat[0])
    assert all({"value", "customers"} == set(s) for s in big["segments"])
    two = client.get(f"{API}/communities?limit=2&page=2", headers=auth("marketing")).json()
    assert [c["community_id"] for c in two["data"]] == stored["community_id"].iloc[2:4].tolist()


def test_a_community_with_its_members_paged(client, auth, service):
    cid = _first(service, Result.COMMUNITY_PROFILES, "community_id")
    memberships = _stored(service, Result.COMMUNITIES)
    members = set(memberships.loc[memberships["community_id"] == cid, "customer_id"].astype(str))
    assert len(members) > 4
    url = f"{API}/communities/{cid}"
    whole = client.get(f"{url}?limit=500", headers=auth("marketing")).json()
    assert whole["community"]["community_id"] == cid
    assert whole["members_total"] == len(members) and not whole["truncated"]
    assert {m["customer_id"] for m in whole["members"]} == members
    order = [m["customer_id"] for m in whole["members"]]
    one = client.get(f"{url}?limit=2", headers=auth("marketing")).json()
    two = client.get(f"{url}?limit=2&page=2", headers=auth("marketing")).json()
    assert one["truncated"] and two["page"] == 2 and two["limit"] == 2
    assert [m["customer_id"] for m in one["members"]] == order[:2]
    assert [m["customer_id"] for m in two["members"]] == order[2:4]
    last = -(-len(members) // 2)
    end = client.get(f"{url}?limit=2&page={last}", headers=auth("marketing")).json()
    assert not end["truncated"] and end["members"]


def test_an_unknown_community_is_not_found(client, auth):
    r = client.get(f"{API}/communities/no-such-community", headers=auth("marketing"))
    assert r.status_code == 404
    assert "community no-such-community" in error_of(r)["message"]


# -- relationship managers --------------------------------------------------------------------
def test_relationship_managers_portfolios_paged(client, auth, service):
    stored = _stored(service, Result.RM_PORTFOLIOS)
    body = client.get(f"{API}/relationship-managers", headers=auth("marketing")).json()
    assert body["count"] == len(stored)
    assert [p["rm_id"] for p in body["data"]] == stored["rm_id"].tolist()[:50]
    first = body["data"][0]
    assert Decimal(first["aum"]) == Decimal(str(stored["aum"].iat[0]))
    assert first["customers"] == int(stored["customers"].iat[0])
    two = client.get(f"{API}/relationship-managers?limit=1&page=2", headers=auth("marketing"))
    assert [p["rm_id"] for p in two.json()["data"]] == stored["rm_id"].tolist()[1:2]


def test_one_relationship_manager(client, auth, service):
    stored = _stored(service, Result.RM_PORTFOLIOS)
    with_risk = stored[stored["top_at_risk"].fillna("").astype(str) != ""]
    row = (with_risk if len(with_risk) else stored).iloc[0]
    r = client.get(f"{API}/relationship-managers/{row['rm_id']}", headers=auth("marketing"))
    assert r.status_code == 200
    portfolio = r.json()["portfolio"]
    assert portfolio["rm_id"] == row["rm_id"]
    assert [p["customer_id"] for p in portfolio["top_at_risk"]] == [
        c for c in str(row["top_at_risk"] or "").split(";") if c
    ]


def test_an_unknown_relationship_manager_is_not_found(client, auth):
    r = client.get(f"{API}/relationship-managers/nobody", headers=auth("marketing"))
    assert r.status_code == 404
    assert "relationship manager nobody" in error_of(r)["message"]


# -- influencers: pages and filters that ignore case ----------------------------------------
def test_influencers_page_two_is_the_next_rows(client, auth):
    whole = client.get(f"{API}/influencers?limit=10", headers=auth("marketing")).json()
    one = client.get(f"{API}/influencers?limit=5&page=1", headers=auth("marketing")).json()
    two = client.get(f"{API}/influencers?limit=5&page=2", headers=auth("marketing")).json()
    ids = [x["customer_id"] for x in whole["data"]]
    assert [x["customer_id"] for x in one["data"]] == ids[:5]
    assert [x["customer_id"] for x in two["data"]] == ids[5:10]
    assert two["page"] == 2 and two["count"] == whole["count"]
    assert [x["rank"] for x in two["data"]] == [x["rank"] for x in whole["data"][5:10]]


def test_influencers_filters_ignore_case(client, auth):
    top = client.get(f"{API}/influencers?limit=500", headers=auth("marketing")).json()["data"]
    segment = next(
        x["segment"] for x in top if x["segment"] and x["segment"] != x["segment"].upper()
    )
    region = next(x["region"] for x in top if x["region"] and x["region"] != x["region"].swapcase())
    for column, value, other in (
        ("segment", segment, segment.upper()),
        ("segment", segment, segment.capitalize()),
        ("region", region, region.swapcase()),
    ):
        exact = client.get(
            f"{API}/influencers?{column}={value}&limit=500", headers=auth("marketing")
        ).json()
        folded = client.get(
            f"{API}/influencers?{column}={other}&limit=500", headers=auth("marketing")
        ).json()
        assert exact["count"] > 0, (column, value)
        assert folded["count"] == exact["count"]
        assert folded["data"] == exact["data"]
        assert {x[column] for x in folded["data"]} == {value}


def test_influencers_bad_page(client, auth):
    r = client.get(f"{API}/influencers?page=0", headers=auth("marketing"))
    assert r.status_code == 422
    assert error_of(r)["details"][0]["loc"] == ["query", "page"]


# -- masking of company names ------------------------------------------------------------------
def test_a_masked_company_name_reveals_no_character_of_it(client, auth, service):
    customers = service.snapshot.customers
    body = client.get(f"{API}/value-tiers?limit=500", headers=auth("marketing")).json()
    firms = [x for x in body["data"] if x["kind"] in ("company", "bank")]
    assert firms
    for row in firms:
        real = str(customers.at[row["customer_id"], "name"])
        assert row["name"] == "***", (real, row["name"])
        assert not set(row["name"]) & set(real)
    # people keep their initials
    person = next(x for x in body["data"] if x["kind"] == "person")
    assert person["name"].endswith(".")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("上海天成科技有限公司", "company"),
        ("上海天成科技有限公司", None),  # no kind: read as a company's name
        ("华为", "company"),  # short, but the kind says it is a company
        ("招商银行", "bank"),
        ("Harbour Properties Co., Ltd.", None),
    ],
)
def test_company_names_mask_to_no_character_of_them(name, kind):
    from guanxi.roles import MASKED, Role, mask_title, mask_value

    assert mask_value("name", name, kind=kind) == MASKED
    lines = f"name: {name}" + (f"\nkind: {kind}" if kind else "")
    masked = mask_title(lines, Role.MARKETING)
    assert f"name: {MASKED}" in masked and name[0] not in masked.replace("kind: ", "")
