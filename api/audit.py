"""``GET /api/v1/audit``: the audit trail, for admins, newest first (see
:mod:`guanxi.api.auditlog`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from guanxi.api.auditlog import AuditLog
from guanxi.api.deps import PrincipalDep, get_principal
from guanxi.api.errors import ERROR_RESPONSES
from guanxi.api.schemas import AuditPublic
from guanxi.limits import MAX_PAGE_SIZE
from guanxi.roles import Capability, require

__all__ = ["router"]

router = APIRouter(
    prefix="/audit",
    tags=["audit"],
    dependencies=[Depends(get_principal)],
    responses=ERROR_RESPONSES,
)


@router.get(
    "",
    response_model=AuditPublic,
    summary="The audit trail of customer-level reads (admin only), newest first",
)
def read_audit(
    request: Request,
    principal: PrincipalDep,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 100,
    who: Annotated[str | None, Query(max_length=100, description="Only this key's name")] = None,
    customer_id: Annotated[
        str | None, Query(max_length=128, description="Only reads that named this customer")
    ] = None,
) -> AuditPublic:
    require(principal.role, Capability.ADMIN, "read the audit trail")
    log: AuditLog = request.app.state.audit
    data, count = log.read(page=page, page_size=page_size, who=who, customer_id=customer_id)
    return AuditPublic(data=data, count=count, page=page, page_size=page_size)
