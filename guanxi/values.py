"""Plain Python values out of pandas and NumPy: what every answer of the read model and
every view is made of, ready for JSON.

NaN, NA and NaT become ``None``; NumPy scalars become the Python ``bool``, ``int``,
``float`` or ``str`` they hold; infinities become ``None`` (JSON has no infinity).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["present", "plain", "plain_records", "plain_row"]


def present(value: Any) -> bool:
    """Whether ``value`` is a value at all (not None, NA or NaN).

    Examples
    --------
    >>> present(0.0), present(float("nan")), present(None), present("")
    (True, False, False, True)
    """
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float | np.floating):
        return not math.isnan(value)
    return True


def plain(value: Any) -> Any:
    """A JSON-ready Python value: NaN/NA/NaT -> None, numpy scalars -> Python.

    Examples
    --------
    >>> plain(np.int64(3)), plain(np.float64("nan")), plain(pd.NA), plain(np.bool_(True))
    (3, None, None, True)
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.bool_ | bool):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        v = float(value)
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(value, np.generic):
        return value.item()
    return value


def plain_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Every row of ``frame`` as a dict of :func:`plain` values, in column order."""
    cols = list(frame.columns)
    return [
        {c: plain(v) for c, v in zip(cols, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


def plain_row(frame: pd.DataFrame, i: int, columns: Iterable[str] | None = None) -> dict[str, Any]:
    """Row ``i`` (by position) of ``frame`` as a dict of :func:`plain` values: the
    ``columns`` given that the frame has (all of them by default), in that order."""
    cols = list(columns) if columns is not None else list(frame.columns)
    return {c: plain(frame[c].iat[i]) for c in cols if c in frame.columns}
