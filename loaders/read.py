"""Find and read the contract's files in a folder, as text, with line numbers.

Every value is read as text (``0001234`` stays ``0001234``); types are checked and
converted later by :mod:`guanxi.loaders.validate`. CSV and Parquet may be mixed in one
folder. Problems that make a whole file unusable (not UTF-8, empty, not CSV or Parquet,
a required column missing) are returned as file-level problems, never raised half-way.

CSV files are parsed by pyarrow's multi-threaded reader into Arrow-backed ``str``
columns (no Python object per value). pyarrow only takes files it reads exactly as
pandas would; anything unusual (ragged rows, lines of spaces, a quote left open or
inside an unquoted field, a bare ``\r``, quotes in the header, a repeated or empty
column name, bytes that are not UTF-8) goes to the pandas reader, which gives the same
frame and the detailed messages. The tests hold the two readers to the same answer.
"""

from __future__ import annotations

import csv
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from guanxi.errors import InputError
from guanxi.graph.schema import EXTRA_COLUMN_PATTERN, LOAD_ORDER, SPECS, Entity

__all__ = ["SourceFile", "Problem", "find_files", "read_file", "SUFFIXES"]

SUFFIXES = (".csv", ".parquet")


@dataclass(frozen=True)
class Problem:
    """One reason a row (or a whole file, ``line`` 1 for the header) is invalid."""

    file: str
    line: int
    column: str
    value: str
    reason: str


@dataclass
class SourceFile:
    """One input file read as text: ``frame`` holds strings (``str`` dtype), ``""`` for
    missing, never NA."""

    entity: Entity
    path: Path
    kind: str  # "csv" or "parquet"
    frame: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: file-level problems; when any, ``frame`` is empty and nothing of the file loads
    problems: list[Problem] = field(default_factory=list)
    #: the CSV file's bytes without a UTF-8 byte order mark (for line numbers and
    #: untouched rejects); decoded to :attr:`text` only when needed
    raw: bytes | None = None
    _text: str | None = None
    _record_lines: np.ndarray | None = None

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def text(self) -> str | None:
        """The CSV file as text (decoded on first use; ``None`` for Parquet)."""
        if self._text is None and self.raw is not None:
            self._text = self.raw.decode("utf-8")
        return self._text

    def lines(self, rows: np.ndarray) -> np.ndarray:
        """The physical line (CSV, header = line 1) or row number (Parquet, 1-based)
        where each record of ``rows`` (0-based record positions) starts."""
        rows = np.asarray(rows, dtype=np.int64)
        if self.kind != "csv":
            return rows + 1
        return self.record_lines()[rows]

    def record_lines(self) -> np.ndarray:
        """Start line of every data record; quoted fields may span lines."""
        if self._record_lines is None:
            n = len(self.frame)
            assert self.raw is not None
            # b"\n" never occurs inside a multi-byte UTF-8 character: counting bytes
            # counts the text's newlines
            newlines = self.raw.count(b"\n") - (1 if self.raw.endswith(b"\n") else 0)
            if newlines == n:  # one physical line per record: the common, fast case
                self._record_lines = np.arange(2, n + 2, dtype=np.int64)
            else:
                starts: list[int] = []
                reader = csv.reader(io.StringIO(self.text))
                next(reader, None)
                line = reader.line_num + 1
                for row in reader:
                    if row:  # pandas skips blank lines; so do we
                        starts.append(line)
                    line = reader.line_num + 1
                self._record_lines = np.asarray(starts[:n], dtype=np.int64)
        return self._record_lines

    def raw_records(self, rows: np.ndarray) -> list[str]:
        """The untouched text of the given records (CSV only), each with its newline."""
        lines = self._physical_lines()
        starts = self.record_lines()
        ends = np.append(starts[1:], len(lines) + 1)
        return ["".join(lines[starts[r] - 1 : ends[r] - 1]) for r in rows]

    def header_text(self) -> str:
        return self._physical_lines()[0]

    def _physical_lines(self) -> list[str]:
        # split on "\n" only, as the csv module counts lines (str.splitlines would
        # also split on U+2028 and other separators a name may contain)
        assert self.text is not None
        parts = self.text.split("\n")
        lines = [p + "\n" for p in parts[:-1]]
        if parts[-1]:
            lines.append(parts[-1])
        return lines


