"""The shape of the product code: no import cycle between modules, no module over about
800 lines, no private name imported from another module.

Every product file is parsed with :mod:`ast` (nothing is imported), and named the way
pyproject's ``[tool.setuptools.package-dir]`` installs it: ``graph/store.py`` is
``guanxi.graph.store``. Imports anywhere in a file count (at the top, inside a function,
under ``if TYPE_CHECKING``): a cycle closed by a deferred import is still a cycle, only
one that fails later.
"""

from __future__ import annotations

import ast
import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[1]

#: most lines in a product file
MAX_LINES = 800
#: files being split by other work right now (issue 11); remove each once it is split
LONG_FILES_BEING_SPLIT: set[str] = set()

#: imports that close a cycle (importing module, imported module): none are left
KNOWN_CYCLE_EDGES: set[tuple[str, str]] = set()

#: private names imported from another module (importing module, imported module,
#: name): none are left; a shared helper is public and documented where it lives
KNOWN_PRIVATE_IMPORTS: set[tuple[str, str, str]] = set()


@dataclass(frozen=True)
class Import:
    importer: str  # module name
    target: str  # module name
    name: str | None  # the name taken from it (``from target import name``), if any
    line: int


def package_roots() -> dict[str, Path]:
    """Import package -> folder, as pyproject's ``package-dir`` installs them."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {
        pkg: ROOT / folder for pkg, folder in config["tool"]["setuptools"]["package-dir"].items()
    }


def product_modules() -> dict[str, Path]:
    """Module name -> file, for every product .py file (a package is its __init__)."""
    modules: dict[str, Path] = {}
    for pkg, folder in package_roots().items():
        for file in folder.rglob("*.py"):
            parts = file.relative_to(folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            modules[".".join((pkg, *parts))] = file
    return modules


def relative_base(module: str, file: Path, level: int) -> str:
    package = module if file.name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return package


def imports_of(
    module: str, file: Path, known: set[str], tree: ast.AST | None = None
) -> list[Import]:
    """Every import in ``file`` (or in ``tree``, a part of it) of a product module
    (``from a import b`` counts ``a`` and, when ``a.b`` is a module, ``a.b``)."""
    found = []
    if tree is None:
        tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known or alias.name.split(".")[0] == "guanxi":
                    found.append(Import(module, alias.name, None, node.lineno))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                prefix = relative_base(module, file, node.level)
                base = f"{prefix}.{base}" if base else prefix
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                if sub in known:
                    found.append(Import(module, sub, None, node.lineno))
                else:
                    found.append(Import(module, base, alias.name, node.lineno))
    return [i for i in found if i.target in known]


def import_graph() -> tuple[nx.DiGraph, list[Import]]:
    modules = product_modules()
    known = set(modules)
    graph = nx.DiGraph()
    graph.add_nodes_from(known)
    every = []
    for module, file in modules.items():
        own_packages = {module.rsplit(".", k)[0] for k in range(1, module.count(".") + 1)}
        for imp in imports_of(module, file, known):
            every.append(imp)
            # importing a.b.c runs a/__init__ and a/b/__init__ first, unless they are
            # packages of the importer (being imported already)
            parts = imp.target.split(".")
            for k in range(1, len(parts) + 1):
                target = ".".join(parts[:k])
                if target in known and target != module and target not in own_packages:
                    graph.add_edge(module, target, line=imp.line)
    return graph, every


def test_the_module_map_is_the_installed_one():
    modules = product_modules()
    assert modules["guanxi.graph.store"] == ROOT / "graph" / "store.py"
    assert modules["guanxi.service"] == ROOT / "guanxi" / "service" / "__init__.py"
    assert modules["guanxi.cli"] == ROOT / "guanxi" / "cli.py"
    assert "guanxi.algorithms.neighbourhood" in modules


def test_the_checker_sees_deferred_and_relative_imports():
    graph, _ = import_graph()
    # a function-level import (the CLI imports the report when it analyzes)
    assert graph.has_edge("guanxi.commands.analysis", "guanxi.report")
    # a relative import inside a package
    assert graph.has_edge("guanxi.viz", "guanxi.viz.views")
    # importing a sub-module runs the package's __init__ first
    assert graph.has_edge("guanxi.report", "guanxi.service")


def test_no_import_cycle_between_modules():
    graph, _ = import_graph()
    stale = sorted(e for e in KNOWN_CYCLE_EDGES if not graph.has_edge(*e))
    assert not stale, f"these imports are gone, remove them from KNOWN_CYCLE_EDGES: {stale}"
    graph.remove_edges_from(KNOWN_CYCLE_EDGES)
    cycles = [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]
    described = []
    for members in cycles:
        sub = graph.subgraph(members)
        described.append(
            " / ".join(f"{a} -> {b} (line {d['line']})" for a, b, d in sorted(sub.edges(data=True)))
        )
    assert not cycles, "import cycles:\n" + "\n".join(described)


def test_the_known_cycle_edges_close_a_cycle_indeed():
    """Only imports that would otherwise fail the test may be listed."""
    graph, _ = import_graph()
    for importer, target in KNOWN_CYCLE_EDGES:
        assert nx.has_path(graph, target, importer), (importer, target)


def test_no_product_file_over_the_line_limit():
    too_long = {}
    for file in product_modules().values():
        name = file.relative_to(ROOT).as_posix()
        lines = len(file.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and name not in LONG_FILES_BEING_SPLIT:
            too_long[name] = lines
    assert not too_long, f"split these files (at most {MAX_LINES} lines each): {too_long}"


def test_no_private_name_imported_from_another_module():
    _, every = import_graph()
    private = {
        (i.importer, i.target, i.name)
        for i in every
        if i.name and i.name.startswith("_") and not i.name.startswith("__")
    }
    new = sorted(private - KNOWN_PRIVATE_IMPORTS)
    assert not new, (
        "private names imported from another module (make them public and documented "
        f"where they are defined): {new}"
    )
    fixed = sorted(KNOWN_PRIVATE_IMPORTS - private)
    assert not fixed, f"no longer imported privately, remove from KNOWN_PRIVATE_IMPORTS: {fixed}"


# -- the read model only indexes what is stored ----------------------------------------
#: the read model: what serves the published run (the API, the views, the report) and
#: the modules it is made of; the CLI's ``view`` command is checked on its own
READ_MODEL_PACKAGES = ("guanxi.service", "guanxi.api", "guanxi.viz")
READ_MODEL_MODULES = (
    "guanxi.report",
    "guanxi.view_model",
    "guanxi.roles",
    "guanxi.limits",
    "guanxi.values",
)
#: the one algorithm module the read model uses: the per-request neighbourhood search
NEIGHBOURHOOD = "guanxi.algorithms.neighbourhood"
#: imports of the analysis side by the read model, each inside a function: the service
#: starts an analysis when asked to (``GraphService.analyze``, ``default_options``), and
#: compares two stored runs that were not compared when the newer one ran
#: (``GraphService.changes``: ``guanxi.history.diff_runs``, a pure function over the two
#: runs' stored result sets); and simulates a default what-if when asked
#: (``GraphService.whatif_default``: ``guanxi.whatif``, the guarantee-contagion
#: algorithm on the snapshot's data, nothing written)
ANALYSIS_STARTS = {
    ("guanxi.service.jobs", "guanxi.analysis"),
    ("guanxi.service.history", "guanxi.history"),
    ("guanxi.service.risk_depth", "guanxi.whatif"),
}
#: algorithm modules the read model imports that predate this test: (importing module,
#: algorithm module, name). The limit presets are a table kept in the module that
#: applies them: move ``LimitPreset``/``PRESETS``/``get_preset`` to a module of their
#: own (or record the applied limits with the run) and remove the entry; the test fails
#: on an entry that no longer occurs.
KNOWN_READ_MODEL_ALGORITHM_IMPORTS: set[tuple[str, str, str]] = set()


@dataclass(frozen=True)
class PlacedImport:
    target: str  # module name
    name: str | None
    line: int
    deferred: bool  # inside a function: runs when the function does
    type_only: bool  # under ``if TYPE_CHECKING``: never runs


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def placed_imports(
    module: str, file: Path, known: set[str], tree: ast.AST | None = None
) -> list[PlacedImport]:
    """Every import in ``file`` (or in ``tree``, a part of it) of a product module,
    with where it sits."""
    found: list[PlacedImport] = []

    def visit(node: ast.AST, deferred: bool, type_only: bool) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            deferred = True
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.body:
                visit(child, deferred, True)
            for child in node.orelse:
                visit(child, deferred, type_only)
            return
        if isinstance(node, ast.Import | ast.ImportFrom):
            for imp in imports_of(module, file, known, node):
                found.append(PlacedImport(imp.target, imp.name, node.lineno, deferred, type_only))
            return
        for child in ast.iter_child_nodes(node):
            visit(child, deferred, type_only)

    visit(tree or ast.parse(file.read_text(encoding="utf-8"), str(file)), False, False)
    return found


def read_model_modules() -> dict[str, Path]:
    return {
        m: f
        for m, f in product_modules().items()
        if m in READ_MODEL_MODULES
        or any(m == p or m.startswith(p + ".") for p in READ_MODEL_PACKAGES)
    }


def analysis_side(known: set[str]) -> set[str]:
    """The modules that import an algorithm module other than the neighbourhood search
    (directly or through another), by their import statements; the deferred imports
    of :data:`ANALYSIS_STARTS` aside (the service starts analyses, it does not run
    them)."""
    modules = product_modules()
    algorithms = {m for m in known if m.startswith("guanxi.algorithms.") and m != NEIGHBOURHOOD}
    edges = nx.DiGraph()
    for module, file in modules.items():
        for imp in placed_imports(module, file, known):
            started = imp.deferred and (module, imp.target) in ANALYSIS_STARTS
            if not imp.type_only and not started:
                edges.add_edge(module, imp.target)
    side = set(algorithms)
    for target in algorithms & set(edges.nodes):
        side |= nx.ancestors(edges, target)
    return side


def test_the_checker_sees_where_an_import_sits():
    modules = product_modules()
    known = set(modules)
    jobs = placed_imports("guanxi.service.jobs", modules["guanxi.service.jobs"], known)
    started = [i for i in jobs if i.target == "guanxi.analysis"]
    assert started and all(i.deferred and not i.type_only for i in started)
    side = analysis_side(known)
    assert {"guanxi.analysis", "guanxi.algorithms.groups"} <= side
    assert NEIGHBOURHOOD not in side and "guanxi.service.snapshot" not in side
    # what the snapshot did before it only indexed stored results: a deferred import,
    # a package import, a type-only one
    planted = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from guanxi.analysis import AnalysisRun\n"
        "def build():\n"
        "    from guanxi.algorithms import circles as circles_mod\n"
        "    from guanxi.algorithms.exposure import account_exposure\n"
    )
    found = placed_imports(
        "guanxi.service.snapshot", modules["guanxi.service.snapshot"], known, planted
    )
    assert [(i.target, i.name, i.deferred, i.type_only) for i in found] == [
        ("guanxi.analysis", "AnalysisRun", False, True),
        ("guanxi.algorithms.circles", None, True, False),
        ("guanxi.algorithms.exposure", "account_exposure", True, False),
    ]


def test_the_read_model_imports_no_algorithm_but_the_neighbourhood_search():
    """The API, the views, the report and ``guanxi view`` index the published run's
    stored results: none imports an algorithm module (the neighbourhood search, a
    per-request walk, aside), nor a module that does, except to start an analysis."""
    modules = product_modules()
    known = set(modules)
    side = analysis_side(known)
    algorithm_imports, analysis_imports = set(), []
    checked = dict(read_model_modules())
    for module, file in checked.items():
        for imp in placed_imports(module, file, known):
            if imp.target.startswith("guanxi.algorithms.") and imp.target != NEIGHBOURHOOD:
                algorithm_imports.add((module, imp.target, imp.name))
            elif (
                imp.target in side
                and not imp.type_only
                and ((module, imp.target) not in ANALYSIS_STARTS or not imp.deferred)
            ):
                analysis_imports.append((module, imp.target, imp.line))
    # the CLI's view command, on its own
    serving = "guanxi.commands.serving"
    cli = ast.parse(modules[serving].read_text(encoding="utf-8"))
    (view,) = [n for n in cli.body if isinstance(n, ast.FunctionDef) and n.name == "view"]
    for imp in placed_imports(serving, modules[serving], known, view):
        if imp.target != NEIGHBOURHOOD and (
            imp.target in side or imp.target.startswith("guanxi.algorithms.")
        ):
            analysis_imports.append(("guanxi.cli.view", imp.target, imp.line))
    assert len(checked) > 20 and "guanxi.service.snapshot" in checked
    new = sorted(algorithm_imports - KNOWN_READ_MODEL_ALGORITHM_IMPORTS)
    assert not new, f"the read model imports algorithm modules (read stored results): {new}"
    stale = sorted(KNOWN_READ_MODEL_ALGORITHM_IMPORTS - algorithm_imports)
    assert not stale, f"no longer imported, remove from KNOWN_READ_MODEL_ALGORITHM_IMPORTS: {stale}"
    assert not analysis_imports, f"the read model imports the analysis side: {analysis_imports}"


def test_serving_and_viewing_the_published_run_load_no_algorithm(tmp_path):
    """What a server does (refresh, every answer, every view, an HTML page) and what
    ``guanxi view group ID`` does, in a fresh interpreter: the only algorithm module
    loaded is the neighbourhood search."""
    import subprocess
    import sys

    try:
        from tests.read_model_support import analyzed_store, make_bank
    except ModuleNotFoundError:
        from read_model_support import analyzed_store, make_bank  # type: ignore[no-redef]

    path, _ = analyzed_store(
        tmp_path / "guanxi.duckdb", make_bank(tmp_path / "bank", customers=200, seed=11)
    )
    script = f"""
