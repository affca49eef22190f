"""Helpers of the browser tests: where screenshots go, and what "offline" means."""

from __future__ import annotations

import os
import re
from pathlib import Path

from chromium_cdp import Page

__all__ = [
    "ARTIFACTS",
    "SCREENSHOTS",
    "UPDATE_SCREENSHOTS",
    "EXTERNAL",
    "assert_offline",
    "save_screenshot",
]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
SCREENSHOTS = ROOT / "docs" / "screenshots"
UPDATE_SCREENSHOTS = os.environ.get("GUANXI_UPDATE_SCREENSHOTS", "") not in ("", "0")

#: a URL that the browser would fetch: in src/href/action/poster/srcset/data attributes, in
#: CSS url() or @import, or a <link>/<iframe>/<object>/<embed>/<img> element
EXTERNAL = re.compile(
    r"""\b(?:src|href|action|poster|srcset|data|xlink:href)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//"""
    r"""|url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//|@import|<link\b|<iframe\b|<object\b|<embed\b|<img\b"""
    r"""|<script\b[^>]*\bsrc\s*=""",
    re.IGNORECASE,
)


def assert_offline(page: Page, url: str) -> None:
    """The page asked for nothing but itself (and ``data:`` URIs inside it)."""
    others = [u for u in page.requests if u != url and not u.startswith("data:")]
    assert others == [], f"requests left the page: {others}"
    failed = [f for f in page.failed_requests if not f.get("canceled")]
    assert failed == [], f"failed loads: {failed}"


def save_screenshot(page: Page, name: str, *, for_docs: bool = False) -> Path:
    """Screenshot into tests/artifacts/; a README picture (``for_docs``) also goes to
    docs/screenshots/ when ``GUANXI_UPDATE_SCREENSHOTS`` is set."""
    path = page.screenshot(ARTIFACTS / f"{name}.png")
    if for_docs and UPDATE_SCREENSHOTS:
        page.screenshot(SCREENSHOTS / f"{name}.png")
    return path
