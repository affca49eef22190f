"""Helpers shared by the API tests (imported as ``api_support``; fixtures are in
``conftest.py``)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from guanxi.service import Role
from guanxi.settings import Settings

with warnings.catch_warnings():
    # starlette's TestClient asks for the `httpx2` fork; plain httpx works the same
    warnings.filterwarnings(
        "ignore", message="Using `httpx` with `starlette.testclient` is deprecated"
    )
    from fastapi.testclient import TestClient

BANK_SIZE = 400
BANK_SEED = 5
AS_OF = "2026-06-30"
#: ten seeds: a default seeds request (k=10) is answered from the run's picks
OPTIONS = dict(as_of=AS_OF, tier1_capital="50000000", seeds_k=10, seeds_simulations=100)
API = "/api/v1"

#: JSON keys that must never reach a role without the credit capability
CREDIT_KEYS = {
    "exposure",
    "single_name_exposure",
    "credit_limit",
    "outstanding",
    "ccf",
    "amount",
    "guaranteed_amount",
    "pct_tier1",
    "largest_member_exposure",
    "credit",
}


@dataclass(frozen=True)
class Keys:
    path: Path
    plain: dict[Role, str]

    def headers(self, role: Role | str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.plain[Role(role)]}"}


def make_settings(store: Path | str, keys: Keys, audit: Path, **kw) -> Settings:
    return Settings(store=str(store), api_keys_file=keys.path, audit_log=audit, **kw)


def error_of(response) -> dict:
    """The error object of an error answer, checking the one JSON shape."""
    body = response.json()
    assert set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message", "details"}, body
    assert "Traceback" not in response.text
    return body["error"]


def walk(value, path=()):
    """Every (path, key, value) of a JSON document."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield path, k, v
            yield from walk(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, (*path, i))


def keys_of(document) -> set[str]:
    return {k for _, k, _ in walk(document)}


def mentions(document, text: str) -> bool:
    """Whether any string in a JSON document (parsed) contains ``text``."""
    if isinstance(document, str):
        return text in document
    if isinstance(document, dict):
        return any(mentions(k, text) or mentions(v, text) for k, v in document.items())
    if isinstance(document, list):
        return any(mentions(v, text) for v in document)
    return False


__all__ = [
    "TestClient",
    "BANK_SIZE",
    "BANK_SEED",
    "AS_OF",
    "OPTIONS",
    "API",
    "CREDIT_KEYS",
    "Keys",
    "make_settings",
    "error_of",
    "walk",
    "keys_of",
    "mentions",
]
