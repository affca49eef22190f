"""Fixtures of the API tests: a generated bank, loaded and analyzed once per session on
the embedded store (and on the Bolt server), a service over each, API keys for every
role, and a TestClient per backend.

Route tests take ``client`` (parametrized: ``embedded``, and ``bolt`` on the test Neo4j)
and ``auth`` (headers per role). Tests that change state (analyses, refresh,
audit) build their own app on a copy of the embedded store.

The month-over-month routes (runs, changes, group history, alerts) are tested on
``months``: three month-ends of a generated bank with planted changes, each loaded as
a full dated snapshot and analyzed, then a what-if run (``months_client`` serves it).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from api_support import AS_OF, BANK_SEED, BANK_SIZE, OPTIONS, Keys, TestClient, make_settings

from guanxi.analysis import AnalysisOptions, run_analysis
from guanxi.api.app import create_app
from guanxi.api.security import ApiKeys, create_api_key
from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.graph.store import Result
from guanxi.loaders.load import load_folder
from guanxi.loaders.synthetic import generate_bank
from guanxi.service import GraphService, Role

try:  # the repository root on sys.path (python -m pytest), or tests/ itself (pytest)
    from tests.read_model_support import ensure_fx_rates
except ModuleNotFoundError:
    from read_model_support import ensure_fx_rates  # type: ignore[no-redef]


@pytest.fixture(scope="session")
def api_bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("api-bank")
    generate_bank(folder, customers=BANK_SIZE, seed=BANK_SEED)
    ensure_fx_rates(folder)
    return folder


@pytest.fixture(scope="session")
def loaded_db(api_bank: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store holding the bank, never analyzed (closed: a file on disk)."""
    path = tmp_path_factory.mktemp("api-loaded") / "guanxi.duckdb"
    with DuckDBStore(path) as store:
        load_folder(api_bank, store, as_of=AS_OF)
    return path


