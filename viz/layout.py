"""Positions computed before a page opens, for the views whose shape is known.

A referral cascade is a tree whose levels are generations. Drawn as one row per
generation, a hub with 300 direct referees is a strip 300 nodes wide that no screen can
show. :func:`generation_layout` draws each generation as a *band* of rows instead: the
band wraps after a number of columns chosen so the whole tree is about as wide as a
screen is, siblings stay side by side, and the referees who referred someone in turn sit
in the band's last rows, just above the generation they brought in.

:func:`grid_layout` places a few labelled items (the overview's groups and hubs) on a
grid, section by section. :func:`label_lines` wraps a long name onto two short lines, so
labels in a row do not run into each other.

Positions are in the canvas units of vis-network (pixels at zoom 1); the page draws
them with physics off, so a view opens the same way every time.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "ROW_PITCH",
    "COLUMN_PITCH",
    "BAND_GAP",
    "ASPECT",
    "Band",
    "Layout",
    "tree_levels",
    "generation_layout",
    "grid_layout",
    "overview_layout",
    "label_lines",
]

#: horizontal distance between two nodes of a row (room for a two-line label)
COLUMN_PITCH = 128.0
#: vertical distance between two rows of one band
ROW_PITCH = 60.0
#: extra vertical space between two bands (the links between generations cross it)
BAND_GAP = 96.0
#: width / height the layouts aim at (a desktop browser window below a page header)
ASPECT = 1.6
#: most columns in one row, whatever the aspect asks
MAX_COLUMNS = 48


@dataclass(frozen=True)
class Band:
    """A caption drawn above a band of rows (``Generation 2 · 79 customers``).

    Attributes
    ----------
    x, y : float
        Where the caption starts (left end) and its baseline, above the band's first row.
    text : str
    """

    x: float
    y: float
    text: str

    def as_dict(self) -> dict:
        return {"x": round(self.x, 1), "y": round(self.y, 1), "text": self.text}


@dataclass
class Layout:
    """Positions of the nodes, in the order they were given, and the band captions."""

    x: np.ndarray
    y: np.ndarray
    bands: list[Band] = field(default_factory=list)

    @property
    def width(self) -> float:
        return float(self.x.max() - self.x.min()) if len(self.x) else 0.0

    @property
    def height(self) -> float:
        return float(self.y.max() - self.y.min()) if len(self.y) else 0.0


def tree_levels(n: int, sources: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The level (depth from a root) and the parent of each node of a directed forest.

    Parameters
    ----------
    n : int
        Number of nodes, numbered ``0 .. n-1``.
    sources, targets : numpy.ndarray of int
        The links, from parent to child.

    Returns
    -------
    levels, parents : numpy.ndarray of int
        ``parents[i]`` is ``-1`` for a root. Roots are the nodes nothing points to; in a
        part of the graph made only of cycles, its first node is taken as a root. A node
        reached twice keeps the first parent found breadth-first.

    Examples
    --------
    >>> lv, par = tree_levels(4, np.array([0, 0, 2]), np.array([1, 2, 3]))
    >>> lv.tolist(), par.tolist()
    ([0, 1, 1, 2], [-1, 0, 0, 2])
    """
    children: list[list[int]] = [[] for _ in range(n)]
    has_parent = np.zeros(n, dtype=bool)
    for s, t in zip(sources.tolist(), targets.tolist(), strict=True):
        if s != t:
            children[s].append(t)
            has_parent[t] = True
    levels = np.full(n, -1, dtype=np.int64)
    parents = np.full(n, -1, dtype=np.int64)

    def walk(roots: list[int]) -> None:
        frontier = roots
        for r in roots:
            levels[r] = 0
        while frontier:
            nxt = []
            for p in frontier:
                for c in children[p]:
                    if levels[c] < 0:
                        levels[c] = levels[p] + 1
                        parents[c] = p
                        nxt.append(c)
            frontier = nxt

    walk([i for i in range(n) if not has_parent[i]])
    for i in range(n):  # cycles nothing leads into
        if levels[i] < 0:
            walk([i])
    return levels, parents


