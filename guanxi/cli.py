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
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import pandas as pd
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

from guanxi.errors import ConfigError, GuanxiError, NotAnalyzed
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

#: the exit code of `guanxi analyze --fail-on-alerts` when the run raised alerts
ALERTS_EXIT_CODE = 9

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


def _open(store: str | None, *, create: bool = False) -> GraphStore:
    """The store named by ``--store`` (or the settings). Only ``load`` and ``demo``
    may create one; every other command names an existing store."""
    return open_store(store, create=create, settings=get_settings())


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
    with _errors():
        summary = _generate(
            out_dir, customers=customers, seed=seed, file_format=file_format, months=months
        )
        _print_generated(summary)


def _generate(
    out_dir: Path,
    *,
    customers: int,
    seed: int,
    file_format: str = "csv",
    months: int | None = None,
):
    from guanxi.loaders.synthetic import generate_bank

    with _progress() as progress:
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


def _print_generated(summary) -> None:
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

    with _errors():
        find_files(data_dir)  # a missing folder or a misnamed file: refused before any store
        with _open(store, create=True) as target:
            _load(
                data_dir,
                target,
                skip_invalid=skip_invalid,
                report=report,
                as_of=as_of,
                mode=mode.value,
                keep_extra_columns=keep_extra_columns,
            )


def _load(
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
    with _progress() as progress:
        reading = progress.add_task("read + validate", total=None)
        outcome = load_folder(
            data_dir,
            target,
            mode=mode,
            as_of=as_of,
            skip_invalid=skip_invalid,
            keep_extra_columns=keep_extra_columns,
            report_path=report,
            progress=_Bars(progress, "write "),
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


# -- analyze -------------------------------------------------------------------------
@app.command()
def analyze(
    out: Annotated[Path, typer.Option("--out", help="Folder for the result CSV files.")],
    store: StoreOption = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Analysis date YYYY-MM-DD (decides which guarantees are valid). Default: today.",
        ),
    ] = None,
    tier1_capital: Annotated[
        str | None,
        typer.Option(
            "--tier1-capital",
            help="The bank's Tier 1 capital, in the reporting currency (or GUANXI_TIER1_CAPITAL). "
            "Without it, pct_tier1 and status are left empty.",
        ),
    ] = None,
    preset: Annotated[str, typer.Option(help="Limit preset: basel, eu or china.")] = "basel",
    seeds_k: Annotated[int, typer.Option("--seeds", help="Campaign seeds to pick.", min=0)] = 10,
    seed: Annotated[int, typer.Option(help="Random seed for communities and seeds.")] = 0,
    include_suspected_links: Annotated[
        bool,
        typer.Option(
            "--include-suspected-links",
            help="Also join customers sharing contact details into exposure groups (off by default).",
        ),
    ] = False,
    what_if: Annotated[
        bool,
        typer.Option(
            "--what-if",
            help="A what-if run: write the files to OUT and keep the run for comparison, "
            "but do not publish it (the API, views and reports keep the published run).",
        ),
    ] = False,
    fail_on_alerts: Annotated[
        bool,
        typer.Option(
            "--fail-on-alerts",
            help=f"Exit with code {ALERTS_EXIT_CODE} when the run raised alerts (for "
            "schedulers); everything is written first.",
        ),
    ] = False,
) -> None:
    """Find exposure groups, guarantee circles, referral reach, influencers, communities
    and campaign seeds; write the contract's CSV files to OUT and store the run with all
    its results (published, unless --what-if)."""
    with _errors(), _open(store) as target:
        run = _analyze(
            target,
            out,
            _analysis_options(
                as_of=as_of,
                tier1_capital=tier1_capital,
                preset=preset,
                seeds_k=seeds_k,
                seed=seed,
                include_suspected_links=include_suspected_links,
            ),
            what_if=what_if,
        )
    if fail_on_alerts and len(run.frames["alerts"]):
        err.print(
            f"{len(run.frames['alerts'])} alert(s) raised: see {out / 'alerts.csv'}",
            highlight=False,
        )
        raise typer.Exit(ALERTS_EXIT_CODE)


