"""Every view kind and the report, opened from ``file://`` in a real, offline Chromium.

What each test checks in the page itself: the vis-network canvas holds the expected
nodes and links, the layout finished and physics is off, nothing was requested but the
file (the host resolver maps every name to nothing, and the DevTools protocol records
every request), no console error, exception or refused request, and no ``alert``.
Chinese names are checked to be drawn as glyphs, not boxes; sets of nodes to open on a
real click; the PNG button to download the drawing.
"""

from __future__ import annotations

import base64
import struct
import time
from pathlib import Path

import pytest
from chromium_cdp import Chromium
from viz_fixtures import (
    CHINESE_COMPANIES,
    CHINESE_PEOPLE,
    HOSTILE,
    VIEWS,
    chinese_view,
    control_group,
    hostile_view,
    hub_cascade,
    hub_neighbourhood,
    large_view,
    make_view,
    report_inputs,
)
from viz_pages import ARTIFACTS, assert_offline, save_screenshot

from guanxi.viz import render_view, view_filename, write_report, write_view

READ_BACK = """(() => {
  const n = window.guanxiNetwork;
  const canvas = document.querySelector('#gx-network canvas');
  const ctx = canvas.getContext('2d');
  const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < px.length; i += 4 * 7) {
    if (px[i + 3] > 0 && (px[i] < 235 || px[i + 1] < 235 || px[i + 2] < 235)) { inked++; }
  }
  const pos = Object.values(n.getPositions());
  return {
    drawnNodes: Object.values(n.body.nodes).filter(x => !x.isCluster).length,
    dataNodes: n.body.data.nodes.length,
    dataEdges: n.body.data.edges.length,
    drawnEdges: n.body.edgeIndices.length,
    physics: n.physics.options.enabled,
    finite: pos.every(p => Number.isFinite(p.x) && Number.isFinite(p.y)),
    canvas: [canvas.width, canvas.height],
    inked: inked,
    view: window.guanxiView,
    scripts: document.scripts.length,
  };
})()"""


def _check_drawn(page, nodes: int, edges: int) -> dict:
    got = page.evaluate(READ_BACK)
    assert got["drawnNodes"] == nodes
    assert got["dataNodes"] == nodes
    assert got["dataEdges"] == edges
    if not got["view"]["clusters"]:
        assert got["drawnEdges"] == edges
    assert got["physics"] is False, "physics must be off once the layout is done"
    assert got["finite"]
    assert got["canvas"][0] > 0 and got["canvas"][1] > 0
    assert got["view"]["nodes"] == nodes and got["view"]["edges"] == edges
    assert got["scripts"] == 3  # data, vis-network, the page's script: nothing injected
    return got


def _clean(page, url: str) -> None:
    page.browser.pump(0.1)  # late console messages
    assert page.errors == []
    assert page.console == [], "vis-network reports bad options on the console"
    assert page.dialogs == []
    assert_offline(page, url)


@pytest.mark.parametrize("kind", list(VIEWS))
def test_each_view_kind_renders_offline(kind, open_page, tmp_path):
    view = VIEWS[kind]()
    path = write_view(view, tmp_path / f"{kind}.html", kind=kind, height="620px")
    page = open_page(path)
    got = _check_drawn(page, len(view.nodes), len(view.edges))
    assert got["inked"] > 200, "the canvas is blank"
    assert page.evaluate("document.querySelector('h1').textContent") == view.title
    legend = page.evaluate("document.querySelector('aside.gx-legend').textContent")
    for kind_label in {
        "person": "Person",
        "company": "Company",
        "account": "Account",
        "household": "Household",
    }.items():
        assert (kind_label[1] in legend) == (kind_label[0] in set(view.nodes["kind"]))
    assert page.evaluate("document.getElementById('gx-png') !== null")
    _clean(page, path.as_uri())
    save_screenshot(page, kind)


def test_cascade_is_drawn_in_generation_bands(open_page, tmp_path):
    view = VIEWS["cascade"]()
    path = write_view(view, tmp_path / "cascade.html", kind="cascade")
    page = open_page(path)
    ys = page.evaluate("Object.entries(guanxiNetwork.getPositions()).map(([id, p]) => [id, p.y])")
    level = dict(zip(view.nodes["id"], view.nodes["level"], strict=True))
    rows: dict[int, list[float]] = {}
    for node_id, y in ys:
        rows.setdefault(int(level[node_id]), []).append(y)
    spans = [(min(rows[g]), max(rows[g])) for g in sorted(rows)]
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)), (
        "each generation has a band of its own, below the one before"
    )
    _clean(page, path.as_uri())


