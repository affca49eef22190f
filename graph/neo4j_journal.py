"""The load journal and the load lock of the Neo4j store: which loads are running or
did not complete, and the lock that makes two loads serialize (see "Loads" and
"Concurrency" in :mod:`guanxi.graph.neo4j_store`)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import Any

from neo4j import ManagedTransaction

from guanxi.errors import GuanxiError, StoreUnavailable
from guanxi.graph.neo4j_cypher import (
    LOAD_KEY,
    LOAD_LOCK,
    META_KEY,
    LoadStatus,
    StoreLabel,
    quote_name,
)
from guanxi.graph.store import QueryMode

_log = logging.getLogger("guanxi.graph.neo4j_store")

__all__ = ["JournalMixin"]


class JournalMixin:
    """Journal and lock of :class:`~guanxi.graph.neo4j_store.Neo4jStore`."""

    # -- the load journal and the load lock ------------------------------------------
    def incomplete_loads(self) -> list[dict[str, Any]]:
        """Loads whose journal is not ``complete``, oldest first.

        Each is the journal node's properties (``load_id``, ``status``, ``mode``,
        ``rows_done``, ``rows_total``, ``entities``, ``started_at`` and ``heartbeat`` in
        server milliseconds, ``host``, ``pid``, ``error``) plus ``idle_seconds`` (since
        its last progress) and ``in_progress`` (running, with a heartbeat younger than
        ``load_heartbeat_timeout``: probably still being written).
        """
        load = quote_name(StoreLabel.LOAD)
        rows = self.run(
            f"MATCH (j:{load}) WHERE j.status <> $complete "
            "RETURN properties(j) AS j, timestamp() AS now",
            {"complete": LoadStatus.COMPLETE.value},
        )
        loads = []
        for row in rows:
            journal = dict(row["j"])
            idle = max(0.0, (int(row["now"]) - int(journal.get("heartbeat") or 0)) / 1000.0)
            journal["idle_seconds"] = idle
            journal["in_progress"] = (
                journal.get("status") == LoadStatus.RUNNING and idle < self.load_heartbeat_timeout
            )
            loads.append(journal)
        return sorted(loads, key=lambda j: (j.get("started_at") or 0, str(j.get(LOAD_KEY))))

    def _describe_load(self, journal: Mapping[str, Any], idle: float) -> str:
        where = f"{journal.get('host', '?')}, pid {journal.get('pid', '?')}"
        error = f"; error: {journal['error']}" if journal.get("error") else ""
        return (
            f"load {journal.get(LOAD_KEY)} ({journal.get('status')}, "
            f"{journal.get('rows_done', 0)} of {journal.get('rows_total', '?')} rows, "
            f"from {where}, last progress {idle:.0f} s ago{error})"
        )

    def _warn_incomplete(self, journal: Mapping[str, Any]) -> None:
        key = (str(journal.get(LOAD_KEY)), journal.get("heartbeat"))
        if key in self._warned:
            return
        self._warned.add(key)
        idle = float(journal.get("idle_seconds", 0.0))
        if journal.get("in_progress"):
            _log.warning(
                "%s: a load is being written right now, or was interrupted less than "
                "%.0f s ago: %s.",
                self.description,
                self.load_heartbeat_timeout,
                self._describe_load(journal, idle),
            )
            return
        _log.warning(
            "%s: an earlier load did not complete: %s. The batches it committed are in "
            "the store; loading the same files again completes it (loads are idempotent).",
            self.description,
            self._describe_load(journal, idle),
        )

    def _ensure_lock(self) -> None:
        """Create the load lock node if it is missing (``clear()`` removes it).

        Two loads creating it at the same moment are safe: with the uniqueness
        constraint on its key, Neo4j makes the second MERGE wait and then match."""
        self.run(
            f"MERGE (l:{quote_name(StoreLabel.META)} {{{META_KEY}: $name}})",
            {"name": LOAD_LOCK},
            mode=QueryMode.WRITE,
        )

    def _claim(self, tx: ManagedTransaction, load_id: str) -> int:
        """Take the load lock for this transaction and refuse to run beside a live
        journaled load; returns the server's clock (ms).

        The first SET takes the lock node's write lock, which Neo4j holds until this
        transaction ends: a second load's claim waits here until then."""
        claim = tx.run(
            f"MERGE (l:{quote_name(StoreLabel.META)} {{{META_KEY}: $name}}) "
            "SET l.load_id = $id, l.claimed_at = timestamp(), "
            "l.version = coalesce(l.version, 0) + 1 "
            "RETURN timestamp() AS now",
            {"name": LOAD_LOCK, "id": load_id},
        ).single(strict=True)
        now = int(claim["now"])
        others = tx.run(
            f"MATCH (j:{quote_name(StoreLabel.LOAD)}) WHERE j.status <> $complete "
            f"AND j.{LOAD_KEY} <> $id RETURN properties(j) AS j",
            {"complete": LoadStatus.COMPLETE.value, "id": load_id},
        ).data()
        for row in others:
            journal = dict(row["j"])
            idle = max(0.0, (int(now) - int(journal.get("heartbeat") or 0)) / 1000.0)
            running = journal.get("status") == LoadStatus.RUNNING
            if running and idle < self.load_heartbeat_timeout:
                raise StoreUnavailable(
                    f"{self.description}: another load is being written: "
                    f"{self._describe_load(journal, idle)}. Nothing of this load was "
                    "written. Wait for it to finish; if it was interrupted, run it again "
                    f"to complete it, or wait {self.load_heartbeat_timeout:.0f} s after its "
                    "last progress."
                )
            self._warn_incomplete({**journal, "idle_seconds": idle, "in_progress": False})
        return now

    def _journal(
        self,
        tx: ManagedTransaction,
        load_id: str,
        props: Mapping[str, Any],
        *,
        start: bool = False,
        finish: bool = False,
    ) -> None:
        sets = ["j += $props", "j.heartbeat = timestamp()"]
        if start:
            sets.append("j.started_at = timestamp()")
        if finish:
            sets.append("j.finished_at = timestamp()")
        tx.run(
            f"MERGE (j:{quote_name(StoreLabel.LOAD)} {{{LOAD_KEY}: $id}}) SET {', '.join(sets)}",
            {"id": load_id, "props": dict(props)},
        ).consume()

    def _mark_failed(self, load_id: str, exc: BaseException) -> None:
        """Best effort, once (auto-commit, no retries): the journal says ``failed``."""
        with (
            contextlib.suppress(GuanxiError),
            self._translate("record the failed load"),
            self._session() as session,
        ):
            session.run(
                f"MATCH (j:{quote_name(StoreLabel.LOAD)} {{{LOAD_KEY}: $id}}) "
                "WHERE j.status = $running "
                "SET j.status = $failed, j.error = $error, j.heartbeat = timestamp()",
                {
                    "id": load_id,
                    "running": LoadStatus.RUNNING.value,
                    "failed": LoadStatus.FAILED.value,
                    "error": (str(exc) or type(exc).__name__)[:1000],
                },
            ).consume()
