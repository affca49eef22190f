"""Regenerate the README's screenshots from the current output: ``make screenshots``.

Builds the demo bank (``guanxi demo``: 20,000 customers, seed 7) in ``build/screenshots/``,
writes its report and views, adds the view of one customer's neighbourhood
(``guanxi view customer``), opens each page offline in headless Chromium (Debian's
``chromium``, driven over the DevTools protocol by ``tests/viz/chromium_cdp.py``) and
saves PNG screenshots into ``docs/screenshots/``:

==================  =========================================================
report.png          the analysis report (``index.html``), its first 2,000 pixels
report-referrals    the report's referral cascades and top influencers, named
.png
group.png           the largest exposure group
circle.png          the largest guarantee circle
cascade.png         the top influencer's referral cascade
overview.png        the overview: the largest groups and the top referral hubs
network.png         the largest group member's two-hop neighbourhood
==================  =========================================================

Chinese names need a CJK font: the script stops, saying how to install one, when
fontconfig knows none (``make system-deps`` installs Debian's ``fonts-noto-cjk`` as
root). Run it from anywhere: paths are taken from this file's place in the repository.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
WORK = ROOT / "build" / "screenshots"
WIDTH = 1280

sys.path.insert(0, str(ROOT / "tests" / "viz"))
from chromium_cdp import Chromium, find_chromium  # noqa: E402


def fail(message: str) -> None:
    print(f"make_screenshots: {message}", file=sys.stderr)
    raise SystemExit(1)


def guanxi(*args: str) -> None:
    """Run the ``guanxi`` command of this environment."""
    exe = Path(sys.executable).with_name("guanxi")
    if not exe.exists():
        fail(f"{exe} not found: install the project first (make install)")
    subprocess.run([str(exe), *args], check=True, cwd=WORK)


def cjk_fonts() -> list[str]:
    """The Chinese fonts fontconfig knows, simplified-Chinese faces first."""
    if shutil.which("fc-list") is None:
        return []
    out = subprocess.run(["fc-list", ":lang=zh", "family"], capture_output=True, text=True)
    names = {line.split(",")[0].strip() for line in out.stdout.splitlines() if line.strip()}
    return sorted(names, key=lambda f: (" SC" not in f, f))


def clip(page, png: Path, top: float, height: float) -> None:
    """Save ``height`` pixels of the page from ``top`` down into ``png``."""
    data = page.send("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": top, "width": WIDTH, "height": height, "scale": 1},
    })["data"]
    png.write_bytes(base64.b64decode(data))
    print(f"  {png.relative_to(ROOT)}")


def shoot(browser: Chromium, page_path: Path, png: Path, *, view: bool,
          height: int | None = None, section: tuple[str, str, Path] | None = None) -> None:
    """Open ``page_path``; once it is drawn, screenshot the whole page (or its first
    ``height`` pixels) into ``png``; ``section`` (first and last element id, file) also
    saves the part of the page from one element to the end of another."""
    page = browser.new_page(width=WIDTH, height=900)
    try:
        page.goto(page_path.as_uri(), timeout=60)
        if view:
            page.wait_for("window.guanxiReady === true", timeout=60)
        full = int(page.evaluate("document.documentElement.scrollHeight"))
        page.send("Emulation.setDeviceMetricsOverride", {
            "width": WIDTH, "height": min(full, height or full), "deviceScaleFactor": 1,
            "mobile": False,
        })
        browser.pump(0.5)
        if view:  # the drawing as it opens: fitted to its canvas
            page.evaluate("guanxiFit(), guanxiNetwork.redraw(), 1")
            browser.pump(0.3)
        errors = [e for e in page.errors if "favicon" not in e]
        if errors:
            fail(f"{page_path.name}: the page reported errors: {errors}")
        page.screenshot(png)
        print(f"  {png.relative_to(ROOT)}  <- {page_path.relative_to(WORK)}")
        if section is not None:
            first, last, other = section
            page.send("Emulation.setDeviceMetricsOverride", {
                "width": WIDTH, "height": full, "deviceScaleFactor": 1, "mobile": False})
            browser.pump(0.3)
            top, bottom = page.evaluate(
                f"[document.getElementById({first!r}).getBoundingClientRect().top, "
                f"document.getElementById({last!r}).getBoundingClientRect().bottom]")
            clip(page, other, max(top - 12, 0), bottom - top + 24)
    finally:
        page.close()


def main() -> None:
    fonts = cjk_fonts()
    if not fonts:
        fail("no Chinese font is installed, so Chinese names would be drawn as empty boxes. "
             "Install one (Debian: apt-get install fonts-noto-cjk, or run make system-deps "
             "as root) and run again.")
    executable = find_chromium()
    if executable is None:
        fail("no Chromium found: install Debian's chromium (make system-deps as root) or "
             "set GUANXI_CHROMIUM.")
    started = time.perf_counter()
    if WORK.exists():
        shutil.rmtree(WORK)
    WORK.mkdir(parents=True)
    guanxi("demo", "--out", "demo")
    results = WORK / "demo" / "results"
    groups = pd.read_csv(results / "exposure_groups.csv", dtype=str)
    circles = pd.read_csv(results / "circle_summary.csv", dtype={"circle_id": str})
    influencers = pd.read_csv(results / "influencers.csv", dtype=str)
    group = groups["group_id"].iat[0]
    member = groups["largest_member"].iat[0]
    circle = circles.sort_values(["size", "circle_id"], ascending=[False, True])[
        "circle_id"].iat[0]
    hub = influencers["customer_id"].iat[0]
    network = WORK / "network.html"
    guanxi("view", "customer", member, "--hops", "2", "--store", "demo/guanxi.duckdb",
           "--out", network.name)
    views = results / "views"
    pages = {
        "report": (results / "index.html", False, 2000),  # and its referral tables:
        "group": (views / f"group-{group}.html", True, None),
        "circle": (views / f"circle-{circle}.html", True, None),
        "cascade": (views / f"cascade-{hub}.html", True, None),
        "overview": (views / "overview-influencers.html", True, None),
        "network": (network, True, None),
    }
    missing = [str(p) for p, _, _ in pages.values() if not p.exists()]
    if missing:
        fail(f"the demo did not write {', '.join(missing)}")
    print(f"Screenshots with {Path(executable).name} and the CJK font {fonts[0]}:")
    OUT.mkdir(parents=True, exist_ok=True)
    browser = Chromium(executable)
    try:
        for name, (path, view, height) in pages.items():
            section = (("cascades", "influencers", OUT / "report-referrals.png")
                       if name == "report" else None)
            shoot(browser, path, OUT / f"{name}.png", view=view, height=height,
                  section=section)
    finally:
        browser.close()
    print(f"Done in {time.perf_counter() - started:.0f} s (group {group}, circle {circle}, "
          f"cascade and hub {hub}, customer {member}).")


if __name__ == "__main__":
    main()
