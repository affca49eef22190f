"""``/docs`` (Swagger UI) and ``/redoc`` work offline, with assets from the package.

The pages name no external URL and carry a Content-Security-Policy that allows only
this server; the asset routes serve the vendored files with their content types; and a
real headless Chromium, with every host name resolving to nothing and only loopback
reachable, loads both pages from a live uvicorn server and draws every operation.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import sys
import time
import tomllib
from pathlib import Path

import pytest
from api_support import API, TestClient, error_of, make_settings
from live_server import live_server

from guanxi.api.app import create_app
from guanxi.api.docs import ASSETS, ASSETS_URL, STATIC_DIR
from guanxi.api.security import ApiKeys

try:
    import chromium_cdp
except ModuleNotFoundError:  # tests/viz is not on sys.path unless its tests were collected
    sys.path.append(str(Path(__file__).resolve().parents[1] / "viz"))
    import chromium_cdp

ROOT = Path(__file__).resolve().parents[2]
PAGES = ("/docs", "/redoc")
#: the only sources a page of the docs may name in its CSP
LOCAL_SOURCES = {"'self'", "'none'", "data:", "blob:"}


@pytest.fixture(scope="module")
def docs_app(embedded_service, keys, tmp_path_factory):
    settings = make_settings("unused.duckdb", keys, tmp_path_factory.mktemp("docs") / "audit.jsonl")
    return create_app(settings, embedded_service, keys=ApiKeys(keys.path))


@pytest.fixture(scope="module")
def docs_client(docs_app):
    with TestClient(docs_app) as client:
        yield client


def _csp(response) -> dict[str, list[str]]:
    directives = {}
    for part in response.headers["content-security-policy"].split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_name_no_external_url(docs_client, page):
    r = docs_client.get(page)  # no API key needed
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "http://" not in r.text and "https://" not in r.text and "//cdn" not in r.text
    links = re.findall(r"""\b(?:src|href)\s*=\s*["']([^"']+)""", r.text)
    assert links, "the page loads nothing?"
    assert all(link.startswith(f"{ASSETS_URL}/") for link in links), links
    assert "/openapi.json" in r.text


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_allow_only_this_server(docs_client, page):
    r = docs_client.get(page)
    csp = _csp(r)
    assert csp["default-src"] == ["'none'"]
    for name, sources in csp.items():
        for source in sources:
            allowed = source in LOCAL_SOURCES or source.startswith("'sha256-")
            allowed |= name == "style-src" and source == "'unsafe-inline'" and page == "/redoc"
            assert allowed, f"{name} allows {source}"
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["connect-src"] == ["'self'"] and csp["frame-ancestors"] == ["'none'"]
    assert r.headers["x-content-type-options"] == "nosniff"


def test_the_swagger_inline_script_is_allowed_by_its_hash_only(docs_client):
    r = docs_client.get("/docs")
    inline = re.findall(r"<script>(.*?)</script>", r.text, re.DOTALL)
    assert len(inline) == 1 and "SwaggerUIBundle(" in inline[0]
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert _csp(r)["script-src"] == ["'self'", f"'sha256-{digest}'"]
    assert '"validatorUrl": null' in inline[0]  # no badge calling validator.swagger.io


@pytest.mark.parametrize("name", list(ASSETS))
def test_asset_routes_serve_the_vendored_files(docs_client, name):
    r = docs_client.get(f"{ASSETS_URL}/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"] == ASSETS[name]
    assert r.content == (STATIC_DIR / name).read_bytes()
    assert r.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "name", ["swagger-ui-LICENSE", "nothing.js", "..%2Fsecurity.py", "%2E%2E%2Fapp.py"]
)
def test_nothing_else_is_served_as_an_asset(docs_client, name):
    r = docs_client.get(f"{ASSETS_URL}/{name}")
    assert r.status_code == 404 and error_of(r)["code"] == "not_found"


def test_docs_routes_are_not_in_the_openapi_document(docs_client):
    paths = docs_client.get("/openapi.json").json()["paths"]
    assert all(p.startswith(f"{API}/") for p in paths)


def test_vendored_files_are_the_released_ones_with_their_licences():
    readme = (STATIC_DIR / "README.md").read_text()
    listed = dict(
        (name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M)
    )
    assert set(listed) == set(ASSETS)
    for name, digest in listed.items():
        assert hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest() == digest, name
    for licence in ("swagger-ui-LICENSE", "swagger-ui-NOTICE", "redoc-LICENSE"):
        assert (STATIC_DIR / licence).stat().st_size > 0
    assert "Apache License" in (STATIC_DIR / "swagger-ui-LICENSE").read_text()
    assert "MIT" in (STATIC_DIR / "redoc-LICENSE").read_text()


def test_the_assets_are_package_data():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "guanxi.api.static" in setuptools["packages"]
    assert setuptools["package-data"]["guanxi.api.static"] == ["*"]


