"""Fixtures of the browser tests: one headless Chromium for the session, pages in it.

Chromium is Debian's ``chromium`` (``make test`` installs it when missing). Where it is
missing the browser tests are skipped with a loud reason, except under CI (``CI`` set),
where a missing browser fails them: CI must check the views in a real browser.

The test of Chinese names needs a Chinese font (``make test`` installs Debian's
``fonts-noto-cjk`` when missing): without one it fails under CI and is skipped loudly
elsewhere, like the browser itself.

Screenshots go to ``tests/artifacts/`` (ignored by git). The README's pictures are made
by ``make screenshots`` from the demo bank, not here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from chromium_cdp import Chromium, Page, find_chromium

NO_BROWSER = (
    "BROWSER TESTS NOT RUN: no Chromium found (install Debian's `chromium`: "
    "apt-get install -y chromium; or set GUANXI_CHROMIUM). The HTML views were NOT "
    "checked in a browser."
)


NO_CJK_FONT = (
    "CHINESE NAMES NOT CHECKED: no Chinese font is installed (install Debian's "
    "`fonts-noto-cjk`, or run `make system-deps` as root). Without one, Chinese names are "
    "drawn as empty boxes."
)


def cjk_fonts() -> list[str]:
    """The Chinese fonts fontconfig knows."""
    if shutil.which("fc-list") is None:
        return []
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    return sorted({line.split(",")[0].strip() for line in out.stdout.splitlines() if line.strip()})


@pytest.fixture(scope="session")
def cjk_font() -> str:
    """A Chinese font this machine has (a test of Chinese names needs one)."""
    fonts = cjk_fonts()
    if not fonts:
        if os.environ.get("CI"):
            pytest.fail(NO_CJK_FONT + " CI must check them.", pytrace=False)
        pytest.skip(NO_CJK_FONT)
    return fonts[0]


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

    def _open(
        path: Path,
        *,
        wait_ready: bool = True,
        timeout: float = 30.0,
        width: int = 1280,
        height: int = 900,
    ) -> Page:
        page = chromium.new_page(width=width, height=height)
        pages.append(page)
        page.goto(path.as_uri(), timeout=timeout)
        if wait_ready:
            page.wait_for("window.guanxiReady === true", timeout=timeout)
        return page

    yield _open
    for page in pages:
        page.close()
