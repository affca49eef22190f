"""``guanxi analyze``: read the graph from a store, run every analysis, write the
contract's CSV files and write the results back to the store.

This is the one place that joins stores and algorithms: the algorithms take canonical
frames and never see a store; the CLI and the API call :func:`run_analysis`.

Output files (``OUT/``), the first five fixed by the data contract:

=========================  ==========================================================
exposure_groups.csv        one row per group: group_id, size, exposure, pct_tier1,
                           status, largest member, link count and reasons,
                           counterparty class, headroom to each line, head and name
group_members.csv          group_id, customer_id, single_name_exposure, name, and
                           the member's own pct_tier1, status and headroom
guarantee_circles.csv      one row per circle member: circle_id, customer_id
referral_reach.csv         customers with a referral: direct, cascade, depth,
                           downstream_aum, per-generation counts
influencers.csv            customer_id, rank, score, and the evidence beside it
group_links.csv            every link inside a group with its reason and source row
single_names.csv           customers in no group: exposure, pct_tier1, status, name,
                           counterparty class, headroom to each line
circle_summary.csv         one row per circle: guarantees, amount, exposure, cycles
circle_cycles.csv          the simple cycles inside each circle (bounded)
households.csv             members, head, combined deposits and exposure
suspected_links.csv        customers sharing phone, email, address or id_number
k_factor.csv               referral k-factor per joining-month cohort
communities.csv            customer_id, community_id
community_summary.csv      community sizes
campaign_seeds.csv         CELF seeds with marginal gain and expected reach (95% CI)
dependency_review.csv      economic dependencies of customers at or above 5% of Tier 1
evidence_paths.csv         each group member's shortest chain of links to the head
circle_key_guarantors.csv  circle members ranked by the exposure their default puts at risk
circle_chains.csv          guarantee chains hanging off each circle (in and out)
value_tiers.csv            every active customer: own and referral value, A/B/C tier,
                           quadrant (champion, affluent, advocate, miser)
departures.csv             customers who left (closed_on) and how many they put at risk
at_risk.csv                active customers tied to someone who left, by hazard ratio
community_profiles.csv     each community: size, AUM, segments, regions, top
                           influencer, relationship managers, tiers, at risk
rm_portfolios.csv          each relationship manager: customers, AUM, hubs, tiers,
                           customers at risk
summary.json               the run: options, counts, timings, warnings
index.html                 the report a manager reads, linking to views/
views/*.html               interactive views of the largest and breaching groups, the
                           circles, the top influencers' cascades, and an overview
=========================  ==========================================================
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from guanxi import defaults, history
from guanxi.algorithms import churn as churn_mod
from guanxi.algorithms import circles as circles_mod
from guanxi.algorithms import communities as communities_mod
from guanxi.algorithms import connections as connections_mod
from guanxi.algorithms import contagion as contagion_mod
from guanxi.algorithms import evidence as evidence_mod
from guanxi.algorithms import groups as groups_mod
from guanxi.algorithms import households as households_mod
from guanxi.algorithms import influence as influence_mod
from guanxi.algorithms import profiles as profiles_mod
from guanxi.algorithms import referrals as referrals_mod
from guanxi.algorithms import seeds as seeds_mod
from guanxi.algorithms import suspected as suspected_mod
from guanxi.algorithms import value as value_mod
from guanxi.algorithms.engine import ENGINES, IN_PROCESS, Engine
from guanxi.algorithms.exposure import (
    MIN_TIER1_CAPITAL,
    account_exposure,
    check_ccf,
    get_preset,
)
from guanxi.errors import ConfigError, Conflict, GuanxiError
from guanxi.graph.schema import LOAD_ORDER, Entity
from guanxi.graph.store import DEFAULT_KEEP_RUNS, GraphStore, Result, RunRecord
from guanxi.money import Reporting, check_total, parse_amount, units
from guanxi.tables import write_csv

__all__ = [
    "AnalysisOptions",
    "AnalysisRun",
    "ReportHook",
    "run_analysis",
    "STEPS",
    "CONTRACT_FILES",
]

#: the analysis steps, in order (progress callbacks receive these names)
STEPS = (
    "read graph",
    "exposure groups",
    "guarantee circles",
    "households",
    "suspected links",
    "referral reach",
    "influencers",
    "communities",
    "campaign seeds",
    "customer value and churn",
    "changes since the last run",
    "write files",
    "write back to store",
    "report and views",
)

CONTRACT_FILES = (
    "exposure_groups.csv",
    "group_members.csv",
    "guarantee_circles.csv",
    "referral_reach.csv",
    "influencers.csv",
)

Progress = Callable[[str, int, int], None]


class ReportHook(Protocol):
    """The report :func:`run_analysis` writes last (:class:`guanxi.report.HtmlReport`).

    The report is drawn by the read model, which runs analyses itself: this module
    takes the report as a hook and never imports it.
    """

    def select(self, data: dict[Entity, pd.DataFrame], frames: dict[str, pd.DataFrame]) -> Any:
        """Keep what the report needs of the input ``data``, given the run's ``frames``
        (called before the whole-bank input frames are let go)."""

    def write(
        self,
        store: GraphStore,
        out_dir: Path,
        run: AnalysisRun,
        selected: Any,
        results: dict[Result, pd.DataFrame],
    ) -> dict[str, Path]:
        """Write the report into ``out_dir`` from what :meth:`select` kept and the
        results written back; return the files written, by name."""


@dataclass
class AnalysisOptions:
    """What an analysis run depends on besides the data.

    ``as_of`` None means the date of the store's current snapshot (the extract date
    of the last load), or today when the store records none.
    """

    as_of: str | None = None
    tier1_capital: Decimal | str | int | None = None
    preset: str = defaults.PRESET
    ccf_default: Decimal | str = defaults.CCF
    reporting_currency: str = defaults.REPORTING_CURRENCY
    include_suspected_links: bool = False
    #: whether the bank is a G-SIB (the G-SIB line applies to G-SIB counterparties)
    bank_is_gsib: bool = defaults.BANK_IS_GSIB
    max_cycles: int = defaults.MAX_CYCLES
    seeds_k: int = defaults.SEEDS_K
    seeds_simulations: int = defaults.SEED_SIMULATIONS
    seed: int = defaults.SEED
    pagerank_alpha: float = defaults.PAGERANK_ALPHA
    pagerank_tol: float = defaults.PAGERANK_TOL
    #: A/B/C value tiers (``quantile:A,B`` or ``value:A,B``, :mod:`guanxi.algorithms.value`)
    value_tiers: str = defaults.VALUE_TIERS
    #: a customer whose accounts are all closed counts as left (:mod:`~guanxi.algorithms.churn`)
    churn_closed_accounts: bool = defaults.CHURN_CLOSED_ACCOUNTS
    #: where the whole-bank passes run: ``python`` or ``gds`` (:mod:`~guanxi.algorithms.engine`)
    engine: str = "python"

    def __post_init__(self) -> None:
        if self.as_of is not None:
            try:
                self.as_of = date.fromisoformat(str(self.as_of)).isoformat()
            except ValueError:
                raise ConfigError(
                    f"--as-of must be a date like 2026-06-30, not {self.as_of!r}"
                ) from None
        reporting = Reporting(self.reporting_currency)  # a currency guanxi knows
        self.reporting_currency = reporting.currency
        if self.tier1_capital is not None:
            what = f"Tier 1 capital (in {reporting.currency})"
            minor = parse_amount(self.tier1_capital, reporting.digits, what=what)
            capital = Decimal(minor).scaleb(-reporting.digits)
            if capital < MIN_TIER1_CAPITAL:
                raise ConfigError(
                    f"{what} must be at least {MIN_TIER1_CAPITAL}, not {self.tier1_capital}"
                )
            self.tier1_capital = capital
        self.ccf_default = Decimal(check_ccf(self.ccf_default)).scaleb(-10).normalize()
        get_preset(self.preset)  # raises ConfigError for an unknown preset
        if self.seeds_k < 0:
            raise ConfigError("the number of campaign seeds cannot be negative")
        if self.engine not in ENGINES:
            raise ConfigError(f"--engine must be one of {', '.join(ENGINES)}, not {self.engine!r}")
        self.value_tiers = str(value_mod.parse_tiers(self.value_tiers))


@dataclass
class AnalysisRun:
    """What one run produced: the frames, the files written, and a summary."""

    run_id: str
    options: AnalysisOptions
    frames: dict[str, pd.DataFrame]
    #: the store snapshot the run read (None for a store that records none)
    snapshot_id: str | None = None
    #: ``official`` (published when written back) or ``what-if`` (kept, not published)
    kind: str = "official"
    #: the run this one was compared with (the published run when it started)
    compared_with: str | None = None
    files: dict[str, Path] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    pagerank_iterations: int = 0
    pagerank_converged: bool = True
    modularity: float = float("nan")
    #: the reporting currency and the rates every amount was converted with
    reporting: Reporting = field(default_factory=Reporting)

    def summary(self) -> dict:
        f = self.frames
        groups = f["exposure_groups"]
        return {
            "run_id": self.run_id,
            "computed_at": self.run_id,
            "snapshot_id": self.snapshot_id,
            "kind": self.kind,
            "compared_with": self.compared_with,
            "options": {k: _plain(v) for k, v in asdict(self.options).items()},
            "reporting_currency": self.reporting.currency,
            "fx_rates": {c: format(r.normalize(), "f") for c, r in self.reporting.rates},
            "groups": len(groups),
            "customers_in_groups": int(groups["size"].sum()) if len(groups) else 0,
            "large_groups": int((groups["status"] == "large").sum()),
            "breach_groups": int((groups["status"] == "breach").sum()),
            "single_name_breaches": int((f["single_names"]["status"] == "breach").sum()),
            "circles": len(f["circle_summary"]),
            "referrers": len(f["referral_reach"]),
            "communities": len(f["community_summary"]),
            "households": len(f["households"]),
            "suspected_links": len(f["suspected_links"]),
            "alerts": len(f["alerts"]) if "alerts" in f else 0,
            "departed": len(f["departures"]) if "departures" in f else 0,
            "at_risk": len(f["at_risk"]) if "at_risk" in f else 0,
            "pagerank_iterations": self.pagerank_iterations,
            "pagerank_converged": self.pagerank_converged,
            "modularity": None if math.isnan(self.modularity) else self.modularity,
            "timings_seconds": {k: round(v, 3) for k, v in self.timings.items()},
            "warnings": self.warnings,
        }


def run_analysis(
    store: GraphStore,
    out_dir: str | Path | None,
    options: AnalysisOptions | None = None,
    *,
    progress: Progress | None = None,
    write_back: bool = True,
    report: ReportHook | None = None,
    what_if: bool = False,
    keep_runs: int = DEFAULT_KEEP_RUNS,
) -> AnalysisRun:
    """Run every analysis on the data in ``store``.

    Parameters
    ----------
    store : GraphStore
    out_dir : path or None
        Where the CSV files go (created if needed); None writes no files.
    options : AnalysisOptions
    progress : callable, optional
        ``progress(step, done, total)`` with the step names of :data:`STEPS`.
    write_back : bool
        Store the run with every result set (:meth:`GraphStore.write_run`), all or
        nothing, and publish it (unless ``what_if``).
    report : ReportHook, optional
        Also write the report, ``index.html`` and the HTML views
        (:class:`guanxi.report.HtmlReport`; needs ``out_dir`` and ``write_back``: the
        views are built from what was written back). None writes no report.
    what_if : bool
        A what-if run: stored for comparison, never published (the API, the views and
        the reports keep the published run).
    keep_runs : int
        Runs kept in the store after this one is written (the published run always is).

    Raises
    ------
    ConfigError
        Bad options (unknown preset, a date that does not parse, capital <= 0).
    Conflict
        The store holds no customers, or a load that did not complete.
    """
    options = options or AnalysisOptions()
    unfinished = store.incomplete_loads()
    if unfinished:
        # a journaled (batched) load that stopped part-way: the store holds part of it,
        # and figures computed on it would be silently wrong
        load = unfinished[-1]
        raise Conflict(
            f"the {store.description} holds a load that did not complete (load "
            f"{load.get('load_id')}, {load.get('status')}, {load.get('rows_done', 0)} of "
            f"{load.get('rows_total', '?')} rows); no figures are computed on part of a "
            "load. Run the same guanxi load again to complete it (loads are idempotent), "
            "then analyze."
        )
    engine = _engine(store, options.engine)
    snapshot = store.current_snapshot()
    if options.as_of is None:
        options = replace(
            options, as_of=snapshot["as_of"] if snapshot else date.today().isoformat()
        )
    run = AnalysisRun(
        run_id=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        options=options,
        frames={},
        snapshot_id=snapshot["snapshot_id"] if snapshot else None,
        kind="what-if" if what_if else "official",
    )
    total = len(STEPS)

    def step(name: str):
        # by name: a step added anywhere in STEPS numbers the others right
        if progress:
            progress(name, STEPS.index(name), total)
        return _Timer(run.timings, name)

    with step("read graph"):
        data = {e: store.fetch(e) for e in LOAD_ORDER}
    if data[Entity.CUSTOMERS].empty:
        raise Conflict("the store holds no customers: load a folder first (guanxi load DIR)")
    if options.tier1_capital is None:
        run.warnings.append(
            "no Tier 1 capital given (--tier1-capital or GUANXI_TIER1_CAPITAL): "
            "pct_tier1 and status are left empty"
        )
    customers = data[Entity.CUSTOMERS]
    accounts = data[Entity.ACCOUNTS]
    reporting = Reporting.of(options.reporting_currency, data[Entity.FX_RATES])
    run.reporting = reporting
    _check_amounts(customers, accounts)
    holders = data[Entity.ACCOUNT_HOLDERS]
    guarantees = data[Entity.GUARANTEES]
    ownership = data[Entity.OWNERSHIP]
    referrals = data[Entity.REFERRALS]
    households = data[Entity.HOUSEHOLDS]
    f = run.frames

    with step("exposure groups"):
        common = dict(
            as_of=options.as_of,
            tier1_capital=options.tier1_capital,
            preset=options.preset,
            ccf_default=options.ccf_default,
            include_links=options.include_suspected_links,
            reporting=reporting,
            engine=engine,
            dependencies=data[Entity.DEPENDENCIES],
            households=households,
            bank_is_gsib=options.bank_is_gsib,
        )
        # one whole-bank pass for both (links, exposures and components computed once)
        groups, members, links, singles = groups_mod.groups_and_single_names(
            customers, accounts, holders, guarantees, ownership, **common
        )
        # each group's head, and every member's chain of links to it
        groups, f["evidence_paths"] = evidence_mod.group_evidence(groups, members, links)
        f["exposure_groups"], f["group_members"], f["group_links"] = groups, members, links
        f["single_names"] = singles
        f["dependency_review"] = connections_mod.dependency_review(
            data[Entity.DEPENDENCIES],
            pd.concat(
                [m[["customer_id", "single_name_exposure"]] for m in (members, singles)],
                ignore_index=True,
            ),
            customers,
            tier1_capital=options.tier1_capital,
            preset=options.preset,
        )
        f["account_exposures"] = account_exposure(
            accounts, ccf_default=options.ccf_default, reporting=reporting
        ).drop(columns="exposure_minor")

    with step("guarantee circles"):
        circles, circle_members, cycles = circles_mod.guarantee_circles(
            guarantees,
            accounts,
            holders,
            as_of=options.as_of,
            ccf_default=options.ccf_default,
            max_cycles=options.max_cycles,
            reporting=reporting,
            engine=engine,
        )
        f["circle_summary"], f["guarantee_circles"], f["circle_cycles"] = (
            circles,
            circle_members,
            cycles,
        )
        # stable ids: the groups and circles of the published run keep their ids
        compared = store.published_run()
        previous = history.previous_results(store, compared["run_id"]) if compared else None
        run.compared_with = compared["run_id"] if compared else None
        group_lineage, circle_lineage = history.stable_ids(
            f,
            previous,
            used_group_ids=history.used_ids(store, Result.EXPOSURE_GROUPS, "group_id"),
            used_circle_ids=history.used_ids(store, Result.GUARANTEE_CIRCLES, "circle_id"),
        )
        f["group_lineage"], f["circle_lineage"] = group_lineage.events, circle_lineage.events
        f.update(_circle_contagion(data, f, options, reporting))

    with step("households"):
        f["households"] = households_mod.household_summary(
            households, accounts, holders, ccf_default=options.ccf_default, reporting=reporting
        )

    with step("suspected links"):
        f["suspected_links"] = suspected_mod.suspected_links(customers)

    with step("referral reach"):
        f["referral_reach"] = referrals_mod.referral_reach(
            customers, referrals, reporting=reporting
        )
        f["k_factor"] = referrals_mod.k_factor_by_cohort(customers, referrals)

    with step("influencers"):
        ranked, pr = influence_mod.influencers(
            customers,
            referrals,
            alpha=options.pagerank_alpha,
            tol=options.pagerank_tol,
            reporting=reporting,
        )
        f["influencers"] = ranked
        run.pagerank_iterations = int(pr.iterations)
        run.pagerank_converged = bool(pr.converged)
        if not pr.converged:
            run.warnings.append(
                f"influence PageRank did not converge in {pr.iterations} iterations "
                f"(last change {pr.delta:.2e}); scores are approximate"
            )

    with step("communities"):
        edges = communities_mod.social_edges(referrals, households, accounts, holders)
        found = communities_mod.communities(edges, seed=options.seed, engine=engine)
        f["communities"], f["community_summary"] = found.members, found.summary
        run.modularity = float(found.modularity)

    with step("campaign seeds"):
        f["campaign_seeds"] = seeds_mod.campaign_seeds(
            customers,
            referrals,
            k=options.seeds_k,
            simulations=options.seeds_simulations,
            seed=options.seed,
            as_of=options.as_of,
        )
    with step("customer value and churn"):
        f.update(_value_and_churn(data, f, options, reporting))
    with step("changes since the last run"):
        changes, raised = history.changes_since(
            f, previous, group_lineage=f["group_lineage"], circle_lineage=f["circle_lineage"]
        )
        f.update(changes.frames())
        f["alerts"] = raised
    # the report's views need the data of a few thousand customers: keep those rows,
    # then let the whole-bank input frames go before the files and the write-back
    reporting = report is not None and write_back and out_dir is not None
    report_data = report.select(data, f) if reporting else None
    del data, customers, accounts, holders, guarantees, ownership, referrals, households

    if out_dir is not None:
        with step("write files"):
            run.files = _write_files(Path(out_dir), f, run)
    if write_back:
        with step("write back to store"):
            results = stored_results(run)
            store.write_run(run_record(run), results, publish=not what_if, keep_runs=keep_runs)
    if reporting:
        with step("report and views"):
            run.files.update(report.write(store, Path(out_dir), run, report_data, results))
    if progress:
        progress(STEPS[-1], total, total)
    return run


def _value_and_churn(
    data: dict[Entity, pd.DataFrame],
    f: dict[str, pd.DataFrame],
    options: AnalysisOptions,
    reporting: Reporting,
) -> dict[str, pd.DataFrame]:
    """Who left and who is at risk, value tiers, community profiles and relationship
    managers' portfolios (issue 17): the frames ``departures``, ``at_risk``,
    ``value_tiers``, ``community_profiles``, ``rm_portfolios``."""
    customers = data[Entity.CUSTOMERS]
    ties = dict(
        referrals=data[Entity.REFERRALS],
        households=data[Entity.HOUSEHOLDS],
        accounts=data[Entity.ACCOUNTS],
        account_holders=data[Entity.ACCOUNT_HOLDERS],
    )
    risk, left = churn_mod.at_risk(
        customers,
        as_of=str(options.as_of),
        closed_accounts=options.churn_closed_accounts,
        reporting=reporting,
        **ties,
    )
    gone = left["customer_id"]
    tiers = value_mod.value_tiers(
        customers,
        data[Entity.ACCOUNTS],
        data[Entity.REFERRALS],
        departed=gone,
        tiers=options.value_tiers,
        reporting=reporting,
    )
    sets = dict(influencers=f["influencers"], tiers=tiers, risk=risk, reporting=reporting)
    return {
        "departures": left,
        "at_risk": risk,
        "value_tiers": tiers,
        "community_profiles": profiles_mod.community_profiles(
            f["communities"], customers, departed=gone, **sets
        ),
        "rm_portfolios": profiles_mod.rm_portfolios(customers, departed=gone, **sets),
    }


def _circle_contagion(
    data: dict[Entity, pd.DataFrame],
    f: dict[str, pd.DataFrame],
    options: AnalysisOptions,
    reporting: Reporting,
) -> dict[str, pd.DataFrame]:
    """Each circle's key guarantors (the exposure their default alone puts at risk) and
    the guarantee chains hanging off it (issue 16): ``circle_key_guarantors``,
    ``circle_chains``."""
    network = contagion_mod.guarantee_network(
        data[Entity.CUSTOMERS],
        data[Entity.ACCOUNTS],
        data[Entity.ACCOUNT_HOLDERS],
        data[Entity.GUARANTEES],
        as_of=options.as_of,
        ccf_default=options.ccf_default,
        reporting=reporting,
    )
    members = f["guarantee_circles"]
    return {
        "circle_key_guarantors": contagion_mod.key_guarantors(
            network, members, threshold=defaults.CONTAGION_THRESHOLD
        ),
        "circle_chains": circles_mod.circle_chains(
            data[Entity.GUARANTEES],
            members,
            data[Entity.ACCOUNTS],
            as_of=options.as_of,
            max_hops=defaults.CHAIN_HOPS,
            max_edges=defaults.CHAIN_EDGES,
            reporting=reporting,
        ),
    }


def _engine(store: GraphStore, name: str) -> Engine:
    """The engine ``name`` for ``store``: GDS needs a Neo4j store with the plugin."""
    if name == IN_PROCESS.name:
        return IN_PROCESS
    make = getattr(store, "gds_engine", None)
    if make is None:
        raise ConfigError(
            f"--engine {name} runs the whole-bank passes in Neo4j Graph Data Science, so it "
            "needs a Neo4j store (--store neo4j://… or bolt://…) whose server has the GDS "
            f"plugin; this is the {store.description}. Leave --engine out to run them here."
        )
    return make()


def _plain(value):
    """An option's value as JSON would write it (Decimal as its exact text)."""
    return str(value) if isinstance(value, Decimal) else value


