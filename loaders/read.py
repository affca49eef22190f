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
import difflib
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

__all__ = [
    "SourceFile",
    "Problem",
    "find_files",
    "find_removal_files",
    "read_file",
    "edit_distance",
    "SUFFIXES",
    "OWN_FILES",
    "REMOVAL_PREFIX",
    "RESERVED_COLUMNS",
]

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
    #: records with fewer fields than the header (0-based position: reason); each is
    #: an invalid row (the reader would otherwise fill the missing fields with "")
    short_rows: dict[int, str] = field(default_factory=dict)
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


#: files guanxi itself writes into a data folder (a failed load's report)
OWN_FILES = ("load_report.csv",)
#: a delta load's removals of an entity: ``removed_<entity>.csv`` (or .parquet)
REMOVAL_PREFIX = "removed_"


def find_files(folder: str | Path) -> dict[Entity, Path]:
    """The contract files present in ``folder`` (``customers.csv``, ``referrals.parquet``...).

    Raises
    ------
    InputError
        The folder does not exist; it holds one entity both as CSV and as Parquet; or
        it holds a CSV or Parquet file that is not a contract file (with the contract
        name it most resembles: ``guarantee.csv`` is refused, never skipped).
    """
    return _scan(folder)[0]


def find_removal_files(folder: str | Path) -> dict[Entity, Path]:
    """The removal files of a delta load in ``folder`` (``removed_guarantees.csv``...):
    the key columns of the rows to remove."""
    return _scan(folder)[1]


def _scan(folder: str | Path) -> tuple[dict[Entity, Path], dict[Entity, Path]]:
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder: give the folder holding customers.csv etc.")
    known = {f"{e.value}{suffix}": (e, False) for e in LOAD_ORDER for suffix in SUFFIXES}
    known |= {
        f"{REMOVAL_PREFIX}{e.value}{suffix}": (e, True) for e in LOAD_ORDER for suffix in SUFFIXES
    }
    found: dict[Entity, list[Path]] = {}
    removals: dict[Entity, list[Path]] = {}
    unknown: list[str] = []
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.suffix.lower() not in SUFFIXES:
            continue
        if path.name in known:
            entity, removal = known[path.name]
            (removals if removal else found).setdefault(entity, []).append(path)
        elif path.name not in OWN_FILES:
            unknown.append(_unknown_file(path.name, list(known)))
    if unknown:
        raise InputError(
            f"{folder} holds file(s) that are not contract files, so a load cannot tell "
            "what they are: " + "; ".join(unknown) + ". Rename them (file names are "
            "lower case: customers, accounts, account_holders, households, referrals, "
            "guarantees, ownership, with .csv or .parquet) or move them out of the folder."
        )
    out: list[dict[Entity, Path]] = []
    for group in (found, removals):
        chosen: dict[Entity, Path] = {}
        for entity in LOAD_ORDER:
            present = group.get(entity, [])
            if len(present) > 1:
                raise InputError(
                    f"{folder} holds both {present[0].name} and {present[1].name}: keep one of them"
                )
            if present:
                chosen[entity] = present[0]
        out.append(chosen)
    return out[0], out[1]


def _unknown_file(name: str, known: list[str]) -> str:
    lowered = {k.lower(): k for k in known}
    if name.lower() in lowered:
        return f"{name}: not a contract file (names are lower case); did you mean {lowered[name.lower()]}?"
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.75)
    if close:
        return f"{name}: not a contract file; did you mean {lowered[close[0]]}?"
    return f"{name}: not a contract file"


def read_file(entity: Entity, path: Path, *, keep_extra_columns: bool = False) -> SourceFile:
    """Read one contract file as text. File-level problems end up in ``.problems``.

    ``keep_extra_columns``: a column the contract does not name is kept (as a
    property) instead of refused. A column that looks like a misspelling of a contract
    column is refused either way.
    """
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
    _check_columns(src, keep_extra_columns=keep_extra_columns)
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
    src.short_rows = _short_rows(text)


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


