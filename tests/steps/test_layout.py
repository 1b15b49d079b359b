"""Storage keys are built in one place, `steps/layout.py`: no other module spells out where a table or a day lives."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest

from assurance_jobs.steps import layout

PACKAGE = Path(layout.__file__).resolve().parents[1]
PREFIXES = (
    layout.INVENTORY_PREFIX,
    layout.ACTIVITY_PREFIX,
    layout.STAGING_PREFIX,
    layout.ALERTS_PREFIX,
    layout.SNAPSHOTS_PREFIX,
    layout.PROBES_PREFIX,
)
OWNERS = {"steps/layout.py", "snapshot/store.py", "probes/evidence.py"}
"""The layout, and the two evidence writers that lay out the inside of a snapshot or probe run they are handed."""


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
        ):
            found.add(id(body[0].value))
    return found


def _spelled_keys(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = _docstrings(tree)
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and node.value.startswith(tuple(f"{prefix}/" for prefix in PREFIXES))
    ]


@pytest.mark.parametrize(
    "path",
    [p for p in sorted(PACKAGE.rglob("*.py")) if str(p.relative_to(PACKAGE)) not in OWNERS],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_no_module_but_the_layout_spells_a_storage_key(path: Path) -> None:
    assert _spelled_keys(path) == []


def test_the_check_sees_a_key_spelled_in_an_f_string(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text('def key(day):\n    return f"inventory/{day}/findings.parquet"\n')
    assert _spelled_keys(module) == ["inventory/"]


def test_a_days_table_lives_under_its_inventory_folder() -> None:
    assert layout.table_key(date(2026, 12, 6), "findings") == "inventory/2026-12-06/findings.parquet"


def test_baseline_proposals_are_written_beside_the_sealed_report_folders_never_inside_one() -> None:
    """A day's report folder is sealed by its SHA256SUMS and replaced whole on republish: a draft inside it would
    fail `verify` and be lost."""
    day = date(2026, 12, 6)
    proposals = layout.baseline_proposal_dir("out", day)
    assert not proposals.is_relative_to(layout.output_day_dir("out", day))
    assert proposals.is_relative_to(Path("out"))
