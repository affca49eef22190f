"""guanxi.service: the snapshot read model, roles and masking, bounded traversals and
the NetworkView shape the HTML views are drawn from. The read model serves the
published analysis run as stored: the tests write runs with figures of their own and
check that those, not figures computed from the data, are what the answers carry."""

from __future__ import annotations

import re
import shutil
from decimal import Decimal
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

try:  # the repository root on sys.path (python -m pytest), or tests/ itself (pytest)
    from tests.read_model_support import (
        AS_OF,
        analyzed_store,
        ensure_fx_rates,
        make_bank,
        with_figures,
        write_run,
    )
except ModuleNotFoundError:
    from read_model_support import (  # type: ignore[no-redef]
        AS_OF,
        analyzed_store,
        ensure_fx_rates,
        make_bank,
        with_figures,
        write_run,
    )

from guanxi.analysis import stored_results
from guanxi.errors import ConfigError, Conflict, Forbidden, NotAnalyzed, NotFound, StoreUnavailable
from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.graph.schema import Entity
from guanxi.graph.store import Result
from guanxi.loaders.load import load_folder
from guanxi.loaders.synthetic import generate_bank
from guanxi.service import (
    EDGE_TYPES,
    MAX_HOPS,
    Capability,
    GraphService,
    NetworkView,
    Role,
    can,
    mask_record,
    mask_title,
    mask_value,
    mask_view,
)


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    return make_bank(tmp_path_factory.mktemp("svc-bank") / "bank", customers=300, seed=21)


@pytest.fixture(scope="module")
def analyzed(bank, tmp_path_factory):
    """The bank's store, analyzed once (closed), and the run."""
    return analyzed_store(tmp_path_factory.mktemp("svc-db") / "guanxi.duckdb", bank)


@pytest.fixture(scope="module")
def db(analyzed) -> Path:
    return analyzed[0]


@pytest.fixture(scope="module")
def svc(db) -> GraphService:
    service = GraphService.from_path(db)
    service.refresh()
    return service