#: a character no font has, drawn as the font's .notdef box
NOTDEF = "\u0378"

GLYPHS = """(chars => {
  const face = guanxiNetwork.body.nodes['c:80000000'].options.font.face;
  return chars.map(ch => {
    const c = document.createElement('canvas');
    c.width = c.height = 64;
    const x = c.getContext('2d');
    x.fillStyle = '#fff'; x.fillRect(0, 0, 64, 64);
    x.fillStyle = '#000'; x.textBaseline = 'top'; x.font = '40px ' + face;
    x.fillText(ch, 8, 8);
    const d = x.getImageData(0, 0, 64, 64).data;
    let bits = '';
    for (let i = 0; i < d.length; i += 4) { bits += d[i] < 128 ? '1' : '0'; }
    return {bits: bits, width: x.measureText(ch).width};
  });
})"""


def _glyphs(page, chars: list[str]) -> list[dict]:
    import json

    return page.evaluate(f"{GLYPHS}({json.dumps(chars)})")


def test_chinese_names_are_drawn_as_glyphs(cjk_font, open_page, tmp_path):
    """Each Chinese character, in the font the canvas labels use, is drawn as a shape of
    its own, a full em wide, unlike the empty box of a character no font has."""
    view = chinese_view()
    path = write_view(view, tmp_path / "chinese.html")
    page = open_page(path)
    chars = sorted(set("".join(CHINESE_PEOPLE) + CHINESE_COMPANIES[0]))
    got = _glyphs(page, [*chars, NOTDEF])
    shapes = [g["bits"] for g in got[:-1]]
    assert len(set(shapes)) == len(chars), "two Chinese characters were drawn alike"
    assert got[-1]["bits"] not in shapes, "a Chinese character was drawn as an empty box"
    assert all(g["width"] >= 0.9 * 40 for g in got[:-1]), [g["width"] for g in got[:-1]]
    assert all(b.count("1") > 40 for b in shapes), "a Chinese character left no ink"
    # the label on the canvas is that name; the page's own text (the title) is wide too
    assert page.evaluate("guanxiNetwork.body.nodes['c:80000000'].options.label") == "张伟"
    width = page.evaluate("""(() => {
      const s = document.createElement('span');
      s.style.fontSize = '40px'; s.textContent = '张伟王芳';
      document.querySelector('h1').appendChild(s);
      const w = s.getBoundingClientRect().width; s.remove(); return w; })()""")
    assert width >= 4 * 0.9 * 40
    _clean(page, path.as_uri())
    save_screenshot(page, "chinese")


def test_the_glyph_check_sees_boxes_without_a_chinese_font(chromium, tmp_path):
    """The check above is not vacuous: in a Chromium that sees only a Latin font, the
    same characters are all drawn as one empty box."""
    conf = tmp_path / "fonts.conf"
    latin = next(
        (
            d
            for d in ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/truetype/liberation")
            if Path(d).is_dir()
        ),
        None,
    )
    if latin is None:
        pytest.skip("no Latin font folder to build a font configuration without Chinese")
    conf.write_text(f"""<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{latin}</dir><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>""")
    path = write_view(chinese_view(), tmp_path / "chinese.html")
    browser = Chromium(chromium.proc.args[0], env={"FONTCONFIG_FILE": str(conf)})
    try:
        page = browser.new_page()
        page.goto(path.as_uri())
        page.wait_for("window.guanxiReady === true")
        got = _glyphs(page, ["张", "伟", "王", NOTDEF])
        assert len({g["bits"] for g in got}) == 1
        assert got[0]["width"] < 0.5 * 40
    finally:
        browser.close()


def test_a_hub_of_300_referees_is_legible(open_page, tmp_path):
    """No label runs into another, and the whole cascade, fitted to the window, is
    drawn at a zoom where names can be read (not a strip of 300)."""
    view = hub_cascade(direct=300, second=60, third=10)
    path = write_view(view, tmp_path / "hub.html", kind="cascade")
    page = open_page(path, width=1280, height=1000)
    got = page.evaluate("""(() => {
      const n = guanxiNetwork;
      const boxes = Object.keys(n.body.nodes).map(id => n.getBoundingBox(id));
      let overlaps = 0;
      for (let i = 0; i < boxes.length; i++) {
        for (let j = i + 1; j < boxes.length; j++) {
          const a = boxes[i], b = boxes[j];
          if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
            overlaps++;
          }
        }
      }
      return {overlaps: overlaps, nodes: boxes.length, scale: n.getScale()};
    })()""")
    assert got["nodes"] == len(view.nodes)
    assert got["overlaps"] == 0
    # fitted to an 800-pixel canvas, 13 px labels are drawn at least 5.5 px high and
    # never touch (one strip of 300 would be fitted at about 0.03); one zoom step
    # (the mouse wheel, or +) makes every name readable
    assert got["scale"] * 13 >= 5.5, got
    _clean(page, path.as_uri())
    save_screenshot(page, "hub-300")


