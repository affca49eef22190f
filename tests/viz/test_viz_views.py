"""The HTML of the views, read in Python: self-contained, escaped, bounded."""

from __future__ import annotations

import doctest
import html
import json
import re

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from viz_fixtures import (
    HOSTILE,
    VIEWS,
    View,
    cascade_view,
    chinese_view,
    control_group,
    hostile_view,
    hub_cascade,
    hub_neighbourhood,
    large_view,
    make_view,
)
from viz_pages import EXTERNAL

import guanxi.viz
from guanxi.errors import ConfigError
from guanxi.viz import (
    DEFAULT_AGGREGATE_ABOVE,
    DEFAULT_MAX_NODES,
    VIEW_KINDS,
    aggregate,
    charts,
    layout,
    records,
    render_view,
    styles,
    view_filename,
    views,
    write_view,
)
from guanxi.viz._assets import (
    CONTENT_SECURITY_POLICY,
    VIS_NETWORK_VERSION,
    script_json,
    vis_network_css,
    vis_network_js,
)

DATA = re.compile(r'<script type="application/json" id="gx-data">(.*?)</script>', re.DOTALL)


def page_data(page: str) -> dict:
    (text,) = DATA.findall(page)
    return json.loads(text)


def outside_scripts(page: str) -> str:
    """The page without the inline scripts (the markup a reader sees)."""
    return re.sub(r"<script\b.*?</script>", "", page, flags=re.DOTALL)


# --------------------------------------------------------------------------- offline


@pytest.mark.parametrize("kind", VIEW_KINDS)
def test_view_loads_nothing(kind):
    page = render_view(VIEWS[kind](), kind=kind)
    assert EXTERNAL.search(page) is None
    (csp,) = re.findall(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert html.unescape(csp) == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY
    assert "connect-src 'none'" in CONTENT_SECURITY_POLICY
    # vis-network is inside the page, and the markup names no host at all
    assert vis_network_js() in page
    assert "http://" not in outside_scripts(page) and "https://" not in outside_scripts(page)
    # three script elements of our own; the inlined bundle only mentions "<script>" in a
    # core-js string literal
    assert page.replace(vis_network_js(), "").count("<script") == 3
    assert vis_network_css() in page
    # (the inlined stylesheet is left out: its base64 images may spell anything)
    assert "cdn" not in outside_scripts(page).replace(vis_network_css(), "").lower()


def test_external_reference_pattern_catches_what_it_should():
    for bad in (
        '<script src="https://cdn.example/vis.js">',
        "<link rel=stylesheet href=x.css>",
        'a { background: url("//example.org/x.png") }',
        "@import 'x.css';",
        "<a href='http://example.org'>",
        '<img src="x.png">',
    ):
        assert EXTERNAL.search(bad), bad
    for fine in (
        '<a href="#groups">',
        '<a href="views/group-1.html">',
        'url("data:image/png;base64,AAAA")',
    ):
        assert EXTERNAL.search(fine) is None, fine


def test_pyvis_bundled_vis_network_is_the_standalone_build():
    js = vis_network_js()
    assert js.lstrip().startswith("/**\n * vis-network")
    assert f"@version {VIS_NETWORK_VERSION}" in js[:400]
    # the standalone build carries vis-data; its stylesheet has only data: images
    assert "DataSet" in js and "vis-tooltip" in js
    css = vis_network_css()
    assert "vis-tooltip" in css
    assert re.findall(r"url\(\s*[\"']?([a-z]+):", css) == ["data"] * len(re.findall(r"url\(", css))
    for api in ("XMLHttpRequest", "fetch(", "WebSocket", "sendBeacon", "importScripts"):
        assert api not in js


# --------------------------------------------------------------------------- escaping


def test_script_json_cannot_close_the_script_element():
    values = [HOSTILE, "</SCRIPT >", "<!-- x", "a & b", "\u2028\u2029", '"quoted"', "</style>"]
    text = script_json({"v": values})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text) == {"v": values}


def test_script_json_refuses_nan():
    with pytest.raises(ValueError):
        script_json({"v": float("nan")})


def test_hostile_names_are_escaped_everywhere():
    view = hostile_view()
    page = render_view(view)
    assert HOSTILE not in page
    assert "<b>not bold</b>" not in page
    markup = outside_scripts(page)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup  # the title, as text
    assert "onerror" not in markup and EXTERNAL.search(page) is None
    data = page_data(page)
    labels = {n["id"]: n["l"] for n in data["nodes"]}
    assert labels["c:hostile"] == HOSTILE
    assert labels["c:amp"] == "Tom & Jerry </script><!-- \u2028"
    assert data["nodes"][0]["t"].startswith(f"name: {HOSTILE}\n")
    assert data["edges"][0]["l"] == "<i>51%</i>"


