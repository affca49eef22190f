"""The transport of the Neo4j store: sessions on the official driver, managed
transactions, the mapping of driver errors to guanxi's, and the units a write is made
of, run in one transaction or one transaction each (:class:`WriteMode`).

:class:`Neo4jRunner` knows nothing of the bank's entities or of analysis runs: the
store (:mod:`guanxi.graph.neo4j_store`) builds the queries and hands them here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from neo4j import ManagedTransaction
from neo4j import exceptions as neo4j_exc

from guanxi.errors import StoreQueryError, StoreUnavailable
from guanxi.graph.neo4j_cypher import (
    OUT_OF_MEMORY_CODES,
    QUIET_NOTIFICATIONS,
    UNAVAILABLE_CODES,
    Statement,
    Unit,
    WriteMode,
    error_message,
    row_batches,
)
from guanxi.graph.store import QueryMode

__all__ = ["Neo4jRunner"]


class Neo4jRunner:
    """Running Cypher for the store. Relies on the store's ``_driver``, ``_database``,
    ``_closed``, ``description``, ``batch_size`` and ``single_transaction_max_rows``."""

    # -- running queries -------------------------------------------------------------
    def run(
        self,
        query: str,
        parameters: Mapping[str, Any] | None = None,
        *,
        mode: QueryMode = QueryMode.READ,
    ) -> list[dict[str, Any]]:
        """Run one query in a managed transaction and return its records as dicts.

        For trusted query text only (built from enums); values go in ``parameters``.
        """
        params = dict(parameters or {})

        def work(tx: ManagedTransaction) -> list[dict[str, Any]]:
            return tx.run(query, params).data()

        return self._execute(work, mode, what=query.split("\n", 1)[0][:80])

    def _session(self):
        # every session names the database; sessions share the driver's bookmark
        # manager, so each unit of work sees the writes of the ones before it
        return self._driver.session(
            database=self._database,
            bookmark_manager=self._driver.execute_query_bookmark_manager,
            notifications_disabled_classifications=QUIET_NOTIFICATIONS,
        )

    def _execute(
        self, work: Callable[[ManagedTransaction], Any], mode: QueryMode, *, what: str
    ) -> Any:
        self._check_open()

        def guarded(tx: ManagedTransaction) -> Any:
            try:
                return work(tx)
            except neo4j_exc.Neo4jError as exc:
                # a transient error to the driver, which would run the whole transaction
                # again only to run out of memory again: end it here, rolled back
                if (exc.code or "").startswith(OUT_OF_MEMORY_CODES):
                    raise self._too_large(what, exc) from exc
                raise

        with self._translate(what), self._session() as session:
            if mode is QueryMode.WRITE:
                return session.execute_write(guarded)
            return session.execute_read(guarded)

    def _too_large(self, what: str, exc: neo4j_exc.Neo4jError) -> StoreQueryError:
        return StoreQueryError(
            f"{self.description}: {what!r} is too large for one transaction on this "
            f"server ({error_message(exc)}); that transaction was rolled back. Give Neo4j more heap "
            "(server.memory.heap.max_size: a transaction may use up to "
            "dbms.memory.transaction.total.max, 70% of the heap by default, or "
            "db.memory.transaction.max if that is set lower), or lower "
            f"GUANXI_NEO4J_SINGLE_TRANSACTION_MAX_ROWS (now {self.single_transaction_max_rows}) "
            "so that writes this large are made in journaled batches."
        )

    def _check_open(self) -> None:
        if self._closed:
            raise StoreUnavailable(f"the {self.description} is closed")

    @contextlib.contextmanager
    def _translate(self, what: str) -> Iterator[None]:
        """Map driver errors to guanxi's, with the cause chained."""
        try:
            yield
        except neo4j_exc.IncompleteCommit as exc:
            raise StoreUnavailable(
                f"{self.description}: the connection was lost while {what!r} was "
                "committing, so whether it was written is unknown. Writes are idempotent: "
                f"run the same command again. ({error_message(exc)})"
            ) from exc
        except (
            neo4j_exc.ServiceUnavailable,
            neo4j_exc.SessionExpired,
            neo4j_exc.AuthError,
            neo4j_exc.DatabaseUnavailable,
            neo4j_exc.ConnectionAcquisitionTimeoutError,
        ) as exc:
            raise StoreUnavailable(
                f"{self.description} cannot be used: {error_message(exc)}"
            ) from exc
        except neo4j_exc.Neo4jError as exc:
            code = exc.code or ""
            if code.startswith(UNAVAILABLE_CODES):
                raise StoreUnavailable(
                    f"{self.description} cannot be used: {error_message(exc)}"
                ) from exc
            if code.startswith(OUT_OF_MEMORY_CODES):
                raise self._too_large(what, exc) from exc
            raise StoreQueryError(
                f"{self.description} refused {what!r}: {error_message(exc)}"
            ) from exc
        except neo4j_exc.DriverError as exc:
            raise StoreQueryError(
                f"{self.description}: {what!r} failed: {error_message(exc)}"
            ) from exc

    # -- writing: units in one transaction, or one transaction each -----------------
    def _mode(self, rows: int) -> WriteMode:
        return WriteMode.SINGLE if rows <= self.single_transaction_max_rows else WriteMode.BATCHED

    def _batch_units(
        self,
        statements: Sequence[Statement],
        rows: Sequence[dict[str, Any]],
        *,
        mode: WriteMode,
        params: Mapping[str, Any] | None = None,
        on_batch: Callable[[int], None] | None = None,
        what: str,
    ) -> list[Unit]:
        """One unit per batch of ``rows``, each running every statement over its batch."""
        extra = dict(params or {})
        lost = (
            "nothing of it was written"
            if mode is WriteMode.SINGLE
            else "that batch was not written (the batches before it were)"
        )
        units = []
        done = 0
        for batch in row_batches(rows, self.batch_size):
            batch = list(batch)
            done += len(batch)

            def run(tx: ManagedTransaction, batch: list[dict[str, Any]] = batch) -> bool:
                for st in statements:
                    records = tx.run(st.query, {**extra, "rows": batch}).data()
                    if st.expect is not None:
                        expected = st.expect(batch)
                        written = int(records[0]["written"]) if records else 0
                        if written != expected:
                            raise StoreQueryError(
                                f"{self.description}: {what}: {expected - written} of "
                                f"{expected} rows of a batch name {st.what} that is not in "
                                f"the store; {lost}"
                            )
                return False

            report = None
            if on_batch is not None:
                report = (lambda cb, d: lambda: cb(d))(on_batch, done)
            units.append(Unit(run, len(batch), report))
        return units

    @staticmethod
    def _bounded_unit(query: str, params: Mapping[str, Any]) -> Unit:
        """A unit that runs ``query`` (bounded by ``$limit``, returning ``count``) until
        it touches fewer than ``limit`` rows."""
        limit = int(params["limit"])

        def run(tx: ManagedTransaction) -> bool:
            rows = tx.run(query, dict(params)).data()
            return (int(rows[0]["count"]) if rows else 0) >= limit

        return Unit(run)

    def _apply(
        self,
        units: Sequence[Unit],
        *,
        mode: WriteMode,
        what: str,
        begin: Callable[[ManagedTransaction], Any] | None = None,
        each: Callable[[ManagedTransaction, int], Any] | None = None,
        end: Callable[[ManagedTransaction], Any] | None = None,
    ) -> None:
        """Run ``units`` in one managed write transaction, or one each (``mode``).

        ``begin`` and ``end`` run first and last (in the one transaction, or in
        transactions of their own); ``each(tx, rows_done)`` runs in every unit's
        transaction when batched.
        """
        if mode is WriteMode.SINGLE:

            def work(tx: ManagedTransaction) -> None:
                if begin is not None:
                    begin(tx)
                for unit in units:
                    while unit.run(tx):
                        pass
                    if unit.done is not None:
                        unit.done()
                if end is not None:
                    end(tx)

            self._execute(work, QueryMode.WRITE, what=what)
            return
        if begin is not None:
            self._execute(begin, QueryMode.WRITE, what=what)
        rows_done = 0
        for unit in units:
            after = rows_done + unit.rows

            def step(tx: ManagedTransaction, unit: Unit = unit, after: int = after) -> bool:
                more = unit.run(tx)
                if each is not None:
                    each(tx, after)
                return more

            while self._execute(step, QueryMode.WRITE, what=what):
                pass
            rows_done = after
            if unit.done is not None:
                unit.done()
        if end is not None:
            self._execute(end, QueryMode.WRITE, what=what)

    def _read_column(self, query: str, params: Mapping[str, Any] | None = None) -> list[Any]:
        return [r["v"] for r in self.run(query, params)]
