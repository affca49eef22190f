"""Commands for the credit risk department: search, whatif default, report exposures.

- ``guanxi search TEXT``: customers whose name, id number (unified social credit code
  for companies) or customer id starts with TEXT. The answer shows names and id
  numbers: the CLI is for the bank's own staff (risk sees clear personal data).
- ``guanxi whatif default ID...``: the guarantee-contagion what-if
  (:mod:`guanxi.algorithms.contagion`) on the stored data, round by round.
- ``guanxi report exposures``: the large-exposure return from the published run's
  stored results (:mod:`guanxi.exposure_return`).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from guanxi import defaults
from guanxi.console import StoreOption, app, err, errors_to_exit, open_target, out
from guanxi.graph.schema import Entity
from guanxi.settings import get_settings

__all__ = ["whatif_app", "report_app", "search", "whatif_default", "report_exposures"]

whatif_app = typer.Typer(
    help="What-if simulations on the stored data (nothing is written to the store).",
    no_args_is_help=True,
)
report_app = typer.Typer(help="Reports read from the published run.", no_args_is_help=True)
app.add_typer(whatif_app, name="whatif")
app.add_typer(report_app, name="report")


def _money(value) -> str:
    """An exact amount with thousands separators; missing (None, NaN, NA) is empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return f"{value:,}"


# -- search ------------------------------------------------------------------------
@app.command()
def search(
    text: Annotated[str, typer.Argument(help="The start of a name, id number or customer id.")],
    store: StoreOption = None,
    limit: Annotated[int, typer.Option(help="Most customers listed.", min=1, max=500)] = 50,
) -> None:
    """Find customers by the start of their name, id number or unified social credit
    code (or customer id), case-insensitive. Shows personal data: for the bank's staff."""
    from guanxi.search import search_customers

    with errors_to_exit(), open_target(store) as target:
        answer = search_customers(target.fetch(Entity.CUSTOMERS), text, limit=limit)
    found = answer.customers
    table = Table(
        title=f"{len(found)} customer(s) starting with {text!r}"
        + (f" (the first {limit}; refine the search)" if answer.truncated else ""),
        show_edge=False,
    )
    for col in ("customer", "kind", "name", "id number", "matched on"):
        table.add_column(col)
    for row in found.itertuples(index=False):
        table.add_row(
            *(
                "" if v is None or v != v else str(v)
                for v in (row.customer_id, row.kind, row.name, row.id_number, row.matched)
            )
        )
    out.print(table)