def _analysis_options(**given):
    from guanxi.analysis import AnalysisOptions

    settings = get_settings()
    if given.get("tier1_capital") is None:
        given["tier1_capital"] = settings.tier1_capital
    given.setdefault("reporting_currency", settings.reporting_currency)
    return AnalysisOptions(**given)


def _analyze(target: GraphStore, out_dir: Path, options, *, what_if: bool = False):
    from guanxi.analysis import STEPS, run_analysis
    from guanxi.report import HtmlReport

    snapshot = target.current_snapshot()
    as_of = options.as_of or (snapshot["as_of"] if snapshot else "today")
    err.print(
        f"Analyzing the {target.description} as of {as_of}"
        + (" (what-if: the published run stays)" if what_if else "")
    )
    with _progress() as progress:
        bars: dict[str, TaskID] = {}

        def on_step(name: str, done: int, total: int) -> None:
            # one bar per analysis: a step starts when the next one is announced
            for bar in bars.values():
                progress.update(bar, completed=1)
            if done < total and name not in bars:
                bars[name] = progress.add_task(name, total=1)

        run = run_analysis(
            target,
            out_dir,
            options,
            progress=on_step,
            report=HtmlReport(),
            what_if=what_if,
            keep_runs=get_settings().keep_runs,
        )
        on_step(STEPS[-1], len(STEPS), len(STEPS))
    _print_analysis(run, out_dir)
    return run


def _money(x) -> str:
    """An amount as printed in tables: exact, with the minor unit's digits."""
    return "" if x is None or x is pd.NA or x != x else f"{x:,}"


def _pct(x) -> str:
    return "" if x is None or x is pd.NA or x != x else f"{x:.2f}%"


def _print_analysis(run, out_dir: Path) -> None:
    f = run.frames
    summary = run.summary()
    groups = f["exposure_groups"]
    capital = run.options.tier1_capital
    out.print(
        f"\n[bold]{summary['groups']:,}[/] exposure groups ({summary['customers_in_groups']:,} customers), "
        + (
            f"[bold]{summary['large_groups']}[/] large and [bold red]{summary['breach_groups']}[/] "
            f"in breach of the {run.options.preset} limits against Tier 1 capital {_money(capital)}; "
            f"{summary['single_name_breaches']} single names in breach."
            if capital
            else "limit status not assessed (no Tier 1 capital)."
        ),
        highlight=False,
    )
    table = Table(title="Largest exposure groups", show_edge=False)
    for col in ("group", "size", "exposure", "% Tier 1", "status", "linked by"):
        table.add_column(
            col, justify="right" if col in ("size", "exposure", "% Tier 1") else "left"
        )
    for row in groups.head(5).itertuples():
        table.add_row(
            row.group_id,
            str(row.size),
            _money(row.exposure),
            _pct(row.pct_tier1),
            "" if row.status != row.status or row.status is None else str(row.status),
            str(row.reasons),
        )
    out.print(table)
    circles = f["circle_summary"].sort_values(["size", "circle_id"], ascending=[False, True])
    table = Table(title=f"Guarantee circles: {len(circles)}", show_edge=False)
    for col in ("circle", "members", "guarantees", "guaranteed", "exposure", "cycles"):
        table.add_column(col)
    for row in circles.head(5).itertuples():
        cycles = f"{row.cycles_found}{'+' if row.cycles_truncated else ''}"
        table.add_row(
            row.circle_id,
            str(row.size),
            str(row.guarantees),
            _money(row.guaranteed_amount),
            _money(row.exposure),
            cycles,
        )
    out.print(table)
    table = Table(
        title=f"Top influencers (PageRank converged in {run.pagerank_iterations} iterations)"
        if run.pagerank_converged
        else f"Top influencers (PageRank NOT converged after {run.pagerank_iterations} iterations)",
        show_edge=False,
    )
    for col in ("rank", "customer", "score", "direct", "cascade", "depth", "downstream AUM"):
        table.add_column(col)
    for row in f["influencers"].head(5).itertuples():
        table.add_row(
            str(row.rank),
            row.customer_id,
            f"{row.score:.5f}",
            str(row.direct),
            str(row.cascade),
            str(row.depth),
            _money(row.downstream_aum),
        )
    out.print(table)
    for warning in run.warnings:
        err.print(f"[yellow]warning:[/] {warning}", highlight=False)
    csvs = sum(1 for p in run.files.values() if p.suffix == ".csv")
    views = sum(1 for name in run.files if name.startswith("views/"))
    report = f", the report {out_dir / 'index.html'} and {views} views in views/" if views else ""
    out.print(f"Results in {out_dir}/: {csvs} CSV files, summary.json{report}.", highlight=False)


