"""Sparse-matrix building blocks for whole-bank passes.

Customer ids are strings; scipy works on integer node numbers. :func:`index_ids`
maps any number of id arrays onto one sorted index (:func:`id_codes` gives the codes
alone, :func:`take_ids` turns node numbers back into ids), :func:`csr_from_edges` builds
an adjacency matrix from the integer codes, and the two ``*_connected_labels``
functions label components with :func:`scipy.sparse.csgraph.connected_components`
(:func:`first_nodes` then names each component by its smallest node). Everything is
vectorized: 1M nodes and 5M edges take well under a second.

Short ids held by Arrow (the ``str`` dtype) are numbered without hashing or sorting
strings: see "ids as integers" below.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

__all__ = [
    "index_ids",
    "id_codes",
    "take_ids",
    "csr_from_edges",
    "weakly_connected_labels",
    "strongly_connected_labels",
    "first_nodes",
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
    bounds = np.cumsum([0] + [len(s) for s in series])
    fast = _codes_by_bytes(series)
    if fast is not None:
        all_codes, k, chunks = fast
        index = None
        for i, s in enumerate(series):  # an input that is the index already: reuse it
            if len(s) == k and np.array_equal(all_codes[bounds[i] : bounds[i + 1]], np.arange(k)):
                index = pd.Index(s.array, dtype="str")
                break
        if index is None:
            index = _index_of_codes(all_codes, k, chunks)
    else:
        joined = pd.concat(series, ignore_index=True)
        all_codes, uniques = pd.factorize(joined, sort=True)
        index = pd.Index(uniques, dtype="str")
        all_codes = all_codes.astype(np.int64, copy=False)
    codes = [all_codes[bounds[k] : bounds[k + 1]] for k in range(len(series))]
    return index, codes


def id_codes(*id_arrays) -> tuple[int, list[np.ndarray]]:
    """The codes of :func:`index_ids` without the index: for grouping rows by an id.

    Returns
    -------
    count : int
        Number of distinct ids.
    codes : list of numpy.ndarray
        One ``int64`` array per input: the position of each id in sorted order of the
        distinct ids, ``-1`` where missing.

    Examples
    --------
    >>> id_codes(["b", "a", None], ["b"])
    (2, [array([ 1,  0, -1]), array([1])])
    """
    series = [_as_str_series(a) for a in id_arrays]
    if not series:
        return 0, []
    bounds = np.cumsum([0] + [len(s) for s in series])
    fast = _codes_by_bytes(series)
    if fast is not None:
        all_codes, k, _ = fast
    else:
        all_codes, uniques = pd.factorize(pd.concat(series, ignore_index=True), sort=True)
        all_codes, k = all_codes.astype(np.int64, copy=False), len(uniques)
    return k, [all_codes[bounds[i] : bounds[i + 1]] for i in range(len(series))]


def take_ids(index: pd.Index, positions) -> pd.Series:
    """``index[positions]`` as a ``str`` Series on a fresh ``RangeIndex``.

    Taking from the index's own (Arrow) storage avoids a round trip through Python
    string objects, which costs a quarter of a second per million ids.

    Examples
    --------
    >>> take_ids(pd.Index(["a", "b", "c"], dtype="str"), np.array([2, 0])).tolist()
    ['c', 'a']
    """
    positions = np.asarray(positions, dtype=np.int64)
    if index.dtype == "str":
        return pd.Series(index.array.take(positions))
    return pd.Series(index.to_numpy()[positions], dtype="str")


def _as_str_series(values) -> pd.Series:
    if isinstance(values, pd.Series):
        s = values.reset_index(drop=True)
    elif isinstance(values, pd.Index):
        s = values.to_series(index=pd.RangeIndex(len(values)))
    else:
        s = pd.Series(np.asarray(values, dtype=object).ravel(), dtype=object)
    return s if s.dtype == "str" else s.astype("str")


# -- ids as integers: the fast path of index_ids ------------------------------------
#
# Hashing or sorting a million Python-level strings costs about a second; the ids of a
# bank are short, so their bytes can be read straight from the Arrow buffers and packed
# into one integer per id that sorts as the ids do. Byte position ``j`` of every id
# becomes a digit in a mixed-radix number, its radix the range of bytes seen at that
# position (plus one "no byte here" digit, below every byte, when some id is shorter).
# Comparing two such numbers compares the ids byte by byte, shorter prefix first: the
# order of UTF-8 bytes, which is the order of code points, which is Python's string
# order. Constant positions (a common prefix, a fixed letter) cost no digits, so ids
# such as ``A000000978`` fit easily in 62 bits; ids made of digits only, all of one
# length (``00012345``), are simply parsed as numbers.
#
# The keys are then numbered in order: through a table over the key space when it is
# small (a few times the number of ids, as for ids handed out in sequence; at most
# 32M keys, 160 MB), else by sorting the keys. Ids that do not fit (not Arrow-backed, longer than 32 bytes, too
# varied for 62 bits) take the general path, :func:`pandas.factorize`; both give the
# same index and codes.

_MAX_ID_BYTES = 32  # longer ids take the general path
_MAX_KEY_SPACE = 1 << 62
_KEY_BLOCK = 1 << 16  # rows per block when packing keys
_MAX_TABLE = 1 << 25  # largest key space numbered through a table (5 bytes a key)


def _string_chunks(s: pd.Series) -> list | None:
    """The Arrow string chunks behind a ``str`` Series (None if not Arrow-backed)."""
    values = s.array
    if not isinstance(values, pd.arrays.ArrowStringArray):
        return None
    chunks = list(values.__arrow_array__().chunks)
    if not all(pa.types.is_string(c.type) or pa.types.is_large_string(c.type) for c in chunks):
        return None
    return chunks


def _chunk_bytes(chunk) -> tuple[np.ndarray, np.ndarray] | None:
    """The bytes of the strings of an Arrow string array, position by position: row
    ``j`` of the ``(width, n)`` matrix holds byte ``j`` of every string (0 past its
    end); and each string's length in bytes (-1 where missing). None when a string
    exceeds the byte limit."""
    n = len(chunk)
    if n == 0:
        return np.zeros((0, 0), dtype=np.uint8), np.zeros(0, dtype=np.int64)
    _, offsets_buf, data_buf = chunk.buffers()
    kind = np.dtype(np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
    offsets = np.frombuffer(
        offsets_buf, dtype=kind, count=n + 1, offset=chunk.offset * kind.itemsize
    ).astype(np.int64)
    lengths = np.diff(offsets)
    if chunk.null_count:
        lengths[~chunk.is_valid().to_numpy(zero_copy_only=False)] = -1
    width = int(lengths.max())
    if width > _MAX_ID_BYTES:
        return None
    if width <= 0:
        return np.zeros((0, n), dtype=np.uint8), lengths
    data = np.frombuffer(data_buf, dtype=np.uint8)
    if int(lengths.min()) == width:  # one width, no missing value: a plain reshape
        start = int(offsets[0])
        return np.ascontiguousarray(data[start : start + n * width].reshape(n, width).T), lengths
    filled = np.maximum(lengths, 0)
    rows = np.repeat(np.arange(n), filled)
    cols = np.arange(rows.size) - np.repeat(np.cumsum(filled) - filled, filled)
    matrix = np.zeros((width, n), dtype=np.uint8)
    matrix[cols, rows] = data[np.repeat(offsets[:-1], filled) + cols]
    return matrix, lengths


def _order_keys(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, int] | None:
    """One ``int64`` key per string (-1 where missing) that sorts as the strings, and
    the size of the key space; None when the keys would not fit in 62 bits."""
    width = max((m.shape[0] for m, _ in parts), default=0)
    valid_lengths = [lengths[lengths >= 0] for _, lengths in parts]
    min_length = min((int(v.min()) for v in valid_lengths if v.size), default=0)
    low = np.full(width, 255, dtype=np.int64)
    high = np.zeros(width, dtype=np.int64)
    for matrix, lengths in parts:
        plain = lengths.size > 0 and int(lengths.min()) == matrix.shape[0]
        for j, column in enumerate(matrix):
            column = column if plain else column[lengths > j]
            if column.size:
                low[j] = min(low[j], int(column.min()))
                high[j] = max(high[j], int(column.max()))
    # digit j: byte - low[j], shifted up by one where some ids end before position j
    shift = (np.arange(width) >= min_length).astype(np.int64)
    radix = np.maximum(high - low + 1, 1) + shift
    space = 1
    for r in radix.tolist():
        space *= r
    if space > _MAX_KEY_SPACE:
        return None
    digits = {  # byte -> digit, per position that varies
        j: np.arange(256, dtype=np.int64) - (low[j] - shift[j])
        for j in np.flatnonzero(radix > 1).tolist()
    }
    keys = []
    for matrix, lengths in parts:
        key = np.zeros(lengths.size, dtype=np.int64)
        for start in range(0, lengths.size, _KEY_BLOCK):  # blocks that stay in cache
            rows = slice(start, start + _KEY_BLOCK)
            k = key[rows]
            for j, table in digits.items():
                k *= radix[j]
                if j < matrix.shape[0]:
                    digit = table[matrix[j, rows]]
                    if shift[j]:
                        digit[lengths[rows] <= j] = 0  # no byte here
                    k += digit
        key[lengths < 0] = -1
        keys.append(key)
    return (np.concatenate(keys) if keys else np.zeros(0, dtype=np.int64)), space


def _digit_keys(chunks: list) -> tuple[np.ndarray, int] | None:
    """The keys of :func:`_order_keys` for ids written with decimal digits only, all
    of one length (``00012345``): the numbers they spell, which sort as the ids do and
    which Arrow parses faster than the bytes can be packed. None for other ids."""
    width = None
    for chunk in chunks:
        n = len(chunk)
        if n == 0 or chunk.null_count == n:
            continue
        _, offsets_buf, data_buf = chunk.buffers()
        kind = np.dtype(np.int64 if pa.types.is_large_string(chunk.type) else np.int32)
        offsets = np.frombuffer(
            offsets_buf, dtype=kind, count=n + 1, offset=chunk.offset * kind.itemsize
        )
        lengths = np.diff(offsets)
        if chunk.null_count:
            valid = chunk.is_valid().to_numpy(zero_copy_only=False)
            if lengths[~valid].any():  # missing values holding bytes: not worth it
                return None
            lengths = lengths[valid]
        w = int(lengths[0])
        if not 0 < w <= 18 or (width is not None and w != width) or (lengths != w).any():
            return None
        width = w
        data = np.frombuffer(data_buf, dtype=np.uint8)[int(offsets[0]) : int(offsets[-1])]
        if int(data.min()) < ord("0") or int(data.max()) > ord("9"):
            return None
    if width is None:
        return None
    values = []
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        number = pc.cast(chunk, pa.int64())
        if chunk.null_count:
            number = pc.fill_null(number, -1)
        values.append(np.asarray(number, dtype=np.int64))
    keys = np.concatenate(values) if len(values) > 1 else values[0].copy()
    if any(c.null_count for c in chunks):
        valid = keys >= 0
        low, high = int(keys[valid].min()), int(keys[valid].max())
        keys[valid] -= low
    else:
        low, high = int(keys.min()), int(keys.max())
        keys -= low
    return keys, high - low + 1


def _codes_by_bytes(series: list[pd.Series]):
    """Sorted-order codes of the ids of ``series`` through integer keys (see above):
    ``(codes, number of distinct ids, arrow chunks)``, or None when the ids do not allow
    it (not Arrow-backed, too long, or too varied to pack into 62 bits)."""
    chunks = [_string_chunks(s) for s in series]
    if any(c is None for c in chunks):
        return None
    chunks = [c for cs in chunks for c in cs]
    packed = _digit_keys(chunks)
    if packed is None:
        parts = [_chunk_bytes(c) for c in chunks]
        if any(p is None for p in parts):
            return None
        packed = _order_keys(parts)
        if packed is None:
            return None
    keys, space = packed
    missing = keys < 0
    where = np.flatnonzero(~missing) if missing.any() else None
    valid = keys if where is None else keys[where]
    if space <= min(8 * keys.size + (1 << 22), _MAX_TABLE):
        # a small key space: mark the keys present, number them in key order
        present = np.zeros(space, dtype=bool)
        present[valid] = True
        distinct = np.flatnonzero(present)
        k = distinct.size
        rank = np.empty(space, dtype=np.int32 if k < (1 << 31) else np.int64)
        rank[distinct] = np.arange(k, dtype=rank.dtype)
        valid_codes = rank[valid].astype(np.int64)
    else:
        order = np.argsort(valid)
        ordered = valid[order]
        new = np.concatenate(([True], ordered[1:] != ordered[:-1])) if order.size else order
        valid_codes = np.empty(valid.size, dtype=np.int64)
        valid_codes[order] = np.cumsum(new) - 1
        k = int(new.sum())
    if where is None:
        codes = valid_codes
    else:
        codes = np.full(keys.size, -1, dtype=np.int64)
        codes[where] = valid_codes
    return codes, k, chunks


def _index_of_codes(codes: np.ndarray, k: int, chunks: list) -> pd.Index:
    """The ``str`` index of ``k`` distinct ids, from one row of each (equal codes are
    equal strings, so any row will do)."""
    where = np.flatnonzero(codes >= 0)
    first = np.zeros(k, dtype=np.int64)
    first[codes[where]] = where
    if len({c.type for c in chunks}) > 1:
        chunks = [c.cast(pa.large_string()) for c in chunks]
    taken = pa.chunked_array(chunks, type=chunks[0].type if chunks else pa.large_string())
    return pd.Index(taken.take(pa.array(first)), dtype="str")


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
    if src.size and (src.min() < 0 or dst.min() < 0 or src.max() >= n or dst.max() >= n):
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


def first_nodes(labels: np.ndarray) -> np.ndarray:
    """The smallest node number carrying each label.

    Parameters
    ----------
    labels : numpy.ndarray of int
        ``labels[i]`` is the label of node ``i`` (>= 0), e.g. a component number.

    Returns
    -------
    numpy.ndarray of int64
        ``first[c]`` is the first node labelled ``c`` (``len(labels)`` for a label no
        node carries); ``first[labels]`` maps every node to the first of its label.

    Examples
    --------
    >>> first_nodes(np.array([1, 0, 1, 2])).tolist()
    [1, 0, 3]
    """
    labels = np.asarray(labels, dtype=np.int64)
    first = np.full(int(labels.max(initial=-1)) + 1, labels.size, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(labels.size, dtype=np.int64))
    return first