def _dom_point(page, node_id: str) -> tuple[float, float]:
    return page.evaluate(f"""(() => {{
      const n = guanxiNetwork;
      const p = n.canvasToDOM(n.getPosition({node_id!r}));
      const r = document.getElementById('gx-network').getBoundingClientRect();
      return [p.x + r.left, p.y + r.top];
    }})()""")


VISIBLE = "guanxiNetwork.body.nodeIndices.length"


def test_sets_of_nodes_open_on_click_and_collapse_again(open_page, tmp_path):
    view = control_group(trees=30, depth=14)
    path = write_view(view, tmp_path / "group.html", kind="group")
    page = open_page(path, timeout=60)
    got = _check_drawn(page, len(view.nodes), len(view.edges))
    sets = page.evaluate("JSON.parse(document.getElementById('gx-data').textContent).clusters")
    assert got["view"]["clusters"] == len(sets) > 0
    first = page.evaluate(VISIBLE)
    assert first == len(view.nodes) - sum(len(c["m"]) - 1 for c in sets) <= 60
    # click the biggest set: its members are drawn, around where it was
    target = max(sets, key=lambda c: len(c["m"]))
    page.evaluate(f"guanxiNetwork.focus({target['id']!r}, {{scale: 1, animation: false}}), 1")
    page.click(*_dom_point(page, target["id"]))
    page.wait_for(
        f"!guanxiNetwork.isCluster({target['m'][0]!r}) && "
        f"guanxiNetwork.findNode({target['m'][0]!r}).length === 1",
        timeout=10,
    )
    assert page.evaluate(VISIBLE) == first - 1 + len(target["m"])
    finite = page.evaluate(
        f"{target['m']!r}.every(id => Number.isFinite(guanxiNetwork.getPosition(id).x))"
    )
    assert finite
    # "Open all" draws every node; "Collapse" goes back to the start
    page.evaluate("document.getElementById('gx-open-all').click(), 1")
    assert page.evaluate(VISIBLE) == len(view.nodes)
    page.evaluate("document.getElementById('gx-collapse').click(), 1")
    assert page.evaluate(VISIBLE) == first
    # finding a node inside a set opens the set
    inside = sets[0]["m"][-1]
    page.evaluate(
        f"document.getElementById('gx-find-text').value = {inside!r}, "
        "document.getElementById('gx-find').requestSubmit(), 1"
    )
    assert page.evaluate(f"guanxiNetwork.findNode({inside!r}).length") == 1
    assert page.evaluate("guanxiNetwork.getSelectedNodes()") == [inside]
    _clean(page, path.as_uri())
    save_screenshot(page, "group-sets")


def test_nested_sets_open_one_level_at_a_time(open_page, tmp_path):
    view = hub_neighbourhood(referees=200, accounts=2)
    path = write_view(view, tmp_path / "hub.html")
    page = open_page(path, timeout=60)
    data = page.evaluate("JSON.parse(document.getElementById('gx-data').textContent)")
    referred = next(c for c in data["clusters"] if c["l"].startswith("Referred"))
    first = page.evaluate(VISIBLE)
    assert first <= 120
    page.evaluate(f"guanxiNetwork.focus({referred['id']!r}, {{scale: 1, animation: false}}), 1")
    page.click(*_dom_point(page, referred["id"]))
    branch = referred["m"][0]
    page.wait_for(f"guanxiNetwork.findNode({branch!r}).length === 1", timeout=10)
    # its 200 branches are drawn, each still one node
    assert page.evaluate(VISIBLE) == first - 1 + len(referred["m"])
    assert page.evaluate(f"guanxiNetwork.isCluster({branch!r})") is True
    inner = next(c for c in data["clusters"] if c["id"] == branch)
    page.evaluate(f"guanxiNetwork.focus({branch!r}, {{scale: 1.5, animation: false}}), 1")
    page.click(*_dom_point(page, branch))
    page.wait_for(f"guanxiNetwork.findNode({inner['m'][0]!r}).length === 1", timeout=10)
    near = page.evaluate(f"""(() => {{
      const n = guanxiNetwork, ids = {inner["m"]!r};
      const p = ids.map(id => n.getPosition(id));
      return p.every(q => Number.isFinite(q.x) && Number.isFinite(q.y));
    }})()""")
    assert near
    _clean(page, path.as_uri())
    save_screenshot(page, "hub-neighbourhood")