@app.command()
def seeds(
    k: Annotated[int, typer.Option("--k", help="How many seeds to pick.", min=1, max=1000)] = 10,
    store: StoreOption = None,
    simulations: Annotated[int, typer.Option(help="Monte Carlo runs per estimate.", min=10)] = 1000,
    seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Customer id never to pick (repeatable).")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Also write the seeds to this CSV.")
    ] = None,
) -> None:
    """Pick campaign seeds by influence maximization (independent cascade model, CELF)."""
    from guanxi.algorithms.seeds import campaign_seeds

    with _errors(), _open(store) as target:
        customers = target.fetch(Entity.CUSTOMERS)
        referrals = target.fetch(Entity.REFERRALS)
        picked = campaign_seeds(
            customers, referrals, k=k, simulations=simulations, seed=seed, exclude=exclude
        )
        table = Table(title=f"{len(picked)} campaign seeds", show_edge=False)
        for col in ("rank", "customer", "marginal gain", "expected reach", "95% CI"):
            table.add_column(col)
        for row in picked.itertuples():
            table.add_row(
                str(row.rank),
                row.customer_id,
                f"{row.marginal_gain:.2f}",
                f"{row.expected_reach:.1f}",
                f"{row.ci_low:.1f}–{row.ci_high:.1f}",
            )
        out.print(table)
        if out_file is not None:
            from guanxi.tables import write_csv

            write_csv(picked, out_file)
            out.print(f"Written to {out_file}")


# -- view ----------------------------------------------------------------------------
class ViewKind(StrEnum):
    customer = "customer"
    group = "group"
    circle = "circle"
    cascade = "cascade"
    overview = "overview"


@app.command()
def view(
    kind: Annotated[ViewKind, typer.Argument(help="What to draw.")],
    key: Annotated[
        str | None,
        typer.Argument(
            help="Customer id (customer, cascade), group id or circle id; none for overview.",
            show_default=False,
        ),
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="The HTML file (default: KIND-ID.html here).")
    ] = None,
    store: StoreOption = None,
    hops: Annotated[
        int, typer.Option(help="Customer view: hops around the customer.", min=1, max=3)
    ] = 2,
    max_nodes: Annotated[
        int, typer.Option(help="Above this many nodes the view is cut, with a note.", min=10)
    ] = 2000,
) -> None:
    """Write an interactive HTML view that opens offline (no network needed).

    Group, circle, cascade and overview views draw the published analysis run as stored
    (guanxi analyze); before any run they exit with code 8.
    """
    from guanxi.service import GraphService
    from guanxi.viz import view_filename, write_view

    with _errors():
        if kind != ViewKind.overview and not key:
            raise ConfigError(f"guanxi view {kind.value} needs an id")
        with _open(store) as target, GraphService.from_store(target) as service:
            service.refresh()
            builders = {
                ViewKind.customer: lambda: service.network(key, hops=hops, limit=max_nodes),
                ViewKind.group: lambda: service.group_view(key),
                ViewKind.circle: lambda: service.circle_view(key),
                ViewKind.cascade: lambda: service.cascade_view(key, max_nodes=max_nodes),
                ViewKind.overview: lambda: service.overview_view(limit=max_nodes),
            }
            built = builders[kind]()
            for note in service.snapshot.notes:  # data loaded since the run read it
                err.print(f"note: {note}", highlight=False, soft_wrap=True)
        render_kind = "network" if kind == ViewKind.customer else kind.value
        path = out_file or Path(view_filename(kind.value, key or "influencers"))
        write_view(built, path, kind=render_kind, max_nodes=max_nodes)
        out.print(
            f"{built.title}: {len(built.nodes):,} nodes, {len(built.edges):,} links"
            + (f" ({built.omitted_nodes:,} not shown)" if built.omitted_nodes else "")
            + f" -> {path}",
            highlight=False,
        )


