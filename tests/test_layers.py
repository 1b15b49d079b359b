"""Imports run one way: a module may import its own layer or the layers below it, never one above.

The order is the data flow (sources → snapshot → inventory → evaluate → report) with the wiring on top. The scan
is ast-based, so an import inside a function counts as much as one at the top of the file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assurance_jobs"

# Lowest first. A name is the first component under assurance_jobs (a subpackage or a top-level module).
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"__init__", "sources", "schema", "assets", "yaml_files"}),  # data and helpers, imported by everyone
    frozenset({"config"}),
    frozenset({"snapshot"}),
    frozenset({"scan", "collect", "probes"}),  # pure analysis; the boto3 collector; the runtime token probes
    frozenset({"baseline"}),  # approved baseline, agent registry, drift: built on scan
    frozenset({"facts", "evaluate"}),  # scan facts joined with baseline facts; the GX evaluation
    frozenset({"output", "events"}),
    frozenset({"pipeline", "probe_pipeline", "publish", "summary", "alerts", "inputs", "preflight"}),
    frozenset({"defs", "definitions", "runner", "progress", "demo", "cli"}),  # Dagster wiring and entry points
)
LAYER_OF = {name: index for index, layer in enumerate(LAYERS) for name in layer}


def _unit(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imported_units(tree: ast.AST) -> set[str]:
    units = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "assurance_jobs":
                units.add(parts[1] if len(parts) > 1 else "__init__")
    return units


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_every_package_unit_has_a_layer() -> None:
    assert {_unit(path) for path in _modules()} <= set(LAYER_OF)


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(PACKAGE)))
def test_no_module_imports_a_layer_above_its_own(path: Path) -> None:
    own = LAYER_OF[_unit(path)]
    imported = _imported_units(ast.parse(path.read_text(encoding="utf-8")))
    upward = sorted(unit for unit in imported if unit in LAYER_OF and LAYER_OF[unit] > own)
    assert upward == [], f"{path.relative_to(PACKAGE)} imports {upward}, above its layer {sorted(LAYERS[own])}"


def test_the_upward_check_sees_an_import_inside_a_function() -> None:
    tree = ast.parse("def f():\n    from assurance_jobs.baseline.model import Baseline\n")
    assert _imported_units(tree) == {"baseline"}


def test_scan_imports_nothing_from_baseline_evaluate_output_or_defs() -> None:
    forbidden = {"baseline", "evaluate", "output", "defs", "facts", "pipeline"}
    for path in sorted((PACKAGE / "scan").rglob("*.py")):
        assert not _imported_units(ast.parse(path.read_text(encoding="utf-8"))) & forbidden, path
