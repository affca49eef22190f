"""``guanxi analyze --engine gds``: the whole-bank passes in Neo4j Graph Data Science
give the same exposure groups and guarantee circles as the in-process engine, and
communities of comparable modularity (tests/neo4j_server.py runs GDS 2.13)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from guanxi.algorithms.engine import IN_PROCESS, igraph_leiden, modularity
from guanxi.analysis import AnalysisOptions, run_analysis
from guanxi.errors import ConfigError
from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.loaders.load import load_folder
from guanxi.loaders.synthetic import generate_bank

pytestmark = pytest.mark.bolt

OPTIONS = dict(as_of="2026-06-30", tier1_capital=250_000_000, seeds_k=2, seeds_simulations=50)


def partition(labels: np.ndarray) -> set[frozenset]:
    groups: dict[int, set] = {}
    for node, label in enumerate(labels.tolist()):
        groups.setdefault(label, set()).add(node)
    return {frozenset(g) for g in groups.values()}


@pytest.fixture
def gds(bolt_target):
    store = bolt_target.store()
    yield store.gds_engine()
    store.close()


def random_edges(seed: int, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, n, m), rng.integers(0, n, m)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_components_are_the_in_process_ones(gds, seed):
    n = 400
    a, b = random_edges(seed, n, 300)  # sparse: many components, isolated nodes too
    assert partition(gds.weak_components(n, a, b)) == partition(IN_PROCESS.weak_components(n, a, b))
    assert partition(gds.strong_components(n, a, b)) == partition(
        IN_PROCESS.strong_components(n, a, b)
    )


def test_no_edges_means_every_node_alone(gds):
    empty = np.zeros(0, dtype=np.int64)
    assert partition(gds.weak_components(3, empty, empty)) == {
        frozenset({0}),
        frozenset({1}),
        frozenset({2}),
    }


def test_leiden_finds_communities_as_good_as_igraphs(gds):
    # four cliques of 10, joined in a ring by one edge each: both must find the cliques
    a, b = [], []
    for c in range(4):
        nodes = range(c * 10, c * 10 + 10)
        a += [i for i in nodes for j in nodes if i < j]
        b += [j for i in nodes for j in nodes if i < j]
        a.append(c * 10)
        b.append(((c + 1) % 4) * 10 + 1)
    a, b = np.array(a), np.array(b)
    w = np.ones(len(a))
    ours = gds.leiden(40, a, b, w, 7, 1.0, 2)
    theirs = igraph_leiden(40, a, b, w, 7, 1.0, 2)
    assert partition(ours) == partition(theirs)
    assert modularity(ours, a, b, w) == pytest.approx(modularity(theirs, a, b, w))


def test_the_engines_give_the_same_groups_and_circles(bolt_target, tmp_path):
    """One generated bank in Neo4j, analyzed by each engine: the groups, members, links
    and circles files are byte-identical; the communities' modularity is close."""
    data = tmp_path / "bank"
    generate_bank(data, customers=600, seed=5)
    store = bolt_target.store(batch_size=1000)
    store.clear()
    load_folder(data, store)
    runs = {
        engine: run_analysis(store, tmp_path / engine, AnalysisOptions(engine=engine, **OPTIONS))
        for engine in ("python", "gds")
    }
    for name in (
        "exposure_groups.csv",
        "group_members.csv",
        "group_links.csv",
        "single_names.csv",
        "guarantee_circles.csv",
        "circle_summary.csv",
        "circle_cycles.csv",
    ):
        python = (tmp_path / "python" / name).read_bytes()
        assert python == (tmp_path / "gds" / name).read_bytes(), name
    assert len(runs["gds"].frames["group_members"]) > 0
    assert len(runs["gds"].frames["guarantee_circles"]) > 0
    assert runs["gds"].modularity == pytest.approx(runs["python"].modularity, abs=0.03)
    # the run records which engine made it
    assert store.published_run()["options"]["engine"] == "gds"
    members = pd.read_csv(tmp_path / "gds" / "communities.csv", dtype=str)
    assert len(members) == len(pd.read_csv(tmp_path / "python" / "communities.csv", dtype=str))
    store.close()


def test_the_gds_engine_needs_a_neo4j_store(tmp_path):
    with (
        DuckDBStore(tmp_path / "s.duckdb", create=True) as store,
        pytest.raises(ConfigError, match="needs a Neo4j store"),
    ):
        run_analysis(store, None, AnalysisOptions(engine="gds"))


def test_an_unknown_engine_is_refused():
    with pytest.raises(ConfigError, match="--engine must be one of python, gds"):
        AnalysisOptions(engine="spark")