# -- in a real browser, offline ---------------------------------------------------------
NO_BROWSER = (
    "BROWSER TEST NOT RUN: no Chromium found (install Debian's `chromium`, or set "
    "GUANXI_CHROMIUM). /docs and /redoc were NOT checked in a browser."
)
#: the browser tests' flags, except that the loopback address (only) is reachable: every
#: host name still resolves to nothing
LOOPBACK_RULE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"


@pytest.fixture(scope="module")
def browser():
    executable = chromium_cdp.find_chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(NO_BROWSER + " CI must run it.", pytrace=False)
        pytest.skip(NO_BROWSER)
    flags = chromium_cdp.CHROMIUM_FLAGS
    assert "--host-resolver-rules=MAP * ~NOTFOUND" in flags
    assert "--disable-background-networking" in flags and "--no-proxy-server" in flags
    loopback = tuple(LOOPBACK_RULE if f.startswith("--host-resolver-rules") else f for f in flags)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(chromium_cdp, "CHROMIUM_FLAGS", loopback)
        chromium = chromium_cdp.Chromium(executable)
    yield chromium
    chromium.close()


@pytest.fixture(scope="module")
def served(docs_app):
    with live_server(docs_app) as (host, port):
        yield f"http://{host}:{port}"


def _operations(docs_client) -> int:
    paths = docs_client.get("/openapi.json").json()["paths"]
    return sum(len(ops) for ops in paths.values())


def _network(page, origin: str) -> tuple[list[str], dict[str, str]]:
    """(URLs requested from another origin, {their URL: why they failed})."""
    sent = {
        p["requestId"]: p["request"]["url"]
        for m, p in page.events
        if m == "Network.requestWillBeSent"
    }
    failed = {
        sent.get(p["requestId"], "?"): p.get("blockedReason") or p.get("errorText", "")
        for m, p in page.events
        if m == "Network.loadingFailed"
    }
    others = [
        u for u in sent.values() if not u.startswith((origin + "/", "data:", f"blob:{origin}/"))
    ]
    return others, failed


def _wait(page, expression: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value or time.monotonic() > deadline:
            return value
        page.browser.pump(0.1)


def test_swagger_ui_renders_offline_and_calls_the_api(browser, served, docs_client):
    page = browser.new_page()
    try:
        page.goto(f"{served}/docs")
        expected = _operations(docs_client)
        drawn = _wait(
            page,
            f"document.querySelectorAll('.swagger-ui .opblock').length >= {expected} "
            "&& document.querySelectorAll('.swagger-ui .opblock').length",
        )
        assert drawn == expected, f"{drawn} of {expected} operations drawn"
        title = page.evaluate("document.querySelector('.swagger-ui .info .title').textContent")
        assert title.startswith("guanxi")

        # try the health check from the page: the API answers under the page's CSP
        page.evaluate(
            "document.querySelector('#operations-health-health_api_v1_health_get "
            ".opblock-summary-control').click()"
        )
        _wait(page, "!!document.querySelector('.try-out__btn')")
        page.evaluate("document.querySelector('.try-out__btn').click()")
        _wait(page, "!!document.querySelector('.btn.execute')")
        page.evaluate("document.querySelector('.btn.execute').click()")
        status = _wait(
            page,
            "document.querySelector('.live-responses-table tbody .response-col_status')"
            "?.textContent.trim()",
        )
        assert status == "200"
        body = page.evaluate(
            "document.querySelector('.live-responses-table tbody .response-col_description "
            "pre').textContent"
        )
        assert json.loads(body)["status"] == "ok"

        page.browser.pump(0.2)
        others, failed = _network(page, served)
        assert others == [], f"requests for another host: {others}"
        assert failed == {}, failed
        assert page.errors == [] and page.dialogs == []
        page.screenshot(ROOT / "tests" / "artifacts" / "api-docs.png")
    finally:
        page.close()


def test_redoc_renders_offline(browser, served, docs_client):
    page = browser.new_page()
    try:
        page.goto(f"{served}/redoc")
        expected = _operations(docs_client)
        drawn = _wait(
            page,
            "document.querySelectorAll('[data-section-id^=\"operation/\"]').length "
            f">= {expected} && document.querySelectorAll('[data-section-id^=\"operation/\"]')"
            ".length",
        )
        assert drawn == expected, f"{drawn} of {expected} operations drawn"
        assert page.evaluate("document.querySelector('.api-info h1').textContent").startswith(
            "guanxi"
        )
        page.browser.pump(0.2)
        others, failed = _network(page, served)
        # the bundle always asks for Redocly's logo; the CSP stops it inside the browser
        logo = "https://cdn.redoc.ly/redoc/logo-mini.svg"
        assert set(others) <= {logo}, f"requests for another host: {others}"
        assert all(failed[u] == "csp" for u in others), failed
        assert {u: r for u, r in failed.items() if u not in others} == {}
        unexpected = [e for e in page.errors if logo not in e]
        assert unexpected == [] and page.dialogs == []
        page.screenshot(ROOT / "tests" / "artifacts" / "api-redoc.png")
    finally:
        page.close()
