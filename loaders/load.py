"""Load a folder of extracts into a store: read, validate everything, then write.

The order is what makes a load never half-happen: every row of every file is checked
before the first write; any problem stops the load with a report of all of them and
the store untouched. With ``skip_invalid`` the valid rows load and the invalid ones are
copied, untouched, to ``rejects/`` beside the report.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from guanxi.errors import InputError, InvalidInput
from guanxi.graph.schema import Entity
from guanxi.graph.store import GraphStore, LoadStats, ProgressCallback
from guanxi.loaders.read import SourceFile, find_files, read_file
from guanxi.loaders.validate import ValidationResult, validate

__all__ = ["LoadOutcome", "load_folder", "read_folder", "REPORT_NAME", "REJECTS_DIR"]

REPORT_NAME = "load_report.csv"
REJECTS_DIR = "rejects"


@dataclass
class LoadOutcome:
    stats: LoadStats
    validation: ValidationResult
    report_path: Path | None = None
    rejects: dict[Entity, Path] = field(default_factory=dict)


def read_folder(
    folder: str | Path, *, on_file: Callable[[Entity, Path], None] | None = None
) -> dict[Entity, SourceFile]:
    """Read every contract file of ``folder`` (CSV or Parquet, mixed allowed)."""
    paths = find_files(folder)
    if not paths:
        raise InputError(
            f"{folder} holds none of the contract's files (customers.csv or "
            "customers.parquet, accounts, account_holders, households, referrals, "
            "guarantees, ownership)"
        )
    sources = {}
    for entity, path in paths.items():
        if on_file:
            on_file(entity, path)
        sources[entity] = read_file(entity, path)
    return sources


def load_folder(
    folder: str | Path,
    store: GraphStore,
    *,
    skip_invalid: bool = False,
    report_path: str | Path | None = None,
    progress: ProgressCallback | None = None,
    on_file: Callable[[Entity, Path], None] | None = None,
) -> LoadOutcome:
    """Validate then load every contract file of ``folder`` into ``store``.

    Parameters
    ----------
    folder : path
        The folder holding ``customers.csv`` (or ``.parquet``) and the optional files.
    store : GraphStore
    skip_invalid : bool
        Load the valid rows and copy the invalid ones to ``rejects/`` beside the report.
        A file that is unusable as a whole (not UTF-8, empty, a required column missing)
        still stops the load.
    report_path : path, optional
        Where the problem report goes; default ``folder/load_report.csv``.

    Raises
    ------
    InputError
        The folder or a file cannot be used at all.
    InvalidInput
        Rows are invalid and ``skip_invalid`` is off (or a whole file is unusable);
        the store is left exactly as it was.
    """
    folder = Path(folder)
    sources = read_folder(folder, on_file=on_file)
    store.ensure_schema()
    if Entity.CUSTOMERS not in sources and not store.counts().get(Entity.CUSTOMERS.value):
        raise InputError(
            f"{folder} has no customers file and the store holds no customers: "
            "customers.csv (or customers.parquet) is required for a first load"
        )
    result = validate(sources, store=store)
    outcome = LoadOutcome(stats=LoadStats(), validation=result)
    if not result.ok:
        report = Path(report_path) if report_path else folder / REPORT_NAME
        _write_report(result.problems, report)
        outcome.report_path = report
        if result.file_level or not skip_invalid:
            raise InvalidInput(
                _summary(result, report, skip_invalid),
                problems=len(result.problems),
                report_path=str(report),
            )
        outcome.rejects = _write_rejects(result, report.parent / REJECTS_DIR)
    outcome.stats = store.load(result.frames, progress=progress)
    return outcome


def _summary(result: ValidationResult, report: Path, skip_invalid: bool) -> str:
    problems = result.problems
    bad_rows = problems.groupby("file")["line"].nunique().sum()
    first = problems.iloc[0]
    where = f"{first['file']} line {first['line']}"
    if first["column"]:
        where += f", column {first['column']}"
    reasons = Counter(problems["reason"].map(_reason_kind))
    common = "; ".join(f"{n} × {r}" for r, n in reasons.most_common(4))
    tail = (
        "A whole file is unusable, so --skip-invalid cannot help; fix it and load again."
        if result.file_level and skip_invalid
        else "Fix the rows and load again, or use --skip-invalid to load the valid rows "
        "and set the bad ones aside."
    )
    return (
        f"{len(problems)} problem(s) in {bad_rows} row(s); nothing was written to the store. "
        f"First: {where}: {first['reason']} (value {first['value']!r}). "
        f"Most common: {common}. Full report: {report}. {tail}"
    )


def _reason_kind(reason: str) -> str:
    return reason.split(":")[0]


def _atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_report(problems: pd.DataFrame, path: Path) -> None:
    try:
        _atomic_write(path, lambda p: problems.to_csv(p, index=False, encoding="utf-8"))
    except OSError as exc:
        raise InputError(
            f"the data has invalid rows, and the report could not be written to {path}: "
            f"{exc}; name a writable place with --report"
        ) from exc


def _write_rejects(result: ValidationResult, folder: Path) -> dict[Entity, Path]:
    written: dict[Entity, Path] = {}
    for entity, positions in result.rejected.items():
        if not len(positions):
            continue
        src = result.sources[entity]
        target = folder / src.name
        if src.kind == "csv":
            records = [r if r.endswith("\n") else r + "\n" for r in src.raw_records(positions)]
            header = src.header_text()
            text = (header if header.endswith("\n") else header + "\n") + "".join(records)

            def write(p: Path, text: str = text) -> None:
                p.write_text(text, encoding="utf-8", newline="")

        else:
            table = pq.read_table(src.path).take(positions)

            def write(p: Path, table=table) -> None:
                pq.write_table(table, p)

        _atomic_write(target, write)
        written[entity] = target
    return written
