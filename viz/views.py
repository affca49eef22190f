"""Interactive network views: one self-contained HTML file per view.

A *view* is any object with the attributes of ``guanxi.view_model.NetworkView`` (duck
typing; this module does not import the read model):

==============  ==========================================================================
``nodes``       frame: ``id`` (str, unique), ``kind`` (``person``, ``company``,
                ``account``, ``household``, ``group``), ``label``, ``title`` (plain
                text, ``key: value`` lines), ``value`` (float, NaN allowed), ``level``
                (Int64 or NA: generation in a cascade, hop in a neighbourhood),
                ``highlight`` (bool), ``cluster`` (str: nodes sharing a key start as
                one node that opens on click, named by the node whose id is the key)
``edges``       frame: ``source``, ``target`` (node ids), ``type`` (``REFERRED``,
                ``GUARANTEES``, ``OWNS``, ``HOLDS``, ``MEMBER_OF``, or a group link reason
                ``control``, ``guarantee``, ``joint_credit``), ``label``, ``title``
                (plain text), ``directed`` (bool), ``highlight`` (bool)
``title``,      strings for the header
``subtitle``,
``as_of``,
``source``
``truncated``,  whether the producer already left nodes out, and how many
``omitted_nodes``
``notes``       list of strings shown under the header
==============  ==========================================================================

Only ``nodes.id``, ``edges.source`` and ``edges.target`` are required; a missing
optional column takes its neutral value (``guanxi.view_model.NODE_DEFAULTS`` and
``EDGE_DEFAULTS``: no value, no level, not highlighted, not directed, ...).

The page inlines vis-network (``viz/static/``), its own script and stylesheet, and the
data as JSON: it opens from a file, a mail attachment or a share with no network at all,
and its Content-Security-Policy forbids any request. Labels are drawn on a canvas and
tooltips are built with ``textContent``, so names are always shown as text, in the
desktop's own fonts, Chinese ones included (:data:`guanxi.viz.styles.FONT_STACK`).

How a view is laid out: a cascade in generation bands and the overview on a grid,
before the page opens (:mod:`guanxi.viz.layout`); the others by a force layout that
runs for a bounded time. Above a few hundred nodes a view starts with sets of nodes
collapsed into one node each, which open on click (:mod:`guanxi.viz.aggregate`). Every
view has a "Save PNG" button: the drawing as a PNG file, made in the page.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from guanxi.errors import ConfigError
from guanxi.view_model import EDGE_DEFAULTS, NODE_DEFAULTS

from ._assets import CONTENT_SECURITY_POLICY, VIS_NETWORK_VERSION, css_length, script_json
from ._assets import vis_network_css as _vis_network_css
from ._assets import vis_network_js as _vis_network_js
from ._templates import environment, static_text
from .aggregate import DEFAULT_AGGREGATE_ABOVE, Cluster, find_clusters
from .layout import Layout, generation_layout, overview_layout, tree_levels
from .records import cluster_records, edge_records, node_records
from .styles import (
    EDGE_STYLES,
    FONT_STACK,
    HIGHLIGHT_COLOR,
    NODE_STYLES,
    edge_style,
)

__all__ = [
    "VIEW_KINDS",
    "DEFAULT_MAX_NODES",
    "DEFAULT_PHYSICS_SECONDS",
    "DEFAULT_AGGREGATE_ABOVE",
    "render_view",
    "write_view",
    "view_filename",
]

#: the kinds of view :func:`render_view` can draw
VIEW_KINDS: tuple[str, ...] = ("network", "group", "circle", "cascade", "overview")

#: above this many nodes a view keeps the most important ones and says how many it left out
DEFAULT_MAX_NODES = 2000

#: longest time the browser spends laying a view out before physics is switched off
DEFAULT_PHYSICS_SECONDS = 3.0


@dataclass(frozen=True)
class _KindPreset:
    heading: str
    size_note: str
    solver: str
    spring_length: int
    tree: bool = False  # laid out as generation bands (viz.layout), no physics
    curved: bool = False
    highlight_label: str = "Highlighted"


_PRESETS: dict[str, _KindPreset] = {
    "network": _KindPreset(
        "Customer network",
        "Size: value (balance, exposure or AUM)",
        "barnesHut",
        120,
        highlight_label="The customer",
    ),
    "group": _KindPreset(
        "Exposure group",
        "Size: exposure",
        "forceAtlas2Based",
        140,
        highlight_label="Highlighted",
    ),
    "circle": _KindPreset(
        "Guarantee circle",
        "Size: exposure",
        "forceAtlas2Based",
        190,
        curved=True,
        highlight_label="In a cycle",
    ),
    "cascade": _KindPreset(
        "Referral cascade",
        "Size: assets under management (AUM); each band of rows is one generation",
        "fixed",
        0,
        tree=True,
        highlight_label="Referrer",
    ),
    "overview": _KindPreset(
        "Overview",
        "Size: exposure (groups), assets brought in (referral hubs)",
        "barnesHut",
        110,
        highlight_label="Largest group or top hub",
    ),
}

#: section captions of the overview grid, by the kind of the node that names a set
_OVERVIEW_SECTIONS = {"group": "Largest exposure groups"}
_OVERVIEW_OTHERS = "Top referral hubs"


# --------------------------------------------------------------------------- input


def _text(series: pd.Series, default: str = "") -> pd.Series:
    out = series.astype(object).where(series.notna(), default)
    return out.map(str)


def _flag(series: pd.Series) -> np.ndarray:
    return series.astype(object).where(series.notna(), False).map(bool).to_numpy(dtype=bool)


def _frame(frame, required: tuple[str, ...], what: str) -> pd.DataFrame:
    if frame is None:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in required})
    if not isinstance(frame, pd.DataFrame):
        raise ValueError(f"view.{what} must be a pandas DataFrame, not {type(frame).__name__}")
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise ValueError(f"view.{what} lacks the column(s) {', '.join(missing)}")
    return frame.reset_index(drop=True)


def _nodes(frame) -> pd.DataFrame:
    raw = _frame(frame, ("id",), "nodes")
    if raw["id"].isna().any():
        raise ValueError("view.nodes has a node without an id")
    ids = _text(raw["id"])
    dup = ids[ids.duplicated()]
    if len(dup):
        shown = ", ".join(repr(x) for x in dup.unique()[:5])
        raise ValueError(f"view.nodes ids must be unique; repeated: {shown}")

    def col(name):
        return (
            raw[name]
            if name in raw.columns
            else pd.Series([NODE_DEFAULTS[name]] * len(raw), dtype=object)
        )

    value = _floats(col("value"))
    value = np.where(np.isfinite(value), value, np.nan)
    level = _floats(col("level"))
    label = col("label")
    return pd.DataFrame(
        {
            "id": ids,
            "kind": _text(col("kind"), "other").str.strip().str.lower(),
            "label": _text(label.where(label.notna() & (_text(label) != ""), ids)),
            "title": _text(col("title")),
            "value": value,
            "level": level,
            "highlight": _flag(col("highlight")),
            "cluster": _text(col("cluster")).str.strip(),
        }
    )


def _edges(frame) -> pd.DataFrame:
    raw = _frame(frame, ("source", "target"), "edges")

    def col(name):
        return (
            raw[name]
            if name in raw.columns
            else pd.Series([EDGE_DEFAULTS[name]] * len(raw), dtype=object)
        )

    return pd.DataFrame(
        {
            "source": _text(raw["source"]),
            "target": _text(raw["target"]),
            "type": _text(col("type"), "other").str.strip(),
            "label": _text(col("label")),
            "title": _text(col("title")),
            "directed": _flag(col("directed")),
            "highlight": _flag(col("highlight")),
        }
    )


def _count(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 0
    return max(number, 0)


# --------------------------------------------------------------------------- bounding


def _bound(nodes: pd.DataFrame, edges: pd.DataFrame, max_nodes: int):
    """Keep at most ``max_nodes`` nodes: highlighted ones first, then the lowest ``level``
    (earliest generation, fewest hops), the largest ``value``, the most links, and input
    order."""
    if len(nodes) <= max_nodes:
        return nodes, 0
    degree = pd.concat([edges["source"], edges["target"]]).value_counts()
    order = pd.DataFrame(
        {
            "h": ~nodes["highlight"].to_numpy(),
            "level": np.nan_to_num(nodes["level"].to_numpy(), nan=np.inf),
            "value": -np.nan_to_num(nodes["value"].to_numpy(), nan=-np.inf),
            "degree": -nodes["id"].map(degree).fillna(0).to_numpy(),
            "pos": np.arange(len(nodes)),
        }
    ).sort_values(["h", "level", "value", "degree", "pos"], kind="stable")
    keep = np.sort(order["pos"].to_numpy()[:max_nodes])
    return nodes.iloc[keep].reset_index(drop=True), len(nodes) - max_nodes


# --------------------------------------------------------------------------- options


def _options(kind: str, n_nodes: int, n_edges: int, *, physics: bool, fixed: bool) -> dict:
    preset = _PRESETS[kind]
    smooth: dict | bool
    if n_edges > 1500 or fixed:
        smooth = False
    elif preset.curved:
        smooth = {"type": "curvedCW", "roundness": 0.18}
    else:
        smooth = {"type": "continuous", "roundness": 0.3}
    options: dict = {
        "autoResize": True,
        "layout": {"randomSeed": 7, "improvedLayout": n_nodes <= 150 and not fixed},
        "interaction": {
            "hover": True,
            "tooltipDelay": 120,
            "navigationButtons": True,
            "keyboard": {"enabled": True, "bindToWindow": False, "autoFocus": False},
            "hideEdgesOnDrag": n_edges > 1500,
            "hideEdgesOnZoom": n_edges > 3000,
        },
        "nodes": {
            # canvas labels take the same font list as the page (Chinese fonts included)
            "font": {
                "face": FONT_STACK,
                "size": 13,
                "color": "#1d1d1d",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
            },
            "borderWidth": 1.5,
            "borderWidthSelected": 3,
        },
        "edges": {
            "font": {
                "face": FONT_STACK,
                "size": 12,
                "color": "#333333",
                "align": "horizontal",
                "strokeWidth": 3,
                "strokeColor": "#ffffff",
            },
            "smooth": smooth,
            "selectionWidth": 1.5,
            "hoverWidth": 1.0,
            "arrowStrikethrough": False,
        },
    }
    if fixed or not physics:
        options["physics"] = {"enabled": False}
        return options
    solver = preset.solver if n_nodes <= 1000 else "barnesHut"
    physics_options: dict = {
        "enabled": True,
        "solver": solver,
        "minVelocity": 1.0,
        "timestep": 0.5,
        "adaptiveTimestep": True,
        "stabilization": {
            "enabled": True,
            # a bound on the work; the page also stops after physics_seconds (view.js)
            "iterations": 1000 if n_nodes <= 1000 else 400,
            "updateInterval": 20,
            "fit": True,
        },
    }
    if solver == "forceAtlas2Based":
        physics_options["forceAtlas2Based"] = {
            "gravitationalConstant": -80,
            "centralGravity": 0.01,
            "springLength": preset.spring_length,
            "springConstant": 0.06,
            "damping": 0.5,
            "avoidOverlap": 0.4,
        }
    else:
        physics_options["barnesHut"] = {
            "gravitationalConstant": -4000 if n_nodes <= 500 else -6000,
            "centralGravity": 0.25,
            "springLength": preset.spring_length or 110,
            "springConstant": 0.04,
            "damping": 0.35,
            "avoidOverlap": 0.1 if n_nodes <= 500 else 0.0,
            "theta": 0.5 if n_nodes <= 1000 else 0.8,
        }
    options["physics"] = physics_options
    return options


# --------------------------------------------------------------------------- page


@dataclass
class _Legend:
    kinds: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    highlight_node: str | None = None
    highlight_link: str | None = None
    highlight_dashes: list[int] | bool = False
    size_note: str = ""
    clusters: bool = False


def _legend(kind: str, nodes: pd.DataFrame, edges: pd.DataFrame, clusters: bool) -> _Legend:
    preset = _PRESETS[kind]
    legend = _Legend(size_note=preset.size_note, clusters=clusters)
    present_kinds = set(nodes["kind"])
    for key, style in NODE_STYLES.items():
        if key in present_kinds or (key == "other" and present_kinds - NODE_STYLES.keys()):
            legend.kinds.append({"key": key, **style.as_dict()})
    present = list(dict.fromkeys(edges["type"]))
    known = [t for t in EDGE_STYLES if t in present and t != "other"]
    unknown = [t for t in present if t not in EDGE_STYLES or t == "other"]
    for t in known:
        legend.links.append({"key": t, **edge_style(t).as_dict()})
    for t in unknown:
        entry = {"key": "other", **edge_style("other").as_dict()}
        entry["label"] = t.replace("_", " ").capitalize() if t and t != "other" else "Other link"
        legend.links.append(entry)
    if nodes["highlight"].any():
        legend.highlight_node = preset.highlight_label
    if edges["highlight"].any():
        legend.highlight_link = "Cycle link" if kind == "circle" else "Highlighted link"
        types = set(edges.loc[edges["highlight"], "type"])
        if len(types) == 1:  # draw it in that type's line pattern
            legend.highlight_dashes = edge_style(types.pop()).as_dict()["dashes"]
    return legend


def _attr(view, name: str, default=""):
    value = getattr(view, name, default)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return value


def _place(
    kind: str, nodes: pd.DataFrame, edges: pd.DataFrame, clusters: list[Cluster]
) -> tuple[Layout, list[tuple[float, float]]] | None:
    """Positions computed here (a cascade's generation bands, the overview's grid), and
    where each collapsed set is drawn; ``None`` where the page's physics lays the view
    out."""
    n = len(nodes)
    if n == 0:
        return None
    index = pd.Index(nodes["id"])
    src = index.get_indexer(edges["source"])
    dst = index.get_indexer(edges["target"])
    value = nodes["value"].to_numpy()
    if _PRESETS[kind].tree:
        levels = nodes["level"].to_numpy()
        if np.isfinite(levels).all():
            lv = levels.astype(np.int64)
            parents = np.full(n, -1, dtype=np.int64)
            for s, t in zip(src.tolist(), dst.tolist(), strict=True):
                if lv[t] == lv[s] + 1 and parents[t] < 0:
                    parents[t] = s
        else:  # generations from the links: depth below the nodes nothing points to
            lv, parents = tree_levels(n, src, dst)
        layout = generation_layout(lv, parents, weights=value)
        anchors = []
        for c in clusters:
            at = c.head if c.head is not None else c.members[0]
            anchors.append((float(layout.x[at]), float(layout.y[at])))
        return layout, anchors
    if kind == "overview" and clusters:
        kinds = nodes["kind"].to_numpy(dtype=object)
        first = {}
        for k, c in enumerate(clusters):
            first[min(c.members)] = k
        inside = np.zeros(n, dtype=bool)
        for c in clusters:
            inside[c.members] = True
        items, which = [], []
        for i in range(n):
            if i in first:
                c = clusters[first[i]]
                head = c.head if c.head is not None else c.members[0]
                items.append((c.members, c.head, _section(kinds[head])))
                which.append(first[i])
            elif not inside[i]:
                items.append(([i], i, _section(kinds[i])))
                which.append(None)
        layout, cells = overview_layout(n, src, dst, items, weights=value)
        anchors = [(0.0, 0.0)] * len(clusters)
        for k, cell in zip(which, cells, strict=True):
            if k is not None:
                anchors[k] = cell
        return layout, anchors
    return None


def _section(kind: str) -> str:
    return _OVERVIEW_SECTIONS.get(kind, _OVERVIEW_OTHERS)


def _banner(
    kind: str,
    *,
    shown: int,
    total: int,
    upstream: int,
    dropped: int,
    max_nodes: int,
    by_level: bool,
) -> str:
    """One sentence: how many nodes are not drawn, and why."""
    if not upstream and not dropped:
        return ""
    if _PRESETS[kind].tree:
        kept = "the earliest generations and the largest by value are kept"
    elif by_level:
        kept = "the nearest and the largest by value are kept"
    else:
        kept = "highlighted nodes and the largest by value are kept"
    here = f"this drawing's limit of {max_nodes:,} nodes (--max-nodes; {kept})"
    before = "the limit the view's data was read with (see the notes below)"
    if upstream and dropped:
        why = f"{upstream:,} were beyond {before} and {dropped:,} beyond {here}"
    elif upstream:
        why = f"they were beyond {before}"
    else:
        why = f"they were beyond {here}"
    return f"{upstream + dropped:,} of {total:,} nodes are not shown: {why}."


def render_view(
    view,
    *,
    kind: str = "network",
    max_nodes: int = DEFAULT_MAX_NODES,
    physics_seconds: float = DEFAULT_PHYSICS_SECONDS,
    height: str | int = "800px",
    aggregate_above: int | None = DEFAULT_AGGREGATE_ABOVE,
) -> str:
    """One self-contained, interactive HTML page drawing a network view.

    Parameters
    ----------
    view : NetworkView-like
        Any object with the attributes ``nodes``, ``edges``, ``title``, ``subtitle``,
        ``as_of``, ``source``, ``truncated``, ``omitted_nodes`` and ``notes`` described
        in this module's docstring.
    kind : {"network", "group", "circle", "cascade", "overview"}, default "network"
        Styling and layout: a customer's neighbourhood; an exposure group (sized by
        exposure, link reasons styled); a guarantee circle (curved arrows, amounts on the
        links, cycle links highlighted); a referral cascade (one band of rows per
        generation, sized by AUM, see :func:`guanxi.viz.layout.generation_layout`); or
        the overview (a grid of the sets of nodes given by the nodes' ``cluster`` keys,
        each drawn as one node that opens on click).
    max_nodes : int, default 2000
        Largest number of nodes drawn. Above it the view keeps the highlighted nodes,
        then the earliest generations (``level``), then the largest ``value``, then the
        best-connected nodes, and says in its header how many nodes it does not show.
    physics_seconds : float, default 3.0
        Longest time the browser spends on the force layout before physics is switched
        off for good (it stops sooner when the layout is stable). ``0`` draws the
        starting layout without physics. Cascades and the overview are laid out before
        the page opens and use no physics whatever this says.
    height : str or int, default "800px"
        CSS height of the drawing (a number means pixels).
    aggregate_above : int or None, default 400
        Above this many drawn nodes the view starts with sets of nodes collapsed into
        one node each (control sub-trees, branches of a neighbourhood, sub-trees of a
        cascade; see :mod:`guanxi.viz.aggregate`); a click opens one. ``None`` never
        collapses anything but the sets the nodes' ``cluster`` keys give.

    Returns
    -------
    str
        The HTML document. It loads nothing: vis-network, the page's script and style,
        and the data are inlined, and its Content-Security-Policy refuses every request.

    Raises
    ------
    ConfigError
        If ``kind`` is unknown, ``max_nodes`` or ``aggregate_above`` is not a positive
        integer, ``physics_seconds`` is negative or not finite, or ``height`` is not a
        CSS length.
    ValueError
        If ``view.nodes`` lacks ``id`` or repeats an id, or ``view.edges`` lacks
        ``source`` or ``target``.

    See Also
    --------
    write_view : render and write to a file.

    Notes
    -----
    In the page, ``window.guanxiNetwork`` is the vis-network ``Network``;
    ``window.guanxiView`` holds the counts drawn and omitted, and ``window.guanxiReady``
    turns true (and ``<html data-gx-ready="true">``) once the layout is done and drawn.
    Links whose ends are not both among the drawn nodes are not drawn and are counted in
    the header. Labels are drawn on the canvas in :data:`guanxi.viz.styles.FONT_STACK`,
    the page's own font list, which names the Chinese fonts of Windows, macOS and Linux.
    The toolbar's "Save PNG" button downloads the drawing as it is on screen, made in
    the page from the canvas (nothing is sent anywhere).

    Examples
    --------
    >>> import pandas as pd
    >>> from types import SimpleNamespace
    >>> v = SimpleNamespace(
    ...     nodes=pd.DataFrame({"id": ["a", "b"], "kind": ["person", "company"]}),
    ...     edges=pd.DataFrame({"source": ["a"], "target": ["b"], "type": ["OWNS"]}),
    ...     title="Two", subtitle="", as_of="2026-06-30", source="demo",
    ...     truncated=False, omitted_nodes=0, notes=[])
    >>> page = render_view(v)
    >>> page.startswith("<!DOCTYPE html>"), "https://" in page.split("<script")[0]
    (True, False)
    """
    if kind not in VIEW_KINDS:
        raise ConfigError(f"unknown view kind {kind!r}; expected one of {', '.join(VIEW_KINDS)}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int | np.integer) or max_nodes < 1:
        raise ConfigError(f"max_nodes must be a positive integer, not {max_nodes!r}")
    if aggregate_above is not None and (
        isinstance(aggregate_above, bool)
        or not isinstance(aggregate_above, int | np.integer)
        or aggregate_above < 1
    ):
        raise ConfigError(
            f"aggregate_above must be a positive integer or None, not {aggregate_above!r}"
        )
    try:
        seconds = float(physics_seconds)
    except (TypeError, ValueError):
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise ConfigError(
            f"physics_seconds must be a number of seconds >= 0, not {physics_seconds!r}"
        )
    height_css = css_length(height, name="height")
    preset = _PRESETS[kind]

    nodes = _nodes(getattr(view, "nodes", None))
    edges = _edges(getattr(view, "edges", None))
    total_nodes = len(nodes)
    nodes, dropped = _bound(nodes, edges, int(max_nodes))
    ids = set(nodes["id"])
    drawable = edges["source"].isin(ids).to_numpy() & edges["target"].isin(ids).to_numpy()
    edges_not_drawn = int((~drawable).sum())
    edges = edges[drawable].reset_index(drop=True)

    clusters = find_clusters(kind, nodes, edges, above=aggregate_above)
    placed = _place(kind, nodes, edges, clusters)
    layout, anchors = placed if placed is not None else (None, [])
    fixed = layout is not None
    wrap = {"cascade": (18, 2), "overview": (30, 2)}.get(kind) if fixed else None
    node_recs = node_records(nodes, layout, wrap=wrap)

    physics = seconds > 0 and not fixed and len(nodes) > 1
    data = {
        "kind": kind,
        "title": str(_attr(view, "title", "")) or preset.heading,
        "nodes": node_recs,
        "edges": edge_records(edges),
        "clusters": cluster_records(nodes, clusters, node_recs, anchors),
        "bands": [b.as_dict() for b in layout.bands] if fixed else [],
        "nodeStyles": {k: s.as_dict() for k, s in NODE_STYLES.items()},
        "edgeStyles": {k: s.as_dict() for k, s in EDGE_STYLES.items()},
        "highlight": HIGHLIGHT_COLOR,
        "font": FONT_STACK,
        "fadeUnhighlightedEdges": kind == "circle" and bool(edges["highlight"].any()),
        # many links fanning between rows of a big tree: lighter, so names stay readable
        "edgeOpacity": 0.55 if fixed and len(edges) > 120 else 1,
        "options": _options(kind, len(nodes), len(edges), physics=physics, fixed=fixed),
        "physicsMs": round(seconds * 1000) if physics else 0,
        "counts": {
            "nodes": len(nodes),
            "edges": len(edges),
            "inputNodes": total_nodes,
            "notShown": 0,
            "droppedHere": dropped,
            "edgesNotDrawn": edges_not_drawn,
            "clusters": len(clusters),
        },
    }
    upstream = _count(_attr(view, "omitted_nodes", 0))
    truncated = bool(_attr(view, "truncated", False))
    data["counts"]["notShown"] = upstream + dropped
    notes = [str(n) for n in (_attr(view, "notes", []) or []) if str(n).strip()]
    if truncated and upstream == 0:
        notes.insert(0, "The data for this view was cut short before it was drawn.")
    if edges_not_drawn:
        one = edges_not_drawn == 1
        notes.append(
            f"{edges_not_drawn:,} link{'' if one else 's'} to nodes that are not shown "
            f"{'is' if one else 'are'} not drawn."
        )
    if clusters:
        nested = {j for c in clusters for j in c.inner}
        outer = [c for k, c in enumerate(clusters) if k not in nested]
        inside = sum(len(c.members) for c in outer)
        notes.append(
            f"{inside:,} nodes are drawn as {len(outer):,} combined nodes (dashed "
            "border); click one to open it, or use \u201cOpen all\u201d."
        )
    banner = _banner(
        kind,
        shown=len(nodes),
        total=total_nodes + upstream,
        upstream=upstream,
        dropped=dropped,
        max_nodes=int(max_nodes),
        by_level=bool(np.isfinite(nodes["level"].to_numpy()).any()),
    )
    page = (
        environment()
        .get_template("view.html.j2")
        .render(
            csp=CONTENT_SECURITY_POLICY,
            kind=kind,
            heading=preset.heading,
            title=data["title"],
            subtitle=str(_attr(view, "subtitle", "")),
            as_of=str(_attr(view, "as_of", "")),
            source=str(_attr(view, "source", "")),
            notes=notes,
            banner=banner,
            n_nodes=len(nodes),
            n_edges=len(edges),
            has_clusters=bool(clusters),
            legend=_legend(kind, nodes, edges, bool(clusters)),
            highlight_color=HIGHLIGHT_COLOR,
            font_stack=FONT_STACK,
            height=height_css,
            data_json=script_json(data),
            vis_js=_vis_network_js(),
            vis_css=_vis_network_css(),
            vis_version=VIS_NETWORK_VERSION,
            view_js=static_text("view.js"),
            view_css=static_text("view.css"),
        )
    )
    return page


def write_view(view, path, **kw) -> Path:
    """Render a view (:func:`render_view`) and write it to ``path`` as UTF-8.

    The file is written next to its final name and then renamed, so a reader never sees
    half a page.

    Parameters
    ----------
    view : NetworkView-like
        See :func:`render_view`.
    path : str or os.PathLike
        File to write; missing parent folders are created.
    **kw
        Keyword arguments of :func:`render_view` (``kind``, ``max_nodes``, ...).

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    ConfigError, ValueError
        As :func:`render_view`.
    """
    target = Path(path)
    page = render_view(view, **kw)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(target)
    return target


_SAFE = re.compile(r"[A-Za-z0-9_.-]")


def view_filename(kind: str, key) -> str:
    """The file name of a view, safe on every file system and in a relative link.

    Letters, digits, ``_``, ``.`` and ``-`` are kept; every other character becomes
    ``~`` and its UTF-8 bytes in hex, so two different keys never share a name.

    Parameters
    ----------
    kind : str
        A short word for the view (``group``, ``circle``, ``cascade``, ``customer``).
    key : object
        The id of what the view shows (group id, circle id, customer id).

    Returns
    -------
    str
        ``"<kind>-<key>.html"``.

    Examples
    --------
    >>> view_filename("group", "g-0042"), view_filename("customer", "c:001/x")
    ('group-g-0042.html', 'customer-c~3A001~2Fx.html')
    """
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", kind):
        raise ConfigError(f"view kind for a file name must be a plain word, not {kind!r}")
    text = str(key)
    out = []
    for i, ch in enumerate(text):
        if _SAFE.match(ch) and not (i == 0 and ch == "."):
            out.append(ch)
        else:
            out.append("".join(f"~{b:02X}" for b in ch.encode("utf-8")))
    return f"{kind}-{''.join(out)}.html"


def _floats(values: pd.Series) -> np.ndarray:
    """Node sizes and levels as floats, for the drawing only (NaN where missing)."""
    if isinstance(values.dtype, pd.ArrowDtype):
        return values.astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
    values = values.map(lambda v: float(v) if isinstance(v, Decimal) else v)
    return pd.to_numeric(values, errors="coerce").astype("float64").to_numpy()