def _check_amounts(customers: pd.DataFrame, accounts: pd.DataFrame) -> None:
    """Refuse amounts whose totals could not be summed exactly (see
    :func:`guanxi.money.check_total`)."""
    parts = [units(accounts[c])[0] for c in ("balance", "credit_limit", "outstanding")]
    parts += [units(customers["aum"])[0]]
    check_total(parts, "amounts in the store")


class _Timer:
    def __init__(self, timings: dict[str, float], name: str):
        self.timings, self.name = timings, name

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.timings[self.name] = time.perf_counter() - self.start


# -- output files ------------------------------------------------------------------
_FILE_ORDER = (
    "exposure_groups",
    "group_members",
    "guarantee_circles",
    "referral_reach",
    "influencers",
    "group_links",
    "single_names",
    "circle_summary",
    "circle_cycles",
    "households",
    "suspected_links",
    "k_factor",
    "communities",
    "community_summary",
    "campaign_seeds",
    "account_exposures",
    "group_lineage",
    "circle_lineage",
    "group_changes",
    "member_changes",
    "circle_changes",
    "influencer_changes",
    "cascade_changes",
    "alerts",
    "value_tiers",
    "departures",
    "at_risk",
    "community_profiles",
    "rm_portfolios",
    "dependency_review",
    "evidence_paths",
    "circle_key_guarantors",
    "circle_chains",
)


