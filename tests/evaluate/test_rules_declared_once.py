"""A rule is declared once, in its suite: the design's rule table and the README's families are checked against it."""

from __future__ import annotations

import re
from pathlib import Path

from assurance_jobs.evaluate import all_rules, load_suites
from assurance_jobs.evaluate.suites import GX_SEVERITY

REPO = Path(__file__).resolve().parents[2]


def _design_rule_table() -> dict[str, tuple[str, str, frozenset[str]]]:
    design = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
    table = design.split("| rule id | family | subject table |", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in table.splitlines()[2:]:
        rule_id, family, subject, _checks, depends_on = (cell.strip() for cell in line.strip("|").split("|"))
        rows[rule_id] = (family, subject, frozenset(s.strip() for s in depends_on.split(",")))
    return rows


def test_the_design_rule_table_lists_every_suite_rule_with_its_family_subject_and_sources() -> None:
    declared = {
        rule.rule_id: (rule.family, rule.subject, frozenset(rule.depends_on)) for rule in all_rules(load_suites())
    }
    assert _design_rule_table() == declared


def test_the_readme_rule_table_has_one_row_per_suite_family() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = readme.split("| family | rules |", 1)[1].split("\n\n", 1)[0]
    families = {re.sub(r"\s+", "_", line.split("|")[1].strip()) for line in table.splitlines()[2:]}
    assert families == {suite.name for suite in load_suites()}


def test_every_suite_gx_severity_is_the_one_its_rule_severity_maps_to() -> None:
    for rule in all_rules(load_suites()):
        assert rule.expectation.get("severity", GX_SEVERITY[rule.severity]) == GX_SEVERITY[rule.severity], rule.rule_id


def test_the_report_orders_exactly_the_severities_the_suites_allow() -> None:
    from assurance_jobs.evaluate.suites import SEVERITIES
    from assurance_jobs.output.bundle import SEVERITIES as REPORT_SEVERITIES

    assert REPORT_SEVERITIES == SEVERITIES
