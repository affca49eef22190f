"""The exception tree, written once.

Every error guanxi raises on purpose is a :class:`GuanxiError`. Lower-level errors
(driver, DuckDB, OS) are mapped to the most specific class here at the boundary where
they occur, with the cause chained (``raise StoreUnavailable(...) from exc``). The CLI
and the API map these classes to exit codes and HTTP status codes in one place each.
"""

from __future__ import annotations

__all__ = [
    "GuanxiError",
    "ConfigError",
    "InputError",
    "InvalidInput",
    "StoreError",
    "StoreUnavailable",
    "StoreQueryError",
    "StoreMissing",
    "NotFound",
    "Conflict",
    "NotAnalyzed",
    "Unauthorized",
    "Forbidden",
]


class GuanxiError(Exception):
    """Base class of every error guanxi raises on purpose."""

    #: process exit code used by the CLI
    exit_code = 1


class ConfigError(GuanxiError):
    """A setting or command-line option is missing or makes no sense."""

    exit_code = 2


class InputError(GuanxiError):
    """An input file or folder cannot be used at all (missing, unreadable)."""

    exit_code = 3


class InvalidInput(InputError):
    """Rows failed validation against the data contract; nothing was written.

    Attributes
    ----------
    problems : int
        Number of problems found (every bad row, not the first).
    report_path : str or None
        Where the full report was written.
    """

    def __init__(self, message: str, *, problems: int = 0, report_path: str | None = None):
        super().__init__(message)
        self.problems = problems
        self.report_path = report_path


class StoreError(GuanxiError):
    """Something went wrong in the graph store."""

    exit_code = 4


class StoreUnavailable(StoreError):
    """The store cannot be reached (server down, wrong credentials, file locked)."""

    exit_code = 5


class StoreQueryError(StoreError):
    """The store refused a query or a write (constraint, syntax, transaction)."""


class StoreMissing(StoreError):
    """No store where one was named: only ``guanxi load`` (and ``demo``) create one."""

    exit_code = 7


class NotFound(GuanxiError):
    """A requested customer, group, circle or household does not exist."""

    exit_code = 6


class Conflict(GuanxiError):
    """The request cannot be served in the current state (an analysis is already
    running, the store holds no customers yet, nothing has been analyzed yet)."""

    exit_code = 8


class NotAnalyzed(Conflict):
    """No analysis results in the store yet: ``guanxi analyze`` has not been run."""


class Unauthorized(GuanxiError):
    """No API key, or one that is not known (HTTP API)."""


class Forbidden(GuanxiError):
    """The caller's role may not read or do this (HTTP API)."""
