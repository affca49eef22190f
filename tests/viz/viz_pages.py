"""Helpers of the browser tests: where screenshots go, and what "offline" means.

The README's screenshots are not made here: ``make screenshots``
(``docs/screenshots/make_screenshots.py``) makes them from the demo bank's real output.
"""

from __future__ import annotations

import re
from pathlib import Path

from chromium_cdp import Page

__all__ = [
    "ARTIFACTS",
    "EXTERNAL",
    "assert_offline",
    "save_screenshot",
]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"

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


def save_screenshot(page: Page, name: str) -> Path:
    """Screenshot into tests/artifacts/ (for a person to look at after a run)."""
    return page.screenshot(ARTIFACTS / f"{name}.png")
