"""``/api/v1/changes``: what changed between two analysis runs.

By default, the published run's change tables as it stored them, against the run it
was compared with (the run published when it started). ``?to=RUN`` gives another
stored run's tables; ``?from=RUN`` (with ``to``, by default the published run)
compares two stored runs. The group, member and circle tables need the credit
capability, the influencer and cascade tables the marketing one: each role gets the
tables it may read (marketing: influencers and cascades only, no credit amount).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from guanxi.api.deps import AuditDep, PrincipalDep, ServiceDep, get_principal
from guanxi.api.errors import ERROR_RESPONSES
from guanxi.api.history_schemas import ChangesPublic
from guanxi.api.params import Page, PageSize
from guanxi.service import ChangeTable, Crossing, GroupChange

__all__ = ["router", "RUN_ID_PATTERN", "change_customer_ids"]

#: a stored run, by its id or a unique prefix of it of at least four characters
RUN_ID_PATTERN = r"^[0-9A-Za-z:._+-]{4,64}$"

router = APIRouter(
    prefix="/changes",
    tags=["changes"],
    dependencies=[Depends(get_principal)],
    responses=ERROR_RESPONSES,
)


def change_customer_ids(answer: dict[str, Any]) -> Iterator[str]:
    """Every customer a changes answer names: groups (a group's id is a customer_id)
    and the groups merged in, members and the groups they came from, circles and their
    members, influencers and referrers."""
    for row in answer.get("groups", {}).get("data", ()):
        yield row["group_id"]
        if row.get("other_id"):
            yield row["other_id"]
        yield from row.get("merged_in") or ()
    for row in answer.get("members", {}).get("data", ()):
        yield row["customer_id"]
        yield row["group_id"]
        if row.get("from_group"):
            yield row["from_group"]
    for row in answer.get("circles", {}).get("data", ()):
        yield row["circle_id"]
        yield from row["members"]
    for name in ("influencers", "cascades"):
        for row in answer.get(name, {}).get("data", ()):
            yield row["customer_id"]


@router.get(
    "",
    response_model=ChangesPublic,
    response_model_exclude_unset=True,
    summary="What changed since the run compared with (or between two stored runs): "
    "groups, members, circles, influencer ranks, cascades",
)
def read_changes(
    service: ServiceDep,
    principal: PrincipalDep,
    audit: AuditDep,
    from_run: Annotated[
        str | None,
        Query(
            alias="from",
            pattern=RUN_ID_PATTERN,
            description="The older run: an id or a unique prefix of it (GET /runs lists "
            "them). Default: the run the newer one was compared with",
        ),
    ] = None,
    to_run: Annotated[
        str | None,
        Query(
            alias="to",
            pattern=RUN_ID_PATTERN,
            description="The newer run: an id or a unique prefix of it. Default: the published run",
        ),
    ] = None,
    table: Annotated[
        ChangeTable | None, Query(description="Only this table (default: every table)")
    ] = None,
    change: Annotated[GroupChange | None, Query(description="Groups of this change")] = None,
    crossing: Annotated[
        Crossing | None,
        Query(description='Groups whose status crossed so ("ok>large"; any: every crossing)'),
    ] = None,
    page: Page = 1,
    page_size: PageSize = 50,
):
    answer = service.changes(
        from_run=from_run,
        to_run=to_run,
        table=table,
        change=change,
        crossing=crossing,
        page=page,
        page_size=page_size,
        role=principal.role,
    )
    audit.read(change_customer_ids(answer))
    return answer
