"""guanxi.service: the snapshot read model, roles and masking, bounded traversals and
the NetworkView shape the HTML views are drawn from."""

from __future__ import annotations

import shutil
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from guanxi.analysis import AnalysisOptions, run_analysis
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

OPTIONS = dict(as_of="2026-06-30", tier1_capital=50_000_000.0, seeds_k=3, seeds_simulations=100)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("svc-bank")
    generate_bank(folder / "bank", customers=300, seed=21)
    path = folder / "guanxi.duckdb"
    with DuckDBStore(path) as store:
        load_folder(folder / "bank", store)
        run_analysis(store, None, AnalysisOptions(**OPTIONS))
    return path


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


def test_results_match_the_analysis(svc):
    snap = svc.snapshot
    assert snap.analyzed and snap.as_of == "2026-06-30"
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
    assert nodes.at["g:" + groups[0]["group_id"], "value"] == pytest.approx(groups[0]["exposure"])
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
    path = tmp_path / "fresh.duckdb"
    with DuckDBStore(path) as store:
        load_folder(folder, store)
    service = GraphService.from_path(path)
    with pytest.raises(NotAnalyzed, match="guanxi analyze"):
        service.groups()
    with pytest.raises(NotAnalyzed):
        service.influencers()
    assert service.latest_analysis()["analyzed"] is False
    # what needs no analysis works already
    some = service.snapshot.customers.index[0]
    assert service.customer(some)["credit"]["group"] is None
    assert service.household(service.snapshot.household_summary.index[0])
    result = service.analyze(service.default_options(as_of="2026-06-30", seeds_k=1))
    assert result["analyzed"] and result["job"]["state"] == "succeeded"
    assert service.groups()["count"] >= 0


def test_one_analysis_at_a_time(svc):
    assert svc._analysis_lock.acquire()
    try:
        with pytest.raises(Conflict, match="already running"):
            svc.analyze()
    finally:
        svc._analysis_lock.release()


def test_seeds(svc):
    seeds = svc.seeds(k=3, role=Role.MARKETING)
    assert 1 <= len(seeds["data"]) <= 3
    first = seeds["data"][0]["customer_id"]
    again = svc.seeds(k=3, exclude=[first], role=Role.MARKETING)
    assert first not in {s["customer_id"] for s in again["data"]}
    with pytest.raises(ConfigError):
        svc.seeds(k=0)


@pytest.mark.parametrize(
    "module", ["guanxi.roles", "guanxi.limits", "guanxi.values", "guanxi.view_model"]
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
