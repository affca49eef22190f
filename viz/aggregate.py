"""Aggregation: above a few hundred nodes, a view draws sets of nodes as one node.

A 2,000-node neighbourhood drawn node by node is a hairball nobody can read. Above
:data:`DEFAULT_AGGREGATE_ABOVE` nodes a view starts with some sets of nodes collapsed
into one node each (vis-network's clustering, in the page), labelled with what it holds;
a click opens it. Which sets, by kind of view:

* **cascade**: the sub-tree of each first-generation referee who referred someone in
  turn (the referee and everyone downstream of them).
* **network, group, circle**: first the companies of each control sub-tree (a person or
  company and every company it controls, directly or down a chain, along ``control`` or
  ``OWNS`` links); if that is not enough, every branch of the neighbourhood (a node next
  to the highlighted customer and everything reached through it); then the remaining
  leaves next to one node, by kind (``412 accounts``).
* **overview**, or any view whose nodes carry a ``cluster`` key: the nodes sharing a key,
  whatever the size (the node whose id is the key names the set).

Highlighted nodes are never hidden inside a set, except where the producer said so
with ``cluster``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .layout import tree_levels
from .styles import edge_style

__all__ = ["DEFAULT_AGGREGATE_ABOVE", "MIN_CLUSTER", "Cluster", "find_clusters"]

#: above this many nodes a view starts with sets of nodes collapsed (see the module)
DEFAULT_AGGREGATE_ABOVE = 400

#: fewest nodes worth collapsing into one
MIN_CLUSTER = 3

#: most nodes a view shows at first once it is aggregated: beyond it, the branches of a
#: neighbourhood are nested in one set per kind of link to the centre
MAX_VISIBLE = 120

#: link types along which one customer controls another
CONTROL_TYPES = frozenset({"control", "OWNS"})

_PLURAL = {
    "person": "persons",
    "company": "companies",
    "account": "accounts",
    "household": "households",
    "group": "groups",
}


@dataclass
class Cluster:
    """A set of nodes drawn as one node until it is opened.

    Attributes
    ----------
    members : list of int
        Positions of the nodes inside (in the view's node frame), the head included,
        and those of the sets nested inside.
    head : int or None
        Position of the node that names the set (drawn in its place), if any.
    what : str
        What the set holds (``12 companies, 1 person``), for its label when it has no
        head and for its tooltip.
    inner : list of int
        The sets nested inside this one (indices in the list of sets; they come before
        it): opening this set shows them, still collapsed.
    """

    members: list[int]
    head: int | None
    what: str
    inner: list[int] = field(default_factory=list)


def _describe(kinds: np.ndarray, members: list[int]) -> str:
    counts = pd.Series(kinds[members]).value_counts()
    parts = [f"{n:,} {k if n == 1 else _PLURAL.get(k, k + 's')}" for k, n in counts.items()]
    return ", ".join(parts)


def _given(keys: np.ndarray, ids: np.ndarray, kinds: np.ndarray) -> list[Cluster]:
    by_key: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys.tolist()):
        if key:
            by_key[key].append(i)
    position = {v: i for i, v in enumerate(ids.tolist())}
    out = []
    for key, members in by_key.items():
        if len(members) < 2:
            continue
        head = position.get(key)
        if head is not None and head not in members:
            head = None
        out.append(Cluster(members, head, _describe(kinds, members)))
    return out


def _cascade(
    n: int, src: np.ndarray, dst: np.ndarray, levels: np.ndarray, kinds: np.ndarray
) -> list[Cluster]:
    if np.isfinite(levels).all() and n:
        lv = levels.astype(np.int64)
        parents = np.full(n, -1, dtype=np.int64)
        for s, t in zip(src.tolist(), dst.tolist(), strict=True):
            if lv[t] == lv[s] + 1 and parents[t] < 0:
                parents[t] = s
    else:
        lv, parents = tree_levels(n, src, dst)
    top = lv.min() if n else 0
    branch = np.full(n, -1, dtype=np.int64)  # the first-generation ancestor
    for i in np.argsort(lv, kind="stable"):
        if lv[i] == top + 1:
            branch[i] = i
        elif lv[i] > top + 1 and parents[i] >= 0:
            branch[i] = branch[parents[i]]
    out = []
    for head in np.flatnonzero(lv == top + 1).tolist():
        members = np.flatnonzero(branch == head).tolist()
        if len(members) >= 2:
            out.append(Cluster(members, head, _describe(kinds, members)))
    return out


def _control(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    types: np.ndarray,
    kinds: np.ndarray,
    keep_out: np.ndarray,
) -> list[Cluster]:
    ctl = np.isin(types, list(CONTROL_TYPES))
    if not ctl.any():
        return []
    s, t = src[ctl], dst[ctl]
    _, parents = tree_levels(n, s, t)
    involved = np.zeros(n, dtype=bool)
    involved[s] = involved[t] = True
    root = np.arange(n)
    for i in np.flatnonzero(involved):
        r, steps = i, 0
        while parents[r] >= 0 and steps < n:
            r, steps = int(parents[r]), steps + 1
        root[i] = r
    out = []
    for r in np.unique(root[involved]).tolist():
        members = [i for i in np.flatnonzero(involved & (root == r)).tolist() if not keep_out[i]]
        if len(members) >= MIN_CLUSTER:
            head = r if r in members else None
            out.append(Cluster(members, head, _describe(kinds, members)))
    return out


def _neighbours(n: int, src: np.ndarray, dst: np.ndarray) -> list[list[int]]:
    adj: list[list[int]] = [[] for _ in range(n)]
    for s, t in zip(src.tolist(), dst.tolist(), strict=True):
        if s != t:
            adj[s].append(t)
            adj[t].append(s)
    return adj


def _branches(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    types: np.ndarray,
    kinds: np.ndarray,
    centre: np.ndarray,
) -> list[Cluster]:
    adj = _neighbours(n, src, dst)
    starts = np.flatnonzero(centre).tolist()
    if not starts:
        degree = np.array([len(a) for a in adj])
        starts = [int(degree.argmax())]
    branch = np.full(n, -1, dtype=np.int64)
    hop = np.full(n, -1, dtype=np.int64)
    for s in starts:
        hop[s] = 0
    frontier = list(starts)
    while frontier:
        nxt = []
        for p in frontier:
            for c in adj[p]:
                if hop[c] < 0:
                    hop[c] = hop[p] + 1
                    branch[c] = c if hop[c] == 1 else branch[p]
                    nxt.append(c)
        frontier = nxt
    # how each first-hop node is linked to the centre (the first such link)
    link = {}
    for s, t, ty in zip(src.tolist(), dst.tolist(), types.tolist(), strict=True):
        for a, b in ((s, t), (t, s)):
            if hop[a] == 0 and hop[b] == 1 and b not in link:
                link[b] = str(ty)
    out: list[Cluster] = []
    units: dict[str, list[tuple[int | None, list[int]]]] = defaultdict(list)
    for b in np.flatnonzero(hop == 1).tolist():
        members = np.flatnonzero(branch == b).tolist()
        kind_of_link = link.get(b, "other")
        if len(members) >= MIN_CLUSTER:
            out.append(Cluster(members, b, _describe(kinds, members)))
            units[kind_of_link].append((len(out) - 1, members))
        else:
            units[kind_of_link].extend((None, [m]) for m in members)
    visible = len(starts) + sum(len(u) for u in units.values()) + int((hop < 0).sum())
    # too many branches to read at once: nest them in one set per kind of link to the
    # centre, the most common kind first, until few enough are left
    for link_type, group in sorted(units.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        if visible <= MAX_VISIBLE or len(group) < MIN_CLUSTER:
            break
        members = sorted({m for _, ms in group for m in ms})
        inner = [k for k, _ in group if k is not None]
        what = f"{edge_style(link_type).label}: {_describe(kinds, members)}"
        out.append(Cluster(members, None, what, inner))
        visible -= len(group) - 1
    return out


def _visible(n: int, clusters: list[Cluster]) -> int:
    return n - sum(len(c.members) - 1 for c in clusters)


def find_clusters(
    kind: str,
    nodes: pd.DataFrame,
    edges: pd.DataFrame,
    *,
    above: int | None = DEFAULT_AGGREGATE_ABOVE,
) -> list[Cluster]:
    """The sets of nodes a view starts with collapsed (see the module docstring).

    Parameters
    ----------
    kind : str
        The view kind (``cascade``, ``network``, ``group``, ``circle``, ``overview``).
    nodes : pandas.DataFrame
        ``id``, ``kind``, ``level`` (float, NaN allowed), ``highlight``, ``cluster``
        (str, ``""`` for none).
    edges : pandas.DataFrame
        ``source``, ``target`` (ids of ``nodes``; every edge drawn), ``type``.
    above : int or None, default 400
        Aggregate only views with more nodes than this (``None``: never, except the
        sets the producer gave in ``cluster``).

    Returns
    -------
    list of Cluster
        Disjoint sets, none of a single node.

    Examples
    --------
    >>> nodes = pd.DataFrame({"id": ["r", "a", "b", "c"], "kind": ["person"] * 4,
    ...     "level": [0.0, 1, 1, 2], "highlight": [True, False, False, False],
    ...     "cluster": [""] * 4})
    >>> edges = pd.DataFrame({"source": ["r", "r", "a"], "target": ["a", "b", "c"],
    ...     "type": ["REFERRED"] * 3})
    >>> [(c.head, c.members, c.what) for c in find_clusters("cascade", nodes, edges, above=2)]
    [(1, [1, 3], '2 persons')]
    """
    n = len(nodes)
    ids = nodes["id"].to_numpy(dtype=object)
    kinds = nodes["kind"].to_numpy(dtype=object)
    keys = nodes["cluster"].to_numpy(dtype=object) if "cluster" in nodes else np.array([""] * n)
    given = _given(keys, ids, kinds)
    if given or above is None or n <= above:
        return given
    position = pd.Index(ids)
    src = position.get_indexer(edges["source"].to_numpy(dtype=object))
    dst = position.get_indexer(edges["target"].to_numpy(dtype=object))
    types = edges["type"].to_numpy(dtype=object)
    highlight = nodes["highlight"].to_numpy(dtype=bool)
    if kind == "cascade":
        return _cascade(n, src, dst, nodes["level"].to_numpy(dtype=float), kinds)
    control = _control(n, src, dst, types, kinds, highlight)
    if _visible(n, control) <= above:
        return control
    return _branches(n, src, dst, types, kinds, highlight)