# -- status --------------------------------------------------------------------------
@app.command()
def status(store: StoreOption = None) -> None:
    """Show what the store holds, and any load that did not complete."""
    with _errors(), _open(store) as target:
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
                _counts_text(row.rows_json),
                _counts_text(row.removed_json),
            )
        out.print(table)
    else:
        out.print("No snapshot recorded: load a folder (guanxi load DIR --as-of DATE).")
    _print_runs(target.runs().tail(12))
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


def _counts_text(counts_json: str) -> str:
    import json

    counts = json.loads(counts_json or "{}")
    return ", ".join(f"{k} {v:,}" for k, v in counts.items() if v) or "-"


def _print_runs(runs) -> None:
    import json

    if runs.empty:
        out.print("No analysis run stored: guanxi analyze --out DIR.")
        return
    table = Table(title="Analysis runs, newest last (* = published)", show_edge=False)
    for col in ("", "run", "kind", "as of", "snapshot", "preset", "groups", "breaches"):
        table.add_column(col, overflow="fold")
    for row in runs.itertuples():
        options = json.loads(row.options_json or "{}")
        summary = json.loads(row.summary_json or "{}")
        table.add_row(
            "*" if row.published else "",
            row.run_id,
            row.kind,
            row.as_of,
            row.snapshot_id if row.snapshot_id not in ("None", "nan") else "-",
            str(options.get("preset", "")),
            f"{summary.get('groups', 0):,}",
            f"{summary.get('breach_groups', 0):,}",
        )
    out.print(table)


@app.command()
def diff(
    older: Annotated[
        str | None,
        typer.Argument(
            help="The earlier run (id or unique prefix; default: the run before the newer).",
            show_default=False,
        ),
    ] = None,
    newer: Annotated[
        str | None,
        typer.Argument(help="The later run (default: the published run).", show_default=False),
    ] = None,
    store: StoreOption = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Also write the change tables and alerts as CSV here."),
    ] = None,
) -> None:
    """What changed between two stored runs: groups new, gone, merged, split; members in
    and out; exposure and status crossings; circles new and dissolved; influencer rank
    moves; cascade growth; and the alerts they raise."""
    from guanxi import history
    from guanxi.tables import write_csv

    with _errors(), _open(store) as target:
        runs_ = target.runs()
        official = runs_[runs_["kind"] == "official"]
        if newer is None:
            published = target.published_run()
            if published is None:
                raise NotAnalyzed("no published run yet: guanxi analyze --out DIR")
            newer = published["run_id"]
        newer = history.resolve_run(target, newer)
        if older is None:
            earlier = official[official["run_id"] < newer]["run_id"].tolist()
            if not earlier:
                raise NotAnalyzed(
                    f"run {newer} is the first official run: there is nothing to compare it with"
                )
            older = earlier[-1]
        older = history.resolve_run(target, older)
        changes, raised = history.diff_runs(target, older, newer)
        g = changes.group_changes
        out.print(
            f"From run {older} to run {newer}: "
            + ", ".join(f"{n} {k}" for k, n in g["change"].value_counts().items())
            + f" groups; {int((changes.member_changes['change'] == 'joined').sum())} members in, "
            f"{int((changes.member_changes['change'] == 'left').sum())} out; "
            f"{int((changes.circle_changes['change'] == 'new').sum())} new circle(s), "
            f"{int((changes.circle_changes['change'] == 'dissolved').sum())} dissolved.",
            highlight=False,
        )
        crossings = g[g["crossing"].notna()]
        if len(crossings):
            table = Table(title="Status crossings", show_edge=False)
            for col in ("group", "crossing", "% Tier 1 before", "after", "exposure change"):
                table.add_column(col)
            for r in crossings.itertuples():
                table.add_row(
                    r.group_id, r.crossing, _pct(r.pct_tier1_before), _pct(r.pct_tier1_after),
                    _money(r.exposure_change),
                )  # fmt: skip
            out.print(table)
        table = Table(title=f"Alerts: {len(raised)}", show_edge=False)
        for col in ("severity", "rule", "detail"):
            table.add_column(col)
        for r in raised.head(20).itertuples():
            table.add_row(r.severity, r.rule, r.detail)
        out.print(table)
        if out_dir is not None:
            for name, frame in {**changes.frames(), "alerts": raised}.items():
                write_csv(frame, out_dir / f"{name}.csv")
            out.print(f"Change tables and alerts written to {out_dir}/", highlight=False)


