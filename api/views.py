"""``/api/v1/views/...``: interactive HTML views of a customer, a group, a circle or a
cascade, built from the same role-masked :class:`~guanxi.view_model.NetworkView` as the
JSON answers and drawn by ``guanxi.viz.render_view``. Without that renderer installed,
these routes answer 503."""

from __future__ import annotations

import inspect
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse

from guanxi.api.deps import AuditDep, PrincipalDep, ServiceDep, get_principal
from guanxi.api.errors import ERROR_RESPONSES, ViewsUnavailable
from guanxi.api.params import (
    DEFAULT_LIMIT,
    CircleId,
    CustomerId,
    GroupId,
    Hops,
    MaxDepth,
    MaxNodes,
    NodeLimit,
)
from guanxi.api.schemas import EdgeType
from guanxi.view_model import NetworkView

__all__ = ["router", "render"]

router = APIRouter(
    prefix="/views",
    tags=["views"],
    dependencies=[Depends(get_principal)],
    responses=ERROR_RESPONSES,
)

_HTML = {200: {"content": {"text/html": {"schema": {"type": "string"}}}, "description": "HTML"}}


def render(view: NetworkView, kind: str = "network") -> str:
    """The view as a self-contained HTML page (503 when no renderer is installed).

    ``kind`` (network, group, circle, cascade) picks the renderer's layout when it
    takes one."""
    try:
        from guanxi.viz import render_view
    except ImportError as exc:
        raise ViewsUnavailable(
            "HTML views are not available: guanxi.viz.render_view is not installed"
        ) from exc
    if "kind" in inspect.signature(render_view).parameters:
        return render_view(view, kind=kind)
    return render_view(view)


def _answer(view: NetworkView, audit, kind: str) -> HTMLResponse:
    html = render(view, kind)
    audit.read(view.customer_ids())
    return HTMLResponse(html)


@router.get(
    "/customer/{customer_id}",
    response_model=None,
    responses=_HTML,
    summary="A customer's neighbourhood, as an interactive HTML page",
)
def customer_view(
    customer_id: CustomerId,
    service: ServiceDep,
    principal: PrincipalDep,
    audit: AuditDep,
    hops: Hops = 1,
    types: Annotated[list[EdgeType] | None, Query(max_length=5)] = None,
    limit: NodeLimit = DEFAULT_LIMIT,
):
    view = service.network(
        customer_id,
        hops=hops,
        types=[t.value for t in types] if types else None,
        limit=limit,
        role=principal.role,
    )
    return _answer(view, audit, "network")


@router.get(
    "/group/{group_id}",
    response_model=None,
    responses=_HTML,
    summary="An exposure group, as an interactive HTML page",
)
def group_view(group_id: GroupId, service: ServiceDep, principal: PrincipalDep, audit: AuditDep):
    return _answer(service.group_view(group_id, role=principal.role), audit, "group")


@router.get(
    "/circle/{circle_id}",
    response_model=None,
    responses=_HTML,
    summary="A guarantee circle with its cycles highlighted, as an interactive HTML page",
)
def circle_view(circle_id: CircleId, service: ServiceDep, principal: PrincipalDep, audit: AuditDep):
    return _answer(service.circle_view(circle_id, role=principal.role), audit, "circle")


@router.get(
    "/cascade/{customer_id}",
    response_model=None,
    responses=_HTML,
    summary="A referral cascade by generation, as an interactive HTML page",
)
def cascade_view(
    customer_id: CustomerId,
    service: ServiceDep,
    principal: PrincipalDep,
    audit: AuditDep,
    max_depth: MaxDepth = None,
    max_nodes: MaxNodes = 500,
):
    view = service.cascade_view(
        customer_id, max_depth=max_depth, max_nodes=max_nodes, role=principal.role
    )
    return _answer(view, audit, "cascade")
