"""``GET /api/v1/health``: the process is up and the store answers (no API key needed)."""

from __future__ import annotations

import logging

from fastapi import APIRouter

from guanxi.api.deps import ServiceDep
from guanxi.api.errors import ErrorBody
from guanxi.api.schemas import HealthPublic
from guanxi.errors import StoreError, StoreUnavailable

__all__ = ["router"]

log = logging.getLogger("guanxi.api")

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthPublic,
    summary="Process up and store reachable",
    responses={503: {"model": ErrorBody, "description": "The graph store does not answer"}},
)
def health(service: ServiceDep) -> HealthPublic:
    try:
        return HealthPublic(**service.health())
    except StoreError as exc:
        # the reason (paths, hosts) goes to the log, not to an unauthenticated caller
        log.warning("health check: %s", exc)
        raise StoreUnavailable(f"the {service.store_kind} graph store is not reachable") from None
