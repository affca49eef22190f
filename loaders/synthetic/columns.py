"""Building text columns with pyarrow, and the contract's frames from them.

The generator draws numbers with numpy and turns them into text in bulk with
``pyarrow.compute``: a million names or dates take milliseconds, where a Python loop
or pandas' string methods would take seconds. Every helper here is a pure function of
its arguments (no randomness).

Examples
--------
>>> import numpy as np
>>> concat("A", int_text(np.array([7, 42]), 3)).to_pylist()
['A007', 'A042']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.graph.schema import SPECS, ColumnKind, Entity

__all__ = [
    "concat",
    "contract_frame",
    "date_text",
    "id_text",
    "int_text",
    "null_where",
    "pick",
    "records_frame",
    "text_array",
    "where",
]

#: the column kinds the generator holds as float64 (the others are text)
_FLOAT_KINDS = frozenset({ColumnKind.MONEY, ColumnKind.FRACTION})


def text_array(values: Sequence[str]) -> pa.Array:
    """``values`` as a pyarrow string array.

    Examples
    --------
    >>> text_array(("a", "b")).type
    DataType(string)
    """
    return pa.array(list(values), type=pa.string())


def pick(values: Sequence[str] | pa.Array, idx: np.ndarray) -> pa.Array:
    """``values[idx]`` for every index of ``idx``: drawn indices into vocabulary text.

    Parameters
    ----------
    values : sequence of str or pyarrow.Array
        The vocabulary.
    idx : numpy.ndarray of int
        Indices into ``values``.

    Returns
    -------
    pyarrow.Array
        One value per index.

    Examples
    --------
    >>> import numpy as np
    >>> pick(("open", "closed"), np.array([1, 0, 0])).to_pylist()
    ['closed', 'open', 'open']
    """
    arr = values if isinstance(values, pa.Array) else text_array(values)
    return arr.take(pa.array(np.asarray(idx, dtype=np.int64)))


def concat(*parts: pa.Array | str) -> pa.Array:
    """The element-wise concatenation of ``parts``; a plain string is repeated.

    A missing value in any part makes the result missing.

    Examples
    --------
    >>> import pyarrow as pa
    >>> concat(pa.array(["Smith", None]), ", ", pa.array(["John", "Mary"])).to_pylist()
    ['Smith, John', None]
    """
    return pc.binary_join_element_wise(*parts, "")


def int_text(values: np.ndarray, width: int = 0) -> pa.Array:
    """Integers as decimal text, zero-padded on the left to ``width`` when given.

    Examples
    --------
    >>> import numpy as np
    >>> int_text(np.array([5, 1234]), 3).to_pylist()
    ['005', '1234']
    >>> int_text(np.array([5])).to_pylist()
    ['5']
    """
    text = pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())
    return pc.utf8_lpad(text, width, padding="0") if width else text


def id_text(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """Identifiers: ``prefix`` then ``numbers`` zero-padded to ``width``.

    Examples
    --------
    >>> import numpy as np
    >>> id_text("RM", np.array([3, 12]), 4).to_pylist()
    ['RM0003', 'RM0012']
    >>> id_text("", np.array([3]), 8).to_pylist()
    ['00000003']
    """
    body = int_text(numbers, width)
    return concat(prefix, body) if prefix else body


def date_text(days: np.ndarray, missing: np.ndarray | None = None) -> pa.Array:
    """Days since 1970-01-01 as ISO dates; missing where ``missing`` is True.

    Examples
    --------
    >>> import numpy as np
    >>> date_text(np.array([0, 20634]), np.array([False, True])).to_pylist()
    ['1970-01-01', None]
    """
    arr = pa.array(np.asarray(days, dtype=np.int32), type=pa.date32(), mask=missing)
    return pc.cast(arr, pa.string())


def where(mask: np.ndarray, a: pa.Array | pa.Scalar, b: pa.Array | pa.Scalar | None) -> pa.Array:
    """``a`` where ``mask``, else ``b`` (missing when ``b`` is None).

    Examples
    --------
    >>> import numpy as np, pyarrow as pa
    >>> where(np.array([True, False]), pa.array(["x", "y"]), pa.scalar("z")).to_pylist()
    ['x', 'z']
    >>> where(np.array([True, False]), pa.array(["x", "y"]), None).to_pylist()
    ['x', None]
    """
    if b is None:
        b = pa.scalar(None, pa.string())
    return pc.if_else(pa.array(mask), a, b)


def null_where(arr: pa.Array, mask: np.ndarray) -> pa.Array:
    """``arr`` with the values where ``mask`` is True made missing.

    Examples
    --------
    >>> import numpy as np, pyarrow as pa
    >>> null_where(pa.array(["a", "b", "c"]), np.array([False, True, False])).to_pylist()
    ['a', None, 'c']
    """
    return where(~mask, arr, None)


def contract_frame(entity: Entity, columns: dict[str, pa.Array | np.ndarray]) -> pd.DataFrame:
    """A frame with the contract's columns in order: text as ``str``, money as float64.

    Parameters
    ----------
    entity : Entity
        The contract file the frame is written as.
    columns : dict of str to pyarrow.Array or numpy.ndarray
        Every column of ``entity``, in the contract's order: pyarrow arrays are text
        (missing values stay missing), numpy arrays are numbers (NaN is missing).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    AssertionError
        If ``columns`` are not contract columns in the contract's order, or a required
        column is missing (a bug in the generator, never a user error). Optional
        columns may be left out.

    Examples
    --------
    >>> import numpy as np, pyarrow as pa
    >>> frame = contract_frame(
    ...     Entity.ACCOUNT_HOLDERS,
    ...     {"account_id": pa.array(["A1"]), "customer_id": pa.array(["C1"]),
    ...      "role": pa.array(["joint"])},
    ... )
    >>> frame.to_dict("records")
    [{'account_id': 'A1', 'customer_id': 'C1', 'role': 'joint'}]
    """
    names = tuple(c for c in SPECS[entity].column_names if c in columns)
    assert tuple(columns) == names, (entity, tuple(columns))  # contract columns, in order
    assert set(SPECS[entity].required) <= set(names), (entity, tuple(columns))  # required ones
    data = {}
    for name in names:
        col = columns[name]
        if isinstance(col, pa.Array | pa.ChunkedArray):
            data[name] = pd.Series(col, dtype="str") if len(col) else pd.Series([], dtype="str")
        else:
            data[name] = np.asarray(col, dtype=np.float64)
    return pd.DataFrame(data)


def records_frame(entity: Entity, records: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    """A contract frame from rows given one by one (the few rows of planted structures).

    Every column of ``entity`` is present, in the contract's order: money and fractions
    as float64 (a missing value is NaN), everything else as text (a missing value stays
    missing). A value may be left out of a record, or given as None, when missing.

    Parameters
    ----------
    entity : Entity
        The contract file the rows belong to.
    records : sequence of mapping
        One mapping of column name to value per row; every key must be a column of
        ``entity``.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    AssertionError
        If a record names a column ``entity`` does not have (a bug in the generator).

    Examples
    --------
    >>> frame = records_frame(
    ...     Entity.DEPENDENCIES,
    ...     [{"from_id": "1", "to_id": "2", "kind": "receipts", "share": 0.6}],
    ... )
    >>> list(frame.columns), frame["share"].tolist(), frame["source"].isna().tolist()
    (['from_id', 'to_id', 'kind', 'share', 'source'], [0.6], [True])
    """
    spec = SPECS[entity]
    known = set(spec.column_names)
    assert all(set(r) <= known for r in records), (entity, [set(r) - known for r in records])
    columns: dict[str, pa.Array | np.ndarray] = {}
    for col in spec.columns:
        values = [r.get(col.name) for r in records]
        if col.kind in _FLOAT_KINDS:
            columns[col.name] = np.array(
                [np.nan if v is None else float(v) for v in values], dtype=np.float64
            )
        else:
            columns[col.name] = pa.array(
                [None if v is None else str(v) for v in values], type=pa.string()
            )
    return contract_frame(entity, columns)
