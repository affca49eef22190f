"""The audit trail's file: one JSON line per read of customer-level data.

Every answer that names customers (a profile, a network, a group, a cascade, a list of
influencers, ...) is written to an append-only JSON-lines file **before** it is sent:
who (the key's name), the role, the method and path, when, the outcome and the
customer ids. If the line cannot be written, the request fails (503) rather than being
served unaudited. Requests refused for the role (403) are written too, as ``denied``.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import Request

from guanxi.api.errors import AuditUnavailable
from guanxi.errors import ConfigError

__all__ = ["AuditLog", "audit_entry"]


class AuditLog:
    """An append-only JSON-lines file (created with mode 0600)."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self._lock = threading.Lock()

    def check_writable(self) -> None:
        """Create the file if needed; raise ConfigError when it cannot be appended to."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            os.close(fd)
        except OSError as exc:
            raise ConfigError(f"cannot write the audit log {self.path}: {exc}") from exc

    def append(self, entry: dict) -> None:
        line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        try:
            with self._lock:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
                try:
                    os.write(fd, line)
                finally:
                    os.close(fd)
        except OSError as exc:
            raise AuditUnavailable(f"cannot write the audit log: {exc.strerror or exc}") from exc

    def read(
        self,
        *,
        page: int = 1,
        page_size: int = 100,
        who: str | None = None,
        customer_id: str | None = None,
    ) -> tuple[list[dict], int]:
        """Entries newest first, filtered, one page of them, and how many matched."""
        try:
            with open(self.path, encoding="utf-8") as fh:
                lines = fh.readlines()
        except FileNotFoundError:
            return [], 0
        except OSError as exc:
            raise AuditUnavailable(f"cannot read the audit log: {exc.strerror or exc}") from exc
        entries = []
        for line in reversed(lines):
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            if not isinstance(entry, dict):
                continue
            if who is not None and entry.get("who") != who:
                continue
            if customer_id is not None and customer_id not in (entry.get("customer_ids") or []):
                continue
            entries.append(entry)
        start = (page - 1) * page_size
        return entries[start : start + page_size], len(entries)


def _path_and_query(request: Request) -> tuple[str, str]:
    """``request.url.path`` and ``request.url.query``, read from the ASGI scope: building
    the URL (and splitting it again) costs more than writing the audit line. Anything
    unusual in either (characters the URL would escape or drop) takes the long way."""
    scope = request.scope
    path = scope["path"]
    query = scope.get("query_string", b"").decode()
    if (
        path.isprintable()
        and query.isprintable()
        and not any(c in path for c in "?#\\")
        and "#" not in query
        and not path.startswith("//")
    ):
        return path, query
    url = request.url
    return url.path, url.query


def audit_entry(
    request: Request, principal, *, outcome: str, status: int, customer_ids: Iterable[str]
) -> dict:
    ids = sorted({str(c) for c in customer_ids})
    path, query = _path_and_query(request)
    return {
        "ts": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "who": principal.name,
        "role": principal.role.value,
        "method": request.method,
        "endpoint": path,
        "query": query or None,
        "outcome": outcome,
        "status": status,
        "customer_ids": ids,
    }
