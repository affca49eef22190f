"""Faults and concurrency: what a load leaves behind when Neo4j dies mid-way, what two
loads at once do, and that reads go on while a load is written.

The kill tests run on the session's killable test Neo4j (``killable_neo4j``, never the
server the other tests use), killed with SIGKILL from the load's own progress callback,
i.e. while the load's transaction is open, and restarted on the same data folder and
port; each test starts with it running and empty. What survives is compared with the
embedded store loaded with the same frames. The concurrency tests run on the session's
Neo4j servers, and (two processes) on the embedded DuckDB store.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from guanxi.cli import show_status
from guanxi.errors import StoreQueryError, StoreUnavailable
from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.graph.neo4j_store import LoadStatus, Neo4jStore, WriteMode
from guanxi.graph.schema import LOAD_ORDER, Entity, canonical_frame

try:  # pytest's default (prepend) import mode puts this folder on sys.path
    from test_store_contract import EXPECTED_COUNTS, bank, customers
except ModuleNotFoundError:  # tests/ and tests/graph/ made packages
    from tests.graph.test_store_contract import EXPECTED_COUNTS, bank, customers
pytestmark = pytest.mark.bolt

#: a dead server must fail a test in seconds: connect for at most 2 s, retry for 1 s
FAIL_FAST = {"connection_timeout": 2.0, "max_transaction_retry_time": 1.0}


# -- helpers -------------------------------------------------------------------------
def private_store(server, **kwargs) -> Neo4jStore:
    """A Neo4jStore with its own driver on the killable test Neo4j."""
    kwargs.setdefault("batch_size", 2)
    for key, value in FAIL_FAST.items():
        kwargs.setdefault(key, value)
    return Neo4jStore(server.uri, auth=server.auth, database=server.database, **kwargs)


def own_store(target, **kwargs) -> Neo4jStore:
    """A Neo4jStore with a driver of its own (and a generous retry budget) on a
    session server: what a second process would have."""
    kwargs.setdefault("batch_size", 5)
    kwargs.setdefault("max_transaction_retry_time", 60.0)
    return Neo4jStore(target.uri, auth=target.auth, database=target.database, **kwargs)


def snapshot(store) -> tuple[dict[str, int], dict[Entity, pd.DataFrame]]:
    return store.counts(), {entity: store.fetch(entity) for entity in LOAD_ORDER}


def assert_same_state(store, reference) -> None:
    counts, frames = snapshot(store)
    ref_counts, ref_frames = snapshot(reference)
    assert counts == ref_counts
    for entity in LOAD_ORDER:
        pdt.assert_frame_equal(frames[entity], ref_frames[entity], obj=entity.value)


def embedded(tmp_path: Path, *loads: dict[Entity, pd.DataFrame]) -> DuckDBStore:
    """The embedded store after the same loads: what the Neo4j store must hold."""
    store = DuckDBStore(str(tmp_path / f"reference-{time.monotonic_ns()}.duckdb"))
    for frames in loads:
        store.load(frames)
    return store


def first_load() -> dict[Entity, pd.DataFrame]:
    """What the store holds before the load that gets killed: three customers, one
    of whom the killed load would change."""
    frame = customers().iloc[:3].copy()
    frame.loc[0, "segment"] = "before"
    return {Entity.CUSTOMERS: canonical_frame(Entity.CUSTOMERS, frame)}


def killer(server, entity: Entity, after_rows: int):
    """A progress callback that kills ``server`` once ``entity`` has ``after_rows``
    rows written (inside the open transaction, in single-transaction mode)."""
    calls: list[tuple[Entity, int, int]] = []

    def progress(e: Entity, done: int, total: int) -> None:
        calls.append((e, done, total))
        if e is entity and done >= after_rows and server.is_running():
            server.kill()

    progress.calls = calls  # type: ignore[attr-defined]
    return progress


def synthetic_bank(prefix: str, n: int) -> dict[Entity, pd.DataFrame]:
    """``n`` customers with an account each, a referral chain and households: enough
    rows for a load to take many batches."""
    ids = [f"{prefix}{i:05d}" for i in range(n)]
    return {
        Entity.CUSTOMERS: canonical_frame(
            Entity.CUSTOMERS,
            pd.DataFrame(
                {
                    "customer_id": ids,
                    "kind": ["person" if i % 3 else "company" for i in range(n)],
                    "name": [f"Customer {i}" for i in range(n)],
                    "aum": [float(i * 100) for i in range(n)],
                    "rm_id": [f"{prefix}RM{i % 4}" for i in range(n)],
                }
            ),
        ),
        Entity.ACCOUNTS: canonical_frame(
            Entity.ACCOUNTS,
            pd.DataFrame(
                {
                    "account_id": [f"{prefix}A{i:05d}" for i in range(n)],
                    "customer_id": ids,
                    "product": ["loan" if i % 2 else "savings" for i in range(n)],
                    "balance": [float(i) for i in range(n)],
                }
            ),
        ),
        Entity.HOUSEHOLDS: canonical_frame(
            Entity.HOUSEHOLDS,
            pd.DataFrame(
                {
                    "household_id": [f"{prefix}H{i // 2:05d}" for i in range(n)],
                    "customer_id": ids,
                    "role": ["head" if i % 2 == 0 else "spouse" for i in range(n)],
                }
            ),
        ),
        Entity.REFERRALS: canonical_frame(
            Entity.REFERRALS,
            pd.DataFrame({"referrer_id": ids[:-1], "referee_id": ids[1:]}),
        ),
    }


def run_in_threads(*jobs) -> list[BaseException | None]:
    """Run the jobs at the same moment, one thread each; what each raised (or None)."""
    barrier = threading.Barrier(len(jobs))
    outcome: list[BaseException | None] = [None] * len(jobs)

    def wrap(i: int, job) -> None:
        barrier.wait()
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcome[i] = exc

    threads = [threading.Thread(target=wrap, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
        assert not t.is_alive(), "a load thread hung"
    return outcome


# -- first, the server itself: an uncommitted transaction dies with it ---------------
@pytest.mark.slow
def test_neo4j_discards_an_uncommitted_transaction_when_killed(killable_neo4j):
    """What every fault test below relies on: writes in an open transaction are
    invisible to other sessions, and gone after a kill and restart."""
    import neo4j

    server = killable_neo4j
    with neo4j.GraphDatabase.driver(server.uri, auth=server.auth, **FAIL_FAST) as driver:
        with driver.session(database=server.database) as session:
            tx = session.begin_transaction()
            tx.run("UNWIND range(1, 50) AS i CREATE (:GuanxiTestProbe {i: i})").consume()
            assert tx.run("MATCH (n:GuanxiTestProbe) RETURN count(n) AS c").single()["c"] == 50
            with driver.session(database=server.database) as other:
                assert (
                    other.run("MATCH (n:GuanxiTestProbe) RETURN count(n) AS c").single()["c"] == 0
                )
            server.kill()
            with pytest.raises(neo4j.exceptions.DriverError):
                tx.run("RETURN 1").consume()
        server.restart()
        with driver.session(database=server.database) as session:
            assert session.run("MATCH (n:GuanxiTestProbe) RETURN count(n) AS c").single()["c"] == 0


# -- single-transaction loads: all or nothing ----------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize(
    ("entity", "after_rows"),
    [
        (Entity.ACCOUNTS, 2),  # mid-way: customers and some accounts sent
        (Entity.OWNERSHIP, 3),  # every batch sent, the commit not yet
    ],
    ids=["mid-way", "before-commit"],
)
def test_a_load_killed_mid_way_leaves_nothing_and_a_rerun_completes(
    killable_neo4j, tmp_path, entity, after_rows
):
    server = killable_neo4j
    with private_store(server) as store:
        store.load(first_load())
        before = snapshot(store)
        progress = killer(server, entity, after_rows)
        with pytest.raises(StoreUnavailable, match="Nothing of this load was written"):
            store.load(bank(), progress=progress)
        assert not server.is_running()
        assert (entity, after_rows, len(bank()[entity])) in progress.calls
        server.restart()
        # nothing of the killed load is visible: counts, every entity, the journal
        counts, frames = snapshot(store)
        assert counts == before[0]
        for e in LOAD_ORDER:
            pdt.assert_frame_equal(frames[e], before[1][e], obj=e.value)
        assert store.incomplete_loads() == []
        got = store.fetch(Entity.CUSTOMERS).set_index("customer_id")
        assert got.loc["0001234", "segment"] == "before"  # the killed load's update is not in
        # the same load again, to completion: the state of a clean load
        store.load(bank())
        reference = embedded(tmp_path, first_load(), bank())
        assert_same_state(store, reference)
        assert store.counts() == EXPECTED_COUNTS
        reference.close()


@pytest.mark.slow
def test_a_dropped_connection_is_retried_by_the_driver_and_the_load_completes(
    killable_neo4j, tmp_path
):
    """A transient fault inside the retry budget: the driver runs the whole load
    again (with backoff) once the server is back, and progress never goes backwards."""
    server = killable_neo4j
    restarted = threading.Event()
    calls: list[tuple[Entity, int, int]] = []

    def progress(e: Entity, done: int, total: int) -> None:
        calls.append((e, done, total))
        if e is Entity.ACCOUNTS and done >= 2 and not restarted.is_set():
            server.kill()
            threading.Thread(target=lambda: (server.start(), restarted.set())).start()

    with private_store(server, max_transaction_retry_time=120.0) as store:
        store.load(bank(), progress=progress)
        assert restarted.is_set()
        reference = embedded(tmp_path, bank())
        assert_same_state(store, reference)
        reference.close()
    for e in LOAD_ORDER:
        mine = [done for x, done, _ in calls if x is e]
        assert mine == sorted(set(mine)), f"{e}: progress went backwards or repeated: {mine}"
        assert mine[-1] == len(bank()[e])


def test_a_non_transient_error_surfaces_once_without_retries(bolt_target, caplog):
    store = bolt_target.store()
    store.clear()
    store.load({Entity.CUSTOMERS: customers()})
    orphan = bank()[Entity.ACCOUNTS]
    orphan.loc[2, "customer_id"] = "nobody"
    caplog.set_level(logging.WARNING, logger="neo4j")
    started = time.monotonic()
    with pytest.raises(StoreQueryError, match="nothing of it was written"):
        store.load({Entity.ACCOUNTS: orphan})
    assert time.monotonic() - started < 5.0
    assert not [r for r in caplog.records if "will be retried" in r.getMessage()]
    assert store.counts()["accounts"] == 0
    store.close()


@pytest.mark.slow
def test_a_load_too_large_for_the_servers_memory_fails_at_once_and_writes_nothing(
    killable_neo4j, caplog
):
    """Neo4j holds a transaction's changes in its heap until the commit; the killable
    test Neo4j allows a transaction 8 MB (``db.memory.transaction.max``), less than a
    load of a few thousand rows needs. Neo4j's error is transient to the driver, which
    would run the whole load again only to fail again: the store ends it at once, rolled
    back, naming the settings that fix it; the same load, batched, goes in."""
    server = killable_neo4j
    frames = synthetic_bank("M", 1000)
    rows = sum(len(f) for f in frames.values())
    with private_store(server, batch_size=500, max_transaction_retry_time=60.0) as store:
        store.load(first_load())
        before = snapshot(store)
        caplog.set_level(logging.INFO, logger="neo4j")
        with pytest.raises(StoreQueryError, match="is too large for one transaction") as info:
            store.load(frames)
        message = str(info.value)
        assert f"load of {rows} rows" in message and "Nothing of this load was written" in message
        assert "db.memory.transaction.max threshold reached" in message  # Neo4j's words
        assert "GUANXI_NEO4J_SINGLE_TRANSACTION_MAX_ROWS" in message
        assert info.value.__cause__.code == "Neo.TransientError.General.MemoryPoolOutOfMemoryError"
        assert not [r for r in caplog.records if "will be retried" in r.getMessage()]
        counts, got = snapshot(store)
        assert counts == before[0]
        for e in LOAD_ORDER:
            pdt.assert_frame_equal(got[e], before[1][e], obj=e.value)
        assert store.incomplete_loads() == []
    with private_store(server, batch_size=500, single_transaction_max_rows=0) as batched:
        batched.load(frames)
        assert batched.counts()["customers"] == 3 + 1000
        assert batched.incomplete_loads() == []


# -- journaled (batched) loads: incomplete, then converged ---------------------------
@pytest.mark.slow
def test_a_batched_load_killed_mid_way_is_journaled_and_a_rerun_converges(
    killable_neo4j, tmp_path, caplog, capsys
):
    server = killable_neo4j
    with private_store(server, single_transaction_max_rows=5) as store:
        store.load(first_load())  # 3 rows: one transaction
        progress = killer(server, Entity.ACCOUNTS, 2)
        with pytest.raises(StoreUnavailable, match="journal records how far it got"):
            store.load(bank(), progress=progress)  # 27 rows: batched
        server.restart()

        # the batches before the kill are there, and the journal says it is incomplete
        assert store.counts()["customers"] == 5
        assert store.counts()["accounts"] == 2
        [journal] = store.incomplete_loads()
        assert journal["status"] == LoadStatus.RUNNING
        assert journal["mode"] == WriteMode.BATCHED
        frames = bank()
        before_accounts = sum(
            len(frames[e]) for e in LOAD_ORDER[: LOAD_ORDER.index(Entity.ACCOUNTS)]
        )
        total = sum(len(f) for f in frames.values())
        assert (journal["rows_done"], journal["rows_total"]) == (before_accounts + 2, total)
        assert journal["entities"] == [e.value for e in LOAD_ORDER]
        load_id = journal["load_id"]

        # `guanxi status` lists it, with how far it got
        capsys.readouterr()
        show_status(store)
        shown = capsys.readouterr()
        assert "Loads that did not complete" in shown.out and load_id in shown.out
        done_of_total = f"{before_accounts + 2} of {total}"
        assert done_of_total in shown.out and "Run the same load again" in shown.err

        # no analysis is made on part of a load: it is refused, saying how to fix it
        from guanxi.analysis import run_analysis
        from guanxi.errors import Conflict

        with pytest.raises(Conflict, match="Run the same guanxi load again"):
            run_analysis(store, None)

        # ping warns about it (once)
        caplog.set_level(logging.WARNING, logger="guanxi.graph.neo4j_store")
        store.ping()
        store.ping()
        warnings = [r.getMessage() for r in caplog.records if load_id in r.getMessage()]
        assert len(warnings) == 1 and f"{done_of_total} rows" in warnings[0]

        # another load is refused while the interrupted one may still be running...
        other = {Entity.CUSTOMERS: customers().iloc[3:]}
        counts = store.counts()
        with pytest.raises(
            StoreUnavailable, match=f"another load is being written: load {load_id}"
        ):
            store.load(other)
        assert store.counts() == counts

        # ...but the same load may run again: it converges and completes the journal
        store.load(bank())
        assert store.incomplete_loads() == []
        journal = store.run(
            "MATCH (j:GuanxiLoad {load_id: $id}) RETURN properties(j) AS j", {"id": load_id}
        )[0]["j"]
        assert journal["status"] == LoadStatus.COMPLETE
        assert journal["rows_done"] == journal["rows_total"] == total
        reference = embedded(tmp_path, first_load(), bank())
        assert_same_state(store, reference)
        reference.close()


@pytest.mark.slow
def test_an_interrupted_batched_load_stops_blocking_after_the_heartbeat_timeout(
    killable_neo4j, caplog
):
    server = killable_neo4j
    with private_store(server, single_transaction_max_rows=5) as store:
        with pytest.raises(StoreUnavailable):
            store.load(bank(), progress=killer(server, Entity.CUSTOMERS, 2))
        server.restart()
        [journal] = store.incomplete_loads()
        assert journal["in_progress"]
    time.sleep(0.3)
    caplog.set_level(logging.WARNING, logger="guanxi.graph.neo4j_store")
    with private_store(server, load_heartbeat_timeout=0.2) as patient:
        [journal] = patient.incomplete_loads()
        assert not journal["in_progress"]
        # a different load goes ahead, warning that the earlier one did not complete
        patient.load({Entity.CUSTOMERS: customers().iloc[:1]})
        assert any(
            "did not complete" in r.getMessage() and journal["load_id"] in r.getMessage()
            for r in caplog.records
        )
        assert [j["load_id"] for j in patient.incomplete_loads()] == [journal["load_id"]]


# -- two loads at once ---------------------------------------------------------------
@pytest.fixture
def two_stores(bolt_target):
    """Two stores with drivers of their own on the same server, emptied first."""
    stores = [own_store(bolt_target) for _ in range(2)]
    try:
        stores[0].clear()
        yield stores
    finally:
        for s in stores:
            s.close()


def recorder(events: list[str], name: str):
    """A progress callback that appends ``name`` to ``events`` at every report."""
    lock = threading.Lock()

    def progress(entity: Entity, done: int, total: int) -> None:
        with lock:
            events.append(name)

    return progress


def runs(events: list[str]) -> list[str]:
    """``events`` with repeats collapsed: ["a", "a", "b"] -> ["a", "b"]."""
    return [e for i, e in enumerate(events) if i == 0 or events[i - 1] != e]


@pytest.mark.slow
@pytest.mark.parametrize("same", [False, True], ids=["different-banks", "the-same-bank"])
def test_two_loads_at_once_serialize(two_stores, tmp_path, same):
    """Two threads, the same store, two loads at the same moment: both go in whole, one
    after the other, as if run one by one: the second waits for the first's lock on the
    load lock node (every batch of one load is reported before any of the other), then
    runs on top of it (the same bank: it finds every node there and changes nothing)."""
    a = synthetic_bank("S" if same else "A", 60)
    b = synthetic_bank("S" if same else "B", 60)
    events: list[str] = []
    outcome = run_in_threads(
        lambda: two_stores[0].load(a, progress=recorder(events, "a")),
        lambda: two_stores[1].load(b, progress=recorder(events, "b")),
    )
    assert outcome == [None, None]
    assert sorted(runs(events)) == ["a", "b"], f"the two loads interleaved: {runs(events)}"
    reference = embedded(tmp_path, a) if same else embedded(tmp_path, a, b)
    assert_same_state(two_stores[0], reference)
    reference.close()


@pytest.mark.slow
def test_a_load_beside_a_running_batched_load_fails_at_once_naming_it(
    bolt_target, two_stores, tmp_path
):
    """A journaled (batched) load commits batch by batch; while it runs, another load
    fails at once, writes nothing, and names it; the batched load then completes."""
    big = synthetic_bank("J", 30)
    other = synthetic_bank("K", 5)
    batched = own_store(bolt_target, single_transaction_max_rows=0)
    paused, resume = threading.Event(), threading.Event()

    def progress(entity: Entity, done: int, total: int) -> None:
        if entity is Entity.ACCOUNTS and done > 0 and not resume.is_set():
            paused.set()  # some batches are committed; this load is still running
            assert resume.wait(timeout=120)

    worker = threading.Thread(target=lambda: batched.load(big, progress=progress))
    worker.start()
    try:
        assert paused.wait(timeout=120), "the batched load never got to its accounts"
        [journal] = two_stores[1].incomplete_loads()
        counts = two_stores[1].counts()
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as info:
            two_stores[1].load(other)
        assert time.monotonic() - started < 10.0
        assert f"another load is being written: load {journal['load_id']}" in str(info.value)
        assert "Nothing of this load was written" in str(info.value)
        assert two_stores[1].counts() == counts
    finally:
        resume.set()
        worker.join(timeout=300)
    assert not worker.is_alive()
    assert two_stores[1].incomplete_loads() == []
    reference = embedded(tmp_path, big)
    assert_same_state(two_stores[0], reference)
    reference.close()
    batched.close()


@pytest.mark.slow
def test_reads_go_on_during_a_load_and_never_see_half_of_it(bolt_target):
    frames = synthetic_bank("R", 150)
    store = bolt_target.store(batch_size=3)
    store.clear()
    store.ensure_schema()
    reader = bolt_target.store()
    before = reader.counts()
    seen: list[dict[str, int]] = []
    loading = threading.Event()
    finished = threading.Event()

    def progress(e: Entity, done: int, total: int) -> None:
        loading.set()

    def read() -> None:
        loading.wait(timeout=60)
        while not finished.is_set():
            seen.append(reader.counts())

    thread = threading.Thread(target=read)
    thread.start()
    try:
        store.load(frames, progress=progress)
    finally:
        finished.set()
        thread.join(timeout=60)
    after = reader.counts()
    assert after["customers"] == 150 and after != before
    assert len(seen) >= 3, "the reader did not get to read while the load ran"
    # each count is one query: it sees none of the load or all of it, never some batches
    # (counts() runs one query per entity, read committed, so one call may see the
    # commit land between two of its queries: compare entity by entity)
    for counts in seen:
        for name, value in counts.items():
            assert value in (before[name], after[name]), f"{name}: a read saw part of the load"
    assert before in seen, "no read completed while the load was being written"
    store.close()
    reader.close()


def test_a_second_process_on_the_embedded_store_is_refused_clearly(tmp_path):
    """DuckDB allows one writing process per file: a load in another process makes
    this one's open fail with StoreUnavailable saying why."""
    path = tmp_path / "guanxi.duckdb"
    child = textwrap.dedent(
        f"""
        import sys
        import pandas as pd
        from guanxi.graph.duckdb_store import DuckDBStore
        from guanxi.graph.schema import Entity, canonical_frame
        store = DuckDBStore({str(path)!r})
        frame = pd.DataFrame({{"customer_id": ["C1", "C2"], "kind": ["person", "company"]}})
        store.load({{Entity.CUSTOMERS: canonical_frame(Entity.CUSTOMERS, frame)}})
        print("LOADED", flush=True)
        sys.stdin.read()  # hold the store open until the parent closes our stdin
        store.close()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", child],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "LOADED", proc.stderr.read() if proc.stderr else line
        with pytest.raises(StoreUnavailable, match="another guanxi command"):
            DuckDBStore(str(path))
    finally:
        proc.communicate(input="", timeout=60)
    assert proc.returncode == 0
    with DuckDBStore(str(path)) as store:
        assert store.counts()["customers"] == 2


# -- analysis runs: a writer killed at any point leaves the run whole or absent --------
def _run(run_id: str):
    from guanxi.graph.store import RunRecord

    return RunRecord(run_id=run_id, snapshot_id=None, as_of="2026-06-30", created_at=run_id)


def _results(tag: str) -> dict:
    from guanxi.graph.store import Result

    ids = [f"{tag}{i:04d}" for i in range(7)]
    return {
        Result.EXPOSURE_GROUPS: pd.DataFrame({"group_id": ids, "exposure": ["1.00"] * 7}),
        Result.HOUSEHOLDS: pd.DataFrame({"household_id": ids, "members": list(range(7))}),
        Result.K_FACTOR: pd.DataFrame({"cohort": ids, "k": [0.5] * 7}),
    }


@pytest.mark.parametrize("kill_after_chunks", [1, 3])
def test_a_run_write_killed_mid_way_leaves_the_published_run_whole(
    killable_neo4j, kill_after_chunks, monkeypatch
):
    """SIGKILL the server after some of a run's chunks are committed: after a restart
    the store has the previous run, published and whole, and no trace of the new one;
    the same run written again goes in whole."""
    import guanxi.graph.neo4j_runs as runs_module
    from guanxi.graph.store import Result

    server = killable_neo4j
    monkeypatch.setattr(runs_module, "CHUNK_ROWS", 2)  # 4 chunks a result set
    with private_store(server) as store:
        store.load(first_load())
        store.write_run(_run("2026-06-30T00:00:00.000001Z"), _results("A"))
        before = {r: store.fetch_results(r) for r in _results("A")}
        written = []
        original = store._execute

        def counting(work, mode, *, what):
            out = original(work, mode, what=what)
            if what.startswith("store run") and server.is_running():
                written.append(what)
                if len(written) >= kill_after_chunks:
                    server.kill()
            return out

        store._execute = counting
        with pytest.raises(StoreUnavailable):
            store.write_run(_run("2026-07-31T00:00:00.000001Z"), _results("B"))
        store._execute = original
    server.restart()
    with private_store(server) as store:
        assert store.runs()["run_id"].tolist() == ["2026-06-30T00:00:00.000001Z"]
        assert store.published_run()["run_id"] == "2026-06-30T00:00:00.000001Z"
        for result, frame in before.items():
            pdt.assert_frame_equal(store.fetch_results(result), frame)
        # the dead write's chunks are invisible, and the run can be written again whole
        assert store.fetch_results(Result.K_FACTOR, "2026-07-31T00:00:00.000001Z").empty
        store.write_run(_run("2026-07-31T00:00:00.000001Z"), _results("B"))
        for result, frame in _results("B").items():
            pdt.assert_frame_equal(store.fetch_results(result), frame, check_dtype=False)
