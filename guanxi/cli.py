"""The ``guanxi`` console command: the Typer app of :mod:`guanxi.console` with every
command registered (:mod:`guanxi.commands`).

Every command exits 0 on success and, on a :class:`~guanxi.errors.GuanxiError`, prints
one paragraph to stderr and exits with that error's code. Progress bars go to stderr,
results to stdout.
"""

from __future__ import annotations

from guanxi.commands import analysis as _analysis_commands  # noqa: F401 (registers)
from guanxi.commands import data as _data_commands  # noqa: F401 (registers)
from guanxi.commands import marketing as _marketing_commands  # noqa: F401 (registers)
from guanxi.commands import risk as _risk_commands  # noqa: F401 (registers)
from guanxi.commands import serving as _serving_commands  # noqa: F401 (registers)
from guanxi.commands.analysis import demo_tier1_capital
from guanxi.commands.data import show_status
from guanxi.console import app

__all__ = ["app", "main", "show_status", "demo_tier1_capital"]


def main() -> None:  # pragma: no cover - console entry point
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