def test_tooltips_are_built_as_text_nodes():
    script = views.static_text("view.js")
    assert "textContent = text" in script
    assert "innerHTML" not in script


# --------------------------------------------------------------------------- content


def test_nodes_edges_and_styles_reach_the_page():
    view = VIEWS["group"]()
    data = page_data(render_view(view, kind="group"))
    assert len(data["nodes"]) == len(view.nodes) and len(data["edges"]) == len(view.edges)
    assert {e["y"] for e in data["edges"]} == {"control", "guarantee", "joint_credit"}
    assert data["edgeStyles"]["guarantee"]["dashes"] and data["edgeStyles"]["guarantee"]["arrows"]
    assert data["edgeStyles"]["control"]["dashes"] is False
    assert data["edgeStyles"]["joint_credit"]["dashes"] == [2, 5]
    # size follows exposure: the largest member is the largest node
    sizes = {n["id"]: n["s"] for n in data["nodes"]}
    biggest = view.nodes.loc[view.nodes["value"].idxmax(), "id"]
    assert sizes[biggest] == max(sizes.values())
    assert [n["id"] for n in data["nodes"] if n.get("h")] == ["c:10000000"]


def test_header_legend_and_meta():
    view = VIEWS["group"]()
    page = render_view(view, kind="group")
    assert "<h1>Exposure group g-000017 (Huaxin Holdings)</h1>" in page
    assert "% of Tier 1" in page  # the subtitle
    assert "As of 2026-06-30" in page and "Source: guanxi embedded store" in page
    legend = page[page.index('<aside class="gx-legend"') : page.index("</aside>")]
    for label in ("Person", "Company", "Control", "Guarantee", "Joint credit", "Size: exposure"):
        assert label in legend
    assert "Household" not in legend and "Account" not in legend
    assert 'stroke-dasharray="8 6"' in legend and 'stroke-dasharray="2 5"' in legend


def test_cascade_is_laid_out_here_in_generation_bands():
    view = cascade_view()
    data = page_data(render_view(view, kind="cascade"))
    assert data["options"]["physics"] == {"enabled": False}
    assert "hierarchical" not in data["options"]["layout"]
    assert data["physicsMs"] == 0
    level = dict(zip(view.nodes["id"], view.nodes["level"], strict=True))
    rows: dict[int, list[float]] = {}
    for n in data["nodes"]:
        rows.setdefault(int(level[n["id"]]), []).append(n["y"])
    spans = [(min(rows[g]), max(rows[g])) for g in sorted(rows)]
    # every generation has a band of its own, below the one before
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False))
    assert [b["text"] for b in data["bands"]] == [
        f"Generation {g} · {len(rows[g])} customers" for g in sorted(rows) if g > 0
    ]


def test_a_hub_of_300_referees_is_wrapped_not_a_strip():
    view = hub_cascade(direct=300, second=60, third=10)
    data = page_data(render_view(view, kind="cascade"))
    xy = np.array([(n["x"], n["y"]) for n in data["nodes"]])
    width, height = np.ptp(xy[:, 0]), np.ptp(xy[:, 1])
    # about as wide as a screen, not one row of 300 (which would be 300 pitches wide)
    assert 0.9 < width / height < 3, (width, height)
    assert width < 40 * layout.COLUMN_PITCH
    # no two nodes share a place: every label has its own cell
    cells = {(round(x), round(y)) for x, y in xy}
    assert len(cells) == len(xy)
    dx = np.diff(np.sort(xy[:, 0][xy[:, 1] == xy[1, 1]]))
    assert dx.min() >= layout.COLUMN_PITCH - 1e-6
    # the first generation spans several rows; its referees who referred someone sit
    # in its last rows, nearest to the generation they brought in
    first = [n for n in data["nodes"] if n["id"].startswith("c:91")]
    assert len({n["y"] for n in first}) >= 5
    parents = set(view.edges.loc[view.edges["source"].str.startswith("c:91"), "source"])
    lowest_leaf = max(n["y"] for n in first if n["id"] not in parents)
    assert all(n["y"] >= lowest_leaf for n in first if n["id"] in parents)
    assert data["clusters"] == []  # 371 nodes: drawn one by one


