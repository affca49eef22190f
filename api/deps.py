"""Typed dependencies of the routes: the service, the caller, the audit trail.

``ServiceDep``, ``PrincipalDep`` and ``AuditDep`` are what a route declares; the
objects behind them are built once per app (:func:`guanxi.api.app.create_app`) and
kept on ``app.state``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from guanxi.api.auditlog import AuditLog, audit_entry
from guanxi.api.security import ApiKeys, Principal, require_principal
from guanxi.service import GraphService

__all__ = [
    "bearer",
    "get_service",
    "get_principal",
    "get_auditor",
    "Auditor",
    "ServiceDep",
    "PrincipalDep",
    "AuditDep",
    "read",
    "Caller",
    "get_caller",
    "CallerDep",
]


async def read(service: GraphService, method: Callable[..., Any], /, *args: Any, **kwargs: Any):
    """``method(*args, **kwargs)``, a read of ``service``, from a coroutine route.

    Called at once when the service is :attr:`~guanxi.service.GraphService.ready` (the
    hot answers then take tens of microseconds, less than a hop to the thread pool),
    else in the thread pool, so that reading the store or building the snapshot's
    indexes never holds up the event loop."""
    if service.ready:
        return method(*args, **kwargs)
    return await run_in_threadpool(method, *args, **kwargs)


bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key: `Authorization: Bearer gx_...` "
    "(create one with `guanxi serve --create-key NAME --role ROLE`).",
)


# The dependencies are coroutines: they only read app.state (and, for the caller, stat
# the keys file and hash a key), and FastAPI runs a plain function dependency in its
# thread pool, a hop that costs more than the work.
async def get_service(request: Request) -> GraphService:
    return request.app.state.service


async def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller, from the ``Authorization: Bearer`` API key (401 without a known one,
    503 while the keys file is broken)."""
    keys: ApiKeys = request.app.state.keys
    principal = require_principal(keys, credentials.credentials if credentials else None)
    request.state.principal = principal
    return principal


class Auditor:
    """Writes the current request to the audit trail."""

    def __init__(self, log: AuditLog, request: Request, principal: Principal):
        self.log, self.request, self.principal = log, request, principal

    def read(self, customer_ids: Iterable[str]) -> None:
        """A successful read of these customers (called before the answer is sent)."""
        self.log.append(
            audit_entry(
                self.request, self.principal, outcome="ok", status=200, customer_ids=customer_ids
            )
        )

    def denied(self) -> None:
        self.log.append(
            audit_entry(self.request, self.principal, outcome="denied", status=403, customer_ids=())
        )


async def get_auditor(
    request: Request, principal: Annotated[Principal, Depends(get_principal)]
) -> Auditor:
    auditor = Auditor(request.app.state.audit, request, principal)
    request.state.auditor = auditor
    return auditor


class Caller:
    """What a route needs of one request: the service, the caller, the audit trail.

    FastAPI resolves every dependency of a route, and all of theirs, on every request
    (tens of microseconds apiece, even for a value it has cached), so the busiest
    routes declare this one dependency, which has none, instead of ``ServiceDep``,
    ``PrincipalDep`` and ``AuditDep``."""

    __slots__ = ("service", "principal", "audit")

    def __init__(self, service: GraphService, principal: Principal, audit: Auditor):
        self.service, self.principal, self.audit = service, principal, audit


async def get_caller(request: Request) -> Caller:
    """The :class:`Caller` of a route whose router authenticates (``get_principal`` as a
    router dependency runs first and leaves the principal on the request); anywhere
    else, the key is checked here."""
    principal = getattr(request.state, "principal", None)
    if principal is None:
        principal = await get_principal(request, await bearer(request))
    return Caller(request.app.state.service, principal, await get_auditor(request, principal))


ServiceDep = Annotated[GraphService, Depends(get_service)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
AuditDep = Annotated[Auditor, Depends(get_auditor)]
CallerDep = Annotated[Caller, Depends(get_caller)]
