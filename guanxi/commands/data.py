"""Commands that bring data in and say what the store holds: generate, load,
status, runs, publish."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from guanxi.console import (
    StepBars,
    StoreOption,
    app,
    err,
    errors_to_exit,
    open_target,
    out,
    progress_bars,
)
from guanxi.errors import ConfigError
from guanxi.graph.schema import Entity
from guanxi.graph.store import GraphStore


# -- generate ------------------------------------------------------------------------
@app.command()
def generate(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the extract files to.")],
    customers: Annotated[int, typer.Option(help="Number of customers.", min=50)] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 0,
    file_format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
    months: Annotated[
        int | None,
        typer.Option(
            "--months",
            min=1,
            help="Write this many consecutive month-ends (the last 2026-06-30), each a "
            "full extract in OUT_DIR/YYYY-MM-DD/, with changes planted between them and "
            "listed in OUT_DIR/planted.json. Load them in order, each with --as-of its "
            "date.",
        ),
    ] = None,
) -> None:
    """Write a realistic synthetic bank in the data contract's format."""
    with errors_to_exit():
        summary = run_generate(
            out_dir, customers=customers, seed=seed, file_format=file_format, months=months
        )
        print_generated(summary)


def run_generate(
    out_dir: Path,
    *,
    customers: int,
    seed: int,
    file_format: str = "csv",
    months: int | None = None,
):
    from guanxi.loaders.synthetic import generate_bank

    with progress_bars() as progress:
        bar = progress.add_task("generate", total=None)

        def on_step(step: str, done: int, total: int) -> None:
            progress.update(bar, description=f"generate: {step}"[:28], completed=done, total=total)

        try:
            return generate_bank(
                out_dir,
                customers=customers,
                seed=seed,
                file_format=file_format,
                months=months,
                progress=on_step,
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc


def print_generated(summary) -> None:
    where = summary.out_dir
    if summary.months:
        where = list(summary.months.values())[-1]
        out.print(
            f"{len(summary.months)} month-ends, each a full extract: "
            + ", ".join(str(p) for p in summary.months.values()),
            highlight=False,
        )
    table = Table(title=f"Synthetic bank in {where}", show_edge=False)
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(summary.files[name].name, f"{rows:,}")
    out.print(table)
    out.print(
        f"Generated in {summary.seconds:.1f} s; planted structures listed in {summary.planted_path}"
    )


# -- load ----------------------------------------------------------------------------
class ModeChoice(StrEnum):
    full = "full"
    delta = "delta"


@app.command()
def load(
    data_dir: Annotated[Path, typer.Argument(help="Folder holding customers.csv etc.")],
    store: StoreOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="The date of the extract, YYYY-MM-DD (default today). Analyses default "
            "to the date of the last load.",
        ),
    ] = None,
    mode: Annotated[
        ModeChoice,
        typer.Option(
            help="full: each file is the complete extract of its entity, rows absent from "
            "it are removed; delta: upserts, and removed_<entity>.csv files name the rows "
            "to remove.",
        ),
    ] = ModeChoice.full,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Load the valid rows; copy invalid rows untouched to rejects/ beside the report.",
        ),
    ] = False,
    keep_extra_columns: Annotated[
        bool,
        typer.Option(
            "--keep-extra-columns",
            help="Keep columns the contract does not name as properties (refused otherwise). "
            "A column that looks like a misspelt contract column is refused either way.",
        ),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(help="Where to write the problem report (default DATA_DIR/load_report.csv)."),
    ] = None,
) -> None:
    """Validate every row of DATA_DIR against the data contract, then load it as one
    dated snapshot.

    Any invalid row stops the load before anything is written (unless --skip-invalid);
    the report lists file, line, column and reason for every problem. Only `load` (and
    `demo`) create a store.
    """
    from guanxi.loaders.read import find_files

    with errors_to_exit():
        find_files(data_dir)  # a missing folder or a misnamed file: refused before any store
        with open_target(store, create=True) as target:
            run_load(
                data_dir,
                target,
                skip_invalid=skip_invalid,
                report=report,
                as_of=as_of,
                mode=mode.value,
                keep_extra_columns=keep_extra_columns,
            )


