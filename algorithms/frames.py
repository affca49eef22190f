"""Helpers every algorithm shares to handle the canonical frames: a frame with its
contract columns, ids as text, text labels from codes, values joined per key, open
accounts, rows matched by id.

(One module, public and documented, instead of private helpers imported from
another module.)
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.graph.schema import DECIMAL_KINDS, SPECS, Entity, decimal_column, empty_frame

from .sparse import id_codes

__all__ = [
    "contract_frame",
    "text_ids",
    "labels",
    "join_runs",
    "is_open",
    "match_rows",
]


@cache
def _empty_frame(entity: Entity) -> pd.DataFrame:
    return empty_frame(entity)  # cached: building one costs ~20 ms; callers copy it


def contract_frame(entity: Entity, frame: pd.DataFrame | None) -> pd.DataFrame:
    """``frame``, or an empty canonical frame for ``None``; absent contract columns
    added, and amounts that are not exact decimals yet (a frame built by hand) made
    exact (:func:`guanxi.graph.schema.decimal_column`; canonical frames pass as they
    are)."""
    if frame is None:
        return _empty_frame(entity).copy()
    spec = SPECS[entity]
    missing = [c for c in spec.column_names if c not in frame.columns]
    required = [c for c in spec.required if c in missing]
    if required:
        raise ValueError(f"{entity.value} frame lacks required column(s) {', '.join(required)}")
    inexact = [
        c.name
        for c in spec.columns
        if c.kind in DECIMAL_KINDS
        and c.name in frame.columns
        and frame[c.name].dtype != pd.ArrowDtype(DECIMAL_KINDS[c.kind])
    ]
    if missing or inexact:
        frame = frame.copy()
        empty = _empty_frame(entity)
        for c in missing:
            frame[c] = pd.Series([None] * len(frame), index=frame.index, dtype=object).astype(
                empty[c].dtype
            )
        for c in inexact:
            frame[c] = decimal_column(frame[c], spec.column(c).kind)
    return frame


def text_ids(s: pd.Series) -> pd.Series:
    """``s`` as ``str`` dtype on a fresh 0..n-1 index (no copy when already ``str``)."""
    s = s.reset_index(drop=True)
    return s if s.dtype == "str" else s.astype("str")


def join_runs(keys: pd.Series, values: pd.Series, sep: str = ";") -> pd.Series:
    """``values`` joined with ``sep`` per run of equal ``keys`` (sort by key first).

    Vectorized with pyarrow's ``binary_join``: a Python ``";".join`` per group costs
    seconds on a whole bank.

    Returns
    -------
    pandas.Series of str
        Indexed by the distinct keys, in order of first appearance.
    """
    codes, uniques = pd.factorize(keys.reset_index(drop=True), sort=False)
    if len(codes) and np.any(np.diff(codes) < 0):
        raise ValueError("keys must come in runs (sort by key first)")
    offsets = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=len(uniques)))])
    vals = pa.array(text_ids(values).fillna(""))
    if isinstance(vals, pa.ChunkedArray):
        vals = vals.combine_chunks()
    vals = vals.cast(pa.large_string())
    lists = pa.LargeListArray.from_arrays(pa.array(offsets.astype(np.int64), pa.int64()), vals)
    joined = pc.binary_join(lists, pa.scalar(sep, pa.large_string()))
    return pd.Series(pd.array(joined, dtype="str"), index=pd.Index(uniques, dtype="str"))


def is_open(accounts: pd.DataFrame) -> np.ndarray:
    """True for status ``open`` (any case, spaces ignored) or missing."""
    status = accounts["status"].astype("str")
    result = (status == "open").to_numpy(dtype=bool) | status.isna().to_numpy(dtype=bool)
    other = np.flatnonzero(~result)  # spelled otherwise, or not open: look at each spelling
    if other.size:
        codes, uniques = pd.factorize(status.iloc[other])
        open_values = np.array([str(u).strip().casefold() == "open" for u in uniques], dtype=bool)
        result[other] = open_values[codes]
    return result


def match_rows(left: pd.Series, right: pd.Series):
    """For each row of ``left``, the row of ``right`` with the same id (-1 for none).

    What an inner or left merge of ``left`` on ``right`` pairs up, in the merge's
    order, through integer codes instead of a merge on strings. Returns ``(rows,
    left codes, right codes)``, the codes numbering the ids of both sides; None when
    an id of ``right`` repeats or an id is missing on either side (merge then).
    """
    count, (lc, rc) = id_codes(left, right)
    if (lc < 0).any() or (rc < 0).any():
        return None
    if rc.size and np.bincount(rc, minlength=count).max() > 1:
        return None
    row = np.full(count, -1, dtype=np.int64)
    row[rc] = np.arange(rc.size)
    return row[lc], lc, rc


def labels(codes: np.ndarray, labels, *, missing: np.ndarray | None = None) -> pd.Series:
    """``labels[codes]`` as a ``str`` Series (missing where ``missing``), built by Arrow
    from the codes: a million Python strings would take a tenth of a second."""
    indices = pa.array(np.asarray(codes, dtype=np.int64), mask=missing)
    text = pa.DictionaryArray.from_arrays(indices, pa.array(list(labels), pa.large_string()))
    return pd.Series(text.cast(pa.large_string()), dtype="str")