def test_labels_in_rows_are_wrapped_to_fit_their_cell():
    view = hub_cascade(direct=40, second=0, third=0)
    view.nodes.loc[5, "label"] = "Golden Dragon & Everbright Properties Limited"
    view.nodes.loc[6, "label"] = "北京永安贸易有限公司广州分公司"
    data = page_data(render_view(view, kind="cascade"))
    labels = {n["id"]: n["l"] for n in data["nodes"]}
    assert labels[view.nodes.at[5, "id"]] == "Golden Dragon &\nEverbright Proper\u2026"
    assert labels[view.nodes.at[6, "id"]] == "北京永安贸易有限公\n司广州分公司"


def test_cascade_without_every_level_finds_generations_from_the_links():
    view = cascade_view()
    full = page_data(render_view(view, kind="cascade"))
    view.nodes["level"] = pd.array([pd.NA] * len(view.nodes), dtype="Int64")
    data = page_data(render_view(view, kind="cascade"))
    assert [(n["x"], n["y"]) for n in data["nodes"]] == [(n["x"], n["y"]) for n in full["nodes"]]


def test_tree_levels_of_a_forest_with_a_cycle():
    lv, par = layout.tree_levels(5, np.array([0, 1, 3, 4]), np.array([1, 2, 4, 3]))
    assert lv.tolist()[:3] == [0, 1, 2] and par.tolist()[:3] == [-1, 0, 1]
    assert sorted(lv.tolist()[3:]) == [0, 1]  # a cycle nothing leads into gets a root


def test_physics_is_bounded_in_time_and_iterations():
    data = page_data(render_view(VIEWS["network"](), physics_seconds=2.5))
    assert data["physicsMs"] == 2500
    stabilization = data["options"]["physics"]["stabilization"]
    assert stabilization["enabled"] and stabilization["iterations"] <= 1000
    off = page_data(render_view(VIEWS["network"](), physics_seconds=0))
    assert off["options"]["physics"] == {"enabled": False} and off["physicsMs"] == 0


def test_circle_curves_links_and_fades_the_rest():
    data = page_data(render_view(VIEWS["circle"](), kind="circle"))
    assert data["options"]["edges"]["smooth"]["type"] == "curvedCW"
    assert data["fadeUnhighlightedEdges"] is True
    assert sum(1 for e in data["edges"] if e.get("h")) == 5
    assert {e["l"] for e in data["edges"]} >= {"5,000,000", "2,500,000"}
    page = render_view(VIEWS["circle"](), kind="circle")
    legend = page[page.index('<aside class="gx-legend"') : page.index("</aside>")]
    assert (
        "Cycle link" in legend
        and 'stroke="#c0001a" stroke-width="3" stroke-dasharray="8 6"' in legend
    )


def test_optional_columns_may_be_missing():
    view = View(
        nodes=pd.DataFrame({"id": [1, 2, 3]}),
        edges=pd.DataFrame({"source": [1, 2], "target": [2, 3]}),
    )
    data = page_data(render_view(view))
    assert [n["id"] for n in data["nodes"]] == ["1", "2", "3"]
    assert [n["l"] for n in data["nodes"]] == ["1", "2", "3"]
    assert {n["k"] for n in data["nodes"]} == {"other"}
    assert all("h" not in n for n in data["nodes"])


def test_unknown_kinds_and_types_fall_back_to_other():
    view = make_view(
        [{"id": "a", "kind": "branch"}, {"id": "b", "kind": "person"}],
        [{"source": "a", "target": "b", "type": "KNOWS"}],
    )
    page = render_view(view)
    data = page_data(page)
    assert data["nodes"][0]["k"] == "other" and data["edges"][0]["y"] == "other"
    assert "Knows" in page and "Other" in page


def test_long_labels_are_clipped_not_the_tooltip():
    long = "A" * 100
    view = make_view([{"id": "a", "label": long, "title": long * 3}], [])
    node = page_data(render_view(view))["nodes"][0]
    assert len(node["l"]) == 40 and node["l"].endswith("\u2026")
    assert node["t"] == long * 3


def test_edges_to_unknown_nodes_are_counted_not_drawn():
    view = make_view(
        [{"id": "a"}, {"id": "b"}],
        [{"source": "a", "target": "b"}, {"source": "a", "target": "zz"}],
    )
    page = render_view(view)
    assert len(page_data(page)["edges"]) == 1
    assert "1 link to nodes that are not shown is not drawn." in page


