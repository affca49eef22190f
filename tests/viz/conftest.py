"""Fixtures of the browser tests: one headless Chromium for the session, pages in it.

Chromium is Debian's ``chromium`` (``make test`` installs it when missing). Where it is
missing the browser tests are skipped with a loud reason, except under CI (``CI`` set),
where a missing browser fails them: CI must check the views in a real browser.

Screenshots go to ``tests/artifacts/`` (ignored by git). With
``GUANXI_UPDATE_SCREENSHOTS=1`` the tests also refresh ``docs/screenshots/<kind>.png``,
the pictures of the README.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from chromium_cdp import Chromium, Page, find_chromium

NO_BROWSER = (
    "BROWSER TESTS NOT RUN: no Chromium found (install Debian's `chromium`: "
    "apt-get install -y chromium; or set GUANXI_CHROMIUM). The HTML views were NOT "
    "checked in a browser."
)


@pytest.fixture(scope="session")
def chromium():
    executable = find_chromium()
    if executable is None:
        if os.environ.get("CI"):
            pytest.fail(NO_BROWSER + " CI must run them.", pytrace=False)
        pytest.skip(NO_BROWSER)
    browser = Chromium(executable)
    yield browser
    browser.close()


@pytest.fixture
def open_page(chromium):
    """Open a local file in a fresh tab; wait for the view to be laid out and drawn."""
    pages: list[Page] = []

    def _open(path: Path, *, wait_ready: bool = True, timeout: float = 30.0,
              width: int = 1280, height: int = 900) -> Page:
        page = chromium.new_page(width=width, height=height)
        pages.append(page)
        page.goto(path.as_uri(), timeout=timeout)
        if wait_ready:
            page.wait_for("window.guanxiReady === true", timeout=timeout)
        return page

    yield _open
    for page in pages:
        page.close()
