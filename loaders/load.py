"""Load a folder of extracts into a store: read, validate everything, then write.

The order is what makes a load never half-happen: every row of every file is checked
before the first write; any problem stops the load with a report of all of them and
the store untouched. With ``skip_invalid`` the valid rows load and the invalid ones are
copied, untouched, to ``rejects/`` beside the report.

A load is a dated snapshot (``as_of``, the date of the extract), in one of two modes
(:class:`~guanxi.graph.store.LoadMode`):

- ``full`` (the default): every file present is the bank's complete extract of its
  entity on that date; stored rows absent from it are removed in the same write. A
  stored row of an entity the folder does not carry may not be left pointing at a
  removed customer or account (the load is refused, saying which file to add).
- ``delta``: rows are upserted; ``removed_<entity>.csv`` (or ``.parquet``) files name,
  by their key columns, the stored rows to remove.

Either way a column a file does not carry keeps its stored values.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from guanxi import defaults
from guanxi.errors import ConfigError, InputError, InvalidInput
from guanxi.graph.schema import LOAD_ORDER, SPECS, Entity, canonical_frame
from guanxi.graph.store import GraphStore, LoadMode, LoadStats, ProgressCallback, SnapshotRecord
from guanxi.loaders.read import (
    SourceFile,
    find_files,
    find_removal_files,
    read_file,
)
from guanxi.loaders.validate import ValidationResult, validate
from guanxi.tables import write_csv

__all__ = [
    "LoadOutcome",
    "load_folder",
    "read_folder",
    "new_snapshot",
    "REPORT_NAME",
    "REJECTS_DIR",
]

REPORT_NAME = "load_report.csv"
REJECTS_DIR = "rejects"


@dataclass
class LoadOutcome:
    stats: LoadStats
    validation: ValidationResult
    snapshot: SnapshotRecord | None = None
    report_path: Path | None = None
    rejects: dict[Entity, Path] = field(default_factory=dict)
    #: per entity, contract columns its file did not carry (their stored values stay)
    not_carried: dict[Entity, list[str]] = field(default_factory=dict)


def read_folder(
    folder: str | Path,
    *,
    on_file: Callable[[Entity, Path], None] | None = None,
    keep_extra_columns: bool = False,
) -> dict[Entity, SourceFile]:
    """Read every contract file of ``folder`` (CSV or Parquet, mixed allowed).

    Raises
    ------
    InputError
        No contract file, or a file that is not one (see
        :func:`~guanxi.loaders.read.find_files`).
    """
    paths = find_files(folder)
    if not paths and not find_removal_files(folder):
        raise InputError(
            f"{folder} holds none of the contract's files (customers.csv or "
            "customers.parquet, accounts, account_holders, households, referrals, "
            "guarantees, ownership)"
        )
    sources = {}
    for entity, path in paths.items():
        if on_file:
            on_file(entity, path)
        sources[entity] = read_file(entity, path, keep_extra_columns=keep_extra_columns)
    return sources


def new_snapshot(folder: str | Path, as_of: str | None, mode: LoadMode) -> SnapshotRecord:
    """The record of a load of ``folder`` made now.

    Raises
    ------
    ConfigError
        ``as_of`` is not an ISO date.
    """
    now = datetime.now(UTC)
    if as_of is None:
        as_of = now.date().isoformat()
    try:
        as_of = date.fromisoformat(str(as_of)).isoformat()
    except ValueError:
        raise ConfigError(f"--as-of must be a date like 2026-06-30, not {as_of!r}") from None
    return SnapshotRecord(
        snapshot_id=now.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        as_of=as_of,
        mode=LoadMode(mode),
        loaded_at=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        source=str(Path(folder).resolve()),
    )


def load_folder(
    folder: str | Path,
    store: GraphStore,
    *,
    mode: LoadMode | str = LoadMode.FULL,
    as_of: str | None = None,
    skip_invalid: bool = False,
    keep_extra_columns: bool = False,
    reporting_currency: str = defaults.REPORTING_CURRENCY,
    report_path: str | Path | None = None,
    progress: ProgressCallback | None = None,
    on_file: Callable[[Entity, Path], None] | None = None,
) -> LoadOutcome:
    """Validate then load every contract file of ``folder`` into ``store``, as one dated
    snapshot.

    Parameters
    ----------
    folder : path
        The folder holding ``customers.csv`` (or ``.parquet``) and the optional files.
    store : GraphStore
    mode : LoadMode
        ``full`` (default): each file is the complete extract of its entity, rows absent
        from it are removed; ``delta``: upserts, and ``removed_<entity>.csv`` files name
        the rows to remove.
    as_of : str, optional
        The date of the extract (ISO); default today.
    skip_invalid : bool
        Load the valid rows and copy the invalid ones to ``rejects/`` beside the report.
        A file that is unusable as a whole (not UTF-8, empty, a required column missing)
        still stops the load.
    keep_extra_columns : bool
        Keep columns the contract does not name as properties (refused otherwise).
    reporting_currency : str
        Accounts in any other currency need a rate in ``fx_rates``.
    report_path : path, optional
        Where the problem report goes; default ``folder/load_report.csv``.

    Raises
    ------
    ConfigError
        A bad ``mode`` or ``as_of``, or removal files in a full load.
    InputError
        The folder or a file cannot be used at all.
    InvalidInput
        Rows are invalid and ``skip_invalid`` is off (or a whole file is unusable);
        the store is left exactly as it was.
    """
    folder = Path(folder)
    try:
        mode = LoadMode(mode)
    except ValueError:
        raise ConfigError(f"--mode must be full or delta, not {mode!r}") from None
    snapshot = new_snapshot(folder, as_of, mode)
    sources = read_folder(folder, on_file=on_file, keep_extra_columns=keep_extra_columns)
    removal_files = find_removal_files(folder)
    if removal_files and mode is LoadMode.FULL:
        names = ", ".join(p.name for p in removal_files.values())
        raise ConfigError(
            f"{names}: removal files belong to a delta load (--mode delta); a full load "
            "removes whatever its files no longer carry"
        )
    store.ensure_schema()
    stored = store.counts()
    if Entity.CUSTOMERS not in sources and not stored.get(Entity.CUSTOMERS.value):
        raise InputError(
            f"{folder} has no customers file and the store holds no customers: "
            "customers.csv (or customers.parquet) is required for a first load"
        )
    replaced = set(sources) if mode is LoadMode.FULL else set()
    result = validate(
        sources, store=store, replaced=replaced, reporting_currency=reporting_currency
    )
    removals = _read_removals(removal_files, result)
    outcome = LoadOutcome(stats=LoadStats(), validation=result, snapshot=snapshot)
    if not result.ok:
        report = Path(report_path) if report_path else folder / REPORT_NAME
        _write_report(result.problems, report)
        outcome.report_path = report
        if result.blocking or not skip_invalid:
            raise InvalidInput(
                _summary(result, report, skip_invalid),
                problems=len(result.problems),
                report_path=str(report),
            )
        outcome.rejects = _write_rejects(result, report.parent / REJECTS_DIR)
    outcome.not_carried = {  # only matters for rows already stored
        entity: [c for c in SPECS[entity].column_names if c not in src.frame.columns]
        for entity, src in sources.items()
        if stored.get(entity.value)
    }
    outcome.stats = store.load(
        result.frames, mode=mode, removals=removals, snapshot=snapshot, progress=progress
    )
    return outcome


def _read_removals(
    files: dict[Entity, Path], result: ValidationResult
) -> dict[Entity, pd.DataFrame]:
    """The key columns of the rows a delta load removes, checked: every key column of
    the entity that is required must be there and filled."""
    removals: dict[Entity, pd.DataFrame] = {}
    for entity in LOAD_ORDER:
        path = files.get(entity)
        if path is None:
            continue
        spec = SPECS[entity]
        src = read_file(entity, path, keep_extra_columns=True)
        if src.problems:
            raise InputError(f"{path.name}: {src.problems[0].reason}")
        frame = src.frame
        missing = [c for c in spec.required if c in spec.key and c not in frame.columns]
        others = [c for c in frame.columns if c not in spec.key]
        if missing or others:
            raise InputError(
                f"{path.name} must carry exactly the key columns of {entity.value} "
                f"({', '.join(spec.key)}); "
                + (f"missing {', '.join(missing)}" if missing else f"not {', '.join(others)}")
            )
        keys = frame.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
        empty = keys[[c for c in spec.key if c in spec.required]].eq("").any(axis=1)
        if empty.any():
            line = int(empty.to_numpy().nonzero()[0][0]) + 2
            raise InputError(f"{path.name} line {line}: a key value is missing")
        keys = keys.replace("", None)
        removals[entity] = canonical_frame(entity, keys, complete=False)
    return removals


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
        "A whole file is unusable, or stored rows would be left dangling, so "
        "--skip-invalid cannot help; fix it and load again."
        if result.blocking and skip_invalid
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
        write_csv(
            problems.astype({"file": "str", "column": "str", "value": "str", "reason": "str"}), path
        )
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
