"""Writing a bank's files: CSV or Parquet, each file replaced atomically.

Every file is written to a hidden temporary file beside it (``.customers.csv.tmp``) and
moved over the target with :func:`os.replace`, so a reader (or a crash) never sees a
half-written file. CSV files are UTF-8 with a header row and ``\\n`` line ends, money
with two decimals (``36000.00``, as bank extracts carry it) and fractions with up to
four; Parquet files have the same columns, money and fractions as float64 and
everything else as text.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"share": [0.5, 0.1234], "balance": [36000.0, float("nan")]})
>>> csv_ready(frame).to_dict("list")
{'share': ['0.5', '0.1234'], 'balance': ['36000.00', nan]}
"""

from __future__ import annotations

import os
from collections.abc import Callable, MutableMapping
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.graph.schema import LOAD_ORDER, SPECS, ColumnKind, Entity
from guanxi.loaders.synthetic.columns import concat, int_text, null_where

__all__ = ["FORMATS", "atomic_write_text", "csv_ready", "write_extract", "write_frame"]

#: the file formats the generator writes
FORMATS: tuple[str, ...] = ("csv", "parquet")

_MONEY_COLUMNS = frozenset(
    c.name for spec in SPECS.values() for c in spec.columns if c.kind == ColumnKind.MONEY
)


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8, ``\\n`` line ends) in one step.

    Parameters
    ----------
    path : Path
        The file to write; its folder must exist.
    text : str
        The whole content.

    Raises
    ------
    OSError
        If the file cannot be written; ``path`` is then left as it was, and no
        temporary file is left behind.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     target = Path(tmp) / "planted.json"
    ...     atomic_write_text(target, '{"seed": 0}\\n')
    ...     written = target.read_text(encoding="utf-8")
    ...     names = sorted(p.name for p in Path(tmp).iterdir())
    >>> written, names
    ('{"seed": 0}\\n', ['planted.json'])
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_frame(frame: pd.DataFrame, path: Path, file_format: str) -> None:
    """Replace ``path`` with ``frame`` as CSV or Parquet, in one step.

    Parameters
    ----------
    frame : pandas.DataFrame
        A contract frame (text as ``str``, numbers as float64).
    path : Path
        The file to write; its folder must exist.
    file_format : {"csv", "parquet"}
        CSV through :func:`csv_ready`; anything else is written as Parquet.

    Raises
    ------
    OSError
        If the file cannot be written; ``path`` is then left as it was, and no
        temporary file is left behind.
    """
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if file_format == "csv":
            csv_ready(frame).to_csv(tmp, index=False, encoding="utf-8", lineterminator="\n")
        else:
            frame.to_parquet(tmp, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_extract(
    out: Path,
    frames: MutableMapping[Entity, pd.DataFrame],
    file_format: str,
    on_written: Callable[[Entity], None] | None = None,
) -> tuple[dict[str, Path], dict[str, int]]:
    """Write the contract files of one extract into ``out``, in the contract's load order.

    Each frame is removed from ``frames`` once written (so the memory of a large bank is
    released file by file). Contract files of the other format (``customers.parquet``
    when writing CSV) are then removed, so that the folder holds one extract.

    Parameters
    ----------
    out : Path
        The folder; it must exist.
    frames : mutable mapping of Entity to pandas.DataFrame
        One frame per entity of ``LOAD_ORDER``; emptied as the files are written.
    file_format : {"csv", "parquet"}
        One of :data:`FORMATS`.
    on_written : callable, optional
        Called with each entity after its file is written.

    Returns
    -------
    files : dict of str to Path
        The file written per entity, keyed by the entity's value.
    rows : dict of str to int
        Rows written per entity.
    """
    suffix = ".csv" if file_format == "csv" else ".parquet"
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    for entity in LOAD_ORDER:
        if entity not in frames:
            continue  # a file this bank has none of
        frame = frames.pop(entity)
        path = out / f"{entity.value}{suffix}"
        write_frame(frame, path, file_format)
        files[entity.value] = path
        rows[entity.value] = len(frame)
        del frame
        if on_written is not None:
            on_written(entity)
    for entity in LOAD_ORDER:  # a bank of the other format would make the folder ambiguous
        for other in FORMATS:
            if other != file_format:
                (out / f"{entity.value}.{other}").unlink(missing_ok=True)
    return files, rows


def csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with numbers as text: money with two decimals, fractions with up to four.

    pandas formats float columns slowly (about a second per million values) and as
    ``36000.0``; bank extracts carry ``36000.00``. A money column is one of kind
    ``MONEY`` in the contract; every other float64 column is a fraction, written with
    its trailing zeros cut (``0.5``, ``1.0``). Values are rounded once, half to even, at
    the last decimal written. NaN becomes an empty field. Columns that are not float64
    are left as they are.

    Parameters
    ----------
    frame : pandas.DataFrame
        Non-negative numbers.

    Returns
    -------
    pandas.DataFrame
        A new frame; ``frame`` is not changed.
    """
    out = {}
    for name in frame.columns:
        col = frame[name]
        if col.dtype == np.float64:
            text = _decimal_text(col.to_numpy(), 2 if name in _MONEY_COLUMNS else 4)
            if name not in _MONEY_COLUMNS:
                text = pc.replace_substring_regex(text, pattern=r"0+$", replacement="")
                text = pc.replace_substring_regex(text, pattern=r"\.$", replacement=".0")
            out[name] = pd.Series(text, dtype="str")
        else:
            out[name] = col
    return pd.DataFrame(out)


def _decimal_text(values: np.ndarray, decimals: int) -> pa.Array:
    """Non-negative ``values`` as fixed-point text; NaN becomes missing.

    Examples
    --------
    >>> import numpy as np
    >>> _decimal_text(np.array([36000.0, 0.126, np.nan]), 2).to_pylist()
    ['36000.00', '0.13', None]
    """
    missing = np.isnan(values)
    scale = 10**decimals
    scaled = np.round(np.where(missing, 0.0, values) * scale).astype(np.int64)
    text = concat(int_text(scaled // scale), ".", int_text(scaled % scale, decimals))
    return null_where(text, missing)