def _columns(counts: Sequence[int], aspect: float) -> int:
    """The number of columns that brings the bands' shape nearest to ``aspect``."""
    widest = max(counts)
    best, best_cost = widest, math.inf
    for c in range(1, min(widest, MAX_COLUMNS) + 1):
        rows = sum(math.ceil(k / c) for k in counts)
        width = min(c, widest) * COLUMN_PITCH
        height = rows * ROW_PITCH + (len(counts) - 1) * BAND_GAP
        cost = abs(math.log(width / max(height, ROW_PITCH)) - math.log(aspect))
        if cost < best_cost - 1e-9:
            best, best_cost = c, cost
    return best


def generation_layout(
    levels: np.ndarray,
    parents: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    caption: str = "Generation {level}",
    noun: tuple[str, str] = ("customer", "customers"),
    aspect: float = ASPECT,
) -> Layout:
    """A tree drawn as bands of rows, one band per level (generation).

    Parameters
    ----------
    levels : numpy.ndarray of int
        Level of each node (0 for the root).
    parents : numpy.ndarray of int
        Parent of each node (``-1`` for a root), as from :func:`tree_levels`.
    weights : numpy.ndarray, optional
        Siblings are ordered by the size of their sub-tree, then by this (largest
        first, NaN last), then as given.
    caption : str
        Caption of a band, formatted with ``level``, followed by the band's count; a
        first band of one node (the referrer) has none.
    noun : (str, str)
        Singular and plural of what a node is, for the band captions.
    aspect : float
        Width / height the whole drawing aims at.

    Returns
    -------
    Layout

    Notes
    -----
    Within a band, nodes keep the order of a depth-first walk of the tree (big
    sub-trees first), so siblings are side by side; the nodes that have children of
    their own are moved to the band's last rows, nearest to the band of their
    children, in that same order. Every row is centred.

    Examples
    --------
    >>> lay = generation_layout(np.array([0, 1, 1, 1]), np.array([-1, 0, 0, 0]))
    >>> sorted(set(lay.y.tolist())) == [0.0, ROW_PITCH + BAND_GAP]
    True
    >>> [b.text for b in lay.bands]
    ['Generation 1 · 3 customers']
    """
    n = len(levels)
    if n == 0:
        return Layout(np.zeros(0), np.zeros(0))
    children: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        if parents[i] >= 0:
            children[int(parents[i])].append(i)
    size = np.ones(n, dtype=np.int64)
    for i in np.argsort(-levels, kind="stable"):  # deepest first: sub-tree sizes
        if parents[i] >= 0:
            size[parents[i]] += size[i]
    w = np.zeros(n) if weights is None else np.nan_to_num(weights.astype(float), nan=-np.inf)

    def key(i: int) -> tuple:
        return (-size[i], -w[i], i)

    order = np.empty(n, dtype=np.int64)  # depth-first rank
    rank = 0
    roots = sorted((i for i in range(n) if parents[i] < 0), key=key)
    stack = list(reversed(roots))
    seen = np.zeros(n, dtype=bool)
    while stack:
        i = stack.pop()
        if seen[i]:
            continue
        seen[i] = True
        order[i] = rank
        rank += 1
        stack.extend(reversed(sorted(children[i], key=key)))
    for i in np.flatnonzero(~seen):  # a node outside every tree walk keeps its place
        order[i] = rank
        rank += 1

    band_levels = sorted(set(levels.tolist()))
    members = {
        lv: sorted(
            np.flatnonzero(levels == lv).tolist(), key=lambda i: (bool(children[i]), order[i])
        )
        for lv in band_levels
    }
    counts = [len(members[lv]) for lv in band_levels]
    cols = _columns(counts, aspect)
    x = np.zeros(n)
    y = np.zeros(n)
    bands = []
    top = 0.0
    half_width = (min(cols, max(counts)) - 1) * COLUMN_PITCH / 2
    for lv, count in zip(band_levels, counts, strict=True):
        nodes = members[lv]
        for r in range(math.ceil(count / cols)):
            row = nodes[r * cols : (r + 1) * cols]
            start = -(len(row) - 1) * COLUMN_PITCH / 2
            for j, i in enumerate(row):
                x[i] = start + j * COLUMN_PITCH
                y[i] = top + r * ROW_PITCH
        one, many = noun
        if not (lv == band_levels[0] and count == 1):
            text = f"{caption.format(level=lv)} · {count:,} {one if count == 1 else many}"
            bands.append(Band(-half_width - COLUMN_PITCH * 0.4, top - ROW_PITCH * 0.5, text))
        top += math.ceil(count / cols) * ROW_PITCH + BAND_GAP
    return Layout(x, y, bands)


