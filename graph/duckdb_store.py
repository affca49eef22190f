"""The embedded default store: one DuckDB file, the same interface as Neo4j.

One table per contract entity, with the contract's columns (dates as DATE, money,
fractions and rates as exact DECIMAL, everything else VARCHAR) and any extra columns a bank sends as VARCHAR. Node
entities are keyed by their id; relationship entities by ``_key``, the natural key
from :func:`guanxi.graph.schema.relationship_keys`. Households and relationship
managers also get node tables, as in the graph model.

Beside them:

- ``guanxi_meta``: the store's schema version (a store written by another version is
  refused with what to do, never misread);
- ``guanxi_snapshots``: one row per load (:class:`~guanxi.graph.store.SnapshotRecord`);
- ``guanxi_runs``: one row per analysis run, with ``published`` on exactly one, and
  the dtypes of its result sets; each result set of run number N is the table
  ``run_N_<result>``, its rows in the order written (``_row``).

A load is one DuckDB transaction, and so is the write-back of a run with all its
result sets, the publication and the pruning of old runs: all written or, on any
error or kill, none of it (DuckDB's write-ahead log replays only committed
transactions). Loading the same frames twice changes nothing (``INSERT ... ON CONFLICT
DO UPDATE``). DuckDB allows one writing process per file; a second process gets
:class:`~guanxi.errors.StoreUnavailable` with the reason.
"""

from __future__ import annotations

import contextlib
import datetime
import difflib
import json
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.errors import ConfigError, NotFound, StoreMissing, StoreQueryError, StoreUnavailable
from guanxi.graph.schema import (
    KEY_SEPARATOR,
    LOAD_ORDER,
    SPECS,
    ColumnKind,
    Entity,
    NodeMapping,
    canonical_frame,
)
from guanxi.graph.store import (
    DEFAULT_KEEP_RUNS,
    RESULT_SPECS,
    RUN_COLUMNS,
    SNAPSHOT_COLUMNS,
    GraphStore,
    LoadMode,
    LoadStats,
    ProgressCallback,
    Result,
    RunRecord,
    SnapshotRecord,
    check_property_names,
    dtype_names,
    restore_dtypes,
)

__all__ = ["DuckDBStore", "SCHEMA_VERSION"]

#: the layout of the store's tables; a file of another version is refused
SCHEMA_VERSION = "2"

_SQL_TYPES = {
    ColumnKind.ID: "VARCHAR",
    ColumnKind.TEXT: "VARCHAR",
    ColumnKind.ENUM: "VARCHAR",
    ColumnKind.MONEY: "DECIMAL(18, 4)",
    ColumnKind.FRACTION: "DECIMAL(11, 10)",
    ColumnKind.RATE: "DECIMAL(22, 10)",
    ColumnKind.DATE: "DATE",
    ColumnKind.CURRENCY: "VARCHAR",
}
_KEY = "_key"
_ROW = "_row"
_HOUSEHOLD_NODES = "household_nodes"
_RM_NODES = "relationship_managers"
_META = "guanxi_meta"
_SNAPSHOTS = "guanxi_snapshots"
_RUNS = "guanxi_runs"


def _q(name: str) -> str:
    """Quote an identifier. Only contract names or names checked by
    :func:`check_property_names` reach here."""
    return '"' + name.replace('"', '""') + '"'


def _table(entity: Entity) -> str:
    return _q(entity.value)


def _result_table(run_no: int, result: Result) -> str:
    return _q(f"run_{int(run_no)}_{result.value}")


