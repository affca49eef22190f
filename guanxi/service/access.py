"""How the read model reaches its store: opened per unit of work (the embedded DuckDB
file, which allows one writing process at a time), held for the service's life (Neo4j:
one driver per process), or not at all (a service answering from a snapshot it was
given).

Each access has a ``kind``, a ``description``, ``reading()`` and ``writing()`` context
managers that give a :class:`~guanxi.graph.store.GraphStore`, ``ping()`` and
``close()``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from guanxi.errors import StoreUnavailable
from guanxi.graph.store import GraphStore

__all__ = ["EmbeddedAccess", "HeldAccess", "SnapshotAccess", "StoreAccess"]


class EmbeddedAccess:
    """The embedded store: opened per unit of work, released at once."""

    kind = "embedded"

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.description = f"embedded DuckDB store at {self.path}"

    def _require_file(self) -> None:
        if self.path != ":memory:" and not Path(self.path).expanduser().exists():
            raise StoreUnavailable(
                f"the {self.description} does not exist yet: load a folder first (guanxi load DIR)"
            )

    @contextlib.contextmanager
    def reading(self) -> Iterator[GraphStore]:
        from guanxi.graph.duckdb_store import DuckDBStore

        self._require_file()
        store = DuckDBStore(self.path, read_only=True)
        try:
            yield store
        finally:
            store.close()

    @contextlib.contextmanager
    def writing(self) -> Iterator[GraphStore]:
        from guanxi.graph.duckdb_store import DuckDBStore

        self._require_file()
        store = DuckDBStore(self.path)
        try:
            yield store
        finally:
            store.close()

    def ping(self) -> None:
        with self.reading() as store:
            store.ping()

    def close(self) -> None:
        pass


class HeldAccess:
    """A store kept open for the service's life (Neo4j: one driver per process)."""

    def __init__(self, store: GraphStore, *, close_store: bool, kind: str = "neo4j"):
        self.store = store
        self.close_store = close_store
        self.kind = kind
        self.description = store.description

    @contextlib.contextmanager
    def reading(self) -> Iterator[GraphStore]:
        yield self.store

    writing = reading

    def ping(self) -> None:
        self.store.ping()

    def close(self) -> None:
        if self.close_store:
            self.store.close()


class SnapshotAccess:
    """No store: a service built on a snapshot it was given."""

    kind = "snapshot"

    def __init__(self, description: str):
        self.description = description

    @contextlib.contextmanager
    def reading(self) -> Iterator[GraphStore]:
        raise StoreUnavailable(
            f"this service answers from a fixed snapshot of the {self.description}"
        )
        yield  # pragma: no cover

    writing = reading

    def ping(self) -> None:
        pass

    def close(self) -> None:
        pass


#: any of the three
StoreAccess = EmbeddedAccess | HeldAccess | SnapshotAccess
