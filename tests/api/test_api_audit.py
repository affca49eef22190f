"""The audit trail: written for every customer-level read, readable by admins."""

from __future__ import annotations

import json

import pytest
from api_support import API, error_of


def _lines(settings) -> list[dict]:
    return [json.loads(x) for x in settings.audit_log_path().read_text().splitlines()]


def test_reads_are_audited(fresh_app, auth, facts):
    client, _, settings = fresh_app()
    r = client.get(f"{API}/customers/{facts.grouped}/network", headers=auth("risk"))
    assert r.status_code == 200
    shown = {n["id"][2:] for n in r.json()["nodes"] if n["id"].startswith("c:")}
    entry = _lines(settings)[-1]
    assert entry["who"] == "risk-user" and entry["role"] == "risk"
    assert entry["method"] == "GET"
    assert entry["endpoint"] == f"{API}/customers/{facts.grouped}/network"
    assert entry["outcome"] == "ok" and entry["status"] == 200
    assert set(entry["customer_ids"]) == shown and facts.grouped in shown
    assert entry["ts"].endswith("Z")


@pytest.mark.parametrize(
    ("method", "path", "role"),
    [
        ("get", "/customers/{grouped}", "risk"),
        ("get", "/customers/{grouped}/group", "risk"),
        ("get", "/customers/{referrer}/referrals", "marketing"),
        ("get", "/customers/{suspect}/suspected-links", "risk"),
        ("get", "/groups", "risk"),
        ("get", "/groups/{group_id}", "risk"),
        ("get", "/guarantee-circles", "risk"),
        ("get", "/guarantee-circles/{circle_id}", "risk"),
        ("get", "/influencers", "marketing"),
        ("post", "/campaigns/seeds", "marketing"),
        ("get", "/households/{household_id}", "marketing"),
    ],
)
def test_every_customer_level_read_is_audited(fresh_app, auth, facts, method, path, role):
    client, _, settings = fresh_app()
    url = API + path.format(**facts.__dict__)
    r = getattr(client, method)(url, headers=auth(role))
    assert r.status_code == 200
    entry = _lines(settings)[-1]
    assert entry["endpoint"] == url and entry["role"] == role and entry["customer_ids"]


def test_denied_reads_are_audited(fresh_app, auth, facts):
    client, _, settings = fresh_app()
    r = client.get(f"{API}/customers/{facts.grouped}/group", headers=auth("marketing"))
    assert r.status_code == 403
    entry = _lines(settings)[-1]
    assert entry["outcome"] == "denied" and entry["status"] == 403
    assert entry["who"] == "marketing-user" and entry["customer_ids"] == []


def test_read_audit(fresh_app, auth, facts):
    client, _, _ = fresh_app()
    client.get(f"{API}/customers/{facts.grouped}", headers=auth("risk"))
    client.get(f"{API}/customers/{facts.single}", headers=auth("marketing"))
    r = client.get(f"{API}/audit", headers=auth("admin"))
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2
    assert [e["who"] for e in body["data"]] == ["marketing-user", "risk-user"]  # newest first
    mine = client.get(f"{API}/audit?customer_id={facts.grouped}", headers=auth("admin")).json()
    assert [e["who"] for e in mine["data"]] == ["risk-user"]
    paged = client.get(f"{API}/audit?page=2&page_size=1", headers=auth("admin")).json()
    assert [e["who"] for e in paged["data"]] == ["risk-user"] and paged["count"] == 2


def test_read_audit_forbidden(client, auth):
    for role in ("risk", "marketing", "analyst"):
        r = client.get(f"{API}/audit", headers=auth(role))
        assert r.status_code == 403
        assert error_of(r)["code"] == "forbidden"


def test_read_audit_bad_parameter(client, auth):
    assert client.get(f"{API}/audit?page_size=501", headers=auth("admin")).status_code == 422


def test_read_audit_without_key(client):
    assert client.get(f"{API}/audit").status_code == 401


def test_unwritable_audit_log_refuses_the_read(fresh_app, auth, facts):
    """Nothing is served unaudited: if the line cannot be written, the read fails."""
    client, _, settings = fresh_app()
    path = settings.audit_log_path()
    path.unlink()
    path.mkdir()  # a directory where the file should be
    r = client.get(f"{API}/customers/{facts.grouped}", headers=auth("risk"))
    assert r.status_code == 503
    assert error_of(r)["code"] == "audit_unavailable"
    assert facts.grouped not in r.text
