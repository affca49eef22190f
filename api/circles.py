"""``/api/v1/guarantee-circles``: strongly connected sets of guarantors (担保圈)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from guanxi.api.deps import AuditDep, PrincipalDep, ServiceDep, get_principal
from guanxi.api.errors import ERROR_RESPONSES
from guanxi.api.params import CircleId, Page, PageSize
from guanxi.api.schemas import CirclePublic, CirclesPublic

__all__ = ["router"]

router = APIRouter(
    prefix="/guarantee-circles",
    tags=["guarantee circles"],
    dependencies=[Depends(get_principal)],
    responses=ERROR_RESPONSES,
)


@router.get(
    "",
    response_model=CirclesPublic,
    response_model_exclude_unset=True,
    summary="Guarantee circles, largest first",
)
def list_circles(
    service: ServiceDep,
    principal: PrincipalDep,
    audit: AuditDep,
    page: Page = 1,
    page_size: PageSize = 50,
):
    answer = service.circles(page=page, page_size=page_size, role=principal.role)
    audit.read(c["circle_id"] for c in answer["data"])
    return answer


@router.get(
    "/{circle_id}",
    response_model=CirclePublic,
    response_model_exclude_unset=True,
    summary="One guarantee circle: members, guarantees inside it, its cycles",
)
def read_circle(circle_id: CircleId, service: ServiceDep, principal: PrincipalDep, audit: AuditDep):
    answer = service.circle(circle_id, role=principal.role)
    audit.read(m["customer_id"] for m in answer["members"])
    return answer
