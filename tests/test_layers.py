"""The package reads as the data flow: imports run one way, nothing imports in a circle, nothing loads by a string.

The order is the data flow (base → config → snapshot → collect/scan → baseline → sources → evaluate → output →
steps → Dagster wiring → the command line). The scan is ast-based, so an import inside a function counts as much
as one at the top of the file.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import networkx as nx
import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assurance_jobs"

# Lowest first. A name is the first component under assurance_jobs (a subpackage or a top-level module).
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"__init__", "schema", "assets", "yaml_files", "parquet", "input_errors"}),  # data and helpers
    frozenset({"config"}),
    frozenset({"snapshot"}),
    # pure analysis; the boto3 collector; the runtime token probes; what a source is (its collector and parser types)
    frozenset({"scan", "collect", "probes", "source"}),
    frozenset({"baseline", "demo"}),  # approved baseline, agent registry, drift; the emulated demo estate
    frozenset({"sources"}),  # the source registry: one module per source, imported for real
    frozenset({"evaluate"}),
    frozenset({"output", "events"}),
    frozenset({"steps"}),  # the run's steps as plain functions over storage
    frozenset({"defs"}),  # Dagster wiring, per concern
    frozenset({"definitions"}),  # the code location: defs merged from settings
    frozenset({"app"}),  # the command line
)
LAYER_OF = {name: index for index, layer in enumerate(LAYERS) for name in layer}
STRING_LOADERS = frozenset({"import_module", "__import__", "module_from_spec", "spec_from_file_location", "locate"})
"""Calls that load a module by name: a module loaded that way is invisible to this test and to go-to-definition."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


MODULES = {_module_name(path) for path in _modules()}


def _resolve(name: str, modules: set[str]) -> str | None:
    """The package module an imported name refers to: the name itself, or the module that defines it."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported_modules(tree: ast.AST, modules: set[str] = MODULES) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.update(
            module for name in names if name.startswith("assurance_jobs") and (module := _resolve(name, modules))
        )
    return found


def _graph_of(sources: dict[str, str]) -> nx.DiGraph:
    """Module → the package modules it imports, from each module's source text."""
    graph = nx.DiGraph()
    for module, text in sources.items():
        graph.add_node(module)
        for imported in _imported_modules(ast.parse(text), set(sources)):
            if imported != module and not module.startswith(f"{imported}."):  # a package's own __init__ is not a cycle
                graph.add_edge(module, imported)
    return graph


def _import_graph() -> nx.DiGraph:
    return _graph_of({_module_name(path): path.read_text(encoding="utf-8") for path in _modules()})


def test_every_package_unit_has_a_layer() -> None:
    assert {_unit(_module_name(path)) for path in _modules()} <= set(LAYER_OF)


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_module_imports_a_layer_above_its_own(path: Path) -> None:
    own = LAYER_OF[_unit(_module_name(path))]
    imported = {_unit(module) for module in _imported_modules(ast.parse(path.read_text(encoding="utf-8")))}
    upward = sorted(unit for unit in imported if LAYER_OF[unit] > own)
    assert upward == [], f"{path.relative_to(PACKAGE)} imports {upward}, above its layer {sorted(LAYERS[own])}"


def test_no_modules_import_each_other_in_a_circle() -> None:
    cycles = sorted(sorted(cycle) for cycle in nx.simple_cycles(_import_graph()))
    assert cycles == []


def test_no_units_import_each_other_in_a_circle() -> None:
    """Within a layer too: two packages of one layer may not both import the other."""
    units: dict[str, set[str]] = defaultdict(set)
    for importer, imported in _import_graph().edges:
        if _unit(importer) != _unit(imported):
            units[_unit(importer)].add(_unit(imported))
    circles = sorted(tuple(sorted((a, b))) for a, targets in units.items() for b in targets if a in units.get(b, ()))
    assert circles == []


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_module_is_loaded_by_a_string_name(path: Path) -> None:
    calls = [
        node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
    ]
    assert sorted(set(calls) & STRING_LOADERS) == []


def test_the_cycle_check_sees_an_import_inside_a_function() -> None:
    tree = ast.parse("def f():\n    from assurance_jobs.baseline.model import Baseline\n")
    assert _imported_modules(tree) == {"assurance_jobs.baseline.model"}


def test_the_cycle_check_finds_a_circle_closed_by_a_function_level_import() -> None:
    graph = _graph_of(
        {
            "assurance_jobs.app.cli": "from assurance_jobs.app.runner import run\n",
            "assurance_jobs.app.runner": "def run():\n    from assurance_jobs.app.cli import EXIT_OK\n",
        }
    )
    assert sorted(sorted(cycle) for cycle in nx.simple_cycles(graph)) == [
        ["assurance_jobs.app.cli", "assurance_jobs.app.runner"]
    ]


def test_the_string_loader_check_knows_importlib() -> None:
    assert "import_module" in STRING_LOADERS and "__import__" in STRING_LOADERS


def test_scan_imports_nothing_from_baseline_evaluate_output_or_wiring() -> None:
    forbidden = {"baseline", "evaluate", "output", "defs", "steps", "sources", "app"}
    for path in sorted((PACKAGE / "scan").rglob("*.py")):
        units = {_unit(module) for module in _imported_modules(ast.parse(path.read_text(encoding="utf-8")))}
        assert not units & forbidden, path


def test_the_package_root_keeps_only_base_modules_and_the_code_location() -> None:
    roots = {path.stem for path in PACKAGE.glob("*.py")}
    assert roots == {
        "__init__",
        "schema",
        "assets",
        "yaml_files",
        "parquet",
        "input_errors",
        "config",
        "source",
        "definitions",
    }
