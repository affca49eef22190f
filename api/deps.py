"""Typed dependencies of the routes: the service, the caller, the audit trail.

``ServiceDep``, ``PrincipalDep`` and ``AuditDep`` are what a route declares; the
objects behind them are built once per app (:func:`guanxi.api.app.create_app`) and
kept on ``app.state``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from guanxi.api.auditlog import AuditLog, audit_entry
from guanxi.api.security import ApiKeys, Principal
from guanxi.errors import Unauthorized
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
]

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="ApiKey",
    description="An API key: `Authorization: Bearer gx_...` "
    "(create one with `guanxi serve --create-key NAME --role ROLE`).",
)


def get_service(request: Request) -> GraphService:
    return request.app.state.service


def get_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller, from the ``Authorization: Bearer`` API key (401 without a known one)."""
    if credentials is None:
        raise Unauthorized("an API key is required: send `Authorization: Bearer <key>`")
    keys: ApiKeys = request.app.state.keys
    principal = keys.authenticate(credentials.credentials)
    if principal is None:
        raise Unauthorized("unknown API key")
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


def get_auditor(
    request: Request, principal: Annotated[Principal, Depends(get_principal)]
) -> Auditor:
    auditor = Auditor(request.app.state.audit, request, principal)
    request.state.auditor = auditor
    return auditor


ServiceDep = Annotated[GraphService, Depends(get_service)]
PrincipalDep = Annotated[Principal, Depends(get_principal)]
AuditDep = Annotated[Auditor, Depends(get_auditor)]
