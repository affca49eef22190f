"""Commands that analyze and compare: analyze, seeds, diff, demo."""

from __future__ import annotations

import shutil
import time
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.progress import TaskID
from rich.table import Table

from guanxi import defaults
from guanxi.commands.data import print_generated, run_generate, run_load
from guanxi.console import (
    ALERTS_EXIT_CODE,
    StoreOption,
    app,
    err,
    errors_to_exit,
    open_target,
    out,
    progress_bars,
)
from guanxi.errors import NotAnalyzed
from guanxi.graph.schema import Entity
from guanxi.graph.store import GraphStore
from guanxi.settings import get_settings


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
    preset: Annotated[
        str, typer.Option(help="Limit preset: basel, eu or china.")
    ] = defaults.PRESET,
    seeds_k: Annotated[
        int, typer.Option("--seeds", help="Campaign seeds to pick.", min=0)
    ] = defaults.SEEDS_K,
    seed: Annotated[
        int, typer.Option(help="Random seed for communities and seeds.")
    ] = defaults.SEED,
    value_tiers: Annotated[
        str,
        typer.Option(
            "--value-tiers",
            help="A/B/C customer value tiers: quantile:A,B (A the top A share of valued "
            "customers, B the next B share) or value:A,B (from amount A, from amount B).",
        ),
    ] = defaults.VALUE_TIERS,
    churn_closed_accounts: Annotated[
        bool,
        typer.Option(
            "--churn-closed-accounts",
            help="Count a customer whose accounts are all closed as having left (undated).",
        ),
    ] = defaults.CHURN_CLOSED_ACCOUNTS,
    include_suspected_links: Annotated[
        bool,
        typer.Option(
            "--include-suspected-links",
            help="Also join customers sharing contact details into exposure groups (off by default).",
        ),
    ] = False,
    bank_is_gsib: Annotated[
        bool,
        typer.Option(
            "--bank-gsib/--bank-not-gsib",
            help="Whether this bank is a G-SIB: the 15% line between G-SIBs (basel, eu) then "
            "applies to G-SIB counterparties (default: applied).",
        ),
    ] = defaults.BANK_IS_GSIB,
    what_if: Annotated[
        bool,
        typer.Option(
            "--what-if",
            help="A what-if run: write the files to OUT and keep the run for comparison, "
            "but do not publish it (the API, views and reports keep the published run).",
        ),
    ] = False,
    engine: Annotated[
        str,
        typer.Option(
            help="Where the whole-bank passes (groups, circles, communities) run: python "
            "(here) or gds (in Neo4j Graph Data Science; needs a Neo4j store with GDS). "
            "Groups and circles are the same either way.",
        ),
    ] = "python",
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
    with errors_to_exit(), open_target(store) as target:
        run = run_analyze(
            target,
            out,
            analysis_options(
                as_of=as_of,
                tier1_capital=tier1_capital,
                preset=preset,
                seeds_k=seeds_k,
                seed=seed,
                include_suspected_links=include_suspected_links,
                bank_is_gsib=bank_is_gsib,
                value_tiers=value_tiers,
                churn_closed_accounts=churn_closed_accounts,
                engine=engine,
            ),
            what_if=what_if,
        )
    if fail_on_alerts and len(run.frames["alerts"]):
        err.print(
            f"{len(run.frames['alerts'])} alert(s) raised: see {out / 'alerts.csv'}",
            highlight=False,
        )
        raise typer.Exit(ALERTS_EXIT_CODE)


def analysis_options(**given):
    from guanxi.analysis import AnalysisOptions

    settings = get_settings()
    if given.get("tier1_capital") is None:
        given["tier1_capital"] = settings.tier1_capital
    given.setdefault("reporting_currency", settings.reporting_currency)
    return AnalysisOptions(**given)


def run_analyze(target: GraphStore, out_dir: Path, options, *, what_if: bool = False):
    from guanxi.analysis import STEPS, run_analysis
    from guanxi.report import HtmlReport

    snapshot = target.current_snapshot()
    as_of = options.as_of or (snapshot["as_of"] if snapshot else "today")
    err.print(
        f"Analyzing the {target.description} as of {as_of}"
        + (" (what-if: the published run stays)" if what_if else "")
        + (f", whole-bank passes in {options.engine}" if options.engine != "python" else "")
    )
    with progress_bars() as progress:
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
    print_analysis(run, out_dir)
    return run


def money_text(x) -> str:
    """An amount as printed in tables: exact, with the minor unit's digits."""
    return "" if x is None or x is pd.NA or x != x else f"{x:,}"


def pct_text(x) -> str:
    return "" if x is None or x is pd.NA or x != x else f"{x:.2f}%"


