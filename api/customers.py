"""``/api/v1/customers/{id}``: a customer's profile, network, exposure group, referral
cascade and suspected links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from guanxi.api.deps import AuditDep, CallerDep, PrincipalDep, ServiceDep, get_principal, read
from guanxi.api.errors import ERROR_RESPONSES
from guanxi.api.params import DEFAULT_LIMIT, CustomerId, Hops, MaxDepth, MaxNodes, NodeLimit
from guanxi.api.schemas import (
    CascadePublic,
    CustomerPublic,
    EdgeType,
    GroupPublic,
    NetworkPublic,
    SuspectedLinksPublic,
)

__all__ = ["router", "group_customer_ids"]

router = APIRouter(
    prefix="/customers",
    tags=["customers"],
    dependencies=[Depends(get_principal)],
    responses=ERROR_RESPONSES,
)


@router.get(
    "/{customer_id}",
    response_model=CustomerPublic,
    response_model_exclude_unset=True,
    summary="Profile, accounts, households; credit and referral metrics by role",
)
def read_customer(
    customer_id: CustomerId, service: ServiceDep, principal: PrincipalDep, audit: AuditDep
):
    answer = service.customer(customer_id, role=principal.role)
    audit.read([customer_id])
    return answer


@router.get(
    "/{customer_id}/network",
    response_model=NetworkPublic,
    summary="The customer's neighbourhood as nodes and edges (bounded)",
)
def read_network(
    customer_id: CustomerId,
    service: ServiceDep,
    principal: PrincipalDep,
    audit: AuditDep,
    hops: Hops = 1,
    types: Annotated[
        list[EdgeType] | None, Query(max_length=5, description="Relationship types to follow")
    ] = None,
    limit: NodeLimit = DEFAULT_LIMIT,
):
    view = service.network(
        customer_id,
        hops=hops,
        types=[t.value for t in types] if types else None,
        limit=limit,
        role=principal.role,
    )
    audit.read(view.customer_ids())
    return view.to_dict()


@router.get(
    "/{customer_id}/group",
    response_model=GroupPublic,
    response_model_exclude_unset=True,
    summary="The exposure group the customer belongs to, with every link and its source row",
)
async def read_customer_group(customer_id: CustomerId, caller: CallerDep, limit: NodeLimit = 2000):
    service = caller.service
    answer = await read(
        service, service.group_of, customer_id, limit=limit, role=caller.principal.role
    )
    caller.audit.read(group_customer_ids(answer))
    return answer


@router.get(
    "/{customer_id}/referrals",
    response_model=CascadePublic,
    response_model_exclude_unset=True,
    summary="The customer's referral cascade as a tree, with counts per generation",
)
def read_referrals(
    customer_id: CustomerId,
    service: ServiceDep,
    principal: PrincipalDep,
    audit: AuditDep,
    max_depth: MaxDepth = None,
    max_nodes: MaxNodes = 500,
):
    answer = service.cascade(
        customer_id, max_depth=max_depth, max_nodes=max_nodes, role=principal.role
    )
    audit.read(n["customer_id"] for n in answer["nodes"])
    return answer


@router.get(
    "/{customer_id}/suspected-links",
    response_model=SuspectedLinksPublic,
    response_model_exclude_unset=True,
    summary="Contact details the customer shares with others (for review)",
)
def read_suspected_links(
    customer_id: CustomerId, service: ServiceDep, principal: PrincipalDep, audit: AuditDep
):
    answer = service.suspected_links(customer_id, role=principal.role)
    audit.read([customer_id, *(c["customer_id"] for s in answer["data"] for c in s["customers"])])
    return answer


def group_customer_ids(answer: dict) -> list[str]:
    """The customer ids a group answer shows (members and both ends of each link), for
    the audit trail."""
    return [m["customer_id"] for m in answer["members"]] + [
        x for link in answer["links"] for x in (link["a"], link["b"])
    ]