@pytest.fixture(scope="session")
def analyzed_db(loaded_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same bank, analyzed, results written back (closed: a file on disk)."""
    path = tmp_path_factory.mktemp("api-analyzed") / "guanxi.duckdb"
    shutil.copy(loaded_db, path)
    with DuckDBStore(path) as store:
        run_analysis(store, None, AnalysisOptions(**OPTIONS))
    return path


@pytest.fixture(scope="session")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    path = tmp_path_factory.mktemp("api-keys") / "keys.json"
    plain = {role: create_api_key(f"{role.value}-user", role, path) for role in Role}
    return Keys(path, plain)


@pytest.fixture
def auth(keys: Keys):
    """``auth(role)`` -> the Authorization header of that role's key."""
    return keys.headers


def make_client(app, **kw) -> TestClient:
    return TestClient(app, **kw)


@pytest.fixture(scope="session")
def embedded_service(analyzed_db: Path, keys: Keys, tmp_path_factory) -> Iterator[GraphService]:
    settings = make_settings(analyzed_db, keys, tmp_path_factory.mktemp("a") / "audit.jsonl")
    service = GraphService.from_path(analyzed_db, settings=settings)
    service.refresh()
    yield service
    service.close()


@pytest.fixture(scope="session")
def bolt_service(request: pytest.FixtureRequest, api_bank: Path, keys: Keys, tmp_path_factory):
    """The bank on the test Neo4j over Bolt: loaded, analyzed, snapshotted."""
    target = request.getfixturevalue("neo4j_target")
    store = target.store(batch_size=5_000)
    store.clear()
    store.ensure_schema()
    load_folder(api_bank, store, as_of=AS_OF)
    run_analysis(store, None, AnalysisOptions(**OPTIONS))
    settings = make_settings(
        target.uri,
        keys,
        tmp_path_factory.mktemp("b") / "audit.jsonl",
        neo4j_database=target.database,
    )
    service = GraphService.from_store(store, settings=settings)
    service.refresh()
    yield service
    service.close()
    store.close()


@pytest.fixture(scope="session", params=["embedded", pytest.param("bolt", marks=pytest.mark.bolt)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture(scope="session")
def service(backend: str, request: pytest.FixtureRequest) -> GraphService:
    """The analyzed bank's service, on each backend."""
    return request.getfixturevalue(f"{backend}_service")


@pytest.fixture(scope="session")
def client(service: GraphService, keys: Keys, tmp_path_factory) -> Iterator[TestClient]:
    """A client of the app serving the analyzed bank, on each backend."""
    settings = make_settings(
        "unused.duckdb", keys, tmp_path_factory.mktemp("audit") / "audit.jsonl"
    )
    with make_client(create_app(settings, service, keys=ApiKeys(keys.path))) as c:
        yield c


@dataclass(frozen=True)
class Facts:
    """Ids of the analyzed bank to ask about."""

    grouped: str  # a customer in an exposure group, with a name and credit
    group_id: str
    single: str  # a customer in no group
    circle_id: str
    household_id: str
    referrer: str  # a customer with a referral cascade of 2+ generations
    suspect: str  # a customer sharing a contact detail
    hub: str  # the customer with the most relationships


@pytest.fixture(scope="session")
def facts(embedded_service: GraphService) -> Facts:
    snap = embedded_service.snapshot
    groups = snap.groups.sort_values(["size", "group_id"], ascending=[False, True])
    group_id = str(groups["group_id"].iloc[0])
    members = snap.group_members.rows(group_id)
    credit = members[members["single_name_exposure"] > 0].copy()
    credit["person"] = snap.customers["kind"].reindex(credit["customer_id"]).to_numpy() == "person"
    credit = credit.sort_values(["person", "single_name_exposure"], ascending=False)
    grouped = str(credit["customer_id"].iloc[0])
    in_group = set(snap.metrics.loc[snap.metrics["group_id"].notna(), "customer_id"])
    single = next(c for c in snap.customers.index if c not in in_group)
    circle_id = str(snap.circles["circle_id"].iloc[0])
    household_id = str(snap.household_summary.index[0])
    reach = snap.reach[snap.reach["depth"] >= 2].sort_values("cascade", ascending=False)
    referrer = str(reach["customer_id"].iloc[0])
    suspect = str(snap.suspected_by_customer.keys[0])
    degree = snap.graph.adj.indptr[1:] - snap.graph.adj.indptr[:-1]
    hub = str(snap.graph.ids[int(degree[: len(snap.customers)].argmax())])[2:]
    return Facts(grouped, group_id, single, circle_id, household_id, referrer, suspect, hub)


@pytest.fixture
def fresh_app(analyzed_db: Path, keys: Keys, tmp_path: Path):
    """``fresh_app(db=None)`` -> (TestClient, service, settings) on a private copy of the
    analyzed store (or of ``db``), with its own audit log."""
    opened: list = []

    def make(db: Path | None = None, **kw):
        path = tmp_path / f"copy-{len(opened)}.duckdb"
        shutil.copy(db or analyzed_db, path)
        settings = make_settings(path, keys, tmp_path / f"audit-{len(opened)}.jsonl", **kw)
        service = GraphService.from_settings(settings)
        service.refresh()
        client = make_client(create_app(settings, service, keys=ApiKeys(keys.path)))
        client.__enter__()
        opened.append((client, service))
        return client, service, settings

    yield make
    for client, service in opened:
        client.__exit__(None, None, None)
        service.close()


@pytest.fixture(scope="session")
def store_down(backend: str, keys: Keys, tmp_path_factory) -> Iterator[TestClient]:
    """A client of an app whose store cannot be read: a missing embedded file, or a Bolt
    port nobody listens on."""
    try:
        from tests.neo4j_server import free_port
    except ModuleNotFoundError:
        from neo4j_server import free_port  # type: ignore[no-redef]

    folder = tmp_path_factory.mktemp("down")
    target = (
        folder / "missing.duckdb" if backend == "embedded" else f"bolt://127.0.0.1:{free_port()}"
    )
    settings = make_settings(
        target,
        keys,
        folder / "audit.jsonl",
        neo4j_max_transaction_retry_time=0.0,
        neo4j_connection_timeout=2.0,
    )
    with make_client(create_app(settings, keys=ApiKeys(keys.path))) as c:
        yield c


@pytest.fixture(scope="session")
def unanalyzed(loaded_db: Path, keys: Keys, tmp_path_factory) -> Iterator[TestClient]:
    """A client of an app on a store that was loaded but never analyzed."""
    folder = tmp_path_factory.mktemp("unanalyzed")
    settings = make_settings(loaded_db, keys, folder / "audit.jsonl")
    with make_client(create_app(settings, keys=ApiKeys(keys.path))) as c:
        yield c


# -- month over month ---------------------------------------------------------------
MONTHS_SIZE = 600
MONTHS_SEED = 11


@dataclass(frozen=True)
class Months:
    """Three analyzed month-ends with planted changes, and a what-if run after them."""

    db: Path
    planted: dict
    runs: list[str]  # the official runs, oldest first (the last one is published)
    what_if: str
    #: the group of each customer in each official run, as the runs stored them
    groups: list[dict[str, str]]

    def changes(self, month: int) -> dict[str, dict]:
        """The changes planted between month ``month - 1`` and ``month`` (0-based)."""
        return {c["kind"]: c for c in self.planted["months"][month]["changes"]}

    def group_of(self, customer_id: str, month: int) -> str:
        return self.groups[month][customer_id]


@pytest.fixture(scope="session")
def months(tmp_path_factory: pytest.TempPathFactory) -> Months:
    root = tmp_path_factory.mktemp("api-months")
    summary = generate_bank(root / "bank", customers=MONTHS_SIZE, seed=MONTHS_SEED, months=3)
    planted = json.loads(summary.planted_path.read_text(encoding="utf-8"))
    capital = Decimal(str(planted["tier1_capital"]))
    path = root / "guanxi.duckdb"
    runs, groups = [], []
    with DuckDBStore(path) as store:
        for as_of, folder in summary.months.items():
            load_folder(folder, store, as_of=as_of)
            options = AnalysisOptions(tier1_capital=capital, seed=MONTHS_SEED, seeds_simulations=50)
            runs.append(run_analysis(store, None, options).run_id)
        what_if = run_analysis(
            store, None, AnalysisOptions(seed=MONTHS_SEED, seeds_simulations=50), what_if=True
        ).run_id
        for run_id in runs:
            members = store.fetch_results(Result.GROUP_MEMBERS, run_id)
            groups.append(dict(zip(members["customer_id"], members["group_id"], strict=True)))
    return Months(path, planted, runs, what_if, groups)


@pytest.fixture(scope="session")
def months_app(months: Months, keys: Keys, tmp_path_factory) -> Iterator[tuple[TestClient, Path]]:
    """A client of the app serving the three months (the third published), and its
    audit log."""
    audit = tmp_path_factory.mktemp("months-audit") / "audit.jsonl"
    settings = make_settings(months.db, keys, audit)
    service = GraphService.from_path(months.db, settings=settings)
    service.refresh()
    with make_client(create_app(settings, service, keys=ApiKeys(keys.path))) as c:
        yield c, audit
    service.close()


@pytest.fixture(scope="session")
def months_client(months_app) -> TestClient:
    return months_app[0]


@pytest.fixture
def last_audit(months_app):
    """``last_audit()`` -> the last entry of the months app's audit log."""

    def read() -> dict:
        return json.loads(months_app[1].read_text(encoding="utf-8").splitlines()[-1])

    return read
