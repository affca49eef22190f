"""Schema, the GraphStore interface, and its Neo4j and embedded DuckDB implementations."""

from guanxi.graph.open import open_store
from guanxi.graph.schema import Entity, NodeLabel, RelType
from guanxi.graph.store import GraphStore, LoadStats, Result

__all__ = ["Entity", "NodeLabel", "RelType", "GraphStore", "LoadStats", "Result", "open_store"]