def run_load(
    data_dir: Path,
    target: GraphStore,
    *,
    skip_invalid: bool,
    report: Path | None,
    as_of: str | None = None,
    mode: str = "full",
    keep_extra_columns: bool = False,
):
    from guanxi.loaders.load import load_folder

    err.print(f"Loading {data_dir} into the {target.description} ({mode} load)")
    started = time.perf_counter()
    with progress_bars() as progress:
        reading = progress.add_task("read + validate", total=None)
        outcome = load_folder(
            data_dir,
            target,
            mode=mode,
            as_of=as_of,
            skip_invalid=skip_invalid,
            keep_extra_columns=keep_extra_columns,
            report_path=report,
            progress=StepBars(progress, "write "),
            on_file=lambda e, p: progress.update(reading, description=f"read {p.name}"),
        )
        progress.update(reading, description="read + validate", total=1, completed=1)
    elapsed = time.perf_counter() - started
    table = Table(title=f"Loaded, as of {outcome.snapshot.as_of}", show_edge=False)
    table.add_column("entity")
    table.add_column("rows read", justify="right")
    table.add_column("loaded", justify="right")
    table.add_column("rejected", justify="right")
    table.add_column("removed", justify="right")
    read = outcome.validation.rows_read
    rejected = outcome.validation.rows_rejected
    removed = outcome.stats.removed
    for entity in Entity:
        if entity in read or entity in removed:
            table.add_row(
                entity.value,
                f"{read.get(entity, 0):,}",
                f"{outcome.stats.rows.get(entity, 0):,}",
                f"{rejected.get(entity, 0):,}",
                f"{removed.get(entity, 0):,}",
            )
    out.print(table)
    stats = outcome.stats
    out.print(
        f"{stats.total_rows:,} rows loaded in {elapsed:.1f} s end to end "
        f"({stats.total_rows / elapsed if elapsed > 0 else 0:,.0f} rows/s; writing took "
        f"{stats.seconds:.1f} s) to the {target.description}, snapshot "
        f"{outcome.snapshot.snapshot_id}.",
        highlight=False,
    )
    for entity, columns in outcome.not_carried.items():
        if columns and entity in outcome.validation.rows_read:
            err.print(
                f"note: {entity.value} carried no {', '.join(columns)}: stored values of "
                "those columns were kept (new rows have none)",
                highlight=False,
            )
    if outcome.report_path is not None:
        out.print(
            f"{len(outcome.validation.problems):,} problem(s) reported in "
            f"{outcome.report_path}; rejected rows copied to "
            + ", ".join(str(p) for p in outcome.rejects.values())
        )
    return outcome


# -- status --------------------------------------------------------------------------
@app.command()
def status(store: StoreOption = None) -> None:
    """Show what the store holds, and any load that did not complete."""
    with errors_to_exit(), open_target(store) as target:
        target.ping()
        show_status(target)


def show_status(target: GraphStore) -> None:
    """Print the store's row counts, its snapshots (loads), its analysis runs and any
    load that did not complete (Neo4j's journaled loads that were interrupted: re-running
    the same load completes them)."""
    counts = target.counts()
    table = Table(title=target.description, show_edge=False)
    table.add_column("entity")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    out.print(table)
    snaps = target.snapshots()
    if len(snaps):
        table = Table(title=f"Snapshots loaded ({len(snaps)}), newest last", show_edge=False)
        for col in ("snapshot", "as of", "mode", "loaded at", "rows", "removed"):
            table.add_column(col)
        for row in snaps.tail(12).itertuples():
            table.add_row(
                row.snapshot_id,
                row.as_of,
                row.mode,
                row.loaded_at,
                counts_text(row.rows_json),
                counts_text(row.removed_json),
            )
        out.print(table)
    else:
        out.print("No snapshot recorded: load a folder (guanxi load DIR --as-of DATE).")
    print_runs(target.runs().tail(12))
    loads = target.incomplete_loads()
    if not loads:
        return
    out.print("Loads that did not complete:", highlight=False)
    for load in loads:
        idle = load.get("idle_seconds")
        running = " (may still be running)" if load.get("in_progress") else ""
        error = f"; error: {load['error']}" if load.get("error") else ""
        out.print(
            f"  load {load.get('load_id')}: {load.get('status')}{running}, "
            f"{load.get('rows_done', 0):,} of {load.get('rows_total', 0):,} rows written, "
            f"from {load.get('host', '?')}, pid {load.get('pid', '?')}, last progress "
            + (f"{idle:,.0f} s ago" if idle is not None else "unknown")
            + error,
            highlight=False,
            soft_wrap=True,
        )
    err.print(
        "The store holds part of these loads. Run the same load again to complete it "
        "(a re-run converges on the full data).",
        highlight=False,
    )


def counts_text(counts_json: str) -> str:
    import json

    counts = json.loads(counts_json or "{}")
    return ", ".join(f"{k} {v:,}" for k, v in counts.items() if v) or "-"


def print_runs(runs) -> None:
    import json

    if runs.empty:
        out.print("No analysis run stored: guanxi analyze --out DIR.")
        return
    table = Table(
        title="Analysis runs, newest last (* = published)",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    # whole values on one line: a run id is copied into guanxi publish / diff (the
    # snapshot each run read is in guanxi status and the run's summary.json)
    for col in ("", "run", "kind", "as of", "preset", "groups", "breaches"):
        table.add_column(col, no_wrap=True, min_width=27 if col == "run" else None)
    for row in runs.itertuples():
        options = json.loads(row.options_json or "{}")
        summary = json.loads(row.summary_json or "{}")
        table.add_row(
            "*" if row.published else "",
            row.run_id,
            row.kind,
            row.as_of,
            str(options.get("preset", "")),
            f"{summary.get('groups', 0):,}",
            f"{summary.get('breach_groups', 0):,}",
        )
    out.print(table)


@app.command()
def runs(store: StoreOption = None) -> None:
    """List the analysis runs kept in the store (the published one marked *)."""
    with errors_to_exit(), open_target(store) as target:
        print_runs(target.runs())


@app.command()
def publish(
    run_id: Annotated[str, typer.Argument(help="The run to publish (see guanxi runs).")],
    store: StoreOption = None,
) -> None:
    """Make a stored official run the published one (what the API, views and reports
    read), for example to go back to last month's run."""
    with errors_to_exit(), open_target(store) as target:
        target.publish(run_id)
        out.print(f"Published run {run_id}.", highlight=False)
