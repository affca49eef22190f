"""/api/v1/customers/{id} and its sub-resources: one test per status path."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from api_support import API, CREDIT_KEYS, error_of, keys_of


# -- GET /customers/{id} ---------------------------------------------------------------
def test_read_customer(client, auth, facts):
    r = client.get(f"{API}/customers/{facts.grouped}", headers=auth("admin"))
    assert r.status_code == 200
    body = r.json()
    assert body["customer"]["customer_id"] == facts.grouped
    assert body["credit"]["group"]["group_id"] == facts.group_id
    # money is an exact decimal, sent as a string with the minor unit's digits
    assert re.fullmatch(r"\d+\.\d\d", body["credit"]["single_name_exposure"])
    assert Decimal(body["credit"]["single_name_exposure"]) > 0
    assert re.fullmatch(r"\d+\.\d{4}", body["credit"]["group"]["pct_tier1"])
    assert {"referrals", "accounts", "households", "as_of", "notes"} <= set(body)
    exposures = [a["exposure"] for a in body["accounts"] if a.get("exposure") is not None]
    assert exposures and all(re.fullmatch(r"\d+\.\d\d", e) for e in exposures)
    assert any(a["holder_role"] == "primary" for a in body["accounts"])


def test_read_customer_without_key(client, facts):
    r = client.get(f"{API}/customers/{facts.grouped}")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"
    assert error_of(r)["code"] == "unauthorized"


def test_read_customer_with_unknown_key(client, facts):
    r = client.get(
        f"{API}/customers/{facts.grouped}", headers={"Authorization": "Bearer gx_not-a-key"}
    )
    assert r.status_code == 401
    assert error_of(r)["message"] == "unknown API key"


def test_read_customer_with_other_scheme(client, facts, keys):
    r = client.get(
        f"{API}/customers/{facts.grouped}",
        headers={"Authorization": f"Basic {keys.plain['admin']}"},
    )
    assert r.status_code == 401


def test_read_customer_not_found(client, auth):
    r = client.get(f"{API}/customers/no-such-customer", headers=auth("risk"))
    assert r.status_code == 404
    err = error_of(r)
    assert err == {
        "code": "not_found",
        "message": "customer no-such-customer not found",
        "details": None,
    }


def test_read_customer_id_too_long(client, auth):
    r = client.get(f"{API}/customers/{'9' * 129}", headers=auth("risk"))
    assert r.status_code == 422
    err = error_of(r)
    assert err["code"] == "invalid_parameter"
    assert err["details"][0]["loc"] == ["path", "customer_id"]


def test_read_customer_store_down(store_down, auth, facts):
    r = store_down.get(f"{API}/customers/{facts.grouped}", headers=auth("risk"))
    assert r.status_code == 503
    assert error_of(r)["code"] == "store_unavailable"


# -- GET /customers/{id}/network -------------------------------------------------------
def test_read_network(client, auth, facts):
    r = client.get(f"{API}/customers/{facts.grouped}/network?hops=2", headers=auth("analyst"))
    assert r.status_code == 200
    body = r.json()
    ids = [n["id"] for n in body["nodes"]]
    assert len(ids) == len(set(ids))
    centre = [n for n in body["nodes"] if n["highlight"]]
    assert [n["id"] for n in centre] == [f"c:{facts.grouped}"]
    assert centre[0]["level"] == 0
    assert max(n["level"] for n in body["nodes"]) <= 2
    assert {e["source"] for e in body["edges"]} | {e["target"] for e in body["edges"]} <= set(ids)
    assert not body["truncated"]


def test_read_network_types(client, auth, facts):
    r = client.get(
        f"{API}/customers/{facts.grouped}/network?hops=3&types=OWNS&types=GUARANTEES",
        headers=auth("risk"),
    )
    assert r.status_code == 200
    assert {e["type"] for e in r.json()["edges"]} <= {"OWNS", "GUARANTEES"}


def test_read_network_truncated(client, auth, facts):
    r = client.get(f"{API}/customers/{facts.hub}/network?hops=3&limit=3", headers=auth("admin"))
    assert r.status_code == 200
    body = r.json()
    assert len(body["nodes"]) == 3
    assert body["truncated"] is True
    assert body["omitted_nodes"] > 0
    assert any("left out" in note for note in body["notes"])


@pytest.mark.parametrize(
    "query", ["hops=0", "hops=4", "limit=0", "limit=2001", "types=MANAGED_BY", "hops=two"]
)
def test_read_network_bad_parameter(client, auth, facts, query):
    r = client.get(f"{API}/customers/{facts.grouped}/network?{query}", headers=auth("admin"))
    assert r.status_code == 422
    assert error_of(r)["code"] == "invalid_parameter"


def test_read_network_not_found(client, auth):
    r = client.get(f"{API}/customers/nobody/network", headers=auth("admin"))
    assert r.status_code == 404
    assert error_of(r)["message"] == "customer nobody not found"


def test_read_network_without_key(client, facts):
    assert client.get(f"{API}/customers/{facts.grouped}/network").status_code == 401


# -- GET /customers/{id}/group ---------------------------------------------------------
def test_read_customer_group(client, auth, facts):
    r = client.get(f"{API}/customers/{facts.grouped}/group", headers=auth("risk"))
    assert r.status_code == 200
    body = r.json()
    assert body["group"]["group_id"] == facts.group_id
    members = {m["customer_id"] for m in body["members"]}
    assert facts.grouped in members
    assert len(members) == body["group"]["size"] == body["members_total"]
    assert body["links"], "a group has links"
    for link in body["links"]:
        assert link["reason"] in {"control", "guarantee", "joint_credit"}
        assert {link["a"], link["b"]} <= members
        assert link["source_row"], link
    total = sum(Decimal(m["single_name_exposure"]) for m in body["members"])
    assert Decimal(body["group"]["exposure"]) <= total


def test_read_customer_group_forbidden(client, auth, facts):
    r = client.get(f"{API}/customers/{facts.grouped}/group", headers=auth("marketing"))
    assert r.status_code == 403
    err = error_of(r)
    assert err["message"] == "the marketing role may not read exposure groups"


def test_read_customer_group_single_name(client, auth, facts):
    r = client.get(f"{API}/customers/{facts.single}/group", headers=auth("risk"))
    assert r.status_code == 404
    assert "in no exposure group" in error_of(r)["message"]


def test_read_customer_group_not_found(client, auth):
    r = client.get(f"{API}/customers/nobody/group", headers=auth("risk"))
    assert r.status_code == 404


def test_read_customer_group_not_analyzed(unanalyzed, auth, facts):
    r = unanalyzed.get(f"{API}/customers/{facts.grouped}/group", headers=auth("risk"))
    assert r.status_code == 409
    err = error_of(r)
    assert err["code"] == "not_analyzed"
    assert "guanxi analyze" in err["message"]


# -- GET /customers/{id}/referrals -----------------------------------------------------
def test_read_referrals(client, auth, facts):
    r = client.get(f"{API}/customers/{facts.referrer}/referrals", headers=auth("marketing"))
    assert r.status_code == 200
    body = r.json()
    assert body["customer_id"] == facts.referrer
    assert body["depth"] >= 2
    assert body["nodes"][0]["customer_id"] == facts.referrer
    assert body["nodes"][0]["generation"] == 0
    gens = body["generations"]
    assert [g["generation"] for g in gens] == list(range(1, len(gens) + 1))
    assert sum(g["customers"] for g in gens) == body["cascade"]
    assert sum(g["shown"] for g in gens) == len(body["nodes"]) - 1 == body["cascade"]
    assert body["truncated"] is False


def test_read_referrals_bounded(client, auth, facts):
    r = client.get(
        f"{API}/customers/{facts.referrer}/referrals?max_nodes=2", headers=auth("analyst")
    )
    assert r.status_code == 200
    body = r.json()
    assert len(body["nodes"]) == 2 and body["truncated"] is True


def test_read_referrals_forbidden(client, auth, facts):
    r = client.get(f"{API}/customers/{facts.referrer}/referrals", headers=auth("risk"))
    assert r.status_code == 403
    assert error_of(r)["code"] == "forbidden"


def test_read_referrals_not_found(client, auth):
    r = client.get(f"{API}/customers/nobody/referrals", headers=auth("marketing"))
    assert r.status_code == 404


@pytest.mark.parametrize("query", ["max_nodes=0", "max_depth=0", "max_depth=51"])
def test_read_referrals_bad_parameter(client, auth, facts, query):
    r = client.get(f"{API}/customers/{facts.referrer}/referrals?{query}", headers=auth("admin"))
    assert r.status_code == 422


# -- GET /customers/{id}/suspected-links -----------------------------------------------
def test_read_suspected_links(client, auth, facts):
    r = client.get(f"{API}/customers/{facts.suspect}/suspected-links", headers=auth("risk"))
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == len(body["data"]) >= 1
    link = body["data"][0]
    assert link["field"] in {"phone", "email", "address", "id_number"}
    assert facts.suspect in {c["customer_id"] for c in link["customers"]}
    assert len(link["customers"]) == link["size"] >= 2


def test_read_suspected_links_masked_for_analyst(client, auth, facts):
    risk = client.get(f"{API}/customers/{facts.suspect}/suspected-links", headers=auth("risk"))
    analyst = client.get(
        f"{API}/customers/{facts.suspect}/suspected-links", headers=auth("analyst")
    )
    assert analyst.status_code == 200
    for clear, masked in zip(risk.json()["data"], analyst.json()["data"], strict=True):
        assert clear["value"] not in analyst.text
        assert masked["value"] != clear["value"]


def test_read_suspected_links_forbidden(client, auth, facts):
    r = client.get(f"{API}/customers/{facts.suspect}/suspected-links", headers=auth("marketing"))
    assert r.status_code == 403


def test_read_suspected_links_not_found(client, auth):
    r = client.get(f"{API}/customers/nobody/suspected-links", headers=auth("risk"))
    assert r.status_code == 404


def test_marketing_profile_has_no_credit(client, auth, facts):
    r = client.get(f"{API}/customers/{facts.grouped}", headers=auth("marketing"))
    assert r.status_code == 200
    assert not (keys_of(r.json()) & CREDIT_KEYS)
