"""Kill the embedded store's writer at every step of a write and read what it left.

A forked child opens the store file and writes (a run's write-back, or a load); it
SIGKILLs itself right before its N-th statement reaches DuckDB, for every N from the
first statement to after the last. No cleanup runs (no ROLLBACK, no close): what is on
disk is what a power cut or ``kill -9`` leaves. The parent then opens the file and
checks that a reader sees the old state whole or the new state whole, never a mix.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from guanxi.graph.duckdb_store import DuckDBStore
from guanxi.graph.schema import LOAD_ORDER, Entity
from guanxi.graph.store import LoadMode, Result, SnapshotRecord

try:
    from tests.graph.test_store_contract import a_run, all_results, bank, exposure_groups
except ModuleNotFoundError:  # plain `pytest` puts tests/graph itself on sys.path
    from test_store_contract import a_run, all_results, bank, exposure_groups  # type: ignore

FORK = multiprocessing.get_context("fork")


def _child(path: str, kill_at: int, action: Callable[[DuckDBStore], None], counter) -> None:
    calls = 0
    counting = False
    original = DuckDBStore._sql

    def counted(self, query, params=None):
        nonlocal calls
        if not counting:  # opening the store is not part of the write
            return original(self, query, params)
        calls += 1
        counter.value = calls
        if calls == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(self, query, params)

    DuckDBStore._sql = counted  # type: ignore[method-assign]
    store = DuckDBStore(path)
    counting = True
    action(store)
    os._exit(0)  # no close: the file stays as the last statement left it


def _run_child(path: Path, kill_at: int, action) -> tuple[int, int]:
    counter = FORK.Value("i", 0)
    child = FORK.Process(target=_child, args=(str(path), kill_at, action, counter))
    child.start()
    child.join(60)
    assert child.exitcode is not None, "the writer hung"
    return child.exitcode, counter.value


def _kill_everywhere(tmp_path: Path, prepare, action, check) -> int:
    """Prepare a store, then for every statement N of ``action``: copy it, kill a
    writer before statement N, check what a reader sees. Returns the statement count."""
    base = tmp_path / "base.duckdb"
    with DuckDBStore(base) as store:
        prepare(store)
    # how many statements the action takes when nothing kills it
    dry = tmp_path / "dry.duckdb"
    dry.write_bytes(base.read_bytes())
    code, total = _run_child(dry, 0, action)
    assert code == 0
    assert total > 5
    for kill_at in range(1, total + 2):
        copy = tmp_path / f"kill-{kill_at}.duckdb"
        copy.write_bytes(base.read_bytes())
        wal = base.with_name(base.name + ".wal")
        if wal.exists():
            copy.with_name(copy.name + ".wal").write_bytes(wal.read_bytes())
        code, _ = _run_child(copy, kill_at, action)
        assert code == (-signal.SIGKILL if kill_at <= total else 0), kill_at
        with DuckDBStore(copy) as reader:
            check(reader, kill_at)
        copy.unlink()
        copy.with_name(copy.name + ".wal").unlink(missing_ok=True)
    return total


OLD_RUN = "2024-06-30T12:00:00.000000Z"
NEW_RUN = "2024-07-31T12:00:00.000000Z"


def _new_results() -> dict[Result, pd.DataFrame]:
    results = all_results()
    results[Result.EXPOSURE_GROUPS] = exposure_groups().iloc[:1]
    results[Result.GROUP_MEMBERS] = results[Result.GROUP_MEMBERS].iloc[2:]
    return results


def _write_new_run(store: DuckDBStore) -> None:
    store.write_run(a_run(NEW_RUN), _new_results(), keep_runs=1)


def test_a_killed_write_back_leaves_the_old_run_or_the_new_run_whole(tmp_path):
    def prepare(store):
        store.load(bank())
        store.write_run(a_run(OLD_RUN), all_results())

    seen = set()

    def check(reader: DuckDBStore, kill_at: int) -> None:
        published = reader.published_run()
        assert published is not None, kill_at
        expected = all_results() if published["run_id"] == OLD_RUN else _new_results()
        seen.add(published["run_id"])
        assert reader.runs()["run_id"].tolist() == [published["run_id"]], kill_at
        for result in Result:
            pdt.assert_frame_equal(
                reader.fetch_results(result), expected[result].reset_index(drop=True)
            )

    total = _kill_everywhere(tmp_path, prepare, _write_new_run, check)
    # both outcomes happened: killed before the commit, and after it
    assert seen == {OLD_RUN, NEW_RUN}, total


def _full_load(store: DuckDBStore) -> None:
    frames = bank()
    frames[Entity.GUARANTEES] = frames[Entity.GUARANTEES].iloc[1:]
    frames[Entity.CUSTOMERS] = frames[Entity.CUSTOMERS].assign(segment="changed")
    store.load(
        frames,
        mode=LoadMode.FULL,
        snapshot=SnapshotRecord("S2", "2024-07-31", LoadMode.FULL, "2024-08-01T00:00:00Z"),
    )


def test_a_killed_load_leaves_the_previous_snapshot_whole(tmp_path):
    before: dict[Entity, pd.DataFrame] = {}

    def prepare(store):
        store.load(
            bank(),
            mode=LoadMode.FULL,
            snapshot=SnapshotRecord("S1", "2024-06-30", LoadMode.FULL, "2024-07-01T00:00:00Z"),
        )
        before.update({e: store.fetch(e) for e in LOAD_ORDER})

    seen = set()

    def check(reader: DuckDBStore, kill_at: int) -> None:
        current = reader.current_snapshot()["snapshot_id"]
        seen.add(current)
        customers = reader.fetch(Entity.CUSTOMERS)
        guarantees = reader.fetch(Entity.GUARANTEES)
        if current == "S1":
            pdt.assert_frame_equal(customers, before[Entity.CUSTOMERS])
            pdt.assert_frame_equal(guarantees, before[Entity.GUARANTEES])
        else:
            assert set(customers["segment"]) == {"changed"}, kill_at
            assert len(guarantees) == len(before[Entity.GUARANTEES]) - 1, kill_at

    _kill_everywhere(tmp_path, prepare, _full_load, check)
    assert seen == {"S1", "S2"}


@pytest.mark.parametrize("kill_at", [1])
def test_the_child_really_dies_without_cleanup(tmp_path, kill_at):
    path = tmp_path / "s.duckdb"
    DuckDBStore(path).close()
    code, calls = _run_child(path, kill_at, _write_new_run)
    assert code == -signal.SIGKILL and calls == kill_at
