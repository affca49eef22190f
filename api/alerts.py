"""``/api/v1/alerts``: the early warnings (风险预警) of the published run, against the run
it was compared with, as it stored them (the rules and their defaults are documented
in ``guanxi.algorithms.changes``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from guanxi.api.deps import AuditDep, PrincipalDep, ServiceDep, get_principal
from guanxi.api.errors import ERROR_RESPONSES
from guanxi.api.history_schemas import AlertsPublic
from guanxi.api.params import Page, PageSize
from guanxi.service import AlertRule, Severity

__all__ = ["router"]

router = APIRouter(
    prefix="/alerts",
    tags=["alerts"],
    dependencies=[Depends(get_principal)],
    responses=ERROR_RESPONSES,
)


@router.get(
    "",
    response_model=AlertsPublic,
    summary="The published run's alerts, high severity first, filtered by rule and severity",
)
def list_alerts(
    service: ServiceDep,
    principal: PrincipalDep,
    audit: AuditDep,
    rule: Annotated[AlertRule | None, Query()] = None,
    severity: Annotated[Severity | None, Query()] = None,
    page: Page = 1,
    page_size: PageSize = 50,
):
    answer = service.alerts(
        rule=rule, severity=severity, page=page, page_size=page_size, role=principal.role
    )
    audit.read(x for a in answer["data"] for x in (a["id"], a["group_id"]) if x is not None)
    return answer