# -- whatif default ----------------------------------------------------------------
@whatif_app.command("default")
def whatif_default(
    customer_ids: Annotated[
        list[str], typer.Argument(help="Customers assumed to default.", show_default=False)
    ],
    store: StoreOption = None,
    out_file: Annotated[
        Path | None,
        typer.Option("--out", help="Also write every customer touched (one row each) as CSV."),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Which guarantees are valid (default: the published run's date, else the "
            "last load's).",
        ),
    ] = None,
    threshold: Annotated[
        str,
        typer.Option(
            help="A guarantor defaults when the guarantees called exceed this share of its "
            "net assets."
        ),
    ] = defaults.CONTAGION_THRESHOLD,
    without_net_assets: Annotated[
        bool,
        typer.Option(
            "--default-without-net-assets",
            help="Let a called guarantor without net_assets default (by default it stands).",
        ),
    ] = False,
) -> None:
    """Guarantee contagion: the guarantees the defaulters' lenders call, the guarantors
    pushed over the threshold, round after round until it stops; exposure at risk per
    round."""
    from guanxi.algorithms.contagion import guarantee_network, simulate_defaults
    from guanxi.money import Reporting

    with errors_to_exit(), open_target(store) as target:
        run = target.published_run()
        options = run["options"] if run else {}
        snapshot = target.current_snapshot()
        day = as_of or options.get("as_of") or (snapshot["as_of"] if snapshot else None)
        currency = options.get("reporting_currency") or get_settings().reporting_currency
        reporting = Reporting.of(currency, target.fetch(Entity.FX_RATES))
        network = guarantee_network(
            target.fetch(Entity.CUSTOMERS),
            target.fetch(Entity.ACCOUNTS),
            target.fetch(Entity.ACCOUNT_HOLDERS),
            target.fetch(Entity.GUARANTEES),
            as_of=day,
            ccf_default=options.get("ccf_default") or defaults.CCF,
            reporting=reporting,
        )
        result = simulate_defaults(
            network,
            customer_ids,
            threshold=threshold,
            assume_default_without_net_assets=without_net_assets,
        )
        capital = options.get("tier1_capital")
        if out_file is not None:
            from guanxi.tables import write_csv

            write_csv(result.table(), out_file)
    err.print(
        f"Guarantees valid on {day or 'any date'}; a guarantor defaults when the guarantees "
        f"called exceed {threshold} x its net assets"
        + ("" if without_net_assets else " (one without net assets stands)")
        + f"; amounts in {reporting.currency}.",
        highlight=False,
    )
    table = Table(title="Rounds", show_edge=False)
    for col in ("round", "new defaults", "exposure at risk", "cumulative", "% Tier 1"):
        table.add_column(col, justify="right")
    for r in result.rounds.itertuples(index=False):
        pct = ""
        if capital:
            pct = f"{Decimal(r.cumulative_exposure_at_risk) * 100 / Decimal(str(capital)):.2f}%"
        table.add_row(
            str(r.round),
            str(r.defaults),
            _money(r.exposure_at_risk),
            _money(r.cumulative_exposure_at_risk),
            pct,
        )
    out.print(table)
    table = Table(title="Defaults", show_edge=False)
    for col in ("round", "customer", "cause", "obligation", "net assets", "credit exposure"):
        table.add_column(col)
    for r in result.defaults.itertuples(index=False):
        table.add_row(
            str(r.round),
            r.customer_id,
            r.cause,
            _money(r.obligation),
            _money(r.net_assets),
            _money(r.credit_exposure),
        )
    out.print(table)
    standing = result.guarantors[result.guarantors["defaulted_in_round"].isna()]
    if len(standing):
        table = Table(title=f"Guarantors called who stand: {len(standing)}", show_edge=False)
        for col in ("customer", "guarantees called", "obligation", "net assets", "assessed"):
            table.add_column(col)
        for r in standing.head(20).itertuples(index=False):
            table.add_row(
                r.customer_id,
                str(r.guarantees_called),
                _money(r.obligation),
                _money(r.net_assets),
                "yes" if r.assessable else "no net assets",
            )
        out.print(table)
    out.print(
        f"Exposure at risk: {_money(result.exposure_at_risk)} {reporting.currency} over "
        f"{len(result.defaults)} default(s) in {len(result.rounds)} round(s)."
        + (f" Written to {out_file}." if out_file is not None else ""),
        highlight=False,
    )


# -- report exposures --------------------------------------------------------------
@report_app.command("exposures")
def report_exposures(
    preset: Annotated[
        str | None,
        typer.Option(help="basel, eu or china; must be the published run's (default: it)."),
    ] = None,
    store: StoreOption = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for the CSV files and the HTML page.")
    ] = Path("large-exposures"),
) -> None:
    """The large-exposure return from the published run: non-bank single clients,
    groups of connected clients, economic-dependency clients, interbank counterparties,
    each with exposure, % of Tier 1, status and headroom; CSV and a printable page."""
    from guanxi.exposure_return import SECTIONS, exposure_return, write_exposure_return

    with errors_to_exit(), open_target(store) as target:
        ret = exposure_return(target, preset=preset)
        written = write_exposure_return(ret, out_dir)
    table = Table(
        title=f"Large exposures ({ret.preset.name}), run {ret.run['run_id']}", show_edge=False
    )
    table.add_column("section")
    table.add_column("rows", justify="right")
    table.add_column("breaches", justify="right")
    for key, title in SECTIONS.items():
        frame = ret.tables[key]
        breaches = int((frame["status"] == "breach").sum()) if "status" in frame.columns else 0
        table.add_row(title, str(len(frame)), str(breaches) if "status" in frame.columns else "")
    out.print(table)
    out.print(
        f"Written to {out_dir}/: {written['html'].name} and {len(written) - 1} CSV files.",
        highlight=False,
    )
