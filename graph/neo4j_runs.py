"""Analysis runs in Neo4j: every result set of every run, stored exactly, and the
published run drawn on the graph for Neo4j's own tools.

Two things are written for a run:

- **The record** guanxi reads back (:meth:`RunsMixin.fetch_results`): each result set
  as Apache Parquet, in chunks of at most :data:`CHUNK_ROWS` rows, one
  ``(:GuanxiResultChunk {chunk_id, run_id, result, chunk_no, rows, data})`` node each
  (``data`` is a byte array). Parquet keeps every column, its order and its dtype:
  money comes back as the exact decimals it was written with, never through a float.
  A run exists for readers once its ``(:AnalysisRun {run_id, run_no, published, ...})``
  node exists; that node is created last, in one small transaction, after every chunk
  is committed, and it records how many chunks each result set has. So a writer killed
  at any point leaves either the whole run or no run (chunks without their run are
  invisible, and removed by a later write once older than the heartbeat timeout); a
  reader that finds a chunk missing refuses to answer rather than return a part.
- **The projection** people browse in Neo4j Browser or Bloom: the *published* run's
  groups, circles and communities as nodes, memberships and the reasons customers are
  linked as relationships, and the customer metrics as properties of the customers::

      (:Customer {group_id, single_name_exposure, circle_id, influence_rank, ...})
      (:Customer)-[:IN_GROUP {...}]->(:ExposureGroup {group_id, size, exposure, ...})
      (:Customer)-[:IN_CIRCLE]->(:GuaranteeCircle {circle_id, ...})
      (:Customer)-[:IN_COMMUNITY]->(:Community {community_id, ...})
      (:Customer)-[:LINKED {group_id, reason, source_entity, source_key}]->(:Customer)

  Money in the projection is exact text (``'8000000.0000'``): Cypher has no decimal
  type; ``toFloat()`` it to sort. ``(:GuanxiMeta {name: 'projection'}).run_id`` names
  the run drawn, set in the same transaction as the last projection write. Up to
  ``single_transaction_max_rows`` projected rows, the projection is rewritten in the
  same transaction that publishes the run; above that, in batches just after, and
  ``projection.run_id`` names the new run only once they are all in.

Runs beyond ``keep_runs`` are removed oldest first (their run node in the publishing
transaction, their chunks after it); the published run never is.
"""

from __future__ import annotations

import io
import json
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from neo4j import ManagedTransaction

from guanxi.errors import ConfigError, NotFound, StoreQueryError
from guanxi.graph.neo4j_cypher import (
    META_KEY,
    Statement,
    StoreLabel,
    Unit,
    WriteMode,
    quote_name,
    to_records,
)
from guanxi.graph.schema import SPECS, Entity, NodeLabel
from guanxi.graph.store import (
    DEFAULT_KEEP_RUNS,
    RESULT_SPECS,
    RUN_COLUMNS,
    SNAPSHOT_COLUMNS,
    QueryMode,
    Result,
    ResultKind,
    ResultRel,
    RunRecord,
    check_property_names,
    dtype_names,
    restore_dtypes,
)

__all__ = ["RunsMixin", "CHUNK_ROWS", "PROJECTED"]

#: rows of a result set per stored Parquet chunk
CHUNK_ROWS = 50_000
#: the result sets drawn on the graph for the published run
PROJECTED: tuple[Result, ...] = tuple(
    r for r, spec in RESULT_SPECS.items() if spec.kind is not ResultKind.TABLE
)
#: the meta node naming the run the projection shows
_PROJECTION = "projection"
#: the meta node every run write and publish locks first, so they serialize
_RUN_LOCK = "lock:run"
_RUN = quote_name(StoreLabel.RUN)
_CHUNK = quote_name(StoreLabel.RESULT_CHUNK)
_META = quote_name(StoreLabel.META)
_CUSTOMER = quote_name(NodeLabel.CUSTOMER)
_CID = quote_name("customer_id")


def _parquet(frame: pd.DataFrame) -> bytes:
    sink = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), sink, compression="zstd")
    return sink.getvalue()


