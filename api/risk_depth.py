"""The risk officer's depth routes (issue 16): ``/search`` (customers by the start of
a name, id number, unified social credit code or customer id),
``/groups/{group_id}/evidence`` (why each member belongs), ``/guarantee-circles/
{circle_id}/key-guarantors``, ``/dependency-review`` and ``POST /whatif/default``
(guarantee contagion on the stored data, nothing written)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query

from guanxi.api.deps import CallerDep, get_principal, read
from guanxi.api.errors import BODY_ERROR_RESPONSES, ERROR_RESPONSES
from guanxi.api.params import CircleId, GroupId, NodeLimit, Page, PageSize
from guanxi.api.risk_schemas import (
    DependencyReviewPublic,
    EvidencePublic,
    KeyGuarantorsPublic,
    SearchPublic,
    WhatIfDefaultPublic,
    WhatIfDefaultRequest,
)
from guanxi.limits import MAX_NODES, MAX_PAGE_SIZE

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(get_principal)], responses=ERROR_RESPONSES)


@router.get(
    "/search",
    tags=["search"],
    response_model=SearchPublic,
    response_model_exclude_unset=True,
    summary="Customers whose name, id number (unified social credit code) or customer id "
    "starts with the text, case-insensitive; PII masked for roles without it",
)
async def search_customers(
    caller: CallerDep,
    q: Annotated[
        str,
        Query(
            min_length=1,
            max_length=200,
            pattern=r"\S",
            description="The start of a name, id number or customer id",
        ),
    ],
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
):
    service = caller.service
    answer = await read(service, service.search, q, limit=limit, role=caller.principal.role)
    caller.audit.read(r["customer_id"] for r in answer["data"])
    return answer


@router.get(
    "/groups/{group_id}/evidence",
    tags=["groups"],
    response_model=EvidencePublic,
    response_model_exclude_unset=True,
    summary="One exposure group's head and every member's evidence path to it: the hops, "
    "each with its reason and source row",
)
async def read_group_evidence(group_id: GroupId, caller: CallerDep, limit: NodeLimit = MAX_NODES):
    service = caller.service
    answer = await read(
        service, service.group_evidence, group_id, limit=limit, role=caller.principal.role
    )
    caller.audit.read(
        {m["customer_id"] for m in answer["members"]}
        | {x for m in answer["members"] for h in m["hops"] for x in (h["a"], h["b"])}
    )
    return answer


@router.get(
    "/guarantee-circles/{circle_id}/key-guarantors",
    tags=["guarantee circles"],
    response_model=KeyGuarantorsPublic,
    response_model_exclude_unset=True,
    summary="A guarantee circle's members ranked by the exposure their default alone puts "
    "at risk, as the published run stored the ranking",
)
async def read_key_guarantors(circle_id: CircleId, caller: CallerDep):
    service = caller.service
    answer = await read(
        service, service.circle_key_guarantors, circle_id, role=caller.principal.role
    )
    caller.audit.read(r["customer_id"] for r in answer["data"])
    return answer


@router.get(
    "/dependency-review",
    tags=["dependency review"],
    response_model=DependencyReviewPublic,
    response_model_exclude_unset=True,
    summary="Economic dependencies of the customers at or above the review share of Tier 1, "
    "to assess, largest exposure first, paged",
)
async def list_dependency_review(caller: CallerDep, page: Page = 1, page_size: PageSize = 50):
    service = caller.service
    answer = await read(
        service,
        service.dependency_review,
        page=page,
        page_size=page_size,
        role=caller.principal.role,
    )
    caller.audit.read(
        x
        for r in answer["data"]
        for x in (r["customer_id"], r.get("counterparty_id"))
        if x is not None
    )
    return answer


@router.post(
    "/whatif/default",
    tags=["what-if"],
    responses=BODY_ERROR_RESPONSES,
    response_model=WhatIfDefaultPublic,
    response_model_exclude_unset=True,
    summary="Guarantee contagion if these customers default, on the published run's data: "
    "defaults round by round, guarantors called who stand, exposure at risk (nothing "
    "is written)",
)
def whatif_default(caller: CallerDep, request: Annotated[WhatIfDefaultRequest, Body()]):
    answer = caller.service.whatif_default(
        request.customer_ids,
        threshold=request.threshold,
        default_without_net_assets=request.default_without_net_assets,
        role=caller.principal.role,
    )
    caller.audit.read(
        {r["customer_id"] for r in answer["defaults"]}
        | {r["customer_id"] for r in answer["standing"]}
        | set(answer["customer_ids"])
    )
    return answer