def test_the_overview_opens_a_hub_into_its_cascade(open_page, tmp_path):
    view = VIEWS["overview"]()
    path = write_view(view, tmp_path / "overview.html", kind="overview")
    page = open_page(path)
    data = page.evaluate("JSON.parse(document.getElementById('gx-data').textContent)")
    assert page.evaluate(VISIBLE) == len(data["clusters"]) == 7
    hub = next(c for c in data["clusters"] if c.get("hd") == "c:60000000")
    page.click(*_dom_point(page, hub["id"]))
    page.wait_for("guanxiNetwork.findNode('c:60000000').length === 1", timeout=10)
    home = {n["id"]: (n["x"], n["y"]) for n in data["nodes"]}
    for node_id in hub["m"]:  # each where the layout put it: the cascade under the hub
        p = page.evaluate(f"guanxiNetwork.getPosition({node_id!r})")
        assert (round(p["x"], 1), round(p["y"], 1)) == home[node_id]
    _clean(page, path.as_uri())
    save_screenshot(page, "overview-open")


def test_save_png_downloads_the_drawing(chromium, open_page, tmp_path):
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    chromium.send(
        "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    view = VIEWS["group"]()
    path = write_view(view, tmp_path / "group.html", kind="group")
    page = open_page(path)
    expected = base64.b64decode(page.evaluate("guanxiPng()").split(",", 1)[1])
    page.evaluate("document.getElementById('gx-png').click(), 1")
    name = downloads / "Exposure group g-000017 (Huaxin Holdings).png"
    deadline = time.monotonic() + 15
    while not name.exists() and time.monotonic() < deadline:
        page.browser.pump(0.1)
    assert name.exists(), list(downloads.iterdir())
    png = name.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert [width, height] == page.evaluate(
        "(c => [c.width, c.height])(document.querySelector('#gx-network canvas'))"
    )
    assert png == expected  # the canvas as drawn, on white
    _clean(page, path.as_uri())


def test_hostile_names_are_shown_as_text(open_page, tmp_path):
    view = hostile_view()
    path = write_view(view, tmp_path / "hostile.html")
    page = open_page(path)
    _check_drawn(page, len(view.nodes), len(view.edges))
    assert page.evaluate("document.title") == f"Customer {HOSTILE}"
    assert page.evaluate("document.querySelector('h1').textContent") == f"Customer {HOSTILE}"
    assert page.evaluate("document.querySelector('.gx-subtitle').textContent") == "<b>not bold</b>"
    assert page.evaluate("document.querySelectorAll('img, b, [onerror]').length") == 0
    assert page.evaluate("guanxiNetwork.body.data.nodes.get('c:hostile').label") == HOSTILE
    assert page.evaluate("guanxiNetwork.body.data.nodes.get('c:amp').label") == (
        "Tom & Jerry </script><!-- \u2028"
    )

    # hover the hostile customer: vis-network shows its tooltip
    x, y = page.evaluate("""(() => {
      const n = guanxiNetwork;
      n.moveTo({position: n.getPosition('c:hostile'), scale: 1.5, animation: false});
      const p = n.canvasToDOM(n.getPosition('c:hostile'));
      const r = document.getElementById('gx-network').getBoundingClientRect();
      return [p.x + r.left, p.y + r.top];
    })()""")
    page.move_mouse(x - 3, y - 3)
    page.move_mouse(x, y)
    tip = page.wait_for(
        """(() => {
      const t = document.querySelector('div.vis-tooltip');
      if (!t || t.style.visibility !== 'visible' || !t.textContent) { return null; }
      return {text: t.textContent, elements: t.querySelectorAll('*').length,
              tags: Array.from(t.querySelectorAll('*')).map(e => e.tagName)};
    })()""",
        timeout=10,
    )
    assert tip["text"] == f"name: {HOSTILE}\nnote: <b>bold?</b> & </script>"
    assert tip["tags"] == ["DIV"], "the tooltip is one text element, no markup"
    page.browser.pump(0.3)
    assert page.dialogs == []
    _clean(page, path.as_uri())
    save_screenshot(page, "hostile-tooltip")

    # the dialog check is live: an alert would have been seen
    page.evaluate("alert('probe'), 1")
    assert page.dialogs == ["probe"]


def test_large_view_is_bounded_and_usable(open_page, tmp_path):
    view = large_view(2500)
    path = write_view(view, tmp_path / "large.html", max_nodes=2000, physics_seconds=3)
    started = time.perf_counter()
    page = open_page(path, timeout=30)
    seconds = time.perf_counter() - started
    kept_edges = page.evaluate("guanxiView.edges")
    got = _check_drawn(page, 2000, kept_edges)
    assert got["view"]["notShown"] == 500
    banner = page.evaluate("document.getElementById('gx-not-shown').textContent")
    assert banner.startswith(
        "500 of 2,500 nodes are not shown: they were beyond this drawing's limit of 2,000 nodes"
    )
    # not a hairball: it opens with sets of nodes collapsed, a few dozen drawn
    assert got["view"]["clusters"] > 0
    assert page.evaluate(VISIBLE) <= 200
    # the highlighted customer is kept
    assert page.evaluate("guanxiNetwork.body.data.nodes.get('c:00000000') !== null")
    # bounded layout: well under the fallback of physics_seconds + 4 s
    assert seconds < 20, f"laid out in {seconds:.1f} s"
    _clean(page, path.as_uri())
    save_screenshot(page, "large-2000")


def test_empty_and_single_node_views(open_page, tmp_path):
    for name, view in {
        "empty": make_view([], [], title="Nobody"),
        "single": make_view([{"id": "c:1", "kind": "person", "label": "Alone"}], []),
    }.items():
        path = tmp_path / f"{name}.html"
        path.write_text(render_view(view), encoding="utf-8")
        page = open_page(path)
        _check_drawn(page, len(view.nodes), 0)
        _clean(page, path.as_uri())


def test_report_opens_offline_and_prints(open_page, tmp_path):
    inputs = report_inputs()
    views = tmp_path / "views"
    group = VIEWS["group"]()
    written = {write_view(group, views / view_filename("group", "g-000000"), kind="group").name}
    path = write_report(tmp_path / "index.html", available_views=written, **inputs)
    page = open_page(path, wait_ready=False, height=1400)
    page.browser.pump(0.2)
    assert page.evaluate("document.scripts.length") == 0
    assert page.evaluate("document.querySelectorAll('svg.gx-chart').length") == 2
    assert page.evaluate("document.querySelectorAll('svg .gx-limit').length") == 2
    hrefs = page.evaluate(
        "Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href'))"
    )
    assert "views/group-g-000000.html" in hrefs
    assert all(h.startswith("#") or h.startswith("views/") for h in hrefs)
    _clean(page, path.as_uri())
    save_screenshot(page, "report")

    # printed: the navigation goes, the charts stay, and the PDF has pages
    page.send("Emulation.setEmulatedMedia", {"media": "print"})
    assert page.evaluate("getComputedStyle(document.querySelector('.gx-nav')).display") == "none"
    pdf = page.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True})
    (ARTIFACTS / "report.pdf").write_bytes(base64.b64decode(pdf["data"]))
    assert (ARTIFACTS / "report.pdf").stat().st_size > 10_000

    # a link from the report opens its view, still offline
    page.send("Emulation.setEmulatedMedia", {"media": ""})
    target = (views / "group-g-000000.html").as_uri()
    page.evaluate(
        "document.querySelector('table a[href=\"views/group-g-000000.html\"]').click(), 1"
    )
    page.wait_for("window.guanxiReady === true", timeout=30)
    assert page.evaluate("location.href") == target
    assert page.evaluate("Object.keys(guanxiNetwork.body.nodes).length") == len(group.nodes)
    assert [u for u in page.requests if not u.startswith("data:")] == [path.as_uri(), target]
    assert page.errors == []


def test_the_page_policy_refuses_every_request(open_page, tmp_path):
    """Even a script that tried could not fetch anything: the page's CSP refuses it."""
    path = write_view(VIEWS["circle"](), tmp_path / "circle.html", kind="circle")
    page = open_page(path)
    fetched = page.evaluate(
        "fetch('https://example.org/x.js').then(() => 'fetched', e => 'refused: ' + e.name)"
    )
    assert fetched == "refused: TypeError"
    image = page.evaluate("""new Promise(done => {
      const img = new Image();
      img.onload = () => done('loaded');
      img.onerror = () => done('refused');
      img.src = 'https://example.org/pixel.png';
    })""")
    assert image == "refused"
    page.browser.pump(0.2)
    refusals = [e for e in page.errors if "Content Security Policy" in e]
    assert len(refusals) >= 2, page.errors
    # the image got as far as a request record, blocked by the policy before any lookup
    assert [f["blockedReason"] for f in page.failed_requests] == ["csp"]