def test_empty_view_renders():
    page = render_view(make_view([], [], title="Nobody"))
    data = page_data(page)
    assert data["nodes"] == [] and data["edges"] == []
    assert "0 nodes, 0 links" in page


# --------------------------------------------------------------------------- bounding


def test_large_view_is_bounded_with_a_note():
    view = large_view(2600)
    page = render_view(view)  # default max_nodes
    data = page_data(page)
    page = html.unescape(page)
    assert len(data["nodes"]) == DEFAULT_MAX_NODES
    assert data["counts"] == {
        "nodes": 2000,
        "edges": len(data["edges"]),
        "inputNodes": 2600,
        "notShown": 600,
        "droppedHere": 600,
        "edgesNotDrawn": len(view.edges) - len(data["edges"]),
        "clusters": len(data["clusters"]),
    }
    assert (
        "600 of 2,600 nodes are not shown: they were beyond this drawing's limit of "
        "2,000 nodes (--max-nodes; highlighted nodes and the largest by value are kept)."
    ) in page
    kept = {n["id"] for n in data["nodes"]}
    assert "c:00000000" in kept  # highlighted
    # the largest values are kept, the missing values go first
    values = view.nodes.set_index("id")["value"]
    assert values[list(kept)].isna().sum() == 0
    dropped = values.drop(index=list(kept))
    assert values[list(kept - {"c:00000000"})].min() >= dropped.max()
    # only links between kept nodes, in input order
    for e in data["edges"]:
        assert e["f"] in kept and e["to"] in kept


def test_bounding_keeps_early_generations_of_a_cascade():
    view = cascade_view()
    data = page_data(render_view(view, kind="cascade", max_nodes=20))
    levels = dict(zip(view.nodes["id"], view.nodes["level"], strict=True))
    kept_levels = sorted(levels[n["id"]] for n in data["nodes"])
    assert kept_levels[:17] == [0, 1, 1, 1, 1] + [2] * 12
    assert max(kept_levels) == 3


def test_omitted_nodes_from_the_producer_are_added_up():
    view = large_view(50)
    view.omitted_nodes, view.truncated = 1000, True
    page = html.unescape(render_view(view, max_nodes=40))
    assert (
        "1,010 of 1,050 nodes are not shown: 1,000 were beyond the limit the view's data "
        "was read with (see the notes below) and 10 beyond this drawing's limit of 40 "
        "nodes (--max-nodes; highlighted nodes and the largest by value are kept)."
    ) in page
    only_upstream = make_view(
        [{"id": "a"}],
        [],
        omitted_nodes=12_345,
        truncated=True,
        notes=["showing the top 1 of 12,346 customers"],
    )
    banner = re.findall(r'id="gx-not-shown" role="status">(.*?)</p>', render_view(only_upstream))
    assert [html.unescape(b) for b in banner] == [
        "12,345 of 12,346 nodes are not shown: they were beyond the limit the view's data "
        "was read with (see the notes below)."
    ]
    cut = large_view(5)
    cut.truncated = True
    assert "cut short" in render_view(cut)
    assert 'id="gx-not-shown"' not in render_view(large_view(5))


def test_building_a_2000_node_view_is_fast_enough():
    # a smoke bound, not a benchmark (benchmarks/ has the targets): quadratic code
    # (pyvis add_edge) would take minutes here
    import time

    view = large_view(5000, extra=1.0)
    started = time.perf_counter()
    render_view(view, max_nodes=5000)
    assert time.perf_counter() - started < 20


# --------------------------------------------------------------------------- fonts

DESKTOP_CJK_FONTS = (
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Source Han Sans SC",
)


def test_the_font_stack_names_chinese_fonts_of_every_desktop():
    stack = styles.FONT_STACK
    for font in DESKTOP_CJK_FONTS:
        assert f'"{font}"' in stack
    assert stack.endswith("sans-serif")
    # Latin first (its own faces for Latin letters), simplified Chinese before any
    # Japanese face, the generic family last
    assert stack.index("Arial") < stack.index("Microsoft YaHei")
    assert "JP" not in stack


def test_views_draw_labels_and_text_in_the_font_stack():
    page = render_view(chinese_view())
    data = page_data(page)
    assert data["options"]["nodes"]["font"]["face"] == styles.FONT_STACK
    assert data["options"]["edges"]["font"]["face"] == styles.FONT_STACK
    assert f":root {{ --gx-font: {styles.FONT_STACK}; }}" in page
    assert "var(--gx-font" in page
    assert "<h1>客户 张伟 (c:80000000)</h1>" in page