class DuckDBStore(GraphStore):
    """The embedded store in one DuckDB file (``":memory:"`` for a throw-away store).

    Parameters
    ----------
    path : str or Path
        The database file.
    read_only : bool
        Open without write access (several readers may share a file).
    create : bool
        Create the file (and its folder) when it does not exist. With False, a missing
        file is :class:`~guanxi.errors.StoreMissing` and nothing is created.

    Raises
    ------
    StoreMissing
        No file at ``path`` and ``create`` is false.
    StoreUnavailable
        The file cannot be opened (another process writes it, not a DuckDB file).
    StoreQueryError
        The file is a store of another guanxi schema version.
    """

    def __init__(
        self, path: str | Path = "guanxi.duckdb", *, read_only: bool = False, create: bool = True
    ):
        self.path = str(path)
        self.description = f"embedded DuckDB store at {self.path}"
        memory = self.path == ":memory:"
        file = Path(self.path).expanduser()
        if not memory and not file.exists():
            if not create or read_only:
                raise StoreMissing(_missing_message(file))
            file.parent.mkdir(parents=True, exist_ok=True)
        if not memory and file.is_dir():
            raise StoreUnavailable(
                f"cannot open the {self.description}: it is a folder, not a store file"
            )
        try:
            self._con = duckdb.connect(":memory:" if memory else str(file), read_only=read_only)
        except duckdb.IOException as exc:
            raise StoreUnavailable(
                f"cannot open the {self.description}: {exc}. DuckDB allows one writing "
                "process per file; is another guanxi command (load, analyze, serve) using it?"
            ) from exc
        except duckdb.Error as exc:
            raise StoreUnavailable(f"cannot open the {self.description}: {exc}") from exc
        self._lock = threading.RLock()
        self._closed = False
        try:
            self._check_version()
            if not read_only:
                self.ensure_schema()
        except BaseException:
            self.close()
            raise

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._con.close()

    def ping(self) -> None:
        if self._closed:
            raise StoreUnavailable(f"the {self.description} is closed")
        self._sql("SELECT 1")

    def _check_version(self) -> None:
        tables = {r[0] for r in self._sql("SELECT table_name FROM information_schema.tables")}
        if not tables:
            return  # a new file
        version = None
        if _META in tables:
            rows = self._sql(f"SELECT value FROM {_q(_META)} WHERE key = 'schema_version'")
            version = rows[0][0] if rows else None
        if version != SCHEMA_VERSION:
            raise StoreQueryError(
                f"the {self.description} was written by another version of guanxi "
                f"(store layout {version or '1'}, this guanxi reads layout {SCHEMA_VERSION}): "
                "load your extracts into a new store (guanxi load DIR --store NEW_FILE) "
                "and analyze again"
            )

    def ensure_schema(self) -> None:
        with self._lock:
            for entity, spec in SPECS.items():
                cols = [f"{_q(c.name)} {_SQL_TYPES[c.kind]}" for c in spec.columns]
                if isinstance(spec.graph, NodeMapping):
                    cols[0] += " PRIMARY KEY"
                else:
                    cols.insert(0, f"{_KEY} VARCHAR PRIMARY KEY")
                self._sql(f"CREATE TABLE IF NOT EXISTS {_table(entity)} ({', '.join(cols)})")
            self._sql(
                f"CREATE TABLE IF NOT EXISTS {_q(_HOUSEHOLD_NODES)} (household_id VARCHAR PRIMARY KEY)"
            )
            self._sql(f"CREATE TABLE IF NOT EXISTS {_q(_RM_NODES)} (rm_id VARCHAR PRIMARY KEY)")
            self._sql(
                f"CREATE TABLE IF NOT EXISTS {_q(_META)} (key VARCHAR PRIMARY KEY, value VARCHAR)"
            )
            self._sql(
                f"INSERT INTO {_q(_META)} VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                [SCHEMA_VERSION],
            )
            snapshot_cols = ", ".join(
                f"{_q(c)} VARCHAR" + (" PRIMARY KEY" if c == "snapshot_id" else "")
                for c in SNAPSHOT_COLUMNS
            )
            self._sql(f"CREATE TABLE IF NOT EXISTS {_q(_SNAPSHOTS)} ({snapshot_cols})")
            run_cols = ", ".join(
                f"{_q(c)} "
                + ("BOOLEAN" if c == "published" else "VARCHAR")
                + (" PRIMARY KEY" if c == "run_id" else "")
                for c in RUN_COLUMNS
            )
            self._sql(
                f"CREATE TABLE IF NOT EXISTS {_q(_RUNS)} ({run_cols}, "
                "run_no INTEGER UNIQUE NOT NULL, dtypes_json VARCHAR)"
            )

    # -- helpers ---------------------------------------------------------------------
    def _sql(self, query: str, params: list | None = None) -> list[tuple]:
        """Run one statement and fetch all its rows (DuckDB wants every result consumed
        before the connection does anything else)."""
        return self._run(query, params, lambda cur: cur.fetchall())

    def _df(self, query: str, params: list | None = None) -> pd.DataFrame:
        return self._run(query, params, lambda cur: cur.df())

    def _arrow(self, query: str, params: list | None = None) -> pa.Table:
        """Run a query and fetch its rows as an Arrow table (no Python object per
        value; text with 64-bit offsets, as pandas' ``str`` columns hold it, so
        converting to pandas copies nothing)."""
        if self._closed:
            raise StoreUnavailable(f"the {self.description} is closed")
        try:
            self._con.execute("SET arrow_large_buffer_size = true")
            return self._con.sql(query, params=params or None).to_arrow_table()
        except duckdb.IOException as exc:
            raise StoreUnavailable(f"{self.description}: {exc}") from exc
        except duckdb.Error as exc:
            raise StoreQueryError(f"{self.description}: {exc}") from exc

    def _run(self, query: str, params: list | None, fetch):
        if self._closed:
            raise StoreUnavailable(f"the {self.description} is closed")
        try:
            return fetch(self._con.execute(query, params or []))
        except duckdb.IOException as exc:
            raise StoreUnavailable(f"{self.description}: {exc}") from exc
        except duckdb.Error as exc:
            raise StoreQueryError(f"{self.description}: {exc}") from exc

    def _columns(self, table: str) -> list[str]:
        rows = self._sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
            "ORDER BY ordinal_position",
            [table],
        )
        return [r[0] for r in rows]

    def _transaction(self):
        return _Transaction(self)

    # -- loading ---------------------------------------------------------------------
    def load(
        self,
        frames: Mapping[Entity, pd.DataFrame],
        *,
        mode: LoadMode = LoadMode.DELTA,
        removals: Mapping[Entity, pd.DataFrame] | None = None,
        snapshot: SnapshotRecord | None = None,
        progress: ProgressCallback | None = None,
    ) -> LoadStats:
        mode = LoadMode(mode)
        removals = removals or {}
        stats = LoadStats()
        started = time.perf_counter()
        with self._lock, self._transaction():
            for entity in LOAD_ORDER:
                frame = frames.get(entity)
                if frame is not None:
                    removed = self._load_entity(entity, frame, mode, progress)
                    stats.rows[entity] = len(frame)
                    if mode is LoadMode.FULL:
                        stats.removed[entity] = removed
            for entity in LOAD_ORDER:
                keys = removals.get(entity)
                if keys is not None and len(keys):
                    stats.removed[entity] = stats.removed.get(entity, 0) + self._remove_keys(
                        entity, keys
                    )
            self._prune_nodes()
            if snapshot is not None:
                row = snapshot.row(
                    {e.value: n for e, n in stats.rows.items()},
                    {e.value: n for e, n in stats.removed.items()},
                )
                self._sql(
                    f"INSERT INTO {_q(_SNAPSHOTS)} VALUES ({', '.join('?' * len(row))})",
                    list(row.values()),
                )
        stats.seconds = time.perf_counter() - started
        return stats

    def _load_entity(
        self,
        entity: Entity,
        frame: pd.DataFrame,
        mode: LoadMode,
        progress: ProgressCallback | None,
    ) -> int:
        """Upsert ``frame``; with ``mode`` FULL first remove the stored rows it does not
        carry. Returns how many were removed."""
        removed_rows = 0
        spec = SPECS[entity]
        total = len(frame)
        if progress:
            progress(entity, 0, total)
        table = _table(entity)
        frame = canonical_frame(entity, frame, complete=False)
        missing_keys = [c for c in spec.key if c not in frame.columns]
        if missing_keys:
            raise ValueError(f"{entity.value}: the frame lacks its key column(s) {missing_keys}")
        extras = [c for c in frame.columns if c not in spec.column_names]
        check_property_names(extras)
        for extra in extras:
            self._sql(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {_q(extra)} VARCHAR")
        columns = list(frame.columns)
        select = ", ".join(_q(c) for c in columns)
        params: list = []
        if isinstance(spec.graph, NodeMapping):
            key_cols = [spec.graph.key]
        else:
            # the natural key as relationship_keys() spells it: missing parts are "",
            # joined by KEY_SEPARATOR (every key column of a canonical frame is text)
            select = (
                " || ? || ".join(f"coalesce({_q(c)}, '')" for c in spec.key)
                + f" AS {_KEY}, {select}"
            )
            params = [KEY_SEPARATOR] * (len(spec.key) - 1)
            columns.insert(0, _KEY)
            key_cols = [_KEY]
        view = f"incoming_{entity.value}"
        # an Arrow table: DuckDB scans it without a Python object per value
        incoming = pa.Table.from_pandas(frame, preserve_index=False)
        # with every key distinct, no two incoming rows compete for one stored row, so
        # DuckDB may insert in parallel without keeping the rows' order (reads always
        # sort by key); with a repeated key the first row must win, so order is kept
        parallel = _distinct_keys(incoming, spec)
        self._con.register(view, incoming)
        try:
            if parallel:
                self._sql("SET preserve_insertion_order = false")
            if mode is LoadMode.FULL:
                # the rows this extract no longer carries go, in the same transaction
                keyed = f"(SELECT {select} FROM {_q(view)})"
                removed = self._sql(
                    f"DELETE FROM {table} WHERE {_q(key_cols[0])} NOT IN "
                    f"(SELECT {_q(key_cols[0])} FROM {keyed})",
                    params,
                )
                removed_rows = int(removed[0][0]) if removed else 0
            if total:
                col_list = ", ".join(_q(c) for c in columns)
                updates = ", ".join(
                    f"{_q(c)} = excluded.{_q(c)}" for c in columns if c not in key_cols
                )
                conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
                self._sql(
                    f"INSERT INTO {table} ({col_list}) SELECT {select} FROM {_q(view)} "
                    f"ON CONFLICT ({', '.join(_q(k) for k in key_cols)}) {conflict}",
                    params,
                )
                if entity == Entity.CUSTOMERS and "rm_id" in frame.columns:
                    self._sql(
                        f"INSERT INTO {_q(_RM_NODES)} SELECT DISTINCT rm_id FROM {_q(view)} "
                        "WHERE rm_id IS NOT NULL ON CONFLICT DO NOTHING"
                    )
                elif entity == Entity.HOUSEHOLDS:
                    self._sql(
                        f"INSERT INTO {_q(_HOUSEHOLD_NODES)} SELECT DISTINCT household_id "
                        f"FROM {_q(view)} ON CONFLICT DO NOTHING"
                    )
        finally:
            if parallel:
                self._sql("RESET preserve_insertion_order")
            self._con.unregister(view)
        if progress:
            progress(entity, total, total)
        return removed_rows

    def _remove_keys(self, entity: Entity, keys: pd.DataFrame) -> int:
        """Delete the stored rows whose key is among ``keys`` (the key columns)."""
        spec = SPECS[entity]
        missing = [c for c in spec.key if c not in keys.columns]
        if missing:
            raise ValueError(f"removals of {entity.value} need the key column(s) {missing}")
        frame = canonical_frame(entity, keys[list(spec.key)], complete=False)
        self._con.register("removed_keys", pa.Table.from_pandas(frame, preserve_index=False))
        try:
            if isinstance(spec.graph, NodeMapping):
                key, expr, params = spec.graph.key, _q(spec.graph.key), []
            else:
                key = _KEY
                expr = " || ? || ".join(f"coalesce({_q(c)}, '')" for c in spec.key)
                params = [KEY_SEPARATOR] * (len(spec.key) - 1)
            removed = self._sql(
                f"DELETE FROM {_table(entity)} WHERE {_q(key)} IN "
                f"(SELECT {expr} FROM removed_keys)",
                params,
            )
        finally:
            self._con.unregister("removed_keys")
        return int(removed[0][0]) if removed else 0

    def _prune_nodes(self) -> None:
        """Households without members and relationship managers without customers go
        (after a full load or removals; a plain upsert never leaves any)."""
        self._sql(
            f"DELETE FROM {_q(_HOUSEHOLD_NODES)} WHERE household_id NOT IN "
            f"(SELECT household_id FROM {_table(Entity.HOUSEHOLDS)})"
        )
        self._sql(
            f"DELETE FROM {_q(_RM_NODES)} WHERE rm_id NOT IN "
            f"(SELECT rm_id FROM {_table(Entity.CUSTOMERS)} WHERE rm_id IS NOT NULL)"
        )

    def _release_cache(self) -> None:
        """Let DuckDB drop the table blocks it keeps cached after a whole-table read.

        The rows now live in the caller's frame; cached, they would double the memory a
        whole-bank analysis holds (DuckDB keeps up to 80% of RAM by default). Lowering
        the memory limit for a moment evicts the unpinned blocks; the store never sets a
        limit of its own, so RESET restores DuckDB's default.
        """
        try:
            self._con.execute("SET memory_limit = '64MB'")
        except duckdb.Error:
            pass  # best effort: blocks that cannot go (pinned, or an index) stay
        finally:
            self._sql("RESET memory_limit")

    def existing_ids(self, entity: Entity, ids: Iterable[str]) -> set[str]:
        spec = SPECS[entity]
        if not isinstance(spec.graph, NodeMapping):
            raise ValueError(f"existing_ids is for node entities, not {entity.value}")
        wanted = pd.DataFrame({"id": pd.Series(list(ids), dtype="str")}).drop_duplicates()
        if wanted.empty:
            return set()
        with self._lock:
            self._con.register("wanted_ids", wanted)
            try:
                rows = self._sql(
                    f"SELECT w.id FROM wanted_ids w JOIN {_table(entity)} t "
                    f"ON t.{_q(spec.graph.key)} = w.id"
                )
            finally:
                self._con.unregister("wanted_ids")
        return {r[0] for r in rows}

    def fetch(self, entity: Entity) -> pd.DataFrame:
        spec = SPECS[entity]
        with self._lock:
            columns = [c for c in self._columns(entity.value) if c != _KEY]
            # keys are unique, so the order is total: no tie for a stable sort to keep
            order = ", ".join(f"{_q(k)} ASC NULLS FIRST" for k in spec.key)
            table = self._arrow(
                f"SELECT {', '.join(_q(c) for c in columns)} FROM {_table(entity)} ORDER BY {order}"
            )
            self._release_cache()
        dates = _dates_as_text(table)
        if dates is None:  # a date outside years 1..9999: the pandas way, as it always was
            with self._lock:
                frame = self._df(f"SELECT * FROM {_table(entity)}")
            frame = canonical_frame(entity, frame.drop(columns=[_KEY], errors="ignore"))
            return frame.sort_values(
                list(spec.key), na_position="first", kind="stable"
            ).reset_index(drop=True)
        return canonical_frame(entity, dates.to_pandas(split_blocks=True, self_destruct=True))

    def counts(self) -> dict[str, int]:
        with self._lock:
            out = {
                e.value: int(self._sql(f"SELECT count(*) FROM {_table(e)}")[0][0])
                for e in LOAD_ORDER
            }
            out["household_nodes"] = int(
                self._sql(f"SELECT count(*) FROM {_q(_HOUSEHOLD_NODES)}")[0][0]
            )
            out["relationship_managers"] = int(
                self._sql(f"SELECT count(*) FROM {_q(_RM_NODES)}")[0][0]
            )
        return out

    def clear(self) -> None:
        with self._lock, self._transaction():
            # drop rather than delete: extra columns added by loads go too
            for (name,) in self._sql("SELECT table_name FROM information_schema.tables"):
                self._sql(f"DROP TABLE IF EXISTS {_q(name)}")
            self.ensure_schema()

    def snapshots(self) -> pd.DataFrame:
        with self._lock:
            frame = self._df(
                f"SELECT {', '.join(_q(c) for c in SNAPSHOT_COLUMNS)} FROM {_q(_SNAPSHOTS)} "
                "ORDER BY loaded_at, snapshot_id"
            )
        return frame.astype("str") if len(frame) else _empty(SNAPSHOT_COLUMNS)

    # -- analysis runs and their results ---------------------------------------------
    def write_run(
        self,
        run: RunRecord,
        results: Mapping[Result, pd.DataFrame],
        *,
        publish: bool = True,
        keep_runs: int = DEFAULT_KEEP_RUNS,
    ) -> None:
        prepared = {result: _prepared_result(result, frame) for result, frame in results.items()}
        if keep_runs < 1:
            raise ConfigError("at least one analysis run must be kept")
        with self._lock, self._transaction():
            if self._sql(f"SELECT count(*) FROM {_q(_RUNS)} WHERE run_id = ?", [run.run_id])[0][0]:
                raise StoreQueryError(f"{self.description}: run {run.run_id} is already stored")
            run_no = int(self._sql(f"SELECT coalesce(max(run_no), 0) + 1 FROM {_q(_RUNS)}")[0][0])
            dtypes: dict[str, dict[str, list[str]]] = {}
            for result, (frame, names) in prepared.items():
                table = pa.Table.from_pandas(frame, preserve_index=False)
                self._con.register("incoming_result", table)
                try:
                    self._sql(
                        f"CREATE TABLE {_result_table(run_no, result)} AS "
                        "SELECT * FROM incoming_result"
                    )
                finally:
                    self._con.unregister("incoming_result")
                dtypes[result.value] = {
                    "columns": [c for c in frame.columns if c != _ROW],
                    "dtypes": names,
                }
            row = run.row(published=False)
            self._sql(
                f"INSERT INTO {_q(_RUNS)} ({', '.join(_q(c) for c in RUN_COLUMNS)}, run_no, "
                f"dtypes_json) VALUES ({', '.join('?' * (len(RUN_COLUMNS) + 2))})",
                [*row.values(), run_no, json.dumps(dtypes)],
            )
            if publish:
                self._publish(run.run_id)
            self._prune(keep_runs)

    def _publish(self, run_id: str) -> None:
        found = self._sql(f"SELECT kind FROM {_q(_RUNS)} WHERE run_id = ?", [run_id])
        if not found:
            raise NotFound(f"no analysis run {run_id} in the {self.description}")
        if found[0][0] != "official":
            raise ConfigError(
                f"run {run_id} is a {found[0][0]} run: what-if runs are kept for comparison "
                "and never published; run the analysis without --what-if to publish"
            )
        self._sql(f"UPDATE {_q(_RUNS)} SET published = (run_id = ?)", [run_id])

    def _prune(self, keep_runs: int) -> None:
        rows = self._sql(
            f"SELECT run_no, coalesce(published, false) FROM {_q(_RUNS)} ORDER BY run_no DESC"
        )
        for position, (run_no, published) in enumerate(rows):
            if position < keep_runs or published:
                continue
            for result in Result:
                self._sql(f"DROP TABLE IF EXISTS {_result_table(run_no, result)}")
            self._sql(f"DELETE FROM {_q(_RUNS)} WHERE run_no = ?", [run_no])

    def runs(self) -> pd.DataFrame:
        with self._lock:
            frame = self._df(
                f"SELECT {', '.join(_q(c) for c in RUN_COLUMNS)} FROM {_q(_RUNS)} ORDER BY run_no"
            )
        if frame.empty:
            return _empty(RUN_COLUMNS, published="bool")
        frame["published"] = frame["published"].fillna(False).astype(bool)
        for column in RUN_COLUMNS:
            if column != "published":
                frame[column] = frame[column].astype("str")
        return frame

    def publish(self, run_id: str) -> None:
        with self._lock, self._transaction():
            self._publish(run_id)

    def fetch_results(self, result: Result, run_id: str | None = None) -> pd.DataFrame:
        spec = RESULT_SPECS[result]
        with self._lock:
            if run_id is None:
                found = self._sql(f"SELECT run_no, dtypes_json FROM {_q(_RUNS)} WHERE published")
            else:
                found = self._sql(
                    f"SELECT run_no, dtypes_json FROM {_q(_RUNS)} WHERE run_id = ?", [run_id]
                )
            if not found:
                return _empty(spec.key)
            run_no, dtypes_json = found[0]
            described = json.loads(dtypes_json or "{}").get(result.value)
            if described is None:
                return _empty(spec.key)
            table = self._arrow(
                f"SELECT * EXCLUDE ({_ROW}) FROM {_result_table(run_no, result)} ORDER BY {_ROW}"
            )
        frame = table.to_pandas()
        frame.columns = described["columns"]
        return restore_dtypes(frame, described["dtypes"])


class _Transaction:
    """``BEGIN`` ... ``COMMIT``, or ``ROLLBACK`` on any exception (a kill at any point
    leaves only committed transactions in the file)."""

    def __init__(self, store: DuckDBStore):
        self.store = store

    def __enter__(self) -> None:
        self.store._sql("BEGIN TRANSACTION")

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.store._sql("COMMIT")
        else:
            # the transaction may already be gone (the error aborted it)
            with contextlib.suppress(duckdb.Error):
                self.store._con.execute("ROLLBACK")


def _prepared_result(result: Result, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` checked (identifiers, key columns) and normalized for storage, with the
    row order as a column, and the names of its dtypes."""
    spec = RESULT_SPECS[result]
    check_property_names(frame.columns)
    missing = [k for k in spec.key if k not in frame.columns]
    if missing:
        raise ValueError(f"{result.value} needs the column(s) {missing}")
    if _ROW in frame.columns:
        raise ValueError(f"{result.value}: {_ROW!r} is reserved")
    names = dtype_names(frame)
    normalized = restore_dtypes(frame.reset_index(drop=True), names)
    normalized[_ROW] = range(len(normalized))
    return normalized, names


def _empty(columns: Iterable[str], **dtypes: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=dtypes.get(c, "str")) for c in columns})


def _missing_message(file: Path) -> str:
    near = []
    folder = file.parent if str(file.parent) else Path(".")
    if folder.is_dir():
        candidates = [p.name for p in folder.iterdir() if p.suffix in (".duckdb", ".db")]
        near = difflib.get_close_matches(file.name, candidates, n=1, cutoff=0.6)
    hint = f" Did you mean {folder / near[0]}?" if near else ""
    return (
        f"there is no guanxi store at {file}.{hint} Only `guanxi load DIR --store {file}` "
        "(or `guanxi demo`) creates a store; nothing was created."
    )


def _distinct_keys(incoming: pa.Table, spec) -> bool:
    """Whether every row of ``incoming`` has its own key (the id, or the relationship's
    natural key with missing parts as "")."""
    if isinstance(spec.graph, NodeMapping):
        key = incoming.column(spec.graph.key)
    else:
        parts = [pc.fill_null(incoming.column(c).cast(pa.large_string()), "") for c in spec.key]
        key = pc.binary_join_element_wise(*parts, pa.scalar(KEY_SEPARATOR, pa.large_string()))
    return pc.count_distinct(key, mode="all").as_py() == incoming.num_rows


_EPOCH = datetime.date(1970, 1, 1)
#: days since 1970-01-01 (what a date32 holds) of 0001-01-01 and 9999-12-31
_FIRST_DAY = (datetime.date(1, 1, 1) - _EPOCH).days
_LAST_DAY = (datetime.date(9999, 12, 31) - _EPOCH).days


def _dates_as_text(table: pa.Table) -> pa.Table | None:
    """``table`` with its DATE columns as ISO ``YYYY-MM-DD`` text, or None when a date
    lies outside years 1..9999 (where ISO text would need more than four digits)."""
    for i, field in enumerate(table.schema):
        if not pa.types.is_date(field.type):
            continue
        column = table.column(i)
        low, high = pc.min_max(column.cast(pa.int32())).values()
        if low.is_valid and (low.as_py() < _FIRST_DAY or high.as_py() > _LAST_DAY):
            return None
        table = table.set_column(i, field.name, column.cast(pa.string()))
    return table