def find_files(folder: str | Path) -> dict[Entity, Path]:
    """The contract files present in ``folder`` (``customers.csv``, ``referrals.parquet``...).

    Raises
    ------
    InputError
        The folder does not exist, or holds one entity both as CSV and as Parquet.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder: give the folder holding customers.csv etc.")
    found: dict[Entity, Path] = {}
    for entity in LOAD_ORDER:
        candidates = [folder / f"{entity.value}{suffix}" for suffix in SUFFIXES]
        present = [p for p in candidates if p.is_file()]
        if len(present) > 1:
            raise InputError(
                f"{folder} holds both {present[0].name} and {present[1].name}: keep one of them"
            )
        if present:
            found[entity] = present[0]
    return found


def read_file(entity: Entity, path: Path) -> SourceFile:
    """Read one contract file as text. File-level problems end up in ``.problems``."""
    kind = "parquet" if path.suffix == ".parquet" else "csv"
    src = SourceFile(entity=entity, path=path, kind=kind)
    try:
        if kind == "csv":
            _read_csv(src)
        else:
            _read_parquet(src)
    except _FileProblem as exc:
        src.problems.append(Problem(path.name, exc.line, exc.column, "", exc.reason))
        src.frame = pd.DataFrame()
        return src
    except _RaggedRows as exc:
        src.problems.extend(Problem(path.name, line, "", "", why) for line, why in exc.rows)
        src.frame = pd.DataFrame()
        return src
    _check_columns(src)
    return src


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (every value a Python ``str``) with Arrow-backed ``str`` columns."""
    columns = list(frame.columns)
    out = pd.DataFrame(
        {i: frame.iloc[:, i].astype("str") for i in range(len(columns))}, index=frame.index
    )
    out.columns = columns
    return out


class _FileProblem(Exception):
    def __init__(self, reason: str, *, line: int = 1, column: str = ""):
        super().__init__(reason)
        self.reason, self.line, self.column = reason, line, column


def _read_csv(src: SourceFile) -> None:
    data = src.path.read_bytes()
    if not data or data.isspace():  # what `not data.strip()` says, without a copy
        raise _FileProblem("the file is empty (a header row with the contract's columns is needed)")
    if b"\x00" in data[:65536]:
        raise _FileProblem("the file is binary, not CSV text (is it a spreadsheet or an archive?)")
    frame = _read_csv_arrow(data.removeprefix(_BOM))
    if frame is not None:
        src.raw = data.removeprefix(_BOM)
        src.frame = frame
        return
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _FileProblem(
            f"not UTF-8 text (byte 0x{data[exc.start]:02x} at line {line}); "
            "re-export the file as UTF-8",
            line=line,
        ) from None
    text = text.removeprefix("\ufeff")
    src.raw = data.removeprefix(_BOM)
    src._text = text
    src.frame = _text_frame(_read_csv_pandas(text))


_BOM = "\ufeff".encode()


def _read_csv_arrow(data: bytes) -> pd.DataFrame | None:
    """The CSV parsed by pyarrow, or ``None`` when the pandas reader must decide.

    Takes only files pyarrow reads exactly as ``pandas.read_csv(dtype=str,
    na_filter=False, skip_blank_lines=True)`` does: a header line without quotes, at
    least two distinct, non-empty column names, no bare ``\r``, every quote opening or
    closing a quoted field (:func:`_quotes_balanced`), every record with as many fields
    as the header, valid UTF-8 everywhere. Whatever else (ragged rows, lines of spaces,
    which pandas skips and pyarrow reads as a record) makes pyarrow fail or the header
    check differ, and the caller falls back to pandas.
    """
    if not data or data[:1] in (b"\n", b"\r"):
        return None
    end = data.find(b"\n")
    first = data if end < 0 else data[:end]
    first = first.removesuffix(b"\r")
    if b'"' in first or b"\r" in first:
        return None
    try:
        header = first.decode("utf-8").split(",")
    except UnicodeDecodeError:
        return None
    if len(header) < 2 or "" in header or len(set(header)) != len(header):
        return None
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):
        return None  # a bare \r: pandas ends lines there in its own way
    if not _quotes_balanced(data):
        return None
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=True),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowException):
        return None
    if table.num_rows == 0 or [table.column(i)[0].as_py() for i in range(len(names))] != header:
        return None
    table = table.slice(1)
    frame = table.to_pandas(split_blocks=True, self_destruct=True)
    del table
    frame.columns = [h.strip() for h in header]
    return frame


