"""The README's examples run as written, on what ``make demo`` builds.

Every ``.venv/bin/guanxi … --store demo/guanxi.duckdb`` line of the README's ``sh``
blocks is run, in order, in a folder holding a demo made exactly as ``make demo``
makes it (``guanxi demo``, its defaults), with the installed ``guanxi`` command. Each
must exit 0 and print no traceback. ``guanxi serve`` without ``--create-key`` (it
would serve forever) is the only line left out; the API is tested in ``tests/api``.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
GUANXI = Path(sys.executable).parent / "guanxi"


def sh_lines(text: str) -> list[str]:
    """The command lines of the ```sh blocks (comments after `#` dropped)."""
    lines, inside = [], False
    for line in text.splitlines():
        if line.strip() == "```sh":
            inside = True
        elif line.strip() == "```":
            inside = False
        elif inside and line.strip():
            lines.append(line.split("  #", 1)[0].strip())
    return lines


def demo_commands() -> list[str]:
    return [
        line
        for line in sh_lines(README.read_text(encoding="utf-8"))
        if line.startswith(".venv/bin/guanxi ")
        and "--store demo/guanxi.duckdb" in line
        and not (line.split()[1] == "serve" and "--create-key" not in line)
    ]


COMMANDS = demo_commands()


def test_the_readme_has_an_example_of_every_capability():
    verbs = {shlex.split(c)[1] for c in COMMANDS}
    assert {
        "load",
        "analyze",
        "runs",
        "diff",
        "status",
        "search",
        "report",
        "whatif",
        "seeds",
        "view",
        "serve",
    } <= verbs


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("readme")
    done = subprocess.run(
        [str(GUANXI), "demo"], cwd=root, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return root


@pytest.mark.parametrize("command", COMMANDS)
def test_each_readme_example_runs_as_written(demo_folder, command):
    argv = shlex.split(command)
    argv[0] = str(GUANXI)
    done = subprocess.run(
        argv,
        cwd=demo_folder,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PATH": "/usr/bin:/bin", "COLUMNS": "120", "HOME": str(demo_folder)},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Traceback" not in output, output