def grid_layout(
    sections: Sequence[tuple[str, int]],
    *,
    pitch: tuple[float, float] = (230.0, 150.0),
    aspect: float = ASPECT,
) -> Layout:
    """Items on a grid, section after section, each section under its caption.

    Parameters
    ----------
    sections : sequence of (str, int)
        Caption and number of items of each section, in drawing order.
    pitch : (float, float)
        Horizontal and vertical distance between two items.
    aspect : float
        Width / height the whole grid aims at.

    Returns
    -------
    Layout
        Positions of the items, numbered section after section; one band per section
        that has items.

    Examples
    --------
    >>> lay = grid_layout([("Groups", 3), ("Hubs", 2)])
    >>> len(lay.x), [b.text for b in lay.bands]
    (5, ['Groups', 'Hubs'])
    """
    counts = [k for _, k in sections if k > 0]
    total = sum(counts)
    if total == 0:
        return Layout(np.zeros(0), np.zeros(0))
    dx, dy = pitch
    best, best_cost = 1, math.inf
    for c in range(1, max(counts) + 1):
        rows = sum(math.ceil(k / c) for k in counts)
        cost = abs(
            math.log((c * dx) / (rows * dy + (len(counts) - 1) * dy * 0.6)) - math.log(aspect)
        )
        if cost < best_cost - 1e-9:
            best, best_cost = c, cost
    x, y, bands = [], [], []
    top = 0.0
    width = (min(best, max(counts)) - 1) * dx
    for text, count in sections:
        if count <= 0:
            continue
        bands.append(Band(-width / 2 - dx * 0.3, top - dy * 0.45, text))
        for r in range(math.ceil(count / best)):
            k = min(best, count - r * best)
            for j in range(k):
                # rows are left-aligned under the caption: ranks read left to right
                x.append(-width / 2 + j * dx)
                y.append(top + r * dy)
        top += math.ceil(count / best) * dy + dy * 0.6
    return Layout(np.array(x), np.array(y), bands)


