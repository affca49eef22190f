"""Every view kind and the report, opened from ``file://`` in a real, offline Chromium.

What each test checks in the page itself: the vis-network canvas holds the expected
nodes and links, the layout finished and physics is off, nothing was requested but the
file (the host resolver maps every name to nothing, and the DevTools protocol records
every request), no console error, exception or refused request, and no ``alert``.
"""

from __future__ import annotations

import base64
import time

import pytest
from viz_fixtures import HOSTILE, VIEWS, hostile_view, large_view, make_view, report_inputs
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
    drawnNodes: Object.keys(n.body.nodes).length,
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
    for kind_label in {"person": "Person", "company": "Company", "account": "Account",
                       "household": "Household"}.items():
        assert (kind_label[1] in legend) == (kind_label[0] in set(view.nodes["kind"]))
    if view.omitted_nodes:
        banner = page.evaluate("document.getElementById('gx-not-shown').textContent")
        assert f"{view.omitted_nodes:,} nodes not shown" in banner
    _clean(page, path.as_uri())
    save_screenshot(page, kind, for_docs=True)


def test_cascade_is_laid_out_by_generation(open_page, tmp_path):
    view = VIEWS["cascade"]()
    path = write_view(view, tmp_path / "cascade.html", kind="cascade")
    page = open_page(path)
    ys = page.evaluate("Object.entries(guanxiNetwork.getPositions())"
                       ".map(([id, p]) => [id, p.y])")
    level = dict(zip(view.nodes["id"], view.nodes["level"], strict=True))
    rows: dict[int, set] = {}
    for node_id, y in ys:
        rows.setdefault(int(level[node_id]), set()).add(round(y))
    assert all(len(r) == 1 for r in rows.values()), "one row per generation"
    tops = [next(iter(rows[g])) for g in sorted(rows)]
    assert tops == sorted(tops) and len(set(tops)) == len(tops), "generations go down"
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
    tip = page.wait_for("""(() => {
      const t = document.querySelector('div.vis-tooltip');
      if (!t || t.style.visibility !== 'visible' || !t.textContent) { return null; }
      return {text: t.textContent, elements: t.querySelectorAll('*').length,
              tags: Array.from(t.querySelectorAll('*')).map(e => e.tagName)};
    })()""", timeout=10)
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
    assert "500 nodes not shown" in banner
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
    hrefs = page.evaluate("Array.from(document.querySelectorAll('a[href]'))"
                          ".map(a => a.getAttribute('href'))")
    assert "views/group-g-000000.html" in hrefs
    assert all(h.startswith("#") or h.startswith("views/") for h in hrefs)
    _clean(page, path.as_uri())
    save_screenshot(page, "report", for_docs=True)

    # printed: the navigation goes, the charts stay, and the PDF has pages
    page.send("Emulation.setEmulatedMedia", {"media": "print"})
    assert page.evaluate("getComputedStyle(document.querySelector('.gx-nav')).display") == "none"
    pdf = page.send("Page.printToPDF", {"printBackground": True, "preferCSSPageSize": True})
    (ARTIFACTS / "report.pdf").write_bytes(base64.b64decode(pdf["data"]))
    assert (ARTIFACTS / "report.pdf").stat().st_size > 10_000

    # a link from the report opens its view, still offline
    page.send("Emulation.setEmulatedMedia", {"media": ""})
    target = (views / "group-g-000000.html").as_uri()
    page.evaluate("document.querySelector('table a[href=\"views/group-g-000000.html\"]').click(), 1")
    page.wait_for("window.guanxiReady === true", timeout=30)
    assert page.evaluate("location.href") == target
    assert page.evaluate("Object.keys(guanxiNetwork.body.nodes).length") == len(group.nodes)
    assert [u for u in page.requests if not u.startswith("data:")] == [path.as_uri(), target]
    assert page.errors == []


def test_the_page_policy_refuses_every_request(open_page, tmp_path):
    """Even a script that tried could not fetch anything: the page's CSP refuses it."""
    path = write_view(VIEWS["circle"](), tmp_path / "circle.html", kind="circle")
    page = open_page(path)
    fetched = page.evaluate("fetch('https://example.org/x.js')"
                            ".then(() => 'fetched', e => 'refused: ' + e.name)")
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