def _short_rows(text: str) -> dict[int, str]:
    """Every record (0-based, blank lines skipped as pandas skips them) with fewer
    fields than the header."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, [])
    found: dict[int, str] = {}
    position = 0
    for row in reader:
        if not row:
            continue
        if len(row) < len(header):
            found[position] = (
                f"this row has {len(row)} field(s), the header has {len(header)}: a value "
                "is missing (write an empty field as ,, so every row has all columns)"
            )
        position += 1
    return found


def _read_parquet(src: SourceFile) -> None:
    try:
        table = pq.read_table(src.path)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise _FileProblem(f"not a readable Parquet file: {exc}") from None
    nested = [
        f.name
        for f in table.schema
        if pa.types.is_nested(f.type)
        or pa.types.is_dictionary(f.type)
        and pa.types.is_nested(f.type.value_type)
    ]
    if nested:
        raise _FileProblem(
            f"column(s) {', '.join(repr(n) for n in nested)} hold lists or records; the "
            "contract needs one plain value per cell (text, number or date)",
            column=nested[0],
        )
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
        # the shortest text that reads back as the same double; a null is missing, but
        # NaN and inf stay visible ("nan", "inf") and are refused as amounts
        nulls = column.is_null().to_numpy(zero_copy_only=False)
        floats = column.fill_null(0).to_numpy(zero_copy_only=False)
        text = pd.Series(
            ["" if null else repr(float(v)) for v, null in zip(floats, nulls, strict=True)],
            dtype=object,
        )
    elif pa.types.is_decimal(t):
        text = values.astype(object).map(
            lambda v: "" if v is None or pd.isna(v) else format(v, "f")
        )
    else:
        # pandas 3 gives NaN (not None) for missing strings: test with isna, never str()
        text = values.astype(object).map(lambda v: "" if pd.isna(v) else str(v))
    return text.where(pd.notna(text), "").astype(object).to_numpy()


#: extra column names that would clash with what the stores write themselves
RESERVED_COLUMNS = ("key", "run_id", "snapshot_id")


def _check_columns(src: SourceFile, *, keep_extra_columns: bool) -> None:
    spec = SPECS[src.entity]
    columns = list(src.frame.columns)
    seen: set[str] = set()

    def problem(column: str, reason: str) -> None:
        src.problems.append(Problem(src.name, 1, column, "", reason))

    for col in columns:
        if col in seen:
            problem(col, f"column {col!r} appears twice in the header")
        seen.add(col)
    for col in spec.required:
        if col not in seen:
            near = [c for c in columns if c not in spec.column_names and _resembles(c, col)]
            hint = f" ({near[0]!r} in the header: a misspelling?)" if near else ""
            problem(col, f"missing required column {col!r}{hint}")
    for col in columns:
        if col in spec.column_names:
            continue
        near = [c for c in spec.column_names if _resembles(col, c)]
        if near:
            problem(
                col,
                f"column {col!r} is not in the contract for {spec.entity.value}: did you "
                f"mean {near[0]!r}? (fix the header; a misspelt column would load empty)",
            )
        elif not keep_extra_columns:
            problem(
                col,
                f"column {col!r} is not in the contract for {spec.entity.value}: remove "
                "it, or load with --keep-extra-columns to keep it as a property",
            )
        elif not EXTRA_COLUMN_PATTERN.match(col) or col.startswith("_"):
            problem(
                col,
                f"extra column {col!r} must be a plain name (letters, digits, "
                "underscore; not starting with a digit or an underscore) to be kept as "
                "a property",
            )
        elif col.lower() in RESERVED_COLUMNS:
            problem(col, f"extra column {col!r} is a name guanxi keeps for itself: rename it")
    if src.problems:
        src.frame = pd.DataFrame()


def _resembles(name: str, contract: str) -> bool:
    """Whether ``name`` looks like a misspelling of the contract column ``contract``: the
    same but for case, or a small edit distance (1 for names of 4+ characters, 2 for
    8+)."""
    a, b = name.strip().lower(), contract.lower()
    if a == b:
        return True
    longest = max(len(a), len(b))
    allowed = 2 if longest >= 8 else 1 if longest >= 4 else 0
    return allowed > 0 and edit_distance(a, b, limit=allowed) <= allowed


def edit_distance(a: str, b: str, *, limit: int | None = None) -> int:
    """Levenshtein distance between ``a`` and ``b`` (stops early above ``limit``).

    Examples
    --------
    >>> edit_distance("credit_limt", "credit_limit")
    1
    >>> edit_distance("aum", "aum")
    0
    """
    if abs(len(a) - len(b)) > (limit if limit is not None else len(a) + len(b)):
        return abs(len(a) - len(b))
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if limit is not None and min(current) > limit:
            return min(current)
        previous = current
    return previous[-1]