@app.command()
def runs(store: StoreOption = None) -> None:
    """List the analysis runs kept in the store (the published one marked *)."""
    with _errors(), _open(store) as target:
        _print_runs(target.runs())


@app.command()
def publish(
    run_id: Annotated[str, typer.Argument(help="The run to publish (see guanxi runs).")],
    store: StoreOption = None,
) -> None:
    """Make a stored official run the published one (what the API, views and reports
    read), for example to go back to last month's run."""
    with _errors(), _open(store) as target:
        target.publish(run_id)
        out.print(f"Published run {run_id}.", highlight=False)


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

        results = out_dir / "results"
        with DuckDBStore(db, create=True) as target:
            _load(data_dir, target, skip_invalid=False, report=None)
            counts = target.counts()
            capital = demo_tier1_capital(target)
            err.print(
                f"The synthetic bank's Tier 1 capital is set to {capital:,.0f}: 10% of its "
                "credit exposure, a typical capital ratio.",
                highlight=False,
            )
            _analyze(target, results, _analysis_options(tier1_capital=capital, seed=seed))
        out.print(
            f"\nDemo ready in {time.perf_counter() - started:.1f} s: "
            f"{counts['customers']:,} customers, {counts['accounts']:,} accounts, "
            f"{counts['referrals']:,} referrals, {counts['guarantees']:,} guarantees, "
            f"{counts['ownership']:,} ownership links.\n"
            f"  extracts: {data_dir}/\n  store:    {db}\n  results:  {results}/\n"
            f"Try: guanxi status --store {db}",
            highlight=False,
        )


def demo_tier1_capital(target: GraphStore, reporting_currency: str | None = None) -> Decimal:
    """The synthetic bank's Tier 1 capital: 10% of its total credit exposure, rounded.

    Only the demo uses this; a real bank's capital always comes from the user."""
    from guanxi.algorithms.exposure import account_exposure
    from guanxi.money import Reporting

    reporting = Reporting.of(
        reporting_currency or get_settings().reporting_currency, target.fetch(Entity.FX_RATES)
    )
    exposures = account_exposure(target.fetch(Entity.ACCOUNTS), reporting=reporting)
    total = Decimal(int(exposures["exposure_minor"].sum())).scaleb(-reporting.digits)
    tenth = (total / 10).quantize(Decimal("1E6"), rounding=ROUND_HALF_UP)
    return max(tenth, Decimal(1_000_000)).quantize(Decimal(1))


