"""Neighbourhoods of a node: breadth-first by hops over a CSR adjacency, along the
edges a filter allows, with a node limit; and the edges a set of nodes induces.

The graph is numbered: nodes ``0 .. n-1`` and edges ``0 .. m-1``, an edge being a pair
of node numbers (``src[e]``, ``dst[e]``). :func:`edge_adjacency` stores it as a
symmetric CSR array whose stored values are edge numbers, so one row gives a node's
neighbours *and* the edges that lead to them: a filter on the edges (their type, say)
is then a boolean array over edge numbers (:func:`edge_type_mask`), applied during the
search with nothing rebuilt.

Choices where a caller may expect otherwise
-------------------------------------------
- Direction is ignored: a search follows every edge both ways.
- Parallel edges and self-loops are kept; a self-loop never adds a node.
- Within a hop, nodes come in ascending node number (callers number the nodes they
  want first first: the read model numbers customers before accounts and households).
- The limit counts the start. When a hop would pass it, the lowest-numbered nodes of
  that hop are kept, the search stops, and the nodes of that hop left out are counted;
  that count is a lower bound on what was left out (nothing beyond it was explored).

Examples
--------
A path 0 - 1 - 2 - 3 with a second edge 1 - 2:

>>> adj = edge_adjacency([0, 1, 2, 2], [1, 2, 3, 1], 4)
>>> found = hop_neighbourhood(adj, 1, hops=1)
>>> found.nodes.tolist(), found.levels.tolist(), found.truncated
([1, 0, 2], [0, 1, 1], False)
>>> induced_edges(adj, found.nodes).tolist()
[0, 1, 3]
>>> hop_neighbourhood(adj, 0, hops=3, limit=2)
Neighbourhood(nodes=array([0, 1]), levels=array([0, 1]), truncated=True, omitted=1)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

__all__ = [
    "Neighbourhood",
    "edge_adjacency",
    "incident_edges",
    "edge_type_mask",
    "hop_neighbourhood",
    "induced_edges",
]


class Neighbourhood(NamedTuple):
    """What :func:`hop_neighbourhood` found."""

    #: node numbers, in the order found (the start first)
    nodes: np.ndarray
    #: the hop of each node (0 for the start)
    levels: np.ndarray
    #: whether the limit cut the search
    truncated: bool
    #: nodes found at the cut and left out (0 when not truncated)
    omitted: int


def _node_numbers(values: ArrayLike, name: str) -> np.ndarray:
    out = np.asarray(values)
    if out.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional array of node numbers")
    if not out.size:
        return out.astype(np.int64)
    if out.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integer node numbers, not {out.dtype}")
    return out


def edge_adjacency(src: ArrayLike, dst: ArrayLike, n_nodes: int) -> sp.csr_array:
    """The symmetric CSR adjacency of a numbered graph, valued by edge number.

    Parameters
    ----------
    src, dst : array-like of int, shape (m,)
        The two ends of each edge, node numbers in ``[0, n_nodes)``. Their dtype is kept
        for the column indices (32-bit node numbers take half the memory).
    n_nodes : int
        Number of nodes; nodes without an edge are allowed.

    Returns
    -------
    scipy.sparse.csr_array
        Shape ``(n_nodes, n_nodes)``; row ``u`` holds, for each edge ``e`` between
        ``u`` and ``v``, the column ``v`` with the value ``e`` (columns ascending; an
        edge appears in the rows of both ends, a self-loop twice in its node's row).
        Values are 32-bit while the edge numbers fit.

    Raises
    ------
    ValueError
        ``src`` and ``dst`` differ in length, are not integers, or name a node outside
        ``[0, n_nodes)``.

    Examples
    --------
    >>> adj = edge_adjacency([0, 0], [1, 2], 3)
    >>> adj.indices.tolist(), adj.data.tolist()
    ([1, 2, 0, 0], [0, 1, 0, 1])
    """
    src = _node_numbers(src, "src")
    dst = _node_numbers(dst, "dst")
    n = int(n_nodes)
    if n < 0:
        raise ValueError(f"n_nodes must be at least 0, got {n_nodes}")
    if len(src) != len(dst):
        raise ValueError(f"src and dst differ in length ({len(src)} and {len(dst)})")
    m = len(src)
    if m and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
        raise ValueError(f"an edge names a node outside 0..{n - 1}")
    rows = np.concatenate([src, dst])
    cols = np.concatenate([dst, src])
    eid_dtype = np.int32 if m < 2**31 else np.int64
    eid = np.concatenate([np.arange(m), np.arange(m)]).astype(eid_dtype)
    order = np.lexsort((cols, rows))
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return sp.csr_array((eid[order], cols[order], indptr), shape=(n, n))


def incident_edges(adj: sp.csr_array, nodes: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """The neighbours of ``nodes`` and the edge number of each incidence.

    Parameters
    ----------
    adj : scipy.sparse.csr_array
        From :func:`edge_adjacency`.
    nodes : numpy.ndarray of int
        Node numbers.

    Returns
    -------
    neighbours, edges : numpy.ndarray of int64
        Aligned: for each node of ``nodes`` in turn, each incident edge and the node at
        its other end (repeats kept).

    Examples
    --------
    >>> adj = edge_adjacency([0, 0], [1, 2], 3)
    >>> [a.tolist() for a in incident_edges(adj, np.array([1, 0]))]
    [[0, 1, 2], [0, 0, 1]]
    """
    nodes = np.asarray(nodes, dtype=np.int64)
    indptr = adj.indptr
    starts = indptr[nodes]
    counts = indptr[nodes + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts)
    pos = offsets + np.arange(total)
    return adj.indices[pos].astype(np.int64), adj.data[pos].astype(np.int64)


def edge_type_mask(edge_types: ArrayLike, allowed: Sequence[bool]) -> np.ndarray:
    """Which edges have an allowed type: the edge filter of a search.

    Parameters
    ----------
    edge_types : numpy.ndarray of int, shape (m,)
        The type code of each edge, in ``[0, len(allowed))``.
    allowed : sequence of bool
        Whether each type code is allowed.

    Returns
    -------
    numpy.ndarray of bool, shape (m,)

    Examples
    --------
    >>> edge_type_mask(np.array([0, 2, 1, 2], dtype=np.int8), [True, False, True]).tolist()
    [True, True, False, True]
    """
    table = np.asarray(allowed, dtype=bool)
    codes = np.asarray(edge_types)
    return table[codes] if codes.size else np.zeros(0, dtype=bool)


def hop_neighbourhood(
    adj: sp.csr_array,
    start: int,
    *,
    hops: int,
    edge_ok: np.ndarray | None = None,
    limit: int | None = None,
) -> Neighbourhood:
    """The nodes within ``hops`` edges of ``start``, breadth-first, at most ``limit``.

    Parameters
    ----------
    adj : scipy.sparse.csr_array
        From :func:`edge_adjacency`.
    start : int
        The node searched from.
    hops : int
        Largest number of edges from ``start`` (0: the start alone).
    edge_ok : numpy.ndarray of bool, optional
        Which edges (by edge number) the search may follow; all by default.
    limit : int, optional
        Most nodes returned, the start included; no limit by default.

    Returns
    -------
    Neighbourhood
        The nodes in the order found (by hop, then by node number), their hop, whether
        the limit cut the search and how many nodes of the hop it cut were left out.

    Raises
    ------
    ValueError
        ``start`` is not a node of the graph (the null graph has none), ``hops`` is
        negative or ``limit`` is below 1.

    See Also
    --------
    networkx.ego_graph : the same nodes with ``radius=hops`` (and ``undirected=True``).

    Examples
    --------
    >>> adj = edge_adjacency([0, 1, 1], [1, 2, 3], 4)
    >>> found = hop_neighbourhood(adj, 0, hops=2)
    >>> found.nodes.tolist(), found.levels.tolist()
    ([0, 1, 2, 3], [0, 1, 2, 2])
    >>> only_first = np.array([True, False, True])
    >>> hop_neighbourhood(adj, 0, hops=2, edge_ok=only_first).nodes.tolist()
    [0, 1, 3]
    """
    n = adj.shape[0]
    start = int(start)
    if not n:
        raise ValueError("the null graph has no node to start from")
    if not 0 <= start < n:
        raise ValueError(f"node {start} is not in the graph (nodes 0..{n - 1})")
    if hops < 0:
        raise ValueError(f"hops must be at least 0, got {hops}")
    if limit is None:
        limit = n
    elif limit < 1:
        raise ValueError(f"limit must be at least 1 (the start), got {limit}")
    visited = np.zeros(n, dtype=bool)
    visited[start] = True
    found = [np.array([start], dtype=np.int64)]
    levels = [np.zeros(1, dtype=np.int64)]
    count, truncated, omitted = 1, False, 0
    frontier = found[0]
    for hop in range(1, hops + 1):
        nb, eids = incident_edges(adj, frontier)
        if eids.size:
            nb = np.unique(nb if edge_ok is None else nb[edge_ok[eids]])
        nb = nb[~visited[nb]]
        if nb.size == 0:
            break
        room = limit - count
        if nb.size > room:
            truncated, omitted = True, int(nb.size - room)
            nb = nb[:room]
        visited[nb] = True
        found.append(nb)
        levels.append(np.full(nb.size, hop, dtype=np.int64))
        count += nb.size
        if truncated:
            break
        frontier = nb
    return Neighbourhood(np.concatenate(found), np.concatenate(levels), truncated, omitted)


def induced_edges(
    adj: sp.csr_array, nodes: np.ndarray, edge_ok: np.ndarray | None = None
) -> np.ndarray:
    """The edges with both ends in ``nodes`` (those ``edge_ok`` allows).

    Parameters
    ----------
    adj : scipy.sparse.csr_array
        From :func:`edge_adjacency`.
    nodes : numpy.ndarray of int
        Node numbers.
    edge_ok : numpy.ndarray of bool, optional
        Which edges (by edge number) count; all by default.

    Returns
    -------
    numpy.ndarray of int64
        Edge numbers, ascending, each once.

    Examples
    --------
    >>> adj = edge_adjacency([0, 1, 1], [1, 2, 3], 4)
    >>> induced_edges(adj, np.array([0, 1, 3])).tolist()
    [0, 2]
    """
    inside = np.zeros(adj.shape[0], dtype=bool)
    inside[nodes] = True
    nb, eids = incident_edges(adj, nodes)
    if not eids.size:
        keep = np.zeros(0, dtype=bool)
    else:
        keep = inside[nb] if edge_ok is None else inside[nb] & edge_ok[eids]
    return np.unique(eids[keep])
