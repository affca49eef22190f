"""The ``guanxi`` console command.

Every command exits 0 on success and, on a :class:`~guanxi.errors.GuanxiError`, prints
one paragraph to stderr and exits with that error's code (this mapping lives here and
only here). Progress bars go to stderr, results to stdout.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from guanxi.errors import GuanxiError
from guanxi.graph.schema import Entity
from guanxi.graph.store import GraphStore, open_store
from guanxi.settings import get_settings

app = typer.Typer(
    name="guanxi",
    help="Graph analyzer for banks: load extracts, find connected-client groups, "
    "guarantee circles and referral reach, serve them and draw them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="neo4j://, neo4j+s:// or bolt:// URI for Neo4j (user/password/database from "
        "GUANXI_NEO4J_USER, GUANXI_NEO4J_PASSWORD, GUANXI_NEO4J_DATABASE); anything "
        "else is the embedded store's file. Default: GUANXI_STORE or ./guanxi.duckdb.",
        show_default=False,
    ),
]


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Map guanxi's exception tree to a one-paragraph message and an exit code."""
    try:
        yield
    except GuanxiError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err.print("[bold red]interrupted[/]")
        raise typer.Exit(130) from None


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


class _Bars:
    """One progress bar per step name, fed by ``callback(step, done, total)``."""

    def __init__(self, progress: Progress, prefix: str = ""):
        self.progress = progress
        self.prefix = prefix
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, step, done: int, total: int) -> None:
        name = getattr(step, "value", str(step))
        if name not in self.tasks:
            self.tasks[name] = self.progress.add_task(f"{self.prefix}{name}", total=total or 1)
        self.progress.update(self.tasks[name], completed=done if total else 1, total=total or 1)


def _open(store: str | None) -> GraphStore:
    return open_store(store, settings=get_settings())


# -- generate ------------------------------------------------------------------------
@app.command()
def generate(
    out_dir: Annotated[Path, typer.Argument(help="Folder to write the extract files to.")],
    customers: Annotated[int, typer.Option(help="Number of customers.", min=50)] = 10_000,
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same files.")] = 0,
    file_format: Annotated[str, typer.Option("--format", help="csv or parquet.")] = "csv",
) -> None:
    """Write a realistic synthetic bank in the data contract's format."""
    with _errors():
        summary = _generate(out_dir, customers=customers, seed=seed, file_format=file_format)
        _print_generated(summary)


def _generate(out_dir: Path, *, customers: int, seed: int, file_format: str = "csv"):
    from guanxi.loaders.synthetic import generate_bank

    if file_format not in ("csv", "parquet"):
        raise typer.BadParameter("--format must be csv or parquet")
    with _progress() as progress:
        return generate_bank(
            out_dir,
            customers=customers,
            seed=seed,
            file_format=file_format,
            progress=_Bars(progress, "generate "),
        )


def _print_generated(summary) -> None:
    table = Table(title=f"Synthetic bank in {summary.out_dir}", show_edge=False)
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in summary.rows.items():
        table.add_row(summary.files[name].name, f"{rows:,}")
    out.print(table)
    out.print(
        f"Generated in {summary.seconds:.1f} s; planted structures listed in {summary.planted_path}"
    )


# -- load ----------------------------------------------------------------------------
@app.command()
def load(
    data_dir: Annotated[Path, typer.Argument(help="Folder holding customers.csv etc.")],
    store: StoreOption = None,
    skip_invalid: Annotated[
        bool,
        typer.Option(
            "--skip-invalid",
            help="Load the valid rows; copy invalid rows untouched to rejects/ beside the report.",
        ),
    ] = False,
    report: Annotated[
        Path | None,
        typer.Option(help="Where to write the problem report (default DATA_DIR/load_report.csv)."),
    ] = None,
) -> None:
    """Validate every row of DATA_DIR against the data contract, then load it.

    Any invalid row stops the load before anything is written (unless --skip-invalid);
    the report lists file, line, column and reason for every problem.
    """
    with _errors(), _open(store) as target:
        _load(data_dir, target, skip_invalid=skip_invalid, report=report)


def _load(data_dir: Path, target: GraphStore, *, skip_invalid: bool, report: Path | None):
    from guanxi.loaders.load import load_folder

    err.print(f"Loading {data_dir} into the {target.description}")
    with _progress() as progress:
        reading = progress.add_task("read + validate", total=None)
        outcome = load_folder(
            data_dir,
            target,
            skip_invalid=skip_invalid,
            report_path=report,
            progress=_Bars(progress, "write "),
            on_file=lambda e, p: progress.update(reading, description=f"read {p.name}"),
        )
        progress.update(reading, description="read + validate", total=1, completed=1)
    table = Table(title="Loaded", show_edge=False)
    table.add_column("entity")
    table.add_column("rows read", justify="right")
    table.add_column("loaded", justify="right")
    table.add_column("rejected", justify="right")
    read = outcome.validation.rows_read
    rejected = outcome.validation.rows_rejected
    for entity in Entity:
        if entity in read:
            table.add_row(
                entity.value,
                f"{read[entity]:,}",
                f"{outcome.stats.rows.get(entity, 0):,}",
                f"{rejected.get(entity, 0):,}",
            )
    out.print(table)
    stats = outcome.stats
    out.print(
        f"{stats.total_rows:,} rows written in {stats.seconds:.1f} s "
        f"({stats.rows_per_second:,.0f} rows/s) to the {target.description}."
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
    """Show what the store holds."""
    with _errors(), _open(store) as target:
        target.ping()
        counts = target.counts()
        table = Table(title=target.description, show_edge=False)
        table.add_column("entity")
        table.add_column("rows", justify="right")
        for name, n in counts.items():
            table.add_row(name, f"{n:,}")
        out.print(table)


# -- demo ----------------------------------------------------------------------------
@app.command()
def demo(
    customers: Annotated[int, typer.Option(help="Size of the synthetic bank.", min=50)] = 20_000,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for everything.")] = Path("demo"),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
) -> None:
    """Generate a synthetic bank, load it into a fresh embedded store, analyze it."""
    with _errors():
        started = time.perf_counter()
        data_dir = out_dir / "data"
        if data_dir.exists():
            shutil.rmtree(data_dir)
        summary = _generate(data_dir, customers=customers, seed=seed)
        _print_generated(summary)
        db = out_dir / "guanxi.duckdb"
        for stale in (db, db.with_name(db.name + ".wal")):
            stale.unlink(missing_ok=True)
        from guanxi.graph.duckdb_store import DuckDBStore

        with DuckDBStore(db) as target:
            _load(data_dir, target, skip_invalid=False, report=None)
            counts = target.counts()
        out.print(
            f"\nDemo ready in {time.perf_counter() - started:.1f} s: "
            f"{counts['customers']:,} customers, {counts['accounts']:,} accounts, "
            f"{counts['referrals']:,} referrals, {counts['guarantees']:,} guarantees, "
            f"{counts['ownership']:,} ownership links.\n"
            f"  extracts: {data_dir}/\n  store:    {db}\n"
            f"Try: guanxi status --store {db}"
        )


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
