"""A marketer's key and a risk officer's key on the same customer: each sees what the
role allows, in every endpoint, the network views included."""

from __future__ import annotations

import json
from decimal import Decimal
from html import escape as html_escape

import pytest
from api_support import API, CREDIT_KEYS, keys_of, mentions, walk

from guanxi.service import mask_value
from guanxi.view_model import format_value


@pytest.fixture(scope="module")
def person(embedded_service, facts):
    """The grouped customer's clear PII, and a credit amount of theirs."""
    row = embedded_service.snapshot.customers.loc[facts.grouped]
    pii = {k: str(row[k]) for k in ("name", "phone", "email", "address", "id_number")}
    return pii


def _customer_urls(facts):
    return [
        f"/customers/{facts.grouped}",
        f"/customers/{facts.grouped}/network?hops=2",
        f"/households/{facts.household_id}",
    ]


def test_risk_officer_sees_credit_and_pii(client, auth, facts, person):
    r = client.get(f"{API}/customers/{facts.grouped}", headers=auth("risk"))
    body = r.json()
    for k, v in person.items():
        assert body["customer"][k] == v
    assert Decimal(body["credit"]["single_name_exposure"]) > 0
    assert body["credit"]["group"]["group_id"] == facts.group_id
    credit_accounts = [a for a in body["accounts"] if "exposure" in a and a["exposure"]]
    assert credit_accounts and all("credit_limit" in a for a in credit_accounts)
    # and no marketing metrics
    assert "referrals" not in body


def test_marketer_sees_masked_pii_and_no_credit(client, auth, facts, person):
    r = client.get(f"{API}/customers/{facts.grouped}", headers=auth("marketing"))
    assert r.status_code == 200
    body = r.json()
    profile = body["customer"]
    assert profile["name"] == mask_value("name", person["name"])
    for k in ("phone", "email", "id_number"):
        assert profile[k] == "******" + person[k][-2:]
    assert profile["address"] == "***"
    assert "credit" not in body
    assert "referrals" in body
    for account in body["accounts"]:
        assert not set(account) & {"credit_limit", "outstanding", "ccf", "exposure"}
    for value in person.values():
        assert not mentions(body, value)


@pytest.mark.parametrize("role", ["marketing"])
def test_no_credit_amount_anywhere_for_marketing(client, auth, facts, person, role):
    """Every answer a marketer can get about the customer: no credit key, no PII."""
    for url in _customer_urls(facts) + [
        f"/customers/{facts.referrer}/referrals",
        "/influencers?limit=500",
    ]:
        r = client.get(API + url, headers=auth(role))
        assert r.status_code == 200, url
        assert not (keys_of(r.json()) & CREDIT_KEYS), url
        for value in person.values():
            assert not mentions(r.json(), value), (url, value)
    seeds = client.post(f"{API}/campaigns/seeds", json={"k": 3}, headers=auth(role))
    assert not (keys_of(seeds.json()) & CREDIT_KEYS)


def test_network_titles_follow_the_role(client, auth, facts, embedded_service, person):
    snap = embedded_service.snapshot
    single = snap.single_names
    amounts = {format_value(v) for v in single.dropna().tolist() if v >= 1000}
    risk = client.get(f"{API}/customers/{facts.grouped}/network?hops=2", headers=auth("risk"))
    mkt = client.get(f"{API}/customers/{facts.grouped}/network?hops=2", headers=auth("marketing"))
    assert risk.status_code == mkt.status_code == 200
    assert [n["id"] for n in risk.json()["nodes"]] == [n["id"] for n in mkt.json()["nodes"]]
    risk_titles = "\n".join(n["title"] for n in risk.json()["nodes"])
    assert "single_name_exposure: " in risk_titles
    assert mentions(risk.json(), person["name"])
    for node in mkt.json()["nodes"]:
        for line in node["title"].split("\n"):
            key = line.partition(": ")[0]
            assert key not in CREDIT_KEYS | {"group_id", "circle_id", "credit_limit"}, line
    for edge in mkt.json()["edges"]:
        if edge["type"] == "GUARANTEES":
            assert edge["label"] == ""
            assert "amount:" not in edge["title"]
    assert not mentions(mkt.json(), person["name"])
    mkt_titles = "\n".join(n["title"] for n in mkt.json()["nodes"])
    for amount in amounts:
        assert f"exposure: {amount}" not in mkt_titles


def test_views_html_follow_the_role(client, auth, facts, person):
    r = client.get(f"{API}/views/customer/{facts.grouped}?hops=2", headers=auth("marketing"))
    if r.status_code == 503:
        pytest.skip("guanxi.viz is not installed")
    assert r.status_code == 200
    html = r.text
    assert "single_name_exposure" not in html and "credit_limit" not in html
    for value in (person["name"], person["phone"], person["email"], person["id_number"]):
        assert value not in html and html_escape(value) not in html
        assert json.dumps(value, ensure_ascii=False)[1:-1] not in html
    risk = client.get(f"{API}/views/customer/{facts.grouped}?hops=2", headers=auth("risk"))
    assert "single_name_exposure" in risk.text


def test_analyst_sees_credit_with_masked_pii(client, auth, facts, person):
    body = client.get(f"{API}/customers/{facts.grouped}", headers=auth("analyst")).json()
    assert Decimal(body["credit"]["single_name_exposure"]) > 0 and "referrals" in body
    assert body["customer"]["name"] == mask_value("name", person["name"])
    group = client.get(f"{API}/customers/{facts.grouped}/group", headers=auth("analyst"))
    names = {m["name"] for m in group.json()["members"]}
    assert person["name"] not in names


def test_admin_sees_everything(client, auth, facts, person):
    body = client.get(f"{API}/customers/{facts.grouped}", headers=auth("admin")).json()
    assert body["customer"]["name"] == person["name"]
    assert "credit" in body and "referrals" in body


def test_error_messages_carry_no_data(client, auth, facts, person):
    r = client.get(f"{API}/customers/{facts.grouped}/group", headers=auth("marketing"))
    assert r.status_code == 403
    assert facts.group_id not in r.text
    for _, _, value in walk(r.json()):
        assert value not in person.values()
