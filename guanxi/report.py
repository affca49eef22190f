"""The report of ``guanxi analyze``: ``index.html`` and the interactive views it links
(the largest and breaching exposure groups, the largest guarantee circles, the top
influencers' cascades, an overview).

The views are drawn by the API's read model (:mod:`guanxi.service`) over the report's
own customers and the run's stored result sets (nothing is recomputed), so each is the
view the API serves for the same id. The analysis does not import the read model (the
read model starts analyses): :func:`guanxi.analysis.run_analysis` takes the report as a
hook, :class:`HtmlReport`, which the CLI passes::

    run_analysis(store, out_dir, options, report=HtmlReport())
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

# the limit presets are configuration kept with the algorithm that applies them (a
# table, no algorithm runs); tests/test_architecture.py lists this one import
from guanxi.files import atomic_write_text
from guanxi.graph.schema import Entity
from guanxi.graph.store import GraphStore, Result
from guanxi.limits import MAX_CASCADE_DEPTH, MAX_PAGE_SIZE
from guanxi.presets import get_preset
from guanxi.service import GraphService, Snapshot
from guanxi.service.snapshot import StoreRead
from guanxi.viz import view_filename, write_view
from guanxi.viz import write_report as write_index

if TYPE_CHECKING:  # the report runs inside an analysis: the run is handed to it
    from guanxi.analysis import AnalysisRun

__all__ = [
    "VIEW_LIMITS",
    "HtmlReport",
    "report_views",
    "report_data_of",
    "report_snapshot",
    "run_row",
    "write_report",
]

#: how many views the report links, at most, per kind
VIEW_LIMITS = {"group": 25, "circle": 25, "cascade": 10}
#: most further views of breaching groups beyond the largest (a "N more" line says the rest)
BREACH_VIEW_LIMIT = 50
#: the file in OUT/views naming the views a report wrote (only those are replaced)
VIEWS_MANIFEST = ".guanxi-views.json"


def report_views(frames: Mapping[str, pd.DataFrame]) -> dict[str, list[str]]:
    """What the report draws: the largest and every breaching exposure group, the
    largest guarantee circles, the top influencers' cascades (ids by view kind).

    ``frames``: the run's frames or its result sets (:class:`~guanxi.graph.store.Result`
    keys are their names)."""
    groups = frames["exposure_groups"]
    largest = groups["group_id"].head(VIEW_LIMITS["group"]).tolist()
    breaches = [g for g in groups[groups["status"] == "breach"]["group_id"] if g not in largest]
    changed: list[str] = []
    new_circles: list[str] = []
    if "group_changes" in frames and len(frames["group_changes"]):
        c = frames["group_changes"]
        changed = c.loc[
            c["crossing"].notna() | c["change"].isin(["new", "split"]) | (c["members_in"] > 0),
            "group_id",
        ].tolist()
        present = set(groups["group_id"].tolist())  # once: a first run has every group new
        changed = [g for g in changed if g in present][: VIEW_LIMITS["group"]]
    if "circle_changes" in frames and len(frames["circle_changes"]):
        c = frames["circle_changes"]
        new_circles = c.loc[c["change"] == "new", "circle_id"].tolist()[: VIEW_LIMITS["circle"]]
    return {
        "group": list(dict.fromkeys(largest + breaches[:BREACH_VIEW_LIMIT] + changed)),
        "circle": list(
            dict.fromkeys(
                frames["circle_summary"]
                .sort_values(["size", "circle_id"], ascending=[False, True])["circle_id"]
                .head(VIEW_LIMITS["circle"])
                .tolist()
                + new_circles
            )
        ),
        "cascade": frames["influencers"]["customer_id"].head(VIEW_LIMITS["cascade"]).tolist(),
    }


def report_data_of(
    data: dict[Entity, pd.DataFrame], frames: dict[str, pd.DataFrame]
) -> dict[Entity, pd.DataFrame]:
    """The rows of the input data the report's views can show: those of the customers
    in the drawn groups, circles and cascades (to the deepest generation a cascade view
    reaches) and of the top influencers, with their accounts, co-holders, households,
    referrals, guarantees and ownership. A few thousand customers instead of the bank:
    the report then needs a fraction of the memory of the whole-bank read model."""
    wanted = report_views(frames)
    members = frames["group_members"]
    circles = frames["guarantee_circles"]
    chosen = [
        members.loc[members["group_id"].isin(wanted["group"]), "customer_id"],
        circles.loc[circles["circle_id"].isin(wanted["circle"]), "customer_id"],
        frames["influencers"]["customer_id"].head(MAX_PAGE_SIZE),
        # the referrers of the largest cascades, named in the report's table
        frames["referral_reach"].nlargest(MAX_PAGE_SIZE, "cascade", keep="all")["customer_id"],
        # the most valuable customers and those most at risk, named in theirs
        *(
            frames[name]["customer_id"].head(MAX_PAGE_SIZE)
            for name in ("value_tiers", "at_risk")
            if name in frames
        ),
    ]
    referrals = data[Entity.REFERRALS]
    referrer = referrals["referrer_id"].astype("str")
    frontier = pd.Series(wanted["cascade"], dtype="str")
    seen = set(frontier)
    for _ in range(MAX_CASCADE_DEPTH + 1):  # the cascades, generation by generation
        if frontier.empty:
            break
        chosen.append(frontier)
        nxt = referrals.loc[referrer.isin(frontier), "referee_id"].astype("str")
        frontier = pd.Series(sorted(set(nxt) - seen), dtype="str")
        seen.update(frontier)
    ids = pd.Index(pd.concat(chosen, ignore_index=True).astype("str").unique())

    def among(frame: pd.DataFrame, *columns: str) -> pd.Series:
        keep = pd.Series(False, index=frame.index)
        for column in columns:
            keep |= frame[column].astype("str").isin(ids)
        return keep

    accounts, holders = data[Entity.ACCOUNTS], data[Entity.ACCOUNT_HOLDERS]
    held = holders.loc[among(holders, "customer_id"), "account_id"].astype("str")
    accounts = accounts[among(accounts, "customer_id") | accounts["account_id"].isin(held)]
    out = {
        Entity.CUSTOMERS: data[Entity.CUSTOMERS][among(data[Entity.CUSTOMERS], "customer_id")],
        Entity.ACCOUNTS: accounts,
        Entity.ACCOUNT_HOLDERS: holders[holders["account_id"].isin(accounts["account_id"])],
        Entity.HOUSEHOLDS: data[Entity.HOUSEHOLDS][among(data[Entity.HOUSEHOLDS], "customer_id")],
        Entity.REFERRALS: referrals[among(referrals, "referee_id")],
        Entity.GUARANTEES: data[Entity.GUARANTEES][
            among(data[Entity.GUARANTEES], "guarantor_id", "borrower_id")
        ],
        Entity.OWNERSHIP: data[Entity.OWNERSHIP][
            among(data[Entity.OWNERSHIP], "owner_id", "company_id")
        ],
    }
    return {e: frame.reset_index(drop=True) for e, frame in out.items()}


def run_row(run: AnalysisRun, *, published: bool) -> dict[str, Any]:
    """``run`` as the store gives a run back (:meth:`GraphStore.published_run`:
    options and summary as JSON would carry them)."""
    summary = json.loads(json.dumps(run.summary(), default=str))
    options = summary.pop("options", {})
    return {
        "run_id": run.run_id,
        "snapshot_id": run.snapshot_id,
        "as_of": str(run.options.as_of),
        "created_at": run.run_id,
        "kind": run.kind,
        "published": published,
        "options": options,
        "summary": summary,
    }


def report_snapshot(
    store: GraphStore,
    run: AnalysisRun,
    data: dict[Entity, pd.DataFrame],
    results: dict[Result, pd.DataFrame],
) -> Snapshot:
    """The API's read model (:class:`guanxi.service.Snapshot`) over the report's
    customers only, with this run's stored result sets (``results``:
    :func:`guanxi.analysis.stored_results`) as they are, nothing recomputed. The
    groups, their members and links, and the circle members are those of the report's
    customers; every other result set stays whole-bank (the views quote the influencer
    count, community sizes and cascades)."""
    ids = set(data[Entity.CUSTOMERS]["customer_id"].astype("str"))

    def of_report(result: Result) -> pd.DataFrame:
        frame = results[result]
        return frame[frame["customer_id"].astype("str").isin(ids)]

    members = of_report(Result.GROUP_MEMBERS)
    groups = results[Result.EXPOSURE_GROUPS]
    links = results[Result.GROUP_LINKS]
    households = results[Result.HOUSEHOLDS]
    mine = {
        **results,
        Result.EXPOSURE_GROUPS: groups[groups["group_id"].isin(members["group_id"])],
        Result.GROUP_MEMBERS: members,
        Result.GROUP_LINKS: links[links["group_id"].isin(members["group_id"])],
        Result.CIRCLE_MEMBERS: of_report(Result.CIRCLE_MEMBERS),
        Result.HOUSEHOLDS: households[
            households["household_id"].isin(data[Entity.HOUSEHOLDS]["household_id"])
        ],
    }
    raw = StoreRead(
        data,
        {r: frame.reset_index(drop=True) for r, frame in mine.items()},
        run_row(run, published=run.kind == "official"),
        store.snapshots(),
        store.description,
        0.0,
    )
    return Snapshot.build(raw)


def write_report(
    store: GraphStore,
    out_dir: Path,
    run: AnalysisRun,
    data: dict[Entity, pd.DataFrame],
    results: dict[Result, pd.DataFrame],
) -> dict[str, Path]:
    """Write ``index.html`` and ``views/*.html`` for the largest and breaching groups,
    the guarantee circles, the top influencers' cascades and an overview.

    The views are built by the API's read model (:mod:`guanxi.service`), with full
    (admin) visibility: the files are for the bank's own analysts; the API applies
    roles and masking. ``data``: the report's rows of the input (see
    :func:`report_data_of`); ``results``: the run's result sets as stored (see
    :func:`guanxi.analysis.stored_results`): every view and table comes from them.
    """
    views_dir = out_dir / "views"
    views_dir.mkdir(parents=True, exist_ok=True)
    manifest = views_dir / VIEWS_MANIFEST
    if manifest.exists():  # the views an earlier report wrote: only those are replaced
        with contextlib.suppress(ValueError, OSError):
            for name in json.loads(manifest.read_text(encoding="utf-8")):
                if "/" not in name and name.endswith(".html"):
                    (views_dir / name).unlink(missing_ok=True)
    written: dict[str, Path] = {}
    groups = results[Result.EXPOSURE_GROUPS]
    wanted = report_views(results)
    with GraphService.from_snapshot(report_snapshot(store, run, data, results)) as service:
        builders = {
            "group": service.group_view,
            "circle": service.circle_view,
            "cascade": service.cascade_view,
        }
        for kind, keys in wanted.items():
            for key in keys:
                path = views_dir / view_filename(kind, key)
                write_view(builders[kind](key), path, kind=kind)
                written[f"views/{path.stem}"] = path
        if len(results[Result.INFLUENCERS]):
            path = views_dir / view_filename("overview", "influencers")
            write_view(service.overview_view(), path, kind="overview")
            written[f"views/{path.stem}"] = path
    atomic_write_text(manifest, json.dumps(sorted(p.name for p in written.values()), indent=0))
    summary = run.summary()
    preset = get_preset(run.options.preset)
    capital = run.options.tier1_capital
    headline = {
        "Exposure groups": summary["groups"],
        "Customers in groups": summary["customers_in_groups"],
        "Large groups": {"value": summary["large_groups"] if capital else "n/a"},
        "Groups in breach": {
            "value": summary["breach_groups"] if capital else "n/a",
            "alert": bool(capital and summary["breach_groups"]),
        },
        "Single names in breach": {
            "value": summary["single_name_breaches"] if capital else "n/a",
            "alert": bool(capital and summary["single_name_breaches"]),
        },
        "Guarantee circles": summary["circles"],
        "Referrers": summary["referrers"],
        "Tier 1 capital": f"{capital:,.0f}" if capital else "not given",
    }
    currency = summary.get("reporting_currency")
    if currency:
        rates = summary.get("fx_rates") or {}
        headline["Reporting currency"] = {
            "value": currency,
            "note": (
                "converted at " + ", ".join(f"{c} {r}" for c, r in sorted(rates.items()))
                if rates
                else "no other currency"
            ),
        }
    index = out_dir / "index.html"
    write_index(
        index,
        headline=headline,
        exposure_groups=groups,
        circle_summary=results[Result.GUARANTEE_CIRCLES],
        referral_reach=results[Result.REFERRAL_REACH],
        influencers=results[Result.INFLUENCERS],
        thresholds={
            "large_pct": preset.group_large_pct,
            "breach_pct": preset.group_breach_pct,
            "name": preset.name,
        },
        title="guanxi analysis",
        as_of=run.options.as_of,
        source=store.description,
        notes=run.warnings,
        available_views={p.name for p in written.values()},
        names=dict(
            zip(
                data[Entity.CUSTOMERS]["customer_id"].astype("str"),
                data[Entity.CUSTOMERS]["name"],
                strict=True,
            )
        ),
        changes={
            name: results[Result(name)]
            for name in ("group_changes", "member_changes", "circle_changes", "cascade_changes")
            if Result(name) in results
        },
        alerts=results.get(Result.ALERTS),
        compared_with=run.compared_with,
        # customer value and churn (issue 17): the section is drawn when the run has them
        value={
            name: results[Result(name)]
            for name in ("value_tiers", "at_risk", "rm_portfolios")
            if Result(name) in results
        },
        not_drawn={
            "group": f"beyond the {VIEW_LIMITS['group']} largest groups and "
            f"{BREACH_VIEW_LIMIT} more in breach",
            "circle": f"beyond the {VIEW_LIMITS['circle']} largest circles",
            "cascade": f"only the {VIEW_LIMITS['cascade']} top influencers' cascades are drawn",
        },
    )
    written["index"] = index
    return written


class HtmlReport:
    """The report as the ``report`` hook of :func:`guanxi.analysis.run_analysis`.

    :meth:`select` keeps the report's rows of the input (:func:`report_data_of`)
    before the analysis lets the whole-bank frames go; :meth:`write` writes the report
    (:func:`write_report`) after the results are written back.
    """

    def select(
        self, data: dict[Entity, pd.DataFrame], frames: dict[str, pd.DataFrame]
    ) -> dict[Entity, pd.DataFrame]:
        """:func:`report_data_of`."""
        return report_data_of(data, frames)

    def write(
        self,
        store: GraphStore,
        out_dir: Path,
        run: AnalysisRun,
        selected: dict[Entity, pd.DataFrame],
        results: dict[Result, pd.DataFrame],
    ) -> dict[str, Path]:
        """:func:`write_report`."""
        return write_report(store, out_dir, run, selected, results)
