"""The embedded default store: one DuckDB file, the same interface as Neo4j.

One table per contract entity, with the contract's columns (dates as DATE, money as
DOUBLE, everything else VARCHAR) and any extra columns a bank sends as VARCHAR. Node
entities are keyed by their id; relationship entities by ``_key``, the natural key
from :func:`guanxi.graph.schema.relationship_keys`. Households and relationship
managers also get node tables, as in the graph model.

A load is one DuckDB transaction: it is all written or, on any error, none of it.
Loading the same frames twice changes nothing (``INSERT ... ON CONFLICT DO UPDATE``).
DuckDB allows one writing process per file; a second process gets
:class:`~guanxi.errors.StoreUnavailable` with the reason.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from guanxi.errors import StoreQueryError, StoreUnavailable
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
    RESULT_SPECS,
    GraphStore,
    LoadStats,
    ProgressCallback,
    Result,
    check_property_names,
    timed_load,
)

__all__ = ["DuckDBStore"]

_SQL_TYPES = {
    ColumnKind.ID: "VARCHAR",
    ColumnKind.TEXT: "VARCHAR",
    ColumnKind.ENUM: "VARCHAR",
    ColumnKind.MONEY: "DOUBLE",
    ColumnKind.FRACTION: "DOUBLE",
    ColumnKind.DATE: "DATE",
}
_KEY = "_key"
_HOUSEHOLD_NODES = "household_nodes"
_RM_NODES = "relationship_managers"


def _q(name: str) -> str:
    """Quote an identifier. Only contract names or names checked by
    :func:`check_property_names` reach here."""
    return '"' + name.replace('"', '""') + '"'


def _table(entity: Entity) -> str:
    return _q(entity.value)


def _result_table(result: Result) -> str:
    return _q("result_" + result.value)


class DuckDBStore(GraphStore):
    """The embedded store in one DuckDB file (``":memory:"`` for a throw-away store).

    Parameters
    ----------
    path : str or Path
        The database file; created with its folder when missing.
    read_only : bool
        Open without write access (several readers may share a file).
    """

    def __init__(self, path: str | Path = "guanxi.duckdb", *, read_only: bool = False):
        self.path = str(path)
        self.description = f"embedded DuckDB store at {self.path}"
        if self.path != ":memory:":
            Path(self.path).expanduser().parent.mkdir(parents=True, exist_ok=True)
        try:
            self._con = duckdb.connect(
                str(Path(self.path).expanduser()) if self.path != ":memory:" else ":memory:",
                read_only=read_only,
            )
        except duckdb.IOException as exc:
            raise StoreUnavailable(
                f"cannot open the {self.description}: {exc}. DuckDB allows one writing "
                "process per file; is another guanxi command (load, analyze, serve) using it?"
            ) from exc
        except duckdb.Error as exc:
            raise StoreUnavailable(f"cannot open the {self.description}: {exc}") from exc
        self._lock = threading.RLock()
        self._closed = False
        if not read_only:
            self.ensure_schema()

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._con.close()

    def ping(self) -> None:
        if self._closed:
            raise StoreUnavailable(f"the {self.description} is closed")
        self._sql("SELECT 1")

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

    # -- helpers ---------------------------------------------------------------------
    def _sql(self, query: str, params: list | None = None) -> list[tuple]:
        """Run one statement and fetch all its rows (DuckDB wants every result consumed
        before the connection does anything else)."""
        return self._run(query, params, lambda cur: cur.fetchall())

    def _df(self, query: str, params: list | None = None) -> pd.DataFrame:
        return self._run(query, params, lambda cur: cur.df())

    def _arrow(self, query: str) -> pa.Table:
        """Run a query without parameters and fetch its rows as an Arrow table (no
        Python object per value; text with 64-bit offsets, as pandas' ``str`` columns
        hold it, so converting to pandas copies nothing)."""
        if self._closed:
            raise StoreUnavailable(f"the {self.description} is closed")
        try:
            self._con.execute("SET arrow_large_buffer_size = true")
            return self._con.sql(query).to_arrow_table()
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

    def _has_table(self, table: str) -> bool:
        return bool(
            self._sql(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [table]
            )[0][0]
        )

    # -- loading ---------------------------------------------------------------------
    def load(
        self,
        frames: Mapping[Entity, pd.DataFrame],
        *,
        progress: ProgressCallback | None = None,
    ) -> LoadStats:
        with self._lock:
            self._sql("BEGIN TRANSACTION")
            try:
                stats = timed_load(lambda e, f: self._load_entity(e, f, progress), frames)
                self._sql("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
        return stats

    def _load_entity(
        self, entity: Entity, frame: pd.DataFrame, progress: ProgressCallback | None
    ) -> None:
        spec = SPECS[entity]
        total = len(frame)
        if progress:
            progress(entity, 0, total)
        if total == 0:
            return
        frame = canonical_frame(entity, frame)
        extras = [c for c in frame.columns if c not in spec.column_names]
        check_property_names(extras)
        table = _table(entity)
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
            col_list = ", ".join(_q(c) for c in columns)
            updates = ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in columns if c not in key_cols)
            conflict = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
            self._sql(
                f"INSERT INTO {table} ({col_list}) SELECT {select} FROM {_q(view)} "
                f"ON CONFLICT ({', '.join(_q(k) for k in key_cols)}) {conflict}",
                params,
            )
            if entity == Entity.CUSTOMERS:
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
                f"SELECT {', '.join(_q(c) for c in columns)} FROM {_table(entity)} "
                f"ORDER BY {order}"
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
        with self._lock:
            self._sql("BEGIN TRANSACTION")
            try:
                # drop rather than delete: extra columns added by loads go too
                for entity in LOAD_ORDER:
                    self._sql(f"DROP TABLE IF EXISTS {_table(entity)}")
                self._sql(f"DROP TABLE IF EXISTS {_q(_HOUSEHOLD_NODES)}")
                self._sql(f"DROP TABLE IF EXISTS {_q(_RM_NODES)}")
                for result in Result:
                    self._sql(f"DROP TABLE IF EXISTS {_result_table(result)}")
                self.ensure_schema()
                self._sql("COMMIT")
            except BaseException:
                self._con.execute("ROLLBACK")
                raise

    # -- analysis results ------------------------------------------------------------
    def write_results(self, result: Result, frame: pd.DataFrame) -> None:
        spec = RESULT_SPECS[result]
        check_property_names(frame.columns)
        if spec.key not in frame.columns:
            raise ValueError(f"{result.value} needs a {spec.key!r} column")
        with self._lock:
            self._con.register("incoming_result", frame)
            try:
                self._sql(
                    f"CREATE OR REPLACE TABLE {_result_table(result)} AS "
                    "SELECT * FROM incoming_result"
                )
            finally:
                self._con.unregister("incoming_result")

    def fetch_results(self, result: Result) -> pd.DataFrame:
        spec = RESULT_SPECS[result]
        table = "result_" + result.value
        with self._lock:
            if not self._has_table(table):
                return pd.DataFrame({spec.key: pd.Series([], dtype="str")})
            frame = self._df(f"SELECT * FROM {_q(table)}")
        sort = [spec.key] + ([spec.target_key] if spec.target_key in frame.columns else [])
        return frame.sort_values(sort, kind="stable").reset_index(drop=True)


def _distinct_keys(incoming: pa.Table, spec) -> bool:
    """Whether every row of ``incoming`` has its own key (the id, or the relationship's
    natural key with missing parts as "")."""
    if isinstance(spec.graph, NodeMapping):
        key = incoming.column(spec.graph.key)
    else:
        parts = [
            pc.fill_null(incoming.column(c).cast(pa.large_string()), "") for c in spec.key
        ]
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