# --------------------------------------------------------------------------- aggregation


def _visible(data: dict) -> int:
    """Nodes drawn at first: those in no set, and one per outermost set."""
    sets = {c["id"]: c for c in data["clusters"]}
    inside = {m for c in data["clusters"] for m in c["m"]}
    loose = [n for n in data["nodes"] if n["id"] not in inside]
    return len(loose) + sum(1 for c in sets if c not in inside)


def _members(data: dict, set_id: str) -> set[str]:
    sets = {c["id"]: c for c in data["clusters"]}
    out = set()
    for m in sets[set_id]["m"]:
        out |= _members(data, m) if m in sets else {m}
    return out


def test_small_views_are_not_aggregated():
    for kind, make in VIEWS.items():
        if kind == "overview":
            continue
        assert page_data(render_view(make(), kind=kind))["clusters"] == []


def test_a_big_group_collapses_its_control_sub_trees():
    view = control_group(trees=30, depth=14)  # 450 members
    data = page_data(render_view(view, kind="group"))
    ids = {n["id"] for n in data["nodes"]}
    assert len(ids) == 450 and data["counts"]["clusters"] == len(data["clusters"]) > 0
    seen: set[str] = set()
    for c in data["clusters"]:
        members = _members(data, c["id"])
        assert members <= ids and not members & seen  # real nodes, disjoint sets
        seen |= members
        # one owner's sub-tree: the owner (its head) and every company it controls,
        # down a chain; the highlighted owner stays out, its companies make the set
        tree = next(iter(members))[:6]
        assert all(m.startswith(tree) for m in members)
        if tree == "c:5000":
            assert "hd" not in c and c["l"] == "14 companies \u25b8"
        else:
            assert c["hd"] == tree + "0000"
            assert c["l"].startswith(view.nodes.set_index("id").at[c["hd"], "label"])
    assert "c:50000000" not in seen  # the highlighted member stays in view
    assert _visible(data) <= 60
    assert "nodes are drawn as" in render_view(view, kind="group")
    # the producer can turn it off
    assert page_data(render_view(view, kind="group", aggregate_above=None))["clusters"] == []


def test_a_hub_neighbourhood_nests_its_branches():
    view = hub_neighbourhood(referees=200, accounts=2)  # 610 nodes
    data = page_data(render_view(view))
    assert _visible(data) <= aggregate.MAX_VISIBLE
    outer = [
        c for c in data["clusters"] if c["id"] not in {m for d in data["clusters"] for m in d["m"]}
    ]
    referred = [c for c in outer if c["l"].startswith("Referred")]
    assert len(referred) == 1
    # it holds the 200 branches, each a referee and the accounts they hold
    branches = [m for m in referred[0]["m"] if m.startswith("gx-set-")]
    assert len(branches) == 200
    assert all(len(_members(data, b)) == 3 for b in branches)
    assert len(_members(data, referred[0]["id"])) == 600
    # the customer, its own accounts and companies stay in view
    loose = {n["id"] for n in data["nodes"]} - {
        m for c in data["clusters"] for m in _members(data, c["id"])
    }
    assert "c:40000000" in loose and {"c:42000000", "c:42000001", "c:42000002"} <= loose


def test_a_big_cascade_collapses_first_generation_sub_trees_in_place():
    view = hub_cascade(direct=300, second=200, third=40)
    data = page_data(render_view(view, kind="cascade"))
    pos = {n["id"]: (n["x"], n["y"]) for n in data["nodes"]}
    for c in data["clusters"]:
        assert c["hd"].startswith("c:91")  # named by a first-generation referee
        assert (c["x"], c["y"]) == pos[c["hd"]]  # drawn where that referee is
        members = _members(data, c["id"])
        assert all(not m.startswith("c:91") for m in members - {c["hd"]})
    inside = {m for c in data["clusters"] for m in c["m"]}
    assert not any(
        m.startswith(("c:92", "c:93")) for m in {n["id"] for n in data["nodes"]} - inside
    )


