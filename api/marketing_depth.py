"""The marketer's routes (issue 17): ``/api/v1/value-tiers``, ``/api/v1/at-risk``,
``/api/v1/communities`` and ``/api/v1/relationship-managers``, read from the result
sets of the published analysis run (:class:`~guanxi.service.campaigns.CampaignAnswers`).

Every route needs the marketing capability (403 otherwise); value amounts are absent
for roles without the credit capability. Lists are paged with ``limit`` (rows per page)
and ``page`` (from 1); every customer an answer names is written to the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path

from guanxi.api.deps import CallerDep, get_principal, read
from guanxi.api.errors import ERROR_RESPONSES
from guanxi.api.marketing_schemas import (
    AtRiskListPublic,
    CommunitiesPublic,
    CommunityPublic,
    PortfolioDetailPublic,
    PortfoliosPublic,
    Quadrant,
    Tier,
    ValueTiersPublic,
)
from guanxi.api.params import Page, PageSize

__all__ = ["router"]

router = APIRouter(dependencies=[Depends(get_principal)], responses=ERROR_RESPONSES)

CommunityId = Annotated[str, Path(min_length=1, max_length=128, description="A community_id")]
RmId = Annotated[
    str, Path(min_length=1, max_length=128, description="A relationship manager's rm_id")
]


def _limited(answer: dict[str, Any]) -> dict[str, Any]:
    """The service's ``page_size`` as the API's ``limit``."""
    answer["limit"] = answer.pop("page_size")
    return answer


def _ids(people: Iterable[dict[str, Any] | None]) -> Iterator[str]:
    for p in people:
        if p:
            yield p["customer_id"]


@router.get(
    "/value-tiers",
    tags=["value tiers"],
    response_model=ValueTiersPublic,
    response_model_exclude_unset=True,
    summary="Active customers by value, best first, optionally of one tier or quadrant",
)
async def list_value_tiers(
    caller: CallerDep,
    tier: Tier | None = None,
    quadrant: Quadrant | None = None,
    limit: PageSize = 50,
    page: Page = 1,
):
    service = caller.service
    answer = await read(
        service,
        service.value_tiers,
        tier=None if tier is None else tier.value,
        quadrant=None if quadrant is None else quadrant.value,
        page=page,
        page_size=limit,
        role=caller.principal.role,
    )
    caller.audit.read(_ids(answer["data"]))
    return _limited(answer)


@router.get(
    "/at-risk",
    tags=["at risk"],
    response_model=AtRiskListPublic,
    response_model_exclude_unset=True,
    summary="Customers at risk because customers close to them left, highest hazard first",
)
async def list_at_risk(caller: CallerDep, limit: PageSize = 50, page: Page = 1):
    service = caller.service
    answer = await read(
        service, service.at_risk, page=page, page_size=limit, role=caller.principal.role
    )
    caller.audit.read(
        [r["customer_id"] for r in answer["data"]]
        + [d["customer_id"] for r in answer["data"] for d in r.get("departed", ())]
    )
    return _limited(answer)


@router.get(
    "/communities",
    tags=["communities"],
    response_model=CommunitiesPublic,
    response_model_exclude_unset=True,
    summary="Communities of the social graph, largest first, with their profiles",
)
async def list_communities(caller: CallerDep, limit: PageSize = 50, page: Page = 1):
    service = caller.service
    answer = await read(
        service, service.communities, page=page, page_size=limit, role=caller.principal.role
    )
    caller.audit.read(_ids(c.get("top_influencer") for c in answer["data"]))
    return _limited(answer)


@router.get(
    "/communities/{community_id}",
    tags=["communities"],
    response_model=CommunityPublic,
    response_model_exclude_unset=True,
    summary="One community: its profile and a page of its members, best value first",
)
async def read_community(
    community_id: CommunityId, caller: CallerDep, limit: PageSize = 50, page: Page = 1
):
    service = caller.service
    answer = await read(
        service,
        service.community,
        community_id,
        limit=limit,
        page=page,
        role=caller.principal.role,
    )
    caller.audit.read(_ids([answer["community"].get("top_influencer"), *answer["members"]]))
    return answer


@router.get(
    "/relationship-managers",
    tags=["relationship managers"],
    response_model=PortfoliosPublic,
    response_model_exclude_unset=True,
    summary="Relationship managers' portfolios, largest AUM first",
)
async def list_portfolios(caller: CallerDep, limit: PageSize = 50, page: Page = 1):
    service = caller.service
    answer = await read(
        service, service.rm_portfolios, page=page, page_size=limit, role=caller.principal.role
    )
    caller.audit.read(_ids(p for r in answer["data"] for p in r.get("top_at_risk", ())))
    return _limited(answer)


@router.get(
    "/relationship-managers/{rm_id}",
    tags=["relationship managers"],
    response_model=PortfolioDetailPublic,
    response_model_exclude_unset=True,
    summary="One relationship manager's portfolio, with its customers most at risk",
)
async def read_portfolio(rm_id: RmId, caller: CallerDep):
    service = caller.service
    answer = await read(service, service.rm_portfolio, rm_id, role=caller.principal.role)
    caller.audit.read(_ids(answer["portfolio"].get("top_at_risk", ())))
    return answer
