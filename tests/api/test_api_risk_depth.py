"""The risk officer's depth routes (issue 16): /search, /groups/{id}/evidence,
/guarantee-circles/{id}/key-guarantors, /dependency-review and POST /whatif/default,
per role."""

from __future__ import annotations

from decimal import Decimal

import pytest
from api_support import API, error_of

from guanxi.algorithms.contagion import guarantee_network, simulate_defaults
from guanxi.graph.schema import Entity
from guanxi.graph.store import Result
from guanxi.money import Reporting
from guanxi.roles import mask_value

CREDIT_ROLES = ("risk", "analyst", "admin")


def _customer(service, cid):
    row = service.snapshot.customers.loc[cid]
    return str(row["name"]), str(row["kind"]), row["id_number"]


# -- search -------------------------------------------------------------------------
def test_search_by_customer_id_risk_sees_pii(client, auth, service, facts):
    r = client.get(f"{API}/search", params={"q": facts.grouped, "limit": 5}, headers=auth("risk"))
    assert r.status_code == 200
    body = r.json()
    hit = body["data"][0]
    name, kind, id_number = _customer(service, facts.grouped)
    assert hit == {
        "customer_id": facts.grouped,
        "kind": kind,
        "name": name,
        "id_number": id_number,
        "matched": "customer_id",
    }
    assert body["count"] == len(body["data"]) >= 1


@pytest.mark.parametrize("role", ["analyst", "marketing", "admin"])
def test_search_masks_pii_for_other_roles(client, auth, service, facts, role):
    r = client.get(f"{API}/search", params={"q": facts.grouped}, headers=auth(role))
    assert r.status_code == 200
    hit = r.json()["data"][0]
    name, kind, id_number = _customer(service, facts.grouped)
    if role == "admin":  # admin has every capability, PII among them
        assert (hit["name"], hit["id_number"]) == (name, id_number)
    else:
        assert hit["name"] == mask_value("name", name, kind=kind) != name
        assert hit["id_number"] == mask_value("id_number", id_number) != id_number


def test_search_by_name_and_id_number_ignores_case(client, auth, service):
    customers = service.snapshot.customers
    latin = customers[customers["name"].str.match(r"^[A-Za-z]{3}")]
    cid = str(latin.index[0])
    name = str(latin["name"].iloc[0])
    for text in (name[:3].upper(), name[:3].lower()):
        r = client.get(f"{API}/search", params={"q": text, "limit": 500}, headers=auth("risk"))
        assert r.status_code == 200
        hits = {h["customer_id"]: h for h in r.json()["data"]}
        assert cid in hits and hits[cid]["matched"] == "name"
        assert all(h["name"].casefold().startswith(text.casefold()) for h in hits.values())
    code = str(customers.loc[cid, "id_number"])
    r = client.get(f"{API}/search", params={"q": code[:8].lower()}, headers=auth("risk"))
    assert cid in {h["customer_id"] for h in r.json()["data"]}


def test_search_limit_and_truncation(client, auth):
    r = client.get(f"{API}/search", params={"q": "0", "limit": 2}, headers=auth("risk"))
    body = r.json()
    assert r.status_code == 200 and body["count"] == 2 and body["truncated"] is True


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "   "}, {"q": "x", "limit": 0}])
def test_search_refuses_a_blank_text(client, auth, params):
    r = client.get(f"{API}/search", params=params, headers=auth("risk"))
    assert r.status_code == 422
    error_of(r)


def test_search_needs_a_key(client):
    assert client.get(f"{API}/search", params={"q": "a"}).status_code == 401


# -- evidence paths -----------------------------------------------------------------
def test_group_evidence(client, auth, service, facts):
    r = client.get(f"{API}/groups/{facts.group_id}/evidence", headers=auth("risk"))
    assert r.status_code == 200
    body = r.json()
    snap = service.snapshot
    head = str(snap.groups.at[facts.group_id, "head"])
    assert body["head"]["customer_id"] == head
    assert body["head"]["name"] == _customer(service, head)[0]
    members = set(snap.group_members.rows(facts.group_id)["customer_id"].astype(str))
    assert {m["customer_id"] for m in body["members"]} == members
    assert body["members_total"] == len(members) and body["truncated"] is False
    stored = snap.results[Result.EVIDENCE_PATHS]
    stored = stored[stored["group_id"] == facts.group_id]
    for m in body["members"]:
        hops = m["hops"]
        assert m["is_head"] == (m["customer_id"] == head)
        if m["is_head"]:
            assert hops == []
            continue
        assert [h["hop"] for h in hops] == list(range(1, len(hops) + 1))
        assert len(hops) == int((stored["customer_id"] == m["customer_id"]).sum())
        assert m["customer_id"] in (hops[0]["a"], hops[0]["b"])
        assert hops[-1]["toward"] == head
        for h in hops:
            assert h["reason"] and h["source_row"] is not None
            row = h["source_row"]
            assert set(row.values()) >= {h["a"], h["b"]} or h["source_entity"] == "accounts"