def print_analysis(run, out_dir: Path) -> None:
    f = run.frames
    summary = run.summary()
    groups = f["exposure_groups"]
    capital = run.options.tier1_capital
    out.print(
        f"\n[bold]{summary['groups']:,}[/] exposure groups ({summary['customers_in_groups']:,} customers), "
        + (
            f"[bold]{summary['large_groups']}[/] large and [bold red]{summary['breach_groups']}[/] "
            f"in breach of the {run.options.preset} limits against Tier 1 capital {money_text(capital)}; "
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
            money_text(row.exposure),
            pct_text(row.pct_tier1),
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
            money_text(row.guaranteed_amount),
            money_text(row.exposure),
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
            money_text(row.downstream_aum),
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
    k: Annotated[
        int, typer.Option("--k", help="How many seeds to pick.", min=1, max=1000)
    ] = defaults.SEEDS_K,
    store: StoreOption = None,
    simulations: Annotated[
        int, typer.Option(help="Monte Carlo runs per estimate (as guanxi analyze).", min=10)
    ] = defaults.SEED_SIMULATIONS,
    seed: Annotated[int, typer.Option(help="Random seed (as guanxi analyze).")] = defaults.SEED,
    exclude: Annotated[
        list[str] | None, typer.Option(help="Customer id never to pick (repeatable).")
    ] = None,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Also write the seeds to this CSV.")
    ] = None,
) -> None:
    """Pick campaign seeds by influence maximization (independent cascade model, CELF).

    With the defaults, the seeds are the ones `guanxi analyze` stored for the same data:
    the same simulations, random seed and history date (the published run's date; with
    no run, the date of the data loaded). An --exclude id that is not a customer is an
    error, not ignored."""
    from datetime import date

    from guanxi.algorithms.seeds import campaign_seeds

    with errors_to_exit(), open_target(store) as target:
        customers = target.fetch(Entity.CUSTOMERS)
        referrals = target.fetch(Entity.REFERRALS)
        run, snapshot = target.published_run(), target.current_snapshot()
        as_of = run["as_of"] if run else snapshot["as_of"] if snapshot else None
        picked = campaign_seeds(
            customers,
            referrals,
            k=k,
            simulations=simulations,
            seed=seed,
            exclude=exclude,
            as_of=str(as_of) if as_of else date.today().isoformat(),
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

    with errors_to_exit(), open_target(store) as target:
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
                    r.group_id, r.crossing, pct_text(r.pct_tier1_before), pct_text(r.pct_tier1_after),
                    money_text(r.exposure_change),
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


# -- demo ----------------------------------------------------------------------------
@app.command()
def demo(
    customers: Annotated[int, typer.Option(help="Size of the synthetic bank.", min=100)] = 20_000,
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for everything.")] = Path("demo"),
    seed: Annotated[int, typer.Option(help="Random seed.")] = 7,
    months: Annotated[
        int,
        typer.Option(
            help="Month-end extracts to generate, load and analyze in order (the report then "
            "opens with the changes since the month before).",
            min=1,
            max=24,
        ),
    ] = 3,
) -> None:
    """Generate a synthetic bank over a few month-ends, load each into a fresh embedded
    store as a dated snapshot and analyze it; the last month's report shows what changed."""
    import json

    with errors_to_exit():
        started = time.perf_counter()
        data_dir = out_dir / "data"
        if data_dir.exists():
            shutil.rmtree(data_dir)
        summary = run_generate(data_dir, customers=customers, seed=seed, months=months)
        print_generated(summary)
        planted = json.loads(summary.planted_path.read_text(encoding="utf-8"))
        db = out_dir / "guanxi.duckdb"
        for stale in (db, db.with_name(db.name + ".wal")):
            stale.unlink(missing_ok=True)
        from guanxi.graph.duckdb_store import DuckDBStore

        results = out_dir / "results"
        folders = summary.months or {planted.get("as_of"): data_dir}
        with DuckDBStore(db, create=True) as target:
            capital = None
            for number, (as_of, folder) in enumerate(folders.items(), start=1):
                err.print(f"\nMonth {number} of {len(folders)}: {as_of}", highlight=False)
                run_load(folder, target, skip_invalid=False, report=None, as_of=as_of)
                if capital is None:
                    capital = (
                        Decimal(str(planted["tier1_capital"]))
                        if planted.get("tier1_capital")
                        else demo_tier1_capital(target)
                    )
                    err.print(
                        f"The synthetic bank's Tier 1 capital is set to {capital:,.0f}: 10% of "
                        "its credit exposure in the first month, a typical capital ratio.",
                        highlight=False,
                    )
                last = number == len(folders)
                run_analyze(
                    target,
                    results if last else out_dir / "results-by-month" / str(as_of),
                    analysis_options(tier1_capital=capital, seed=seed, as_of=as_of),
                )
            counts = target.counts()
        out.print(
            f"\nDemo ready in {time.perf_counter() - started:.1f} s: "
            f"{counts['customers']:,} customers, {counts['accounts']:,} accounts, "
            f"{counts['referrals']:,} referrals, {counts['guarantees']:,} guarantees, "
            f"{counts['ownership']:,} ownership links, {len(folders)} month(s).\n"
            f"  extracts: {data_dir}/\n  store:    {db}\n  results:  {results}/ "
            f"(index.html: the report, with the changes since the month before)\n"
            f"Try: .venv/bin/guanxi status --store {db}\n"
            f"     .venv/bin/guanxi diff --store {db}",
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
