"""The FastAPI application, assembled in one place.

:func:`create_app` builds the app around one :class:`~guanxi.service.GraphService`:
the lifespan opens the store named by the settings, reads a snapshot and lets the
embedded store go (Neo4j keeps its one driver for refreshes), and closes what it
opened at shutdown. Routes live under ``/api/v1``, one router per resource; the
OpenAPI document is at ``/openapi.json`` and the interactive docs at ``/docs`` (Swagger
UI) and ``/redoc``, served offline with their assets from the package
(:mod:`guanxi.api.docs`). Before any route runs, :class:`~guanxi.api.guard.RequestGuard`
checks the API key of a request with a body and caps the body's size (413 above
``api_max_body_bytes``), without reading it.

Run it with ``guanxi serve``.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from guanxi import __version__
from guanxi.api import (
    alerts,
    analyses,
    audit,
    campaigns,
    changes,
    circles,
    customers,
    groups,
    health,
    households,
    influencers,
    marketing_depth,
    risk_depth,
    runs,
    views,
)
from guanxi.api.auditlog import AuditLog
from guanxi.api.docs import install_docs
from guanxi.api.errors import register_error_handlers
from guanxi.api.guard import RequestGuard
from guanxi.api.security import ApiKeys
from guanxi.errors import ConfigError
from guanxi.service import GraphService, Role
from guanxi.settings import Settings, get_settings

__all__ = ["create_app", "api_router", "API_PREFIX", "PUBLIC_PATHS"]

log = logging.getLogger("guanxi.api")

API_PREFIX = "/api/v1"
#: the only paths under API_PREFIX that need no API key
PUBLIC_PATHS = frozenset({f"{API_PREFIX}/health"})

_ROUTERS = tuple(
    m.router
    for m in (
        health,
        customers,
        groups,
        circles,
        risk_depth,
        influencers,
        campaigns,
        marketing_depth,
        households,
        analyses,
        runs,
        changes,
        alerts,
        audit,
        views,
    )
)

#: every route of the API, without its prefix (what a second app, e.g. one that only
#: serves the documentation, includes)
api_router = APIRouter()
for _router in _ROUTERS:
    api_router.include_router(_router)

DESCRIPTION = """\
Connected-client groups, guarantee circles, referral reach and influencers of a bank,
served per role. Every request but `/api/v1/health` needs `Authorization: Bearer <key>`
(create a key with `guanxi serve --create-key NAME --role ROLE`).

Roles: **risk** (exposure, groups, circles, PII in clear), **marketing** (referrals,
influencers, seeds, communities; no credit amounts; PII masked), **analyst**
(everything, PII masked), **admin** (everything, runs analyses, reads the audit trail).
Every read of customer-level data is written to the audit trail.

Month over month: every analysis run is kept (`/runs`); each stores what changed since
the run published before it (`/changes`, `/groups/{id}/history`) and the alerts it
raised (`/alerts`).
"""


def create_app(
    settings: Settings | None = None,
    service: GraphService | None = None,
    *,
    keys: ApiKeys | None = None,
) -> FastAPI:
    """The API around ``service`` (or one built from ``settings`` at startup).

    Parameters
    ----------
    settings : Settings, optional
        Default: :func:`guanxi.settings.get_settings`.
    service : GraphService, optional
        A service to serve (the caller keeps it and closes it); by default the
        lifespan builds one from ``settings`` and closes it at shutdown.
    keys : ApiKeys, optional
        Default: the keys file of the settings.

    Raises
    ------
    ConfigError
        No API key is configured and ``settings.api_dev`` is off; the keys file is
        broken; the audit log cannot be written.
    """
    settings = settings or get_settings()
    keys = keys if keys is not None else ApiKeys.from_settings(settings)
    known = len(keys)
    if keys.broken is not None:
        raise ConfigError(keys.broken)
    if not known:
        if not settings.api_dev:
            raise ConfigError(
                f"no API keys in {settings.api_keys_path()}: create one with "
                "`guanxi serve --create-key NAME --role ROLE`, or start a local "
                "development server with `guanxi serve --dev`"
            )
        key = keys.add_ephemeral("dev", Role.ADMIN)
        log.warning("development mode: no API keys configured; throw-away admin key: %s", key)
    audit_log = AuditLog(settings.audit_log_path())
    audit_log.check_writable()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if service is not None:
            yield
            return
        own = GraphService.from_settings(settings)
        own.serving = True
        own.try_refresh()
        app.state.service = own
        try:
            yield
        finally:
            own.close()

    app = FastAPI(
        title="guanxi",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url=None,  # install_docs: the same pages with local assets
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.keys = keys
    app.state.audit = audit_log
    app.state.service = service
    register_error_handlers(app)
    app.add_middleware(
        RequestGuard,
        keys=keys,
        max_body_bytes=settings.api_max_body_bytes,
        protected_prefix=API_PREFIX,
        public_paths=PUBLIC_PATHS,
    )
    install_docs(app, title="guanxi")
    # the resource routers one by one, not nested in api_router: each level of nesting
    # is walked again to match every request
    for router in _ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    return app
