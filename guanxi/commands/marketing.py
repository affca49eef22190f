"""Commands a marketer runs: ``guanxi whatif leaves ID``.

The ``whatif`` group is the one :mod:`guanxi.commands.risk` registers (``whatif
default``); this module adds its ``leaves`` command to it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.table import Table

from guanxi.commands.risk import whatif_app
from guanxi.console import StoreOption, err, errors_to_exit, open_target, out
from guanxi.graph.schema import Entity
from guanxi.graph.store import Result
from guanxi.settings import get_settings

__all__ = ["leaves"]


@whatif_app.command("leaves")
def leaves(
    customer_id: Annotated[str, typer.Argument(help="The customer who might leave.")],
    store: StoreOption = None,
    top: Annotated[
        int, typer.Option(help="Exposed customers listed, most assets first.", min=0)
    ] = 20,
    out_file: Annotated[
        Path | None, typer.Option("--out", help="Also write every exposed customer to this CSV.")
    ] = None,
) -> None:
    """If this customer left: the customers and the assets exposed through their referral
    cascade (everyone they brought in, every generation) and their household(s).

    Customers who had left by the published run's date are not counted again; each
    exposed customer is shown with the value tier the published run gave it.
    """
    from guanxi.algorithms.churn import departures, if_leaves
    from guanxi.money import Reporting
    from guanxi.tables import write_csv

    with errors_to_exit(), open_target(store) as target:
        customers = target.fetch(Entity.CUSTOMERS)
        referrals = target.fetch(Entity.REFERRALS)
        households = target.fetch(Entity.HOUSEHOLDS)
        run = target.published_run()
        snapshot = target.current_snapshot()
        currency = get_settings().reporting_currency
        tiers = pd.DataFrame({"customer_id": pd.Series([], dtype="str")})
        if run is not None:
            as_of = str(run["as_of"])
            currency = (run.get("summary") or {}).get("reporting_currency") or currency
            gone = target.fetch_results(Result.DEPARTURES)
            tiers = target.fetch_results(Result.VALUE_TIERS)
        else:
            as_of = str(snapshot["as_of"]) if snapshot else date.today().isoformat()
            gone = departures(customers, as_of=as_of)
            err.print(
                "note: no published analysis run: departures as of "
                f"{as_of}, no value tiers (run `guanxi analyze`)",
                highlight=False,
            )
        departed = gone["customer_id"] if "customer_id" in gone.columns else []
        found = if_leaves(
            customer_id,
            customers,
            referrals,
            households,
            departed=departed,
            reporting=Reporting(currency),
        )
    exposed = found.exposed
    if "tier" in tiers.columns:
        tier = tiers.set_index(tiers["customer_id"].astype("str"))["tier"]
        exposed = exposed.assign(tier=tier.reindex(exposed["customer_id"]).to_numpy())
    via = exposed["via"].str.split(";").explode().value_counts()
    own = "unknown" if found.own_aum is None else f"{found.own_aum:,}"
    out.print(
        f"If {found.customer_id} left (as of {as_of}): {found.count:,} customers exposed "
        f"({int(via.get('cascade', 0)):,} in the referral cascade, "
        f"{int(via.get('household', 0)):,} in the household), assets "
        f"{found.exposed_aum:,} {currency} (the customer's own: {own}).",
        highlight=False,
    )
    if "tier" in exposed.columns and len(exposed):
        counts = exposed["tier"].value_counts()
        out.print(
            "Exposed by value tier: "
            + ", ".join(f"{t} {int(counts.get(t, 0))}" for t in ("A", "B", "C")),
            highlight=False,
        )
    if top and len(exposed):
        table = Table(title=f"Most assets exposed (top {min(top, len(exposed))})", show_edge=False)
        columns = ["customer", "via", "generation", "aum"] + (
            ["tier"] if "tier" in exposed.columns else []
        )
        for column in columns:
            table.add_column(column)
        for row in exposed.head(top).itertuples():
            cells = [
                row.customer_id,
                row.via.replace(";", ", "),
                "" if pd.isna(row.generation) else str(row.generation),
                "" if pd.isna(row.aum) else f"{row.aum:,}",
            ]
            if "tier" in exposed.columns:
                cells.append("" if pd.isna(row.tier) else str(row.tier))
            table.add_row(*cells)
        out.print(table)
    if out_file is not None:
        write_csv(exposed, out_file)
        out.print(f"Written to {out_file}", highlight=False)
