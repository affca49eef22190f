"""One settings object, loaded once, from ``GUANXI_*`` environment variables.

Command-line options override the environment for a single command; nothing else
reads the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings", "BOLT_SCHEMES", "is_bolt_uri"]

#: URI schemes that select the Neo4j store; anything else is a path to the embedded store
BOLT_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


def is_bolt_uri(target: str) -> bool:
    """True when ``target`` names a Bolt server rather than an embedded store file."""
    return target.strip().lower().startswith(BOLT_SCHEMES)


class Settings(BaseSettings):
    """Every setting guanxi reads. Environment variable = ``GUANXI_`` + upper-case name."""

    model_config = SettingsConfigDict(env_prefix="GUANXI_", extra="ignore")

    store: str = Field(
        default="./guanxi.duckdb",
        description="A neo4j://, neo4j+s:// or bolt:// URI selects Neo4j; anything else is "
        "the path of the embedded DuckDB store file.",
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str = "neo4j"
    neo4j_connection_timeout: float = Field(default=15.0, gt=0, description="seconds")
    neo4j_max_connection_lifetime: float = Field(default=3600.0, gt=0, description="seconds")
    neo4j_max_connection_pool_size: int = Field(default=20, ge=1)
    neo4j_max_transaction_retry_time: float = Field(default=30.0, ge=0, description="seconds")
    batch_size: int = Field(default=5_000, ge=1, le=1_000_000, description="rows per UNWIND batch")

    tier1_capital: float | None = Field(default=None, gt=0)

    def store_is_bolt(self) -> bool:
        return is_bolt_uri(self.store)

    def embedded_path(self) -> Path:
        return Path(self.store).expanduser()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