def test_group_evidence_masked_for_analyst(client, auth, service, facts):
    r = client.get(f"{API}/groups/{facts.group_id}/evidence", headers=auth("analyst"))
    assert r.status_code == 200
    for m in r.json()["members"]:
        name, kind, _ = _customer(service, m["customer_id"])
        assert m["name"] == mask_value("name", name, kind=kind)


def test_group_evidence_forbidden_and_unknown(client, auth, facts):
    r = client.get(f"{API}/groups/{facts.group_id}/evidence", headers=auth("marketing"))
    assert r.status_code == 403
    r = client.get(f"{API}/groups/nope/evidence", headers=auth("risk"))
    assert r.status_code == 404
    assert "exposure group nope not found" in error_of(r)["message"]


def test_group_evidence_not_analyzed(unanalyzed, auth):
    assert unanalyzed.get(f"{API}/groups/x/evidence", headers=auth("risk")).status_code == 409


# -- key guarantors -----------------------------------------------------------------
@pytest.mark.parametrize("role", CREDIT_ROLES)
def test_key_guarantors(client, auth, service, facts, role):
    r = client.get(f"{API}/guarantee-circles/{facts.circle_id}/key-guarantors", headers=auth(role))
    assert r.status_code == 200
    body = r.json()
    stored = service.snapshot.results[Result.CIRCLE_KEY_GUARANTORS]
    stored = stored[stored["circle_id"] == facts.circle_id].sort_values("rank")
    assert body["count"] == len(stored) == len(body["data"]) >= 1
    assert [g["customer_id"] for g in body["data"]] == stored["customer_id"].tolist()
    assert [g["rank"] for g in body["data"]] == stored["rank"].tolist()
    for g, (_, row) in zip(body["data"], stored.iterrows(), strict=True):
        assert isinstance(g["exposure_at_risk"], str)
        assert Decimal(g["exposure_at_risk"]) == row["exposure_at_risk"]
        assert Decimal(g["own_exposure"]) == row["own_exposure"]
        name, kind, _ = _customer(service, g["customer_id"])
        assert g["name"] == (name if role != "analyst" else mask_value("name", name, kind=kind))


def test_key_guarantors_forbidden_and_unknown(client, auth, facts):
    path = f"{API}/guarantee-circles/{facts.circle_id}/key-guarantors"
    assert client.get(path, headers=auth("marketing")).status_code == 403
    r = client.get(f"{API}/guarantee-circles/nope/key-guarantors", headers=auth("risk"))
    assert r.status_code == 404
    assert "guarantee circle nope not found" in error_of(r)["message"]


# -- dependency review --------------------------------------------------------------
def test_dependency_review_paged(client, auth, service):
    stored = service.snapshot.results[Result.DEPENDENCY_REVIEW]
    assert len(stored) >= 3, "the generated bank has dependencies to review"
    seen = []
    for page in (1, 2, 3, 4):
        r = client.get(
            f"{API}/dependency-review", params={"page": page, "page_size": 5}, headers=auth("risk")
        )
        assert r.status_code == 200
        body = r.json()
        assert body["count"] == len(stored) and body["page"] == page
        seen += body["data"]
    assert len(seen) == min(len(stored), 20)
    first = seen[0]
    row = stored.iloc[0]
    assert first["customer_id"] == row["customer_id"] and first["name"] == row["name"]
    assert first["counterparty_name"] == row["counterparty_name"]
    assert Decimal(first["single_name_exposure"]) == row["single_name_exposure"]
    assert Decimal(first["pct_tier1"]) == Decimal(row["pct_tier1"])
    assert isinstance(first["share"], str) and Decimal(first["share"]) == row["share"]
    assert first["kind"] == row["kind"] and first["links"] == bool(row["links"])


def test_dependency_review_masked_for_analyst(client, auth, service):
    r = client.get(f"{API}/dependency-review", headers=auth("analyst"))
    assert r.status_code == 200
    for rec in r.json()["data"]:
        name, kind, _ = _customer(service, rec["customer_id"])
        assert rec["name"] == mask_value("name", name, kind=kind)
        other, other_kind, _ = _customer(service, rec["counterparty_id"])
        assert rec["counterparty_name"] == mask_value("name", other, kind=other_kind)