def _write_files(
    out_dir: Path, frames: dict[str, pd.DataFrame], run: AnalysisRun
) -> dict[str, Path]:
    """Write every CSV into a temporary folder beside OUT, then move them in: a failed
    run never leaves a mix of old and new files."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".guanxi-analyze-", dir=out_dir))
    except OSError as exc:
        raise GuanxiError(f"cannot write to {out_dir}: {exc}") from exc
    written: dict[str, Path] = {}
    try:
        for name in _FILE_ORDER:
            write_csv(frames[name], staging / f"{name}.csv")
        (staging / "summary.json").write_text(
            json.dumps(run.summary(), indent=2, default=str), encoding="utf-8"
        )
        for item in sorted(staging.iterdir()):
            target = out_dir / item.name
            os.replace(item, target)
            written[item.stem] = target
    finally:
        for leftover in staging.iterdir():
            leftover.unlink()
        staging.rmdir()
    return written


# -- write-back --------------------------------------------------------------------
def customer_metrics(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per customer with at least one result: the run's figures per customer
    (group, single-name exposure, circle, reach, influence, community), so a customer
    answer or a Neo4j user reads them in one place."""
    singles = frames["single_names"]
    exposure = pd.concat(
        [
            frames["group_members"][["customer_id", "group_id", "single_name_exposure"]],
            singles.loc[
                singles["single_name_exposure"] > 0, ["customer_id", "single_name_exposure"]
            ],
        ],
        ignore_index=True,
    )
    parts = [
        exposure,
        frames["guarantee_circles"][["customer_id", "circle_id"]],
        frames["referral_reach"][["customer_id", "direct", "cascade", "depth", "downstream_aum"]],
        frames["influencers"][["customer_id", "rank", "score"]].rename(
            columns={"rank": "influence_rank", "score": "influence_score"}
        ),
        frames["communities"][["customer_id", "community_id"]],
        frames["value_tiers"][["customer_id", "tier", "quadrant"]].rename(
            columns={"tier": "value_tier", "quadrant": "value_quadrant"}
        ),
        frames["at_risk"][["customer_id", "rank", "hazard_ratio"]].rename(
            columns={"rank": "at_risk_rank", "hazard_ratio": "churn_hazard_ratio"}
        ),
    ]
    metrics = parts[0]
    for part in parts[1:]:
        metrics = metrics.merge(part, on="customer_id", how="outer")
    for col in ("direct", "cascade", "depth", "influence_rank", "at_risk_rank"):
        metrics[col] = metrics[col].astype("Int64")
    return metrics.sort_values("customer_id", kind="stable").reset_index(drop=True)


def stored_results(run: AnalysisRun) -> dict[Result, pd.DataFrame]:
    """Every result set of the run, as stored with it: exactly the rows of the CSV file
    of the same name, plus the per-customer metrics."""
    f = run.frames
    results: dict[Result, pd.DataFrame] = {Result.CUSTOMER_METRICS: customer_metrics(f)}
    for result in Result:
        if result is not Result.CUSTOMER_METRICS:
            results[result] = f[result.value]
    return results


def run_record(run: AnalysisRun) -> RunRecord:
    """The run as stored beside its result sets."""
    summary = run.summary()
    options = summary["options"]
    return RunRecord(
        run_id=run.run_id,
        snapshot_id=run.snapshot_id,
        as_of=str(run.options.as_of),
        created_at=run.run_id,
        kind=run.kind,
        options=options,
        summary={k: v for k, v in summary.items() if k != "options"},
    )
