"""``/api/v1/households/{id}``: a household's members and combined balances."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from guanxi.api.deps import AuditDep, PrincipalDep, ServiceDep, get_principal
from guanxi.api.errors import ERROR_RESPONSES
from guanxi.api.params import HouseholdId
from guanxi.api.schemas import HouseholdPublic

__all__ = ["router"]

router = APIRouter(
    prefix="/households",
    tags=["households"],
    dependencies=[Depends(get_principal)],
    responses=ERROR_RESPONSES,
)


@router.get(
    "/{household_id}",
    response_model=HouseholdPublic,
    response_model_exclude_unset=True,
    summary="A household: members and roles, deposits, exposure by role",
)
def read_household(
    household_id: HouseholdId, service: ServiceDep, principal: PrincipalDep, audit: AuditDep
):
    answer = service.household(household_id, role=principal.role)
    audit.read(m["customer_id"] for m in answer["members"])
    return answer
