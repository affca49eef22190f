"""The ``guanxi`` console's shared parts: the Typer app, the two consoles, the one
mapping of guanxi's exception tree to exit codes, progress bars and the store option.

Every command exits 0 on success and, on a :class:`~guanxi.errors.GuanxiError`, prints
one paragraph to stderr and exits with that error's code (:func:`errors_to_exit`, the
only place this mapping lives). Progress bars go to stderr, results to stdout.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from guanxi.errors import GuanxiError
from guanxi.graph.open import open_store
from guanxi.graph.store import GraphStore
from guanxi.settings import get_settings

app = typer.Typer(
    name="guanxi",
    help="Graph analyzer for banks: load extracts, find connected-client groups, "
    "guarantee circles and referral reach, serve them and draw them.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

#: the exit code of `guanxi analyze --fail-on-alerts` when the run raised alerts
ALERTS_EXIT_CODE = 9

StoreOption = Annotated[
    str | None,
    typer.Option(
        "--store",
        help="neo4j://, neo4j+s:// or bolt:// URI for Neo4j (user/password/database from "
        "GUANXI_NEO4J_USER, GUANXI_NEO4J_PASSWORD, GUANXI_NEO4J_DATABASE); anything "
        "else is the embedded store's file. Default: GUANXI_STORE or ./guanxi.duckdb.",
        show_default=False,
    ),
]


@contextlib.contextmanager
def errors_to_exit() -> Iterator[None]:
    """Map guanxi's exception tree to a one-paragraph message and an exit code."""
    try:
        yield
    except GuanxiError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        err.print("[bold red]interrupted[/]")
        raise typer.Exit(130) from None


def progress_bars() -> Progress:
    return Progress(
        TextColumn("{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=False,
    )


class StepBars:
    """One progress bar per step name, fed by ``callback(step, done, total)``."""

    def __init__(self, progress: Progress, prefix: str = ""):
        self.progress = progress
        self.prefix = prefix
        self.tasks: dict[str, TaskID] = {}

    def __call__(self, step, done: int, total: int) -> None:
        name = getattr(step, "value", str(step))
        if name not in self.tasks:
            self.tasks[name] = self.progress.add_task(f"{self.prefix}{name}", total=total or 1)
        self.progress.update(self.tasks[name], completed=done if total else 1, total=total or 1)


def open_target(store: str | None, *, create: bool = False) -> GraphStore:
    """The store named by ``--store`` (or the settings). Only ``load`` and ``demo``
    may create one; every other command names an existing store."""
    return open_store(store, create=create, settings=get_settings())


__all__ = [
    "app",
    "out",
    "err",
    "ALERTS_EXIT_CODE",
    "StoreOption",
    "errors_to_exit",
    "progress_bars",
    "StepBars",
    "open_target",
]
