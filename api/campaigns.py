"""``POST /api/v1/campaigns/seeds``: whom a referral campaign should start with."""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends

from guanxi.api.deps import AuditDep, PrincipalDep, ServiceDep, get_principal
from guanxi.api.errors import BODY_ERROR_RESPONSES, ERROR_RESPONSES
from guanxi.api.schemas import SeedsPublic, SeedsRequest

__all__ = ["router"]

router = APIRouter(
    prefix="/campaigns",
    tags=["campaigns"],
    dependencies=[Depends(get_principal)],
    responses=ERROR_RESPONSES,
)


@router.post(
    "/seeds",
    responses=BODY_ERROR_RESPONSES,
    response_model=SeedsPublic,
    response_model_exclude_unset=True,
    summary="Campaign seeds by influence maximization, with expected reach",
)
def pick_seeds(
    service: ServiceDep,
    principal: PrincipalDep,
    audit: AuditDep,
    request: SeedsRequest = Body(default_factory=SeedsRequest),  # noqa: B008
):
    answer = service.seeds(
        k=request.k, budget=request.budget, exclude=request.exclude, role=principal.role
    )
    audit.read(r["customer_id"] for r in answer["data"])
    return answer
