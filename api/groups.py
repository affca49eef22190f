"""``/api/v1/groups``: exposure groups of connected clients, and one group across every
stored official run (``/groups/{group_id}/history``)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from guanxi.api.customers import group_customer_ids
from guanxi.api.deps import AuditDep, CallerDep, PrincipalDep, ServiceDep, get_principal, read
from guanxi.api.errors import ERROR_RESPONSES
from guanxi.api.history_schemas import GroupHistoryPublic
from guanxi.api.params import GroupId, NodeLimit, Page, PageSize
from guanxi.api.schemas import AmountIn, GroupPublic, GroupsPublic
from guanxi.service import GroupSort

__all__ = ["router"]

router = APIRouter(
    prefix="/groups",
    tags=["groups"],
    dependencies=[Depends(get_principal)],
    responses=ERROR_RESPONSES,
)


@router.get(
    "",
    response_model=GroupsPublic,
    response_model_exclude_unset=True,
    summary="Exposure groups, filtered by status and exposure, paged",
)
def list_groups(
    service: ServiceDep,
    principal: PrincipalDep,
    audit: AuditDep,
    status: Annotated[Literal["ok", "large", "breach"] | None, Query()] = None,
    min_exposure: Annotated[
        AmountIn | None,
        Query(
            ge=0,
            allow_inf_nan=False,
            description="Groups whose exposure is at least this (exact, in the reporting currency)",
        ),
    ] = None,
    sort: Annotated[GroupSort, Query(description="Numbers largest first")] = GroupSort.EXPOSURE,
    page: Page = 1,
    page_size: PageSize = 50,
):
    answer = service.groups(
        status=status,
        min_exposure=min_exposure,
        sort=sort,
        page=page,
        page_size=page_size,
        role=principal.role,
    )
    audit.read(
        x for g in answer["data"] for x in (g["group_id"], g.get("largest_member")) if x is not None
    )
    return answer


@router.get(
    "/{group_id}",
    response_model=GroupPublic,
    response_model_exclude_unset=True,
    summary="One exposure group: members, links with reasons and source rows, totals",
)
async def read_group(group_id: GroupId, caller: CallerDep, limit: NodeLimit = 2000):
    service = caller.service
    answer = await read(service, service.group, group_id, limit=limit, role=caller.principal.role)
    caller.audit.read(group_customer_ids(answer))
    return answer


@router.get(
    "/{group_id}/history",
    response_model=GroupHistoryPublic,
    summary="One exposure group across every stored official run, oldest first: size, "
    "exposure, % of Tier 1, status and what became of it (continued, merged, split, ...)",
)
def read_group_history(
    group_id: GroupId, service: ServiceDep, principal: PrincipalDep, audit: AuditDep
):
    answer = service.group_history(group_id, role=principal.role)
    audit.read(
        {answer["group_id"]}
        | {
            x
            for e in answer["data"]
            for x in (e["other_id"], *e["merged_in"], *e["split_off"])
            if x is not None
        }
    )
    return answer
