"""``/api/v1/runs``: the analysis runs kept in the store, newest first.

Every role may list them: a run's ids, dates and counts name no customer. The list is
the one read with the published run (``POST /analyses/refresh`` reads it again).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from guanxi.api.deps import PrincipalDep, ServiceDep, get_principal
from guanxi.api.errors import ERROR_RESPONSES
from guanxi.api.history_schemas import RunsPublic
from guanxi.api.params import Page, PageSize

__all__ = ["router"]

router = APIRouter(
    prefix="/runs",
    tags=["runs"],
    dependencies=[Depends(get_principal)],
    responses=ERROR_RESPONSES,
)


@router.get(
    "",
    response_model=RunsPublic,
    summary="The stored analysis runs, newest first: kind, dates, what each was compared "
    "with, counts",
)
def list_runs(
    service: ServiceDep,
    principal: PrincipalDep,
    kind: Annotated[Literal["official", "what-if"] | None, Query()] = None,
    page: Page = 1,
    page_size: PageSize = 50,
):
    return service.runs(kind=kind, page=page, page_size=page_size, role=principal.role)