def _units(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _wrap(text: str, width: int, lines: int) -> list[str]:
    out: list[str] = []
    rest = " ".join(text.split())
    while rest and len(out) < lines:
        used, cut, last_space = 0, len(rest), -1
        for k, ch in enumerate(rest):
            if ch == " ":
                last_space = k
            used += _units(ch)
            if used > width:
                cut = k
                break
        if cut == len(rest):
            out.append(rest)
            return out
        if last_space > 0 and len(out) < lines - 1:
            cut = last_space
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest and out:
        last = out[-1]
        while last and sum(_units(c) for c in last) + 1 > width:
            last = last[:-1]
        out[-1] = last.rstrip() + "\u2026"
    return out


def label_lines(text: str, *, width: int = 18, lines: int = 2) -> str:
    """``text`` wrapped onto at most ``lines`` lines of about ``width`` units, with
    ``…`` where it is cut (a Chinese character counts two units, as it is drawn about
    twice as wide as a Latin letter).

    Latin text breaks at spaces where it can; Chinese text breaks between any two
    characters. A text of several lines keeps its lines, each cut to one line, and at
    most ``lines`` + 1 of them (a name and its figures).

    Examples
    --------
    >>> label_lines("Golden Dragon & Everbright Properties Limited")
    'Golden Dragon &\\nEverbright Proper…'
    >>> label_lines("北京永安贸易有限公司")
    '北京永安贸易有限公\\n司'
    >>> label_lines("Li Na")
    'Li Na'
    >>> label_lines("北京永安贸易有限公司\\n84 members · 37.0 % of Tier 1", width=24)
    '北京永安贸易有限公司\\n84 members · 37.0 % of…'
    """
    parts = str(text).split("\n")
    if len(parts) == 1:
        return "\n".join(_wrap(parts[0], width, lines))
    return "\n".join(line for p in parts[: lines + 1] for line in _wrap(p, width, 1))


def _spring(m: int, src: list[int], dst: list[int], centre: int | None) -> np.ndarray:
    """A force layout of ``m`` nodes (networkx's, seeded), ``centre`` at the origin,
    spread over a disc that grows with the square root of ``m``."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from(range(m))
    g.add_edges_from(zip(src, dst, strict=True))
    if centre is not None:
        pos = nx.spring_layout(g, pos={centre: (0.0, 0.0)}, fixed=[centre], seed=7)
    else:
        pos = nx.spring_layout(g, seed=7)
    xy = np.array([pos[i] for i in range(m)], dtype=float)
    xy -= xy[centre] if centre is not None else xy.mean(axis=0)
    radius = np.sqrt((xy**2).sum(axis=1)).max()
    target = 0.55 * COLUMN_PITCH * math.sqrt(m)
    return xy * (target / radius) if radius > 0 else xy


def overview_layout(
    n: int,
    sources: np.ndarray,
    targets: np.ndarray,
    items: Sequence[tuple[list[int], int | None, str]],
    *,
    weights: np.ndarray | None = None,
) -> tuple[Layout, list[tuple[float, float]]]:
    """The overview: one grid cell per item (a set of nodes drawn as one, or a single
    node), section after section; the members of each set placed around its cell, where
    they go when the set is opened.

    Parameters
    ----------
    n : int
        Number of nodes.
    sources, targets : numpy.ndarray of int
        The links between nodes.
    items : sequence of (members, head, section)
        Node positions of each item (its head included), the head (or ``None``) and the
        caption of its section; in drawing order.
    weights : numpy.ndarray, optional
        Node values, to order siblings in a tree (see :func:`generation_layout`).

    Returns
    -------
    layout : Layout
        Positions of every node, and one band per section.
    anchors : list of (float, float)
        Centre of each item's cell (where the collapsed set is drawn).

    Notes
    -----
    A set whose links make a tree under its head (a referral cascade) opens as that
    tree in generation bands, its root where the set was; any other set (an exposure
    group) opens as a force layout around its head.
    """
    sections: list[tuple[str, int]] = []
    for _, _, name in items:
        if sections and sections[-1][0] == name:
            sections[-1] = (name, sections[-1][1] + 1)
        else:
            sections.append((name, 1))
    grid = grid_layout(sections)
    x = np.zeros(n)
    y = np.zeros(n)
    anchors = []
    for k, (members, head, _) in enumerate(items):
        cx, cy = float(grid.x[k]), float(grid.y[k])
        anchors.append((cx, cy))
        local = {node: j for j, node in enumerate(members)}
        if len(members) == 1:
            x[members[0]], y[members[0]] = cx, cy
            continue
        inside = [
            (local[s], local[t])
            for s, t in zip(sources.tolist(), targets.tolist(), strict=True)
            if s in local and t in local and s != t
        ]
        ls = np.array([a for a, _ in inside], dtype=np.int64)
        lt = np.array([b for _, b in inside], dtype=np.int64)
        levels, parents = tree_levels(len(members), ls, lt)
        h = local.get(head) if head is not None else None
        is_tree = (
            len(inside) == len(members) - 1
            and (parents < 0).sum() == 1
            and (h is None or parents[h] < 0)
        )
        if is_tree:
            w = None if weights is None else weights[members]
            part = generation_layout(levels, parents, weights=w, aspect=1.3)
            px, py = part.x, part.y - part.y.min()  # the root where the set was
        else:
            xy = _spring(len(members), ls.tolist(), lt.tolist(), h)
            px, py = xy[:, 0], xy[:, 1]
        for j, node in enumerate(members):
            x[node], y[node] = cx + px[j], cy + py[j]
    return Layout(x, y, grid.bands), anchors
