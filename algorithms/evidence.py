"""Each exposure group's head, and the evidence path from every member to it.

A risk officer filing a group names its ultimate parent or controller and must be able
to show why each member belongs: the chain of links (each with its reason and the
source row that produced it) from the member to the head.

- **Head**: the top of the group's control tree: a member that controls other members
  (``control`` links) and is controlled by none; of several, the one whose control
  reaches the most members, then the larger single-name exposure, then the smaller
  customer_id. A group with no such member (linked by guarantees, joint credit,
  dependency, ...) is headed by its largest member by single-name exposure (the
  group's ``largest_member``, ties to the smallest id).
- **Evidence path**: the shortest chain of links between the member and the head,
  following links in either direction (a guarantee from the head to the member and a
  guarantee from the member to the head are both evidence). One row per hop, the
  first touching the member, the last touching the head; the head has no rows.

Choices where the definition is silent
--------------------------------------
- Of several shortest chains, the one a breadth-first search from the head finds
  first (neighbours in customer_id order) is listed; of several links between the
  same two customers, the first in the group's link order (reason, a, b: ``control``
  before ``economic_dependency``, ``family_control``, ``guarantee``,
  ``joint_credit``).
- A hop lists the link as stored (``a -> b`` in its own direction: owner -> company,
  guarantor -> borrower, ...) and ``toward``, the customer the hop reaches on its way
  to the head.

The paths come from one breadth-first search over all groups at once (scipy, from a
virtual node joined to every head), then one vectorized step per hop.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pandas as pd
from scipy.sparse.csgraph import breadth_first_order

from .sparse import csr_from_edges, index_ids, take_ids

__all__ = ["PATH_COLUMNS", "group_heads", "evidence_paths", "group_evidence"]

#: columns of :func:`evidence_paths`
PATH_COLUMNS: tuple[str, ...] = (
    "group_id",
    "customer_id",
    "hop",
    "a",
    "b",
    "reason",
    "source_entity",
    "source_key",
    "toward",
)


def _amount(value):
    return 0 if value is None or pd.isna(value) else value


def _reach(edges: dict[str, list[str]], start: str) -> int:
    seen, todo = {start}, deque([start])
    while todo:
        for nxt in edges.get(todo.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return len(seen) - 1


def group_heads(groups: pd.DataFrame, members: pd.DataFrame, links: pd.DataFrame) -> pd.Series:
    """The head of each group (see the module notes).

    Parameters
    ----------
    groups : pandas.DataFrame
        ``group_id``, ``largest_member`` (as :func:`~guanxi.algorithms.groups.exposure_groups`).
    members : pandas.DataFrame
        ``group_id``, ``customer_id``, ``single_name_exposure``.
    links : pandas.DataFrame
        ``group_id``, ``a``, ``b``, ``reason``.

    Returns
    -------
    pandas.Series of str
        The head's customer_id, indexed like ``groups``.

    Examples
    --------
    >>> g = pd.DataFrame({"group_id": ["A"], "largest_member": ["C"]})
    >>> m = pd.DataFrame({"group_id": ["A"] * 4, "customer_id": ["A", "B", "C", "P"],
    ...                   "single_name_exposure": [1, 2, 9, 0]})
    >>> l = pd.DataFrame({"group_id": ["A"] * 3, "a": ["P", "P", "A"], "b": ["A", "B", "C"],
    ...                   "reason": ["control", "control", "guarantee"]})
    >>> group_heads(g, m, l).tolist()
    ['P']
    """
    control = links.loc[(links["reason"] == "control").to_numpy(dtype=bool)]
    a = control["a"].astype(str).to_numpy(dtype=object)
    b = control["b"].astype(str).to_numpy(dtype=object)
    controlled = set(b.tolist())
    candidates = pd.DataFrame({"group_id": control["group_id"].astype(str).to_numpy(), "c": a})
    candidates = candidates.loc[~candidates["c"].isin(controlled)].drop_duplicates()
    head = pd.Series(groups["largest_member"].astype(str).to_numpy(), index=groups["group_id"])
    counts = candidates["group_id"].value_counts()
    single = candidates.loc[candidates["group_id"].map(counts).to_numpy() == 1]
    head.loc[single["group_id"].to_numpy()] = single["c"].to_numpy()
    several = candidates.loc[candidates["group_id"].map(counts).to_numpy() > 1]
    if len(several):
        in_several = control["group_id"].isin(several["group_id"]).to_numpy(dtype=bool)
        edges: dict[str, list[str]] = {}
        for u, v in zip(a[in_several].tolist(), b[in_several].tolist(), strict=True):
            edges.setdefault(u, []).append(v)
        exposure = members.loc[members["group_id"].isin(several["group_id"]).to_numpy(bool)]
        exposure = dict(
            zip(exposure["customer_id"].astype(str), exposure["single_name_exposure"], strict=True)
        )
        for gid, part in several.groupby("group_id", sort=False):
            best = min(
                part["c"].tolist(),
                key=lambda c: (-_reach(edges, c), -_amount(exposure.get(c)), c),
            )
            head.loc[gid] = best
    return pd.Series(head.to_numpy(), index=groups.index, dtype="str")


def evidence_paths(
    groups: pd.DataFrame, members: pd.DataFrame, links: pd.DataFrame, heads: pd.Series
) -> pd.DataFrame:
    """The shortest chain of links from every member to its group's head.

    Parameters
    ----------
    groups, members, links : pandas.DataFrame
        As :func:`group_heads`; ``links`` also ``source_entity`` and ``source_key``,
        in the group's link order.
    heads : pandas.Series
        Each group's head, aligned with ``groups`` (:func:`group_heads`).

    Returns
    -------
    pandas.DataFrame
        :data:`PATH_COLUMNS`, by group_id, customer_id, hop (1 touches the member).

    Examples
    --------
    >>> g = pd.DataFrame({"group_id": ["A"], "largest_member": ["A"]})
    >>> m = pd.DataFrame({"group_id": ["A"] * 3, "customer_id": ["A", "B", "C"]})
    >>> l = pd.DataFrame({"group_id": ["A"] * 2, "a": ["A", "C"], "b": ["B", "B"],
    ...     "reason": ["control", "guarantee"], "source_entity": ["ownership", "guarantees"],
    ...     "source_key": ["A|B|", "C|B||"]})
    >>> evidence_paths(g, m, l, pd.Series(["A"]))[["customer_id", "hop", "a", "b", "toward"]]
      customer_id  hop  a  b toward
    0           B    1  A  B      A
    1           C    1  C  B      B
    2           C    2  A  B      A
    """
    index, (mem, la, lb, hd) = index_ids(
        members["customer_id"], links["a"], links["b"], heads.astype("str")
    )
    n = len(index)
    if len(members) == 0 or n == 0:
        return _empty()
    root = n  # a virtual node joined to every head: one search finds every group's paths
    src = np.concatenate([la, lb, np.full(len(hd), root)])
    dst = np.concatenate([lb, la, hd])
    graph = csr_from_edges(src, dst, n + 1)
    _, pred = breadth_first_order(graph, root, directed=True, return_predecessors=True)
    # the first link (in the group's link order) between each pair of customers
    pair = np.minimum(la, lb) * (n + 1) + np.maximum(la, lb)
    pairs, first = np.unique(pair, return_index=True)
    group_of = np.full(n, -1, dtype=np.int64)
    group_of[mem] = np.arange(len(members))
    is_head = np.zeros(n + 1, dtype=bool)
    is_head[hd] = True
    start = mem[~is_head[mem] & (pred[mem] >= 0)]
    rows_member, rows_hop, rows_link, rows_toward = [], [], [], []
    cur, who, hop = start, start, 1
    while cur.size:
        nxt = pred[cur]
        key = np.minimum(cur, nxt) * (n + 1) + np.maximum(cur, nxt)
        rows_member.append(who)
        rows_hop.append(np.full(cur.size, hop, dtype=np.int64))
        rows_link.append(first[np.searchsorted(pairs, key)])
        rows_toward.append(nxt)
        go_on = ~is_head[nxt]
        cur, who, hop = nxt[go_on], who[go_on], hop + 1
    member = np.concatenate(rows_member)
    link = np.concatenate(rows_link)
    row = group_of[member]
    out = pd.DataFrame(
        {
            "group_id": members["group_id"].astype("str").to_numpy()[row],
            "customer_id": take_ids(index, member).to_numpy(),
            "hop": np.concatenate(rows_hop),
        }
    )
    for column in ("a", "b", "reason", "source_entity", "source_key"):
        out[column] = links[column].astype("str").to_numpy()[link]
    out["toward"] = take_ids(index, np.concatenate(rows_toward)).to_numpy()
    out = out.sort_values(["group_id", "customer_id", "hop"], kind="stable")
    return out.reset_index(drop=True).astype(_DTYPES)


_DTYPES = {c: ("int64" if c == "hop" else "str") for c in PATH_COLUMNS}


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=t) for c, t in _DTYPES.items()})


def group_evidence(
    groups: pd.DataFrame, members: pd.DataFrame, links: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add ``head`` and ``name`` (the head's name, from ``members["name"]``) to
    ``groups``, and the evidence paths.

    Returns
    -------
    groups : pandas.DataFrame
        ``groups`` with ``head`` and ``name`` appended.
    paths : pandas.DataFrame
        :func:`evidence_paths`.
    """
    heads = group_heads(groups, members, links)
    names = pd.Series(dtype="str")
    if "name" in members.columns:
        names = pd.Series(
            members["name"].astype("str").to_numpy(),
            index=members["customer_id"].astype("str").to_numpy(),
        )
        names = names[~names.index.duplicated()]
    out = groups.copy()
    out["head"] = heads.to_numpy()
    out["name"] = pd.Series(heads.map(names).to_numpy(), index=out.index, dtype="str")
    out["head"] = out["head"].astype("str")
    return out, evidence_paths(groups, members, links, heads)
