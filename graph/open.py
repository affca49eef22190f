"""Opening a store by name: a Bolt URI selects Neo4j, anything else is the path of the
embedded DuckDB store. (Its own module, so the interface in :mod:`guanxi.graph.store`
never imports the stores that implement it.)"""

from __future__ import annotations

from guanxi.graph.store import GraphStore

__all__ = ["open_store"]


def open_store(target: str | None = None, *, create: bool = False, settings=None) -> GraphStore:
    """Open the store named by ``target`` (or settings): a Bolt URI selects Neo4j,
    anything else is the path of the embedded DuckDB store.

    Parameters
    ----------
    create : bool
        May an embedded store be created when the file does not exist? Only ``load``
        and ``demo`` create stores; every other command names an existing one.

    Raises
    ------
    ConfigError
        ``target`` looks like a Bolt URI but is malformed (nothing is created).
    StoreMissing
        No embedded store at that path and ``create`` is false.
    """
    from guanxi.settings import check_store_target, get_settings, is_bolt_uri

    settings = settings or get_settings()
    target = target or settings.store
    check_store_target(target)
    if is_bolt_uri(target):
        from guanxi.graph.neo4j_store import Neo4jStore

        return Neo4jStore.from_settings(target, settings)
    from guanxi.graph.duckdb_store import DuckDBStore

    return DuckDBStore(target, create=create)