import json, sys
from typer.testing import CliRunner
import guanxi.api.app
from guanxi.cli import app
from guanxi.service import GraphService
from guanxi.viz import render_view

service = GraphService.from_path({str(path)!r})
snap = service.refresh().prepare()
group, circle = snap.groups.index[0], snap.circles.index[0]
referrer, member = snap.reach.index[0], snap.group_members.rows(group)["customer_id"].iat[0]
household = snap.household_summary.index[0]
service.groups(); service.group(group); service.group_of(member); service.circles()
service.circle(circle); service.customer(member); service.suspected_links(member)
service.household(household); service.cascade(referrer); service.influencers()
service.seeds(k=2); service.latest_analysis()
for view in (service.network(member, hops=2), service.group_view(group),
             service.circle_view(circle), service.cascade_view(referrer),
             service.overview_view()):
    render_view(view)
out = CliRunner().invoke(
    app, ["view", "group", group, "--store", {str(path)!r}, "--out", {str(tmp_path / "g.html")!r}]
)
assert out.exit_code == 0, out.output
print(json.dumps(sorted(m for m in sys.modules
                        if m.startswith("guanxi.algorithms") or m in ("guanxi.analysis", "guanxi.history"))))
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=600
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert loaded == ["guanxi.algorithms", NEIGHBOURHOOD], (
        "serving or viewing the published run loaded algorithm modules (the read model "
        f"must only index stored results): {loaded}"
    )
    assert (tmp_path / "g.html").stat().st_size > 0