# -- serve ---------------------------------------------------------------------------
@app.command()
def serve(
    store: StoreOption = None,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    dev: Annotated[
        bool,
        typer.Option(
            "--dev",
            help="Local development: start even with no API key configured (a throw-away "
            "admin key is printed). Loopback only.",
        ),
    ] = False,
    create_key: Annotated[
        str | None,
        typer.Option(
            "--create-key",
            metavar="NAME",
            help="Create an API key for NAME with --role, print it once, and exit.",
        ),
    ] = None,
    role: Annotated[
        str,
        typer.Option(help="Role of the key made by --create-key: risk, marketing, analyst, admin."),
    ] = "analyst",
    keys_file: Annotated[
        Path | None,
        typer.Option(
            "--keys-file",
            help="API keys file (or GUANXI_API_KEYS_FILE; default: beside the embedded "
            "store, guanxi.keys.json).",
        ),
    ] = None,
) -> None:
    """Serve the HTTP API for risk officers, marketers and analysts (docs at /docs).

    Every request needs an API key (Authorization: Bearer KEY); make one with
    --create-key NAME --role ROLE. Reads are served from a snapshot of the store, so
    `guanxi load` can run beside the server (POST /api/v1/analyses/refresh to re-read).
    """
    from guanxi.errors import ConfigError

    with _errors():
        update: dict = {}
        if store:
            update["store"] = store
        if keys_file is not None:
            update["api_keys_file"] = keys_file
        if dev:
            update["api_dev"] = True
        settings = get_settings().model_copy(update=update)
        if create_key is not None:
            from guanxi.api.security import create_api_key

            path = settings.api_keys_path()
            key = create_api_key(create_key, role, path)
            err.print(
                f"API key for {create_key} (role {role}) added to {path}. "
                "It is shown only now; keep it secret:",
                highlight=False,
            )
            out.print(key, highlight=False, soft_wrap=True)
            return
        if settings.api_dev and host not in ("127.0.0.1", "localhost", "::1"):
            raise ConfigError(
                "--dev starts without configured API keys and is for this machine only: "
                "use --host 127.0.0.1"
            )
        import uvicorn

        from guanxi.api.app import create_app
        from guanxi.api.security import ApiKeys

        keys = ApiKeys.from_settings(settings)
        if not len(keys) and settings.api_dev:
            dev_key = keys.add_ephemeral("dev", "admin")
            err.print(
                f"[yellow]development mode:[/] no API key in {settings.api_keys_path()}; "
                f"throw-away admin key for this run:\n  {dev_key}",
                highlight=False,
            )
        application = create_app(settings, keys=keys)
        err.print(
            f"Serving {settings.store} on http://{host}:{port}/api/v1 (docs: /docs); "
            f"audit log {settings.audit_log_path()}",
            highlight=False,
        )
        uvicorn.run(application, host=host, port=port, log_level="info")


# -- bench ---------------------------------------------------------------------------
@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def bench(
    ctx: typer.Context,
    customers: Annotated[
        int, typer.Option(help="Size of the benchmark bank.", min=1000)
    ] = 1_000_000,
    only: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated benchmarks: generate, load, load_bolt, analyze, networkx, "
            "api, views (default: all).",
        ),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the generated bank.")] = 1,
    work_dir: Annotated[
        Path | None,
        typer.Option(
            "--work-dir",
            help="Where generated banks and stores are kept (default $TMPDIR/guanxi-bench).",
        ),
    ] = None,
) -> None:
    """Benchmark guanxi at bank scale; write benchmarks/results/*.json and RESULTS.md.

    Runs benchmarks/run.py of a source checkout. Other options (--nx-timeout, --bolt-customers, --results-dir, ...) are passed on to it: python benchmarks/run.py --help.
    """
    import subprocess
    import sys

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
    with _errors():
        if not script.is_file():
            raise ConfigError(
                f"guanxi bench runs benchmarks/run.py of a source checkout, and {script} "
                "is not there: run it from a clone of the guanxi repository"
            )
        argv = [sys.executable, str(script), "--customers", str(customers), "--seed", str(seed)]
        if only:
            argv += ["--only", only]
        if work_dir is not None:
            argv += ["--work-dir", str(work_dir)]
        code = subprocess.call([*argv, *ctx.args])
        if code:
            raise typer.Exit(code)


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
