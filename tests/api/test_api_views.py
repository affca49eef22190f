"""/api/v1/views/...: HTML pages from the same role-masked NetworkView as the JSON.

They are drawn by ``guanxi.viz.render_view``; without it the routes answer 503, and
these tests check whichever of the two paths this installation has."""

from __future__ import annotations

import pytest
from api_support import API, error_of

try:
    from guanxi.viz import render_view  # noqa: F401

    HAVE_VIZ = True
except ImportError:
    HAVE_VIZ = False

ROUTES = [
    ("/views/customer/{grouped}", "risk"),
    ("/views/group/{group_id}", "risk"),
    ("/views/circle/{circle_id}", "analyst"),
    ("/views/cascade/{referrer}", "marketing"),
]


@pytest.mark.parametrize(("path", "role"), ROUTES)
def test_read_view(client, auth, facts, path, role):
    r = client.get(API + path.format(**facts.__dict__), headers=auth(role))
    if HAVE_VIZ:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/html")
        assert r.text.lstrip().lower().startswith("<!doctype html")
    else:
        assert r.status_code == 503
        assert error_of(r)["code"] == "views_unavailable"


def test_read_view_not_found(client, auth):
    r = client.get(f"{API}/views/customer/nobody", headers=auth("risk"))
    assert r.status_code == 404
    assert error_of(r)["message"] == "customer nobody not found"


@pytest.mark.parametrize(
    ("path", "role"),
    [
        ("/views/group/{group_id}", "marketing"),
        ("/views/circle/{circle_id}", "marketing"),
        ("/views/cascade/{referrer}", "risk"),
    ],
)
def test_read_view_forbidden(client, auth, facts, path, role):
    r = client.get(API + path.format(**facts.__dict__), headers=auth(role))
    assert r.status_code == 403


def test_read_view_bad_parameter(client, auth, facts):
    r = client.get(f"{API}/views/customer/{facts.grouped}?hops=9", headers=auth("risk"))
    assert r.status_code == 422


def test_read_view_without_key(client, facts):
    assert client.get(f"{API}/views/customer/{facts.grouped}").status_code == 401


def test_read_view_without_renderer(client, auth, facts, monkeypatch):
    """The 503 path, whatever this installation has."""
    import sys

    monkeypatch.setitem(sys.modules, "guanxi.viz", None)  # import now raises ImportError
    r = client.get(f"{API}/views/customer/{facts.grouped}", headers=auth("risk"))
    assert r.status_code == 503
    assert "guanxi.viz" in error_of(r)["message"]
