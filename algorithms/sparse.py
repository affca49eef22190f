"""Sparse-matrix building blocks for whole-bank passes.

Customer ids are strings; scipy works on integer node numbers. :func:`index_ids`
maps any number of id arrays onto one sorted index, :func:`csr_from_edges` builds an
adjacency matrix from the integer codes, and the two ``*_connected_labels``
functions label components with :func:`scipy.sparse.csgraph.connected_components`.
Everything is vectorized: 1M nodes and 5M edges take well under a second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = [
    "index_ids",
    "csr_from_edges",
    "weakly_connected_labels",
    "strongly_connected_labels",
]


def index_ids(*id_arrays) -> tuple[pd.Index, list[np.ndarray]]:
    """Map several arrays of ids onto one sorted index of node numbers.

    Parameters
    ----------
    *id_arrays : array-like of str
        Any number of id arrays (pandas Series, numpy arrays, lists). Missing values
        (``None``, NaN, NA) are not ids.

    Returns
    -------
    index : pandas.Index
        The union of all non-missing ids, as strings (``str`` dtype), sorted
        ascending by string comparison. Node number ``i`` is ``index[i]``.
    codes : list of numpy.ndarray
        One ``int64`` array per input, same length as the input: the node number of
        each id, or ``-1`` where the id is missing.

    Examples
    --------
    >>> index, (a, b) = index_ids(["c", "a"], ["b", "a", None])
    >>> list(index)
    ['a', 'b', 'c']
    >>> a.tolist(), b.tolist()
    ([2, 0], [1, 0, -1])
    """
    series = [_as_str_series(a) for a in id_arrays]
    if not series:
        return pd.Index([], dtype="str"), []
    joined = pd.concat(series, ignore_index=True)
    all_codes, uniques = pd.factorize(joined, sort=True)
    index = pd.Index(uniques, dtype="str")
    all_codes = all_codes.astype(np.int64, copy=False)
    bounds = np.cumsum([0] + [len(s) for s in series])
    codes = [all_codes[bounds[k] : bounds[k + 1]] for k in range(len(series))]
    return index, codes


def _as_str_series(values) -> pd.Series:
    if isinstance(values, pd.Series):
        s = values.reset_index(drop=True)
    elif isinstance(values, pd.Index):
        s = values.to_series(index=pd.RangeIndex(len(values)))
    else:
        s = pd.Series(np.asarray(values, dtype=object).ravel(), dtype=object)
    return s if s.dtype == "str" else s.astype("str")


def csr_from_edges(
    src: np.ndarray,
    dst: np.ndarray,
    n: int,
    *,
    weights=None,
    symmetric: bool = False,
) -> sp.csr_array:
    """An ``n x n`` adjacency matrix with an entry ``src[k] -> dst[k]`` per edge.

    Parameters
    ----------
    src, dst : numpy.ndarray of int
        Node numbers (as produced by :func:`index_ids`), same length.
    n : int
        Number of nodes (>= 0); every code must lie in ``0 .. n-1``.
    weights : array-like of float, optional
        One weight per edge; 1.0 for every edge when omitted.
    symmetric : bool, default False
        Also add every edge in the reverse direction ``dst[k] -> src[k]``.

    Returns
    -------
    scipy.sparse.csr_array
        ``float64`` matrix; duplicate edges are summed (with ``symmetric=True`` a
        self-loop therefore counts twice).

    Raises
    ------
    ValueError
        If ``src`` and ``dst`` (or ``weights``) differ in length, ``n`` is negative,
        or a node number lies outside ``0 .. n-1``.

    Examples
    --------
    >>> m = csr_from_edges(np.array([0, 0]), np.array([1, 1]), 2)
    >>> m.toarray().tolist()
    [[0.0, 2.0], [0.0, 0.0]]
    """
    src = np.asarray(src, dtype=np.int64).ravel()
    dst = np.asarray(dst, dtype=np.int64).ravel()
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if src.shape != dst.shape:
        raise ValueError(f"src and dst differ in length ({src.size} != {dst.size})")
    if weights is None:
        w = np.ones(src.size, dtype=np.float64)
    else:
        w = np.asarray(weights, dtype=np.float64).ravel()
        if w.shape != src.shape:
            raise ValueError(f"weights and src differ in length ({w.size} != {src.size})")
    if src.size and (
        src.min() < 0 or dst.min() < 0 or src.max() >= n or dst.max() >= n
    ):
        raise ValueError(f"node numbers must lie in 0 .. {n - 1}")
    if symmetric:
        src, dst = np.concatenate([src, dst]), np.concatenate([dst, src])
        w = np.concatenate([w, w])
    m = sp.coo_array((w, (src, dst)), shape=(n, n)).tocsr()
    m.sum_duplicates()
    return m


def _labels(matrix, connection: str) -> np.ndarray:
    m = sp.csr_array(matrix)
    if m.shape[0] != m.shape[1]:
        raise ValueError(f"the adjacency matrix must be square, got shape {m.shape}")
    if m.shape[0] == 0:
        return np.array([], dtype=np.int64)
    _, labels = connected_components(m, directed=True, connection=connection)
    return labels.astype(np.int64)


def weakly_connected_labels(matrix) -> np.ndarray:
    """The weakly connected component of each node.

    Parameters
    ----------
    matrix : scipy sparse matrix or array, square
        Adjacency matrix; edge direction is ignored.

    Returns
    -------
    numpy.ndarray of int64
        ``labels[i]`` is the component number of node ``i`` (``0 .. k-1``); two
        nodes share a label exactly when they are weakly connected. Empty for a
        ``0 x 0`` matrix.

    Raises
    ------
    ValueError
        If the matrix is not square.

    Examples
    --------
    >>> m = csr_from_edges(np.array([0]), np.array([1]), 3)
    >>> weakly_connected_labels(m).tolist()
    [0, 0, 1]
    """
    return _labels(matrix, "weak")


def strongly_connected_labels(matrix) -> np.ndarray:
    """The strongly connected component of each node.

    Parameters
    ----------
    matrix : scipy sparse matrix or array, square
        Adjacency matrix, row -> column.

    Returns
    -------
    numpy.ndarray of int64
        ``labels[i]`` is the component number of node ``i``; two nodes share a
        label exactly when each reaches the other. Label numbers carry no order.

    Raises
    ------
    ValueError
        If the matrix is not square.

    Examples
    --------
    >>> m = csr_from_edges(np.array([0, 1, 1]), np.array([1, 0, 2]), 3)
    >>> labels = strongly_connected_labels(m)
    >>> bool(labels[0] == labels[1]), bool(labels[1] == labels[2])
    (True, False)
    """
    return _labels(matrix, "strong")