def _prepared(result: Result, frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` checked (identifiers, key columns) and normalized, with its dtype names."""
    spec = RESULT_SPECS[result]
    columns = [str(c) for c in frame.columns]
    check_property_names(columns)
    if len(set(columns)) != len(columns):
        raise ValueError(f"{result.value}: duplicate column names {columns}")
    missing = [k for k in spec.key if k not in frame.columns]
    if missing:
        raise ValueError(f"{result.value} needs the column(s) {missing}")
    names = dtype_names(frame)
    return restore_dtypes(frame.reset_index(drop=True), names), names


def _empty(columns: Sequence[str], **dtypes: str) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=dtypes.get(c, "str")) for c in columns})


class RunsMixin:
    """Snapshots, runs, results and the projection of :class:`Neo4jStore`.

    Relies on the store's ``run``, ``_execute``, ``_apply``, ``_batch_units``,
    ``_bounded_unit``, ``_mode``, ``_extras``, ``batch_size``, ``description`` and
    ``load_heartbeat_timeout``.
    """

    # -- snapshots ---------------------------------------------------------------------
    def snapshots(self) -> pd.DataFrame:
        rows = self.run(f"MATCH (s:{quote_name(StoreLabel.SNAPSHOT)}) RETURN properties(s) AS p")
        if not rows:
            return _empty(SNAPSHOT_COLUMNS)
        frame = pd.DataFrame(
            [[r["p"].get(c) for c in SNAPSHOT_COLUMNS] for r in rows], columns=SNAPSHOT_COLUMNS
        ).astype("str")
        return frame.sort_values(["loaded_at", "snapshot_id"], kind="stable").reset_index(drop=True)

    @staticmethod
    def record_snapshot(tx: ManagedTransaction, row: Mapping[str, Any]) -> None:
        """Write a load's snapshot row (:data:`SNAPSHOT_COLUMNS`) inside ``tx``."""
        tx.run(
            f"CREATE (s:{quote_name(StoreLabel.SNAPSHOT)}) SET s = $row", {"row": dict(row)}
        ).consume()

    # -- runs --------------------------------------------------------------------------
    def _run_nodes(self) -> list[dict[str, Any]]:
        rows = self.run(f"MATCH (r:{_RUN}) RETURN properties(r) AS p ORDER BY r.run_no")
        return [dict(r["p"]) for r in rows]

    def runs(self) -> pd.DataFrame:
        nodes = self._run_nodes()
        if not nodes:
            return _empty(RUN_COLUMNS, published="bool")
        frame = pd.DataFrame([[n.get(c) for c in RUN_COLUMNS] for n in nodes], columns=RUN_COLUMNS)
        frame["published"] = frame["published"].fillna(False).astype(bool)
        for column in RUN_COLUMNS:
            if column != "published":
                frame[column] = frame[column].astype("str")
        return frame

    def write_run(
        self,
        run: RunRecord,
        results: Mapping[Result, pd.DataFrame],
        *,
        publish: bool = True,
        keep_runs: int = DEFAULT_KEEP_RUNS,
    ) -> None:
        if keep_runs < 1:
            raise ConfigError("at least one analysis run must be kept")
        prepared = {Result(r): _prepared(Result(r), f) for r, f in results.items()}
        if publish and run.kind != "official":
            raise ConfigError(
                f"run {run.run_id} is a {run.kind} run: what-if runs are kept for comparison "
                "and never published; run the analysis without --what-if to publish"
            )
        if self.run(f"MATCH (r:{_RUN} {{run_id: $id}}) RETURN 1 AS v", {"id": run.run_id}):
            raise StoreQueryError(f"{self.description}: run {run.run_id} is already stored")
        self._remove_orphan_chunks()
        described: dict[str, dict[str, Any]] = {}
        chunk_units: list[Unit] = []
        for result, (frame, names) in prepared.items():
            n_chunks = (len(frame) + CHUNK_ROWS - 1) // CHUNK_ROWS
            described[result.value] = {
                "columns": [str(c) for c in frame.columns],
                "dtypes": names,
                "chunks": n_chunks,
                "rows": len(frame),
            }
            for no in range(n_chunks):
                part = frame.iloc[no * CHUNK_ROWS : (no + 1) * CHUNK_ROWS]
                chunk_units.append(self._chunk_unit(run.run_id, result, no, part))
        # the chunks, each committed on its own: nobody sees them before the run node
        for unit in chunk_units:
            self._execute(unit.run, QueryMode.WRITE, what=f"store run {run.run_id}")
        expected = sum(d["chunks"] for d in described.values())
        row = run.row(published=False)
        row["dtypes_json"] = json.dumps(described)
        projected = {r: f for r, (f, _) in prepared.items() if r in PROJECTED}
        rows = sum(len(f) for f in projected.values())
        one_go = publish and self._mode(rows) is WriteMode.SINGLE
        units = self._projection_units(run.run_id, projected) if one_go else []

        def finish(tx: ManagedTransaction) -> None:
            self._lock_runs(tx)
            found = tx.run(
                f"MATCH (c:{_CHUNK} {{run_id: $id}}) RETURN count(c) AS n", {"id": run.run_id}
            ).single(strict=True)["n"]
            if int(found) != expected:
                raise StoreQueryError(
                    f"{self.description}: run {run.run_id}: {found} of its {expected} result "
                    "chunks are stored (another writer removed them?); the run was not stored. "
                    "Run the analysis again."
                )
            tx.run(
                f"MATCH (r:{_RUN}) WITH coalesce(max(r.run_no), 0) + 1 AS no "
                f"CREATE (n:{_RUN}) SET n = $row, n.run_no = no",
                {"row": row},
            ).consume()
            if publish:
                self._set_published(tx, run.run_id)
            for unit in units:
                while unit.run(tx):
                    pass
            return self._prune_runs(tx, keep_runs)

        pruned = self._execute(finish, QueryMode.WRITE, what=f"store run {run.run_id}")
        if publish and not one_go:
            self._project(run.run_id, projected)
        for run_id in pruned:
            self._remove_chunks(run_id)

    def publish(self, run_id: str) -> None:
        found = self.run(f"MATCH (r:{_RUN} {{run_id: $id}}) RETURN r.kind AS kind", {"id": run_id})
        if not found:
            raise NotFound(f"no analysis run {run_id} in the {self.description}")
        if found[0]["kind"] != "official":
            raise ConfigError(
                f"run {run_id} is a {found[0]['kind']} run: what-if runs are kept for "
                "comparison and never published; run the analysis without --what-if to publish"
            )
        projected = {r: self.fetch_results(r, run_id) for r in PROJECTED}
        rows = sum(len(f) for f in projected.values())
        one_go = self._mode(rows) is WriteMode.SINGLE
        units = self._projection_units(run_id, projected) if one_go else []

        def flip(tx: ManagedTransaction) -> None:
            self._lock_runs(tx)
            self._set_published(tx, run_id)
            for unit in units:
                while unit.run(tx):
                    pass

        self._execute(flip, QueryMode.WRITE, what=f"publish run {run_id}")
        if not one_go:
            self._project(run_id, projected)

    def fetch_results(self, result: Result, run_id: str | None = None) -> pd.DataFrame:
        result = Result(result)
        spec = RESULT_SPECS[result]
        where = "r.published" if run_id is None else "r.run_id = $id"
        found = self.run(
            f"MATCH (r:{_RUN}) WHERE {where} RETURN r.run_id AS id, r.dtypes_json AS d",
            {"id": run_id},
        )
        if not found:
            return _empty(spec.key)
        run_id = found[0]["id"]
        described = json.loads(found[0]["d"] or "{}").get(result.value)
        if described is None:
            return _empty(spec.key)
        columns, names = described["columns"], described["dtypes"]
        chunks = self.run(
            f"MATCH (c:{_CHUNK} {{run_id: $id, result: $result}}) "
            "RETURN c.chunk_no AS no, c.data AS data ORDER BY c.chunk_no",
            {"id": run_id, "result": result.value},
        )
        if [c["no"] for c in chunks] != list(range(described["chunks"])):
            raise StoreQueryError(
                f"{self.description}: run {run_id}: {result.value} should have "
                f"{described['chunks']} chunks and has {len(chunks)}; refusing to answer "
                "with part of it"
            )
        if not chunks:
            frame = pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
        else:
            frame = pd.concat(
                [pq.read_table(io.BytesIO(bytes(c["data"]))).to_pandas() for c in chunks],
                ignore_index=True,
            )
            frame = frame[columns]
        return restore_dtypes(frame, names)

    # -- the pieces of a run write -------------------------------------------------------
    @staticmethod
    def _chunk_unit(run_id: str, result: Result, no: int, part: pd.DataFrame) -> Unit:
        props = {
            "chunk_id": f"{run_id}/{result.value}/{no}",
            "run_id": run_id,
            "result": result.value,
            "chunk_no": no,
            "rows": len(part),
            "data": _parquet(part),
        }

        def run(tx: ManagedTransaction) -> bool:
            tx.run(
                f"MERGE (c:{_CHUNK} {{chunk_id: $p.chunk_id}}) SET c = $p, "
                "c.written_at = timestamp()",
                {"p": props},
            ).consume()
            return False

        return Unit(run, len(part))

    @staticmethod
    def _lock_runs(tx: ManagedTransaction) -> None:
        tx.run(
            f"MERGE (l:{_META} {{{META_KEY}: $name}}) SET l.version = coalesce(l.version, 0) + 1",
            {"name": _RUN_LOCK},
        ).consume()

    @staticmethod
    def _set_published(tx: ManagedTransaction, run_id: str) -> None:
        tx.run(f"MATCH (r:{_RUN}) SET r.published = (r.run_id = $id)", {"id": run_id}).consume()

    @staticmethod
    def _prune_runs(tx: ManagedTransaction, keep_runs: int) -> list[str]:
        """Remove the run nodes beyond ``keep_runs`` (never the published one) and
        return their ids; their chunks are removed after the commit."""
        rows = tx.run(
            f"MATCH (r:{_RUN}) WITH r ORDER BY r.run_no DESC SKIP $keep "
            "WITH r WHERE NOT coalesce(r.published, false) "
            "WITH r, r.run_id AS id DELETE r RETURN id",
            {"keep": keep_runs},
        ).data()
        return [r["id"] for r in rows]

    def _remove_chunks(self, run_id: str) -> None:
        unit = self._bounded_unit(
            f"MATCH (c:{_CHUNK} {{run_id: $id}}) WITH c LIMIT $limit DELETE c "
            "RETURN count(*) AS count",
            {"id": run_id, "limit": 20},
        )
        self._apply([unit], mode=WriteMode.BATCHED, what="remove old run chunks")

    def _remove_orphan_chunks(self) -> None:
        """Delete the chunks of writes that died before storing their run, once older
        than the heartbeat timeout (a write still in progress elsewhere keeps its own)."""
        known = [n["run_id"] for n in self._run_nodes()]
        stale = self.run(
            f"MATCH (c:{_CHUNK}) WHERE NOT c.run_id IN $known "
            "AND c.written_at < timestamp() - $age RETURN DISTINCT c.run_id AS id",
            {"known": known, "age": int(self.load_heartbeat_timeout * 1000)},
        )
        for row in stale:
            self._remove_chunks(row["id"])

    # -- the projection of the published run ---------------------------------------------
    def _project(self, run_id: str, projected: Mapping[Result, pd.DataFrame]) -> None:
        """Rewrite the projection in batches (a run too large for one transaction)."""
        units = self._projection_units(run_id, projected, mode=WriteMode.BATCHED)
        self._apply(units, mode=WriteMode.BATCHED, what=f"draw run {run_id} on the graph")

    def _projection_units(
        self,
        run_id: str,
        projected: Mapping[Result, pd.DataFrame],
        *,
        mode: WriteMode = WriteMode.SINGLE,
    ) -> list[Unit]:
        units: list[Unit] = []
        frames = {r: projected.get(r) for r in PROJECTED}
        # first what the previous projection drew, then the new one
        for result in PROJECTED:
            units += self._clear_projection(result)
        # nodes before the memberships pointing at them
        order = sorted(PROJECTED, key=lambda r: RESULT_SPECS[r].kind is not ResultKind.NODES)
        for result in order:
            frame = frames[result]
            if frame is None or frame.empty:
                continue
            units += self._draw(result, frame, mode)

        def mark(tx: ManagedTransaction) -> bool:
            tx.run(
                f"MERGE (m:{_META} {{{META_KEY}: $name}}) SET m.run_id = $id",
                {"name": _PROJECTION, "id": run_id},
            ).consume()
            return False

        return [*units, Unit(mark)]

    def _clear_projection(self, result: Result) -> list[Unit]:
        spec = RESULT_SPECS[result]
        limit = {"limit": self.batch_size}
        if spec.kind is ResultKind.CUSTOMER_PROPERTIES:
            meta = self.run(
                f"MATCH (m:{_META} {{{META_KEY}: $name}}) RETURN m.columns AS c",
                {"name": f"result:{result.value}"},
            )
            old = [str(c) for c in (meta[0]["c"] or [])] if meta else []
            old = [c for c in old if c not in spec.key]
            if not old:
                return []
            for c in old:
                quote_name(c)
            has_any = " OR ".join(f"n.{quote_name(c)} IS NOT NULL" for c in old)
            return [
                self._bounded_unit(
                    f"MATCH (n:{_CUSTOMER}) WHERE {has_any} WITH n LIMIT $limit "
                    "SET n += $nulls RETURN count(n) AS count",
                    {**limit, "nulls": dict.fromkeys(old)},
                )
            ]
        if spec.kind is ResultKind.NODES:
            return [
                self._bounded_unit(
                    f"MATCH (n:{quote_name(spec.label)}) WITH n LIMIT $limit DETACH DELETE n "
                    "RETURN count(*) AS count",
                    limit,
                )
            ]
        return [
            self._bounded_unit(
                f"MATCH ()-[r:{quote_name(spec.rel)}]->() WITH r LIMIT $limit DELETE r "
                "RETURN count(*) AS count",
                limit,
            )
        ]

    def _draw(self, result: Result, frame: pd.DataFrame, mode: WriteMode) -> list[Unit]:
        spec = RESULT_SPECS[result]
        rows = to_records(frame)
        what = f"draw {result.value}"
        if spec.kind is ResultKind.CUSTOMER_PROPERTIES:
            # a metric never overwrites the customer's own data
            protected = set(SPECS[Entity.CUSTOMERS].column_names) | set(
                self._extras(Entity.CUSTOMERS)
            )
            metrics = [c for c in frame.columns if c not in spec.key and c not in protected]
            payload = [{"key": r["customer_id"], "props": {c: r[c] for c in metrics}} for r in rows]
            statement = Statement(
                f"UNWIND $rows AS row MATCH (n:{_CUSTOMER} {{{_CID}: row.key}}) SET n += row.props"
            )
            columns = ["customer_id", *metrics]
            dtypes = [str(frame[c].dtype) for c in columns]

            def meta(tx: ManagedTransaction) -> bool:
                tx.run(
                    f"MERGE (m:{_META} {{{META_KEY}: $name}}) SET m.columns = $columns, "
                    "m.dtypes = $dtypes",
                    {"name": f"result:{result.value}", "columns": columns, "dtypes": dtypes},
                ).consume()
                return False

            units = [Unit(meta)]
            return units + self._batch_units([statement], payload, mode=mode, what=what)
        if spec.kind is ResultKind.NODES:
            key = spec.key[0]
            payload = [
                {"key": r[key], "props": {c: v for c, v in r.items() if v is not None}}
                for r in rows
            ]
            statement = Statement(
                f"UNWIND $rows AS row MERGE (n:{quote_name(spec.label)} "
                f"{{{quote_name(key)}: row.key}}) SET n = row.props"
            )
            return self._batch_units([statement], payload, mode=mode, what=what)
        rel = quote_name(spec.rel)
        if spec.kind is ResultKind.MEMBERSHIP:
            target, tkey = quote_name(spec.target_label), quote_name(spec.target_key)
            props = [c for c in frame.columns if c not in ("customer_id", spec.target_key)]
            payload = [
                {
                    "key": r["customer_id"],
                    "target": r[spec.target_key],
                    "props": {c: r[c] for c in props if r[c] is not None},
                }
                for r in rows
            ]
            statement = Statement(
                f"UNWIND $rows AS row MATCH (c:{_CUSTOMER} {{{_CID}: row.key}}) "
                f"MERGE (g:{target} {{{tkey}: row.target}}) "
                f"MERGE (c)-[r:{rel}]->(g) SET r = row.props"
            )
            return self._batch_units([statement], payload, mode=mode, what=what)
        assert spec.rel is ResultRel.LINKED
        props = [c for c in frame.columns if c not in ("a", "b")]
        payload = [
            {"a": r["a"], "b": r["b"], "props": {c: r[c] for c in props if r[c] is not None}}
            for r in rows
        ]
        statement = Statement(
            f"UNWIND $rows AS row MATCH (a:{_CUSTOMER} {{{_CID}: row.a}}) "
            f"MATCH (b:{_CUSTOMER} {{{_CID}: row.b}}) CREATE (a)-[r:{rel}]->(b) SET r = row.props"
        )
        return self._batch_units([statement], payload, mode=mode, what=what)
