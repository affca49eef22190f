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
from enum import StrEnum
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

from guanxi.errors import ConfigError, GuanxiError
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
                progress=on_step,
            )
        except ValueError as exc:
            raise ConfigError(str(exc)) from exc


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
        float | None,
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
) -> None:
    """Find exposure groups, guarantee circles, referral reach, influencers, communities
    and campaign seeds; write the contract's CSV files to OUT and the results back to the store."""
    with _errors(), _open(store) as target:
        _analyze(
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
        )


def _analysis_options(**given):
    from guanxi.analysis import AnalysisOptions

    if given.get("tier1_capital") is None:
        given["tier1_capital"] = get_settings().tier1_capital
    if given.get("as_of") is None:
        given.pop("as_of", None)
    return AnalysisOptions(**given)


def _analyze(target: GraphStore, out_dir: Path, options):
    from guanxi.analysis import STEPS, run_analysis
    from guanxi.report import HtmlReport

    err.print(f"Analyzing the {target.description} as of {options.as_of}")
    with _progress() as progress:
        bars: dict[str, TaskID] = {}

        def on_step(name: str, done: int, total: int) -> None:
            # one bar per analysis: a step starts when the next one is announced
            for bar in bars.values():
                progress.update(bar, completed=1)
            if done < total and name not in bars:
                bars[name] = progress.add_task(name, total=1)

        run = run_analysis(target, out_dir, options, progress=on_step, report=HtmlReport())
        on_step(STEPS[-1], len(STEPS), len(STEPS))
    _print_analysis(run, out_dir)
    return run


def _money(x) -> str:
    return "" if x is None or x != x else f"{x:,.0f}"


def _pct(x) -> str:
    return "" if x is None or x != x else f"{x:.1f}%"


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
            out_file.parent.mkdir(parents=True, exist_ok=True)
            picked.to_csv(out_file, index=False)
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

    Group and circle views need an analysis (guanxi analyze) in the store.
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
    """Print the store's row counts and its incomplete loads (Neo4j's journaled loads
    that were interrupted: re-running the same load completes them)."""
    counts = target.counts()
    table = Table(title=target.description, show_edge=False)
    table.add_column("entity")
    table.add_column("rows", justify="right")
    for name, n in counts.items():
        table.add_row(name, f"{n:,}")
    out.print(table)
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
        with DuckDBStore(db) as target:
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


def demo_tier1_capital(target: GraphStore) -> float:
    """The synthetic bank's Tier 1 capital: 10% of its total credit exposure, rounded.

    Only the demo uses this; a real bank's capital always comes from the user."""
    from guanxi.algorithms.exposure import account_exposure

    exposure = float(account_exposure(target.fetch(Entity.ACCOUNTS))["exposure"].sum())
    return float(max(round(exposure * 0.10, -6), 1_000_000))


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