def _copy(db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.duckdb"
    shutil.copy(db, target)
    return target


# -- the snapshot ------------------------------------------------------------------
def test_snapshot_releases_the_embedded_store(db, tmp_path):
    path = _copy(db, tmp_path)
    service = GraphService.from_path(path)
    service.refresh()
    # nobody holds the file: a writer (guanxi load) can open it right away
    with DuckDBStore(path) as writer:
        writer.ping()
    assert len(service.snapshot.customers) == 300


def test_refresh_swaps_the_snapshot(db, tmp_path):
    path = _copy(db, tmp_path)
    service = GraphService.from_path(path)
    old = service.refresh()
    with DuckDBStore(path) as writer:
        writer.load({Entity.CUSTOMERS: pd.DataFrame({"customer_id": ["ZZ1"], "kind": ["person"]})})
    new = service.refresh()
    assert new is not old and service.snapshot is new
    assert "ZZ1" in new.customers.index and "ZZ1" not in old.customers.index


def test_failed_refresh_keeps_serving_the_old_snapshot(db, tmp_path):
    path = _copy(db, tmp_path)
    service = GraphService.from_path(path)
    old = service.refresh()
    path.unlink()
    with pytest.raises(StoreUnavailable):
        service.refresh()
    assert service.snapshot is old
    assert service.customer(old.customers.index[0])["customer"]


def test_missing_store(tmp_path):
    service = GraphService.from_path(tmp_path / "nothing.duckdb")
    with pytest.raises(StoreUnavailable, match="does not exist"):
        service.customer("1")
    assert not (tmp_path / "nothing.duckdb").exists()


def test_results_match_the_analysis(svc, db):
    snap = svc.snapshot
    assert snap.analyzed and snap.as_of == AS_OF
    with DuckDBStore(db, read_only=True) as store:
        for result in Result:  # every result set of the published run, as stored
            pd.testing.assert_frame_equal(snap.results[result], store.fetch_results(result))
    members = snap.results[Result.GROUP_MEMBERS]
    assert len(members) == int(snap.groups["size"].sum())
    for group_id in snap.groups.index[:5]:
        links = snap.group_links.rows(group_id)
        ids = set(snap.group_members.rows(group_id)["customer_id"])
        g = nx.Graph()
        g.add_nodes_from(ids)
        g.add_edges_from(zip(links["a"], links["b"], strict=True))
        assert nx.is_connected(g), group_id
        assert set(g.nodes) == ids
    assert snap.notes == ()


# -- roles and masking ---------------------------------------------------------------
def test_roles():
    assert can(Role.RISK, Capability.PII) and not can(Role.RISK, Capability.MARKETING)
    assert can(Role.MARKETING, Capability.MARKETING) and not can(Role.MARKETING, Capability.CREDIT)
    assert not can(Role.ANALYST, Capability.PII) and can(Role.ANALYST, Capability.CREDIT)
    assert all(can(Role.ADMIN, c) for c in Capability)


@pytest.mark.parametrize(
    ("field", "value", "masked"),
    [
        ("name", "François Taylor", "F. T."),
        ("name", "张伟", "张."),
        ("phone", "+86 132 9954 8313", "******13"),
        ("email", "a.b@example.net", "******et"),
        ("id_number", "E44029522", "******22"),
        ("address", "Room 1, 2 Road, Chengdu", "***"),
        ("born_on", "1987-06-08", "1987"),
        ("phone", "7", "**"),
        ("name", None, None),
        # a company's name is masked whole, never to its first character
        ("name", "上海天成科技有限公司", "***"),
        ("name", "Harbour Properties Co., Ltd.", "***"),
        ("name", "Eastern Commercial Bank Co., Ltd.", "***"),
    ],
)
def test_mask_value(field, value, masked):
    assert mask_value(field, value) == masked
    assert mask_value(field, masked) == masked  # idempotent


def test_mask_record_removes_rather_than_zeroes():
    rec = {"customer_id": "1", "name": "Li Lei", "exposure": 0.0, "direct": 3, "aum": 5.0}
    assert mask_record(rec, Role.MARKETING) == {
        "customer_id": "1",
        "name": "L. L.",
        "direct": 3,
        "aum": 5.0,
    }
    assert mask_record(rec, Role.RISK) == {
        "customer_id": "1",
        "name": "Li Lei",
        "exposure": 0.0,
        "aum": 5.0,
    }
    assert mask_record(rec, Role.ADMIN) == rec


def test_mask_title():
    title = "customer_id: 1\nname: Li Lei\nsingle_name_exposure: 1,000\ninfluence_rank: 3"
    assert mask_title(title, Role.MARKETING) == "customer_id: 1\nname: L. L.\ninfluence_rank: 3"
    assert (
        mask_title(title, Role.RISK) == "customer_id: 1\nname: Li Lei\nsingle_name_exposure: 1,000"
    )


def test_mask_view_is_a_final_pass():
    view = NetworkView.from_rows(
        [
            {
                "id": "c:1",
                "kind": "person",
                "label": "Li Lei",
                "title": "name: Li Lei\nexposure: 9",
            },
            {"id": "c:2", "kind": "company", "label": "2", "title": "customer_id: 2"},
        ],
        [
            {
                "source": "c:1",
                "target": "c:2",
                "type": "GUARANTEES",
                "label": "9",
                "title": "amount: 9",
            },
        ],
        title="t",
    )
    masked = mask_view(view, Role.MARKETING)
    assert masked.nodes["label"].tolist() == ["L. L.", "2"]
    assert masked.nodes["title"].tolist() == ["name: L. L.", "customer_id: 2"]
    assert masked.edges["label"].tolist() == [""] and masked.edges["title"].tolist() == [""]
    assert view.nodes["label"].tolist() == ["Li Lei", "2"]  # the input is left alone


@pytest.mark.parametrize(
    ("method", "args", "role"),
    [
        ("groups", {}, Role.MARKETING),
        ("group", {"group_id": "x"}, Role.MARKETING),
        ("circles", {}, Role.MARKETING),
        ("circle", {"circle_id": "x"}, Role.MARKETING),
        ("suspected_links", {"customer_id": "x"}, Role.MARKETING),
        ("influencers", {}, Role.RISK),
        ("cascade", {"customer_id": "x"}, Role.RISK),
        ("seeds", {"k": 1}, Role.RISK),
        ("analyze", {}, Role.ANALYST),
    ],
)
def test_forbidden_before_any_lookup(svc, method, args, role):
    """A role is refused before an id is looked up: no 404 tells it what exists."""
    with pytest.raises(Forbidden, match=f"the {role.value} role may not"):
        getattr(svc, method)(**args, role=role)


def test_customer_by_role(svc):
    snap = svc.snapshot
    cid = next(c for c in snap.metrics.dropna(subset=["group_id"])["customer_id"])
    risk = svc.customer(cid, role=Role.RISK)
    marketing = svc.customer(cid, role=Role.MARKETING)
    assert risk["credit"]["group"]["group_id"] == snap.metrics.at[cid, "group_id"]
    assert "referrals" not in risk and "credit" not in marketing
    assert marketing["customer"]["name"] == mask_value("name", risk["customer"]["name"])
    with pytest.raises(NotFound, match="customer nope not found"):
        svc.customer("nope")


# -- the network ---------------------------------------------------------------------
def _oracle(snap, types) -> nx.Graph:
    g = nx.Graph()
    e = snap.graph.edges
    keep = e["type"].isin(types)
    g.add_nodes_from(snap.graph.ids)
    g.add_edges_from(
        zip(snap.graph.ids[e.loc[keep, "src"]], snap.graph.ids[e.loc[keep, "dst"]], strict=True)
    )
    return g


@pytest.mark.parametrize("hops", [1, 2, 3])
@pytest.mark.parametrize("types", [list(EDGE_TYPES), ["OWNS", "GUARANTEES"], ["REFERRED"]])
def test_network_matches_networkx(svc, hops, types):
    snap = svc.snapshot
    oracle = _oracle(snap, types)
    degree = snap.graph.adj.indptr[1:] - snap.graph.adj.indptr[:-1]
    for cid in [str(snap.graph.ids[int(degree[:300].argmax())])[2:], snap.customers.index[7]]:
        view = svc.network(cid, hops=hops, types=types, limit=2000)
        want = nx.single_source_shortest_path_length(oracle, f"c:{cid}", cutoff=hops)
        got = dict(zip(view.nodes["id"], view.nodes["level"].astype(int), strict=True))
        assert got == want
        sub = oracle.subgraph(want)
        assert {
            frozenset(x) for x in zip(view.edges["source"], view.edges["target"], strict=True)
        } == {frozenset(x) for x in sub.edges}
        assert not view.truncated and view.omitted_nodes == 0


def test_network_limit(svc):
    snap = svc.snapshot
    degree = snap.graph.adj.indptr[1:] - snap.graph.adj.indptr[:-1]
    hub = str(snap.graph.ids[int(degree[:300].argmax())])[2:]
    full = svc.network(hub, hops=MAX_HOPS, limit=2000)
    view = svc.network(hub, hops=MAX_HOPS, limit=5)
    assert len(view.nodes) == 5 and view.truncated and view.omitted_nodes > 0
    assert set(view.nodes["id"]) <= set(full.nodes["id"])
    assert view.notes and "left out" in view.notes[0]


@pytest.mark.parametrize(
    "kwargs", [{"hops": 0}, {"hops": 4}, {"limit": 0}, {"limit": 2001}, {"types": ["MANAGED_BY"]}]
)
def test_network_bounds(svc, kwargs):
    with pytest.raises(ConfigError):
        svc.network(svc.snapshot.customers.index[0], **kwargs)


def test_network_view_shape(svc):
    view = svc.network(svc.snapshot.customers.index[0], hops=2)
    assert list(view.nodes.columns) == [
        "id",
        "kind",
        "label",
        "title",
        "value",
        "level",
        "highlight",
        "cluster",
    ]
    assert list(view.edges.columns) == [
        "source",
        "target",
        "type",
        "label",
        "title",
        "directed",
        "highlight",
    ]
    assert str(view.nodes["level"].dtype) == "Int64"
    assert view.nodes["value"].dtype == np.float64
    assert view.nodes["highlight"].dtype == bool and view.edges["directed"].dtype == bool
    assert view.nodes["id"].is_unique
    assert set(view.nodes["kind"]) <= {"person", "company", "account", "household"}
    assert set(view.edges["type"]) <= set(EDGE_TYPES)
    assert all("<" not in t for t in view.nodes["title"])
    for title in view.nodes["title"]:
        assert all(": " in line for line in title.split("\n"))
    d = view.to_dict()
    assert d["nodes"][0]["highlight"] is True and d["nodes"][0]["level"] == 0


# -- views ---------------------------------------------------------------------------
def test_group_view(svc):
    snap = svc.snapshot
    group_id = snap.groups.index[0]
    view = svc.group_view(group_id, role=Role.RISK)
    assert len(view.nodes) == int(snap.groups.at[group_id, "size"])
    assert set(view.edges["type"]) <= {"control", "guarantee", "joint_credit"}
    assert view.nodes["highlight"].sum() == 1
    assert view.edges.loc[view.edges["type"] == "joint_credit", "directed"].eq(False).all()


def test_circle_view_highlights_cycles(svc):
    snap = svc.snapshot
    circle_id = snap.circles.index[0]
    view = svc.circle_view(circle_id, role=Role.ANALYST)
    cycles = [p.split(">") for p in snap.circle_cycles.rows(circle_id)["path"]]
    on_cycle = {(f"c:{c[i]}", f"c:{c[i + 1]}") for c in cycles for i in range(len(c) - 1)}
    lit = set(
        zip(
            view.edges.loc[view.edges["highlight"], "source"],
            view.edges.loc[view.edges["highlight"], "target"],
            strict=True,
        )
    )
    assert lit == on_cycle
    assert view.nodes["highlight"].all()  # every member of a circle lies on some cycle here


def test_cascade_view_levels_are_generations(svc):
    snap = svc.snapshot
    root = snap.reach.sort_values("cascade", ascending=False).index[0]
    view = svc.cascade_view(root, role=Role.MARKETING)
    levels = dict(zip(view.nodes["id"], view.nodes["level"], strict=True))
    assert levels[f"c:{root}"] == 0
    for s, t in zip(view.edges["source"], view.edges["target"], strict=True):
        assert levels[t] == levels[s] + 1
    assert len(view.nodes) == int(snap.reach.at[root, "cascade"]) + 1


def test_overview_view(svc):
    snap = svc.snapshot
    view = svc.overview_view(role=Role.ADMIN)
    nodes = view.nodes.set_index("id")
    groups = svc.groups(page_size=15)["data"]
    hubs = svc.influencers(limit=10)["data"]
    heads = ["g:" + g["group_id"] for g in groups] + ["c:" + h["customer_id"] for h in hubs]
    assert view.nodes["id"].tolist()[: len(heads)] == heads  # the heads first, in order
    assert (nodes.loc[heads, "cluster"] == heads).all()  # each names its own set
    # a group's set is its members (unless one is a drawn hub), a hub's its cascade
    for g in groups[:3]:
        members = {"c:" + m["customer_id"] for m in svc.group(g["group_id"])["members"]}
        in_set = set(nodes.index[nodes["cluster"] == "g:" + g["group_id"]]) - {"g:" + g["group_id"]}
        assert in_set == members - set(heads)
    top = hubs[0]["customer_id"]
    cascade = {"c:" + n["customer_id"] for n in svc.cascade(top)["nodes"]}
    assert set(nodes.index[nodes["cluster"] == "c:" + top]) <= cascade
    assert nodes.at["g:" + groups[0]["group_id"], "kind"] == "group"
    assert nodes.at["g:" + groups[0]["group_id"], "value"] == float(groups[0]["exposure"])
    # the limit is honoured: the heads first, then whole sets that fit
    small = svc.overview_view(limit=30, role=Role.ADMIN)
    assert len(small.nodes) <= 30 and small.nodes["id"].tolist()[:25] == heads
    assert any("drawn without their members (limit 30 nodes)" in n for n in small.notes)
    # each role sees its part
    risk = svc.overview_view(role=Role.RISK)
    assert (risk.nodes["kind"] == "group").sum() == len(groups)
    assert not risk.nodes["cluster"].str.startswith("c:").any()
    assert any("referral hubs are not shown to the risk role" in n for n in risk.notes)
    marketing = svc.overview_view(role=Role.MARKETING)
    assert (marketing.nodes["kind"] != "group").all()
    assert any("exposure groups are not shown" in n for n in marketing.notes)
    assert snap.as_of == view.as_of


# -- analyses ------------------------------------------------------------------------
def test_not_analyzed_then_analyzed(tmp_path):
    folder = tmp_path / "bank"
    generate_bank(folder, customers=120, seed=3)
    ensure_fx_rates(folder)
    path = tmp_path / "fresh.duckdb"
    with DuckDBStore(path) as store:
        load_folder(folder, store, as_of=AS_OF)
    service = GraphService.from_path(path)
    snap = service.snapshot
    some = snap.customers.index[0]
    household = snap.household_rows.frame["household_id"].iat[0]
    referrer = snap.referred_by.iat[0]
    # every answer with a figure waits for a run: nothing is computed from the data
    for answer in (
        service.groups,
        service.circles,
        service.influencers,
        service.overview_view,
        lambda: service.seeds(k=1),
        lambda: service.household(household),
        lambda: service.suspected_links(some),
        lambda: service.cascade(referrer),
        lambda: service.cascade_view(referrer),
        lambda: service.group("anything"),
        lambda: service.circle_view("anything"),
        lambda: service.group_of(some),
    ):
        with pytest.raises(NotAnalyzed, match="guanxi analyze"):
            answer()
    assert service.latest_analysis()["analyzed"] is False
    # the data is served already, with no figure
    answer = service.customer(some)
    assert answer["credit"] == {"single_name_exposure": None, "group": None, "circle_id": None}
    assert answer["referrals"]["cascade"] is None and answer["referrals"]["downstream_aum"] is None
    assert all(a["exposure"] is None for a in answer["accounts"])
    assert len(service.network(some).nodes) >= 1
    with pytest.raises(NotFound, match="household nope not found"):
        service.household("nope")
    result = service.analyze(service.default_options(as_of=AS_OF, seeds_k=1))
    assert result["analyzed"] and result["job"]["state"] == "succeeded"
    assert result["run"]["run_id"] == result["job"]["run_id"]
    assert service.groups()["count"] >= 0
    assert service.household(household)["household_id"] == household


def test_one_analysis_at_a_time(svc):
    assert svc._analysis_lock.acquire()
    try:
        with pytest.raises(Conflict, match="already running"):
            svc.analyze()
    finally:
        svc._analysis_lock.release()


def test_default_options_are_the_published_run_s(svc):
    options = svc.default_options()
    run = svc.snapshot.run["options"]
    assert options.tier1_capital == Decimal("50000000.00") == Decimal(run["tier1_capital"])
    assert (options.preset, options.seeds_k, options.seeds_simulations) == ("basel", 3, 100)
    assert options.reporting_currency == "CNY"
    given = svc.default_options(tier1_capital=Decimal("4200000000.01"), preset="china", seeds_k=7)
    assert (given.tier1_capital, given.preset, given.seeds_k) == (
        Decimal("4200000000.01"),
        "china",
        7,
    )


# -- campaign seeds: the run's, never a pick of the read model's ---------------------
def test_seeds_are_the_run_s(svc):
    snap = svc.snapshot
    stored = snap.results[Result.CAMPAIGN_SEEDS]
    assert len(stored) == 3
    seeds = svc.seeds(k=3, role=Role.MARKETING)
    assert [s["customer_id"] for s in seeds["data"]] == stored["customer_id"].tolist()
    assert [s["expected_reach"] for s in seeds["data"]] == stored["expected_reach"].tolist()
    assert (
        seeds["simulations"] == 100 and seeds["expected_reach"] == stored["expected_reach"].iat[-1]
    )
    # greedy picks one after another on fixed worlds: the first k are a pick of k
    two = svc.seeds(k=2)
    assert [s["customer_id"] for s in two["data"]] == stored["customer_id"].tolist()[:2]
    # each seed costs 1: a budget keeps the first floor(budget)
    assert [s["rank"] for s in svc.seeds(k=3, budget=2.5)["data"]] == [1, 2]
    assert svc.seeds(k=3, budget=0)["data"] == []
    # leaving out a customer the run did not pick changes nothing
    others = [c for c in snap.customers.index if c not in set(stored["customer_id"])][:5]
    assert [s["customer_id"] for s in svc.seeds(k=3, exclude=others)["data"]] == [
        s["customer_id"] for s in seeds["data"]
    ]


def test_seeds_the_run_did_not_pick_are_refused_with_the_command(svc):
    stored = svc.snapshot.results[Result.CAMPAIGN_SEEDS]
    first = str(stored["customer_id"].iat[0])
    with pytest.raises(Conflict, match=f"customer {first} is one of the first 3") as caught:
        svc.seeds(k=3, exclude=[first], role=Role.MARKETING)
    assert f"guanxi seeds --k 3 --exclude {first}" in str(caught.value)
    # the first seed stays a pick of one when a later one is left out
    later = str(stored["customer_id"].iat[2])
    assert [s["customer_id"] for s in svc.seeds(k=1, exclude=[later])["data"]] == [first]
    with pytest.raises(Conflict, match="picked 3 campaign seeds; 4 need a new pick"):
        svc.seeds(k=4)
    with pytest.raises(ConfigError):
        svc.seeds(k=0)
    with pytest.raises(ConfigError):
        svc.seeds(k=1, budget=float("nan"))


# -- the stored run, and nothing else --------------------------------------------------
@pytest.fixture
def changed_run(analyzed, tmp_path):
    """A copy of the store whose published run (a second one) carries figures no
    computation from the data gives; returns the service and the figures."""
    db, run = analyzed
    path = _copy(db, tmp_path)
    results = stored_results(run)
    snap = GraphService.from_path(db).refresh()
    group = str(snap.groups.index[0])
    member = str(snap.group_members.rows(group)["customer_id"].iat[0])
    account = str(snap.results[Result.ACCOUNT_EXPOSURES]["account_id"].iat[0])
    circle = str(snap.circles.index[0])
    household = str(snap.household_summary.index[0])
    referrer = str(snap.reach.index[0])
    figures = {
        "group": (group, Decimal("1569631729.91"), Decimal("3139.2635")),
        "member": (member, Decimal("7.77")),
        "account": (account, Decimal("123.45")),
        "circle": (circle, Decimal("9.99")),
        "household": (household, Decimal("1.23")),
        "referrer": (referrer, Decimal("42.42")),
    }
    results = with_figures(
        results,
        Result.EXPOSURE_GROUPS,
        {"group_id": group},
        exposure="1569631729.91",
        pct_tier1="3139.2635",
    )
    results = with_figures(
        results,
        Result.GROUP_MEMBERS,
        {"group_id": group, "customer_id": member},
        single_name_exposure="7.77",
    )
    results = with_figures(
        results, Result.ACCOUNT_EXPOSURES, {"account_id": account}, exposure="123.45"
    )
    results = with_figures(
        results, Result.GUARANTEE_CIRCLES, {"circle_id": circle}, exposure="9.99"
    )
    results = with_figures(results, Result.HOUSEHOLDS, {"household_id": household}, deposits="1.23")
    results = with_figures(
        results, Result.REFERRAL_REACH, {"customer_id": referrer}, downstream_aum="42.42"
    )
    with DuckDBStore(path) as store:
        write_run(store, run, results, run_id="2099-01-01T00:00:00.000000Z")
    service = GraphService.from_path(path)
    service.refresh()
    return service, figures, path


def test_answers_carry_the_stored_figures_exactly(changed_run):
    service, figures, _ = changed_run
    group, exposure, pct = figures["group"]
    answer = service.group(group, role=Role.RISK)
    assert answer["group"]["exposure"] == exposure and answer["group"]["pct_tier1"] == pct
    assert isinstance(answer["group"]["exposure"], Decimal)
    assert str(answer["group"]["exposure"]) == "1569631729.91"
    member, single = figures["member"]
    assert {m["customer_id"]: m["single_name_exposure"] for m in answer["members"]}[
        member
    ] == single
    assert service.customer(member)["credit"]["single_name_exposure"] == single
    listed = {g["group_id"]: g for g in service.groups(page_size=500)["data"]}
    assert listed[group]["exposure"] == exposure
    # the exact filter and sort read the stored figure
    found = service.groups(min_exposure="1569631729.91", page_size=500)["data"]
    assert [g["group_id"] for g in found] == [group]
    assert service.groups(min_exposure=Decimal("1569631729.92"))["count"] == 0
    assert service.groups(sort="exposure")["data"][0]["group_id"] == group
    view = service.group_view(group)
    assert "exposure 1,569,631,729.91, 3139.3% of Tier 1" in view.subtitle
    account, account_exposure = figures["account"]
    holder = str(service.snapshot.accounts.at[account, "customer_id"])
    accounts = {a["account_id"]: a for a in service.customer(holder)["accounts"]}
    assert accounts[account]["exposure"] == account_exposure
    circle, circle_exposure = figures["circle"]
    assert service.circle(circle)["circle"]["exposure"] == circle_exposure
    household, deposits = figures["household"]
    assert service.household(household)["deposits"] == deposits
    referrer, downstream = figures["referrer"]
    assert service.cascade(referrer)["downstream_aum"] == downstream
    assert service.customer(referrer)["referrals"]["downstream_aum"] == downstream


def test_a_what_if_run_is_not_served_and_publish_switches_runs(changed_run, analyzed):
    service, figures, path = changed_run
    group, exposure, _ = figures["group"]
    served = service.snapshot.run["run_id"]
    _, run = analyzed
    what_if = with_figures(
        stored_results(run), Result.EXPOSURE_GROUPS, {"group_id": group}, exposure="0.01"
    )
    with DuckDBStore(path) as store:
        write_run(
            store, run, what_if, run_id="2099-02-01T00:00:00.000000Z", publish=False, kind="what-if"
        )
    service.refresh()
    assert service.snapshot.run["run_id"] == served
    assert service.group(group)["group"]["exposure"] == exposure
    with DuckDBStore(path) as store:
        store.publish(run.run_id)  # back to the first run
    service.refresh()
    assert service.snapshot.run["run_id"] == run.run_id
    assert service.group(group)["group"]["exposure"] != exposure
    assert service.latest_analysis()["run"]["run_id"] == run.run_id


def test_data_loaded_after_the_run_is_named_not_recomputed(analyzed, tmp_path):
    db, run = analyzed
    path = _copy(db, tmp_path)
    before = GraphService.from_path(db).refresh()
    group = str(before.groups.index[0])
    extra = tmp_path / "july"
    extra.mkdir()
    (extra / "customers.csv").write_text("customer_id,kind,name\nNEW0001,person,New Person\n")
    with DuckDBStore(path) as store:
        load_folder(extra, store, mode="delta", as_of="2026-07-31")
        newest = store.current_snapshot()
    service = GraphService.from_path(path)
    snap = service.refresh()
    (note,) = snap.notes
    assert note.startswith(f"figures are those of run {run.run_id}, which read the data of {AS_OF}")
    assert f"(snapshot {run.snapshot_id})" in note
    assert f"data loaded since: 2026-07-31 (snapshot {newest['snapshot_id']})" in note
    # the figures are the run's, unchanged; every answer built on them says so
    assert service.group(group) == {**GraphService.from_path(db).group(group), "notes": [note]}
    assert service.groups()["notes"] == [note] and service.influencers()["notes"] == [note]
    assert service.latest_analysis()["snapshot"]["notes"] == [note]
    assert service.latest_analysis()["snapshot"]["snapshot_as_of"] == "2026-07-31"
    assert note in service.group_view(group).notes
    assert note in service.network(group).notes
    assert note in service.overview_view().notes
    # a customer loaded since has the data's answers and no figure of the run
    new = service.customer("NEW0001")
    assert new["customer"]["name"] == "New Person" and new["notes"] == [note]
    assert new["credit"]["single_name_exposure"] is None and new["referrals"]["cascade"] is None
    with pytest.raises(NotFound, match="NEW0001 is in no exposure group"):
        service.group_of("NEW0001")


def test_a_group_or_circle_the_run_does_not_have(svc):
    label = re.escape(f"run {svc.snapshot.run['run_id']} (as of {AS_OF})")
    with pytest.raises(NotFound, match=f"exposure group nope not found in the published {label}"):
        svc.group_view("nope")
    with pytest.raises(NotFound, match=f"guarantee circle nope not found in the published {label}"):
        svc.circle_view("nope")


def test_latest_analysis_describes_the_published_run(svc, analyzed):
    _, run = analyzed
    latest = svc.latest_analysis()
    described = latest["run"]
    assert described["run_id"] == run.run_id and described["kind"] == "official"
    assert described["published"] is True
    assert (described["as_of"], described["snapshot_id"]) == (AS_OF, run.snapshot_id)
    assert described["snapshot_as_of"] == AS_OF
    assert described["tier1_capital"] == Decimal("50000000.00")
    assert described["reporting_currency"] == "CNY"
    assert described["rates"] == {
        "EUR": "7.7312",
        "HKD": "0.9125",
        "USD": "7.1235",
    }
    assert described["options"]["seeds_k"] == 3 and described["summary"]["groups"] == len(
        svc.snapshot.groups
    )
    assert described["groups"] == len(svc.snapshot.groups)
    assert (
        latest["snapshot"]["snapshot_id"] == run.snapshot_id and latest["snapshot"]["notes"] == []
    )


# -- guanxi view: the stored run, drawn ------------------------------------------------
def test_guanxi_view_draws_the_published_run(analyzed, tmp_path):
    from typer.testing import CliRunner

    from guanxi.cli import app

    db, run = analyzed
    path = _copy(db, tmp_path)
    snap = GraphService.from_path(path).refresh()
    group = str(snap.groups.index[0])
    runner = CliRunner()
    out = tmp_path / "group.html"
    done = runner.invoke(app, ["view", "group", group, "--store", str(path), "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert f"Exposure group {group}" in done.output and out.stat().st_size > 0
    missing = runner.invoke(app, ["view", "circle", "nope", "--store", str(path)])
    assert missing.exit_code == 6  # NotFound
    assert f"guarantee circle nope not found in the published run {run.run_id}" in (
        " ".join(missing.output.split())
    )
    # data loaded since the run: the view is the run's, and the command says so
    extra = tmp_path / "july"
    extra.mkdir()
    (extra / "customers.csv").write_text("customer_id,kind\nNEW0001,person\n")
    with DuckDBStore(path) as store:
        load_folder(extra, store, mode="delta", as_of="2026-07-31")
    again = runner.invoke(app, ["view", "group", group, "--store", str(path), "--out", str(out)])
    assert again.exit_code == 0 and "data loaded since: 2026-07-31" in " ".join(
        again.output.split()
    )


def test_guanxi_view_before_any_run_exits_8(bank, tmp_path):
    from typer.testing import CliRunner

    from guanxi.cli import app

    path, _ = analyzed_store(tmp_path / "loaded.duckdb", bank, analyze=False)
    runner = CliRunner()
    some = GraphService.from_path(path).snapshot.customers.index[0]
    for kind in ("group", "circle", "cascade"):
        done = runner.invoke(app, ["view", kind, some, "--store", str(path)])
        assert done.exit_code == 8, (kind, done.output)  # NotAnalyzed, a Conflict
        assert "guanxi analyze" in done.output
    assert runner.invoke(app, ["view", "overview", "--store", str(path)]).exit_code == 8
    out = tmp_path / "c.html"
    done = runner.invoke(app, ["view", "customer", some, "--store", str(path), "--out", str(out)])
    assert done.exit_code == 0, done.output  # the data needs no run


# -- what the read model walks per request: circles, cascades ---------------------
def test_a_circle_s_guarantees_are_its_valid_guarantees(svc):
    from guanxi.algorithms.groups import valid_guarantees  # the oracle

    snap = svc.snapshot
    valid = valid_guarantees(snap.frames[Entity.GUARANTEES], as_of=AS_OF)
    assert len(snap.circles)
    for circle_id in snap.circles.index:
        answer = svc.circle(circle_id)
        inside = {m["customer_id"] for m in answer["members"]}
        want = valid[valid["guarantor_id"].isin(inside) & valid["borrower_id"].isin(inside)]
        got = pd.DataFrame(answer["guarantees"])
        assert got["guarantor_id"].tolist() == want["guarantor_id"].tolist()
        assert got["borrower_id"].tolist() == want["borrower_id"].tolist()
        assert got["amount"].tolist() == want["amount"].tolist()
        assert len(got) == answer["circle"]["guarantees"]


@pytest.mark.parametrize(("max_depth", "max_nodes"), [(None, 500), (1, 500), (None, 7), (2, 3)])
def test_a_cascade_is_the_referral_tree(svc, max_depth, max_nodes):
    from guanxi.algorithms.referrals import cascade_tree  # the oracle

    snap = svc.snapshot
    roots = snap.reach.sort_values(["cascade", "customer_id"], ascending=[False, True]).index[:5]
    for root in roots:
        answer = svc.cascade(root, max_depth=max_depth, max_nodes=max_nodes)
        tree = cascade_tree(
            snap.frames[Entity.REFERRALS],
            snap.frames[Entity.CUSTOMERS],
            root,
            max_depth=max_depth or 50,
            max_nodes=max_nodes,
        )
        nodes = tree.nodes
        assert [n["customer_id"] for n in answer["nodes"]] == nodes["customer_id"].tolist()
        assert [n["parent"] for n in answer["nodes"]] == [
            None if pd.isna(p) else p for p in nodes["parent"].tolist()
        ]
        assert [n["generation"] for n in answer["nodes"]] == nodes["generation"].tolist()
        assert [n["aum"] for n in answer["nodes"]] == [
            None if pd.isna(a) else a for a in nodes["aum"].tolist()
        ]
        assert answer["truncated"] == tree.truncated
        whole = answer["cascade"] == len(nodes) - 1
        if whole:  # the tree's AUM adds up to the run's downstream AUM
            total = sum((g["aum_shown"] for g in answer["generations"]), Decimal(0))
            assert total == answer["downstream_aum"]


@pytest.mark.parametrize(
    "module",
    [
        "guanxi.roles",
        "guanxi.limits",
        "guanxi.values",
        "guanxi.view_model",
        "guanxi.service.snapshot",
    ],
)
def test_docstring_examples_run(module):
    import doctest
    import importlib

    found = doctest.testmod(importlib.import_module(module))
    assert found.attempted > 0 and found.failed == 0


def test_one_default_for_what_a_view_leaves_out():
    """The read model and the renderer read a missing optional column alike: an edge
    that does not say it is directed is drawn without an arrow, by both."""
    from guanxi.view_model import EDGE_DEFAULTS
    from guanxi.viz.views import _edges

    view = NetworkView.from_rows(
        [{"id": "c:1", "kind": "person"}, {"id": "c:2", "kind": "person"}],
        [{"source": "c:1", "target": "c:2", "type": "REFERRED"}],
        title="t",
    )
    drawn = _edges(view.edges.drop(columns=["directed"]))
    assert EDGE_DEFAULTS["directed"] is False
    assert view.edges["directed"].tolist() == drawn["directed"].tolist() == [False]


# -- marketer depth (issue 17): value tiers, churn, communities, portfolios -------------
def _keys(value):
    """Every key of a JSON-ready answer, at any depth."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _keys(v)
    elif isinstance(value, list):
        for v in value:
            yield from _keys(v)


def _marketer_answers(svc, role):
    snap = svc.snapshot
    community = snap.results[Result.COMMUNITY_PROFILES]["community_id"].iat[0]
    rm = snap.results[Result.RM_PORTFOLIOS]["rm_id"].iat[0]
    at_risk = snap.results[Result.AT_RISK]["customer_id"].iat[0]
    valued = snap.results[Result.VALUE_TIERS]["customer_id"].iat[0]
    return [
        svc.value_tiers(page_size=500, role=role),
        svc.at_risk(page_size=500, role=role),
        svc.communities(page_size=500, role=role),
        svc.community(community, role=role),
        svc.rm_portfolios(role=role),
        svc.rm_portfolio(rm, role=role),
        svc.customer(at_risk, role=role),
        svc.customer(valued, role=role),
    ]


def test_the_marketing_role_sees_no_credit_amount_in_the_marketer_s_answers(svc):
    from guanxi.service import CREDIT_FIELDS

    for answer in _marketer_answers(svc, Role.MARKETING):
        leaked = set(_keys(answer)) & CREDIT_FIELDS
        assert not leaked, leaked
    # the analyst (credit and marketing) sees the value amounts
    analyst = svc.value_tiers(page_size=1, role=Role.ANALYST)["data"][0]
    assert {"own_value", "referral_value", "total_value", "credit_revenue"} <= set(analyst)
    marketing = svc.value_tiers(page_size=1, role=Role.MARKETING)["data"][0]
    assert {"tier", "quadrant", "own_pct", "referral_pct", "aum"} <= set(marketing)
    assert not {"own_value", "referral_value", "total_value"} & set(marketing)
    # and the risk role reads none of them
    for method in ("value_tiers", "at_risk", "communities", "rm_portfolios"):
        with pytest.raises(Forbidden, match="the risk role may not"):
            getattr(svc, method)(role=Role.RISK)
    with pytest.raises(Forbidden):
        svc.community_view("x", role=Role.RISK)


def test_value_tiers_are_the_run_s_with_filters_that_ignore_case(svc):
    snap = svc.snapshot
    stored = snap.results[Result.VALUE_TIERS]
    everyone = svc.value_tiers(page_size=500)
    assert everyone["count"] == len(stored)
    first = everyone["data"][0]
    assert first["customer_id"] == stored["customer_id"].iat[0]
    assert first["total_value"] == stored["total_value"].iat[0]
    assert [r["value_rank"] for r in everyone["data"]] == list(range(1, len(everyone["data"]) + 1))
    # pages follow each other
    two = svc.value_tiers(page=2, page_size=5)["data"]
    assert [r["customer_id"] for r in two] == stored["customer_id"].iloc[5:10].tolist()
    # tier and quadrant, any case
    a = svc.value_tiers(tier="a", page_size=500)
    assert a["count"] == int((stored["tier"] == "A").sum()) and a["count"] > 0
    assert {r["tier"] for r in a["data"]} == {"A"}
    champions = svc.value_tiers(quadrant="Champion", page_size=500)
    assert champions["count"] == int((stored["quadrant"] == "champion").sum())
    # segment=Private finds the customers of segment "private"
    segments = snap.customers.reindex(stored["customer_id"])["segment"].astype("str")
    segment = segments.dropna().iloc[0]
    found = svc.value_tiers(segment=segment.upper(), page_size=500)
    assert found["count"] == int((segments == segment).sum()) > 0
    assert {r["segment"] for r in found["data"]} == {segment}
    assert svc.value_tiers(segment="no such segment")["count"] == 0


def test_customers_at_risk_name_who_they_are_tied_to(svc):
    snap = svc.snapshot
    stored = snap.results[Result.AT_RISK]
    left = snap.results[Result.DEPARTURES].set_index("customer_id")
    assert len(stored) > 0 and len(left) > 0
    answer = svc.at_risk(page_size=500, role=Role.MARKETING)
    assert [r["customer_id"] for r in answer["data"]] == stored["customer_id"].tolist()
    for row, (_, want) in zip(answer["data"], stored.iterrows(), strict=True):
        assert row["hazard_ratio"] == want["hazard_ratio"] and row["rank"] == want["rank"]
        ids = want["departed_ids"].split(";")
        assert [d["customer_id"] for d in row["departed"]] == ids
        assert [d["closed_on"] for d in row["departed"]] == [left.at[i, "closed_on"] for i in ids]
        assert row["via"] == want["via"].split(";")
    rm = snap.customers.reindex(stored["customer_id"])["rm_id"].dropna()
    if len(rm):
        mine = svc.at_risk(rm_id=rm.iat[0].lower(), page_size=500)
        assert mine["count"] == int((rm == rm.iat[0]).sum())


def test_a_customer_answer_carries_the_tier_and_the_churn(svc):
    snap = svc.snapshot
    tiers = snap.results[Result.VALUE_TIERS].set_index("customer_id")
    risk = snap.results[Result.AT_RISK].set_index("customer_id")
    left = snap.results[Result.DEPARTURES].set_index("customer_id")
    cid = risk.index[0]
    marketing = svc.customer(cid, role=Role.MARKETING)
    assert marketing["value"]["tier"] == tiers.at[cid, "tier"]
    assert marketing["value"]["quadrant"] == tiers.at[cid, "quadrant"]
    assert "own_value" not in marketing["value"]
    assert (
        marketing["churn"]["at_risk"] is True and marketing["churn"]["rank"] == risk.at[cid, "rank"]
    )
    analyst = svc.customer(cid, role=Role.ANALYST)
    assert analyst["value"]["own_value"] == tiers.at[cid, "own_value"]
    gone = left.index[0]
    answer = svc.customer(gone, role=Role.MARKETING)
    assert answer["value"] is None  # who left has no tier
    assert answer["churn"]["left"] is True
    assert answer["churn"]["closed_on"] == left.at[gone, "closed_on"]
    calm = next(c for c in tiers.index if c not in risk.index)
    assert svc.customer(calm)["churn"] == {"left": False, "at_risk": False}
    assert "value" not in svc.customer(cid, role=Role.RISK)


def test_communities_and_their_view(svc):
    snap = svc.snapshot
    profiles = snap.results[Result.COMMUNITY_PROFILES]
    answer = svc.communities(page_size=500, role=Role.MARKETING)
    assert answer["count"] == len(profiles)
    assert [c["community_id"] for c in answer["data"]] == profiles["community_id"].tolist()
    big = answer["data"][0]
    assert sum(s["customers"] for s in big["segments"]) <= big["size"]
    assert big["top_influencer"] is None or "name" in big["top_influencer"]
    assert svc.communities(min_size=big["size"] + 1)["count"] == 0
    rm = big["rms"][0]["value"] if big["rms"] else None
    if rm:
        with_rm = svc.communities(rm_id=rm.swapcase(), page_size=500)["data"]
        assert big["community_id"] in [c["community_id"] for c in with_rm]
    cid = big["community_id"]
    members = set(
        snap.results[Result.COMMUNITIES]
        .loc[lambda f: f["community_id"] == cid, "customer_id"]
        .astype("str")
    )
    detail = svc.community(cid, role=Role.MARKETING)
    assert detail["members_total"] == len(members) == big["size"]
    assert {m["customer_id"] for m in detail["members"]} == members
    view = svc.community_view(cid, role=Role.MARKETING)
    customers = {i[2:] for i in view.nodes["id"] if i.startswith("c:")}
    assert customers == members
    # the households and accounts two members share, and only those
    shared = view.nodes[~view.nodes["id"].str.startswith("c:")]
    for node in shared["id"]:
        ends = view.edges.loc[view.edges["target"] == node, "source"].tolist()
        ends += view.edges.loc[view.edges["source"] == node, "target"].tolist()
        assert len({e for e in ends if e.startswith("c:")}) >= 2, node
    # every referral between two members is drawn
    refs = snap.frames[Entity.REFERRALS]
    inside = refs[refs["referrer_id"].isin(members) & refs["referee_id"].isin(members)]
    drawn = set(
        zip(
            view.edges.loc[view.edges["type"] == "REFERRED", "source"],
            view.edges.loc[view.edges["type"] == "REFERRED", "target"],
            strict=True,
        )
    )
    assert {
        ("c:" + a, "c:" + b)
        for a, b in zip(inside["referrer_id"], inside["referee_id"], strict=True)
    } == drawn
    assert set(view.edges["type"]) <= {"REFERRED", "HOLDS", "MEMBER_OF"}
    if detail["community"]["top_influencer"]:
        top = "c:" + detail["community"]["top_influencer"]["customer_id"]
        assert view.nodes.set_index("id").at[top, "highlight"]
    text = " ".join(view.nodes["title"]) + " ".join(view.edges["title"])
    for field in ("credit_limit", "outstanding", "single_name_exposure", "exposure:"):
        assert field not in text
    small = svc.community_view(cid, limit=3)
    assert len(small.nodes) <= 3 and small.truncated and small.omitted_nodes == len(members) - 3
    with pytest.raises(NotFound, match="community nope is not in the published run"):
        svc.community("nope")


def test_relationship_managers_portfolios(svc):
    snap = svc.snapshot
    stored = snap.results[Result.RM_PORTFOLIOS]
    answer = svc.rm_portfolios(role=Role.MARKETING)
    assert [r["rm_id"] for r in answer["data"]] == stored["rm_id"].tolist()
    first = stored.iloc[0]
    one = svc.rm_portfolio(first["rm_id"])["portfolio"]
    assert one["aum"] == first["aum"] and one["customers"] == first["customers"]
    assert [p["customer_id"] for p in one["top_at_risk"]] == [
        c for c in str(first["top_at_risk"] or "").split(";") if c
    ]
    with pytest.raises(NotFound, match="relationship manager nobody has no portfolio"):
        svc.rm_portfolio("nobody")


def test_excluding_an_unknown_customer_from_seeds_is_an_error(svc):
    with pytest.raises(NotFound, match="exclude: customer not-a-customer not found"):
        svc.seeds(k=1, exclude=["not-a-customer"])


def test_company_names_are_masked_whole(svc):
    snap = svc.snapshot
    company = snap.customers.index[snap.customers["kind"] == "company"][0]
    assert svc.customer(company, role=Role.MARKETING)["customer"]["name"] == "***"
    name = snap.customers.at[company, "name"]
    view = svc.network(company, hops=1, role=Role.MARKETING)
    assert view.nodes.set_index("id").at["c:" + company, "label"] == "***"
    assert (
        name not in " ".join(view.nodes["title"])
        and name[0] + "." not in view.nodes["label"].tolist()
    )
