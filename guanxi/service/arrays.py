"""Lookups by key over the snapshot's frames, and frame columns as ready Python values.

An answer reads a handful of rows, and pandas indexing (``.loc``, ``.iat``, a sort)
costs tens of microseconds per value. The hot answers (a group, the influencers) read
from arrays of ready Python values (what :func:`~guanxi.values.plain` makes of each)
built with these helpers, once per snapshot; the lookups keep memory in mind, since a
snapshot holds a whole bank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from guanxi.values import plain

__all__ = [
    "ByKey",
    "unique_index",
    "object_array",
    "none_array",
    "plain_values",
    "compact_values",
    "values_at",
    "position",
    "rows_of",
    "key_bounds",
    "Rows",
    "NO_POSITIONS",
]

#: an empty selection of rows
NO_POSITIONS = np.zeros(0, dtype=np.int64)


class ByKey:
    """Rows of a frame by the value of one column, by binary search on a sorted copy.

    No dict of per-key arrays: at a million customers that costs more memory than the
    frames themselves. Short keys (a bank's ids) are kept as fixed-width text, 4 bytes
    a character instead of about 60 bytes a Python string; NumPy orders both by code
    point, as Python does."""

    #: longest key kept as fixed-width text (longer ones: Python strings)
    MAX_WIDTH = 16

    def __init__(self, frame: pd.DataFrame, column: str):
        keys = frame[column].astype("str").fillna("")
        values = keys.to_numpy(dtype=object)
        width = int(keys.str.len().max()) if len(keys) else 0
        # fixed-width text drops trailing NULs: keep such keys as they are
        if width <= self.MAX_WIDTH and not keys.str.contains("\x00", regex=False).any():
            values = values.astype(f"U{max(width, 1)}")
        order = np.argsort(values, kind="stable")
        self.frame = frame.take(order).reset_index(drop=True)
        self.keys = values[order]

    def positions(self, key: str) -> slice:
        """Where the rows of ``key`` are in :attr:`frame` (an empty slice when none)."""
        if self.keys.dtype.kind == "U" and "\x00" in key:
            return slice(0, 0)  # no stored key has one (and NumPy would drop it)
        lo = int(np.searchsorted(self.keys, key, side="left"))
        hi = int(np.searchsorted(self.keys, key, side="right"))
        return slice(lo, hi)

    def rows(self, key: str) -> pd.DataFrame:
        """The rows of ``key``, in the order of the frame given."""
        return self.frame.iloc[self.positions(str(key))]

    def __contains__(self, key: str) -> bool:
        s = self.positions(str(key))
        return s.stop > s.start


def unique_index(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """``frame`` by ``column`` (as text), the first row of each value.

    Shares the data of ``frame`` when nothing is dropped (frames are copied on write):
    at a million customers a copy of the customers and accounts costs 600 MB."""
    duplicated = frame[column].duplicated(keep="first")
    if duplicated.any():
        frame = frame[~duplicated.to_numpy(dtype=bool)]
    out = frame.set_index(column, drop=False)
    out.index = out.index.astype("str", copy=False)
    out.index.name = None
    return out


def object_array(values: Sequence[Any]) -> np.ndarray:
    """``values`` as a one-dimensional object array (a list of tuples stays a list of
    tuples, where ``np.array`` would make a two-dimensional array)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def none_array(n: int) -> np.ndarray:
    """An object array of ``n`` Nones."""
    return np.full(n, None, dtype=object)


def plain_values(values: pd.Series) -> np.ndarray:
    """An object array of ``plain(v)`` for every value (NaN/NA -> None, numpy scalars
    -> Python); equal strings share one object."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        raw = values.to_numpy()
        out = object_array(raw.tolist())
        out[~np.isfinite(raw)] = None
        return out
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return object_array(values.to_numpy().tolist())
    if isinstance(dtype, pd.StringDtype):
        # str values are their own plain; only the missing ones change (to None)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        table = none_array(len(uniques) + 1)
        table[:-1] = uniques.to_numpy(dtype=object)
        return table[codes]
    return object_array([plain(v) for v in values.tolist()])


def compact_values(values: pd.Series) -> np.ndarray:
    """Like :func:`plain_values`, but a plain numeric array when nothing needs cleaning
    (no NaN or infinity): its ``tolist()`` gives the same Python values at a fraction
    of the memory. Read it by slices (``values[a:b].tolist()``), not by item (an item
    would be a numpy scalar)."""
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return values.to_numpy()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        raw = values.to_numpy()
        if np.isfinite(raw).all():
            return raw
    return plain_values(values)


def values_at(
    frame: pd.DataFrame, column: str, positions: np.ndarray, *, objects: bool = False
) -> np.ndarray:
    """:func:`compact_values` (:func:`plain_values` with ``objects``: what is read one value at
    a time) of ``frame[column]`` at ``positions`` (None where a position is -1, or when
    the column is missing)."""
    if column not in frame.columns:
        return none_array(len(positions))
    ok = positions >= 0
    if ok.all():
        values = frame[column].take(positions)
        return plain_values(values) if objects else compact_values(values)
    out = none_array(len(positions))
    out[ok] = plain_values(frame[column].take(positions[ok]))
    return out


def position(index: pd.Index, key: str) -> int:
    """The row of ``key`` in a unique ``index``; -1 when absent."""
    try:
        found = index.get_loc(key)
    except (KeyError, TypeError):
        return -1
    return int(found) if isinstance(found, int | np.integer) else -1


def rows_of(index: pd.Index, keys: np.ndarray) -> np.ndarray:
    """The row of each of ``keys`` in a unique ``index``; -1 when absent.

    A text index is searched by hashing the keys, not the index: a pandas lookup keeps
    a hash table of the whole index (about 60 bytes a row, 150 MB for the accounts of a
    million customers) to find a few thousand rows."""
    keys = np.asarray(keys, dtype=object)
    if not len(keys) or not len(index):
        return np.full(len(keys), -1, dtype=np.int64)
    if not isinstance(index.dtype, pd.StringDtype):
        return index.get_indexer(keys)
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    column = pa.array(index.array)
    wanted = pa.array([u if isinstance(u, str) else None for u in uniques], type=column.type)
    hit = pc.fill_null(pc.index_in(column, value_set=wanted), -1).to_numpy()
    row_of_unique = np.full(len(uniques) + 1, -1, dtype=np.int64)  # the last: NA keys
    rows = np.flatnonzero(hit >= 0)
    row_of_unique[hit[rows]] = rows
    return row_of_unique[codes]


def key_bounds(sorted_keys: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the rows of each of ``wanted`` start and stop in ``sorted_keys`` (an empty
    range when absent): one hash lookup per key instead of two binary searches."""
    n = len(sorted_keys)
    if not n or not len(wanted):
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=np.int64)
    change = np.ones(n, dtype=bool)
    change[1:] = sorted_keys[1:] != sorted_keys[:-1]
    starts = np.flatnonzero(change)
    stops = np.append(starts[1:], n)
    at = pd.Index(sorted_keys[starts], dtype=object).get_indexer(wanted)
    found = at >= 0
    return np.where(found, starts[at], 0), np.where(found, stops[at], 0)


class Rows:
    """Some rows of a frame as ready values, read back one row at a time as a dict."""

    __slots__ = ("columns", "rows")

    def __init__(
        self,
        frame: pd.DataFrame,
        columns: Sequence[str],
        positions: np.ndarray,
        extra: Mapping[str, np.ndarray] | None = None,
    ):
        """``columns`` of ``frame`` at ``positions``, then the ``extra`` columns (given
        as values; one named like a column keeps its place and takes those values, as
        it would in a dict)."""
        values = {c: values_at(frame, c, positions, objects=True) for c in columns}
        values.update(extra or {})
        self.columns = tuple(values)
        self.rows: list[tuple] = (
            list(zip(*(v.tolist() for v in values.values()), strict=True))
            if values
            else [()] * len(positions)
        )

    def record(self, i: int) -> dict[str, Any]:
        """Row ``i`` (of the positions given) as a dict."""
        return dict(zip(self.columns, self.rows[i], strict=True))
