"""The busiest routes (a customer's group, a group, the influencers) take shortcuts
through the request: one dependency, the service called on the event loop once its
snapshot is ready, the audit line's path read from the ASGI scope. Each shortcut must
answer, audit and refuse exactly as the long way."""

from __future__ import annotations

import json
import threading

import pytest
from api_support import API, TestClient
from fastapi import FastAPI
from starlette.requests import Request

from guanxi.api.auditlog import _path_and_query
from guanxi.api.deps import CallerDep, read
from guanxi.api.errors import register_error_handlers
from guanxi.api.security import ApiKeys
from guanxi.service import Role


def _audit_lines(settings) -> list[dict]:
    return [json.loads(line) for line in settings.audit_log_path().read_text().splitlines()]


def test_answers_are_the_same_before_and_after_the_snapshot_is_ready(fresh_app, auth, facts):
    client, service, settings = fresh_app()
    assert not service.ready  # not a serving service: indexes are built on first use
    paths = [
        f"{API}/customers/{facts.grouped}/group?limit=3",
        f"{API}/groups/{facts.group_id}",
        f"{API}/influencers?limit=5",
    ]
    before = [client.get(p, headers=auth(Role.ADMIN)).json() for p in paths]
    service.snapshot.prepare()
    assert service.ready
    after = [client.get(p, headers=auth(Role.ADMIN)).json() for p in paths]
    assert before == after
    lines = _audit_lines(settings)
    assert len(lines) == 6 and {line["outcome"] for line in lines} == {"ok"}
    assert lines[0]["endpoint"] == paths[0].split("?")[0] and lines[0]["query"] == "limit=3"


def test_the_hot_routes_still_refuse_and_audit_refusals(fresh_app, auth, facts):
    client, service, settings = fresh_app()
    service.snapshot.prepare()
    assert client.get(f"{API}/customers/{facts.grouped}/group").status_code == 401
    assert client.get(f"{API}/influencers", headers={"Authorization": "Bearer no"}).status_code == (
        401
    )
    r = client.get(f"{API}/customers/{facts.grouped}/group", headers=auth(Role.MARKETING))
    assert r.status_code == 403
    r = client.get(f"{API}/influencers", headers=auth(Role.RISK))
    assert r.status_code == 403
    assert [line["outcome"] for line in _audit_lines(settings)] == ["denied", "denied"]
    r = client.get(f"{API}/customers/{facts.single}/group", headers=auth(Role.RISK))
    assert r.status_code == 404


def test_read_calls_in_place_when_ready_and_in_the_thread_pool_otherwise(
    embedded_service, analyzed_db
):
    import asyncio

    from guanxi.service import GraphService

    threads: list[int] = []

    def method() -> str:
        threads.append(threading.get_ident())
        return "answer"

    cold = GraphService.from_path(analyzed_db)
    assert asyncio.run(read(cold, method)) == "answer"
    embedded_service.snapshot.prepare()
    assert embedded_service.ready

    async def ready() -> tuple[str, int]:
        return await read(embedded_service, method), threading.get_ident()

    answer, loop_thread = asyncio.run(ready())
    assert answer == "answer"
    assert threads[0] != threads[1] == loop_thread


def test_the_caller_dependency_authenticates_on_its_own(analyzed_db, keys, auth, tmp_path):
    from guanxi.api.auditlog import AuditLog
    from guanxi.service import GraphService

    app = FastAPI()
    register_error_handlers(app)
    app.state.keys = ApiKeys(keys.path)
    app.state.audit = AuditLog(tmp_path / "audit.jsonl")
    app.state.service = GraphService.from_path(analyzed_db)

    @app.get("/whoami")  # no router dependency authenticates first
    async def whoami(caller: CallerDep):
        caller.audit.read(["x"])
        return {"name": caller.principal.name, "role": caller.principal.role.value}

    with TestClient(app) as client:
        assert client.get("/whoami").status_code == 401
        assert client.get("/whoami", headers={"Authorization": "Bearer nope"}).status_code == 401
        r = client.get("/whoami", headers=auth(Role.RISK))
        assert r.status_code == 200 and r.json()["role"] == "risk"
    assert len((tmp_path / "audit.jsonl").read_text().splitlines()) == 1


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/api/v1/customers/00012/group", b""),
        ("/api/v1/influencers", b"limit=5&segment=mass"),
        ("/api/v1/customers/张伟/group", "limit=2&region=上海".encode()),
        ("/api/v1/customers/a b/group", b"x=%20y"),
        ("/api/v1/customers/a?b/group", b""),
        ("/api/v1/customers/a#b/group", b"q=1#frag"),
        ("/api/v1/customers/a\\b/group", b""),
        ("/api/v1/customers/a\tb/group", b"q=\t"),
        ("//api/v1/x", b""),
        ("/api/v1/customers/%2F/group", b"a=%00"),
    ],
)
def test_the_audit_path_and_query_are_the_url_s(path, query):
    scope = {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "query_string": query,
        "headers": [(b"host", b"127.0.0.1:8000")],
        "server": ("127.0.0.1", 8000),
    }
    request = Request(scope)
    assert _path_and_query(request) == (request.url.path, request.url.query)
    no_host = Request({**scope, "headers": []})
    assert _path_and_query(no_host) == (no_host.url.path, no_host.url.query)


def test_a_missing_keys_file_is_not_opened_on_every_request(tmp_path, monkeypatch, keys):
    import guanxi.api.security as security

    reads: list = []
    real = security._read_file
    monkeypatch.setattr(security, "_read_file", lambda p: reads.append(p) or real(p))
    path = tmp_path / "keys.json"
    store = ApiKeys(path)
    key = store.add_ephemeral("dev", Role.ADMIN)
    for _ in range(5):
        assert store.authenticate(key) is not None
    assert len(reads) == 1
    path.write_text(keys.path.read_text())  # a keys file appears: read at once
    assert store.authenticate(keys.plain[Role.RISK]).role == Role.RISK
    assert len(reads) == 2


def test_the_routers_included_one_by_one_serve_the_same_api(client):
    from guanxi.api.app import API_PREFIX, api_router

    nested = FastAPI()
    nested.include_router(api_router, prefix=API_PREFIX)
    assert client.app.openapi()["paths"] == nested.openapi()["paths"]
    assert f"{API}/customers/{{customer_id}}/group" in nested.openapi()["paths"]