def test_the_overview_draws_each_given_set_as_one_node_on_a_grid():
    view = VIEWS["overview"]()
    data = page_data(render_view(view, kind="overview"))
    assert data["options"]["physics"] == {"enabled": False}
    heads = [c["hd"] for c in data["clusters"]]
    assert heads == [
        "g:70000000",
        "g:70000001",
        "g:70000002",
        "g:70000003",
        "c:60000000",
        "c:60000001",
        "c:60000002",
    ]
    assert [b["text"] for b in data["bands"]] == ["Largest exposure groups", "Top referral hubs"]
    anchors = [(c["x"], c["y"]) for c in data["clusters"]]
    assert len(set(anchors)) == len(anchors)
    # groups above hubs, read left to right
    assert max(y for _, y in anchors[:4]) < min(y for _, y in anchors[4:])
    keys = view.nodes.set_index("id")["cluster"]
    for c in data["clusters"]:
        assert _members(data, c["id"]) == set(keys[keys == c["hd"]].index)
    # a hub opens as its cascade, the hub where the set was and its referees below
    pos = {n["id"]: (n["x"], n["y"]) for n in data["nodes"]}
    hub = data["clusters"][4]
    assert pos["c:60000000"] == (hub["x"], hub["y"])
    assert all(pos[m][1] > hub["y"] for m in _members(data, hub["id"]) - {"c:60000000"})


# --------------------------------------------------------------------------- options


@pytest.mark.parametrize(
    "kw",
    [
        {"kind": "galaxy"},
        {"max_nodes": 0},
        {"max_nodes": 2.5},
        {"max_nodes": True},
        {"aggregate_above": 0},
        {"aggregate_above": 1.5},
        {"aggregate_above": True},
        {"physics_seconds": -1},
        {"physics_seconds": float("inf")},
        {"physics_seconds": "x"},
        {"height": "100px; background: url(//x)"},
        {"height": True},
    ],
)
def test_bad_options_raise_config_error(kw):
    with pytest.raises(ConfigError):
        render_view(VIEWS["group"](), **kw)


def test_height_accepts_numbers_and_css_lengths():
    assert "#gx-network { height: 640px; }" in render_view(VIEWS["circle"](), height=640)
    assert "#gx-network { height: 85vh; }" in render_view(VIEWS["circle"](), height="85vh")


def test_bad_frames_raise_value_error():
    with pytest.raises(ValueError, match="unique"):
        render_view(make_view([{"id": "a"}, {"id": "a"}], []))
    with pytest.raises(ValueError, match="id"):
        render_view(View(nodes=pd.DataFrame({"name": ["x"]}), edges=None))
    with pytest.raises(ValueError, match="target"):
        render_view(View(nodes=pd.DataFrame({"id": ["x"]}), edges=pd.DataFrame({"source": ["x"]})))
    with pytest.raises(ValueError, match="DataFrame"):
        render_view(View(nodes=[{"id": "x"}], edges=None))


def test_write_view(tmp_path):
    path = write_view(VIEWS["circle"](), tmp_path / "sub" / "circle.html", kind="circle")
    assert path == tmp_path / "sub" / "circle.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["circle.html"]


# --------------------------------------------------------------------------- file names


def test_view_filename_examples():
    assert view_filename("group", "g-0042") == "group-g-0042.html"
    assert view_filename("customer", "c:00012345") == "customer-c~3A00012345.html"
    assert view_filename("circle", ".hidden") == "circle-~2Ehidden.html"
    assert view_filename("cascade", "李") == "cascade-~E6~9D~8E.html"
    with pytest.raises(ConfigError):
        view_filename("../x", "1")


@given(st.text(min_size=1, max_size=30), st.text(min_size=1, max_size=30))
def test_view_filenames_are_safe_and_distinct(a, b):
    name = view_filename("customer", a)
    assert re.fullmatch(r"customer-[A-Za-z0-9_.~-]+\.html", name)
    assert "/" not in name and "\\" not in name
    if a != b:
        assert name != view_filename("customer", b)


# --------------------------------------------------------------------------- docs


@pytest.mark.parametrize(
    "module", [views, charts, styles, layout, aggregate, records, guanxi.viz._assets]
)
def test_docstring_examples(module):
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_public_api():
    assert set(guanxi.viz.__all__) == {
        "VIEW_KINDS",
        "DEFAULT_MAX_NODES",
        "DEFAULT_PHYSICS_SECONDS",
        "DEFAULT_AGGREGATE_ABOVE",
        "render_view",
        "write_view",
        "view_filename",
        "render_report",
        "write_report",
    }
    assert DEFAULT_AGGREGATE_ABOVE == 400
    assert np.isclose(guanxi.viz.DEFAULT_PHYSICS_SECONDS, 3.0)
