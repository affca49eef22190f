"""``/api/v1/influencers``: the referral hubs of the published analysis run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from guanxi.api.deps import CallerDep, get_principal, read
from guanxi.api.errors import ERROR_RESPONSES
from guanxi.api.params import Page
from guanxi.api.schemas import InfluencersPublic
from guanxi.limits import MAX_PAGE_SIZE

__all__ = ["router"]

router = APIRouter(
    prefix="/influencers",
    tags=["influencers"],
    dependencies=[Depends(get_principal)],
    responses=ERROR_RESPONSES,
)


@router.get(
    "",
    response_model=InfluencersPublic,
    response_model_exclude_unset=True,
    summary="Referral influencers, best first, optionally of one segment or region "
    "(case ignored), paged",
)
async def list_influencers(
    caller: CallerDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
    segment: Annotated[str | None, Query(max_length=100)] = None,
    region: Annotated[str | None, Query(max_length=100)] = None,
    page: Page = 1,
):
    service = caller.service
    answer = await read(
        service,
        service.influencers,
        limit=limit,
        segment=segment,
        region=region,
        page=page,
        role=caller.principal.role,
    )
    caller.audit.read(r["customer_id"] for r in answer["data"])
    return answer
