"""Path and query parameters shared by several routers, with their bounds."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from guanxi.limits import DEFAULT_NODES, MAX_CASCADE_DEPTH, MAX_HOPS, MAX_NODES, MAX_PAGE_SIZE

__all__ = [
    "CustomerId",
    "GroupId",
    "CircleId",
    "HouseholdId",
    "Hops",
    "NodeLimit",
    "Page",
    "PageSize",
    "MaxDepth",
    "MaxNodes",
]

CustomerId = Annotated[str, Path(min_length=1, max_length=128, description="A customer_id")]
GroupId = Annotated[
    str, Path(min_length=1, max_length=128, description="A group_id (its smallest customer_id)")
]
CircleId = Annotated[
    str, Path(min_length=1, max_length=128, description="A circle_id (its smallest customer_id)")
]
HouseholdId = Annotated[str, Path(min_length=1, max_length=128, description="A household_id")]
Hops = Annotated[int, Query(ge=1, le=MAX_HOPS, description="Steps from the customer")]
NodeLimit = Annotated[
    int, Query(ge=1, le=MAX_NODES, description="Most nodes returned (the answer says if cut)")
]
Page = Annotated[int, Query(ge=1, le=1_000_000)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]
MaxDepth = Annotated[
    int | None, Query(ge=1, le=MAX_CASCADE_DEPTH, description="Deepest generation shown")
]
MaxNodes = Annotated[int, Query(ge=1, le=MAX_NODES, description="Most customers in the tree")]

DEFAULT_LIMIT = DEFAULT_NODES
