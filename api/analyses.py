"""``/api/v1/analyses``: re-run the analyses (admin), and describe the published run
every answer's figures come from (``/analyses/latest``: its id, kind, date, the
snapshot of the data it read and that snapshot's date, options, summary, reporting
currency and rates).

``POST /analyses/refresh`` (admin) re-reads the store without re-running anything, e.g.
after ``guanxi load`` or ``guanxi analyze`` ran beside the server.
"""

from __future__ import annotations

from fastapi import APIRouter, Body, Depends

from guanxi.api.deps import PrincipalDep, ServiceDep, get_principal
from guanxi.api.errors import BODY_ERROR_RESPONSES, ERROR_RESPONSES
from guanxi.api.schemas import AnalysisPublic, AnalysisRequest
from guanxi.roles import Capability, require

__all__ = ["router"]

router = APIRouter(
    prefix="/analyses",
    tags=["analyses"],
    dependencies=[Depends(get_principal)],
    responses=ERROR_RESPONSES,
)


@router.post(
    "",
    responses=BODY_ERROR_RESPONSES,
    response_model=AnalysisPublic,
    summary="Run every analysis again, write the results back, serve them (admin only)",
)
def run_analyses(
    service: ServiceDep,
    principal: PrincipalDep,
    request: AnalysisRequest = Body(default_factory=AnalysisRequest),  # noqa: B008
):
    require(principal.role, Capability.ADMIN, "run analyses")
    options = service.default_options(**request.model_dump())
    return service.analyze(options, role=principal.role)


@router.get(
    "/latest",
    response_model=AnalysisPublic,
    summary="The published run the answers come from: when, with which options, from which data",
)
def latest_analysis(service: ServiceDep) -> dict:
    return service.latest_analysis()


@router.post(
    "/refresh",
    response_model=AnalysisPublic,
    summary="Re-read the store (after a load or an analysis beside the server; admin only)",
)
def refresh_snapshot(service: ServiceDep, principal: PrincipalDep) -> dict:
    require(principal.role, Capability.ADMIN, "refresh the served data")
    service.refresh()
    return service.latest_analysis()
