"""One settings object, loaded once, from ``GUANXI_*`` environment variables.

Command-line options override the environment for a single command; nothing else
reads the environment.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from guanxi import defaults

__all__ = ["Settings", "get_settings", "BOLT_SCHEMES", "is_bolt_uri", "check_store_target"]

#: URI schemes that select the Neo4j store; anything else is a path to the embedded store
BOLT_SCHEMES = ("neo4j://", "neo4j+s://", "neo4j+ssc://", "bolt://", "bolt+s://", "bolt+ssc://")


def is_bolt_uri(target: str) -> bool:
    """True when ``target`` names a Bolt server rather than an embedded store file."""
    return target.strip().lower().startswith(BOLT_SCHEMES)


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


def check_store_target(target: str) -> None:
    """Refuse a store target that looks like a URI but is not a well-formed Bolt URI
    (``neo4j:/localhost:7687``, ``bolt:host``, ``http://...``), before anything is
    opened or created.

    Raises
    ------
    ConfigError
        With the form expected.

    Examples
    --------
    >>> check_store_target("bolt://localhost:7687")
    >>> check_store_target("demo/guanxi.duckdb")
    >>> check_store_target("neo4j:/localhost:7687")
    Traceback (most recent call last):
    ...
    guanxi.errors.ConfigError: --store neo4j:/localhost:7687 is not a well-formed Bolt URI: ...
    """
    from guanxi.errors import ConfigError

    text = target.strip()
    match = _SCHEME.match(text)
    if match is None:
        return  # a path (a Windows drive letter is one letter, so it never matches)
    expected = (
        "write it as neo4j://HOST:PORT (or neo4j+s://, bolt://, bolt+s://); "
        "anything without a scheme is the path of the embedded store"
    )
    scheme = match.group(1).lower()
    if scheme + "://" not in BOLT_SCHEMES:
        raise ConfigError(f"--store {text} is not a store: {expected}")
    parts = urlsplit(text)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if not text.lower().startswith(scheme + "://") or not parts.hostname or port == -1:
        raise ConfigError(f"--store {text} is not a well-formed Bolt URI: {expected}")


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
    neo4j_connection_timeout: float = Field(
        default=15.0, gt=0, description="seconds for a TCP connection to the server to open"
    )
    neo4j_connection_acquisition_timeout: float = Field(
        default=60.0,
        gt=0,
        description="seconds to get a usable connection: a free one from the pool, or a new "
        "one (TCP, TLS and Bolt handshake, so a server that accepts but never answers "
        "is given up after this long)",
    )
    neo4j_max_connection_lifetime: float = Field(default=3600.0, gt=0, description="seconds")
    neo4j_max_connection_pool_size: int = Field(default=20, ge=1)
    neo4j_max_transaction_retry_time: float = Field(
        default=30.0,
        ge=0,
        description="seconds during which the driver retries a transaction after a "
        "transient error (dropped connection, deadlock, leader switch), with backoff",
    )
    neo4j_single_transaction_max_rows: int = Field(
        default=200_000,
        ge=0,
        description="loads of at most this many rows are one transaction (all or "
        "nothing); larger ones are written in journaled batches (see docs/neo4j.md)",
    )
    batch_size: int = Field(default=5_000, ge=1, le=1_000_000, description="rows per UNWIND batch")

    tier1_capital: Decimal | None = Field(
        default=None,
        ge=1,
        description="the bank's Tier 1 capital in the reporting currency (exact decimal)",
    )
    reporting_currency: str = Field(
        default=defaults.REPORTING_CURRENCY,
        description="ISO 4217 code every amount is converted to (with fx_rates) before "
        "it is summed; figures are rounded to its minor unit",
    )
    keep_runs: int = Field(
        default=defaults.KEEP_RUNS,
        ge=1,
        le=10_000,
        description="analysis runs kept in the store (oldest removed first; the "
        "published run is always kept)",
    )

    # -- the HTTP API (guanxi serve) -------------------------------------------------
    api_keys_file: Path | None = Field(
        default=None,
        description="JSON or TOML file of API keys, {sha256 of the key: {name, role}}; "
        "default: beside the embedded store (guanxi.keys.json), or ./guanxi.keys.json "
        "for Neo4j.",
    )
    audit_log: Path | None = Field(
        default=None,
        description="Append-only JSON-lines audit log of customer-level reads; default: "
        "beside the embedded store (guanxi.audit.jsonl), or ./guanxi.audit.jsonl for Neo4j.",
    )
    api_dev: bool = Field(
        default=False,
        description="Local development mode: start without any API key (a throw-away "
        "admin key is made and printed). Never for a shared server.",
    )
    api_max_body_bytes: int = Field(
        default=1_048_576,
        ge=1_024,
        description="Largest request body the API accepts, in "
        "bytes; a larger one gets 413 before it is read (default 1 MiB)",
    )

    def store_is_bolt(self) -> bool:
        return is_bolt_uri(self.store)

    def embedded_path(self) -> Path:
        return Path(self.store).expanduser()

    def _beside_store(self, suffix: str) -> Path:
        if self.store_is_bolt() or self.store.strip() == ":memory:":
            return Path(f"guanxi{suffix}")
        path = self.embedded_path()
        return path.with_name(path.stem + suffix)

    def api_keys_path(self) -> Path:
        """Where the API keys are read from (``api_keys_file`` or beside the store)."""
        return (
            Path(self.api_keys_file).expanduser()
            if self.api_keys_file
            else self._beside_store(".keys.json")
        )

    def audit_log_path(self) -> Path:
        """Where the API appends its audit trail (``audit_log`` or beside the store)."""
        return (
            Path(self.audit_log).expanduser()
            if self.audit_log
            else self._beside_store(".audit.jsonl")
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