def test_dependency_review_forbidden_and_bad_page(client, auth):
    assert client.get(f"{API}/dependency-review", headers=auth("marketing")).status_code == 403
    r = client.get(f"{API}/dependency-review", params={"page_size": 0}, headers=auth("risk"))
    assert r.status_code == 422


# -- what-if: defaults --------------------------------------------------------------
def _expected(service, ids, threshold="1", without=False):
    snap = service.snapshot
    f = snap.frames
    network = guarantee_network(
        f[Entity.CUSTOMERS],
        f[Entity.ACCOUNTS],
        f[Entity.ACCOUNT_HOLDERS],
        f[Entity.GUARANTEES],
        as_of=snap.options["as_of"],
        ccf_default=snap.options["ccf_default"],
        reporting=Reporting.of("CNY", f[Entity.FX_RATES]),
    )
    return simulate_defaults(
        network, ids, threshold=threshold, assume_default_without_net_assets=without
    )


def _borrowers(service):
    """Borrowers whose guarantors are called if they default."""
    g = service.snapshot.frames[Entity.GUARANTEES]
    return sorted(set(g["borrower_id"].astype(str)))[:5]


@pytest.mark.parametrize("role", CREDIT_ROLES)
def test_whatif_default(client, auth, service, role):
    ids = _borrowers(service)
    body = {"customer_ids": ids, "threshold": "0.5", "default_without_net_assets": True}
    r = client.post(f"{API}/whatif/default", json=body, headers=auth(role))
    assert r.status_code == 200, r.text
    out = r.json()
    expected = _expected(service, ids, "0.5", True)
    assert out["customer_ids"] == ids and out["threshold"] == "0.5"
    assert isinstance(out["exposure_at_risk"], str)
    assert Decimal(out["exposure_at_risk"]) == expected.exposure_at_risk
    assert [x["customer_id"] for x in out["defaults"]] == expected.defaults["customer_id"].tolist()
    assert len(out["rounds"]) == len(expected.rounds) and out["rounds"][0]["defaults"] == len(ids)
    standing = expected.guarantors[expected.guarantors["defaulted_in_round"].isna()]
    assert out["standing_total"] == len(standing)
    assert out["guarantees_valid_on"] == service.snapshot.options["as_of"]
    d = out["defaults"][0]
    name, kind, _ = _customer(service, d["customer_id"])
    assert d["name"] == (name if role != "analyst" else mask_value("name", name, kind=kind))


def test_whatif_default_threshold_default(client, auth, service):
    ids = _borrowers(service)[:1]
    r = client.post(f"{API}/whatif/default", json={"customer_ids": ids}, headers=auth("risk"))
    assert r.status_code == 200
    assert Decimal(r.json()["exposure_at_risk"]) == _expected(service, ids).exposure_at_risk


def test_whatif_default_writes_nothing(client, auth, service):
    before = client.get(f"{API}/runs", headers=auth("admin")).json()
    ids = _borrowers(service)[:2]
    assert (
        client.post(
            f"{API}/whatif/default", json={"customer_ids": ids}, headers=auth("risk")
        ).status_code
        == 200
    )
    assert client.get(f"{API}/runs", headers=auth("admin")).json() == before


def test_whatif_default_unknown_customers(client, auth, facts):
    body = {"customer_ids": [facts.grouped, "nope-1", "nope-2"]}
    r = client.post(f"{API}/whatif/default", json=body, headers=auth("risk"))
    assert r.status_code == 404
    message = error_of(r)["message"]
    assert "nope-1" in message and "nope-2" in message and facts.grouped not in message


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"customer_ids": []},
        {"customer_ids": ["x"], "threshold": "0"},
        {"customer_ids": ["x"], "threshold": "-1"},
        {"customer_ids": ["x"], "threshold": "abc"},
        {"customer_ids": ["x"], "surprise": 1},
        {"customer_ids": [""]},
    ],
)
def test_whatif_default_bad_bodies(client, auth, body):
    r = client.post(f"{API}/whatif/default", json=body, headers=auth("risk"))
    assert r.status_code == 422
    error_of(r)


def test_whatif_default_forbidden(client, auth, facts):
    body = {"customer_ids": [facts.grouped]}
    r = client.post(f"{API}/whatif/default", json=body, headers=auth("marketing"))
    assert r.status_code == 403