_FIELD_STARTS = np.frombuffer(b",\n\r", dtype=np.uint8)


def _quotes_balanced(data: bytes) -> bool:
    """True when every quoted field is closed and no quote sits inside an unquoted field.

    Read in order, quotes then alternate open / close: an opening quote starts a field
    (follows a comma, a line end or the file's start) or doubles the quote just before
    it (``""`` inside a quoted field). pandas refuses a quote left open at the end of
    the file, which pyarrow accepts; a quote inside an unquoted field (``ab"c``) is
    left to pandas as well.
    """
    quotes = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord('"'))
    if len(quotes) % 2:
        return False
    opening = quotes[0::2]
    before = opening - 1
    at_start = before < 0
    inner = ~at_start
    ok = at_start.copy()
    prev_byte = np.frombuffer(data, dtype=np.uint8)[before[inner]]
    doubled = np.zeros(len(opening), dtype=bool)
    doubled[1:] = before[1:] == quotes[1::2][: len(opening) - 1]
    ok[inner] = np.isin(prev_byte, _FIELD_STARTS) | doubled[inner]
    return bool(ok.all())


def _read_csv_pandas(text: str) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                dtype=str,
                keep_default_na=False,
                na_filter=False,
                skip_blank_lines=True,
                index_col=False,
            )
    except pd.errors.EmptyDataError:
        raise _FileProblem("the file has no header row") from None
    except (pd.errors.ParserError, pd.errors.ParserWarning, csv.Error, ValueError) as exc:
        ragged = _ragged_rows(text)
        if ragged:
            raise _RaggedRows(ragged) from None
        raise _FileProblem(f"not a well-formed CSV file: {exc}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.astype(object).fillna("")


class _RaggedRows(Exception):
    def __init__(self, rows: list[tuple[int, str]]):
        super().__init__(f"{len(rows)} rows with more fields than the header")
        self.rows = rows


def _ragged_rows(text: str) -> list[tuple[int, str]]:
    """Every record with more fields than the header, with its start line."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    found = []
    line = reader.line_num + 1
    for row in reader:
        if len(row) > len(header):
            found.append(
                (
                    line,
                    f"not a well-formed CSV file: this row has {len(row)} fields, "
                    f"the header has {len(header)} (an unquoted comma?)",
                )
            )
        line = reader.line_num + 1
    return found


def _read_parquet(src: SourceFile) -> None:
    try:
        table = pq.read_table(src.path)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise _FileProblem(f"not a readable Parquet file: {exc}") from None
    frame = pd.DataFrame({name: _arrow_to_text(table.column(name)) for name in table.column_names})
    frame.columns = [str(c).strip() for c in frame.columns]
    src.frame = _text_frame(frame)


def _arrow_to_text(column: pa.ChunkedArray) -> np.ndarray:
    """Render one Parquet column as text the way a CSV export would, "" for null."""
    t = column.type
    values = column.to_pandas()
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        text = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
    elif pa.types.is_floating(t):
        text = values.map(lambda v: repr(float(v)) if pd.notna(v) else "")
    else:
        # pandas 3 gives NaN (not None) for missing strings: test with isna, never str()
        text = values.astype(object).map(lambda v: "" if pd.isna(v) else str(v))
    return text.where(pd.notna(text), "").astype(object).to_numpy()


def _check_columns(src: SourceFile) -> None:
    spec = SPECS[src.entity]
    columns = list(src.frame.columns)
    seen: set[str] = set()
    for col in columns:
        if col in seen:
            src.problems.append(
                Problem(src.name, 1, col, "", f"column {col!r} appears twice in the header")
            )
        seen.add(col)
    for col in spec.required:
        if col not in seen:
            src.problems.append(Problem(src.name, 1, col, "", f"missing required column {col!r}"))
    for col in columns:
        if col not in spec.column_names and not EXTRA_COLUMN_PATTERN.match(col):
            src.problems.append(
                Problem(
                    src.name,
                    1,
                    col,
                    "",
                    f"extra column {col!r} must be a plain name (letters, digits, "
                    "underscore; not starting with a digit) to be kept as a property",
                )
            )
    if src.problems:
        src.frame = pd.DataFrame()
