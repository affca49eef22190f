"""The page's data: nodes, links and sets of nodes as the page's script reads them.

Short keys keep a 2,000-node page small: a node is ``{"id", "l" (label), "k" (kind),
"s" (size), "t" (tooltip), "x", "y" (position, when laid out before the page opens),
"h" (highlighted)}``; a link ``{"i", "f" (from), "to", "y" (type), "l", "t", "d"
(directed), "h"}``; a set of nodes drawn as one (:mod:`guanxi.viz.aggregate`) ``{"id",
"m" (members: node ids and nested set ids), "l", "t", "k", "s", "hd" (the node that
names it), "h", "x", "y"}``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .aggregate import Cluster
from .layout import Layout, label_lines
from .styles import EDGE_STYLES, NODE_STYLES, node_style

__all__ = [
    "LABEL_MAX",
    "EDGE_LABEL_MAX",
    "TITLE_MAX",
    "MIN_SIZE",
    "MAX_SIZE",
    "clip",
    "node_sizes",
    "node_records",
    "edge_records",
    "cluster_records",
]

#: longest node label drawn where labels are not wrapped (physics layouts)
LABEL_MAX = 40
#: longest link label
EDGE_LABEL_MAX = 28
#: longest tooltip
TITLE_MAX = 2000
#: node sizes, smallest and largest (vis-network units)
MIN_SIZE, MAX_SIZE = 9.0, 42.0


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis.

    Examples
    --------
    >>> clip("Pearl River Trading", 12)
    'Pearl River…'
    """
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def node_sizes(nodes: pd.DataFrame) -> np.ndarray:
    """Node sizes, area proportional to ``value``; the kind's size where there is none."""
    default = np.array([node_style(k).size for k in nodes["kind"]], dtype=float)
    value = nodes["value"].to_numpy()
    usable = np.isfinite(value) & (value >= 0)
    if not usable.any():
        return default
    top = value[usable].max()
    if top <= 0:
        return default
    scaled = MIN_SIZE + (MAX_SIZE - MIN_SIZE) * np.sqrt(np.where(usable, value, 0) / top)
    return np.round(np.where(usable, scaled, default), 1)


def node_records(
    nodes: pd.DataFrame, layout: Layout | None, *, wrap: tuple[int, int] | None
) -> list[dict]:
    """The page's node records, in the order of ``nodes``; labels wrapped with
    :func:`~guanxi.viz.layout.label_lines` (``wrap``: width and lines) where nodes sit in
    rows, else clipped to :data:`LABEL_MAX`."""
    sizes = node_sizes(nodes)
    records = []
    for i, (nid, k, label, title, size, hl) in enumerate(
        zip(
            nodes["id"].tolist(),
            nodes["kind"].tolist(),
            nodes["label"].tolist(),
            nodes["title"].tolist(),
            sizes.tolist(),
            nodes["highlight"].tolist(),
            strict=True,
        )
    ):
        shown = label_lines(label, width=wrap[0], lines=wrap[1]) if wrap else clip(label, LABEL_MAX)
        rec = {
            "id": nid,
            "l": shown,
            "k": k if k in NODE_STYLES else "other",
            "s": size,
            "t": clip(title.strip() or label, TITLE_MAX),
        }
        if layout is not None:
            rec["x"] = round(float(layout.x[i]), 1)
            rec["y"] = round(float(layout.y[i]), 1)
        if hl:
            rec["h"] = 1
        records.append(rec)
    return records


def edge_records(edges: pd.DataFrame) -> list[dict]:
    """The page's link records, in the order of ``edges``."""
    records = []
    for i, (src, dst, t, label, title, directed, hl) in enumerate(
        zip(
            edges["source"].tolist(),
            edges["target"].tolist(),
            edges["type"].tolist(),
            edges["label"].tolist(),
            edges["title"].tolist(),
            edges["directed"].tolist(),
            edges["highlight"].tolist(),
            strict=True,
        )
    ):
        rec = {"i": i, "f": src, "to": dst, "y": t if t in EDGE_STYLES else "other"}
        if label:
            rec["l"] = clip(label, EDGE_LABEL_MAX)
        if title.strip():
            rec["t"] = clip(title.strip(), TITLE_MAX)
        if directed:
            rec["d"] = 1
        if hl:
            rec["h"] = 1
        records.append(rec)
    return records


def cluster_records(
    nodes: pd.DataFrame,
    clusters: list[Cluster],
    node_records: list[dict],
    anchors: list[tuple[float, float]],
) -> list[dict]:
    """What the page needs to draw each set as one node: its members, its label (the
    head's name and how many it holds), its tooltip, look and place."""
    out = []
    for k, c in enumerate(clusters):
        nested = {m for j in c.inner for m in clusters[j].members}
        loose = [node_records[i]["id"] for i in c.members if i not in nested]
        head = node_records[c.head] if c.head is not None else None
        more = len(c.members) - (1 if head is not None else 0)
        if head is not None:
            label = f"{head['l']}\n+{more:,} \u25b8"
            title = f"{head['t']}\n\nWith {c.what}: {len(c.members):,} in all."
            style = head["k"]
        else:
            label = f"{c.what} \u25b8"
            title = f"{c.what}."
            present = set(nodes["kind"].to_numpy()[c.members].tolist())
            style = present.pop() if len(present) == 1 else "set"
            style = style if style in NODE_STYLES else "other"
        rec = {
            "id": f"gx-set-{k}",
            # what opening it shows: the sets nested inside, then its own nodes
            "m": [f"gx-set-{j}" for j in c.inner] + loose,
            "l": label,
            "t": title + " Click to open.",
            "k": style,
            "s": round(
                min(MAX_SIZE, max(head["s"] if head else 0.0, 12 + 3 * math.sqrt(len(c.members)))),
                1,
            ),
        }
        if head is not None:
            rec["hd"] = head["id"]
            if head.get("h"):
                rec["h"] = 1
        if anchors:
            rec["x"], rec["y"] = round(anchors[k][0], 1), round(anchors[k][1], 1)
        out.append(rec)
    return out
